package s3api

import (
	"encoding/xml"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/authn"
)

var rootOwner = owner{ID: authn.Account, DisplayName: "wicket"}

// validBucketName applies AWS's naming rules for general purpose buckets.
func validBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	first, last := name[0], name[len(name)-1]
	if first == '.' || first == '-' || last == '.' || last == '-' {
		return false
	}
	if strings.Contains(name, "..") || strings.Contains(name, ".-") || strings.Contains(name, "-.") {
		return false
	}
	if net.ParseIP(name) != nil {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return false
		}
	}
	return true
}

// maxBucketsPage is the ceiling of ListBuckets' max-buckets.
const maxBucketsPage = 10000

func (h *Handler) listBuckets(q *request) error {
	buckets, err := h.meta.ListBuckets(q.r.Context())
	if err != nil {
		return err
	}
	limit := len(buckets)
	if v := q.query.Get("max-buckets"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxBucketsPage {
			return errCodeDetail("InvalidArgument", func(e *errorBody) {
				e.Message = "Argument max-buckets must be an integer between 1 and 10000."
				e.ArgumentName, e.ArgumentValue = "max-buckets", v
			})
		}
		limit = n
	}
	// The continuation token is the last name of the previous page.
	after := q.query.Get("continuation-token")
	prefix := q.query.Get("prefix")
	sort.Slice(buckets, func(i, j int) bool { return buckets[i].Name < buckets[j].Name })
	res := listAllMyBucketsResult{Xmlns: s3NS, Owner: rootOwner, Prefix: xmlText(prefix), Buckets: []bucketEntry{}}
	for _, b := range buckets {
		if !strings.HasPrefix(b.Name, prefix) || b.Name <= after {
			continue
		}
		if len(res.Buckets) == limit {
			res.ContinuationToken = res.Buckets[limit-1].Name
			break
		}
		res.Buckets = append(res.Buckets, bucketEntry{Name: b.Name, CreationDate: s3Time(b.Created), BucketRegion: b.Region})
	}
	writeXML(q.w, http.StatusOK, res)
	return nil
}

// cannedACLs are the canned ACLs S3 knows for x-amz-acl.
var cannedACLs = map[string]bool{
	"private": true, "public-read": true, "public-read-write": true, "aws-exec-read": true,
	"authenticated-read": true, "bucket-owner-read": true, "bucket-owner-full-control": true,
	"log-delivery-write": true,
}

// aclGrantHeaders are the headers that grant ACL permissions explicitly.
var aclGrantHeaders = []string{
	"X-Amz-Grant-Full-Control", "X-Amz-Grant-Read", "X-Amz-Grant-Read-Acp", "X-Amz-Grant-Write", "X-Amz-Grant-Write-Acp",
}

// Object Ownership settings of S3 (x-amz-object-ownership).
const (
	ownerEnforced  = "BucketOwnerEnforced"
	ownerPreferred = "BucketOwnerPreferred"
	objectWriter   = "ObjectWriter"
)

// checkBucketACL validates the ACL and Object Ownership headers of
// CreateBucket. Wicket has no ACLs: a bucket behaves as S3's default,
// BucketOwnerEnforced, where ACLs are disabled. As S3 does, an ACL that
// would grant anything beyond the owner's full control is refused under
// that setting (the default when the header is absent), and accepted and
// ignored under the others, which Wicket does not distinguish.
func checkBucketACL(hdr http.Header) error {
	acl := hdr.Get("X-Amz-Acl")
	if acl != "" && !cannedACLs[acl] {
		return errCodeDetail("InvalidArgument", func(e *errorBody) {
			e.ArgumentName, e.ArgumentValue = "x-amz-acl", acl
		})
	}
	ownership := hdr.Get("X-Amz-Object-Ownership")
	switch ownership {
	case "", ownerEnforced, ownerPreferred, objectWriter:
	default:
		return errCodeDetail("InvalidArgument", func(e *errorBody) {
			e.Message = "Invalid x-amz-object-ownership header: " + ownership
			e.ArgumentName = "x-amz-object-ownership"
		})
	}
	if ownership != "" && ownership != ownerEnforced {
		return nil
	}
	granted := acl != "" && acl != "private" && acl != "bucket-owner-full-control"
	for _, name := range aclGrantHeaders {
		granted = granted || hdr.Get(name) != ""
	}
	if granted {
		return errCode("InvalidBucketAclWithObjectOwnership")
	}
	return nil
}

func (h *Handler) createBucket(q *request) error {
	if !validBucketName(q.bucket) {
		return errCode("InvalidBucketName")
	}
	if err := checkBucketACL(q.r.Header); err != nil {
		return err
	}
	var tags map[string]string
	if q.r.ContentLength != 0 {
		var cfg createBucketConfiguration
		if err := h.readXML(q, &cfg); err != nil {
			return err
		}
		// us-east-1 is the one region whose constraint is empty, and naming
		// it is refused even at its own endpoint; naming another region
		// than the endpoint's is refused as S3 refuses it.
		if c := cfg.LocationConstraint; c == "us-east-1" || c != "" && c != h.region {
			if c == "us-east-1" || h.region == "us-east-1" {
				return errCode("InvalidLocationConstraint", "The specified location-constraint is not valid")
			}
			return errCode("IllegalLocationConstraintException", "The "+c+" location constraint is incompatible for the region specific endpoint this request was sent to.")
		}
		if cfg.Tags != nil {
			var err error
			if tags, err = tagsFromSet(cfg.Tags, newBucketTags); err != nil {
				return err
			}
		}
	}
	lock := strings.EqualFold(q.r.Header.Get("X-Amz-Bucket-Object-Lock-Enabled"), "true")
	ctx := q.r.Context()
	err := h.meta.CreateBucket(ctx, wicket.Bucket{Name: q.bucket, Region: h.region, Created: h.clock.Now()})
	if err != nil {
		return err
	}
	// The tags are the bucket's tagging document from the start, as if
	// PutBucketTagging had followed; Object Lock is an
	// ObjectLockConfiguration without a default retention.
	var cfgErr error
	if len(tags) > 0 {
		doc, err := xml.Marshal(taggingDoc(tags))
		if err == nil {
			err = h.meta.PutBucketConfig(ctx, q.bucket, configTagging, doc)
		}
		cfgErr = err
	}
	if lock && cfgErr == nil {
		doc, err := lockConfigDoc(&bucketLock{})
		if err == nil {
			err = h.meta.PutBucketConfig(ctx, q.bucket, configObjectLock, doc)
		}
		h.locks.forget(q.bucket)
		cfgErr = err
	}
	if cfgErr != nil {
		// A bucket without the tags or the lock asked for is not what was
		// asked.
		if _, derr := h.meta.DeleteBucket(ctx, q.bucket); derr != nil {
			h.log.Warn("drop bucket whose configuration was not stored", "bucket", q.bucket, "err", derr)
		}
		return cfgErr
	}
	q.w.Header().Set("Location", "/"+q.bucket)
	// S3 names the new bucket's ARN (API_CreateBucket, BucketArn).
	q.w.Header().Set("x-amz-bucket-arn", bucketARN(q.bucket))
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) headBucket(q *request) error {
	b, err := h.meta.GetBucket(q.r.Context(), q.bucket)
	if err != nil {
		return err
	}
	q.w.Header().Set("x-amz-bucket-region", b.Region)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) deleteBucket(q *request) error {
	dropped, err := h.meta.DeleteBucket(q.r.Context(), q.bucket)
	if err != nil {
		return err
	}
	h.dropBlobs(q, dropped)
	h.cors.forget(q.bucket)
	h.policies.forget(q.bucket)
	h.buckets.forget(q.bucket)
	h.locks.forget(q.bucket)
	h.blocks.forget(q.bucket)
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) getBucketLocation(q *request) error {
	b, err := h.meta.GetBucket(q.r.Context(), q.bucket)
	if err != nil {
		return err
	}
	loc := b.Region
	if loc == "us-east-1" {
		loc = "" // S3 reports us-east-1 as an empty constraint
	}
	writeXML(q.w, http.StatusOK, locationConstraint{Xmlns: s3NS, Value: loc})
	return nil
}

// getBucketVersioning answers that versioning was never enabled, which is
// true: Wicket keeps one version of each object. Tools ask before syncing.
// getBucketEncryption answers as S3 did for a bucket without default
// encryption: Wicket stores object bytes as they came (encryption at rest
// is the disk's), and an SSE-S3 rule here would claim what it does not do.
// Tools that check a bucket's encryption read the 404 as "none".
func (h *Handler) getBucketEncryption(q *request) error {
	if _, err := h.meta.GetBucket(q.r.Context(), q.bucket); err != nil {
		return err
	}
	return errCodeDetail("ServerSideEncryptionConfigurationNotFoundError", func(e *errorBody) { e.BucketName = q.bucket })
}

// deleteBucketEncryption removes the configuration there is none of.
func (h *Handler) deleteBucketEncryption(q *request) error {
	if _, err := h.meta.GetBucket(q.r.Context(), q.bucket); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) getBucketVersioning(q *request) error {
	if _, err := h.meta.GetBucket(q.r.Context(), q.bucket); err != nil {
		return err
	}
	writeXML(q.w, http.StatusOK, versioningConfiguration{Xmlns: s3NS})
	return nil
}
