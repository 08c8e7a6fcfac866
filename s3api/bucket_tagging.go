package s3api

import (
	"encoding/xml"
	"net/http"
)

const maxBucketTags = 50

// Bucket tags are kept as a Tagging document, in key order, and returned
// as kept. An empty TagSet removes them, as DeleteBucketTagging does.

func (h *Handler) putBucketTagging(q *request) error {
	if _, err := h.meta.GetBucket(q.r.Context(), q.bucket); err != nil {
		return err
	}
	body, err := h.readBody(q, maxTaggingBody, errCode("MalformedXML"))
	if err != nil {
		return err
	}
	tags, err := parseTagging(body, bucketTags)
	if err != nil {
		return err
	}
	var doc []byte // nil deletes
	if len(tags) > 0 {
		if doc, err = xml.Marshal(taggingDoc(tags)); err != nil {
			return err
		}
	}
	if err := h.meta.PutBucketConfig(q.r.Context(), q.bucket, configTagging, doc); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) getBucketTagging(q *request) error {
	return h.writeConfig(q, configTagging, "NoSuchTagSet")
}

func (h *Handler) deleteBucketTagging(q *request) error {
	if err := h.meta.PutBucketConfig(q.r.Context(), q.bucket, configTagging, nil); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}
