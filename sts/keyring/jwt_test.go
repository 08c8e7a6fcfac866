package keyring

import (
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
)

func openIDClaims() map[string]any {
	return map[string]any{
		"iss": "https://wicket.example.com",
		"sub": "us-east-1:4f6a3c1e-9b0d-4d8e-a2f1-7c5b9e0d3a61",
		"aud": "us-east-1:0c2b7d4a-5e6f-4a8b-9c1d-2e3f4a5b6c7d",
		"amr": []string{"unauthenticated"},
		"iat": t0.Unix(),
		"exp": t0.Add(10 * time.Minute).Unix(),
	}
}

func signJWT(t *testing.T, k *Keyring, claims map[string]any) string {
	t.Helper()
	tok, err := k.SignJWT(claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// parseJWKS reads a JWKS the way a relying party would, without the
// package's own code.
func parseJWKS(t *testing.T, b []byte) map[string]*rsa.PublicKey {
	t.Helper()
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatal(err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k["kty"] != "RSA" || k["use"] != "sig" || k["alg"] != "RS256" || k["kid"] == "" || len(k) != 6 {
			t.Errorf("JWK %v", k)
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k["n"])
		e, err2 := base64.RawURLEncoding.DecodeString(k["e"])
		if err1 != nil || err2 != nil || strings.ContainsAny(k["n"]+k["e"], "=+/") {
			t.Fatalf("JWK n or e is not unpadded base64url: %v", k)
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() != 2048 || pub.E != 65537 {
			t.Errorf("JWK %s: %d bits, e = %d", k["kid"], pub.N.BitLen(), pub.E)
		}
		keys[k["kid"]] = pub
	}
	return keys
}

func TestSignJWTVerifiesIndependently(t *testing.T) {
	k := newKeyring(t)
	tok := signJWT(t, k, openIDClaims())
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("%d parts", len(parts))
	}
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := k.JWKS()
	if err != nil {
		t.Fatal(err)
	}
	keys := parseJWKS(t, jwks)
	if len(keys) != 1 {
		t.Fatalf("JWKS of a new keyring has %d keys", len(keys))
	}
	var kid string
	for kid = range keys {
	}
	if want := `{"alg":"RS256","kid":"` + kid + `","typ":"JWT"}`; string(header) != want {
		t.Errorf("header %s, want %s", header, want)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(keys[kid], crypto.SHA256, digest[:], sig); err != nil {
		t.Errorf("signature: %v", err)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var got map[string]any
	if err := json.Unmarshal(payload, &got); err != nil || got["sub"] != openIDClaims()["sub"] {
		t.Errorf("payload %s", payload)
	}

	claims, err := k.VerifyJWT(tok, t0)
	if err != nil {
		t.Fatal(err)
	}
	if claims["sub"] != openIDClaims()["sub"] || claims["exp"] != float64(t0.Add(10*time.Minute).Unix()) {
		t.Errorf("VerifyJWT = %v", claims)
	}
}

// forge makes a token with the given header and payload and a signature
// made by sign over them.
func forge(header, payload string, sign func(input []byte) []byte) string {
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	return input + "." + enc.EncodeToString(sign([]byte(input)))
}

func TestVerifyJWTRefuses(t *testing.T) {
	k := newKeyring(t)
	set := k.signing.Load()
	sk := set.keys[0]
	pubDER, _ := x509.MarshalPKIXPublicKey(&sk.key.PublicKey)
	rs256 := func(key *rsa.PrivateKey) func([]byte) []byte {
		return func(in []byte) []byte {
			d := sha256.Sum256(in)
			sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, d[:])
			if err != nil {
				t.Fatal(err)
			}
			return sig
		}
	}
	hs256 := func(key []byte) func([]byte) []byte {
		return func(in []byte) []byte {
			m := hmac.New(sha256.New, key)
			m.Write(in)
			return m.Sum(nil)
		}
	}
	none := func([]byte) []byte { return nil }
	valid := `{"sub":"x","exp":` + jsonNum(t0.Add(time.Hour).Unix()) + `}`
	goodHeader := `{"alg":"RS256","kid":"` + sk.kid + `","typ":"JWT"}`
	other := newKeyring(t).signing.Load().keys[0]

	good := forge(goodHeader, valid, rs256(sk.key))
	if _, err := k.VerifyJWT(good, t0); err != nil {
		t.Fatalf("the forger itself is broken: %v", err)
	}
	tok := signJWT(t, k, openIDClaims())
	parts := strings.Split(tok, ".")
	tamperedPayload := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"admin","exp":` + jsonNum(t0.Add(time.Hour).Unix()) + `}`))

	tests := []struct {
		name, token string
		want        error
	}{
		{"alg none", forge(`{"alg":"none","kid":"`+sk.kid+`","typ":"JWT"}`, valid, none), ErrInvalidToken},
		{"alg none, no kid", forge(`{"alg":"none"}`, valid, none), ErrInvalidToken},
		{"HS256 with the public key (PKIX DER)", forge(`{"alg":"HS256","kid":"`+sk.kid+`","typ":"JWT"}`, valid, hs256(pubDER)), ErrInvalidToken},
		{"HS256 with the public key (n)", forge(`{"alg":"HS256","kid":"`+sk.kid+`","typ":"JWT"}`, valid, hs256(sk.key.N.Bytes())), ErrInvalidToken},
		{"HS256 with the JWKS", forge(`{"alg":"HS256","kid":"`+sk.kid+`","typ":"JWT"}`, valid, hs256(set.jwks)), ErrInvalidToken},
		{"RS512 header", forge(`{"alg":"RS512","kid":"`+sk.kid+`","typ":"JWT"}`, valid, rs256(sk.key)), ErrInvalidToken},
		{"lowercase alg", forge(`{"alg":"rs256","kid":"`+sk.kid+`","typ":"JWT"}`, valid, rs256(sk.key)), ErrInvalidToken},
		{"crit", forge(`{"alg":"RS256","kid":"`+sk.kid+`","typ":"JWT","crit":["x"],"x":1}`, valid, rs256(sk.key)), ErrInvalidToken},
		{"other typ", forge(`{"alg":"RS256","kid":"`+sk.kid+`","typ":"at+jwt"}`, valid, rs256(sk.key)), ErrInvalidToken},
		{"unknown kid", forge(`{"alg":"RS256","kid":"nope","typ":"JWT"}`, valid, rs256(sk.key)), ErrInvalidToken},
		{"another issuer's key", forge(`{"alg":"RS256","kid":"`+other.kid+`","typ":"JWT"}`, valid, rs256(other.key)), ErrInvalidToken},
		{"another key under our kid", forge(goodHeader, valid, rs256(other.key)), ErrInvalidToken},
		{"tampered payload", parts[0] + "." + tamperedPayload + "." + parts[2], ErrInvalidToken},
		{"payload of another token", parts[0] + "." + strings.Split(good, ".")[1] + "." + parts[2], ErrInvalidToken},
		{"no signature", parts[0] + "." + parts[1] + ".", ErrInvalidToken},
		{"two parts", parts[0] + "." + parts[1], ErrInvalidToken},
		{"four parts", tok + ".x", ErrInvalidToken},
		{"padded signature", tok + "==", ErrInvalidToken},
		{"JWS JSON serialization", `{"payload":"` + parts[1] + `"}`, ErrInvalidToken},
		{"no exp", forge(goodHeader, `{"sub":"x"}`, rs256(sk.key)), ErrInvalidToken},
		{"string exp", forge(goodHeader, `{"sub":"x","exp":"`+jsonNum(t0.Add(time.Hour).Unix())+`"}`, rs256(sk.key)), ErrInvalidToken},
		{"not an object", forge(goodHeader, `[1]`, rs256(sk.key)), ErrInvalidToken},
		{"null", forge(goodHeader, `null`, rs256(sk.key)), ErrInvalidToken},
		{"expired", forge(goodHeader, `{"exp":`+jsonNum(t0.Add(-JWTSkew).Unix())+`}`, rs256(sk.key)), ErrExpiredToken},
		{"expired long ago", forge(goodHeader, `{"exp":0}`, rs256(sk.key)), ErrExpiredToken},
		{"not yet valid", forge(goodHeader, `{"exp":`+jsonNum(t0.Add(time.Hour).Unix())+`,"nbf":`+jsonNum(t0.Add(JWTSkew+time.Second).Unix())+`}`, rs256(sk.key)), ErrInvalidToken},
		{"string nbf", forge(goodHeader, `{"exp":`+jsonNum(t0.Add(time.Hour).Unix())+`,"nbf":"0"}`, rs256(sk.key)), ErrInvalidToken},
		{"too long", forge(goodHeader, `{"exp":`+jsonNum(t0.Add(time.Hour).Unix())+`,"x":"`+strings.Repeat("x", MaxJWTLen)+`"}`, rs256(sk.key)), ErrInvalidToken},
		{"empty", "", ErrInvalidToken},
	}
	for _, tt := range tests {
		claims, err := k.VerifyJWT(tt.token, t0)
		if !errors.Is(err, tt.want) || claims != nil {
			t.Errorf("%s: VerifyJWT = %v, %v; want %v", tt.name, claims, err, tt.want)
		}
		want := wicket.Unauthenticated
		if tt.want == ErrExpiredToken {
			want = wicket.Expired
		}
		if wicket.KindOf(err) != want {
			t.Errorf("%s: kind %v, want %v", tt.name, wicket.KindOf(err), want)
		}
	}
}

func jsonNum(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestVerifyJWTSkew(t *testing.T) {
	k := newKeyring(t)
	exp := t0.Add(10 * time.Minute)
	tok := signJWT(t, k, map[string]any{"exp": exp.Unix(), "nbf": t0.Unix()})
	for _, tt := range []struct {
		now  time.Time
		want error
	}{
		{t0.Add(-JWTSkew), nil},
		{t0.Add(-JWTSkew - time.Nanosecond), ErrInvalidToken},
		{exp, nil},
		{exp.Add(JWTSkew - time.Nanosecond), nil},
		{exp.Add(JWTSkew), ErrExpiredToken},
	} {
		_, err := k.VerifyJWT(tok, tt.now)
		if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
			t.Errorf("at %v: %v, want %v", tt.now, err, tt.want)
		}
	}
}

func TestSignJWTRefuses(t *testing.T) {
	k := newKeyring(t)
	for _, claims := range []map[string]any{
		nil,
		{"sub": "x"},
		{"exp": "1700000000"},
		{"exp": 1, "bad": make(chan int)},
	} {
		if _, err := k.SignJWT(claims); wicket.KindOf(err) != wicket.Invalid {
			t.Errorf("SignJWT(%v) = %v, want an Invalid error", claims, err)
		}
	}
}

func TestSigningKeyRotation(t *testing.T) {
	dir := t.TempDir()
	k := open(t, dir, Options{})
	first := signJWT(t, k, openIDClaims())
	jwks0, _ := k.JWKS()
	kid0 := onlyKid(t, parseJWKS(t, jwks0))

	if err := k.RotateSigningKey(); err != nil {
		t.Fatal(err)
	}
	second := signJWT(t, k, openIDClaims())
	jwks1, _ := k.JWKS()
	keys := parseJWKS(t, jwks1)
	if len(keys) != 2 || keys[kid0] == nil {
		t.Fatalf("after a rotation the JWKS has %d keys (old one there: %v)", len(keys), keys[kid0] != nil)
	}
	if headerKid(t, second) == kid0 || keys[headerKid(t, second)] == nil {
		t.Errorf("a new token is signed by %s; the old key is %s", headerKid(t, second), kid0)
	}
	var set struct{ Keys []struct{ Kid string } }
	json.Unmarshal(jwks1, &set)
	if set.Keys[0].Kid != headerKid(t, second) {
		t.Error("the JWKS does not list the signing key first")
	}
	for _, tok := range []string{first, second} {
		if _, err := k.VerifyJWT(tok, t0); err != nil {
			t.Errorf("after a rotation: %v", err)
		}
	}
	// Persisted.
	k2 := open(t, dir, Options{})
	if j, _ := k2.JWKS(); string(j) != string(jwks1) {
		t.Error("the rotated signing keys were not persisted")
	}
	if _, err := k2.VerifyJWT(second, t0); err != nil {
		t.Error(err)
	}

	// A second rotation drops the first key.
	if err := k.RotateSigningKey(); err != nil {
		t.Fatal(err)
	}
	jwks2, _ := k.JWKS()
	keys = parseJWKS(t, jwks2)
	if len(keys) != 2 || keys[kid0] != nil {
		t.Errorf("after two rotations the JWKS has %d keys (the first one there: %v)", len(keys), keys[kid0] != nil)
	}
	if _, err := k.VerifyJWT(first, t0); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("a token of a dropped key: %v", err)
	}
	if _, err := k.VerifyJWT(second, t0); err != nil {
		t.Errorf("a token of the previous key: %v", err)
	}
}

func onlyKid(t *testing.T, keys map[string]*rsa.PublicKey) string {
	t.Helper()
	if len(keys) != 1 {
		t.Fatalf("%d keys", len(keys))
	}
	for kid := range keys {
		return kid
	}
	return ""
}

func headerKid(t *testing.T, tok string) string {
	t.Helper()
	h, _, _ := strings.Cut(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	var hdr struct{ Kid string }
	json.Unmarshal(b, &hdr)
	return hdr.Kid
}
