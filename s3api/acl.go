package s3api

import (
	"encoding/xml"
	"net/http"
	"slices"
	"strings"
)

// Access control lists, as S3 has them on a bucket whose Object Ownership is
// BucketOwnerEnforced, S3's default for new buckets and Wicket's only
// setting: ACLs are disabled, policies alone grant access. Reading an ACL
// answers the owner's FULL_CONTROL; setting one succeeds only when it
// grants nothing more (the private canned ACL, bucket-owner-full-control
// for an object, or the same grant written out), and otherwise fails with
// AccessControlListNotSupported ("Requests to set ACLs or update ACLs fail
// and return the AccessControlListNotSupported error code. Requests to read
// ACLs are still supported", Controlling ownership of objects and disabling
// ACLs). Tools that read a bucket's ACL or ownership controls before they
// work (Terraform, backup and sync tools) get what S3 would tell them.

const xsiNS = "http://www.w3.org/2001/XMLSchema-instance"

type accessControlPolicy struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Owner   *owner   `xml:"Owner"`
	Grants  []grant  `xml:"AccessControlList>Grant"`
}

type grant struct {
	Grantee    grantee `xml:"Grantee"`
	Permission string  `xml:"Permission"`
}

// grantee is written with a literal xsi prefix, as S3 writes it (and as the
// SDKs read it back: "xsi:type").
type grantee struct {
	XmlnsXsi    string `xml:"xmlns:xsi,attr,omitempty"`
	Type        string `xml:"xsi:type,attr,omitempty"`
	ID          string `xml:"ID,omitempty"`
	DisplayName string `xml:"DisplayName,omitempty"`
	URI         string `xml:"URI,omitempty"`
	Email       string `xml:"EmailAddress,omitempty"`
}

// ownerOnlyACL is the ACL of every bucket and object: the owner's full
// control.
func ownerOnlyACL() accessControlPolicy {
	o := rootOwner
	return accessControlPolicy{Xmlns: s3NS, Owner: &o, Grants: []grant{{
		Grantee:    grantee{XmlnsXsi: xsiNS, Type: "CanonicalUser", ID: o.ID, DisplayName: o.DisplayName},
		Permission: "FULL_CONTROL",
	}}}
}

func (h *Handler) getBucketACL(q *request) error {
	if err := h.checkBucket(q.r.Context(), q.bucket); err != nil {
		return err
	}
	writeXML(q.w, http.StatusOK, ownerOnlyACL())
	return nil
}

func (h *Handler) getObjectACL(q *request) error {
	if _, err := h.requestObject(q); err != nil {
		return err
	}
	writeXML(q.w, http.StatusOK, ownerOnlyACL())
	return nil
}

func (h *Handler) putBucketACL(q *request) error {
	if err := h.checkBucket(q.r.Context(), q.bucket); err != nil {
		return err
	}
	return h.putACL(q, "private")
}

// aclHeaders checks a request's ACL headers as S3 does with ACLs disabled
// (BucketOwnerEnforced): an x-amz-acl must be a canned ACL S3 knows
// (InvalidArgument) and one of allowed, and no x-amz-grant-* may be given;
// anything else grants more than the owner's full control and is
// AccessControlListNotSupported. It reports whether an ACL header was
// given.
func aclHeaders(hdr http.Header, allowed ...string) (bool, error) {
	if v := hdr.Get("X-Amz-Acl"); v != "" {
		if !cannedACLs[v] {
			return true, errCodeDetail("InvalidArgument", func(e *errorBody) {
				e.ArgumentName, e.ArgumentValue = "x-amz-acl", v
			})
		}
		if !slices.Contains(allowed, v) {
			return true, errCode("AccessControlListNotSupported")
		}
		return true, nil
	}
	for _, name := range aclGrantHeaders {
		if hdr.Get(name) != "" {
			return true, errCode("AccessControlListNotSupported")
		}
	}
	return false, nil
}

// checkWriteACL refuses a write (PutObject, CopyObject,
// CreateMultipartUpload) whose ACL would grant more than the owner's full
// control: "Buckets that use this setting only accept PUT requests that
// don't specify an ACL or PUT requests that specify bucket owner full
// control ACLs … PUT requests that contain other ACLs … fail and return a
// 400 error with the error code AccessControlListNotSupported" (API_PutObject).
// Before, such an ACL was dropped without a word, and an object put
// public-read stayed private.
func checkWriteACL(hdr http.Header) error {
	_, err := aclHeaders(hdr, "private", "bucket-owner-full-control")
	return err
}

func (h *Handler) putObjectACL(q *request) error {
	if _, err := h.requestObject(q); err != nil {
		return err
	}
	return h.putACL(q, "private", "bucket-owner-full-control")
}

// putACL accepts an ACL that grants the owner full control and nothing
// else: one of the canned ACLs allowed, or a body that says so.
func (h *Handler) putACL(q *request, canned ...string) error {
	given, err := aclHeaders(q.r.Header, canned...)
	if err != nil {
		return err
	}
	if given {
		q.w.WriteHeader(http.StatusOK)
		return nil
	}
	body, err := h.readBody(q, maxXMLBody, errCode("MalformedACLError"))
	if err != nil {
		return err
	}
	if len(body) == 0 {
		return errCode("MissingSecurityHeader", "Your request was missing a required header")
	}
	var p accessControlPolicy
	if err := xml.Unmarshal(body, &p); err != nil || len(p.Grants) == 0 {
		return errCode("MalformedACLError")
	}
	for _, g := range p.Grants {
		// Unmarshal reads xsi:type under the namespace it declares.
		if g.Grantee.ID != rootOwner.ID || g.Permission != "FULL_CONTROL" || g.Grantee.URI != "" || g.Grantee.Email != "" {
			return errCode("AccessControlListNotSupported")
		}
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

type ownershipControls struct {
	XMLName xml.Name        `xml:"OwnershipControls"`
	Xmlns   string          `xml:"xmlns,attr,omitempty"`
	Rules   []ownershipRule `xml:"Rule"`
	Unknown []anyElement    `xml:",any"`
}

type ownershipRule struct {
	ObjectOwnership string `xml:"ObjectOwnership"`
}

func (h *Handler) getBucketOwnershipControls(q *request) error {
	if err := h.checkBucket(q.r.Context(), q.bucket); err != nil {
		return err
	}
	writeXML(q.w, http.StatusOK, ownershipControls{Xmlns: s3NS, Rules: []ownershipRule{{ObjectOwnership: "BucketOwnerEnforced"}}})
	return nil
}

// putBucketOwnershipControls keeps BucketOwnerEnforced, the one setting
// Wicket has; the others would enable ACLs.
func (h *Handler) putBucketOwnershipControls(q *request) error {
	if err := h.checkBucket(q.r.Context(), q.bucket); err != nil {
		return err
	}
	body, err := h.readBody(q, maxXMLBody, errCode("MalformedXML"))
	if err != nil {
		return err
	}
	var c ownershipControls
	if err := xml.Unmarshal(body, &c); err != nil || len(c.Unknown) > 0 || len(c.Rules) != 1 {
		return errCode("MalformedXML")
	}
	switch v := strings.TrimSpace(c.Rules[0].ObjectOwnership); v {
	case "BucketOwnerEnforced":
		q.w.WriteHeader(http.StatusOK)
		return nil
	case "BucketOwnerPreferred", "ObjectWriter":
		return errCode("NotImplemented", "Wicket keeps ACLs disabled: only BucketOwnerEnforced object ownership is supported.")
	default:
		return errCode("MalformedXML")
	}
}
