package oidc

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/wicket-io/wicket/internal/oidctest"
)

func TestParseJWKS(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	smallRSA, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	b64 := base64.RawURLEncoding.EncodeToString

	// with returns the JWK of pub with members changed (nil deletes).
	with := func(kid string, pub any, change map[string]any) map[string]any {
		j := oidctest.JWK(kid, pub)
		for k, v := range change {
			if v == nil {
				delete(j, k)
			} else {
				j[k] = v
			}
		}
		return j
	}
	ecJWK := oidctest.JWK("ec", &ecKey.PublicKey)
	tests := []struct {
		name string
		jwk  map[string]any
		ok   bool
	}{
		{"RSA", with("r", &rsaKey.PublicKey, nil), true},
		{"RSA with alg", with("r", &rsaKey.PublicKey, map[string]any{"alg": "RS256"}), true},
		{"RSA without use", with("r", &rsaKey.PublicKey, map[string]any{"use": nil}), true},
		{"RSA with key_ops verify", with("r", &rsaKey.PublicKey, map[string]any{"use": nil, "key_ops": []string{"verify"}}), true},
		{"RSA padded n (tolerated from a provider)", with("r", &rsaKey.PublicKey, map[string]any{"n": b64(rsaKey.N.Bytes()) + "=="}), true},
		{"EC P-384", with("e", &ecKey.PublicKey, nil), true},
		{"Ed25519", with("o", edPub, nil), true},
		{"RSA of 1024 bits", with("r", &smallRSA.PublicKey, nil), false},
		{"RSA for encryption", with("r", &rsaKey.PublicKey, map[string]any{"use": "enc"}), false},
		{"RSA with key_ops encrypt", with("r", &rsaKey.PublicKey, map[string]any{"key_ops": []string{"encrypt"}}), false},
		{"RSA for HS256", with("r", &rsaKey.PublicKey, map[string]any{"alg": "HS256"}), false},
		{"RSA for alg none", with("r", &rsaKey.PublicKey, map[string]any{"alg": "none"}), false},
		{"RSA even exponent", with("r", &rsaKey.PublicKey, map[string]any{"e": b64([]byte{1, 0, 0})}), false},
		{"RSA exponent of 5 bytes", with("r", &rsaKey.PublicKey, map[string]any{"e": b64([]byte{1, 0, 0, 0, 1})}), false},
		{"RSA without n", with("r", &rsaKey.PublicKey, map[string]any{"n": nil}), false},
		{"RSA n not base64url", with("r", &rsaKey.PublicKey, map[string]any{"n": "a+b/"}), false},
		{"HMAC key (oct)", map[string]any{"kty": "oct", "kid": "h", "k": b64([]byte("secret"))}, false},
		{"EC on the wrong curve", with("e", &ecKey.PublicKey, map[string]any{"crv": "P-256"}), false},
		{"EC unknown curve", with("e", &ecKey.PublicKey, map[string]any{"crv": "secp256k1"}), false},
		{"EC x short", with("e", &ecKey.PublicKey, map[string]any{"x": ecJWK["x"].(string)[4:]}), false},
		{"EC point not on the curve", with("e", &ecKey.PublicKey, map[string]any{"y": ecJWK["x"]}), false},
		{"OKP X25519", with("o", edPub, map[string]any{"crv": "X25519"}), false},
		{"OKP short", with("o", edPub, map[string]any{"x": b64(edPub[:31])}), false},
		{"unknown kty", map[string]any{"kty": "PQC", "kid": "q"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"keys": []any{tt.jwk}})
			keys, err := parseJWKS(body)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(keys) == 1; got != tt.ok {
				t.Fatalf("%d keys from %v", len(keys), tt.jwk)
			}
		})
	}

	// A set with unusable keys keeps the usable ones.
	body, _ := json.Marshal(map[string]any{"keys": []any{
		map[string]any{"kty": "oct", "k": "c2VjcmV0"}, "not an object", with("r", &rsaKey.PublicKey, nil), ecJWK,
	}})
	if keys, err := parseJWKS(body); err != nil || len(keys) != 2 {
		t.Errorf("mixed set: %d keys, %v", len(keys), err)
	}

	// Past maxKeys, the rest are ignored.
	var many []any
	for i := range maxKeys + 10 {
		many = append(many, maps.Clone(with(fmt.Sprint(i), edPub, nil)))
	}
	body, _ = json.Marshal(map[string]any{"keys": many})
	if keys, _ := parseJWKS(body); len(keys) != maxKeys {
		t.Errorf("%d keys kept from %d", len(keys), len(many))
	}
}

func TestKeyFits(t *testing.T) {
	rsaKey := &key{rsa: &rsa.PublicKey{}}
	rs256Only := &key{rsa: &rsa.PublicKey{}, alg: "RS256"}
	p256 := &key{ec: &ecdsa.PublicKey{}, crv: "P-256"}
	p521 := &key{ec: &ecdsa.PublicKey{}, crv: "P-521"}
	ed := &key{ed: make(ed25519.PublicKey, 32), crv: "Ed25519"}
	for _, tt := range []struct {
		k    *key
		alg  string
		fits bool
	}{
		{rsaKey, "RS256", true}, {rsaKey, "PS512", true}, {rsaKey, "ES256", false}, {rsaKey, "EdDSA", false}, {rsaKey, "HS256", false},
		{rs256Only, "RS256", true}, {rs256Only, "PS256", false}, {rs256Only, "RS512", false},
		{p256, "ES256", true}, {p256, "ES384", false}, {p256, "RS256", false},
		{p521, "ES512", true}, {p521, "ES256", false},
		{ed, "EdDSA", true}, {ed, "ES256", false}, {ed, "none", false},
	} {
		if got := tt.k.fits(tt.alg); got != tt.fits {
			t.Errorf("key %+v fits %s = %v", tt.k, tt.alg, got)
		}
	}
}

// WithSkew changes only the allowance: the keys fetched through either
// Verifier serve both.
func TestWithSkewSharesKeys(t *testing.T) {
	v := NewVerifier(Options{})
	w := v.WithSkew(5 * time.Minute)
	if w.o.Skew != 5*time.Minute || v.o.Skew != DefaultSkew || w.issuerState("https://idp.example") != v.issuerState("https://idp.example") {
		t.Errorf("WithSkew: skews %v and %v, shared cache %v", v.o.Skew, w.o.Skew, w.cache == v.cache)
	}
}
