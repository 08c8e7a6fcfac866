package s3api

import (
	"net/http"
	"strings"
)

// deleteObject deletes an object, or its version "null", the one version
// each object has, answering with x-amz-version-id. Naming another version
// deletes nothing: on a bucket that never had versioning S3 answers
// InvalidArgument "Invalid version id specified" (LocalStack's S3
// provider, validated against S3).
func (h *Handler) deleteObject(q *request) error {
	if err := directoryOnly(q.r.Header, "x-amz-if-match-size", "x-amz-if-match-last-modified-time"); err != nil {
		return err
	}
	if _, err := h.meta.GetBucket(q.r.Context(), q.bucket); err != nil {
		return err
	}
	if v, ok := q.query["versionId"]; ok && v[0] != "" {
		if v[0] != nullVersion {
			return errCodeDetail("InvalidArgument", func(e *errorBody) {
				e.Message = "Invalid version id specified"
				e.ArgumentName, e.ArgumentValue = "versionId", v[0]
			})
		}
		q.w.Header().Set("x-amz-version-id", nullVersion)
	}
	if err := h.deleteKey(q, q.key, q.r.Header.Get("If-Match")); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// deleteKey deletes one key of q's bucket, for DeleteObject and each entry
// of DeleteObjects, under its Object Lock (lockCondition) and its
// conditional delete's If-Match (DeleteObject's header, a DeleteObjects
// entry's ETag): the store deletes only an object whose ETag it names, or
// any object for "*", and answers PreconditionFailed for another ETag and
// NoSuchKey for no object, as S3 does for general purpose buckets since
// 2025 (conditional-deletes in the S3 User Guide). Naming an ETag reveals
// whether the object changed, so it takes s3:GetObject on the key besides
// s3:DeleteObject, as S3 requires.
func (h *Handler) deleteKey(q *request, key, ifMatch string) error {
	cond, err := h.lockCondition(q, key)
	if err != nil {
		return err
	}
	cond.IfMatch = strings.Trim(strings.TrimSpace(ifMatch), `"`)
	if cond.IfMatch != "" && cond.IfMatch != "*" {
		if err := h.authorize(q, "s3:GetObject", objectARN(q.bucket, key)); err != nil {
			return err
		}
	}
	dropped, err := h.meta.DeleteObject(q.r.Context(), q.bucket, key, cond)
	if err != nil {
		return h.refusal(q, key, err)
	}
	h.dropBlobs(q, dropped)
	return nil
}
