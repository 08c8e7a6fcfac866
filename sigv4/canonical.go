package sigv4

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm this package speaks.
const Algorithm = "AWS4-HMAC-SHA256"

// TimeFormat is the layout of X-Amz-Date.
const TimeFormat = "20060102T150405Z"

const (
	// EmptyPayloadHash is the hex SHA-256 of an empty body.
	EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	// UnsignedPayload says the body is not covered by the signature.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// StreamingPayload says the body is aws-chunked, each chunk signed.
	StreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	// StreamingPayloadTrailer is StreamingPayload followed by signed trailers.
	StreamingPayloadTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	// StreamingUnsignedPayloadTrailer is an aws-chunked body whose chunks are
	// not signed, followed by trailers (usually a checksum). Current AWS CLIs
	// and SDKs upload this way by default.
	StreamingUnsignedPayloadTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// MaxExpires is the longest validity of a presigned request, one week.
const MaxExpires = 7 * 24 * time.Hour

// unreserved marks the bytes that URI encoding leaves alone (RFC 3986).
var unreserved = func() (t [256]bool) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['-'], t['_'], t['.'], t['~'] = true, true, true, true
	return t
}()

const upperHex = "0123456789ABCDEF"

// appendURIEncode appends s with every byte outside the unreserved set
// percent-encoded in upper-case hex, '/' kept when keepSlash is set. Runs of
// bytes that stay as they are are copied at once.
func appendURIEncode[T ~string | ~[]byte](dst []byte, s T, keepSlash bool) []byte {
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && (unreserved[s[j]] || (s[j] == '/' && keepSlash)) {
			j++
		}
		dst = append(dst, s[i:j]...)
		if j == len(s) {
			break
		}
		c := s[j]
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		i = j + 1
	}
	return dst
}

// EncodeURI returns s URI-encoded the SigV4 way; keepSlash leaves '/' as is
// (object keys in S3 paths).
func EncodeURI(s string, keepSlash bool) string {
	return string(appendURIEncode(make([]byte, 0, len(s)+8), s, keepSlash))
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendQueryDecodeEncode decodes one query component as form decoding does
// ('+' is a space, %XX a byte; a malformed escape is kept literally) and
// appends its SigV4 encoding.
func appendQueryDecodeEncode(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && unreserved[s[j]] {
			j++
		}
		dst = append(dst, s[i:j]...)
		if j == len(s) {
			break
		}
		c := s[j]
		i = j + 1
		switch c {
		case '+':
			c = ' '
		case '%':
			if j+2 < len(s) {
				hi, ok1 := unhex(s[j+1])
				lo, ok2 := unhex(s[j+2])
				if ok1 && ok2 {
					c = hi<<4 | lo
					i = j + 3
				}
			}
		}
		if unreserved[c] {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

// queryUnescape decodes one query component; it allocates only when s holds
// an escape.
func queryUnescape(s string) string {
	i := indexEscape(s)
	if i < 0 {
		return s
	}
	// A Builder makes the string without the copy that string([]byte) does.
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		b.WriteString(s[:i])
		c, n := s[i], 1
		switch {
		case c == '+':
			c = ' '
		case i+2 < len(s):
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				c, n = hi<<4|lo, 3
			}
		}
		b.WriteByte(c)
		s = s[i+n:]
		i = indexEscape(s)
	}
	b.WriteString(s)
	return b.String()
}

// indexEscape returns the index of the first '%' or '+' in s, or -1. (Two
// IndexByte calls, which are vectorised, beat IndexAny's byte loop.)
func indexEscape(s string) int {
	i, j := strings.IndexByte(s, '%'), strings.IndexByte(s, '+')
	if i < 0 || (j >= 0 && j < i) {
		return j
	}
	return i
}

// appendQueryUnescape appends s decoded as form decoding does: '+' is a
// space, %XX a byte, and a malformed escape is kept literally.
func appendQueryUnescape(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '+':
			c = ' '
		case '%':
			if i+2 < len(s) {
				hi, ok1 := unhex(s[i+1])
				lo, ok2 := unhex(s[i+2])
				if ok1 && ok2 {
					c = hi<<4 | lo
					i += 2
				}
			}
		}
		dst = append(dst, c)
	}
	return dst
}

// span is a slice of the scratch arena, by offsets so the arena may grow.
type span struct{ lo, hi int32 }

// param is one canonical query parameter, key and value already encoded.
type param struct{ k, v span }

// header is one canonical header: lower-case name and trimmed value(s).
type header struct{ name, value span }

// scratch is the per-call working memory of signing and verifying, pooled so
// that steady state allocates nothing but the result.
type scratch struct {
	arena   []byte
	params  []param
	headers []header
	creq    []byte // canonical request
	sts     []byte // string to sign
	out     []byte
	// hostHeader is the index in headers of the host header, or -1.
	hostHeader int
	// qbase is where a raw query copied by beginQuery starts in the arena;
	// sorted says that params are known to be in canonical order.
	qbase  int32
	sorted bool
	sha    [sha256.Size]byte
	date16 [16]byte // X-Amz-Date
	hm     macer

	// The last date formatted, so that its string is made once a day, and
	// the last X-Amz-Date, made once a second.
	dy, dd  int
	dm      time.Month
	ds      string
	amzDate string
}

func (s *scratch) reset() {
	s.arena = s.arena[:0]
	s.params = s.params[:0]
	s.headers = s.headers[:0]
	s.creq = s.creq[:0]
	s.sts = s.sts[:0]
	s.out = s.out[:0]
	s.hostHeader = -1
	s.sorted = false
}

func (s *scratch) str(sp span) []byte { return s.arena[sp.lo:sp.hi] }

// addRawParam encodes a raw (wire-form) query key and value into the arena.
func (s *scratch) addRawParam(k, v string) {
	lo := int32(len(s.arena))
	s.arena = appendQueryDecodeEncode(s.arena, k)
	mid := int32(len(s.arena))
	s.arena = appendQueryDecodeEncode(s.arena, v)
	s.params = append(s.params, param{span{lo, mid}, span{mid, int32(len(s.arena))}})
	s.sorted = false
}

// addParam encodes a decoded query key and value into the arena.
func addParam[T ~string | ~[]byte](s *scratch, k string, v T) {
	lo := int32(len(s.arena))
	s.arena = appendURIEncode(s.arena, k, false)
	mid := int32(len(s.arena))
	s.arena = appendURIEncode(s.arena, v, false)
	s.params = append(s.params, param{span{lo, mid}, span{mid, int32(len(s.arena))}})
	s.sorted = false
}

// addRawQuery adds every parameter of a raw query string.
func (s *scratch) addRawQuery(raw string) {
	s.beginQuery(raw)
	for off := 0; off < len(raw); {
		kv, _, _ := strings.Cut(raw[off:], "&")
		if kv != "" {
			k, v, _ := strings.Cut(kv, "=")
			s.addQueryParam(k, v, off, len(kv))
		}
		off += len(kv) + 1
	}
}

// beginQuery starts the canonical query of a raw one, which it copies into
// the arena: a parameter already in canonical form (as every SDK's
// presigned URL has them) then costs no encoding, its spans pointing into
// the copy, and a query already in canonical order no sorting.
func (s *scratch) beginQuery(raw string) {
	s.qbase = int32(len(s.arena))
	s.arena = append(s.arena, raw...)
	s.sorted = len(s.params) == 0
}

// addQueryParam adds the parameter k=v whose n bytes start at byte off of
// the raw query passed to beginQuery.
func (s *scratch) addQueryParam(k, v string, off, n int) {
	var p param
	if canonicalComponent(k) && canonicalComponent(v) {
		lo, hi := s.qbase+int32(off), s.qbase+int32(off+n)
		p = param{span{lo, lo + int32(len(k))}, span{hi - int32(len(v)), hi}}
	} else {
		lo := int32(len(s.arena))
		s.arena = appendQueryDecodeEncode(s.arena, k)
		mid := int32(len(s.arena))
		s.arena = appendQueryDecodeEncode(s.arena, v)
		p = param{span{lo, mid}, span{mid, int32(len(s.arena))}}
	}
	if n := len(s.params); s.sorted && n > 0 && s.paramCompare(s.params[n-1], p) > 0 {
		s.sorted = false
	}
	s.params = append(s.params, p)
}

// canonicalComponent reports whether a raw query component is already its
// own SigV4 encoding: unreserved bytes, and upper-case escapes of the others.
func canonicalComponent(s string) bool {
	for i := 0; i < len(s); i++ {
		if unreserved[s[i]] {
			continue
		}
		if s[i] != '%' || i+2 >= len(s) || !isUpperHex(s[i+1]) || !isUpperHex(s[i+2]) {
			return false
		}
		hi, _ := unhex(s[i+1])
		lo, _ := unhex(s[i+2])
		if unreserved[hi<<4|lo] {
			return false
		}
		i += 2
	}
	return true
}

func isUpperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

func (s *scratch) paramCompare(a, b param) int {
	if c := bytes.Compare(s.str(a.k), s.str(b.k)); c != 0 {
		return c
	}
	return bytes.Compare(s.str(a.v), s.str(b.v))
}

// insertionSortMax is the length up to which sorting uses insertion sort,
// fastest for the few parameters and headers of a usual request. Longer
// lists, which a client may make as long as the server lets it, take
// slices.SortFunc, so that the work stays O(n log n).
const insertionSortMax = 12

// sortParams sorts by encoded key, then encoded value.
func (s *scratch) sortParams() {
	p := s.params
	if s.sorted {
		return
	}
	if len(p) > insertionSortMax {
		slices.SortFunc(p, s.paramCompare)
		return
	}
	for i := 1; i < len(p); i++ {
		for j := i; j > 0 && s.paramCompare(p[j], p[j-1]) < 0; j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
}

func (s *scratch) appendCanonicalQuery(dst []byte) []byte {
	for i, p := range s.params {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, s.str(p.k)...)
		dst = append(dst, '=')
		dst = append(dst, s.str(p.v)...)
	}
	return dst
}

// appendHeaderValue appends a header value trimmed, with each run of inner
// spaces folded to one (the "Trimall" of the specification).
func appendHeaderValue(dst []byte, v string) []byte {
	v = strings.TrimSpace(v)
	for {
		i := strings.Index(v, "  ")
		if i < 0 {
			return append(dst, v...)
		}
		dst = append(dst, v[:i+1]...)
		v = strings.TrimLeft(v[i+1:], " ")
	}
}

func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// addHeader adds a header with its values joined by commas.
func (s *scratch) addHeader(name string, values []string) {
	lo := int32(len(s.arena))
	s.arena = appendLower(s.arena, name)
	mid := int32(len(s.arena))
	for i, v := range values {
		if i > 0 {
			s.arena = append(s.arena, ',')
		}
		s.arena = appendHeaderValue(s.arena, v)
	}
	s.headers = append(s.headers, header{span{lo, mid}, span{mid, int32(len(s.arena))}})
}

// setHeaderValue replaces the value of canonical header i.
func (s *scratch) setHeaderValue(i int, value string) {
	lo := int32(len(s.arena))
	s.arena = appendHeaderValue(s.arena, value)
	s.headers[i].value = span{lo, int32(len(s.arena))}
}

// sortHeaders sorts the canonical headers by name and merges those whose
// names differ only in case (a Header map built by hand may hold both), their
// values joined by commas as a repeated header's are.
func (s *scratch) sortHeaders() {
	h := s.headers
	if len(h) > insertionSortMax {
		slices.SortFunc(h, func(a, b header) int { return bytes.Compare(s.str(a.name), s.str(b.name)) })
		s.mergeHeaders()
		return
	}
	for i := 1; i < len(h); i++ {
		for j := i; j > 0 && string(s.str(h[j].name)) < string(s.str(h[j-1].name)); j-- {
			h[j], h[j-1] = h[j-1], h[j]
		}
	}
	s.mergeHeaders()
}

func (s *scratch) mergeHeaders() {
	h := s.headers
	out := 0
	for i := range h {
		if out > 0 && string(s.str(h[i].name)) == string(s.str(h[out-1].name)) {
			lo := int32(len(s.arena))
			s.arena = append(s.arena, s.str(h[out-1].value)...)
			s.arena = append(s.arena, ',')
			s.arena = append(s.arena, s.str(h[i].value)...)
			h[out-1].value = span{lo, int32(len(s.arena))}
			continue
		}
		h[out] = h[i]
		out++
	}
	s.headers = h[:out]
}

func (s *scratch) appendSignedHeaders(dst []byte) []byte {
	for i, h := range s.headers {
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = append(dst, s.str(h.name)...)
	}
	return dst
}

// buildCanonicalRequest writes the canonical request into s.creq:
//
//	method \n canonical URI \n canonical query \n canonical headers \n signed headers \n payload hash
func (s *scratch) buildCanonicalRequest(method string, uri []byte, payloadHash string) {
	b := append(s.creq[:0], method...)
	b = append(b, '\n')
	b = append(b, uri...)
	b = append(b, '\n')
	b = s.appendCanonicalQuery(b)
	b = append(b, '\n')
	for _, h := range s.headers {
		b = append(b, s.str(h.name)...)
		b = append(b, ':')
		b = append(b, s.str(h.value)...)
		b = append(b, '\n')
	}
	b = append(b, '\n')
	b = s.appendSignedHeaders(b)
	b = append(b, '\n')
	b = append(b, payloadHash...)
	s.creq = b
}

// buildStringToSign writes the string to sign into s.sts:
//
//	AWS4-HMAC-SHA256 \n amz-date \n scope \n hex(SHA-256(canonical request))
func buildStringToSign[T ~string | ~[]byte](s *scratch, amzDate T, sc *Scope) {
	b := append(s.sts[:0], Algorithm...)
	b = append(b, '\n')
	b = append(b, amzDate...)
	b = append(b, '\n')
	b = sc.append(b)
	b = append(b, '\n')
	s.sha = sha256.Sum256(s.creq)
	s.sts = appendHex(b, s.sha[:])
}

// signature appends to dst the hex signature of s.sts under key.
func (s *scratch) signature(dst []byte, key *keyEntry) []byte {
	return appendHex(dst, s.hm.macPads(&key.pads, s.sts)[:])
}

// Scope is a credential scope: date/region/service/aws4_request.
type Scope struct {
	Date    string // YYYYMMDD
	Region  string
	Service string
}

func (sc *Scope) append(b []byte) []byte {
	b = append(b, sc.Date...)
	b = append(b, '/')
	b = append(b, sc.Region...)
	b = append(b, '/')
	b = append(b, sc.Service...)
	return append(b, "/aws4_request"...)
}

// String returns the scope as it appears in a credential.
func (sc Scope) String() string { return string(sc.append(nil)) }

// appendAmzDate appends t (UTC) in TimeFormat without allocating.
func appendAmzDate(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, se := t.Clock()
	b = appendDigits(b, y, 4)
	b = appendDigits(b, int(mo), 2)
	b = appendDigits(b, d, 2)
	b = append(b, 'T')
	b = appendDigits(b, h, 2)
	b = appendDigits(b, mi, 2)
	b = appendDigits(b, se, 2)
	return append(b, 'Z')
}

func appendDigits(b []byte, v, n int) []byte {
	var d [8]byte
	for i := n - 1; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[:n]...)
}

// hostForSigning returns the Host to sign: r.Host, else r.URL.Host, less a
// port that is the scheme's default, and whether such a port was removed.
func hostForSigning(r *http.Request) (host string, stripped bool) {
	host = r.Host
	if host == "" {
		host = r.URL.Host
	}
	return stripDefaultPort(host, r.URL.Scheme)
}

// stripDefaultPort removes ":80" from an http host and ":443" from an https
// one, and an empty port from any. Browsers and curl leave a default port
// out of the Host header, so a signature must too; Go's client keeps it,
// which is why Sign also rewrites r.Host. An IPv6 literal keeps its
// brackets: "[::1]" is the Host a client sends (aws-sdk-go-v2 drops them).
func stripDefaultPort(host, scheme string) (string, bool) {
	i := strings.LastIndexByte(host, ':')
	if i < 0 || strings.IndexByte(host[i:], ']') >= 0 {
		return host, false
	}
	switch port := host[i+1:]; {
	case port == "":
	case port == "80" && strings.EqualFold(scheme, "http"):
	case port == "443" && strings.EqualFold(scheme, "https"):
	default:
		return host, false
	}
	return host[:i], true
}

// clientPath returns the path a client request will carry on the wire: the
// path of an opaque URL ("//host/path", the way the AWS SDKs pre-escape a
// path), else r.URL.EscapedPath().
func clientPath(u *url.URL) string {
	if u.Opaque != "" {
		return opaquePath(u.Opaque)
	}
	if p := u.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

func opaquePath(o string) string {
	if i := strings.IndexByte(o, '?'); i >= 0 {
		o = o[:i]
	}
	o = strings.TrimPrefix(o, "//")
	if i := strings.IndexByte(o, '/'); i >= 0 {
		return o[i:]
	}
	return "/"
}

// serverTarget returns the path and raw query of a received request as the
// client sent them, from r.RequestURI: r.URL.EscapedPath re-escapes bytes a
// client left raw, and handlers such as http.StripPrefix rewrite r.URL.
// Requests built without a RequestURI fall back to r.URL.
func serverTarget(r *http.Request) (path, rawQuery string) {
	t := r.RequestURI
	switch {
	case t == "":
		return clientPath(r.URL), r.URL.RawQuery
	case t[0] != '/':
		// Absolute form, "http://host/path?query" (RFC 9112 section 3.2.2);
		// anything else ("*", "host:443") is signed as it is.
		if i := strings.Index(t, "://"); i >= 0 {
			t = t[i+3:]
			j := strings.IndexAny(t, "/?")
			if j < 0 {
				return "/", ""
			}
			t = t[j:]
		}
	}
	path, rawQuery, _ = strings.Cut(t, "?")
	if path == "" {
		path = "/"
	}
	return path, rawQuery
}

// appendPathDecodeEncode appends the SigV4 encoding of an escaped path's
// decoded bytes: %XX becomes its byte, a literal '+' a space (S3 decodes
// its paths so: "/a+b" is the key "a b"), then every byte but the
// unreserved ones and '/' is encoded. It is how S3 canonicalises a path:
// the wire "/test$file.text" and "/test%24file.text" both sign as
// "/test%24file.text". A malformed escape stays a literal '%'.
func appendPathDecodeEncode(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && (unreserved[s[j]] || s[j] == '/') {
			j++
		}
		dst = append(dst, s[i:j]...)
		if j == len(s) {
			break
		}
		c := s[j]
		i = j + 1
		if c == '+' {
			c = ' '
		}
		if c == '%' && j+2 < len(s) {
			hi, ok1 := unhex(s[j+1])
			lo, ok2 := unhex(s[j+2])
			if ok1 && ok2 {
				c = hi<<4 | lo
				i = j + 3
			}
		}
		if unreserved[c] || c == '/' {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

// appendClientURI appends the canonical URI of a request about to be sent.
// S3 signs the decoded path encoded once and never normalised, which is
// what S3 computes whatever escaping the client chose; every other service
// signs the escaped path normalised (RFC 3986 dot segments, repeated
// slashes) and encoded a second time.
func appendClientURI(dst []byte, u *url.URL, service string) []byte {
	if service != "s3" {
		return appendURIEncode(dst, normalizePath(clientPath(u)), true)
	}
	switch {
	case u.Opaque != "":
		return appendPathDecodeEncode(dst, opaquePath(u.Opaque))
	case u.Path == "":
		return append(dst, '/')
	}
	// u.Path is the decoded path; encoding it needs no EscapedPath call,
	// which allocates for paths it must escape.
	return appendURIEncode(dst, u.Path, true)
}

// appendServerURI appends the canonical URI of a received request whose
// wire path is p, in the form AWS computes it; see appendClientURI.
func appendServerURI(dst []byte, p, service string) []byte {
	if service == "s3" {
		return appendPathDecodeEncode(dst, p)
	}
	return appendURIEncode(dst, normalizePath(p), true)
}

// appendServerURIAlt appends the second canonical form that a correct
// signer may have used for wire path p: the escaped path taken as is (an
// S3 signer that signs what it sends, as aws-sdk-go-v2 does, even when
// that is not AWS's encoding) or encoded without normalisation (a signer
// for a service that does not normalise).
func appendServerURIAlt(dst []byte, p, service string) []byte {
	if service == "s3" {
		return append(dst, p...)
	}
	return appendURIEncode(dst, p, true)
}

// normalizePath removes "." and ".." segments and empty segments, keeping a
// trailing slash. It allocates only when there is something to remove.
func normalizePath(p string) string {
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") {
		if p == "" {
			return "/"
		}
		return p
	}
	var segs []string
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, seg)
		}
	}
	out := "/" + strings.Join(segs, "/")
	if len(segs) > 0 && (strings.HasSuffix(p, "/") || strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..")) {
		out += "/"
	}
	return out
}
