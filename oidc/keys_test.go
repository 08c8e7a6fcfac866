package oidc_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/internal/oidctest"
	"github.com/wicket-io/wicket/oidc"
)

// verify verifies tok for the provider's issuer and client.
func verify(v *oidc.Verifier, p *oidctest.Provider, tok string) error {
	_, err := v.Verify(context.Background(), p.URL, []string{p.ClientID}, tok)
	return err
}

// wantFetches checks how many times the provider served its key set.
func wantFetches(t *testing.T, p *oidctest.Provider, want int) {
	t.Helper()
	if got := p.Fetches(); got != want {
		t.Errorf("%d fetches of the key set, want %d", got, want)
	}
}

func TestKeyRotation(t *testing.T) {
	p, v, clock := setup(t)
	k1 := p.Token(nil)
	if err := verify(v, p, k1); err != nil {
		t.Fatal(err)
	}
	wantFetches(t, p, 1)

	// The provider rotates and signs with the new key at once. Keys were
	// fetched moments ago, so MinRefresh holds back a refresh.
	p.RotateKey()
	if p.KID() != "k2" {
		t.Fatalf("KID after RotateKey = %q", p.KID())
	}
	if err := verify(v, p, p.Token(nil)); !errors.Is(err, oidc.ErrSignature) {
		t.Fatalf("k2 within MinRefresh: %v; want ErrSignature", err)
	}
	wantFetches(t, p, 1)

	// A minute on, the unknown kid makes Verify fetch again and find k2.
	clock.Advance(oidc.DefaultMinRefresh)
	if err := verify(v, p, p.Token(nil)); err != nil {
		t.Fatalf("k2 after MinRefresh: %v", err)
	}
	wantFetches(t, p, 2)

	// k1 is still published, so its tokens still pass, with no fetch.
	if err := verify(v, p, k1); err != nil {
		t.Fatalf("k1 after the rotation: %v", err)
	}
	wantFetches(t, p, 2)

	// Once the provider retires k1 and the cache expires, k1 is gone.
	p.RemoveKey(oidctest.KeyRSA)
	clock.Advance(oidc.DefaultCacheTTL)
	if err := verify(v, p, p.Token(nil)); err != nil {
		t.Fatalf("after CacheTTL: %v", err)
	}
	wantFetches(t, p, 3)
	if err := verify(v, p, k1); !errors.Is(err, oidc.ErrSignature) {
		t.Fatalf("k1 after it was retired: %v; want ErrSignature", err)
	}
	wantFetches(t, p, 3)
}

func TestUnknownKidStaysUnknown(t *testing.T) {
	p, v, clock := setup(t)
	if err := verify(v, p, p.Token(nil)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(oidc.DefaultMinRefresh)
	err := verify(v, p, p.TokenWith(oidctest.TokenOptions{KID: "nope"}))
	if !errors.Is(err, oidc.ErrSignature) || wicket.MessageOf(err) != "Invalid login token. Couldn't verify signed token." {
		t.Fatalf("unknown kid: %v", err)
	}
	wantFetches(t, p, 2) // the refresh happened, and did not find it
}

// An attacker sending tokens with random kids gets at most one fetch per
// MinRefresh out of Wicket.
func TestRefreshRateLimit(t *testing.T) {
	p, v, clock := setup(t)
	if err := verify(v, p, p.Token(nil)); err != nil {
		t.Fatal(err)
	}
	for minute := range 3 {
		clock.Advance(oidc.DefaultMinRefresh)
		for i := range 50 {
			clock.Advance(time.Second / 10)
			err := verify(v, p, p.TokenWith(oidctest.TokenOptions{KID: fmt.Sprintf("random-%d-%d", minute, i)}))
			if !errors.Is(err, oidc.ErrSignature) {
				t.Fatalf("random kid: %v", err)
			}
		}
		wantFetches(t, p, 2+minute)
	}
	// Good tokens are not held back meanwhile.
	if err := verify(v, p, p.Token(nil)); err != nil {
		t.Fatal(err)
	}
}

func TestCacheTTL(t *testing.T) {
	p, v, clock := setup(t)
	for range 3 {
		if err := verify(v, p, p.Token(nil)); err != nil {
			t.Fatal(err)
		}
	}
	wantFetches(t, p, 1)
	clock.Advance(oidc.DefaultCacheTTL - time.Second)
	if err := verify(v, p, p.Token(nil)); err != nil {
		t.Fatal(err)
	}
	wantFetches(t, p, 1)
	clock.Advance(time.Second)
	if err := verify(v, p, p.Token(nil)); err != nil {
		t.Fatal(err)
	}
	wantFetches(t, p, 2)
	if n := p.DiscoveryFetches(); n != 2 {
		t.Errorf("%d fetches of the discovery document, want 2", n)
	}
}

// A provider that goes down does not stop logins at once: the last keys
// serve for up to twice CacheTTL, and the provider is asked again at most
// every few seconds meanwhile.
func TestProviderOutage(t *testing.T) {
	p, v, clock := setup(t)
	if err := verify(v, p, p.Token(nil)); err != nil {
		t.Fatal(err)
	}
	p.Override(oidctest.JWKSPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	clock.Advance(oidc.DefaultCacheTTL)
	for range 5 {
		if err := verify(v, p, p.Token(nil)); err != nil {
			t.Fatalf("stale keys during an outage: %v", err)
		}
	}
	wantFetches(t, p, 2) // one try; the next waits

	// A token with a key the stale set lacks may be a rotation: Wicket
	// cannot tell, and says the provider is unavailable.
	p.RotateKey()
	err := verify(v, p, p.Token(nil))
	if wicket.KindOf(err) != wicket.Unavailable {
		t.Fatalf("unknown kid during an outage: %v; want kind Unavailable", err)
	}

	clock.Advance(oidc.DefaultCacheTTL)
	err = verify(v, p, p.TokenWith(oidctest.TokenOptions{KID: oidctest.KeyRSA}))
	if wicket.KindOf(err) != wicket.Unavailable || !strings.Contains(wicket.MessageOf(err), "signing keys") {
		t.Fatalf("past twice CacheTTL: %v; want kind Unavailable", err)
	}

	// The provider is back.
	p.Override(oidctest.JWKSPath, nil)
	clock.Advance(10 * time.Second)
	if err := verify(v, p, p.Token(nil)); err != nil {
		t.Fatalf("provider back: %v", err)
	}
}

func TestProviderErrors(t *testing.T) {
	huge := strings.Repeat(" ", oidc.MaxResponseSize) + `{"keys":[]}`
	tests := []struct {
		name    string
		setup   func(p *oidctest.Provider)
		wantMsg string
	}{
		{"discovery names another issuer", func(p *oidctest.Provider) {
			p.SetDiscovery(map[string]any{"issuer": "https://evil.example"})
		}, "names another issuer"},
		{"discovery names the issuer with a slash", func(p *oidctest.Provider) {
			p.SetDiscovery(map[string]any{"issuer": p.URL + "/"})
		}, "names another issuer"},
		{"discovery missing", func(p *oidctest.Provider) {
			p.Override(oidctest.DiscoveryPath, http.NotFoundHandler())
		}, "Couldn't fetch the OpenID configuration"},
		{"discovery not JSON", func(p *oidctest.Provider) {
			p.Override(oidctest.DiscoveryPath, text("<html>"))
		}, "is not valid"},
		{"no jwks_uri", func(p *oidctest.Provider) {
			p.SetDiscovery(map[string]any{"jwks_uri": nil})
		}, "no valid jwks_uri"},
		{"jwks_uri not http(s)", func(p *oidctest.Provider) {
			p.SetDiscovery(map[string]any{"jwks_uri": "file:///etc/passwd"})
		}, "no valid jwks_uri"},
		{"JWKS over the size bound", func(p *oidctest.Provider) {
			p.Override(oidctest.JWKSPath, text(huge))
		}, "Couldn't fetch the signing keys"},
		{"JWKS over the size bound, no Content-Length", func(p *oidctest.Provider) {
			p.Override(oidctest.JWKSPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for i := 0; i < len(huge); i += 64 << 10 {
					w.Write([]byte(huge[i:min(i+64<<10, len(huge))]))
					w.(http.Flusher).Flush()
				}
			}))
		}, "Couldn't fetch the signing keys"},
		{"JWKS not JSON", func(p *oidctest.Provider) {
			p.Override(oidctest.JWKSPath, text("keys"))
		}, "not a valid JWK set"},
		{"JWKS without keys", func(p *oidctest.Provider) {
			p.Override(oidctest.JWKSPath, text(`{"jwks":[]}`))
		}, "not a valid JWK set"},
		{"JWKS error status", func(p *oidctest.Provider) {
			p.Override(oidctest.JWKSPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "no", http.StatusInternalServerError)
			}))
		}, "Couldn't fetch the signing keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, v, _ := setup(t)
			tt.setup(p)
			err := verify(v, p, p.Token(nil))
			if wicket.KindOf(err) != wicket.Unavailable || !strings.Contains(wicket.MessageOf(err), tt.wantMsg) {
				t.Fatalf("Verify: %v; want kind Unavailable and a message with %q", err, tt.wantMsg)
			}
			if !strings.Contains(wicket.MessageOf(err), p.URL) {
				t.Errorf("message %q does not name the issuer", wicket.MessageOf(err))
			}
		})
	}
}

func text(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) })
}

// After a failed fetch the provider is not asked again for every login.
func TestFailedFetchBackoff(t *testing.T) {
	p, v, clock := setup(t)
	p.Override(oidctest.DiscoveryPath, http.NotFoundHandler())
	for range 10 {
		if err := verify(v, p, p.Token(nil)); wicket.KindOf(err) != wicket.Unavailable {
			t.Fatalf("Verify: %v", err)
		}
	}
	if n := p.DiscoveryFetches(); n != 1 {
		t.Errorf("%d fetches of the discovery document, want 1", n)
	}
	p.Override(oidctest.DiscoveryPath, nil)
	clock.Advance(5 * time.Second)
	if err := verify(v, p, p.Token(nil)); err != nil {
		t.Fatal(err)
	}
}

// Concurrent verifications on a cold cache share one fetch.
func TestConcurrentVerifyOneFetch(t *testing.T) {
	p, v, _ := setup(t)
	const n = 32
	release := make(chan struct{})
	p.Override(oidctest.JWKSPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release // hold the fetch until every verification waits for it
		w.Write(p.JWKS())
	}))
	tokens := []string{
		p.Token(nil),
		p.TokenWith(oidctest.TokenOptions{Alg: "ES256"}),
		p.TokenWith(oidctest.TokenOptions{Alg: "PS384"}),
		p.TokenWith(oidctest.TokenOptions{Alg: "EdDSA"}),
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() { errs <- verify(v, p, tokens[i%len(tokens)]) })
	}
	for p.Fetches() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the rest join the fetch
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	wantFetches(t, p, 1)
	if n := p.DiscoveryFetches(); n != 1 {
		t.Errorf("%d fetches of the discovery document, want 1", n)
	}
}

// A token naming a made-up key forces a fetch; while the provider is slow
// to answer it, a token whose key is in the fresh cached set verifies
// without waiting, and only tokens that need the fetch wait for it, sharing
// it.
func TestRefreshDoesNotHoldUpCachedKeys(t *testing.T) {
	p, v, clock := setup(t)
	cachedKey := p.Token(nil)
	if err := verify(v, p, cachedKey); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	unblock := sync.OnceFunc(func() { close(release) })
	t.Cleanup(unblock) // before the provider's server closes
	p.Override(oidctest.JWKSPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
			w.Write(p.JWKS())
		case <-r.Context().Done():
		}
	}))
	clock.Advance(oidc.DefaultMinRefresh)
	forged := make(chan error, 1)
	go func() { forged <- verify(v, p, p.TokenWith(oidctest.TokenOptions{KID: "made-up"})) }()
	for p.Fetches() < 2 {
		time.Sleep(time.Millisecond)
	}

	cached := make(chan error, 1)
	go func() { cached <- verify(v, p, cachedKey) }()
	select {
	case err := <-cached:
		if err != nil {
			t.Fatalf("cached key during the refresh: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a token with a cached key waited for the refresh")
	}

	// A key rotated in is not in the cached set: its token waits for the
	// fetch under way and is verified by what it finds.
	p.RotateKey()
	rotated := make(chan error, 1)
	go func() { rotated <- verify(v, p, p.Token(nil)) }()
	select {
	case err := <-rotated:
		t.Fatalf("a token with a new key did not wait for the refresh: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	unblock()
	if err := <-rotated; err != nil {
		t.Errorf("new key after the refresh: %v", err)
	}
	if err := <-forged; !errors.Is(err, oidc.ErrSignature) {
		t.Errorf("made-up key: %v; want ErrSignature", err)
	}
	wantFetches(t, p, 2)
}

// A caller whose context ends stops waiting; the fetch goes on for the
// others.
func TestContextEnds(t *testing.T) {
	p, v, _ := setup(t)
	release := make(chan struct{})
	p.Override(oidctest.JWKSPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Write(p.JWKS())
	}))
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error)
	go func() {
		_, err := v.Verify(ctx, p.URL, []string{p.ClientID}, p.Token(nil))
		first <- err
	}()
	second := make(chan error)
	go func() { second <- verify(v, p, p.Token(nil)) }()
	for p.Fetches() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-first; wicket.KindOf(err) != wicket.Unavailable || !errors.Is(err, context.Canceled) {
		t.Errorf("canceled Verify: %v", err)
	}
	close(release)
	if err := <-second; err != nil {
		t.Errorf("the other Verify: %v", err)
	}
	wantFetches(t, p, 1)
}

func TestHTTPS(t *testing.T) {
	p := oidctest.NewTLS(t)
	v := oidc.NewVerifier(oidc.Options{HTTPClient: p.Client()})
	if err := verify(v, p, p.Token(nil)); err != nil {
		t.Fatalf("over HTTPS: %v", err)
	}

	// Without AllowHTTP, a key set on plain HTTP is refused, even when the
	// discovery document is on HTTPS.
	p2 := oidctest.NewTLS(t)
	plain := oidctest.New(t)
	p2.SetDiscovery(map[string]any{"jwks_uri": plain.URL + oidctest.JWKSPath})
	v2 := oidc.NewVerifier(oidc.Options{HTTPClient: p2.Client()})
	if err := verify(v2, p2, p2.Token(nil)); wicket.KindOf(err) != wicket.Unavailable {
		t.Fatalf("key set over HTTP: %v; want kind Unavailable", err)
	}
	if plain.Fetches() != 0 {
		t.Error("the HTTP key set was fetched")
	}

	// Nor does a redirect to HTTP help, whatever the client follows.
	p3 := oidctest.NewTLS(t)
	p3.Override(oidctest.JWKSPath, http.RedirectHandler(plain.URL+oidctest.JWKSPath, http.StatusFound))
	v3 := oidc.NewVerifier(oidc.Options{HTTPClient: p3.Client()})
	if err := verify(v3, p3, p3.Token(nil)); wicket.KindOf(err) != wicket.Unavailable {
		t.Fatalf("redirect to HTTP: %v; want kind Unavailable", err)
	}

	// An HTTP issuer needs AllowHTTP.
	v4 := oidc.NewVerifier(oidc.Options{})
	if err := verify(v4, plain, plain.Token(nil)); wicket.KindOf(err) != wicket.Invalid {
		t.Fatalf("HTTP issuer: %v; want kind Invalid", err)
	}
}

// The default client follows a redirect to HTTP when AllowHTTP.
func TestRedirectFollowed(t *testing.T) {
	p, _, _ := setup(t)
	target := oidctest.New(t)
	p.Override(oidctest.JWKSPath, http.RedirectHandler(target.URL+oidctest.JWKSPath, http.StatusFound))
	v := oidc.NewVerifier(oidc.Options{AllowHTTP: true})
	if err := verify(v, p, p.Token(nil)); !errors.Is(err, oidc.ErrSignature) {
		// target's keys are not p's.
		t.Fatalf("Verify: %v", err)
	}
	if target.Fetches() != 1 {
		t.Fatalf("%d fetches at the redirect target", target.Fetches())
	}
}

// A provider that publishes no key Wicket can use (only an HMAC secret,
// here) lets no token through.
func TestNoUsableKeys(t *testing.T) {
	p, v, clock := setup(t)
	p.Override(oidctest.JWKSPath, text(`{"keys":[{"kty":"oct","kid":"k1","k":"c2VjcmV0"}]}`))
	for _, tok := range []string{p.Token(nil), p.TokenWith(oidctest.TokenOptions{Alg: "HS256", HMACKey: []byte("secret")})} {
		if _, err := v.Verify(context.Background(), p.URL, []string{p.ClientID}, tok); err == nil || wicket.KindOf(err) != wicket.Unauthenticated {
			t.Errorf("Verify: %v; want kind Unauthenticated", err)
		}
	}
	clock.Advance(oidc.DefaultMinRefresh)
	if err := verify(v, p, p.Token(nil)); !errors.Is(err, oidc.ErrSignature) {
		t.Errorf("Verify after a refresh: %v; want ErrSignature", err)
	}
	wantFetches(t, p, 2)
}
