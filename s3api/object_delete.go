package s3api

import "net/http"

func (h *Handler) deleteObject(q *request) error {
	if _, err := h.meta.GetBucket(q.r.Context(), q.bucket); err != nil {
		return err
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
