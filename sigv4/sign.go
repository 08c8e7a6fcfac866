package sigv4

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Credentials are an AWS access key pair, with a session token when they are
// temporary.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// Params say how to sign one request.
type Params struct {
	Region  string
	Service string
	// Time is the signing time; it becomes X-Amz-Date.
	Time time.Time
	// PayloadHash is the hex SHA-256 of the body or one of UnsignedPayload,
	// StreamingPayload, StreamingPayloadTrailer,
	// StreamingUnsignedPayloadTrailer. Empty means the request's
	// X-Amz-Content-Sha256 header if set, otherwise EmptyPayloadHash when
	// signing a header and UnsignedPayload when presigning.
	PayloadHash string
	// Expires is how long a presigned URL is valid, 1s to 7 days, in whole
	// seconds. Zero takes X-Amz-Expires from the URL.
	Expires time.Duration
	// Debug, when set, receives the canonical request and string to sign.
	Debug *Debug
}

// Debug holds the intermediate products of a signature, for diagnosis.
type Debug struct {
	CanonicalRequest string
	StringToSign     string
	SignedHeaders    string
	Signature        string
}

// Signer signs and presigns requests. It is safe for concurrent use and
// caches signing keys; its zero value is ready to use.
type Signer struct {
	keys keyCache
}

// NewSigner returns a Signer with an empty key cache.
func NewSigner() *Signer { return &Signer{} }

var scratchPool = sync.Pool{New: func() any {
	return &scratch{
		arena:   make([]byte, 0, 1024),
		params:  make([]param, 0, 16),
		headers: make([]header, 0, 16),
		creq:    make([]byte, 0, 1024),
		sts:     make([]byte, 0, 256),
		out:     make([]byte, 0, 1024),
		hm:      newMacer(),
	}
}}

func getScratch() *scratch {
	s := scratchPool.Get().(*scratch)
	s.reset()
	return s
}

func putScratch(s *scratch) {
	if cap(s.arena) > 64<<10 || cap(s.creq) > 64<<10 || cap(s.out) > 64<<10 {
		return // do not keep the memory of one huge request
	}
	scratchPool.Put(s)
}

// date returns YYYYMMDD for t, reusing the scratch's last string so that
// steady state does not allocate.
func (s *scratch) date(t time.Time) string {
	y, m, d := t.Date()
	if y == s.dy && m == s.dm && d == s.dd && s.ds != "" {
		return s.ds
	}
	s.dy, s.dm, s.dd = y, m, d
	s.ds = string(appendDigits(appendDigits(appendDigits(nil, y, 4), int(m), 2), d, 2))
	return s.ds
}

// ignoredHeader reports whether a header stays out of a signature, as the
// AWS SDKs leave it out: proxies and transports rewrite these. Host is
// signed from r.Host; Go's client ignores a Host entry in the header map.
func ignoredHeader(key string) bool {
	switch key {
	case "Authorization", "User-Agent", "X-Amzn-Trace-Id", "Expect", "Transfer-Encoding":
		return true
	}
	return strings.EqualFold(key, "Content-Length") || strings.EqualFold(key, "Host")
}

// hoistable reports whether presigning moves a header into the query
// string: X-Amz-* headers except those S3 must see as headers. The rules,
// down to which comparisons ignore case, are aws-sdk-go-v2's, so a URL
// presigned here is the URL the SDK makes.
func hoistable(key string) bool {
	if !hasPrefixFold(key, "X-Amz-") {
		return false
	}
	switch key {
	case "X-Amz-Acl", "X-Amz-Copy-Source", "X-Amz-Copy-Source-If-Match",
		"X-Amz-Copy-Source-If-Modified-Since", "X-Amz-Copy-Source-If-None-Match",
		"X-Amz-Copy-Source-If-Unmodified-Since", "X-Amz-Copy-Source-Range",
		"X-Amz-Copy-Source-Server-Side-Encryption-Customer-Algorithm",
		"X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key",
		"X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key-Md5",
		"X-Amz-Grant-Read", "X-Amz-Grant-Read-Acp", "X-Amz-Grant-Write",
		"X-Amz-Grant-Write-Acp", "X-Amz-Metadata-Directive", "X-Amz-Mfa",
		"X-Amz-Server-Side-Encryption", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id",
		"X-Amz-Server-Side-Encryption-Context",
		"X-Amz-Server-Side-Encryption-Customer-Algorithm",
		"X-Amz-Server-Side-Encryption-Customer-Key",
		"X-Amz-Server-Side-Encryption-Customer-Key-Md5", "X-Amz-Storage-Class",
		"X-Amz-Website-Redirect-Location", "X-Amz-Content-Sha256", "X-Amz-Tagging":
		return false
	}
	if hasPrefixFold(key, "X-Amz-Checksum-") && !hasPrefixFold(key, "X-Amz-Checksum-Mode") {
		return false
	}
	return !hasPrefixFold(key, "X-Amz-Object-Lock-") && !hasPrefixFold(key, "X-Amz-Meta-")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func checkParams(r *http.Request, c *Credentials, p *Params) error {
	switch {
	case r == nil || r.URL == nil:
		return errors.New("sigv4: request has no URL")
	case c.AccessKeyID == "" || c.SecretAccessKey == "":
		return errors.New("sigv4: credentials need an access key id and a secret")
	case p.Region == "" || p.Service == "":
		return errors.New("sigv4: region and service are required")
	case p.Time.IsZero():
		return errors.New("sigv4: signing time is required")
	}
	return nil
}

// Sign signs r in its Authorization header. It sets X-Amz-Date, and
// X-Amz-Security-Token for temporary credentials; for S3 it also sets
// X-Amz-Content-Sha256 when absent, since S3 requires it. Every header on
// the request is signed except Authorization, User-Agent, X-Amzn-Trace-Id,
// Expect and Transfer-Encoding, as the AWS SDKs do; the Host comes from
// r.Host or r.URL.Host. When that Host names the scheme's default port,
// the port is left out of the signature and r.Host is set without it, so
// that what is sent is what was signed.
func (sg *Signer) Sign(r *http.Request, c Credentials, p Params) error {
	if err := checkParams(r, &c, &p); err != nil {
		return err
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	s := getScratch()
	defer putScratch(s)

	t := p.Time.UTC()
	amzDate := appendAmzDate(s.date16[:0], t)
	if string(amzDate) != s.amzDate {
		s.amzDate = string(amzDate)
	}
	setHeader(r.Header, "X-Amz-Date", s.amzDate)
	if c.SessionToken != "" {
		setHeader(r.Header, "X-Amz-Security-Token", c.SessionToken)
	}
	payload := p.PayloadHash
	if payload == "" {
		payload = headerValue(r.Header, "X-Amz-Content-Sha256")
	}
	if payload == "" {
		payload = EmptyPayloadHash
	}
	if p.Service == "s3" && headerValue(r.Header, "X-Amz-Content-Sha256") == "" {
		setHeader(r.Header, "X-Amz-Content-Sha256", payload)
	}

	host, stripped := hostForSigning(r)
	if stripped {
		r.Host = host
	}
	if p.Service == "s3" && rawPlus(r.URL) {
		// S3 reads a '+' in a path as a space: send the key's '+' as
		// %2B, which is what the signature covers.
		r.URL.RawPath = string(appendClientURI(nil, r.URL, p.Service))
	}
	s.addHeaderValue("host", host)
	if r.ContentLength > 0 {
		s.addContentLength(r.ContentLength)
	}
	for k, v := range r.Header {
		if !ignoredHeader(k) {
			s.addHeader(k, v)
		}
	}
	s.sortHeaders()
	s.addRawQuery(r.URL.RawQuery)
	s.sortParams()

	sc := Scope{Date: s.date(t), Region: p.Region, Service: p.Service}
	s.out = appendClientURI(s.out[:0], r.URL, p.Service)
	s.buildCanonicalRequest(r.Method, s.out, payload)
	buildStringToSign(s, amzDate, &sc)
	key := sg.keys.signingKey(c.SecretAccessKey, sc.Date, sc.Region, sc.Service)

	auth := append(s.out[:0], Algorithm+" Credential="...)
	auth = append(auth, c.AccessKeyID...)
	auth = append(auth, '/')
	auth = sc.append(auth)
	auth = append(auth, ", SignedHeaders="...)
	shLo := len(auth)
	auth = s.appendSignedHeaders(auth)
	shHi := len(auth)
	auth = append(auth, ", Signature="...)
	sigLo := len(auth)
	auth = s.signature(auth, key)
	s.out = auth
	authz := string(auth)
	setHeader(r.Header, "Authorization", authz)
	if p.Debug != nil {
		*p.Debug = Debug{
			CanonicalRequest: string(s.creq),
			StringToSign:     string(s.sts),
			SignedHeaders:    authz[shLo:shHi],
			Signature:        authz[sigLo:],
		}
	}
	return nil
}

// headerValue is h.Get(key) for a key already in canonical form, without
// Get's canonicalisation of the key on every call.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// setHeader sets a canonical header key to one value, reusing the slice
// that a request signed before already holds.
func setHeader(h http.Header, key, value string) {
	h[key] = append(h[key][:0], value)
}

func (s *scratch) addContentLength(n int64) {
	lo := int32(len(s.arena))
	s.arena = append(s.arena, "content-length"...)
	mid := int32(len(s.arena))
	s.arena = strconv.AppendInt(s.arena, n, 10)
	s.headers = append(s.headers, header{span{lo, mid}, span{mid, int32(len(s.arena))}})
}

// Presign returns r's URL with a SigV4 signature in its query string. X-Amz-*
// headers that S3 accepts as query parameters move into the query; the
// other headers are signed and must be sent with the URL. A port that is
// the scheme's default is left out of the URL and of the signature, since
// browsers leave it out of the Host they send. r is not changed.
func (sg *Signer) Presign(r *http.Request, c Credentials, p Params) (string, error) {
	if err := checkParams(r, &c, &p); err != nil {
		return "", err
	}
	expires := int64(p.Expires / time.Second)
	if p.Expires == 0 {
		v, ok := rawQueryValue(r.URL.RawQuery, "X-Amz-Expires")
		if !ok {
			return "", errors.New("sigv4: presigning needs Params.Expires or X-Amz-Expires in the URL")
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "", fmt.Errorf("sigv4: X-Amz-Expires %q is not a number", v)
		}
		expires = n
	}
	if expires < 1 || expires > int64(MaxExpires/time.Second) {
		return "", fmt.Errorf("sigv4: presigned URLs expire after 1 to 604800 seconds, not %d", expires)
	}
	payload := p.PayloadHash
	if payload == "" {
		payload = headerValue(r.Header, "X-Amz-Content-Sha256")
	}
	if payload == "" {
		payload = UnsignedPayload
	}

	s := getScratch()
	defer putScratch(s)

	// Query parameters of the URL, less those the signature sets.
	raw := r.URL.RawQuery
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(kv, "=")
		if kv == "" || s.replacedParam(k, c.SessionToken != "") {
			continue
		}
		s.addRawParam(k, v)
	}

	host, _ := hostForSigning(r)
	s.addHeaderValue("host", host)
	if r.ContentLength > 0 {
		s.addContentLength(r.ContentLength)
	}
	for k, v := range r.Header {
		switch {
		case hoistable(k) && presignSets(k, c.SessionToken != ""):
			// A header left by an earlier Sign (X-Amz-Date, the token):
			// the presigned URL carries its own.
		case hoistable(k):
			switch k {
			case "X-Amz-Expected-Bucket-Owner":
				k = "x-amz-expected-bucket-owner"
			case "X-Amz-Request-Payer":
				k = "x-amz-request-payer"
			}
			for _, vv := range v {
				addParam(s, k, vv)
			}
		case ignoredHeader(k):
		default:
			s.addHeader(k, v)
		}
	}
	s.sortHeaders()

	t := p.Time.UTC()
	sc := Scope{Date: s.date(t), Region: p.Region, Service: p.Service}
	amzDate := appendAmzDate(s.date16[:0], t)
	tmp := append(s.out[:0], c.AccessKeyID...)
	tmp = append(tmp, '/')
	tmp = sc.append(tmp)
	addParam(s, "X-Amz-Algorithm", Algorithm)
	addParam(s, "X-Amz-Credential", tmp)
	addParam(s, "X-Amz-Date", amzDate)
	tmp = strconv.AppendInt(tmp[:0], expires, 10)
	addParam(s, "X-Amz-Expires", tmp)
	if c.SessionToken != "" {
		addParam(s, "X-Amz-Security-Token", c.SessionToken)
	}
	tmp = s.appendSignedHeaders(tmp[:0])
	addParam(s, "X-Amz-SignedHeaders", tmp)
	s.sortParams()

	s.out = appendClientURI(tmp[:0], r.URL, p.Service)
	s.buildCanonicalRequest(r.Method, s.out, payload)
	buildStringToSign(s, amzDate, &sc)
	key := sg.keys.signingKey(c.SecretAccessKey, sc.Date, sc.Region, sc.Service)

	u := r.URL
	out := s.out[:0]
	if u.Scheme != "" {
		out = append(out, u.Scheme...)
		out = append(out, ':')
	}
	if u.Scheme != "" || u.Host != "" || u.User != nil {
		out = append(out, "//"...)
		if u.User != nil {
			out = append(out, u.User.String()...)
			out = append(out, '@')
		}
		h, _ := stripDefaultPort(u.Host, u.Scheme)
		out = append(out, h...)
	}
	if p.Service == "s3" && rawPlus(u) {
		// S3 reads a '+' in a path as a space: the URL carries the key's
		// '+' as %2B, which is what the signature covers.
		out = appendClientURI(out, u, p.Service)
	} else {
		out = append(out, clientPath(u)...)
	}
	out = append(out, '?')
	out = s.appendCanonicalQuery(out)
	out = append(out, "&X-Amz-Signature="...)
	sigLo := len(out)
	out = s.signature(out, key)
	s.out = out
	signed := string(out)
	if p.Debug != nil {
		*p.Debug = Debug{
			CanonicalRequest: string(s.creq),
			StringToSign:     string(s.sts),
			SignedHeaders:    string(s.appendSignedHeaders(nil)),
			Signature:        signed[sigLo:],
		}
	}
	return signed, nil
}

// rawPlus reports whether u's path goes on the wire with a literal '+',
// which S3 would take for a space: a '+' of the decoded path that no
// RawPath escapes (net/http sends EscapedPath, which leaves '+' alone).
func rawPlus(u *url.URL) bool {
	if u.Opaque != "" {
		return false // pre-escaped by the caller, sent as it is
	}
	if u.RawPath != "" {
		return strings.IndexByte(u.RawPath, '+') >= 0
	}
	return strings.IndexByte(u.Path, '+') >= 0
}

// replacedParam reports whether a raw query key is one that presigning
// sets, and so drops from the URL.
func (s *scratch) replacedParam(rawKey string, haveToken bool) bool {
	k := rawKey
	if strings.ContainsAny(k, "%+") {
		lo := len(s.arena)
		s.arena = appendQueryUnescape(s.arena, rawKey)
		k = string(s.arena[lo:]) // rare: a key that is escaped
		s.arena = s.arena[:lo]
	}
	return presignSets(k, haveToken)
}

// presignSets reports whether a query parameter is one that presigning
// sets. An X-Amz-Security-Token already there stays when the credentials
// carry none, as aws-sdk-go-v2 keeps it.
func presignSets(key string, haveToken bool) bool {
	switch key {
	case "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
		"X-Amz-SignedHeaders", "X-Amz-Signature":
		return true
	case "X-Amz-Security-Token":
		return haveToken
	}
	return false
}

// rawQueryValue returns the decoded value of the first parameter named key
// (compared in its raw form) in a raw query string.
func rawQueryValue(raw, key string) (string, bool) {
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(kv, "=")
		if k == key {
			return queryUnescape(v), true
		}
	}
	return "", false
}
