package s3api

import "net/http"

// deleteObject deletes an object, or the version of it the request names.
// Each object has one version, "null": deleting another deletes nothing,
// which S3 answers 204 with the version asked for, as for any version
// that does not exist (versity/versitygw#1758 and minio/minio#18117, from
// S3's answers; scality/cloudserver#725) — never the object itself.
func (h *Handler) deleteObject(q *request) error {
	if _, err := h.meta.GetBucket(q.r.Context(), q.bucket); err != nil {
		return err
	}
	if v, ok := q.query["versionId"]; ok && v[0] != "" {
		q.w.Header().Set("x-amz-version-id", v[0])
		if v[0] != nullVersion {
			q.w.WriteHeader(http.StatusNoContent)
			return nil
		}
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
