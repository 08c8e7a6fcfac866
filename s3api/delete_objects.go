package s3api

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Limits of DeleteObjects: S3 takes at most 1000 keys in one request. The
// body bound leaves room for 1000 keys of 1024 characters written as
// character references.
const (
	maxDeleteKeys = 1000
	maxDeleteBody = maxXMLBody
	deleteWorkers = 8 // deletes in flight for one request, so group commit can batch them
)

type deleteRequest struct {
	XMLName xml.Name       `xml:"Delete"`
	Quiet   string         `xml:"Quiet"`
	Objects []deleteObject `xml:"Object"`
	Unknown []anyElement   `xml:",any"`
}

type deleteObject struct {
	Key       *string `xml:"Key"`
	VersionID string  `xml:"VersionId"`
	ETag      string  `xml:"ETag"` // a conditional delete's If-Match
}

type deleteResult struct {
	XMLName xml.Name        `xml:"DeleteResult"`
	Xmlns   string          `xml:"xmlns,attr"`
	Deleted []deletedObject `xml:"Deleted"`
	Errors  []deleteError   `xml:"Error"`
}

// deletedObject is a key deleted, with the version the request named
// (only "null" can have been deleted), as S3 echoes it.
type deletedObject struct {
	Key       xmlText `xml:"Key"`
	VersionID string  `xml:"VersionId,omitempty"`
}

type deleteError struct {
	Key       xmlText `xml:"Key"`
	VersionID string  `xml:"VersionId,omitempty"`
	Code      string  `xml:"Code"`
	Message   string  `xml:"Message"`
}

// deleteObjects deletes up to 1000 keys. Each key succeeds or fails alone,
// and a key that does not exist is deleted successfully, as S3 answers;
// only a request S3 would refuse whole fails whole. In quiet mode the
// answer lists only the failures.
func (h *Handler) deleteObjects(q *request) error {
	if _, err := h.meta.GetBucket(q.r.Context(), q.bucket); err != nil {
		return err
	}
	if err := needIntegrity(q.r.Header); err != nil {
		return err
	}
	body, err := h.readBody(q, maxDeleteBody, errCode("MalformedXML"))
	if err != nil {
		return err
	}
	var req deleteRequest
	body, stashed := stashControls(body)
	if err := xml.Unmarshal(body, &req); err != nil || len(req.Unknown) > 0 ||
		len(req.Objects) == 0 || len(req.Objects) > maxDeleteKeys {
		return errCode("MalformedXML")
	}
	for _, o := range req.Objects {
		if stashed && o.Key != nil {
			*o.Key = unstash(*o.Key)
		}
	}
	quiet := false
	if s := strings.TrimSpace(req.Quiet); s != "" {
		if quiet, err = strconv.ParseBool(s); err != nil {
			return errCode("MalformedXML")
		}
	}
	for _, o := range req.Objects {
		if o.Key == nil || *o.Key == "" {
			return errCode("MalformedXML")
		}
	}

	results := make([]error, len(req.Objects))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(deleteWorkers, len(req.Objects)) {
		wg.Go(func() {
			for i := range next {
				results[i] = h.deleteOne(q, req.Objects[i])
			}
		})
	}
	for i := range req.Objects {
		next <- i
	}
	close(next)
	wg.Wait()

	res := deleteResult{Xmlns: s3NS}
	for i, o := range req.Objects {
		if err := results[i]; err != nil {
			status, body := render(err, q.resource(), q.id)
			res.Errors = append(res.Errors, deleteError{Key: xmlText(*o.Key), VersionID: o.VersionID, Code: body.Code, Message: body.Message})
			if status >= 500 {
				h.log.Error("s3 batch delete: key failed", "request_id", q.id, "bucket", q.bucket, "key", *o.Key, "err", err)
			} else {
				h.log.Debug("s3 batch delete: key refused", "request_id", q.id, "code", body.Code, "err", err)
			}
		} else if !quiet {
			res.Deleted = append(res.Deleted, deletedObject{Key: xmlText(*o.Key), VersionID: o.VersionID})
		}
	}
	writeXML(q.w, http.StatusOK, res)
	return nil
}

// deleteOne deletes one key of a batch. Wicket keeps one version of each
// object, so "null" is the only version id there is.
func (h *Handler) deleteOne(q *request, o deleteObject) error {
	if err := checkKey(*o.Key); err != nil {
		return err
	}
	action := "s3:DeleteObject"
	if o.VersionID != "" {
		action = "s3:DeleteObjectVersion"
	}
	if err := h.authorize(q, action, objectARN(q.bucket, *o.Key)); err != nil {
		return err
	}
	if o.VersionID != "" && o.VersionID != "null" {
		return errCode("NoSuchVersion")
	}
	return h.deleteKey(q, *o.Key, o.ETag)
}
