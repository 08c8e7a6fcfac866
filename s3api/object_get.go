package s3api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wicket-io/wicket"
)

// byteRange is an inclusive range of an object's bytes.
type byteRange struct{ start, end int64 }

// parseRange reads a Range header the way S3 does: one range of bytes,
// "a-b", "a-" or "-n". ok is false for a header S3 ignores (another unit,
// several ranges, bad syntax): the whole object is then sent. A syntactically
// good range that lies outside the object is InvalidRange. Whitespace is bad
// syntax: RFC 9110's range-set allows it only around the commas of a list,
// which S3 does not serve.
func parseRange(h string, size int64) (r byteRange, ok bool, err error) {
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return r, false, nil
	}
	a, b, found := strings.Cut(spec, "-")
	if !found {
		return r, false, nil
	}
	invalid := errCodeDetail("InvalidRange", func(e *errorBody) {
		e.ActualObjectSize, e.RangeRequested = strconv.FormatInt(size, 10), h
	})
	if a == "" { // suffix: the last n bytes
		n, perr := strconv.ParseInt(b, 10, 64)
		if perr != nil || n < 0 {
			return r, false, nil
		}
		if n == 0 {
			return r, false, invalid
		}
		if size == 0 { // a suffix longer than the object selects all of it
			return r, false, nil
		}
		return byteRange{max(size-n, 0), size - 1}, true, nil
	}
	start, perr := strconv.ParseInt(a, 10, 64)
	if perr != nil || start < 0 {
		return r, false, nil
	}
	end := size - 1
	if b != "" {
		e, perr := strconv.ParseInt(b, 10, 64)
		if perr != nil || e < start {
			return r, false, nil
		}
		end = min(e, size-1)
	}
	if start >= size {
		return r, false, invalid
	}
	return byteRange{start, end}, true, nil
}

func errCodeDetail(code string, detail func(*errorBody)) error {
	return &apiError{code: code, detail: detail}
}

// etagMatch compares a header's list of entity tags with an object's.
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.Trim(strings.TrimPrefix(t, "W/"), `"`) == etag {
			return true
		}
	}
	return false
}

// checkConditions applies If-Match, If-Unmodified-Since, If-None-Match and
// If-Modified-Since in RFC 9110's order, as S3 does for GET and HEAD.
func checkConditions(hdr http.Header, o *wicket.Object, now time.Time) error {
	mod := o.Modified.Truncate(time.Second)
	if v := hdr.Get("If-Match"); v != "" {
		if !etagMatch(v, o.ETag) {
			return conditionFailed("If-Match")
		}
	} else if v := hdr.Get("If-Unmodified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && mod.After(t) {
			return conditionFailed("If-Unmodified-Since")
		}
	}
	if v := hdr.Get("If-None-Match"); v != "" {
		if etagMatch(v, o.ETag) {
			return notModified{}
		}
	} else if v := hdr.Get("If-Modified-Since"); v != "" && notModifiedSince(v, mod, now) {
		return notModified{}
	}
	return nil
}

// notModifiedSince reports whether an If-Modified-Since date v says that
// an object last modified at mod has not changed. A date that does not
// parse, or that is later than now, is ignored (RFC 9110 section 13.1.3),
// as S3 ignores it: a client whose clock runs ahead still gets the object.
func notModifiedSince(v string, mod, now time.Time) bool {
	t, err := http.ParseTime(v)
	return err == nil && !t.After(now) && !mod.After(t)
}

// ifRange reports whether a Range applies under the request's If-Range
// (RFC 9110 section 13.1.5): always without one; with an entity tag, when
// it is the object's (compared strongly: a weak tag never matches); with a
// date, when it is exactly the object's Last-Modified. Otherwise the range
// is ignored and the whole object sent, so that a client completing a
// partial copy of an object since replaced does not splice old and new.
func ifRange(v string, o *wicket.Object) bool {
	switch {
	case v == "":
		return true
	case strings.HasPrefix(v, "W/"):
		return false
	case strings.HasPrefix(v, `"`):
		return v == `"`+o.ETag+`"`
	}
	t, err := http.ParseTime(v)
	return err == nil && t.Equal(o.Modified.Truncate(time.Second))
}

// conditionFailed is PreconditionFailed naming the header whose condition
// did not hold, in S3's Condition element ("If-Match",
// "x-amz-copy-source-If-Match" …).
func conditionFailed(header string) error {
	return errCodeDetail("PreconditionFailed", func(e *errorBody) { e.Condition = header })
}

// notModified is the 304 answer; it is not an error document.
type notModified struct{}

func (notModified) Error() string { return "not modified" }

// responseOverrides are the query parameters that set a GET's response
// headers, for signed requests. An array, not a map: ranging over a map
// allocates, and every GET looks at them.
var responseOverrides = [...]struct{ param, header string }{
	{"response-content-type", "Content-Type"},
	{"response-content-language", "Content-Language"},
	{"response-expires", "Expires"},
	{"response-cache-control", "Cache-Control"},
	{"response-content-disposition", "Content-Disposition"},
	{"response-content-encoding", "Content-Encoding"},
}

func beyondLatin1(r rune) bool { return r > 0xFF }

// notLatin1 is S3's refusal of an override it cannot put in a header.
func notLatin1(param, value string) error {
	return errCodeDetail("InvalidArgument", func(e *errorBody) {
		e.Message = "Header value cannot be represented using ISO-8859-1."
		e.ArgumentName, e.ArgumentValue = param, value
	})
}

// checkVersionID reads a request's versionId. Each object has one version,
// "null"; naming another is NoSuchVersion, as S3 answers for a version
// that does not exist (moto#3532, verified against S3). An empty one is
// taken as none, except by GET and HEAD (emptyVersionID).
func checkVersionID(q *request) error {
	if v := q.query.Get("versionId"); v != "" && v != nullVersion {
		return errCode("NoSuchVersion")
	}
	return nil
}

// emptyVersionID is S3's answer to a GET or HEAD whose versionId is sent
// empty (aws-sdk-core-ruby#76, noobaa-core#7970 record it for GetObject).
func emptyVersionID(q *request) error {
	if v, ok := q.query["versionId"]; ok && v[0] == "" {
		return errCodeDetail("InvalidArgument", func(e *errorBody) {
			e.Message = "Version id cannot be the empty string"
			e.ArgumentName, e.ArgumentValue = "versionId", ""
		})
	}
	return nil
}

func (h *Handler) getObject(q *request) error  { return h.serveObject(q, true) }
func (h *Handler) headObject(q *request) error { return h.serveObject(q, false) }

func (h *Handler) serveObject(q *request, withBody bool) error {
	// partNumber is syntax, checked before the object is looked up.
	part := 0
	if pn := q.query.Get("partNumber"); pn != "" {
		n, err := strconv.Atoi(pn)
		if err != nil || n < 1 || n > maxParts {
			return errCodeDetail("InvalidArgument", func(e *errorBody) {
				e.Message = "Part number must be an integer between 1 and 10000, inclusive"
				e.ArgumentName, e.ArgumentValue = "partNumber", pn
			})
		}
		part = n
	}
	if err := emptyVersionID(q); err != nil {
		return err
	}
	if err := checkVersionID(q); err != nil {
		return err
	}
	checksums := false
	if v := q.r.Header.Get("X-Amz-Checksum-Mode"); v != "" {
		if !strings.EqualFold(v, "ENABLED") {
			return invalidChecksumHeader("x-amz-checksum-mode")
		}
		checksums = true
	}
	return retryGone(func() error {
		o, err := h.requestObject(q)
		if err != nil {
			return err
		}
		return h.serveVersion(q, o, withBody, part, checksums)
	})
}

// errBlobGone: a blob of an object read is missing before anything of it
// was sent. Wrapped in an Internal error, since an object whose bytes stay
// missing is the server's fault.
var errBlobGone = errors.New("a blob of the object is missing")

// retryGone runs f again, three times in all, while it fails for a blob
// gone (errBlobGone): an overwrite or a delete between reading the object
// and opening its blobs removed them, so the object read is gone, and
// reading it again serves the one there is now. f has written nothing to
// the response then.
func retryGone(f func() error) error {
	for attempt := 1; ; attempt++ {
		err := f()
		if !errors.Is(err, errBlobGone) || attempt == 3 {
			return err
		}
	}
}

// retryingGone is retryGone for an operation.
func retryingGone(op operation) operation {
	return func(h *Handler, q *request) error {
		return retryGone(func() error { return op(h, q) })
	}
}

// openRuns opens the first run's blob and, when the runs read more than
// one blob, holds them all (wicket.BlobHolder), so that an overwrite or a
// delete of the object while its body goes out cannot remove a blob not
// yet opened: the reader gets the whole old object. A blob gone already
// is errBlobGone. release is never nil.
func (h *Handler) openRuns(ctx context.Context, runs []segmentSpan) (first wicket.Blob, release func(), err error) {
	release = func() {}
	var ids []string
	for _, r := range runs {
		if r.seg.Blob != "" {
			ids = append(ids, r.seg.Blob)
		}
	}
	gone := func(err error) error {
		if wicket.KindOf(err) == wicket.NotFound {
			return fmt.Errorf("%w: %w", errBlobGone, err)
		}
		return err
	}
	if hb, ok := h.blobs.(wicket.BlobHolder); ok && len(ids) > 1 {
		if release, err = hb.Hold(ctx, ids); err != nil {
			return nil, func() {}, gone(err)
		}
	}
	if first, err = h.openSegment(ctx, runs[0].seg); err != nil {
		release()
		return nil, func() {}, gone(err)
	}
	return first, release, nil
}

// serveVersion answers a GET or HEAD of the object o.
func (h *Handler) serveVersion(q *request, o *wicket.Object, withBody bool, part int, checksums bool) error {
	hdr := q.w.Header()
	if err := checkConditions(q.r.Header, o, h.clock.Now()); err != nil {
		if _, ok := err.(notModified); ok {
			hdr.Set("ETag", `"`+o.ETag+`"`)
			hdr.Set("Last-Modified", o.Modified.UTC().Format(http.TimeFormat))
			q.w.WriteHeader(http.StatusNotModified)
			return nil
		}
		return err
	}
	if q.principal.Type == wicket.Anonymous {
		for _, ov := range responseOverrides {
			if q.query.Has(ov.param) {
				return errCode("InvalidRequest", "Request specific response headers cannot be used for anonymous GET requests.")
			}
		}
	}
	// An HTTP/1.1 header carries ISO-8859-1: S3 refuses an override that
	// holds anything else (a filename in another script belongs in
	// RFC 5987's filename*=UTF-8''…, which is ASCII).
	if len(q.query) > 0 {
		for _, ov := range responseOverrides {
			if v := q.query.Get(ov.param); strings.ContainsFunc(v, beyondLatin1) {
				return notLatin1(ov.param, v)
			}
		}
	}

	size := o.Size
	rng := byteRange{0, size - 1}
	partial := false
	if n := part; n > 0 {
		if q.r.Header.Get("Range") != "" {
			return errCode("InvalidRequest", "Cannot specify both Range header and partNumber query parameter")
		}
		if n > len(o.Segments) {
			return errCodeDetail("InvalidPartNumber", func(e *errorBody) {
				e.Message = "The requested partnumber is not satisfiable"
				e.ActualPartCount, e.PartNumberRequested = strconv.Itoa(max(len(o.Segments), 1)), strconv.Itoa(n)
			})
		}
		var off int64
		for _, s := range o.Segments[:n-1] {
			off += s.Size
		}
		rng = byteRange{off, off + o.Segments[n-1].Size - 1}
		// A part is a ranged GET, even the one part of a simple object
		// (but an empty one has no range to give); only a multipart
		// object (its ETag ends "-N") has a parts count.
		partial = size > 0
	} else if v := q.r.Header.Get("Range"); v != "" && ifRange(q.r.Header.Get("If-Range"), o) {
		r, ok, err := parseRange(v, size)
		if err != nil {
			return err
		}
		if ok {
			rng, partial = r, true
		}
	}

	length := rng.end - rng.start + 1
	if size == 0 {
		length = 0
	}
	var runs []segmentSpan
	var first wicket.Blob
	if withBody && length > 0 {
		// Open the first blob before writing a header, so that a missing
		// blob is still an error response (or a retry).
		runs = spans(o.Segments, rng)
		b, release, err := h.openRuns(q.r.Context(), runs)
		if err != nil {
			return wicket.E("s3api.GetObject", wicket.Internal, "The object's data is missing.", err)
		}
		defer release()
		first = b
	}

	if part > 0 && strings.Contains(o.ETag, "-") {
		hdr.Set("x-amz-mp-parts-count", strconv.Itoa(len(o.Segments)))
	}
	for _, name := range storedHeaders {
		if v, ok := o.Headers[name]; ok {
			hdr.Set(name, v)
		}
	}
	if hdr.Get("Content-Type") == "" {
		hdr.Set("Content-Type", "binary/octet-stream")
	}
	if len(q.query) > 0 {
		for _, ov := range responseOverrides {
			if v := q.query.Get(ov.param); v != "" {
				hdr.Set(ov.header, v)
			}
		}
	}
	for k, v := range o.Meta {
		hdr["X-Amz-Meta-"+k] = []string{v}
	}
	if len(o.Tags) > 0 {
		hdr.Set("x-amz-tagging-count", strconv.Itoa(len(o.Tags)))
	}
	h.setLockHeaders(q, o)
	if checksums {
		sums, typ := servedChecksums(o, part, rng)
		setChecksumHeaders(hdr, sums, typ)
	}
	hdr.Set("ETag", `"`+o.ETag+`"`)
	hdr.Set("Last-Modified", o.Modified.UTC().Format(http.TimeFormat))
	hdr.Set("Accept-Ranges", "bytes")
	hdr.Set("Content-Length", strconv.FormatInt(length, 10))
	status := http.StatusOK
	if partial {
		hdr.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", rng.start, rng.end, size))
		status = http.StatusPartialContent
	}
	if first == nil {
		q.w.WriteHeader(status)
		return nil
	}
	h.sendSpans(q, o, runs, first, status)
	return nil
}

// servedChecksums returns the checksums GetObject and HeadObject return
// with x-amz-checksum-mode ENABLED for the bytes rng of o: the object's
// when they are the whole object, a part's for a part of a multipart
// object (one of an upload created with a checksum: the object's
// algorithm and type), and none for any other range, which no stored
// checksum covers.
func servedChecksums(o *wicket.Object, part int, rng byteRange) (map[string]string, string) {
	if part > 0 && strings.Contains(o.ETag, "-") {
		seg := o.Segments[part-1]
		for alg := range o.Checksums {
			if seg.Checksum != "" {
				return map[string]string{alg: seg.Checksum}, o.ChecksumType
			}
		}
		return nil, ""
	}
	if rng.start == 0 && rng.end >= o.Size-1 {
		return o.Checksums, o.ChecksumType
	}
	return nil, ""
}

// segmentSpan is the run of one segment's bytes that a byte range covers.
type segmentSpan struct {
	seg     wicket.Segment
	from, n int64 // offset in the segment's blob, and length
}

// spans returns, in order, the runs of segs that rng covers; empty
// segments and those outside the range are left out.
func spans(segs []wicket.Segment, rng byteRange) []segmentSpan {
	var out []segmentSpan
	var off int64
	for _, s := range segs {
		start, end := off, off+s.Size-1
		off += s.Size
		if s.Size == 0 || end < rng.start || start > rng.end {
			continue
		}
		from := max(rng.start, start) - start
		out = append(out, segmentSpan{seg: s, from: from, n: min(rng.end, end) - start - from + 1})
	}
	return out
}

// smallRead is the size up to which a span is read into memory and
// written, rather than sent with sendfile.
const smallRead = 64 << 10

var smallBufPool = sync.Pool{New: func() any { b := make([]byte, smallRead); return &b }}

// sendSmall writes n bytes of b from off.
func sendSmall(w io.Writer, b io.ReaderAt, off, n int64) error {
	bp := smallBufPool.Get().(*[]byte)
	defer smallBufPool.Put(bp)
	buf := (*bp)[:n]
	if _, err := b.ReadAt(buf, off); err != nil && !(err == io.EOF && int64(len(buf)) == n) {
		return err
	}
	_, err := w.Write(buf)
	return err
}

// osFiler is a Blob backed by a local file; its bytes go out with sendfile.
type osFiler interface{ OSFile() *os.File }

// sendSpans writes the status and streams the runs of the object's
// segments; first is the first run's blob, open. Once the status is
// written an error can only cut the connection short, which is what tells
// the client that the body is incomplete.
func (h *Handler) sendSpans(q *request, o *wicket.Object, runs []segmentSpan, first wicket.Blob, status int) {
	ctx := q.r.Context()
	q.w.WriteHeader(status)
	for i, sp := range runs {
		b := first
		if i > 0 {
			var err error
			if b, err = h.openSegment(ctx, sp.seg); err != nil {
				h.log.Error("object data missing", "bucket", o.Bucket, "key", o.Key, "blob", sp.seg.Blob, "err", err)
				panic(http.ErrAbortHandler)
			}
		}
		if sp.n <= smallRead {
			// One pread and one write: cheaper than sendfile's dance for
			// a few kilobytes (net/http reads the first 512 bytes itself
			// before it hands the rest to sendfile).
			err := sendSmall(q.w, b, sp.from, sp.n)
			b.Close()
			if err != nil {
				panic(http.ErrAbortHandler)
			}
			continue
		}
		var src io.Reader = io.NewSectionReader(b, sp.from, sp.n)
		if f, ok := b.(osFiler); ok {
			if _, err := f.OSFile().Seek(sp.from, io.SeekStart); err == nil {
				src = io.LimitReader(f.OSFile(), sp.n)
			}
		}
		_, err := io.Copy(q.w, src)
		b.Close()
		if err != nil {
			// The client went away or the disk failed mid-body.
			panic(http.ErrAbortHandler)
		}
	}
}
