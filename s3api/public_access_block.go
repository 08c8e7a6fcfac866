package s3api

import (
	"encoding/xml"
	"net/http"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/policy"
)

// Block Public Access for a bucket: the four settings of its
// PublicAccessBlockConfiguration, stored as a bucket document. Wicket
// applies the two that concern policies. BlockPublicPolicy refuses a
// bucket policy that grants public access (policy.Policy.Public);
// RestrictPublicBuckets keeps callers outside the account — on Wicket,
// anonymous ones — from what a public bucket policy grants, while users and
// roles of the account keep it. The two ACL settings have nothing to act
// on: ACLs are disabled (acl.go), so no public ACL can be set or exist. A
// bucket without the document has all four off, as S3 buckets had before
// April 2023 (S3 now creates buckets with all four on; Wicket does not, so
// that the public-read policies its README shows keep working).
type publicAccessBlock struct {
	XMLName               xml.Name     `xml:"PublicAccessBlockConfiguration"`
	Xmlns                 string       `xml:"xmlns,attr,omitempty"`
	BlockPublicAcls       bool         `xml:"BlockPublicAcls"`
	IgnorePublicAcls      bool         `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     bool         `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets bool         `xml:"RestrictPublicBuckets"`
	Unknown               []anyElement `xml:",any"`
}

// parsePublicAccessBlock is the configuration cache's parser.
func parsePublicAccessBlock(doc []byte) (*publicAccessBlock, error) {
	var b publicAccessBlock
	if err := xml.Unmarshal(doc, &b); err != nil || len(b.Unknown) > 0 {
		return nil, errCode("MalformedXML")
	}
	return &b, nil
}

func (h *Handler) putPublicAccessBlock(q *request) error {
	body, err := h.configBody(q)
	if err != nil {
		return err
	}
	b, err := parsePublicAccessBlock(body)
	if err != nil {
		return err
	}
	b.Xmlns, b.Unknown = s3NS, nil
	doc, err := xml.Marshal(b)
	if err != nil {
		return wicket.E("s3api.putPublicAccessBlock", wicket.Internal, err)
	}
	err = h.meta.PutBucketConfig(q.r.Context(), q.bucket, configPublicAccessBlock, doc)
	h.blocks.forget(q.bucket)
	if err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) getPublicAccessBlock(q *request) error {
	return h.writeConfig(q, configPublicAccessBlock, "NoSuchPublicAccessBlockConfiguration")
}

func (h *Handler) deletePublicAccessBlock(q *request) error {
	err := h.meta.PutBucketConfig(q.r.Context(), q.bucket, configPublicAccessBlock, nil)
	h.blocks.forget(q.bucket)
	if err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// policyStatus is GetBucketPolicyStatus's answer.
type policyStatus struct {
	XMLName  xml.Name `xml:"PolicyStatus"`
	Xmlns    string   `xml:"xmlns,attr"`
	IsPublic bool     `xml:"IsPublic"`
}

// getBucketPolicyStatus says whether the bucket policy is public, as Block
// Public Access judges it; a bucket without a policy is NoSuchBucketPolicy.
func (h *Handler) getBucketPolicyStatus(q *request) error {
	rec, err := h.meta.GetBucketConfig(q.r.Context(), q.bucket, configPolicy)
	if configMissing(err) {
		return noSuchConfig("NoSuchBucketPolicy", q.bucket)
	}
	if err != nil {
		return err
	}
	bp, _ := h.parseBucketPolicy(rec) // one that no longer parses grants nothing
	writeXML(q.w, http.StatusOK, policyStatus{Xmlns: s3NS, IsPublic: bp.Policy.Public()})
	return nil
}

// blockPublicPolicy refuses a public policy for a bucket whose
// BlockPublicPolicy is on, with S3's message (captured in Terraform and
// CLI outputs).
func (h *Handler) blockPublicPolicy(q *request, p *policy.Policy) error {
	b, _, err := h.blocks.get(q.r.Context(), h, q.bucket)
	if err != nil || b == nil || !b.BlockPublicPolicy || !p.Public() {
		return err
	}
	return errCode("AccessDenied", "User: "+q.principal.ARN+" is not authorized to perform: s3:PutBucketPolicy on resource: \""+
		bucketARN(q.bucket)+"\" because public policies are blocked by the BlockPublicPolicy block public access setting.")
}

// restrictsPublic reports whether the bucket's RestrictPublicBuckets takes
// its public policy away from an anonymous caller.
func (h *Handler) restrictsPublic(q *request, bucket string, bp *policy.Policy) (bool, error) {
	b, _, err := h.blocks.get(q.r.Context(), h, bucket)
	if err != nil || b == nil || !b.RestrictPublicBuckets {
		return false, err
	}
	return bp.Public(), nil
}
