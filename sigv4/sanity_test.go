package sigv4

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

func TestSanitySDK(t *testing.T) {
	now := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	c := Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	mk := func() *http.Request {
		r, _ := http.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/test%20x/a+b.txt?b=2&a=1&a=0&x", nil)
		r.Header.Set("Range", "bytes=0-9")
		r.Header.Set("X-Amz-Foo", "  a   b ")
		r.Header.Set("X-Amz-Content-Sha256", EmptyPayloadHash)
		return r
	}
	r1, r2 := mk(), mk()
	var d Debug
	if err := NewSigner().Sign(r1, c, Params{Region: "us-east-1", Service: "s3", Time: now, PayloadHash: EmptyPayloadHash, Debug: &d}); err != nil {
		t.Fatal(err)
	}
	sdk := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err := sdk.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}, r2, EmptyPayloadHash, "s3", "us-east-1", now); err != nil {
		t.Fatal(err)
	}
	if a, b := r1.Header.Get("Authorization"), r2.Header.Get("Authorization"); a != b {
		t.Errorf("sign:\n%s\n%s\n%s", a, b, d.CanonicalRequest)
	}
	r1, r2 = mk(), mk()
	u1, err := NewSigner().Presign(r1, c, Params{Region: "us-east-1", Service: "s3", Time: now, Expires: 86400 * time.Second, PayloadHash: UnsignedPayload})
	if err != nil {
		t.Fatal(err)
	}
	q := r2.URL.Query()
	q.Set("X-Amz-Expires", "86400")
	r2.URL.RawQuery = q.Encode()
	u2, _, err := sdk.PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}, r2, UnsignedPayload, "s3", "us-east-1", now)
	if err != nil {
		t.Fatal(err)
	}
	if u1 != u2 {
		t.Errorf("presign:\n%s\n%s", u1, u2)
	}
}

func TestSanityVerify(t *testing.T) {
	now := time.Now()
	c := Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "secret"}
	var got *Auth
	var gotErr error
	v := NewVerifier(VerifierOptions{Region: "us-east-1", Service: "s3", Secret: func(ak, tok string) (string, error) {
		if ak != c.AccessKeyID {
			return "", ErrUnknownAccessKey
		}
		return c.SecretAccessKey, nil
	}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, gotErr = v.Verify(r, time.Now(), "")
		t.Logf("header: %v", r.Header)
	}))
	defer srv.Close()
	r, _ := http.NewRequest("PUT", srv.URL+"/bucket/a%20b/c+d/é?x=1&y=%2F", strings.NewReader("hello"))
	r.Header.Set("X-Amz-Meta-Foo", "bar  baz")
	sg := NewSigner()
	if err := sg.Sign(r, c, Params{Region: "us-east-1", Service: "s3", Time: now, PayloadHash: UnsignedPayload}); err != nil {
		t.Fatal(err)
	}
	if _, err := http.DefaultClient.Do(r); err != nil {
		t.Fatal(err)
	}
	if gotErr != nil {
		t.Fatalf("verify header: %v %+v", gotErr, gotErr)
	}
	r, _ = http.NewRequest("GET", srv.URL+"/bucket/a%20b/c+d/é?x=1&y=%2F", nil)
	u, err := sg.Presign(r, c, Params{Region: "us-east-1", Service: "s3", Time: now, Expires: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(u); err != nil {
		t.Fatal(err)
	}
	if gotErr != nil {
		t.Fatalf("verify presigned: %v %+v", gotErr, gotErr)
	}
	t.Logf("%+v", got)
}
