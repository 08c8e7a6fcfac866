package sigv4

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"hash"
	"io"
	"net/http"
	"slices"
	"strconv"
)

// The aws-chunked content encoding carries a body whose signature cannot be
// known before the body is sent: the Authorization header signs the request
// with a placeholder payload hash (StreamingPayload, StreamingPayloadTrailer
// or StreamingUnsignedPayloadTrailer) and the body follows as chunks,
//
//	hex(size) [";chunk-signature=" signature] CRLF data CRLF
//
// ending with a chunk of size 0, then trailer fields (name ":" value CRLF),
// then, for signed bodies with trailers, "x-amz-trailer-signature:" signature
// CRLF, then CRLF. Each chunk signature signs
//
//	AWS4-HMAC-SHA256-PAYLOAD \n amz-date \n scope \n previous signature \n
//	hex(SHA-256("")) \n hex(SHA-256(chunk data))
//
// where the first previous signature is the request's (the seed), so the
// chunks form a chain: none can be changed, dropped, repeated or reordered.
// The trailer signature signs
//
//	AWS4-HMAC-SHA256-TRAILER \n amz-date \n scope \n final chunk's signature \n
//	hex(SHA-256(trailers))
//
// with the trailers in canonical form: name ":" value LF for each, in order
// of name, as the AWS common runtime and the .NET SDK sign them.

// Chunk sizes.
const (
	// DefaultChunkSize is the chunk size ChunkWriter uses when given none;
	// it is the AWS SDKs' choice.
	DefaultChunkSize = 64 << 10
	// DefaultMaxChunkSize bounds the signed chunks ChunkReader accepts when
	// ChunkOptions.MaxChunkSize is zero. A chunk's bytes reach the consumer
	// before its signature is checked, so this bounds how much unverified
	// data a consumer can be handed at once. The SDKs sign chunks of 64 KiB
	// (128 KiB for Java).
	DefaultMaxChunkSize = 16 << 20
	// DefaultMinChunkSize is the smallest size S3 allows any chunk but the
	// last (InvalidChunkSizeError otherwise), signed or not. It also bounds
	// the work of a body: two HMACs per chunk would make a stream of 1-byte
	// chunks expensive to check.
	DefaultMinChunkSize = 8 << 10
)

const (
	chunkAlgorithm       = "AWS4-HMAC-SHA256-PAYLOAD"
	trailerAlgorithm     = "AWS4-HMAC-SHA256-TRAILER"
	chunkSignatureExt    = ";chunk-signature="
	trailerSignatureName = "x-amz-trailer-signature"
	sigLen               = 2 * sha256.Size // a hex signature

	// maxUnsignedChunk bounds unsigned chunks, which are not checked one by
	// one: aws-sdk-go-v2 sends a body of known length as a single chunk, so
	// the bound is S3's largest object, 5 TiB, and only keeps sizes sane.
	maxUnsignedChunk = 5 << 40

	// maxOverrun bounds the bytes of a chunk past DecodedLength that
	// ChunkReader reads, and drops, to check the chunk's framing before it
	// reports the length: the SDKs' chunk size. A chunk going further past
	// it is refused for its length at once.
	maxOverrun = 64 << 10

	// maxChunkLine bounds a chunk-size line: 16 hex digits, the signature
	// extension and CRLF take 99 bytes.
	maxChunkLine = 256
	// maxTrailerLine bounds a trailer line; a SHA-256 checksum trailer
	// takes 68 bytes.
	maxTrailerLine = 1024
	// readBufferSize is the ChunkReader's read-ahead, larger than any line.
	readBufferSize = 4096
	// maxEmptyReads is how many reads returning nothing, and no error, a
	// ChunkReader tries before giving up with io.ErrNoProgress, as bufio
	// does.
	maxEmptyReads = 100
)

// ChunkOptions describe an aws-chunked body: how it is signed and what
// follows it. ChunkReader checks a body against them; ChunkWriter makes one.
type ChunkOptions struct {
	// SigningKey is the request's signing key (see SigningKey) when each
	// chunk is signed, for StreamingPayload and StreamingPayloadTrailer.
	// Nil means the chunks are unsigned (StreamingUnsignedPayloadTrailer).
	// It is as sensitive as the secret for its day, region and service.
	SigningKey []byte
	// AmzDate is the request's X-Amz-Date, which every chunk signs.
	AmzDate string
	// Scope is the credential scope of the request's signature.
	Scope Scope
	// SeedSignature is the request's own signature (hex), the start of the
	// chain of chunk signatures.
	SeedSignature string
	// Trailers are the trailer names the request declares in x-amz-trailer
	// (split at commas and trimmed; case does not matter). Each must come
	// after the final chunk, and no other. Those that are
	// checksums (x-amz-checksum-crc32 and the others of ChecksumAlgorithm)
	// are computed over the data and checked; ChunkWriter sends only those.
	Trailers []string
	// DecodedLength is the length of the data (x-amz-decoded-content-length),
	// or -1 when it is not known. ChunkReader rejects a body whose data is
	// longer or shorter; ChunkWriter refuses to write more or less.
	DecodedLength int64
	// MaxChunkSize bounds the size of a signed chunk ChunkReader accepts;
	// zero means DefaultMaxChunkSize. Unsigned chunks are not bounded (but
	// by DecodedLength): SDKs send a body of known length as one chunk.
	MaxChunkSize int64
	// MinChunkSize is the smallest size ChunkReader accepts for a chunk that
	// is not the last one; zero means DefaultMinChunkSize, as S3 does, and 1
	// allows any.
	MinChunkSize int64
}

// Messages of the errors of aws-chunked bodies, in S3's words. The details,
// which S3 does not give, are in the Err of each *Error. S3 names
// Content-Length even when x-amz-decoded-content-length is the length it
// counts against (an S3 response in versity/versitygw#1684).
const (
	msgTerminated       = "The request body terminated unexpectedly"
	msgDecodedLength    = "You did not provide the number of bytes specified by the Content-Length HTTP header"
	msgSignature        = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	msgMalformedTrailer = "The request contained trailing data that was not well-formed or did not conform to our published schema."
)

func chunkError(status int, code, msg, detail string) *Error {
	e := newError(status, code, msg)
	e.Err = errors.New("aws-chunked: " + detail)
	return e
}

// errTruncated is the error of a body that ends early; it wraps
// io.ErrUnexpectedEOF.
func errTruncated() *Error {
	e := newError(400, CodeIncompleteBody, msgTerminated)
	e.Err = io.ErrUnexpectedEOF
	return e
}

func errMalformed(detail string) *Error {
	return chunkError(400, CodeIncompleteBody, msgTerminated, detail)
}

func errMalformedTrailer(detail string) *Error {
	return chunkError(400, CodeMalformedTrailer, msgMalformedTrailer, detail)
}

func errDecodedLength(detail string) *Error {
	return chunkError(400, CodeIncompleteBody, msgDecodedLength, detail)
}

// readError turns the error of a read that needed more bytes into the error
// of the body: the end of the input is a truncated body, anything else (a
// broken connection, a size limit) is returned as it is.
func readError(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errTruncated()
	}
	return err
}

// chunkChain computes the chain of chunk signatures of a signed body.
type chunkChain struct {
	key     [sha256.Size]byte
	hm      macer
	data    hash.Hash // SHA-256 of the current chunk's data
	amzDate string
	scope   Scope
	sts     []byte       // the last string to sign
	prev    [sigLen]byte // the previous chunk's signature, or the seed
	sig     [sigLen]byte // the last signature computed
	digest  [sha256.Size]byte
}

func (c *chunkChain) init(o *ChunkOptions) error {
	if len(o.SigningKey) != sha256.Size {
		return errors.New("sigv4: a chunk signing key must be 32 bytes")
	}
	if len(o.SeedSignature) != sigLen {
		return errors.New("sigv4: the seed signature must be 64 hex digits")
	}
	for i := range sigLen {
		d, ok := unhex(o.SeedSignature[i])
		if !ok {
			return errors.New("sigv4: the seed signature must be 64 hex digits")
		}
		c.prev[i] = "0123456789abcdef"[d]
	}
	copy(c.key[:], o.SigningKey)
	c.hm = newMacer()
	c.data = sha256.New()
	c.amzDate, c.scope = o.AmzDate, o.Scope
	c.sts = make([]byte, 0, 64+len(o.AmzDate)+len(o.Scope.Date)+len(o.Scope.Region)+len(o.Scope.Service)+3*sigLen)
	return nil
}

// startStringToSign begins a string to sign with algorithm, the date, the
// scope and the previous signature.
func (c *chunkChain) startStringToSign(algorithm string) []byte {
	b := append(c.sts[:0], algorithm...)
	b = append(b, '\n')
	b = append(b, c.amzDate...)
	b = append(b, '\n')
	b = c.scope.append(b)
	b = append(b, '\n')
	b = append(b, c.prev[:]...)
	return append(b, '\n')
}

// chunkSignature returns the signature of the chunk whose data went into
// c.data, and resets c.data for the next chunk. The result is c.sig, valid
// until the next call.
func (c *chunkChain) chunkSignature() []byte {
	b := c.startStringToSign(chunkAlgorithm)
	b = append(b, EmptyPayloadHash...)
	b = append(b, '\n')
	c.sts = appendHex(b, c.data.Sum(c.digest[:0]))
	c.data.Reset()
	return appendHex(c.sig[:0], c.hm.mac(&c.key, c.sts)[:])
}

// trailerSignature returns the signature of trailers in canonical form.
func (c *chunkChain) trailerSignature(canonical []byte) []byte {
	b := c.startStringToSign(trailerAlgorithm)
	c.digest = sha256.Sum256(canonical)
	c.sts = appendHex(b, c.digest[:])
	return appendHex(c.sig[:0], c.hm.mac(&c.key, c.sts)[:])
}

// advance makes the last signature computed the previous one.
func (c *chunkChain) advance() { c.prev = c.sig }

// verify compares the signature just computed with the one the body
// carries, in constant time, and moves the chain on when they match.
func (c *chunkChain) verify(claimed []byte) error {
	if !hmac.Equal(c.sig[:], claimed) {
		e := newError(403, CodeSignatureDoesNotMatch, msgSignature)
		e.StringToSign = string(c.sts)
		e.SignatureProvided = string(claimed)
		return e
	}
	c.advance()
	return nil
}

// ChunkReader decodes an aws-chunked body (Content-Encoding: aws-chunked),
// checking each chunk's signature, the trailer signature and any checksum
// trailer as it goes, in constant memory: it holds one line of the body at a
// time and streams chunk data through its hashes.
//
// A chunk's signature can only be checked once all of its data has been
// read, and holding a whole chunk back would cost up to MaxChunkSize of
// memory per body, so Read hands out a chunk's bytes before they are
// verified. Each Read returns data of one chunk only, and fills p unless the
// chunk ends first; the Read that completes a chunk checks it before
// returning, and when the check fails returns the error instead of the data.
// A consumer reading into a buffer at least as large as the chunks thus never
// sees a byte of a bad chunk. In general, though, the data is authentic only
// once Read has returned io.EOF: a consumer must write what it reads
// somewhere provisional (a temporary blob), commit it only at io.EOF, and
// discard it on any error.
//
// The errors of a bad body are *Error values with S3's codes:
// IncompleteBody for a body that is cut short (wrapping io.ErrUnexpectedEOF),
// malformed, followed by more data, or longer or shorter than DecodedLength;
// SignatureDoesNotMatch for a chunk or trailer signature that does not
// match; InvalidChunkSizeError for a signed chunk over MaxChunkSize or a
// short chunk that is not the last; MalformedTrailerError for trailers that are
// malformed, undeclared, repeated or missing; InvalidRequest for a checksum
// trailer that is not a well-formed value; BadDigest for one that does not
// match the data. An error reading the body itself is returned as it is.
//
// Besides the trailer forms of the AWS SDKs, ChunkReader accepts the one of
// minio-go (mc and other MinIO clients), whose trailer fields end in LF and
// are followed by an extra CRLF; the canonical form they sign is the same.
//
// A ChunkReader is not safe for concurrent use.
type ChunkReader struct {
	br     *bufio.Reader
	signed bool
	chain  chunkChain
	claim  [sigLen]byte // the signature the current chunk carries

	names  []string // declared trailers, lower case
	values []string // their values, once read
	seen   []bool
	sums   []*Checksum // checksum trailers, computed over the data

	remaining     int64 // data bytes of the current chunk still to read
	overrun       int64 // bytes of the current chunk past DecodedLength
	lastSize      int64 // size of the previous data chunk; -1 before the first
	chunks        int   // data chunks so far
	decoded       int64
	decodedLength int64
	minChunk      int64
	maxChunk      int64

	trailer   http.Header
	checksums map[ChecksumAlgorithm]string
	err       error
}

var (
	_ io.Reader      = (*ChunkReader)(nil)
	_ io.WriteCloser = (*ChunkWriter)(nil)
)

// NewChunkReader returns a ChunkReader decoding body as opts describe it.
// A problem with opts themselves (a signing key or seed of the wrong size,
// an unusable trailer name) is returned by the first Read.
func NewChunkReader(body io.Reader, opts ChunkOptions) *ChunkReader {
	r := &ChunkReader{
		br:            bufio.NewReaderSize(body, readBufferSize),
		signed:        opts.SigningKey != nil,
		lastSize:      -1,
		decodedLength: opts.DecodedLength,
		minChunk:      opts.MinChunkSize,
		maxChunk:      opts.MaxChunkSize,
	}
	if r.minChunk <= 0 {
		r.minChunk = DefaultMinChunkSize
	}
	if r.maxChunk <= 0 {
		r.maxChunk = DefaultMaxChunkSize
	}
	if r.signed {
		if r.err = r.chain.init(&opts); r.err != nil {
			return r
		}
	}
	r.names, r.err = declaredTrailers(opts.Trailers)
	if r.err != nil {
		return r
	}
	r.values = make([]string, len(r.names))
	r.seen = make([]bool, len(r.names))
	for _, name := range r.names {
		if a, ok := ChecksumAlgorithmForHeader(name); ok {
			c, _ := NewChecksum(a)
			r.sums = append(r.sums, c)
		}
	}
	return r
}

// declaredTrailers returns the names declared in x-amz-trailer in lower
// case, or an error for a name no trailer can have.
func declaredTrailers(names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		b := appendLower(nil, n)
		if !isToken(b) || string(b) == trailerSignatureName || slices.Contains(out, string(b)) {
			return nil, newError(400, CodeInvalidRequest, "The value specified in the x-amz-trailer header is not supported")
		}
		out = append(out, string(b))
	}
	return out, nil
}

// isToken reports whether b is an HTTP field name (RFC 9110 token).
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0:
		default:
			return false
		}
	}
	return true
}

// Read reads decoded data. It returns io.EOF only after the final chunk, the
// trailers and their signatures have been checked and the body has ended.
func (r *ChunkReader) Read(p []byte) (int, error) {
	if len(p) == 0 && r.err == nil {
		return 0, nil
	}
	for r.err == nil {
		if r.remaining > 0 {
			return r.readData(p)
		}
		r.err = r.nextChunk()
	}
	return 0, r.err
}

// readData reads from the current chunk until p is full or the chunk ends,
// and checks the chunk before returning the read that completes it.
func (r *ChunkReader) readData(p []byte) (int, error) {
	if int64(len(p)) > r.remaining {
		p = p[:r.remaining]
	}
	n, empty := 0, 0
	for n < len(p) {
		m, err := r.br.Read(p[n:])
		data := p[n : n+m]
		if r.signed {
			r.chain.data.Write(data)
		}
		for _, c := range r.sums {
			c.Write(data)
		}
		n += m
		r.remaining -= int64(m)
		r.decoded += int64(m)
		if err != nil && r.remaining > 0 {
			r.err = readError(err)
			return 0, r.err
		}
		if m > 0 {
			empty = 0
		} else if empty++; empty == maxEmptyReads {
			r.err = io.ErrNoProgress
			return 0, r.err
		}
	}
	if r.remaining == 0 {
		if r.overrun > 0 {
			r.err = r.endOverrun()
		} else {
			r.err = r.endChunk()
		}
		if r.err != nil {
			return 0, r.err // withhold the bad chunk's last bytes
		}
	}
	return n, nil
}

// endOverrun reads, and drops, the rest of a chunk that goes past
// DecodedLength, and the CRLF after it. S3 counts the bytes of the body
// before it compares them with the length (its IncompleteBody names both
// numbers, versity/versitygw#1684), so a body whose framing breaks in that
// chunk is refused for its framing, and one whose framing holds for its
// length.
func (r *ChunkReader) endOverrun() error {
	if _, err := io.CopyN(io.Discard, r.br, r.overrun); err != nil {
		return readError(err)
	}
	b, err := r.br.Peek(2)
	if len(b) < 2 {
		return readError(err)
	}
	if b[0] != '\r' || b[1] != '\n' {
		return errMalformed("chunk data not followed by CRLF")
	}
	return errDecodedLength("the data is longer than x-amz-decoded-content-length")
}

// endChunk reads the CRLF after a chunk's data and checks its signature.
func (r *ChunkReader) endChunk() error {
	b, err := r.br.Peek(2)
	if len(b) < 2 {
		return readError(err)
	}
	if b[0] != '\r' || b[1] != '\n' {
		return errMalformed("chunk data not followed by CRLF")
	}
	r.br.Discard(2)
	if !r.signed {
		return nil
	}
	r.chain.chunkSignature()
	return r.chain.verify(r.claim[:])
}

// nextChunk reads a chunk-size line. For the final chunk it goes on to read
// and check the trailers, and returns io.EOF when all is well.
func (r *ChunkReader) nextChunk() error {
	line, crlf, err := r.readLine(maxChunkLine, errMalformed)
	if err != nil {
		return err
	}
	size, sig, ok := parseChunkLine(line, r.signed)
	if !ok || !crlf {
		return errMalformed("malformed chunk-size line")
	}
	limit := uint64(maxUnsignedChunk)
	if r.signed {
		limit = uint64(r.maxChunk)
	}
	if size > limit {
		return chunkError(403, CodeInvalidChunkSize, "Chunks may be at most "+strconv.FormatUint(limit, 10)+" bytes",
			"chunk "+strconv.Itoa(r.chunks+1)+" has 0x"+strconv.FormatUint(size, 16)+" bytes")
	}
	copy(r.claim[:], sig)
	if size == 0 {
		return r.finish()
	}
	if r.lastSize >= 0 && r.lastSize < r.minChunk {
		return chunkError(403, CodeInvalidChunkSize, "Only the last chunk is allowed to have a size less than "+strconv.FormatInt(r.minChunk, 10)+" bytes",
			"chunk "+strconv.Itoa(r.chunks)+" has "+strconv.FormatInt(r.lastSize, 10)+" bytes")
	}
	r.remaining, r.lastSize = int64(size), int64(size)
	r.chunks++
	if rest := r.decodedLength - r.decoded; r.decodedLength >= 0 && r.remaining > rest {
		// The consumer gets the data up to the length and no further.
		if r.remaining-rest > maxOverrun {
			return errDecodedLength("the data is longer than x-amz-decoded-content-length")
		}
		r.remaining, r.overrun = rest, r.remaining-rest
		if r.remaining == 0 {
			return r.endOverrun()
		}
	}
	return nil
}

// finish checks the final chunk, the length, the trailers and the end of
// the body.
func (r *ChunkReader) finish() error {
	if r.signed {
		r.chain.chunkSignature()
		if err := r.chain.verify(r.claim[:]); err != nil {
			return err
		}
	}
	r.checksums = make(map[ChecksumAlgorithm]string, len(r.sums))
	for _, c := range r.sums {
		r.checksums[c.Algorithm()] = c.Base64()
	}
	if r.decodedLength >= 0 && r.decoded != r.decodedLength {
		return errDecodedLength("the data is shorter than x-amz-decoded-content-length")
	}
	if err := r.readTrailers(); err != nil {
		return err
	}
	switch _, err := r.br.ReadByte(); err {
	case nil:
		return errMalformed("data after the end of the body")
	case io.EOF:
		return io.EOF
	default:
		return err
	}
}

// readLine reads a line of at most limit bytes with its terminator, LF or
// CRLF, and returns it without the terminator; tooLong makes the error of a
// longer line. The line is only valid until the next read.
func (r *ChunkReader) readLine(limit int, tooLong func(string) *Error) (line []byte, crlf bool, err error) {
	b, err := r.br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull || len(b) > limit:
		return nil, false, tooLong("line too long")
	case err != nil:
		return nil, false, readError(err)
	}
	b = b[:len(b)-1]
	if crlf = len(b) > 0 && b[len(b)-1] == '\r'; crlf {
		b = b[:len(b)-1]
	}
	return b, crlf, nil
}

// parseChunkLine parses a chunk-size line without its CRLF: 1 to 16 hex
// digits, then for a signed body the signature extension and nothing else.
func parseChunkLine(line []byte, signed bool) (size uint64, sig []byte, ok bool) {
	i := 0
	for ; i < len(line); i++ {
		d, isHex := unhex(line[i])
		if !isHex {
			break
		}
		if i == 16 {
			return 0, nil, false
		}
		size = size<<4 | uint64(d)
	}
	if i == 0 {
		return 0, nil, false
	}
	rest := line[i:]
	if !signed {
		return size, nil, len(rest) == 0
	}
	sig, ok = bytes.CutPrefix(rest, []byte(chunkSignatureExt))
	return size, sig, ok && isLowerHex(sig, sigLen)
}

// isLowerHex reports whether b is n lower-case hex digits, the form of
// every signature the SDKs send.
func isLowerHex(b []byte, n int) bool {
	if len(b) != n {
		return false
	}
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// readTrailers reads the trailer section after the final chunk line: fields
// ending in CRLF, or fields ending in LF followed by a CRLF (minio-go), then
// the trailer signature line when the body is signed and has trailers, then
// an empty line.
//
// A field that is malformed, undeclared or missing is MalformedTrailerError,
// as S3 answers (versity/versitygw#1600, #1690, #1691); the trailer
// signature belongs to the body's framing, like the chunk signatures, and a
// signature line that is missing or malformed, or another line in its
// place, is IncompleteBody, as versitygw finds S3 answers for chunk
// signatures (#1685) and trailer signatures.
func (r *ChunkReader) readTrailers() error {
	var (
		fields      int
		lfFields    bool // fields end in a bare LF
		blockClosed bool // the CRLF after LF-ended fields has been read
		signature   bool
	)
	for lines := 0; ; lines++ {
		if lines > len(r.names)+2 {
			return errMalformedTrailer("too many trailer lines")
		}
		line, crlf, err := r.readLine(maxTrailerLine, errMalformedTrailer)
		if err != nil {
			return err
		}
		if len(line) == 0 {
			if !crlf {
				return errMalformedTrailer("empty line ends in a bare LF")
			}
			if lfFields && !blockClosed {
				blockClosed = true
				continue
			}
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		value = bytes.Trim(value, " \t")
		sigLine := ok && equalFoldASCII(name, trailerSignatureName)
		if r.signed && len(r.names) > 0 && fields == len(r.names) && !signature && !sigLine {
			return errMalformed("trailer signature line expected")
		}
		if !ok {
			return errMalformedTrailer("trailer line without a colon")
		}
		if r.signed && len(r.names) > 0 && sigLine {
			if signature || !crlf || lfFields && !blockClosed || !isLowerHex(value, sigLen) {
				return errMalformed("malformed trailer signature")
			}
			copy(r.claim[:], value)
			signature = true
			continue
		}
		if signature || blockClosed {
			return errMalformedTrailer("trailer field after the end of the fields")
		}
		if fields == 0 {
			lfFields = !crlf
		} else if lfFields == crlf {
			return errMalformedTrailer("trailer lines end in both LF and CRLF")
		}
		i := slices.IndexFunc(r.names, func(n string) bool { return equalFoldASCII(name, n) })
		if i < 0 || r.seen[i] {
			return errMalformedTrailer("undeclared or repeated trailer " + strconv.Quote(string(name)))
		}
		r.seen[i], r.values[i] = true, string(value)
		fields++
	}
	if fields < len(r.names) {
		return errMalformedTrailer("missing trailer " + r.names[slices.Index(r.seen, false)])
	}
	if r.signed && len(r.names) > 0 {
		if !signature {
			return errMalformed("missing trailer signature")
		}
		r.chain.trailerSignature(r.canonicalTrailers())
		if err := r.chain.verify(r.claim[:]); err != nil {
			return err
		}
	}
	r.trailer = make(http.Header, len(r.names))
	for i, name := range r.names {
		r.trailer.Set(name, r.values[i])
	}
	for _, c := range r.sums {
		name := c.Algorithm().Header()
		v := r.values[slices.Index(r.names, name)]
		switch {
		case !c.Algorithm().Valid(v):
			return invalidChecksumTrailer(name)
		case v != r.checksums[c.Algorithm()]:
			return badDigest(c.Algorithm())
		}
	}
	return nil
}

// canonicalTrailers returns the trailers as their signature signs them.
func (r *ChunkReader) canonicalTrailers() []byte {
	order := make([]int, len(r.names))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case r.names[a] < r.names[b]:
			return -1
		case r.names[a] > r.names[b]:
			return 1
		}
		return 0
	})
	var b []byte
	for _, i := range order {
		b = appendCanonicalTrailer(b, r.names[i], r.values[i])
	}
	return b
}

func appendCanonicalTrailer(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ':')
	b = append(b, value...)
	return append(b, '\n')
}

// equalFoldASCII reports whether b equals the lower-case s, ignoring the
// case of ASCII letters only (no Unicode folding: "K" is not "k").
func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// Trailer returns the trailers received, once they have been read and
// their signature checked: after Read has returned io.EOF, or an error about
// a checksum trailer (InvalidRequest, BadDigest); nil before.
func (r *ChunkReader) Trailer() http.Header { return r.trailer }

// Checksums returns the checksums computed over the data for the checksum
// trailers declared, base64-encoded as in the trailers, once the final chunk
// has been read (also when a trailer then fails to match); nil before.
func (r *ChunkReader) Checksums() map[ChecksumAlgorithm]string { return r.checksums }

// ChunkWriter encodes data as an aws-chunked body: chunks of a fixed size
// (the last one shorter), signed when ChunkOptions.SigningKey is set, then
// the final chunk and the checksum trailers of ChunkOptions.Trailers,
// computed as the data goes by. It buffers at most one chunk.
//
// A request carrying the body needs Content-Encoding: aws-chunked,
// X-Amz-Decoded-Content-Length, X-Amz-Trailer when there are trailers, the
// matching X-Amz-Content-Sha256, and a Content-Length from EncodedLength;
// its signature is the SeedSignature.
type ChunkWriter struct {
	w             io.Writer
	signed        bool
	chain         chunkChain
	sums          []*Checksum // in order of trailer name
	size          int
	buf           []byte
	line          []byte
	written       int64
	decodedLength int64
	closed        bool
	err           error
}

var errWriterClosed = errors.New("sigv4: write to a closed ChunkWriter")

// crlf ends each chunk's data; a variable, so that writing it does not
// allocate.
var crlf = []byte("\r\n")

// NewChunkWriter returns a ChunkWriter writing to w in chunks of chunkSize
// bytes (DefaultChunkSize when zero or less). S3 rejects chunks smaller than
// DefaultMinChunkSize except the last. A problem with opts is returned by
// the first Write or Close.
func NewChunkWriter(w io.Writer, opts ChunkOptions, chunkSize int) *ChunkWriter {
	if chunkSize <= 0 {
		chunkSize = DefaultChunkSize
	}
	cw := &ChunkWriter{w: w, signed: opts.SigningKey != nil, size: chunkSize, decodedLength: opts.DecodedLength}
	if cw.signed {
		if cw.err = cw.chain.init(&opts); cw.err != nil {
			return cw
		}
	}
	algs, err := trailerChecksums(opts.Trailers)
	if err != nil {
		cw.err = err
		return cw
	}
	for _, a := range algs {
		c, _ := NewChecksum(a)
		cw.sums = append(cw.sums, c)
	}
	return cw
}

// trailerChecksums returns the checksum algorithms of the trailers a
// ChunkWriter is to send, in order of trailer name.
func trailerChecksums(names []string) ([]ChecksumAlgorithm, error) {
	var algs []ChecksumAlgorithm
	for _, n := range names {
		a, ok := ChecksumAlgorithmForHeader(n)
		if !ok || slices.Contains(algs, a) {
			return nil, errors.New("sigv4: ChunkWriter sends each checksum trailer once and no other trailer, not " + strconv.Quote(n))
		}
		algs = append(algs, a)
	}
	slices.SortFunc(algs, func(a, b ChecksumAlgorithm) int {
		switch x, y := a.Header(), b.Header(); {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	return algs, nil
}

// Write encodes p, writing every chunk it completes.
func (w *ChunkWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, errWriterClosed
	}
	if w.decodedLength >= 0 && int64(len(p)) > w.decodedLength-w.written {
		return 0, errors.New("sigv4: more data written than ChunkOptions.DecodedLength")
	}
	n := 0
	for len(p) > 0 {
		if len(w.buf) == 0 && len(p) >= w.size {
			if err := w.writeChunk(p[:w.size]); err != nil {
				return n, err
			}
			n += w.size
			p = p[w.size:]
			continue
		}
		if w.buf == nil {
			w.buf = make([]byte, 0, w.size)
		}
		k := min(len(p), w.size-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		n += k
		p = p[k:]
		w.written += int64(k)
		if len(w.buf) == w.size {
			if err := w.writeChunk(w.buf); err != nil {
				return n, err
			}
			w.buf = w.buf[:0]
		}
	}
	return n, nil
}

// writeChunk writes one chunk, data included; a data chunk that was not
// buffered is counted here.
func (w *ChunkWriter) writeChunk(data []byte) error {
	if len(w.buf) == 0 {
		w.written += int64(len(data))
	}
	for _, c := range w.sums {
		c.Write(data)
	}
	w.line = w.appendChunkLine(w.line[:0], data)
	if _, w.err = w.w.Write(w.line); w.err == nil {
		if _, w.err = w.w.Write(data); w.err == nil {
			_, w.err = w.w.Write(crlf)
		}
	}
	return w.err
}

// appendChunkLine appends the chunk-size line of a chunk holding data.
func (w *ChunkWriter) appendChunkLine(b, data []byte) []byte {
	b = strconv.AppendInt(b, int64(len(data)), 16)
	if w.signed {
		w.chain.data.Write(data)
		b = append(b, chunkSignatureExt...)
		b = append(b, w.chain.chunkSignature()...)
		w.chain.advance()
	}
	return append(b, "\r\n"...)
}

// Close writes the last chunk, the final chunk and the trailers. It does
// not close the underlying writer.
func (w *ChunkWriter) Close() error {
	if w.closed || w.err != nil {
		return w.err
	}
	w.closed = true
	if len(w.buf) > 0 {
		if err := w.writeChunk(w.buf); err != nil {
			return err
		}
		w.buf = w.buf[:0]
	}
	if w.decodedLength >= 0 && w.written != w.decodedLength {
		w.err = errors.New("sigv4: less data written than ChunkOptions.DecodedLength")
		return w.err
	}
	b := w.appendChunkLine(w.line[:0], nil)
	var canonical []byte
	for _, c := range w.sums {
		canonical = appendCanonicalTrailer(canonical, c.Algorithm().Header(), c.Base64())
	}
	for line := range bytes.Lines(canonical) {
		b = append(b, line[:len(line)-1]...)
		b = append(b, "\r\n"...)
	}
	if w.signed && len(w.sums) > 0 {
		b = append(b, trailerSignatureName+":"...)
		b = append(b, w.chain.trailerSignature(canonical)...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	w.line = b
	_, w.err = w.w.Write(b)
	return w.err
}

// Checksums returns the checksums sent as trailers, once Close has
// returned; nil before.
func (w *ChunkWriter) Checksums() map[ChecksumAlgorithm]string {
	if !w.closed || w.err != nil {
		return nil
	}
	m := make(map[ChecksumAlgorithm]string, len(w.sums))
	for _, c := range w.sums {
		m[c.Algorithm()] = c.Base64()
	}
	return m
}

// EncodedLength returns the length of the body a ChunkWriter makes of
// decodedLength bytes of data in chunks of chunkSize (DefaultChunkSize when
// zero or less): the Content-Length of the request. Of opts it uses
// whether SigningKey is set and the Trailers.
func EncodedLength(decodedLength int64, chunkSize int, opts ChunkOptions) (int64, error) {
	if decodedLength < 0 {
		return 0, errors.New("sigv4: EncodedLength needs the decoded length")
	}
	if chunkSize <= 0 {
		chunkSize = DefaultChunkSize
	}
	algs, err := trailerChecksums(opts.Trailers)
	if err != nil {
		return 0, err
	}
	signed := opts.SigningKey != nil
	chunk := func(n int64) int64 {
		l := int64(len(strconv.FormatInt(n, 16))) + 2 + n + 2
		if signed {
			l += int64(len(chunkSignatureExt) + sigLen)
		}
		return l
	}
	cs := int64(chunkSize)
	total := decodedLength / cs * chunk(cs)
	if rem := decodedLength % cs; rem > 0 {
		total += chunk(rem)
	}
	total += chunk(0) // the final chunk; its CRLF is the empty line after the trailers
	for _, a := range algs {
		total += int64(len(a.Header()) + 1 + a.EncodedLen() + 2)
	}
	if signed && len(algs) > 0 {
		total += int64(len(trailerSignatureName) + 1 + sigLen + 2)
	}
	return total, nil
}
