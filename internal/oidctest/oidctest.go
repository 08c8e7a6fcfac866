// Package oidctest runs an OpenID Connect provider for tests: an httptest
// server that publishes a discovery document and a JSON Web Key Set, and
// signs ID tokens, good ones and every kind of bad one, with its keys.
//
//	p := oidctest.New(t)
//	tok := p.Token(map[string]any{"email": "ana@example.com"})
//	// verify tok against issuer p.URL and audience p.ClientID
//
// The provider serves plain HTTP, so a verifier under test must allow it
// (oidc.Options.AllowHTTP); NewTLS serves HTTPS for tests of that path.
// It uses only the standard library.
package oidctest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha256" // RS256, PS256, ES256, HS256
	_ "crypto/sha512" // the 384 and 512 variants
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// Paths the provider serves.
const (
	DiscoveryPath = "/.well-known/openid-configuration"
	JWKSPath      = "/jwks"
)

// The ids of the keys a new Provider publishes: its RSA signer, and one
// key for each of the other algorithm families, so that tokens of every
// allowed algorithm can be made without changing the key set.
const (
	KeyRSA   = "k1"
	KeyES256 = "es256"
	KeyES384 = "es384"
	KeyES512 = "es512"
	KeyEdDSA = "eddsa"
)

// Default claims of the tokens a Provider signs.
const (
	ClientID = "wicket-test-client" // aud
	Subject  = "test-user"          // sub
)

// Provider is a running test OpenID provider. Its methods are safe for
// concurrent use.
type Provider struct {
	// URL is the server's base URL, with no trailing slash, and the
	// issuer unless SetIssuer says otherwise.
	URL string
	// ClientID is the aud of the tokens it signs unless told otherwise.
	ClientID string
	// Now tells the time for iat and exp. Nil means time.Now; set it
	// before the first token to follow a test's fake clock.
	Now func() time.Time

	srv *httptest.Server

	mu         sync.Mutex
	issuer     string        // iss of the tokens and of the discovery document
	keys       []*signingKey // published, in order
	rsaKey     *signingKey   // the current RSA signer
	rotations  int
	discovery  map[string]any          // overrides of discovery fields
	overrides  map[string]http.Handler // by path
	fetches    int
	discovered int
}

type signingKey struct {
	kid string
	key crypto.Signer
}

// New starts a provider with a fresh RSA key (kid "k1", the signer of RS*
// and PS* tokens) and fresh ES256, ES384, ES512 and EdDSA keys. The server
// closes when the test ends.
func New(t testing.TB) *Provider {
	t.Helper()
	return start(t, httptest.NewServer)
}

// NewTLS is New on HTTPS, with a certificate that only Client trusts.
func NewTLS(t testing.TB) *Provider {
	t.Helper()
	return start(t, httptest.NewTLSServer)
}

func start(t testing.TB, newServer func(http.Handler) *httptest.Server) *Provider {
	t.Helper()
	p := &Provider{ClientID: ClientID, discovery: map[string]any{}, overrides: map[string]http.Handler{}}
	p.rsaKey = &signingKey{kid: KeyRSA, key: newRSAKey(t)}
	p.keys = []*signingKey{
		p.rsaKey,
		{kid: KeyES256, key: newECKey(t, elliptic.P256())},
		{kid: KeyES384, key: newECKey(t, elliptic.P384())},
		{kid: KeyES512, key: newECKey(t, elliptic.P521())},
		{kid: KeyEdDSA, key: newEdKey(t)},
	}
	p.srv = newServer(http.HandlerFunc(p.serve))
	p.URL = p.srv.URL
	p.issuer = p.URL
	t.Cleanup(p.srv.Close)
	return p
}

func newRSAKey(t testing.TB) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("oidctest: %v", err)
	}
	return k
}

func newECKey(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatalf("oidctest: %v", err)
	}
	return k
}

func newEdKey(t testing.TB) ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("oidctest: %v", err)
	}
	return k
}

// Client returns an HTTP client that trusts the server (its TLS
// certificate, for NewTLS).
func (p *Provider) Client() *http.Client { return p.srv.Client() }

func (p *Provider) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	switch r.URL.Path {
	case DiscoveryPath:
		p.discovered++
	case JWKSPath:
		p.fetches++
	}
	h := p.overrides[r.URL.Path]
	p.mu.Unlock()
	if h != nil {
		h.ServeHTTP(w, r)
		return
	}
	switch r.URL.Path {
	case DiscoveryPath:
		writeJSON(w, p.Discovery())
	case JWKSPath:
		writeJSON(w, p.JWKS())
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

// Discovery returns the discovery document the provider serves.
func (p *Provider) Discovery() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	doc := map[string]any{
		"issuer":                                p.issuer,
		"jwks_uri":                              p.URL + JWKSPath,
		"authorization_endpoint":                p.URL + "/authorize",
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"},
	}
	for k, v := range p.discovery {
		if v == nil {
			delete(doc, k)
		} else {
			doc[k] = v
		}
	}
	return mustJSON(doc)
}

// SetIssuer makes issuer the iss of the tokens signed from now on and the
// issuer that the discovery document names, in place of URL: URL + "/"
// plays a provider whose issuer ends in "/", as Auth0's
// ("https://tenant.auth0.com/") and Azure AD v1's do. The document stays
// at URL + DiscoveryPath, which is where a verifier of URL + "/" looks for
// it (OpenID Connect Discovery 1.0, section 4: the final "/" is removed
// before the well-known path is appended).
func (p *Provider) SetIssuer(issuer string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.issuer = issuer
}

// Issuer returns the iss of the tokens the provider signs: URL, unless
// SetIssuer changed it.
func (p *Provider) Issuer() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.issuer
}

// SetDiscovery overrides fields of the discovery document, such as
// "issuer" or "jwks_uri"; a nil value removes the field.
func (p *Provider) SetDiscovery(fields map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	maps.Copy(p.discovery, fields)
}

// JWKS returns the key set the provider serves: the public keys of every
// key it publishes.
func (p *Provider) JWKS() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	keys := make([]map[string]any, 0, len(p.keys))
	for _, k := range p.keys {
		keys = append(keys, JWK(k.kid, k.key.Public()))
	}
	return mustJSON(map[string]any{"keys": keys})
}

// Override makes the server answer path with h instead (nil restores the
// default), for documents that are slow, broken, too large or missing.
// Requests to DiscoveryPath and JWKSPath are counted either way; h may
// serve Discovery() or JWKS() after a delay.
func (p *Provider) Override(path string, h http.Handler) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if h == nil {
		delete(p.overrides, path)
	} else {
		p.overrides[path] = h
	}
}

// Fetches returns how many requests for the key set the server has had.
func (p *Provider) Fetches() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fetches
}

// DiscoveryFetches returns how many requests for the discovery document
// the server has had.
func (p *Provider) DiscoveryFetches() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.discovered
}

// RotateKey makes a new RSA key the signer of RS* and PS* tokens, with kid
// "k2" (then "k3" …), and publishes it beside the old ones, as providers
// do; RemoveKey retires the old one.
func (p *Provider) RotateKey() {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("oidctest: " + err.Error())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rotations++
	p.rsaKey = &signingKey{kid: fmt.Sprintf("k%d", p.rotations+1), key: k}
	p.keys = append(p.keys, p.rsaKey)
}

// KID returns the kid of the current RSA signer.
func (p *Provider) KID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rsaKey.kid
}

// RemoveKey stops publishing the key kid. Tokens can still be signed with
// it.
func (p *Provider) RemoveKey(kid string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys = slices.DeleteFunc(p.keys, func(k *signingKey) bool { return k.kid == kid })
}

// AddKey publishes the public part of key under kid, as an RSA, EC or OKP
// (Ed25519) JWK. Sign with it through TokenOptions.Key and KID.
func (p *Provider) AddKey(kid string, key crypto.Signer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys = append(p.keys, &signingKey{kid: kid, key: key})
}

// PublicKeyPEM returns the current RSA signer's public key as a PEM
// "PUBLIC KEY" block: what an attacker uses as the HMAC secret of a
// key-confusion token.
func (p *Provider) PublicKeyPEM() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	der, err := x509.MarshalPKIXPublicKey(p.rsaKey.key.Public())
	if err != nil {
		panic("oidctest: " + err.Error())
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// JWK returns the JSON Web Key of a public key: an *rsa.PublicKey,
// *ecdsa.PublicKey or ed25519.PublicKey.
func JWK(kid string, pub crypto.PublicKey) map[string]any {
	b64 := base64.RawURLEncoding.EncodeToString
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		return map[string]any{"kty": "RSA", "kid": kid, "use": "sig",
			"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes())}
	case *ecdsa.PublicKey:
		raw, err := pub.Bytes() // 0x04 || X || Y
		if err != nil {
			panic("oidctest: " + err.Error())
		}
		size := (len(raw) - 1) / 2
		return map[string]any{"kty": "EC", "kid": kid, "use": "sig", "crv": pub.Curve.Params().Name,
			"x": b64(raw[1 : 1+size]), "y": b64(raw[1+size:])}
	case ed25519.PublicKey:
		return map[string]any{"kty": "OKP", "kid": kid, "use": "sig", "crv": "Ed25519", "x": b64(pub)}
	}
	panic(fmt.Sprintf("oidctest: no JWK for a %T", pub))
}

// TokenOptions controls every part of a token TokenWith makes.
type TokenOptions struct {
	// Alg is the header's alg and how the token is signed:
	//
	//	RS256 (the default), RS384, RS512, PS256, PS384, PS512: the current RSA key
	//	ES256, ES384, ES512, EdDSA: the provider's key for that algorithm
	//	none: no signature (the third part is empty, or Signature)
	//	HS256, HS384, HS512: HMAC with HMACKey
	//
	// Any other value is written to the header and signed as RS256.
	Alg string
	// KID is the header's kid. Empty means the signing key's; NoKID leaves
	// kid out.
	KID   string
	NoKID bool
	// Key signs instead of the provider's key for Alg; publish it with
	// AddKey, or not.
	Key crypto.Signer
	// HMACKey is the secret of HS* tokens. Nil means PublicKeyPEM(): the
	// key-confusion attack.
	HMACKey []byte
	// Claims are merged over the default claims: iss (Issuer()), sub (Subject),
	// aud (ClientID), iat (now) and exp (now + 1 h). A nil value removes a
	// claim.
	Claims map[string]any
	// Header is merged over the header (alg, typ "JWT", kid); a nil value
	// removes a member.
	Header map[string]any
	// RawHeader and RawPayload, if not nil, are encoded as the header and
	// payload instead, byte for byte: for JSON no encoder writes, such as
	// a member named twice. Header or Claims are then ignored.
	RawHeader  []byte
	RawPayload []byte
	// Signature, if not nil, replaces the signature.
	Signature []byte
}

// Token returns an RS256 ID token signed with the current RSA key, with
// claims merged over the defaults (see TokenOptions.Claims).
func (p *Provider) Token(claims map[string]any) string {
	return p.TokenWith(TokenOptions{Claims: claims})
}

// TokenWith returns a token made as o says. It panics if a key cannot
// sign, which is a mistake in the test.
func (p *Provider) TokenWith(o TokenOptions) string {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	t := now()
	if o.Alg == "" {
		o.Alg = "RS256"
	}

	p.mu.Lock()
	signer, kid := p.signerFor(o.Alg)
	issuer := p.issuer
	p.mu.Unlock()
	if o.Key != nil {
		signer = o.Key
	}
	if o.KID != "" {
		kid = o.KID
	}

	header := map[string]any{"alg": o.Alg, "typ": "JWT"}
	if !o.NoKID && kid != "" {
		header["kid"] = kid
	}
	merge(header, o.Header)
	claims := map[string]any{
		"iss": issuer,
		"sub": Subject,
		"aud": p.ClientID,
		"iat": t.Unix(),
		"exp": t.Add(time.Hour).Unix(),
	}
	merge(claims, o.Claims)

	rawHeader, rawPayload := o.RawHeader, o.RawPayload
	if rawHeader == nil {
		rawHeader = mustJSON(header)
	}
	if rawPayload == nil {
		rawPayload = mustJSON(claims)
	}
	enc := base64.RawURLEncoding.EncodeToString
	input := enc(rawHeader) + "." + enc(rawPayload)

	sig := o.Signature
	if sig == nil {
		var err error
		if sig, err = p.sign(o, signer, []byte(input)); err != nil {
			panic("oidctest: " + err.Error())
		}
	}
	return input + "." + enc(sig)
}

// signerFor returns the provider's key for alg and its kid. p.mu is held.
func (p *Provider) signerFor(alg string) (crypto.Signer, string) {
	kid := KeyRSA
	switch alg {
	case "ES256":
		kid = KeyES256
	case "ES384":
		kid = KeyES384
	case "ES512":
		kid = KeyES512
	case "EdDSA":
		kid = KeyEdDSA
	case "none", "HS256", "HS384", "HS512":
		return nil, ""
	default:
		return p.rsaKey.key, p.rsaKey.kid
	}
	for _, k := range p.keys {
		if k.kid == kid {
			return k.key, k.kid
		}
	}
	panic("oidctest: the key " + kid + " was removed; sign with TokenOptions.Key")
}

func (p *Provider) sign(o TokenOptions, signer crypto.Signer, input []byte) ([]byte, error) {
	hashOf := map[string]crypto.Hash{"256": crypto.SHA256, "384": crypto.SHA384, "512": crypto.SHA512}
	alg := o.Alg
	switch alg {
	case "none":
		return []byte{}, nil
	case "HS256", "HS384", "HS512":
		key := o.HMACKey
		if key == nil {
			key = p.PublicKeyPEM()
		}
		m := hmac.New(hashOf[alg[2:]].New, key)
		m.Write(input)
		return m.Sum(nil), nil
	case "EdDSA":
		return signer.Sign(rand.Reader, input, crypto.Hash(0))
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512":
	default:
		alg = "RS256"
	}
	h := hashOf[alg[2:]]
	d := h.New()
	d.Write(input)
	digest := d.Sum(nil)
	switch alg[0] {
	case 'P':
		return signer.Sign(rand.Reader, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h})
	case 'E':
		der, err := signer.Sign(rand.Reader, digest, h)
		if err != nil {
			return nil, err
		}
		// JWS wants R || S, each the curve's size, not the DER that
		// crypto.Signer gives.
		var rs struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(der, &rs); err != nil {
			return nil, err
		}
		pub, ok := signer.Public().(*ecdsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%s needs an ECDSA key, not %T", alg, signer.Public())
		}
		size := (pub.Curve.Params().BitSize + 7) / 8
		sig := make([]byte, 2*size)
		rs.R.FillBytes(sig[:size])
		rs.S.FillBytes(sig[size:])
		return sig, nil
	}
	return signer.Sign(rand.Reader, digest, h)
}

// merge sets the members of over into m; a nil value deletes one.
func merge(m, over map[string]any) {
	for k, v := range over {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("oidctest: " + err.Error())
	}
	return b
}
