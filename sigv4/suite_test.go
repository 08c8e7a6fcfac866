package sigv4

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the generated (wicket-*) sections of the golden files in testdata")

// archive is a golden file in txtar form: a comment, then sections that
// each start with a "-- name --" line. Each section's text is stored with
// one newline appended, so that texts without a final newline (a canonical
// request) keep their exact bytes.
type archive struct {
	comment string
	names   []string
	files   map[string]string
}

func readArchive(t *testing.T, path string) *archive {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	a := &archive{files: map[string]string{}}
	text := string(b)
	cur := ""
	var body strings.Builder
	flush := func() {
		if cur == "" {
			a.comment = body.String()
		} else {
			a.names = append(a.names, cur)
			a.files[cur] = strings.TrimSuffix(body.String(), "\n")
		}
		body.Reset()
	}
	for line := range strings.Lines(text) {
		if name, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "-- "); ok && strings.HasSuffix(name, " --") {
			flush()
			cur = strings.TrimSuffix(name, " --")
			continue
		}
		body.WriteString(line)
	}
	flush()
	return a
}

func (a *archive) set(name, text string) {
	if _, ok := a.files[name]; !ok {
		a.names = append(a.names, name)
	}
	a.files[name] = text
}

func (a *archive) bytes() []byte {
	var b bytes.Buffer
	b.WriteString(a.comment)
	for _, n := range a.names {
		b.WriteString("-- " + n + " --\n" + a.files[n] + "\n")
	}
	return b.Bytes()
}

// suiteContext is a case's context.json, as aws-c-auth's suite writes it.
type suiteContext struct {
	Credentials struct {
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
		Token           string `json:"token"`
	} `json:"credentials"`
	Expiration       int64  `json:"expiration_in_seconds"`
	Normalize        *bool  `json:"normalize"`
	Region           string `json:"region"`
	Service          string `json:"service"`
	SignBody         bool   `json:"sign_body"`
	OmitSessionToken bool   `json:"omit_session_token"`
	Timestamp        string `json:"timestamp"`
}

// parseRawRequest turns a request file of the suite into a client request.
// The suite writes paths unencoded ("/example space/", "/ሴ") and means
// them as the bytes on the wire, so the path goes into an opaque URL, as
// the AWS SDKs pre-escape a path. Continuation lines join with one space,
// as net/textproto joins them.
func parseRawRequest(t *testing.T, raw string) (r *http.Request, target string, body []byte) {
	t.Helper()
	head, rest, _ := strings.Cut(raw, "\n\n")
	lines := strings.Split(strings.TrimRight(head, "\n"), "\n")
	method, target, ok := strings.Cut(lines[0], " ")
	if i := strings.LastIndexByte(target, ' '); ok && i >= 0 {
		target = target[:i]
	}
	path, query, _ := strings.Cut(target, "?")
	r = &http.Request{Method: method, Header: http.Header{}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	var names, values []string
	for _, l := range lines[1:] {
		if l != "" && (l[0] == ' ' || l[0] == '\t') {
			values[len(values)-1] += " " + strings.TrimSpace(l)
			continue
		}
		k, v, _ := strings.Cut(l, ":")
		names, values = append(names, k), append(values, strings.TrimSpace(v))
	}
	for i, k := range names {
		switch http.CanonicalHeaderKey(k) {
		case "Host":
			r.Host = values[i]
		case "Content-Length":
			n, err := strconv.ParseInt(values[i], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			r.ContentLength = n
		default:
			r.Header.Add(k, values[i])
		}
	}
	r.URL = &url.URL{Scheme: "https", Host: r.Host, Opaque: "//" + r.Host + path, RawQuery: query}
	return r, target, []byte(rest)
}

// serverRequest returns a signed request of the suite as a server sees it:
// parsed by http.ReadRequest where its request line is valid HTTP, by hand
// (with the same RequestURI) where it is not ("GET /example space/").
func serverRequest(t *testing.T, raw string) *http.Request {
	t.Helper()
	wire := strings.ReplaceAll(raw, "\n", "\r\n")
	if r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(wire))); err == nil {
		return r
	}
	r, target, body := parseRawRequest(t, raw)
	r.RequestURI = target
	r.URL = &url.URL{Path: "/"} // what a server could not parse
	if r.ContentLength == 0 {
		r.ContentLength = int64(len(body))
	}
	return r
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestSuite runs the AWS SigV4 test suite (testdata/suite, service
// "service") and the worked examples of the S3 documentation
// (testdata/s3): Sign and Presign must reproduce each canonical request,
// string to sign and signature exactly, and Verify must accept the
// requests AWS signed, and ours.
func TestSuite(t *testing.T) {
	paths, _ := filepath.Glob("testdata/suite/*.txtar")
	s3paths, _ := filepath.Glob("testdata/s3/*.txtar")
	if len(paths) < 30 || len(s3paths) < 5 {
		t.Fatalf("found %d suite and %d S3 cases", len(paths), len(s3paths))
	}
	for _, path := range append(paths, s3paths...) {
		name := strings.TrimSuffix(filepath.Base(path), ".txtar")
		t.Run(filepath.Base(filepath.Dir(path))+"/"+name, func(t *testing.T) {
			runSuiteCase(t, path, name)
		})
	}
}

// suiteVerifyFailures are the cases whose AWS-signed requests must fail to
// verify: AWS adds the session token after signing, which a server that
// requires every x-amz-* header and parameter to be signed rejects.
var suiteVerifyFailures = map[string]string{
	"post-sts-header-after/aws-header": CodeAccessDenied,
	"post-sts-header-after/aws-query":  CodeSignatureDoesNotMatch,
}

func runSuiteCase(t *testing.T, path, name string) {
	a := readArchive(t, path)
	var ctx suiteContext
	if err := json.Unmarshal([]byte(a.files["context.json"]), &ctx); err != nil {
		t.Fatal(err)
	}
	now, err := time.Parse(time.RFC3339, ctx.Timestamp)
	if err != nil {
		t.Fatal(err)
	}
	creds := Credentials{AccessKeyID: ctx.Credentials.AccessKeyID, SecretAccessKey: ctx.Credentials.SecretAccessKey}
	if !ctx.OmitSessionToken {
		creds.SessionToken = ctx.Credentials.Token
	}
	s3 := ctx.Service == "s3"
	_, target, body := parseRawRequest(t, a.files["request.txt"])
	// Our signer normalises every non-S3 path; a case that must not
	// normalise is one it can reproduce only when there is nothing to do.
	rawPath, _, _ := strings.Cut(target, "?")
	canSign := ctx.Normalize == nil || *ctx.Normalize || normalizePath(rawPath) == rawPath
	payload := ""
	if !s3 {
		payload = hexSHA256(body) // the suite signs the body's hash, even unsigned ones
	}
	v := NewVerifier(VerifierOptions{Region: ctx.Region, Service: ctx.Service, Secret: func(ak, tok string) (string, error) {
		if ak != creds.AccessKeyID {
			return "", ErrUnknownAccessKey
		}
		return creds.SecretAccessKey, nil
	}})
	verify := func(t *testing.T, r *http.Request, form string) {
		t.Helper()
		_, err := v.Verify(r, now, payload)
		want := suiteVerifyFailures[name+"/"+form]
		e, _ := AsError(err)
		switch {
		case want == "" && err != nil:
			t.Errorf("verify %s: %v\n%s\n--\n%s", form, err, e.CanonicalRequest, e.StringToSign)
		case want != "" && (e == nil || e.Code != want):
			t.Errorf("verify %s: got %v, want %s", form, err, want)
		}
	}

	if sig, ok := a.files["header-signature.txt"]; ok {
		if canSign {
			r, _, _ := parseRawRequest(t, a.files["request.txt"])
			if ctx.SignBody && !s3 {
				r.Header.Set("X-Amz-Content-Sha256", payload)
			}
			var d Debug
			p := Params{Region: ctx.Region, Service: ctx.Service, Time: now, PayloadHash: payload, Debug: &d}
			if err := NewSigner().Sign(r, creds, p); err != nil {
				t.Fatal(err)
			}
			checkDebug(t, "header", &d, a.files["header-canonical-request.txt"], a.files["header-string-to-sign.txt"], sig)
			golden(t, a, "wicket-authorization.txt", r.Header.Get("Authorization"))
			// Ours, through the wire: what Go's client writes, a server reads.
			var wire bytes.Buffer
			r.URL.Opaque = "" // write the path as the suite means it
			r.URL.Path = rawPath
			r.Body = io.NopCloser(bytes.NewReader(body))
			if err := r.Write(&wire); err != nil {
				t.Fatal(err)
			}
			sr, err := http.ReadRequest(bufio.NewReader(&wire))
			if err != nil {
				t.Fatal(err)
			}
			if s3 || isPrintableASCII(rawPath) {
				// The suite signs raw paths ("/ሴ") that Go's client escapes
				// on the wire, where a non-S3 service encodes them again.
				verify(t, sr, "header")
			}
		}
		if sreq, ok := a.files["header-signed-request.txt"]; ok {
			verify(t, serverRequest(t, sreq), "aws-header")
		}
	}
	if sig, ok := a.files["query-signature.txt"]; ok {
		if canSign {
			r, _, _ := parseRawRequest(t, a.files["request.txt"])
			var d Debug
			p := Params{Region: ctx.Region, Service: ctx.Service, Time: now, Expires: time.Duration(ctx.Expiration) * time.Second, PayloadHash: payload, Debug: &d}
			u, err := NewSigner().Presign(r, creds, p)
			if err != nil {
				t.Fatal(err)
			}
			checkDebug(t, "query", &d, a.files["query-canonical-request.txt"], a.files["query-string-to-sign.txt"], sig)
			golden(t, a, "wicket-presigned-url.txt", u)
			if s3 {
				sr, err := http.NewRequest(r.Method, u, nil)
				if err != nil {
					t.Fatal(err)
				}
				sr.RequestURI = sr.URL.RequestURI()
				verify(t, sr, "query")
			}
		}
		if sreq, ok := a.files["query-signed-request.txt"]; ok {
			verify(t, serverRequest(t, sreq), "aws-query")
		}
	}
	if *update {
		if err := os.WriteFile(path, a.bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func checkDebug(t *testing.T, form string, d *Debug, creq, sts, sig string) {
	t.Helper()
	if d.CanonicalRequest != creq {
		t.Errorf("%s canonical request:\n%s\nwant:\n%s", form, d.CanonicalRequest, creq)
	}
	if d.StringToSign != sts {
		t.Errorf("%s string to sign:\n%s\nwant:\n%s", form, d.StringToSign, sts)
	}
	if d.Signature != sig {
		t.Errorf("%s signature %s, want %s", form, d.Signature, sig)
	}
}

// golden compares got with a generated section of the archive, or sets it
// under -update.
func golden(t *testing.T, a *archive, name, got string) {
	t.Helper()
	if *update {
		a.set(name, got)
		return
	}
	want, ok := a.files[name]
	if !ok {
		t.Errorf("no section %s: run go test -run TestSuite -update", name)
		return
	}
	if got != want {
		t.Errorf("%s:\n got %s\nwant %s", name, got, want)
	}
}

// TestSuiteArchive checks the golden-file reader against its writer.
func TestSuiteArchive(t *testing.T) {
	in := "comment\n-- a --\nno final newline\n-- b --\nline\n\n-- c --\n\n"
	path := filepath.Join(t.TempDir(), "x.txtar")
	if err := os.WriteFile(path, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	a := readArchive(t, path)
	if a.files["a"] != "no final newline" || a.files["b"] != "line\n" || a.files["c"] != "" {
		t.Fatalf("%q", a.files)
	}
	if got := string(a.bytes()); got != in {
		t.Fatalf("round trip %q", got)
	}
	if _, err := os.Stat("testdata/suite/README.md"); errors.Is(err, os.ErrNotExist) {
		t.Error("testdata/suite/README.md, which says where the vectors come from, is missing")
	}
}
