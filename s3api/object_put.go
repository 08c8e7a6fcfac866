package s3api

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/sigv4"
)

// Limits of S3.
const (
	maxKeyLen       = 1024
	maxPutSize      = 5 << 30 // a single PUT
	maxMetadataSize = 2 << 10 // user metadata, names and values together
)

// storedHeaders are the standard headers an object keeps and GET returns.
var storedHeaders = []string{"Content-Type", "Content-Encoding", "Content-Disposition", "Content-Language", "Cache-Control", "Expires", redirectHeader}

// redirectHeader makes a website endpoint redirect to another object or URL;
// Wicket has no website endpoint but keeps and returns it as S3 does.
const redirectHeader = "X-Amz-Website-Redirect-Location"

var copyBufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// checkObjectLock validates the x-amz-object-lock-* headers of a write in
// S3's order, syntax first; then, as no Wicket bucket has Object Lock, any
// lock asked for is refused as S3 refuses it on a bucket without it.
func checkObjectLock(hdr http.Header, now time.Time) error {
	invalid := func(name, value, msg string) error {
		return errCodeDetail("InvalidArgument", func(e *errorBody) {
			e.Message, e.ArgumentName, e.ArgumentValue = msg, name, value
		})
	}
	hold := hdr.Get("X-Amz-Object-Lock-Legal-Hold")
	if hold != "" && hold != "ON" && hold != "OFF" {
		return invalid("x-amz-object-lock-legal-hold", hold, "Legal Hold must be either of 'ON' or 'OFF'")
	}
	mode, until := hdr.Get("X-Amz-Object-Lock-Mode"), hdr.Get("X-Amz-Object-Lock-Retain-Until-Date")
	const both = "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied."
	switch {
	case mode != "" && until == "":
		return invalid("x-amz-object-lock-retain-until-date", "", both)
	case mode == "" && until != "":
		return invalid("x-amz-object-lock-mode", "", both)
	}
	if until != "" {
		t, err := time.Parse(time.RFC3339, until)
		if err != nil {
			return invalid("x-amz-object-lock-retain-until-date", until, "The retain until date must be provided in ISO 8601 format")
		}
		if !t.After(now) {
			return invalid("x-amz-object-lock-retain-until-date", until, "The retain until date must be in the future!")
		}
		if mode != "GOVERNANCE" && mode != "COMPLIANCE" {
			return invalid("x-amz-object-lock-mode", mode, "Unknown wormMode directive.")
		}
	}
	if hold != "" || mode != "" {
		return errCode("InvalidRequest", "Bucket is missing ObjectLockConfiguration")
	}
	return nil
}

// checkRedirect validates x-amz-website-redirect-location; "" is none.
func checkRedirect(v string) error {
	if v == "" {
		return nil
	}
	if !strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") {
		return errCode("InvalidRedirectLocation")
	}
	if len(v) > 2048 {
		return errCode("InvalidRedirectLocation", "The length of website redirect location cannot exceed 2,048 characters.")
	}
	return nil
}

func checkKey(key string) error {
	if len(key) > maxKeyLen {
		return errCode("KeyTooLongError")
	}
	if !utf8.ValidString(key) {
		return errCode("InvalidArgument", "Object key is not valid UTF-8.")
	}
	return nil
}

// objectFromHeaders collects what a PUT (or CreateMultipartUpload, or a
// REPLACE copy) stores beside the bytes.
func objectFromHeaders(bucket, key string, hdr http.Header) (*wicket.Object, error) {
	o := &wicket.Object{Bucket: bucket, Key: key, Headers: map[string]string{}, Meta: map[string]string{}}
	for _, name := range storedHeaders {
		if v := hdr.Get(name); v != "" {
			o.Headers[name] = v
		}
	}
	if err := checkRedirect(o.Headers[redirectHeader]); err != nil {
		return nil, err
	}
	if ce, ok := o.Headers["Content-Encoding"]; ok {
		// aws-chunked describes the transfer, not the object.
		var kept []string
		for _, p := range strings.Split(ce, ",") {
			if p = strings.TrimSpace(p); p != "" && !strings.EqualFold(p, "aws-chunked") {
				kept = append(kept, p)
			}
		}
		if len(kept) == 0 {
			delete(o.Headers, "Content-Encoding")
		} else {
			o.Headers["Content-Encoding"] = strings.Join(kept, ",")
		}
	}
	size := 0
	for name, vals := range hdr {
		lower := strings.ToLower(name)
		if m, ok := strings.CutPrefix(lower, "x-amz-meta-"); ok {
			v := strings.Join(vals, ",")
			o.Meta[m] = v
			size += len(m) + len(v)
		}
	}
	if size > maxMetadataSize {
		return nil, errCodeDetail("MetadataTooLarge", func(e *errorBody) {
			e.Size, e.MaxSizeAllowed = strconv.Itoa(size), strconv.Itoa(maxMetadataSize)
		})
	}
	if t := hdr.Get("X-Amz-Tagging"); t != "" {
		tags, err := parseTagQuery(t)
		if err != nil {
			return nil, err
		}
		o.Tags = tags
	}
	return o, nil
}

// parseTagQuery parses tags given as a URL query (x-amz-tagging).
func parseTagQuery(s string) (map[string]string, error) {
	vals, err := url.ParseQuery(s)
	if err != nil {
		return nil, errCode("InvalidArgument", "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.")
	}
	tags := map[string]string{}
	for k, v := range vals {
		if k == "" || len(v) > 1 {
			return nil, errCode("InvalidArgument", "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.")
		}
		tags[k] = v[0]
	}
	if err := validateTags(tags); err != nil {
		return nil, err
	}
	return tags, nil
}

func validateTags(tags map[string]string) error {
	if len(tags) > 10 {
		return errCode("BadRequest", "Object tags cannot be greater than 10")
	}
	return checkTags(tags)
}

// payload is the body of a write being received: the decoded bytes, the
// hashes computed over them, and what the client claimed.
type payload struct {
	r        io.Reader
	size     int64 // decoded size, -1 when unknown
	md5      hash.Hash
	sha      hash.Hash // when the signature covers a hex SHA-256
	wantSHA  string
	wantMD5  []byte
	checksum *sigv4.Checksum // the requested checksum algorithm, if any
	wantSum  string          // its value from a header; trailers come from the chunk reader
	chunks   *sigv4.ChunkReader
}

// openPayload validates a write's body headers and wraps its body.
func (h *Handler) openPayload(q *request, maxSize int64) (*payload, error) {
	hdr := q.r.Header
	p := &payload{md5: md5.New(), size: q.r.ContentLength}
	if v := hdr.Get("Content-Md5"); v != "" {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(b) != md5.Size {
			return nil, errCode("InvalidDigest")
		}
		p.wantMD5 = b
	}
	ph := hdr.Get("X-Amz-Content-Sha256")
	if q.auth != nil {
		ph = q.auth.PayloadHash
	}
	body := io.Reader(q.r.Body)
	switch ph {
	case sigv4.StreamingPayload, sigv4.StreamingPayloadTrailer, sigv4.StreamingUnsignedPayloadTrailer:
		dl := hdr.Get("X-Amz-Decoded-Content-Length")
		n, err := strconv.ParseInt(dl, 10, 64)
		if dl == "" || err != nil || n < 0 {
			return nil, errCode("MissingContentLength", "You must provide the Content-Length HTTP header.")
		}
		p.size = n
		cr, err := h.chunkReader(q, ph, n)
		if err != nil {
			return nil, err
		}
		p.chunks, body = cr, cr
	case "", sigv4.UnsignedPayload:
	default:
		if q.auth != nil { // a hex SHA-256 the signature covers
			p.sha, p.wantSHA = sha256.New(), ph
		}
	}
	if p.size < 0 {
		return nil, errCode("MissingContentLength")
	}
	if p.size > maxSize {
		return nil, entityTooLarge(p.size, maxSize)
	}
	alg, val, err := requestedChecksum(hdr)
	if err != nil {
		return nil, err
	}
	if alg != "" {
		if p.checksum, err = sigv4.NewChecksum(alg); err != nil {
			return nil, errCode("InvalidRequest", "Invalid checksum algorithm.")
		}
		p.wantSum = val
	}
	p.r = io.LimitReader(body, p.size+1)
	return p, nil
}

// requestedChecksum finds the checksum a client asks for: a value in an
// x-amz-checksum-* header, or an algorithm whose value comes in a trailer.
func requestedChecksum(hdr http.Header) (sigv4.ChecksumAlgorithm, string, error) {
	var alg sigv4.ChecksumAlgorithm
	var val string
	for name, v := range hdr {
		a, ok := sigv4.ChecksumAlgorithmForHeader(strings.ToLower(name))
		if !ok {
			continue
		}
		if alg != "" {
			return "", "", errCode("InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		if !a.Valid(v[0]) {
			return "", "", errCode("InvalidRequest", "Value for x-amz-checksum-"+strings.ToLower(string(a))+" header is invalid.")
		}
		alg, val = a, v[0]
	}
	if t := hdr.Get("X-Amz-Trailer"); t != "" {
		a, ok := sigv4.ChecksumAlgorithmForHeader(strings.ToLower(strings.TrimSpace(t)))
		if !ok {
			return "", "", errCode("InvalidRequest", "The value specified in the x-amz-trailer header is not supported")
		}
		if alg != "" && alg != a {
			return "", "", errCode("InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		alg = a
	}
	if s := hdr.Get("X-Amz-Sdk-Checksum-Algorithm"); s != "" && alg == "" {
		a, ok := sigv4.ParseChecksumAlgorithm(s)
		if !ok {
			return "", "", errCode("InvalidRequest", "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
		}
		alg = a
	}
	return alg, val, nil
}

// Large bodies are hashed in a pipeline: MD5, SHA-256, a checksum and the
// blob write each run on a goroutine of their own, so that a single upload
// uses every core instead of running the digests one after the other (MD5
// alone is about 700 MB/s on one core). pipelineBufs buffers of
// pipelineBuf bytes are in flight per upload.
const (
	pipelineMin  = 1 << 20
	pipelineBuf  = 1 << 20
	pipelineBufs = 4
)

var pipelineBufPool = sync.Pool{New: func() any { return &pipeChunk{b: make([]byte, pipelineBuf)} }}

// pipeChunk is one buffer of a pipelined copy; the last consumer done with
// it hands it back.
type pipeChunk struct {
	b    []byte
	n    int
	refs atomic.Int32
}

// copyPipelined copies r to every writer, each writer on its own
// goroutine, in the order read. It stops at the first read error or at
// EOF; a writer that fails is fed nothing more and its error returned.
func copyPipelined(ws []io.Writer, r io.Reader) (int64, error) {
	free := make(chan *pipeChunk, pipelineBufs)
	for range pipelineBufs {
		free <- pipelineBufPool.Get().(*pipeChunk)
	}
	feeds := make([]chan *pipeChunk, len(ws))
	errs := make([]error, len(ws))
	var failed atomic.Bool
	var wg sync.WaitGroup
	for i, w := range ws {
		feeds[i] = make(chan *pipeChunk, pipelineBufs)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range feeds[i] {
				if errs[i] == nil {
					if _, err := w.Write(c.b[:c.n]); err != nil {
						errs[i] = err
						failed.Store(true)
					}
				}
				if c.refs.Add(-1) == 0 {
					free <- c
				}
			}
		}()
	}
	var n int64
	var rerr error
	for !failed.Load() {
		c := <-free
		m, err := io.ReadFull(r, c.b)
		if m > 0 {
			c.n = m
			n += int64(m)
			c.refs.Store(int32(len(ws)))
			for _, f := range feeds {
				f <- c
			}
		} else {
			free <- c
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			rerr = err
			break
		}
	}
	for _, f := range feeds {
		close(f)
	}
	wg.Wait()
	for range pipelineBufs {
		pipelineBufPool.Put(<-free)
	}
	if rerr != nil {
		return n, rerr
	}
	for _, err := range errs {
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// copyTo streams the payload into a blob writer while hashing it, then
// checks every digest the client gave. It reads no more than the declared
// size; a shorter body is IncompleteBody.
func (p *payload) copyTo(w io.Writer) error {
	ws := []io.Writer{w, p.md5}
	if p.sha != nil {
		ws = append(ws, p.sha)
	}
	if p.checksum != nil {
		ws = append(ws, p.checksum)
	}
	var n int64
	var err error
	if p.size >= pipelineMin {
		n, err = copyPipelined(ws, p.r)
	} else {
		bp := copyBufPool.Get().(*[]byte)
		n, err = io.CopyBuffer(io.MultiWriter(ws...), p.r, *bp)
		copyBufPool.Put(bp)
	}
	if err != nil {
		var se *sigv4.Error
		if errors.As(err, &se) {
			return err
		}
		if wicket.KindOf(err) != wicket.Other {
			return err // the blob store failed
		}
		return errCode("IncompleteBody")
	}
	if n != p.size {
		return errCode("IncompleteBody")
	}
	if p.wantMD5 != nil && string(p.md5.Sum(nil)) != string(p.wantMD5) {
		return errCode("BadDigest")
	}
	if p.sha != nil {
		if got := hex.EncodeToString(p.sha.Sum(nil)); got != strings.ToLower(p.wantSHA) {
			return errCodeDetail("XAmzContentSHA256Mismatch", func(e *errorBody) {
				e.ClientComputedSHA256, e.S3ComputedSHA256 = p.wantSHA, got
			})
		}
	}
	if p.checksum != nil {
		want := p.wantSum
		if want == "" && p.chunks != nil {
			want = p.chunks.Trailer().Get(p.checksum.Algorithm().Header())
		}
		if want != "" && want != p.checksum.Base64() {
			return errCode("BadDigest", "The "+string(p.checksum.Algorithm())+" you specified did not match the calculated checksum.")
		}
	}
	return nil
}

func (p *payload) etag() string { return hex.EncodeToString(p.md5.Sum(nil)) }

// writeBlob streams a payload into a new blob and commits it. On any error
// the blob is discarded.
func (h *Handler) writeBlob(q *request, p *payload) (wicket.Segment, error) {
	bw, err := h.blobs.Create(q.r.Context())
	if err != nil {
		return wicket.Segment{}, err
	}
	defer bw.Abort()
	if err := p.copyTo(bw); err != nil {
		return wicket.Segment{}, err
	}
	n, err := bw.Commit(q.r.Context())
	if err != nil {
		return wicket.Segment{}, err
	}
	return wicket.Segment{Blob: bw.ID(), Size: n}, nil
}

// dropBlobs deletes blobs that metadata no longer points at. A failure
// leaves an orphan for the start-up sweep, which is harmless.
func (h *Handler) dropBlobs(q *request, segs []wicket.Segment) {
	for _, s := range segs {
		if err := h.blobs.Delete(q.r.Context(), s.Blob); err != nil {
			h.log.Warn("delete replaced blob", "blob", s.Blob, "err", err)
		}
	}
}

func writePrecondition(hdr http.Header) (wicket.Precondition, error) {
	var c wicket.Precondition
	if v := hdr.Get("If-None-Match"); v != "" {
		if v != "*" {
			return c, errCode("NotImplemented", "A header you provided implies functionality that is not implemented.")
		}
		c.IfNoneMatch = true
	}
	if v := hdr.Get("If-Match"); v != "" {
		c.IfMatch = strings.Trim(v, `"`)
	}
	return c, nil
}

func (h *Handler) putObject(q *request) error {
	if err := checkKey(q.key); err != nil {
		return err
	}
	o, err := objectFromHeaders(q.bucket, q.key, q.r.Header)
	if err != nil {
		return err
	}
	cond, err := writePrecondition(q.r.Header)
	if err != nil {
		return err
	}
	// Fail early on a missing bucket rather than after a 5 GiB upload; the
	// commit checks again.
	if _, err := h.meta.GetBucket(q.r.Context(), q.bucket); err != nil {
		return err
	}
	if err := checkObjectLock(q.r.Header, h.clock.Now()); err != nil {
		return err
	}
	p, err := h.openPayload(q, maxPutSize)
	if err != nil {
		return err
	}
	seg, err := h.writeBlob(q, p)
	if err != nil {
		return err
	}
	o.Size, o.ETag, o.Modified = seg.Size, p.etag(), h.clock.Now()
	o.Segments = []wicket.Segment{seg}
	if p.checksum != nil {
		o.Checksums = map[string]string{string(p.checksum.Algorithm()): p.checksum.Base64()}
		o.ChecksumType = "FULL_OBJECT"
	}
	dropped, err := h.meta.PutObject(q.r.Context(), o, cond)
	if err != nil {
		h.dropBlobs(q, []wicket.Segment{seg})
		return err
	}
	h.dropBlobs(q, dropped)
	q.w.Header().Set("ETag", `"`+o.ETag+`"`)
	for alg, v := range o.Checksums {
		q.w.Header().Set("x-amz-checksum-"+strings.ToLower(alg), v)
	}
	if o.ChecksumType != "" {
		q.w.Header().Set("x-amz-checksum-type", o.ChecksumType)
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}
