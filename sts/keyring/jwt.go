package keyring

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/wicket-io/wicket"
)

const (
	// MaxJWTLen bounds the tokens VerifyJWT reads.
	MaxJWTLen = 16 << 10
	// JWTSkew is how far past exp, or before nbf, VerifyJWT still accepts
	// a token, for clocks that disagree.
	JWTSkew = 60 * time.Second
)

var b64url = base64.RawURLEncoding.Strict()

// signingKey is an RSA key that signs OpenID tokens, and its key id: the
// RFC 7638 thumbprint of its public key, so that the kid follows from the
// key and never disagrees with it.
type signingKey struct {
	kid string
	key *rsa.PrivateKey
}

// signingSet is the signing keys, oldest first (the last signs), and their
// JWKS, rendered once.
type signingSet struct {
	keys []*signingKey
	jwks []byte
}

type jwk struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

type jwtHeader struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Typ  string          `json:"typ"`
	Crit json.RawMessage `json:"crit,omitempty"`
}

func generateSigningKey() (*signingKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return nil, err
	}
	return newSigningKey(key), nil
}

func newSigningKey(key *rsa.PrivateKey) *signingKey {
	n, e := jwkNE(&key.PublicKey)
	// RFC 7638: the required members, in lexicographic order, no spaces.
	sum := sha256.Sum256([]byte(`{"e":"` + e + `","kty":"RSA","n":"` + n + `"}`))
	return &signingKey{kid: b64url.EncodeToString(sum[:]), key: key}
}

func jwkNE(pub *rsa.PublicKey) (n, e string) {
	return b64url.EncodeToString(pub.N.Bytes()), b64url.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
}

func newSigningSet(keys []*signingKey) (*signingSet, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	for _, k := range slices.Backward(keys) { // the signer first
		n, e := jwkNE(&k.key.PublicKey)
		set.Keys = append(set.Keys, jwk{Kty: "RSA", Use: "sig", Alg: "RS256", Kid: k.kid, N: n, E: e})
	}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, err
	}
	return &signingSet{keys: keys, jwks: b}, nil
}

// JWKS returns the JSON Web Key Set (RFC 7517) of the signing keys in use:
// the one that signs, first, and the one before it, whose tokens still
// verify. It is public: serve it as the issuer's jwks_uri.
func (k *Keyring) JWKS() ([]byte, error) {
	return bytes.Clone(k.signing.Load().jwks), nil
}

// SignJWT signs claims as a compact JWS (RS256) under the current signing
// key, with the header {"alg":"RS256","kid":…,"typ":"JWT"}. The claims must
// hold a numeric exp (seconds since the epoch): a token Wicket signs always
// expires. SignJWT adds and checks nothing else; iss, sub, aud and iat are
// the caller's.
//
// Powerful: anyone who trusts Wicket as an OpenID issuer trusts what it
// signs. Sign only claims the caller has established.
func (k *Keyring) SignJWT(claims map[string]any) (string, error) {
	const op = "keyring.SignJWT"
	switch claims["exp"].(type) {
	case int, int32, int64, uint, uint32, uint64, float32, float64, json.Number:
	default:
		return "", wicket.E(op, wicket.Invalid, "the claims must have a numeric exp")
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", wicket.E(op, wicket.Invalid, "the claims cannot be encoded as JSON", err)
	}
	set := k.signing.Load()
	sk := set.keys[len(set.keys)-1]
	header, err := json.Marshal(jwtHeader{Alg: "RS256", Kid: sk.kid, Typ: "JWT"})
	if err != nil {
		return "", wicket.E(op, wicket.Internal, err)
	}
	var b strings.Builder
	b.Grow(b64url.EncodedLen(len(header)) + b64url.EncodedLen(len(payload)) + b64url.EncodedLen(sk.key.Size()) + 2)
	b.WriteString(b64url.EncodeToString(header))
	b.WriteByte('.')
	b.WriteString(b64url.EncodeToString(payload))
	digest := sha256.Sum256([]byte(b.String()))
	sig, err := rsa.SignPKCS1v15(rand.Reader, sk.key, crypto.SHA256, digest[:])
	if err != nil {
		return "", wicket.E(op, wicket.Internal, "cannot sign", err)
	}
	b.WriteByte('.')
	b.WriteString(b64url.EncodeToString(sig))
	return b.String(), nil
}

// VerifyJWT verifies a token that SignJWT made — under either signing key
// in use — and returns its claims, decoded by encoding/json (numbers are
// float64). The header must say alg RS256, typ JWT and a kid of this
// Keyring, and no crit; any other algorithm (none, HS256 …) is refused
// before the signature is looked at. exp is required and nbf honoured, each with JWTSkew of
// leeway. It fails with an error wrapping ErrInvalidToken or
// ErrExpiredToken. Checking iss and aud is the caller's job.
func (k *Keyring) VerifyJWT(token string, now time.Time) (map[string]any, error) {
	const op = "keyring.VerifyJWT"
	bad := func(detail string) error {
		return wicket.E(op, wicket.Unauthenticated, "The identity token is invalid.", fmt.Errorf("%w: %s", ErrInvalidToken, detail))
	}
	if len(token) > MaxJWTLen {
		return nil, bad("too long")
	}
	h, rest, _ := strings.Cut(token, ".")
	p, s, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(s, ".") {
		return nil, bad("not a compact JWS")
	}
	hb, err := b64url.DecodeString(h)
	if err != nil {
		return nil, bad("header is not base64url")
	}
	var hdr jwtHeader
	if err := json.Unmarshal(hb, &hdr); err != nil {
		return nil, bad("header is not JSON")
	}
	if hdr.Alg != "RS256" || hdr.Typ != "JWT" || hdr.Crit != nil {
		return nil, bad("unsupported header (alg, typ or crit)")
	}
	var key *rsa.PublicKey
	for _, sk := range k.signing.Load().keys {
		if sk.kid == hdr.Kid {
			key = &sk.key.PublicKey
		}
	}
	if key == nil {
		return nil, bad("unknown kid")
	}
	sig, err := b64url.DecodeString(s)
	if err != nil || len(sig) != key.Size() {
		return nil, bad("bad signature encoding")
	}
	digest := sha256.Sum256([]byte(token[:len(h)+1+len(p)]))
	if rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig) != nil {
		return nil, bad("bad signature")
	}

	// Only now, with the signature good, is the payload read.
	pb, err := b64url.DecodeString(p)
	if err != nil {
		return nil, bad("payload is not base64url")
	}
	var claims map[string]any
	if err := json.Unmarshal(pb, &claims); err != nil || claims == nil {
		return nil, bad("payload is not a JSON object")
	}
	exp, ok := claims["exp"].(float64)
	if !ok {
		return nil, bad("no numeric exp")
	}
	if nbf, present := claims["nbf"]; present {
		nbf, ok := nbf.(float64)
		if !ok {
			return nil, bad("nbf is not a number")
		}
		if now.Add(JWTSkew).Before(numericDate(nbf)) {
			return nil, bad("not valid yet")
		}
	}
	if !now.Before(numericDate(exp).Add(JWTSkew)) {
		return nil, wicket.E(op, wicket.Expired, "The identity token has expired.", ErrExpiredToken)
	}
	return claims, nil
}

// numericDate turns a JWT NumericDate (seconds, maybe fractional) into a
// time, clamped to ±2^40 seconds so that no value overflows.
func numericDate(f float64) time.Time {
	const limit = 1 << 40
	f = max(-limit, min(limit, f))
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64((f-sec)*1e9))
}

// RotateSigningKey makes a new RSA key the one that signs. The key before
// it stays published in the JWKS, and its tokens keep verifying; the one
// before that (MaxGenerations keeps two) is dropped. Rotate at most once
// per lifetime of the longest-lived OpenID token (24 hours for developer
// identities), unless dropping the oldest key is the point.
func (k *Keyring) RotateSigningKey() error {
	const op = "keyring.RotateSigningKey"
	sk, err := generateSigningKey() // slow: outside the lock
	if err != nil {
		return wicket.E(op, wicket.Internal, "cannot generate a key", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	keys := append(slices.Clone(k.signing.Load().keys), sk)
	if len(keys) > MaxGenerations {
		keys = keys[len(keys)-MaxGenerations:]
	}
	b, err := encodeSigning(keys)
	if err == nil {
		_, err = writeFile(k.dir, signingFile, b, false)
	}
	var set *signingSet
	if err == nil {
		set, err = newSigningSet(keys)
	}
	if err != nil {
		return wicket.E(op, wicket.Internal, "cannot write the signing keys", err)
	}
	k.signing.Store(set)
	return nil
}
