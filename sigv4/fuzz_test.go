package sigv4

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The fuzzed requests are GETs to one bucket host; what varies is the
// Authorization header, the query (where a presigned request's signature
// is) and the path. With an Authorization header come an X-Amz-Date of
// fzTime and the payload header S3 requires.
var (
	fzTime = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	fzHost = "examplebucket.s3.amazonaws.com"
)

func fzVerifier() *Verifier {
	return NewVerifier(VerifierOptions{Region: "us-east-1", Service: "s3", Secret: vtSecret})
}

// fzRequest builds the request a server would hand to Verify. ok is false
// when Go's server would have refused the request line.
func fzRequest(authz, query, path string) (r *http.Request, ok bool) {
	target := path
	if query != "" {
		target += "?" + query
	}
	r = &http.Request{Method: "GET", Host: fzHost, RequestURI: target, Header: http.Header{}}
	if authz != "" {
		r.Header.Set("Authorization", authz)
		r.Header.Set("X-Amz-Date", fzTime.Format(TimeFormat))
		r.Header.Set("X-Amz-Content-Sha256", EmptyPayloadHash)
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		r.URL = &url.URL{Path: "/"}
		return r, false
	}
	r.URL = u
	return r, true
}

// fzSeeds are the seed corpus: requests signed each way, and the shapes
// that are close to one.
func fzSeeds(t testing.TB) [][3]string {
	sg := NewSigner()
	var seeds [][3]string
	for _, c := range []Credentials{vtCreds, vtTemp} {
		for _, path := range []string{"/test.txt", "/a%20b/c%2Bd/%E2%82%AC", "/", "/test$file.text"} {
			for _, query := range []string{"", "prefix=J&max-keys=2", "lifecycle", "a=%2F&a=+&b"} {
				r, err := http.NewRequest("GET", "https://"+fzHost+path+"?"+query, nil)
				if err != nil {
					t.Fatal(err)
				}
				r.Header.Set("X-Amz-Content-Sha256", EmptyPayloadHash)
				if c.SessionToken == "" {
					p := Params{Region: "us-east-1", Service: "s3", Time: fzTime}
					if err := sg.Sign(r, c, p); err != nil {
						t.Fatal(err)
					}
					seeds = append(seeds, [3]string{r.Header.Get("Authorization"), query, path})
				}
				r, _ = http.NewRequest("GET", r.URL.String(), nil)
				u, err := sg.Presign(r, c, Params{Region: "us-east-1", Service: "s3", Time: fzTime, Expires: time.Hour})
				if err != nil {
					t.Fatal(err)
				}
				_, q, _ := strings.Cut(u, "?")
				seeds = append(seeds, [3]string{"", q, path})
			}
		}
	}
	valid := seeds[0]
	var root [3]string // a header signature of GET /
	for _, s := range seeds {
		if s[0] != "" && s[1] == "" && s[2] == "/" {
			root = s
		}
	}
	seeds = append(seeds,
		[3]string{root[0], root[1], "0"}, // found by the fuzzer: a target no server takes
		[3]string{"", "", "/"},
		[3]string{"AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", "", "/a"},
		[3]string{"AWS4-HMAC-SHA256", "", "/"},
		[3]string{"AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=;;, Signature=", "", "/"},
		[3]string{"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=" + strings.Repeat("f", 64), "", "/test.txt"},
		[3]string{valid[0], "X-Amz-Algorithm=AWS4-HMAC-SHA256", valid[2]},
		[3]string{"", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%&X-Amz-Date=2013&X-Amz-Expires=-0&X-Amz-SignedHeaders=&X-Amz-Signature=", "/"},
		[3]string{"", "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1369353600&Signature=x", "/"},
		[3]string{"", "X-Amz-Expires=99999999999999999999999&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=0", "/%zz/%"},
	)
	return seeds
}

// FuzzVerify feeds Verify arbitrary Authorization headers, queries and
// paths. It must never panic, and it may succeed only for a faithful
// signature: one that depends on every byte of itself, that is the HMAC of
// the string to sign the verifier reports, and, for a header signature
// over the request's own headers, the one aws-sdk-go-v2 makes.
//
// Its seeds are the files in testdata/fuzz/FuzzVerify, which
// TestFuzzVerifyCorpus keeps equal to fzSeeds.
func FuzzVerify(f *testing.F) {
	v := fzVerifier()
	now := fzTime.Add(time.Minute)
	f.Fuzz(func(t *testing.T, authz, query, path string) {
		r, wellFormed := fzRequest(authz, query, path)
		a, err := v.Verify(r, now, "")
		if err != nil {
			if _, ok := AsError(err); !ok && err != ErrNotSigned {
				t.Fatalf("not an *Error: %v", err)
			}
			return
		}
		if !wellFormed {
			t.Fatalf("verified a request Go's server refuses: %q", r.RequestURI)
		}
		sig := a.Signature
		if len(sig) != 64 {
			t.Fatalf("verified signature %q", sig)
		}
		// Any change of the signature must fail, and the failure report
		// must hold the string whose HMAC the signature is.
		flipped := strings.ToUpper(sig[:1]) + sig[1:]
		if flipped == sig {
			flipped = string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", sig[0])+1)%16]) + sig[1:]
		}
		r2, _ := fzRequest(strings.Replace(authz, sig, flipped, 1), strings.Replace(query, sig, flipped, 1), path)
		_, err = v.Verify(r2, now, "")
		e, ok := AsError(err)
		if !ok || e.Code != CodeSignatureDoesNotMatch {
			t.Fatalf("a changed signature gave %v", err)
		}
		secret, _ := vtSecret(a.AccessKeyID, a.SessionToken)
		key := SigningKey(secret, a.Scope.Date, a.Scope.Region, a.Scope.Service)
		primary := hex.EncodeToString(hmacSum(nil, key, e.StringToSign)) == sig
		altPath := string(appendServerURI(nil, pathOnly(r.RequestURI), "s3")) != pathOnly(r.RequestURI)
		if !primary && !altPath {
			t.Fatalf("signature %s is not the HMAC of\n%s", sig, e.StringToSign)
		}
		if a.Presigned || strings.Join(a.SignedHeaders, ";") != "host;x-amz-content-sha256;x-amz-date" {
			return
		}
		if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
			return // aws-sdk-go-v2 drops what it cannot parse
		}
		if got := fzSDKSignature(t, a, path, query); got != sig && !altPath {
			t.Fatalf("verified %s; aws-sdk-go-v2 signs %s", sig, got)
		}
	})
}

func pathOnly(target string) string {
	p, _, _ := strings.Cut(target, "?")
	return p
}

// fzSDKSignature signs the fuzzed request with aws-sdk-go-v2.
func fzSDKSignature(t *testing.T, a *Auth, path, query string) string {
	c := vtCreds
	if a.AccessKeyID == vtTemp.AccessKeyID {
		c = vtTemp
	}
	r, err := http.NewRequest("GET", "https://"+fzHost+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.URL.Opaque = "//" + fzHost + path // the path as it was sent
	r.URL.RawQuery = query
	r.Header.Set("X-Amz-Content-Sha256", EmptyPayloadHash)
	if err := sdkS3Signer.SignHTTP(context.Background(), sdkCreds(c), r, EmptyPayloadHash, "s3", a.Scope.Region, a.Time); err != nil {
		t.Fatal(err)
	}
	s := r.Header.Get("Authorization")
	return s[strings.LastIndex(s, "=")+1:]
}

// TestFuzzVerifyCorpus checks that the committed seed corpus of FuzzVerify
// is what fzSeeds makes, so that its signed seeds stay valid (-update
// rewrites it), and that most of it verifies: the fuzzer starts from good
// signatures.
func TestFuzzVerifyCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzVerify")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	v, verified := fzVerifier(), 0
	seeds := fzSeeds(t)
	for i, s := range seeds {
		name := filepath.Join(dir, fmt.Sprintf("seed-%02d", i))
		want := fmt.Sprintf("go test fuzz v1\nstring(%s)\nstring(%s)\nstring(%s)\n", strconv.Quote(s[0]), strconv.Quote(s[1]), strconv.Quote(s[2]))
		if *update {
			if err := os.WriteFile(name, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := os.ReadFile(name); err != nil || string(got) != want {
			t.Errorf("%s is stale (%v): run go test -run TestFuzzVerifyCorpus -update", name, err)
		}
		if r, _ := fzRequest(s[0], s[1], s[2]); r != nil {
			if _, err := v.Verify(r, fzTime.Add(time.Minute), ""); err == nil {
				verified++
			}
		}
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != len(seeds) {
		t.Errorf("%d files in %s, want %d", len(files), dir, len(seeds))
	}
	if verified < 40 {
		t.Errorf("only %d of %d seeds verify", verified, len(seeds))
	}
}
