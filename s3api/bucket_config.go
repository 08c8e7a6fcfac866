package s3api

import (
	"bytes"
	"encoding/xml"
	"errors"
	"net/http"
	"strings"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/sigv4"
)

// Bucket configuration documents are stored whole, one per kind, through
// MetaStore.PutBucketConfig; S3 answers each kind's absence with its own
// code.
const (
	configPolicy  = "policy"
	configCORS    = "cors"
	configTagging = "tagging"
	// configObjectLock is the ObjectLockConfiguration of a bucket created
	// with Object Lock; its presence is what makes the bucket one.
	configObjectLock = "object-lock"
	// configPublicAccessBlock is the bucket's Block Public Access settings.
	configPublicAccessBlock = "public-access-block"
)

// configMissing reports whether err is the store saying that the bucket
// exists but has no document of the kind asked for. A missing bucket
// carries its own code (NoSuchBucket) and is not this.
func configMissing(err error) bool {
	return wicket.KindOf(err) == wicket.NotFound && wicket.CodeOf(err) == ""
}

// noSuchConfig is the error S3 answers for a bucket without a document of
// some kind: NoSuchBucketPolicy, NoSuchCORSConfiguration, NoSuchTagSet.
// writeConfig answers a GET of a configuration stored as S3 returns it
// (CORS, tagging, Object Lock): the document, or the kind's own error code
// when the bucket has none.
func (h *Handler) writeConfig(q *request, kind, missingCode string) error {
	doc, err := h.meta.GetBucketConfig(q.r.Context(), q.bucket, kind)
	if configMissing(err) {
		return noSuchConfig(missingCode, q.bucket)
	}
	if err != nil {
		return err
	}
	q.w.Header().Set("Content-Type", "application/xml")
	q.w.WriteHeader(http.StatusOK)
	q.w.Write([]byte(xml.Header))
	q.w.Write(doc)
	return nil
}

// configBody reads the XML body of a PUT of a bucket configuration whose
// digest S3 requires (Object Lock, Block Public Access): the bucket must
// exist and the body carry a Content-MD5 or a checksum.
func (h *Handler) configBody(q *request) ([]byte, error) {
	if _, err := h.meta.GetBucket(q.r.Context(), q.bucket); err != nil {
		return nil, err
	}
	if err := needIntegrity(q.r.Header); err != nil {
		return nil, err
	}
	return h.readBody(q, maxXMLBody, errCode("MalformedXML"))
}

func noSuchConfig(code, bucket string) error {
	return errCodeDetail(code, func(e *errorBody) { e.BucketName = bucket })
}

// readBody reads a small request body whole, decoding aws-chunked and
// checking every digest the client sent: Content-MD5, a signed hex
// x-amz-content-sha256, an x-amz-checksum-* header or trailer. A body over
// limit bytes is tooLarge.
func (h *Handler) readBody(q *request, limit int64, tooLarge error) ([]byte, error) {
	p, err := h.openPayload(q, limit)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.code == "EntityTooLarge" {
			return nil, tooLarge
		}
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(int(max(p.size, 0)))
	if err := p.copyTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// needIntegrity refuses a body that carries no digest, for the operations
// whose body S3 requires one for (DeleteObjects, PutBucketCors). Current
// SDKs send an x-amz-checksum-* header or trailer instead of Content-MD5;
// S3 takes either, and readBody checks whichever came.
func needIntegrity(hdr http.Header) error {
	if hdr.Get("Content-Md5") != "" {
		return nil
	}
	for name := range hdr {
		if _, ok := sigv4.ChecksumAlgorithmForHeader(name); ok {
			return nil
		}
	}
	for _, t := range strings.Split(hdr.Get("X-Amz-Trailer"), ",") {
		if _, ok := sigv4.ChecksumAlgorithmForHeader(strings.TrimSpace(t)); ok {
			return nil
		}
	}
	return errCode("InvalidRequest", "Missing required header for this request: Content-MD5")
}
