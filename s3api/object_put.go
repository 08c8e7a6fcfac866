package s3api

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	if err := checkMetadataSize(hdr); err != nil {
		return nil, err
	}
	for name, vals := range hdr {
		if m, ok := strings.CutPrefix(strings.ToLower(name), "x-amz-meta-"); ok {
			o.Meta[m] = strings.Join(vals, ",")
		}
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

// checkMetadataSize holds a request's x-amz-meta-* headers, names and
// values together, to S3's 2 KB. S3 measures the headers sent, whatever
// the request does with them: a copy that keeps the source's metadata is
// refused too.
func checkMetadataSize(hdr http.Header) error {
	size := 0
	for name, vals := range hdr {
		if m, ok := strings.CutPrefix(strings.ToLower(name), "x-amz-meta-"); ok {
			size += len(m) + len(strings.Join(vals, ","))
		}
	}
	if size > maxMetadataSize {
		return errCodeDetail("MetadataTooLarge", func(e *errorBody) {
			e.Size, e.MaxSizeAllowed = strconv.Itoa(size), strconv.Itoa(maxMetadataSize)
		})
	}
	return nil
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
	if len(tags) > objectTags.max {
		return nil, errCode("BadRequest", objectTags.tooMany)
	}
	if err := checkTags(tags, objectTags); err != nil {
		return nil, err
	}
	return tags, nil
}

// payload is the body of a write being received: the decoded bytes, the
// hashes computed over them, and what the client claimed.
type payload struct {
	r       io.Reader
	size    int64 // decoded size, -1 when unknown
	md5     hash.Hash
	sha     hash.Hash // when the signature covers a hex SHA-256
	wantSHA string
	wantMD5 []byte
	// alg is the checksum the client sent, as a header (wantSum) or a
	// trailer. checksum computes it here, except for a trailer of an
	// aws-chunked body, which the chunk reader computes and checks.
	alg      sigv4.ChecksumAlgorithm
	wantSum  string
	checksum *sigv4.Checksum
	chunks   *sigv4.ChunkReader
	// extra are checksums the server wants for itself (see compute).
	extra []*sigv4.Checksum
}

// openPayload validates a write's body headers and wraps its body.
func (h *Handler) openPayload(q *request, maxSize int64) (*payload, error) {
	return h.openBody(q, maxSize, true)
}

// openBody is openPayload, for a request whose x-amz-checksum-* headers
// are about its body when checksums is true. (Those of
// CompleteMultipartUpload are about the object it makes.)
func (h *Handler) openBody(q *request, maxSize int64, checksums bool) (*payload, error) {
	hdr := q.r.Header
	p := &payload{md5: md5.New(), size: q.r.ContentLength}
	// A Content-MD5 header sent empty is as invalid as any other value
	// that is not the base64 of 16 bytes.
	if vals, ok := hdr["Content-Md5"]; ok {
		v := vals[0]
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(b) != md5.Size {
			return nil, errCodeDetail("InvalidDigest", func(e *errorBody) { e.ContentMD5 = v })
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
	var req checksumRequest
	if checksums {
		var err error
		if req, err = requestedChecksum(hdr); err != nil {
			return nil, err
		}
	}
	p.alg, p.wantSum = req.alg, req.value
	if req.alg != "" && (!req.trailer || p.chunks == nil) {
		p.checksum, _ = sigv4.NewChecksum(req.alg)
	}
	p.r = io.LimitReader(body, p.size+1)
	return p, nil
}

// compute makes the payload compute alg as well, for the server's own use:
// the default checksum of an object, the checksum of an upload's part.
// Nothing more is computed when the client's checksum is alg.
func (p *payload) compute(alg sigv4.ChecksumAlgorithm) {
	if alg == "" || alg == p.alg {
		return
	}
	for _, c := range p.extra {
		if c.Algorithm() == alg {
			return
		}
	}
	c, _ := sigv4.NewChecksum(alg)
	p.extra = append(p.extra, c)
}

// sum returns the checksum alg of the payload once copyTo has succeeded:
// the client's, or one asked for with compute; "" for any other.
func (p *payload) sum(alg sigv4.ChecksumAlgorithm) string {
	if alg == "" {
		return ""
	}
	if alg == p.alg {
		if p.checksum == nil {
			return p.chunks.Checksums()[alg]
		}
		return p.checksum.Base64()
	}
	for _, c := range p.extra {
		if c.Algorithm() == alg {
			return c.Base64()
		}
	}
	return ""
}

// Checksum types of S3: how an object's checksum was computed.
const (
	fullObject = "FULL_OBJECT" // over the whole object
	composite  = "COMPOSITE"   // over the parts' checksums
)

// checksumRequest is the checksum a client sends with a body: a value in an
// x-amz-checksum-* header, or the algorithm of one that comes as a trailer.
type checksumRequest struct {
	alg     sigv4.ChecksumAlgorithm
	value   string // of a header
	trailer bool
}

// checksumHeaders returns the x-amz-checksum-<algorithm> headers of a
// request (or fields of a form): at most one, of a known algorithm. The
// other headers that share the prefix (-mode, -type, -algorithm) are not
// checksums.
func checksumHeaders(hdr http.Header) (sigv4.ChecksumAlgorithm, string, error) {
	var alg sigv4.ChecksumAlgorithm
	var val string
	n := 0
	for name, v := range hdr {
		rest, ok := strings.CutPrefix(strings.ToLower(name), "x-amz-checksum-")
		if !ok || rest == "mode" || rest == "type" || rest == "algorithm" {
			continue
		}
		a, ok := sigv4.ParseChecksumAlgorithm(rest)
		if !ok {
			return "", "", errCode("InvalidRequest", "The algorithm type you specified in x-amz-checksum- header is invalid.")
		}
		alg, val, n = a, v[0], n+1
	}
	if n > 1 {
		return "", "", errMultipleChecksums
	}
	return alg, val, nil
}

var errMultipleChecksums = errCode("InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")

// invalidChecksumHeader is S3's answer to a malformed value of a checksum
// header (x-amz-checksum-crc32, x-amz-checksum-type, ...).
func invalidChecksumHeader(name string) error {
	return errCode("InvalidRequest", "Value for "+name+" header is invalid.")
}

// requestedChecksum finds the checksum a client sends with a body, in S3's
// order of checks: the headers, one at most and of a known algorithm; a
// trailer instead of a header; the header's value; then
// x-amz-sdk-checksum-algorithm, which must name the algorithm of the header
// or trailer. (The x-amz-checksum-algorithm header of PutObject is ignored,
// as S3 ignores it.)
func requestedChecksum(hdr http.Header) (checksumRequest, error) {
	var req checksumRequest
	alg, val, err := checksumHeaders(hdr)
	if err != nil {
		return req, err
	}
	if t := hdr.Get("X-Amz-Trailer"); t != "" {
		a, ok := sigv4.ChecksumAlgorithmForHeader(strings.ToLower(strings.TrimSpace(t)))
		if !ok {
			return req, errCode("InvalidRequest", "The value specified in the x-amz-trailer header is not supported")
		}
		if alg != "" {
			return req, errMultipleChecksums
		}
		req.alg, req.trailer = a, true
	} else if alg != "" {
		if !alg.Valid(val) {
			return req, invalidChecksumHeader(alg.Header())
		}
		req.alg, req.value = alg, val
	}
	if s := hdr.Get("X-Amz-Sdk-Checksum-Algorithm"); s != "" {
		a, ok := sigv4.ParseChecksumAlgorithm(s)
		if ok && req.alg == "" {
			return req, errCode("InvalidRequest", "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.")
		}
		if !ok || a != req.alg {
			return req, invalidChecksumHeader("x-amz-sdk-checksum-algorithm")
		}
	}
	return req, nil
}

// parseChecksumAlgorithm reads the x-amz-checksum-algorithm header of
// CreateMultipartUpload and CopyObject, the algorithm S3 is to compute.
func parseChecksumAlgorithm(v string) (sigv4.ChecksumAlgorithm, error) {
	if strings.Contains(v, ",") {
		return "", errCode("InvalidRequest", "Invalid types are specified in x-amz-checksum-algorithm header.")
	}
	a, ok := sigv4.ParseChecksumAlgorithm(v)
	if !ok {
		names := make([]string, 0, 10)
		for _, a := range sigv4.ChecksumAlgorithms() {
			names = append(names, string(a))
		}
		return "", errCode("InvalidRequest", "Checksum algorithm provided is unsupported. Please try again with any of the valid types: ["+strings.Join(names, ", ")+"]")
	}
	return a, nil
}

// checksumTypeMismatch is S3's answer to a part whose checksum is not of the
// upload's algorithm; actual is "null" for a part without one.
func checksumTypeMismatch(expected, actual string) error {
	return errCode("InvalidRequest", "Checksum Type mismatch occurred, expected checksum Type: "+
		strings.ToLower(expected)+", actual checksum Type: "+strings.ToLower(actual))
}

// setChecksumHeaders sets the x-amz-checksum-* headers of an object's
// checksums and their type.
func setChecksumHeaders(hdr http.Header, checksums map[string]string, typ string) {
	for alg, v := range checksums {
		hdr.Set("x-amz-checksum-"+strings.ToLower(alg), v)
	}
	if typ != "" && len(checksums) > 0 {
		hdr.Set("x-amz-checksum-type", typ)
	}
}

// Large bodies are hashed in a pipeline: MD5, SHA-256, the checksums and
// the blob write each run on a goroutine of their own, so that a single upload
// uses every core instead of running the digests one after the other (MD5
// alone is about 700 MB/s on one core). pipelineBufs buffers of
// pipelineBuf bytes are in flight per upload.
const (
	pipelineMin  = 1 << 20
	pipelineBuf  = 1 << 20
	pipelineBufs = 8
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

// bodyError is the error of a request whose body could not be read: S3's
// RequestTimeout when the client stopped sending (the server's stall
// timeout), a decoding error of aws-chunked as it is, a failure of the
// blob store as it is, and otherwise cut, what the body's end means.
func bodyError(err, cut error) error {
	var se *sigv4.Error
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errCode("RequestTimeout")
	case errors.As(err, &se):
		return err
	case wicket.KindOf(err) != wicket.Other:
		return err // the blob store failed
	}
	return cut
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
	for _, c := range p.extra {
		ws = append(ws, c)
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
		return bodyError(err, errCode("IncompleteBody"))
	}
	if n != p.size {
		return errCode("IncompleteBody")
	}
	if got := p.md5.Sum(nil); p.wantMD5 != nil && string(got) != string(p.wantMD5) {
		// S3 reports the digest sent in hex and the one computed in base64.
		return errCodeDetail("BadDigest", func(e *errorBody) {
			e.ExpectedDigest, e.CalculatedDigest = hex.EncodeToString(p.wantMD5), base64.StdEncoding.EncodeToString(got)
		})
	}
	if p.sha != nil {
		if got := hex.EncodeToString(p.sha.Sum(nil)); got != strings.ToLower(p.wantSHA) {
			return errCodeDetail("XAmzContentSHA256Mismatch", func(e *errorBody) {
				e.ClientComputedSHA256, e.S3ComputedSHA256 = p.wantSHA, got
			})
		}
	}
	// A trailer of an aws-chunked body was checked by the chunk reader.
	if p.wantSum != "" && p.wantSum != p.checksum.Base64() {
		return errCode("BadDigest", "The "+string(p.alg)+" you specified did not match the calculated checksum.")
	}
	return nil
}

func (p *payload) etag() string { return hex.EncodeToString(p.md5.Sum(nil)) }

// writeBlob streams a payload into a new blob and commits it. On any error
// the blob is discarded.
// inlineMax is the size up to which a PUT's bytes are kept in the object's
// metadata (wicket.Segment.Data) rather than in a blob: one share of the
// metadata's group commit instead of a file, its fsync and its
// directory's. MinIO keeps objects up to 128 KiB in its metadata file
// likewise; Wicket's are read back from the metadata store's object cache.
const inlineMax = 16 << 10

// writeSegment stores a PUT's body: inline when its declared size is at
// most inlineMax, else in a new blob.
func (h *Handler) writeSegment(q *request, p *payload) (wicket.Segment, error) {
	if p.size < 0 || p.size > inlineMax {
		return h.writeBlob(q, p)
	}
	// copyTo reads no more than the declared size.
	var b strings.Builder
	b.Grow(int(p.size))
	if err := p.copyTo(&b); err != nil {
		return wicket.Segment{}, err
	}
	return wicket.Segment{Data: b.String(), Size: int64(b.Len())}, nil
}

// openSegment opens a segment's bytes: its blob, or its inline data.
func (h *Handler) openSegment(ctx context.Context, s wicket.Segment) (wicket.Blob, error) {
	if s.Blob == "" {
		return inlineBlob{strings.NewReader(s.Data)}, nil
	}
	return h.blobs.Open(ctx, s.Blob)
}

// inlineBlob reads a segment's inline data.
type inlineBlob struct{ *strings.Reader }

func (inlineBlob) Close() error { return nil }

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
		if s.Blob == "" {
			continue // inline: gone with the metadata
		}
		if err := h.blobs.Delete(q.r.Context(), s.Blob); err != nil {
			h.log.Warn("delete replaced blob", "blob", s.Blob, "err", err)
		}
	}
}

// dropUnwritten deletes the new segment of a write that failed, unless
// its metadata may stand all the same (wicket.ErrOutcomeUnknown): deleting
// the blob then could leave an object without its bytes, while keeping it
// leaves at worst an orphan for the start-up sweep.
func (h *Handler) dropUnwritten(q *request, seg wicket.Segment, err error) {
	if errors.Is(err, wicket.ErrOutcomeUnknown) {
		h.log.Warn("kept the blob of a write whose commit may stand", "blob", seg.Blob, "err", err)
		return
	}
	h.dropBlobs(q, []wicket.Segment{seg})
}

// writePrecondition reads the conditional-write headers of PutObject and
// CompleteMultipartUpload: If-None-Match, which S3 takes only as "*", or
// If-Match, an ETag. A write conditioned on both, or on another
// If-None-Match, asks for what S3 does not implement.
func writePrecondition(hdr http.Header) (wicket.Precondition, error) {
	var c wicket.Precondition
	notImplemented := errCode("NotImplemented", "A header you provided implies functionality that is not implemented.")
	inm, im := hdr.Get("If-None-Match"), hdr.Get("If-Match")
	if inm != "" && (inm != "*" || im != "") {
		return c, notImplemented
	}
	c.IfNoneMatch = inm != ""
	c.IfMatch = strings.Trim(im, `"`)
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
	if err := checkWriteACL(q.r.Header); err != nil {
		return err
	}
	if err := directoryOnly(q.r.Header, "x-amz-write-offset-bytes"); err != nil {
		return err
	}
	cond, err := writePrecondition(q.r.Header)
	if err != nil {
		return err
	}
	// Fail early on a missing bucket rather than after a 5 GiB upload; the
	// commit checks again.
	if err := h.checkBucket(q.r.Context(), q.bucket); err != nil {
		return err
	}
	lock, err := h.writeLock(q, &cond)
	if err != nil {
		return err
	}
	if err := lockIntegrity(q.r.Header, lock); err != nil {
		return err
	}
	p, err := h.openPayload(q, maxPutSize)
	if err != nil {
		return err
	}
	// Without a checksum from the client, S3 stores CRC64NVME: "Amazon S3
	// added the default checksum, CRC64NVME, to the uploaded object"
	// (API_Checksum).
	alg := p.alg
	if alg == "" {
		alg = sigv4.ChecksumCRC64NVME
		p.compute(alg)
	}
	seg, err := h.writeSegment(q, p)
	if err != nil {
		return err
	}
	o.Size, o.ETag, o.Modified, o.Lock = seg.Size, p.etag(), h.clock.Now(), lock
	o.Segments = []wicket.Segment{seg}
	o.Checksums, o.ChecksumType = map[string]string{string(alg): p.sum(alg)}, fullObject
	dropped, err := h.meta.PutObject(q.r.Context(), o, cond)
	if err != nil {
		h.dropUnwritten(q, seg, err)
		return h.refusal(q, q.key, err)
	}
	h.dropBlobs(q, dropped)
	q.w.Header().Set("ETag", `"`+o.ETag+`"`)
	setChecksumHeaders(q.w.Header(), o.Checksums, o.ChecksumType)
	q.w.WriteHeader(http.StatusOK)
	return nil
}
