package sigv4

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// The benchmarks sign identical requests with this package and with
// aws-sdk-go-v2 (aws/signer/v4):
//
//	go test -run '^$' -bench . -benchmem -count 5 ./sigv4/
//
// Besides ns/op they report cpu-ns/op, the process's CPU time per
// operation, which a busy machine inflates far less.
var (
	benchCreds = Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	benchTime  = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
)

// benchGET is a typical S3 GET: a virtual-hosted bucket, a key, a version,
// a range and a conditional header, the payload header S3 requires.
func benchGET(tb testing.TB) *http.Request {
	r, err := http.NewRequest("GET", "https://examplebucket.s3.us-east-1.amazonaws.com/photos/2013/05/test.txt?versionId=3HL4kqtJlcpXroDTDmJ%2BrmSpXd3dIbrHY", nil)
	if err != nil {
		tb.Fatal(err)
	}
	r.Header.Set("Range", "bytes=0-9")
	r.Header.Set("If-None-Match", `"d41d8cd98f00b204e9800998ecf8427e"`)
	r.Header.Set("User-Agent", "wicket-bench/1.0")
	r.Header.Set("X-Amz-Content-Sha256", EmptyPayloadHash)
	return r
}

// benchPresignGET is the request of the S3 documentation's presigned URL
// example, GET examplebucket/test.txt for 86400 seconds, with the expiry
// in the URL where aws-sdk-go-v2 takes it from.
func benchPresignGET(tb testing.TB) *http.Request {
	r, err := http.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Expires=86400", nil)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func BenchmarkSign(b *testing.B) {
	b.Run("wicket", func(b *testing.B) {
		sg := NewSigner()
		r := benchGET(b)
		p := Params{Region: "us-east-1", Service: "s3", Time: benchTime, PayloadHash: EmptyPayloadHash}
		b.ReportAllocs()
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			if err := sg.Sign(r, benchCreds, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("awssdk", func(b *testing.B) {
		r := benchGET(b)
		creds := sdkCreds(benchCreds)
		ctx := context.Background()
		b.ReportAllocs()
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			if err := sdkS3Signer.SignHTTP(ctx, creds, r, EmptyPayloadHash, "s3", "us-east-1", benchTime); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkPresign(b *testing.B) {
	b.Run("wicket", func(b *testing.B) {
		sg := NewSigner()
		r := benchPresignGET(b)
		p := Params{Region: "us-east-1", Service: "s3", Time: benchTime}
		b.ReportAllocs()
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			if _, err := sg.Presign(r, benchCreds, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("awssdk", func(b *testing.B) {
		r := benchPresignGET(b)
		creds := sdkCreds(benchCreds)
		ctx := context.Background()
		b.ReportAllocs()
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			if _, _, err := sdkS3Signer.PresignHTTP(ctx, creds, r, UnsignedPayload, "s3", "us-east-1", benchTime); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	v := NewVerifier(VerifierOptions{Region: "us-east-1", Service: "s3", Secret: func(ak, _ string) (string, error) {
		if ak != benchCreds.AccessKeyID {
			return "", ErrUnknownAccessKey
		}
		return benchCreds.SecretAccessKey, nil
	}})
	sg := NewSigner()
	b.Run("presigned-GET", func(b *testing.B) {
		u, err := sg.Presign(benchPresignGET(b), benchCreds, Params{Region: "us-east-1", Service: "s3", Time: benchTime})
		if err != nil {
			b.Fatal(err)
		}
		r := httptest.NewRequest("GET", u, nil) // as a server has it: RequestURI set
		benchVerify(b, v, r)
	})
	b.Run("header-signed-GET", func(b *testing.B) {
		c := benchGET(b)
		if err := sg.Sign(c, benchCreds, Params{Region: "us-east-1", Service: "s3", Time: benchTime}); err != nil {
			b.Fatal(err)
		}
		r := httptest.NewRequest("GET", c.URL.String(), nil)
		r.Header = c.Header
		benchVerify(b, v, r)
	})
}

func benchVerify(b *testing.B, v *Verifier, r *http.Request) {
	now := benchTime.Add(time.Minute)
	if _, err := v.Verify(r, now, ""); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		if _, err := v.Verify(r, now, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// reportCPU reports the CPU time per operation since start.
func reportCPU(b *testing.B, start time.Duration) {
	if end := cpuTime(); end > 0 && b.N > 0 {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}

// TestPresignAllocs holds Presign to its allocation budget: the URL it
// returns and little else. (Allocation counts are deterministic; times are
// left to the benchmarks.)
func TestPresignAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	sg := NewSigner()
	r := benchPresignGET(t)
	p := Params{Region: "us-east-1", Service: "s3", Time: benchTime}
	if n := testing.AllocsPerRun(100, func() {
		if _, err := sg.Presign(r, benchCreds, p); err != nil {
			t.Fatal(err)
		}
	}); n > 4 {
		t.Errorf("Presign allocates %v times, want at most 4", n)
	}
}
