package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

var seedFlag = flag.Uint64("seed", 0, "seed of the randomised tests; 0 picks one (and logs it)")

// testRand returns a generator for a randomised test, logging its seed so
// that a failure can be replayed with -seed.
func testRand(t testing.TB) *rand.Rand {
	seed := *seedFlag
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("-seed %d", seed)
	return rand.New(rand.NewPCG(seed, 0x5167_7634))
}

// scaled returns n, or less in -short mode and under the race detector,
// which slows aws-sdk-go-v2's signer most.
func scaled(n int) int {
	if testing.Short() {
		n /= 4
	}
	if raceEnabled {
		n /= 5
	}
	return max(n, 1)
}

// genRequest describes one random request; build makes a fresh copy of it,
// since signing changes a request.
type genRequest struct {
	method, scheme, host, hostNoPort string
	path, rawPath                    string
	rawQuery                         string
	header                           http.Header
	body                             []byte
	service, region                  string
	creds                            Credentials
	payload                          string
	expires                          int64
	expiresInURL                     bool
	time                             time.Time
}

func (g *genRequest) build(t testing.TB) *http.Request {
	var body io.Reader
	if len(g.body) > 0 {
		body = bytes.NewReader(g.body)
	}
	r, err := http.NewRequest(g.method, g.scheme+"://"+g.host+"/", body)
	if err != nil {
		t.Fatal(err)
	}
	r.URL.Path, r.URL.RawPath, r.URL.RawQuery = g.path, g.rawPath, g.rawQuery
	for k, v := range g.header {
		r.Header[k] = append([]string(nil), v...)
	}
	return r
}

// sdkRequest is build with X-Amz-Expires in the URL, where aws-sdk-go-v2
// takes it from.
func (g *genRequest) sdkRequest(t testing.TB, presign bool) *http.Request {
	r := g.build(t)
	if presign {
		if r.URL.RawQuery != "" {
			r.URL.RawQuery += "&"
		}
		r.URL.RawQuery += "X-Amz-Expires=" + strconv.FormatInt(g.expires, 10)
	}
	return r
}

func (g *genRequest) ourRequest(t testing.TB, presign bool) *http.Request {
	r := g.build(t)
	if presign && g.expiresInURL {
		if r.URL.RawQuery != "" {
			r.URL.RawQuery += "&"
		}
		r.URL.RawQuery += "X-Amz-Expires=" + strconv.FormatInt(g.expires, 10)
	}
	return r
}

func (g *genRequest) params() Params {
	p := Params{Region: g.region, Service: g.service, Time: g.time, PayloadHash: g.payload}
	if !g.expiresInURL {
		p.Expires = time.Duration(g.expires) * time.Second
	}
	return p
}

func (g *genRequest) String() string {
	return fmt.Sprintf("%s %s://%s path=%q raw=%q query=%q service=%s headers=%q payload=%s token=%v", g.method, g.scheme, g.host, g.path, g.rawPath, g.rawQuery, g.service, g.header, g.payload, g.creds.SessionToken != "")
}

// Bytes the generator draws from: ASCII that needs no escaping and that
// does, the characters S3 keys trip on, spaces, and multi-byte UTF-8.
var genAtoms = []string{
	"a", "b", "Z", "0", "9", "-", "_", ".", "~", " ", "+", "%", "$", "&", "=", "!", "'", "(", ")", "*",
	",", ";", ":", "@", "[", "]", "#", "?", "\"", "<", ">", "^", "`", "{", "|", "}", "\\",
	"é", "ß", "ሴ", "日本", "😀", "\x7f",
}

func genString(rnd *rand.Rand, n int, extra ...string) string {
	var b strings.Builder
	for range rnd.IntN(n + 1) {
		if len(extra) > 0 && rnd.IntN(4) == 0 {
			b.WriteString(extra[rnd.IntN(len(extra))])
			continue
		}
		b.WriteString(genAtoms[rnd.IntN(len(genAtoms))])
	}
	return b.String()
}

var (
	genHosts    = []string{"examplebucket.s3.amazonaws.com", "s3.us-west-2.amazonaws.com", "localhost", "127.0.0.1", "[::1]", "sts.amazonaws.com", "wicket.example", "xn--bcher-kva.example"}
	genServices = []string{"service", "sts", "iam", "cognito-identity", "execute-api"}
	genRegions  = []string{"us-east-1", "eu-west-3", "ap-southeast-2", "auto"}
	genKeys     = []string{"a", "A", "b", "prefix", "max-keys", "list-type", "continuation-token", "versionId", "uploadId", "partNumber", "a b", "a+b", "é", "k=", ""}
	genHeaders  = []string{
		"Range", "If-None-Match", "If-Match", "Content-Type", "Content-Md5", "Content-Encoding", "Cache-Control", "Expires",
		"X-Amz-Meta-Color", "X-Amz-Meta-Name", "X-Amz-Acl", "X-Amz-Storage-Class", "X-Amz-Tagging",
		"X-Amz-Server-Side-Encryption", "X-Amz-Copy-Source", "X-Amz-Checksum-Crc32", "X-Amz-Checksum-Mode",
		"X-Amz-Object-Lock-Mode", "X-Amz-Request-Payer", "X-Amz-Expected-Bucket-Owner", "X-Amz-Grant-Full-Control",
		"X-Amz-Target", "X-Amz-User-Agent", "X-Amz-Website-Redirect-Location", "X-Foo", "My-Header",
		"User-Agent", "X-Amzn-Trace-Id",
	}
	genPayloads = []string{EmptyPayloadHash, UnsignedPayload, StreamingPayload, StreamingUnsignedPayloadTrailer, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"}
)

// genHeaderValue returns a value with the whitespace canonicalisation must
// undo: leading and trailing spaces and tabs, runs of inner spaces.
func genHeaderValue(rnd *rand.Rand) string {
	pad := []string{"", " ", "  ", "\t", " \t "}
	inner := []string{" ", "  ", "   ", "\t", "a", "b", "Z", "0", ",", ";", "=", "\"", "é", "/", ":"}
	var b strings.Builder
	b.WriteString(pad[rnd.IntN(len(pad))])
	for range rnd.IntN(12) {
		b.WriteString(inner[rnd.IntN(len(inner))])
	}
	b.WriteString(pad[rnd.IntN(len(pad))])
	return b.String()
}

// genQueryComponent encodes one query key or value in one of the ways
// clients do: form encoding (space as '+'), SigV4's, or leaving what may be
// left raw.
func genQueryComponent(rnd *rand.Rand, s string) string {
	switch rnd.IntN(3) {
	case 0:
		return url.QueryEscape(s)
	case 1:
		return EncodeURI(s, false)
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved[c] || strings.IndexByte("!$'()*,:@/?", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func generate(rnd *rand.Rand) *genRequest {
	g := &genRequest{
		method: []string{"GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "OPTIONS"}[rnd.IntN(7)],
		scheme: []string{"http", "https"}[rnd.IntN(2)],
		region: genRegions[rnd.IntN(len(genRegions))],
		header: http.Header{},
		time:   time.Unix(1420070400+rnd.Int64N(20*365*86400), 0).UTC(),
	}
	g.service = "s3"
	if rnd.IntN(3) == 0 {
		g.service = genServices[rnd.IntN(len(genServices))]
	}
	g.hostNoPort = genHosts[rnd.IntN(len(genHosts))]
	g.host = g.hostNoPort
	switch rnd.IntN(8) {
	case 0, 1:
		g.host += ":" + strconv.Itoa(1024+rnd.IntN(60000))
	case 2:
		if g.hostNoPort != "[::1]" { // aws-sdk-go-v2 drops an IPv6 literal's brackets
			g.host += map[string]string{"http": ":80", "https": ":443"}[g.scheme]
		}
	}

	// The path. S3 keys take any bytes and are never normalised; the URL
	// carries them escaped as the S3 clients escape them (RawPath is
	// SigV4's encoding). Other services get paths that are already
	// normalised, since aws-sdk-go-v2 does not normalise.
	var segs []string
	for range rnd.IntN(5) {
		if g.service == "s3" {
			segs = append(segs, genString(rnd, 6, "/", ".", ".."))
			continue
		}
		seg := strings.ReplaceAll(genString(rnd, 6), "/", "")
		if seg == "" || seg == "." || seg == ".." {
			seg = "x"
		}
		segs = append(segs, seg)
	}
	g.path = "/" + strings.Join(segs, "/")
	if rnd.IntN(4) == 0 && len(segs) > 0 {
		g.path += "/"
	}
	if g.service == "s3" {
		g.rawPath = EncodeURI(g.path, true)
	}

	var q []string
	for range rnd.IntN(6) {
		k := genKeys[rnd.IntN(len(genKeys))]
		if rnd.IntN(3) == 0 {
			k = genString(rnd, 5)
		}
		if strings.HasPrefix(strings.ToLower(k), "x-amz-") {
			k = "k" + k
		}
		if rnd.IntN(6) == 0 {
			q = append(q, genQueryComponent(rnd, k)) // no "=": an empty value
			continue
		}
		q = append(q, genQueryComponent(rnd, k)+"="+genQueryComponent(rnd, genString(rnd, 8)))
	}
	if len(q) > 1 && rnd.IntN(3) == 0 {
		q = append(q, q[rnd.IntN(len(q))]) // a repeated parameter
	}
	g.rawQuery = strings.Join(q, "&")

	for range rnd.IntN(7) {
		k := genHeaders[rnd.IntN(len(genHeaders))]
		if rnd.IntN(5) == 0 {
			k = "X-Custom-" + strconv.Itoa(rnd.IntN(1000))
		}
		for range 1 + rnd.IntN(2) {
			g.header.Add(k, genHeaderValue(rnd))
		}
	}
	g.payload = genPayloads[rnd.IntN(len(genPayloads))]
	if g.service == "s3" && rnd.IntN(4) != 0 {
		g.header.Set("X-Amz-Content-Sha256", g.payload)
	}
	if rnd.IntN(3) == 0 {
		g.body = []byte(genString(rnd, 20))
	}
	g.creds = Credentials{AccessKeyID: "AKID" + strconv.Itoa(rnd.IntN(100)), SecretAccessKey: genString(rnd, 30) + "k"}
	if rnd.IntN(2) == 0 {
		g.creds.SessionToken = "FQoGZXIvYXdzE/" + strconv.Itoa(rnd.IntN(1e6)) + "+token=="
	}
	g.expires = 1 + rnd.Int64N(604800)
	g.expiresInURL = rnd.IntN(4) == 0
	return g
}

var (
	sdkS3Signer  = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	sdkAnySigner = v4.NewSigner()
)

func sdkSigner(service string) *v4.Signer {
	if service == "s3" {
		return sdkS3Signer
	}
	return sdkAnySigner
}

func sdkCreds(c Credentials) aws.Credentials {
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
}

// sdkSign signs g's request with aws-sdk-go-v2.
func (g *genRequest) sdkSign(t testing.TB) *http.Request {
	r := g.sdkRequest(t, false)
	if g.service == "s3" && r.Header.Get("X-Amz-Content-Sha256") == "" {
		r.Header.Set("X-Amz-Content-Sha256", g.payload) // as Sign does, and the SDK's S3 client
	}
	if err := sdkSigner(g.service).SignHTTP(context.Background(), sdkCreds(g.creds), r, g.payload, g.service, g.region, g.time); err != nil {
		t.Fatal(err)
	}
	return r
}

// sdkPresign presigns g's request with aws-sdk-go-v2 and returns the
// request a client makes with the URL and the headers the SDK says to send.
func (g *genRequest) sdkPresign(t testing.TB) (string, *http.Request) {
	r := g.sdkRequest(t, true)
	u, signed, err := sdkSigner(g.service).PresignHTTP(context.Background(), sdkCreds(g.creds), r, g.payload, g.service, g.region, g.time)
	if err != nil {
		t.Fatal(err)
	}
	return u, presignedRequest(t, g.method, u, signed, g.body)
}

func presignedRequest(t testing.TB, method, u string, signed http.Header, body []byte) *http.Request {
	var rd io.Reader
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range signed {
		switch k {
		case "Host":
			r.Host = v[0]
		case "Content-Length":
		default:
			r.Header[k] = v
		}
	}
	return r
}

// ourPresignedRequest is presignedRequest for a URL of ours: the headers to
// send are the request's headers that were not hoisted into the query.
func (g *genRequest) ourPresignedRequest(t testing.TB, u string) *http.Request {
	h := http.Header{}
	for k, v := range g.header {
		if !hoistable(k) && !ignoredHeader(k) {
			h[k] = v
		}
	}
	return presignedRequest(t, g.method, u, h, g.body)
}

// onTheWire returns r as a server receives it: written by Go's client code,
// read back by http.ReadRequest. The bytes are returned for mutation.
func onTheWire(t testing.TB, r *http.Request) (*http.Request, []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	wire := b.Bytes()
	sr, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(wire)))
	if err != nil {
		t.Fatalf("%v\n%q", err, wire)
	}
	return sr, wire
}

// genVerifier accepts the credentials of g, with their session token only.
func genVerifier(t testing.TB, g *genRequest) *Verifier {
	return NewVerifier(VerifierOptions{Region: g.region, Service: g.service, Secret: func(ak, tok string) (string, error) {
		if ak != g.creds.AccessKeyID {
			return "", ErrUnknownAccessKey
		}
		if tok != g.creds.SessionToken {
			return "", ErrInvalidToken // a mutant's
		}
		return g.creds.SecretAccessKey, nil
	}})
}

// TestSDKDifferential signs and presigns thousands of random requests with
// this package and with aws-sdk-go-v2: the Authorization headers and the
// presigned URLs must be identical, our verifier must accept every request
// either signed, as a server reads it off the wire, and must reject
// single-byte mutations of every part a signature covers.
func TestSDKDifferential(t *testing.T) {
	rnd := testRand(t)
	sg := NewSigner()
	n := scaled(3000)
	mutants := map[string]int{}
	for i := range n {
		g := generate(rnd)
		v := genVerifier(t, g)

		// Header signatures.
		ours := g.ourRequest(t, false)
		if err := sg.Sign(ours, g.creds, g.params()); err != nil {
			t.Fatalf("%v: %v", g, err)
		}
		sdk := g.sdkSign(t)
		if a, b := ours.Header.Get("Authorization"), sdk.Header.Get("Authorization"); a != b {
			var d Debug
			p := g.params()
			p.Debug = &d
			_ = sg.Sign(g.ourRequest(t, false), g.creds, p)
			t.Fatalf("request %d: Authorization differs\n ours %s\n sdk  %s\n%v\n%s", i, a, b, g, d.CanonicalRequest)
		}
		if ours.Host != sdk.Host {
			t.Fatalf("request %d: Host %q, sdk %q", i, ours.Host, sdk.Host)
		}
		now := g.time.Add(time.Duration(rnd.Int64N(int64(2*DefaultMaxSkew))) - DefaultMaxSkew)
		payload := ""
		if g.service != "s3" {
			payload = g.payload
		}
		for _, r := range []*http.Request{sdk, ours} {
			sr, wire := onTheWire(t, r)
			a, err := v.Verify(sr, now, payload)
			if err != nil {
				e, _ := AsError(err)
				t.Fatalf("request %d: verify header: %v\n%v\n%s\n%s", i, err, g, wire, e.CanonicalRequest)
			}
			if a.AccessKeyID != g.creds.AccessKeyID || a.SessionToken != g.creds.SessionToken || a.Presigned || a.PayloadHash != g.payload {
				t.Fatalf("request %d: Auth %+v", i, a)
			}
			if r == sdk && i%3 == 0 {
				mutate(t, rnd, v, wire, now, payload, false, mutants)
			}
		}

		// Presigned URLs.
		u, err := sg.Presign(g.ourRequest(t, true), g.creds, g.params())
		if err != nil {
			t.Fatalf("%v: %v", g, err)
		}
		su, sdkReq := g.sdkPresign(t)
		want := su
		if g.host != g.hostNoPort {
			if h, ok := stripDefaultPort(g.host, g.scheme); ok {
				// Intended: the URL leaves out the default port the SDK
				// signs without but keeps.
				want = strings.Replace(su, "://"+g.host, "://"+h, 1)
			}
		}
		if u != want {
			t.Fatalf("request %d: presigned URL differs\n ours %s\n sdk  %s\n%v", i, u, su, g)
		}
		presignNow := g.time.Add(time.Duration(rnd.Int64N(g.expires+1)) * time.Second)
		payload = g.payload
		if g.service == "s3" && rnd.IntN(2) == 0 && g.payload == UnsignedPayload {
			payload = "" // the default for a presigned S3 request
		}
		for _, r := range []*http.Request{sdkReq, g.ourPresignedRequest(t, u)} {
			sr, wire := onTheWire(t, r)
			a, err := v.Verify(sr, presignNow, payload)
			if err != nil {
				e, _ := AsError(err)
				t.Fatalf("request %d: verify presigned: %v\n%v\n%s\n%s", i, err, g, wire, e.CanonicalRequest)
			}
			if !a.Presigned || a.SessionToken != g.creds.SessionToken || !a.Expires.Equal(g.time.Add(time.Duration(g.expires)*time.Second)) {
				t.Fatalf("request %d: Auth %+v", i, a)
			}
			if r == sdkReq && i%3 == 0 {
				mutate(t, rnd, v, wire, presignNow, payload, true, mutants)
			}
		}
	}
	total := 0
	for _, k := range mutationKinds {
		total += mutants[k]
		if mutants[k] < scaled(20) {
			t.Errorf("only %d mutants of the %s", mutants[k], k)
		}
	}
	t.Logf("%d requests; %d mutants rejected: %v", n, total, mutants)
	if total < 1000 && !testing.Short() {
		t.Errorf("only %d mutants", total)
	}
}

var mutationKinds = []string{"method", "path", "query", "header value", "date", "credential", "signature"}

// region is a part of a request's wire bytes that its signature covers.
type region struct {
	kind   string
	lo, hi int
}

// signedRegions finds in a request's wire bytes the parts its signature
// covers.
func signedRegions(wire []byte, presigned bool) []region {
	var rs []region
	head := string(wire[:bytes.Index(wire, []byte("\r\n\r\n"))])
	lines := strings.Split(head, "\r\n")
	line := lines[0]
	sp := strings.IndexByte(line, ' ')
	rs = append(rs, region{"method", 0, sp})
	target := line[sp+1 : strings.LastIndexByte(line, ' ')]
	base := sp + 1
	path, query, hasQuery := strings.Cut(target, "?")
	rs = append(rs, region{"path", base, base + len(path)})
	if hasQuery {
		off := base + len(path) + 1
		for kv := range strings.SplitSeq(query, "&") {
			k, _, _ := strings.Cut(kv, "=")
			kind := "query"
			switch {
			case !presigned:
			case k == "X-Amz-Signature":
				rs = append(rs, region{"query", off, off + len(k) + 1})
				off += len(k) + 1
				kv = kv[len(k)+1:]
				kind = "signature"
			case k == "X-Amz-Date":
				kind = "date"
			case k == "X-Amz-Credential":
				kind = "credential"
			}
			rs = append(rs, region{kind, off, off + len(kv)})
			off += len(kv) + 1
		}
	}
	var signed []string
	off := len(line) + 2
	type hdr struct {
		name   string
		lo, hi int
	}
	var hs []hdr
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ":")
		lo := off + len(k) + 1 + (len(v) - len(strings.TrimLeft(v, " \t")))
		hs = append(hs, hdr{strings.ToLower(k), lo, off + len(l)})
		off += len(l) + 2
		if k == "Authorization" {
			_, sh, _ := strings.Cut(v, "SignedHeaders=")
			sh, _, _ = strings.Cut(sh, ",")
			signed = strings.Split(sh, ";")
		}
	}
	if presigned {
		_, sh, _ := strings.Cut(query, "X-Amz-SignedHeaders=")
		sh, _, _ = strings.Cut(sh, "&")
		signed = strings.Split(strings.ReplaceAll(sh, "%3B", ";"), ";")
	}
	for _, h := range hs {
		switch {
		case h.name == "authorization":
			v := string(wire[h.lo:h.hi])
			c := strings.Index(v, "Credential=") + len("Credential=")
			ce := c + strings.IndexByte(v[c:], ',')
			s := strings.Index(v, "Signature=") + len("Signature=")
			rs = append(rs, region{"credential", h.lo + c, h.lo + ce}, region{"signature", h.lo + s, h.hi})
		case h.name == "x-amz-date":
			rs = append(rs, region{"date", h.lo, h.hi})
		case containsFold(signed, h.name) && h.hi > h.lo:
			rs = append(rs, region{"header value", h.lo, h.hi})
		}
	}
	return rs
}

// mutate makes single-byte mutations of the signed parts of a request's
// wire bytes, each of which Verify must reject. A mutant that means the same
// request as the original (a hex digit's case in an escape, "k=" for "k",
// a trailing space turned tab) is skipped: sameRequest decides that,
// with the standard library's parsers rather than this package's.
func mutate(t *testing.T, rnd *rand.Rand, v *Verifier, wire []byte, now time.Time, payload string, presigned bool, count map[string]int) {
	t.Helper()
	orig, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(wire)))
	if err != nil {
		t.Fatal(err)
	}
	rs := signedRegions(wire, presigned)
	byKind := map[string][]region{}
	for _, r := range rs {
		if r.hi > r.lo {
			byKind[r.kind] = append(byKind[r.kind], r)
		}
	}
	for _, kind := range mutationKinds {
		cands := byKind[kind]
		if len(cands) == 0 {
			continue
		}
		for tries := 0; tries < 20; tries++ {
			r := cands[rnd.IntN(len(cands))]
			i := r.lo + rnd.IntN(r.hi-r.lo)
			old := wire[i]
			c := byte(0x21 + rnd.IntN(0x7e-0x21+1))
			switch rnd.IntN(8) {
			case 0:
				c = ' '
			case 1:
				c = '\t'
			}
			if c == old {
				continue
			}
			m := bytes.Clone(wire)
			m[i] = c
			sr, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(m)))
			if err != nil {
				continue // not HTTP any more: no server would get as far
			}
			if sameRequest(orig, sr, v.opt.Service) {
				continue
			}
			if a, err := v.Verify(sr, now, payload); err == nil {
				t.Fatalf("mutant of the %s (byte %d %q→%q) verified: %+v\n%s", kind, i, old, c, a, m)
			}
			count[kind]++
			break
		}
	}
}

// sameRequest reports whether two requests read off the wire mean the same
// to a SigV4 signature: method, path (decoded, for S3), query parameters as
// url.ParseQuery decodes them, Host, and every other header's values with
// surrounding whitespace trimmed and runs of spaces folded.
func sameRequest(a, b *http.Request, service string) bool {
	return semanticKey(a, service) == semanticKey(b, service)
}

var spaceRuns = regexp.MustCompile(" {2,}")

func semanticKey(r *http.Request, service string) string {
	path, query, _ := strings.Cut(r.RequestURI, "?")
	if service == "s3" {
		if p, err := url.PathUnescape(path); err == nil {
			path = "decoded:" + p
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%q %q\n", r.Method, path)
	q, err := url.ParseQuery(query)
	fmt.Fprintf(&b, "%v\n", err != nil)
	keys := slices.Sorted(maps.Keys(q))
	for _, k := range keys {
		vs := slices.Clone(q[k])
		slices.Sort(vs)
		fmt.Fprintf(&b, "%q=%q\n", k, vs)
	}
	fmt.Fprintf(&b, "host %q\n", r.Host)
	for _, k := range slices.Sorted(maps.Keys(r.Header)) {
		var vs []string
		for _, v := range r.Header[k] {
			vs = append(vs, spaceRuns.ReplaceAllString(strings.TrimSpace(v), " "))
		}
		fmt.Fprintf(&b, "%s: %q\n", strings.ToLower(k), vs)
	}
	return b.String()
}

// TestSDKThroughServer sends requests signed by aws-sdk-go-v2 and by this
// package through a real HTTP server, and checks that the verifier accepts
// them all.
func TestSDKThroughServer(t *testing.T) {
	rnd := testRand(t)
	var v *Verifier
	var now time.Time
	var payload string
	results := make(chan serverResult, 1)
	srv := newLocalServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := v.Verify(r, now, payload)
		results <- serverResult{a, err}
	}))
	sg := NewSigner()
	for i := range scaled(150) {
		g := generate(rnd)
		g.scheme, g.host, g.hostNoPort = "http", srv, srv
		if g.method == "HEAD" || g.method == "OPTIONS" {
			g.method = "GET"
		}
		v, now = genVerifier(t, g), g.time
		payload = ""
		if g.service != "s3" {
			payload = g.payload
		}
		ours := g.ourRequest(t, false)
		if err := sg.Sign(ours, g.creds, g.params()); err != nil {
			t.Fatal(err)
		}
		for _, r := range []*http.Request{g.sdkSign(t), ours} {
			if res := send(t, r, results); res.err != nil {
				t.Fatalf("request %d: %v\n%v", i, res.err, g)
			}
		}
		u, err := sg.Presign(g.ourRequest(t, true), g.creds, g.params())
		if err != nil {
			t.Fatal(err)
		}
		_, sdkReq := g.sdkPresign(t)
		payload = g.payload
		for _, r := range []*http.Request{sdkReq, g.ourPresignedRequest(t, u)} {
			if res := send(t, r, results); res.err != nil {
				t.Fatalf("request %d: %v\n%v\n%s", i, res.err, g, u)
			}
		}
	}
}

type serverResult struct {
	auth *Auth
	err  error
}

// send makes a request to a test server whose handler reports on results;
// the handler has run by the time the response arrives.
func send(t *testing.T, r *http.Request, results chan serverResult) serverResult {
	t.Helper()
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case res := <-results:
		return res
	default:
		t.Fatalf("the server answered %s without calling the handler", resp.Status)
		return serverResult{}
	}
}

// TestS3PathEncodedOnce pins an intended difference from aws-sdk-go-v2:
// for S3 this package signs the decoded path encoded once, as S3 computes
// it, whatever escaping the URL uses; the SDK signs the escaped path as
// it is. The verifier accepts both.
func TestS3PathEncodedOnce(t *testing.T) {
	c := Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	now := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	v := NewVerifier(VerifierOptions{Secret: func(string, string) (string, error) { return c.SecretAccessKey, nil }})
	for _, tc := range []struct{ url, canonical string }{
		{"https://b.s3.amazonaws.com/test$file.text", "/test%24file.text"},
		{"https://b.s3.amazonaws.com/a+b/c!d", "/a%2Bb/c%21d"},
		{"https://b.s3.amazonaws.com/a%2Bb/%7Ex", "/a%2Bb/~x"},
		{"https://b.s3.amazonaws.com/a%20b//./../c", "/a%20b//./../c"},
	} {
		var d Debug
		r, _ := http.NewRequest("GET", tc.url, nil)
		if err := NewSigner().Sign(r, c, Params{Region: "us-east-1", Service: "s3", Time: now, Debug: &d}); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := strings.Cut(strings.TrimPrefix(d.CanonicalRequest, "GET\n"), "\n"); got != tc.canonical {
			t.Errorf("%s: canonical URI %s, want %s", tc.url, got, tc.canonical)
		}
		sdk, _ := http.NewRequest("GET", tc.url, nil)
		sdk.Header.Set("X-Amz-Content-Sha256", EmptyPayloadHash)
		if err := sdkS3Signer.SignHTTP(context.Background(), sdkCreds(c), sdk, EmptyPayloadHash, "s3", "us-east-1", now); err != nil {
			t.Fatal(err)
		}
		for _, r := range []*http.Request{r, sdk} {
			sr, _ := onTheWire(t, r)
			if _, err := v.Verify(sr, now, ""); err != nil {
				t.Errorf("%s: %v", tc.url, err)
			}
		}
	}
}

// A key's '+' goes on the wire as %2B, which the signature covers: S3
// would read a literal '+' as a space, another key, and refuse the
// signature. Signed and presigned alike; other services keep their path.
func TestS3PlusSentEscaped(t *testing.T) {
	c := Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	now := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	r, _ := http.NewRequest("GET", "https://b.s3.amazonaws.com/a+b/c%20d", nil)
	if err := NewSigner().Sign(r, c, Params{Region: "us-east-1", Service: "s3", Time: now}); err != nil {
		t.Fatal(err)
	}
	if got := r.URL.EscapedPath(); got != "/a%2Bb/c%20d" {
		t.Errorf("signed request goes out as %s", got)
	}
	r, _ = http.NewRequest("GET", "https://b.s3.amazonaws.com/a+b/c%20d", nil)
	u, err := NewSigner().Presign(r, c, Params{Region: "us-east-1", Service: "s3", Time: now, Expires: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "https://b.s3.amazonaws.com/a%2Bb/c%20d?") {
		t.Errorf("presigned URL %s", u)
	}
	r, _ = http.NewRequest("GET", "https://sts.amazonaws.com/a+b", nil)
	if err := NewSigner().Sign(r, c, Params{Region: "us-east-1", Service: "sts", Time: now}); err != nil {
		t.Fatal(err)
	}
	if got := r.URL.EscapedPath(); got != "/a+b" {
		t.Errorf("an STS path goes out as %s", got)
	}
}

// TestSignDefaultPort checks that a signed request carries the Host it was
// signed with even when its URL names the scheme's default port, which Go's
// client would otherwise send.
func TestSignDefaultPort(t *testing.T) {
	c := Credentials{AccessKeyID: "AK", SecretAccessKey: "secret"}
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	v := NewVerifier(VerifierOptions{Secret: func(string, string) (string, error) { return c.SecretAccessKey, nil }})
	for _, tc := range []struct{ url, host, presigned string }{
		{"https://example.com:443/x", "example.com", "https://example.com/x?"},
		{"http://example.com:80/x", "example.com", "http://example.com/x?"},
		{"http://example.com:443/x", "example.com:443", "http://example.com:443/x?"},
		{"https://[::1]:443/x", "[::1]", "https://[::1]/x?"},
		{"https://[::1]:8443/x", "[::1]:8443", "https://[::1]:8443/x?"},
		{"https://example.com:/x", "example.com", "https://example.com/x?"},
	} {
		r, _ := http.NewRequest("GET", tc.url, nil)
		var d Debug
		if err := NewSigner().Sign(r, c, Params{Region: "us-east-1", Service: "s3", Time: now, Debug: &d}); err != nil {
			t.Fatal(err)
		}
		if r.Host != tc.host || !strings.Contains(d.CanonicalRequest, "\nhost:"+tc.host+"\n") {
			t.Errorf("%s: Host %q, want %q\n%s", tc.url, r.Host, tc.host, d.CanonicalRequest)
		}
		sr, _ := onTheWire(t, r)
		if _, err := v.Verify(sr, now, ""); err != nil {
			t.Errorf("%s: %v", tc.url, err)
		}
		r, _ = http.NewRequest("GET", tc.url, nil)
		u, err := NewSigner().Presign(r, c, Params{Region: "us-east-1", Service: "s3", Time: now, Expires: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(u, tc.presigned) {
			t.Errorf("%s: presigned %s, want prefix %s", tc.url, u, tc.presigned)
		}
		pr, _ := http.NewRequest("GET", u, nil)
		sr, _ = onTheWire(t, pr)
		if _, err := v.Verify(sr, now, ""); err != nil {
			t.Errorf("%s presigned: %v", tc.url, err)
		}
	}
	// aws-sdk-go-v2 signs without the default port but keeps it in the URL,
	// so Go's client sends it: the verifier accepts that too.
	r, _ := http.NewRequest("GET", "https://example.com:443/x?X-Amz-Expires=60", nil)
	u, _, err := sdkS3Signer.PresignHTTP(context.Background(), sdkCreds(c), r, UnsignedPayload, "s3", "us-east-1", now)
	if err != nil {
		t.Fatal(err)
	}
	pr, _ := http.NewRequest("GET", u, nil)
	sr, _ := onTheWire(t, pr)
	if sr.Host != "example.com:443" {
		t.Fatalf("Host %q", sr.Host)
	}
	if _, err := v.Verify(sr, now, ""); err != nil {
		t.Error(err)
	}
}

// newLocalServer starts an HTTP server for the test and returns its
// host:port.
func newLocalServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}
