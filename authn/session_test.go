package authn_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/authn"
	"github.com/wicket-io/wicket/sigv4"
	"github.com/wicket-io/wicket/sts/keyring"
)

type movingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movingClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *movingClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// TestSessionCredentials: temporary credentials authenticate as their role
// session until they expire or are revoked, from the cache too.
func TestSessionCredentials(t *testing.T) {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	clock := &movingClock{t: start}
	kr, err := keyring.Open(t.TempDir(), keyring.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := kr.Issue(keyring.Claims{Role: "arn:aws:iam::000000000000:role/app/guest", RoleID: "AROAEXAMPLE", Session: "CognitoIdentityCredentials",
		Subject: "us-east-1:0b5e0a34-6d44-4c58-8d6f-3b9f8b0b2b7e", Pool: "us-east-1:9f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b",
		AMR: []string{"unauthenticated"}, Issued: start, Expires: start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	revoked := false
	var mu sync.Mutex
	a := authn.New(authn.Options{Root: wicket.RootCredentials{AccessKeyID: "AKIAROOT", SecretAccessKey: "root-secret"}, Sessions: kr,
		Revoked: func(*wicket.SessionClaims) bool { mu.Lock(); defer mu.Unlock(); return revoked },
		Region:  "us-east-1", Service: "s3", Clock: clock})
	auth := func(at time.Time, c sigv4.Credentials) (*wicket.Principal, error) {
		clock.set(at)
		r, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:9000/b/k", nil)
		if err := sigv4.NewSigner().Sign(r, c, sigv4.Params{Region: "us-east-1", Service: "s3", Time: at, PayloadHash: sigv4.EmptyPayloadHash}); err != nil {
			t.Fatal(err)
		}
		p, _, err := a.Authenticate(r, "")
		return p, err
	}
	good := sigv4.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken}
	for i := 0; i < 2; i++ { // the second from the cache
		p, err := auth(start.Add(time.Minute), good)
		if err != nil {
			t.Fatalf("authenticate #%d: %v", i, err)
		}
		if p.Type != wicket.Session || p.ARN != "arn:aws:sts::000000000000:assumed-role/guest/CognitoIdentityCredentials" ||
			p.ID != "AROAEXAMPLE:CognitoIdentityCredentials" || p.Claims == nil || p.Claims.Pool == "" {
			t.Fatalf("principal #%d = %+v", i, p)
		}
	}
	// The same token under another access key id: refused, cache or not.
	other := good
	other.AccessKeyID = "ASIA" + "AAAAAAAAAAAAAAAA"
	if _, err := auth(start.Add(time.Minute), other); err == nil {
		t.Error("the token works with another access key id")
	}
	if _, err := auth(start.Add(time.Hour), good); err == nil {
		t.Error("credentials work at their expiry")
	} else if se, ok := sigv4.AsError(err); !ok || se.Code != sigv4.CodeExpiredToken {
		t.Errorf("at expiry: %v, want ExpiredToken", err)
	}
	mu.Lock()
	revoked = true
	mu.Unlock()
	if _, err := auth(start.Add(2*time.Minute), good); err == nil {
		t.Error("revoked credentials work")
	}
}
