package s3api

import "net/http"

// deleteObject deletes an object, or its version "null", the one version
// each object has, answering with x-amz-version-id. Naming another version
// deletes nothing: on a bucket that never had versioning S3 answers
// InvalidArgument "Invalid version id specified" (LocalStack's S3
// provider, validated against S3).
func (h *Handler) deleteObject(q *request) error {
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
	cond, err := h.lockCondition(q, q.key)
	if err != nil {
		return err
	}
	dropped, err := h.meta.DeleteObject(q.r.Context(), q.bucket, q.key, cond)
	if err != nil {
		return h.refusal(q, q.key, err)
	}
	h.dropBlobs(q, dropped)
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}
