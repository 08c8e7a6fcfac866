package s3api

import "net/http"

const maxObjectTags = 10

// Object tags live in the object's metadata; replacing them leaves the
// object's bytes, ETag and modification time alone.

// readObjectTagging reads PutObjectTagging's document before the request
// is authorized: the s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys
// condition keys are its tags (tagging-and-policies: a policy may limit
// the tags PutObjectTagging sets).
func (h *Handler) readObjectTagging(q *request) error {
	if err := checkVersionID(q); err != nil {
		return err
	}
	if err := checkKey(q.key); err != nil {
		return err
	}
	body, err := h.readBody(q, maxTaggingBody, errCode("MalformedXML"))
	if err != nil {
		return err
	}
	tags, err := parseTagging(body, objectTags)
	if err != nil {
		return err
	}
	q.tags = tags // empty, not nil: the request sets no tags
	return nil
}

func (h *Handler) putObjectTagging(q *request) error {
	tags := q.tags
	if len(tags) == 0 {
		tags = nil
	}
	if err := h.meta.SetObjectTags(q.r.Context(), q.bucket, q.key, tags); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) getObjectTagging(q *request) error {
	if err := checkVersionID(q); err != nil {
		return err
	}
	o, err := h.requestObject(q)
	if err != nil {
		return err
	}
	writeXML(q.w, http.StatusOK, taggingDoc(o.Tags))
	return nil
}

func (h *Handler) deleteObjectTagging(q *request) error {
	if err := checkVersionID(q); err != nil {
		return err
	}
	if err := h.meta.SetObjectTags(q.r.Context(), q.bucket, q.key, nil); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}
