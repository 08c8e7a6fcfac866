package oidc_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/internal/oidctest"
	"github.com/wicket-io/wicket/oidc"
)

// fakeClock is a wicket.Clock that moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// setup returns a provider and a verifier that share a fake clock.
func setup(t *testing.T) (*oidctest.Provider, *oidc.Verifier, *fakeClock) {
	t.Helper()
	clock := newClock()
	p := oidctest.New(t)
	p.Now = clock.Now
	v := oidc.NewVerifier(oidc.Options{AllowHTTP: true, Clock: clock})
	return p, v, clock
}

// withPart replaces part i of a token (0 header, 1 payload, 2 signature),
// keeping the rest.
func withPart(token string, i int, part string) string {
	parts := strings.Split(token, ".")
	parts[i] = part
	return strings.Join(parts, ".")
}

func enc(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// flipPaddingBit changes the last character of a base64url part so that
// only bits past the encoded data differ: the same bytes, spelled another
// way.
func flipPaddingBit(part string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, part[len(part)-1])
	return part[:len(part)-1] + string(alphabet[last^1])
}

func TestVerify(t *testing.T) {
	p, v, clock := setup(t)
	now := clock.Now().Unix()
	ctx := context.Background()
	good := p.Token(nil)
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

	tests := []struct {
		name    string
		token   string
		wantErr error  // nil: the token passes
		wantMsg string // the client message, when it is worth pinning
	}{
		// Good tokens, one per algorithm.
		{name: "RS256 good", token: good},
		{name: "RS384 good", token: p.TokenWith(oidctest.TokenOptions{Alg: "RS384"})},
		{name: "RS512 good", token: p.TokenWith(oidctest.TokenOptions{Alg: "RS512"})},
		{name: "PS256 good", token: p.TokenWith(oidctest.TokenOptions{Alg: "PS256"})},
		{name: "PS384 good", token: p.TokenWith(oidctest.TokenOptions{Alg: "PS384"})},
		{name: "PS512 good", token: p.TokenWith(oidctest.TokenOptions{Alg: "PS512"})},
		{name: "ES256 good", token: p.TokenWith(oidctest.TokenOptions{Alg: "ES256"})},
		{name: "ES384 good", token: p.TokenWith(oidctest.TokenOptions{Alg: "ES384"})},
		{name: "ES512 good", token: p.TokenWith(oidctest.TokenOptions{Alg: "ES512"})},
		{name: "EdDSA good", token: p.TokenWith(oidctest.TokenOptions{Alg: "EdDSA"})},
		{name: "no kid: every RSA key is tried", token: p.TokenWith(oidctest.TokenOptions{NoKID: true})},
		{name: "aud array holding ours", token: p.Token(map[string]any{"aud": []string{"other", oidctest.ClientID}})},
		{name: "aud array, azp ours", token: p.Token(map[string]any{"aud": []string{"other", oidctest.ClientID}, "azp": oidctest.ClientID})},
		{name: "one aud, azp another client (Google cross-client)", token: p.Token(map[string]any{"azp": "android-client"})},
		{name: "expired within skew", token: p.Token(map[string]any{"exp": now - 59})},
		{name: "nbf within skew", token: p.Token(map[string]any{"nbf": now + 59})},
		{name: "iat within skew", token: p.Token(map[string]any{"iat": now + 59})},
		{name: "fractional NumericDate", token: p.Token(map[string]any{"exp": float64(now) + 600.5})},

		// Time.
		{name: "expired", token: p.Token(map[string]any{"exp": now - 61}), wantErr: oidc.ErrExpired,
			wantMsg: fmt.Sprintf("Invalid login token. Token expired: %d >= %d", now, now-61)},
		{name: "not yet valid (nbf)", token: p.Token(map[string]any{"nbf": now + 61}), wantErr: oidc.ErrNotYetValid,
			wantMsg: fmt.Sprintf("Invalid login token. Token is not valid yet: %d < %d", now, now+61)},
		{name: "issued in the future (iat)", token: p.Token(map[string]any{"iat": now + 61}), wantErr: oidc.ErrNotYetValid,
			wantMsg: fmt.Sprintf("Invalid login token. Token was issued in the future: %d < %d", now, now+61)},
		{name: "exp a string", token: p.Token(map[string]any{"exp": fmt.Sprint(now + 600)}), wantErr: oidc.ErrMalformed,
			wantMsg: "Invalid login token. Claim is not valid: exp"},
		{name: "exp negative", token: p.Token(map[string]any{"exp": -1}), wantErr: oidc.ErrMalformed},
		{name: "exp past year 9999", token: p.Token(map[string]any{"exp": 1e300}), wantErr: oidc.ErrMalformed},

		// Claims.
		{name: "wrong issuer", token: p.Token(map[string]any{"iss": "https://evil.example"}), wantErr: oidc.ErrIssuer,
			wantMsg: "Invalid login token. Issuer doesn't match providerName"},
		{name: "issuer with a trailing slash", token: p.Token(map[string]any{"iss": p.URL + "/"}), wantErr: oidc.ErrIssuer},
		{name: "wrong audience", token: p.Token(map[string]any{"aud": "other-client"}), wantErr: oidc.ErrAudience,
			wantMsg: "Invalid login token. Incorrect token audience."},
		{name: "aud array without ours", token: p.Token(map[string]any{"aud": []string{"a", "b"}}), wantErr: oidc.ErrAudience},
		{name: "aud array, azp another", token: p.Token(map[string]any{"aud": []string{"other", oidctest.ClientID}, "azp": "other"}),
			wantErr: oidc.ErrAudience, wantMsg: "Invalid login token. Incorrect authorized party (azp)."},
		{name: "aud empty array", token: p.Token(map[string]any{"aud": []string{}}), wantErr: oidc.ErrMalformed},
		{name: "aud a number", token: p.Token(map[string]any{"aud": 7}), wantErr: oidc.ErrMalformed},
		{name: "missing aud", token: p.Token(map[string]any{"aud": nil}), wantErr: oidc.ErrMissingClaim,
			wantMsg: "Invalid login token. Missing a required claim: aud"},
		{name: "missing iss", token: p.Token(map[string]any{"iss": nil}), wantErr: oidc.ErrMissingClaim},
		{name: "missing sub", token: p.Token(map[string]any{"sub": nil}), wantErr: oidc.ErrMissingClaim},
		{name: "empty sub", token: p.Token(map[string]any{"sub": ""}), wantErr: oidc.ErrMalformed},
		{name: "missing exp", token: p.Token(map[string]any{"exp": nil}), wantErr: oidc.ErrMissingClaim},
		{name: "missing iat", token: p.Token(map[string]any{"iat": nil}), wantErr: oidc.ErrMissingClaim},
		{name: "sub named twice", wantErr: oidc.ErrMalformed, token: p.TokenWith(oidctest.TokenOptions{RawPayload: fmt.Appendf(nil,
			`{"iss":%q,"aud":%q,"sub":"alice","sub":"admin","iat":%d,"exp":%d}`, p.URL, oidctest.ClientID, now, now+600)})},
		{name: "payload not an object", token: p.TokenWith(oidctest.TokenOptions{RawPayload: []byte(`["iss"]`)}), wantErr: oidc.ErrMalformed},
		{name: "payload with data after it", wantErr: oidc.ErrMalformed, token: p.TokenWith(oidctest.TokenOptions{RawPayload: fmt.Appendf(nil,
			`{"iss":%q,"aud":%q,"sub":"a","iat":%d,"exp":%d}{}`, p.URL, oidctest.ClientID, now, now+600)})},
		{name: "payload not UTF-8", wantErr: oidc.ErrMalformed, token: p.TokenWith(oidctest.TokenOptions{RawPayload: fmt.Appendf(nil,
			`{"iss":%q,"aud":%q,"sub":"a\xff","iat":%d,"exp":%d}`, p.URL, oidctest.ClientID, now, now+600)})},

		// Algorithms.
		{name: "alg none", token: p.TokenWith(oidctest.TokenOptions{Alg: "none"}), wantErr: oidc.ErrAlgorithm,
			wantMsg: "Invalid login token. Token signing algorithm is not allowed."},
		{name: "alg none with a signature", token: p.TokenWith(oidctest.TokenOptions{Alg: "none", Signature: []byte("x")}), wantErr: oidc.ErrAlgorithm},
		{name: "alg None", token: p.TokenWith(oidctest.TokenOptions{Alg: "None"}), wantErr: oidc.ErrAlgorithm},
		{name: "HS256 signed with the public key (key confusion)", token: p.TokenWith(oidctest.TokenOptions{Alg: "HS256"}), wantErr: oidc.ErrAlgorithm},
		{name: "HS512 signed with the public key", token: p.TokenWith(oidctest.TokenOptions{Alg: "HS512"}), wantErr: oidc.ErrAlgorithm},
		{name: "alg rs256", token: p.TokenWith(oidctest.TokenOptions{Alg: "rs256"}), wantErr: oidc.ErrAlgorithm},
		{name: "no alg", token: p.TokenWith(oidctest.TokenOptions{Header: map[string]any{"alg": nil}}), wantErr: oidc.ErrAlgorithm},
		{name: "alg not a string", token: p.TokenWith(oidctest.TokenOptions{Header: map[string]any{"alg": 256}}), wantErr: oidc.ErrMalformed},
		{name: "crit header", token: p.TokenWith(oidctest.TokenOptions{Header: map[string]any{"crit": []string{"exp"}, "exp": 1}}), wantErr: oidc.ErrAlgorithm},
		{name: "access token (typ at+jwt)", token: p.TokenWith(oidctest.TokenOptions{Header: map[string]any{"typ": "at+jwt"}}), wantErr: oidc.ErrAlgorithm},
		{name: "nested JWT", token: p.TokenWith(oidctest.TokenOptions{Header: map[string]any{"cty": "JWT"}}), wantErr: oidc.ErrAlgorithm},
		{name: "alg named twice", wantErr: oidc.ErrMalformed, token: p.TokenWith(oidctest.TokenOptions{
			RawHeader: []byte(`{"alg":"RS256","kid":"k1","alg":"none"}`)})},

		// Keys and signatures.
		{name: "ES256 header on the RSA key", token: p.TokenWith(oidctest.TokenOptions{Alg: "ES256", KID: oidctest.KeyRSA, Key: otherKey}),
			wantErr: oidc.ErrSignature, wantMsg: "Invalid login token. Couldn't verify signed token."},
		{name: "RS256 header on the EC key", token: p.TokenWith(oidctest.TokenOptions{KID: oidctest.KeyES256}), wantErr: oidc.ErrSignature},
		{name: "ES384 on the P-256 key", token: p.TokenWith(oidctest.TokenOptions{Alg: "ES384", KID: oidctest.KeyES256}), wantErr: oidc.ErrSignature},
		{name: "PS256 signature, RS256 header", token: withPart(good, 2, strings.Split(p.TokenWith(oidctest.TokenOptions{Alg: "PS256"}), ".")[2]), wantErr: oidc.ErrSignature},
		{name: "signed by a key the provider does not publish", token: p.TokenWith(oidctest.TokenOptions{Alg: "ES256", Key: otherKey}), wantErr: oidc.ErrSignature},
		{name: "tampered payload", wantErr: oidc.ErrSignature,
			token: withPart(good, 1, strings.Split(p.Token(map[string]any{"sub": "admin"}), ".")[1])},
		{name: "tampered header", wantErr: oidc.ErrSignature,
			token: withPart(good, 0, enc(`{"alg":"RS256","kid":"k1","typ":"JWT","x":1}`))},
		{name: "empty signature", token: withPart(good, 2, ""), wantErr: oidc.ErrSignature},
		{name: "truncated signature", token: good[:len(good)-1], wantErr: oidc.ErrMalformed},
		{name: "truncated by a part", token: good[:strings.LastIndexByte(good, '.')], wantErr: oidc.ErrMalformed,
			wantMsg: "Invalid login token. Not a valid OpenId Connect identity token."},
		{name: "four parts", token: good + ".x", wantErr: oidc.ErrMalformed},
		{name: "padded", token: good + "==", wantErr: oidc.ErrMalformed},
		{name: "same bytes, other base64 spelling", token: flipPaddingBit(good), wantErr: oidc.ErrMalformed},
		{name: "a newline inside", token: good[:20] + "\n" + good[20:], wantErr: oidc.ErrMalformed},
		{name: "standard base64 alphabet", token: withPart(good, 0, strings.ReplaceAll(strings.Split(good, ".")[0], "_", "/")+"+"), wantErr: oidc.ErrMalformed},
		{name: "empty", token: "", wantErr: oidc.ErrMalformed},
		{name: "header not JSON", token: withPart(good, 0, enc("RS256")), wantErr: oidc.ErrMalformed},
		{name: "too large", token: p.Token(map[string]any{"pad": strings.Repeat("x", oidc.MaxTokenSize)}), wantErr: oidc.ErrMalformed,
			wantMsg: "Invalid login token. Token is larger than 16384 bytes."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := v.Verify(ctx, p.URL, []string{oidctest.ClientID}, tt.token)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if tok.Issuer != p.URL || tok.Subject != oidctest.Subject || tok.Expiry.IsZero() || tok.IssuedAt.IsZero() {
					t.Errorf("Verify = %+v", tok)
				}
				return
			}
			if err == nil {
				t.Fatalf("Verify passed; want %v", tt.wantErr)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Verify: %v; want %v", err, tt.wantErr)
			}
			if k := wicket.KindOf(err); k != wicket.Unauthenticated {
				t.Errorf("kind %v, want %v", k, wicket.Unauthenticated)
			}
			msg := wicket.MessageOf(err)
			if !strings.HasPrefix(msg, "Invalid login token. ") {
				t.Errorf("message %q", msg)
			}
			if tt.wantMsg != "" && msg != tt.wantMsg {
				t.Errorf("message %q, want %q", msg, tt.wantMsg)
			}
		})
	}
	if n := p.Fetches(); n > 2 {
		// One fetch, and one refresh for the first unknown key: MinRefresh
		// holds back the rest.
		t.Errorf("%d fetches of the key set", n)
	}
}

func TestVerifyClaims(t *testing.T) {
	p, v, clock := setup(t)
	now := clock.Now()
	tok, err := v.Verify(context.Background(), p.URL, []string{"x", oidctest.ClientID}, p.Token(map[string]any{
		"aud":                    []string{oidctest.ClientID, "other"},
		"nbf":                    now.Unix() - 10,
		"email":                  "ana@example.com",
		"groups":                 []string{"admins", "staff"},
		"cognito:roles":          []string{"arn:aws:iam::123456789012:role/a"},
		"cognito:preferred_role": "arn:aws:iam::123456789012:role/a",
		"big":                    uint64(1) << 60,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(tok.Audience); got != "["+oidctest.ClientID+" other]" {
		t.Errorf("Audience = %s", got)
	}
	if !tok.Expiry.Equal(now.Add(time.Hour)) || !tok.IssuedAt.Equal(now) || !tok.NotBefore.Equal(now.Add(-10*time.Second)) {
		t.Errorf("times %v %v %v", tok.Expiry, tok.IssuedAt, tok.NotBefore)
	}
	if tok.Claims["email"] != "ana@example.com" || fmt.Sprint(tok.Claims["groups"]) != "[admins staff]" ||
		tok.Claims["cognito:preferred_role"] != "arn:aws:iam::123456789012:role/a" {
		t.Errorf("Claims = %v", tok.Claims)
	}
	if got := fmt.Sprint(tok.Claims["big"]); got != "1152921504606846976" {
		t.Errorf("big = %s: numbers must keep every digit", got)
	}
}

func TestNoAudiencesAllowed(t *testing.T) {
	p, v, _ := setup(t)
	_, err := v.Verify(context.Background(), p.URL, nil, p.Token(nil))
	if !errors.Is(err, oidc.ErrAudience) {
		t.Fatalf("Verify with no audiences: %v", err)
	}
}

func TestSkewOption(t *testing.T) {
	p := oidctest.New(t)
	clock := newClock()
	p.Now = clock.Now
	now := clock.Now().Unix()
	for _, tt := range []struct {
		skew time.Duration
		exp  int64
		ok   bool
	}{
		{0, now - 59, true}, // the default, 60 s
		{0, now - 60, false},
		{-1, now, false}, // none: expired at exp
		{-1, now + 1, true},
		{5 * time.Minute, now - 299, true},
		{5 * time.Minute, now - 300, false},
	} {
		v := oidc.NewVerifier(oidc.Options{AllowHTTP: true, Clock: clock, Skew: tt.skew})
		_, err := v.Verify(context.Background(), p.URL, []string{oidctest.ClientID}, p.Token(map[string]any{"exp": tt.exp}))
		if (err == nil) != tt.ok {
			t.Errorf("skew %v, exp now%+d: %v", tt.skew, tt.exp-now, err)
		}
	}
}

func TestBadIssuer(t *testing.T) {
	v := oidc.NewVerifier(oidc.Options{})
	for _, iss := range []string{
		"", "accounts.google.com", "http://idp.example", "ftp://idp.example", "https://", "https://idp.example?x=1",
		"https://idp.example#f", "https://user@idp.example", "https://idp.example/%zz",
	} {
		_, err := v.Verify(context.Background(), iss, []string{"a"}, "x.y.z")
		if wicket.KindOf(err) != wicket.Invalid {
			t.Errorf("issuer %q: %v; want kind Invalid", iss, err)
		}
	}
}
