package oidc

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	_ "crypto/sha256" // the hashes of RS256/PS256/ES256
	_ "crypto/sha512" // the hashes of RS384/RS512/PS384/PS512/ES384/ES512
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"unicode/utf8"
)

// MaxTokenSize bounds the tokens Verify reads. Real ID tokens are one to
// three kilobytes; one of many groups may reach eight.
const MaxTokenSize = 16 << 10

// jws is a compact JWS split into its parts; nothing in it is verified yet.
type jws struct {
	header       map[string]json.RawMessage
	alg, kid     string
	payload      []byte // decoded
	signingInput string // the header and payload as sent, with the dot between
	signature    []byte
}

// b64 decodes base64url without padding and, being strict, rejects
// non-zero trailing bits, so that each part has one encoding only.
var b64 = base64.RawURLEncoding.Strict()

// parseJWS splits a compact JWS (RFC 7515, 7.1) and decodes its header. A
// token with other than three parts, an empty header or payload, a byte
// outside the base64url alphabet (the decoder would skip CR and LF) or a
// header that is not a JSON object fails. An empty signature is left for
// the checks that follow to name (alg none, or a signature that does not
// verify).
func parseJWS(token string) (*jws, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%d parts, not 3", len(parts))
	}
	dec := make([][]byte, 3)
	for i, p := range parts {
		if p == "" && i < 2 {
			return nil, fmt.Errorf("part %d is empty", i+1)
		}
		for j := 0; j < len(p); j++ {
			if c := p[j]; !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return nil, fmt.Errorf("part %d has a byte outside base64url", i+1)
			}
		}
		b, err := b64.DecodeString(p)
		if err != nil {
			return nil, fmt.Errorf("part %d: %w", i+1, err)
		}
		dec[i] = b
	}
	header, err := decodeObject(dec[0])
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	t := &jws{
		header:       header,
		payload:      dec[1],
		signingInput: parts[0] + "." + parts[1],
		signature:    dec[2],
	}
	if err := stringMember(header, "alg", &t.alg); err != nil {
		return nil, err
	}
	if err := stringMember(header, "kid", &t.kid); err != nil {
		return nil, err
	}
	return t, nil
}

// checkHeader rejects what Verify must not accept whatever the key: an
// algorithm outside the allowed ones, critical extensions (Wicket
// understands none, and RFC 7515, 4.1.11 says to reject then), a nested
// JWT, and an OAuth access token (RFC 9068), which is not an ID token even
// when its aud is a client id.
func (t *jws) checkHeader() error {
	if t.alg == "" {
		return errors.New("no alg")
	}
	if !allowedAlg(t.alg) {
		return fmt.Errorf("alg %s", quote(t.alg))
	}
	if _, ok := t.header["crit"]; ok {
		return errors.New("crit header")
	}
	var typ, cty string
	if stringMember(t.header, "typ", &typ) != nil || stringMember(t.header, "cty", &cty) != nil {
		return errors.New("typ or cty is not a string")
	}
	if typ = strings.ToLower(typ); typ == "at+jwt" || typ == "application/at+jwt" {
		return errors.New("typ at+jwt: an access token")
	}
	if strings.EqualFold(cty, "JWT") {
		return errors.New("cty JWT: a nested token")
	}
	return nil
}

// allowedAlg reports whether alg is one of the asymmetric algorithms Verify
// accepts. "none" and the HMAC algorithms are absent on purpose: a verifier
// that holds only public keys must never treat one as an HMAC secret.
func allowedAlg(alg string) bool {
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA":
		return true
	}
	return false
}

// algHash returns the hash alg signs with (zero for EdDSA, which hashes
// inside).
func algHash(alg string) crypto.Hash {
	switch alg[2:] {
	case "256":
		return crypto.SHA256
	case "384":
		return crypto.SHA384
	case "512":
		return crypto.SHA512
	}
	return 0
}

// verifySignature reports whether t's signature verifies with k, which
// must fit t.alg.
func (t *jws) verifySignature(k *key) bool {
	if !k.fits(t.alg) {
		return false
	}
	msg := []byte(t.signingInput)
	if t.alg == "EdDSA" {
		return ed25519.Verify(k.ed, msg, t.signature)
	}
	h := algHash(t.alg).New()
	h.Write(msg)
	digest := h.Sum(nil)
	switch t.alg[0] {
	case 'R':
		return rsa.VerifyPKCS1v15(k.rsa, algHash(t.alg), digest, t.signature) == nil
	case 'P':
		// RFC 7518, 3.5: the salt is as long as the hash.
		opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: algHash(t.alg)}
		return rsa.VerifyPSS(k.rsa, algHash(t.alg), digest, t.signature, opts) == nil
	case 'E':
		// RFC 7518, 3.4: R and S, each exactly the curve's size, not DER.
		_, size := ecCurve(k.crv)
		if len(t.signature) != 2*size {
			return false
		}
		r := new(big.Int).SetBytes(t.signature[:size])
		s := new(big.Int).SetBytes(t.signature[size:])
		return ecdsa.Verify(k.ec, digest, r, s)
	}
	return false
}

// decodeObject decodes a JSON object into its members, undecoded. It
// rejects invalid UTF-8 (which encoding/json would silently replace, so
// that two different byte strings could decode to one claim value), a
// member named twice (which parsers resolve differently: one that takes
// the first "alg" and one that takes the last would disagree on what was
// verified), and anything after the object.
func decodeObject(b []byte) (map[string]json.RawMessage, error) {
	if !utf8.Valid(b) {
		return nil, errors.New("invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	m := make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, ok := tok.(string)
		if !ok {
			return nil, errors.New("not a JSON object")
		}
		if _, dup := m[name]; dup {
			return nil, fmt.Errorf("member %s appears twice", quote(name))
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		m[name] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return m, nil
}

// stringMember sets *dst to the string member name of m, if present. A
// member of another type (null included) is an error.
func stringMember(m map[string]json.RawMessage, name string, dst *string) error {
	raw, ok := m[name]
	if !ok {
		return nil
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return fmt.Errorf("%s is not JSON", name)
	}
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("%s is not a string", name)
	}
	*dst = s
	return nil
}
