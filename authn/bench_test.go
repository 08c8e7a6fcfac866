package authn_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/authn"
	"github.com/wicket-io/wicket/sigv4"
	"github.com/wicket-io/wicket/sts/keyring"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// BenchmarkSessionOverhead authenticates the same GET signed with the
// root key and with temporary credentials, in one run, and reports what
// the session token costs on top (extra-ns/op; the target is ≤ 3000).
func BenchmarkSessionOverhead(b *testing.B) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	kr, err := keyring.Open(b.TempDir(), keyring.Options{Clock: fixedClock{now}})
	if err != nil {
		b.Fatal(err)
	}
	creds, err := kr.Issue(keyring.Claims{Role: "arn:aws:iam::000000000000:role/guest", RoleID: "AROAEXAMPLE", Session: "CognitoIdentityCredentials",
		Subject: "us-east-1:0b5e0a34-6d44-4c58-8d6f-3b9f8b0b2b7e", Pool: "us-east-1:9f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b",
		AMR: []string{"unauthenticated"}, Provider: "cognito-identity.amazonaws.com", Issued: now, Expires: now.Add(time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	root := wicket.RootCredentials{AccessKeyID: "AKIAWICKETBENCHROOT1", SecretAccessKey: "wicket-bench-root-secret-0000000000000000"}
	a := authn.New(authn.Options{Root: root, Sessions: kr, Revoked: func(*wicket.SessionClaims) bool { return false },
		Region: "us-east-1", Service: "s3", Clock: fixedClock{now}})
	sign := func(c sigv4.Credentials) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:9000/assets/public/logo.png", nil)
		if err := sigv4.NewSigner().Sign(r, c, sigv4.Params{Region: "us-east-1", Service: "s3", Time: now, PayloadHash: sigv4.EmptyPayloadHash}); err != nil {
			b.Fatal(err)
		}
		return r
	}
	rootReq := sign(sigv4.Credentials{AccessKeyID: root.AccessKeyID, SecretAccessKey: root.SecretAccessKey})
	sessReq := sign(sigv4.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken})
	run := func(r *http.Request, n int) time.Duration {
		start := time.Now()
		for range n {
			p, _, err := a.Authenticate(r, "")
			if err != nil || p == nil {
				b.Fatalf("authenticate: %v", err)
			}
		}
		return time.Since(start)
	}
	run(rootReq, 100)
	run(sessReq, 100) // warm the caches, as steady state has them
	b.ResetTimer()
	// Interleave the two so that load on the machine falls on both alike.
	var rootT, sessT time.Duration
	for done := 0; done < b.N; {
		n := min(1000, b.N-done)
		rootT += run(rootReq, n)
		sessT += run(sessReq, n)
		done += n
	}
	b.StopTimer()
	rootNs := float64(rootT.Nanoseconds()) / float64(b.N)
	sessNs := float64(sessT.Nanoseconds()) / float64(b.N)
	b.ReportMetric(rootNs, "root-ns/op")
	b.ReportMetric(sessNs, "session-ns/op")
	b.ReportMetric(sessNs-rootNs, "extra-ns/op")
}
