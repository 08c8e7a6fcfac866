package oidc

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// Bounds on a provider's key set. Real sets hold two to a handful of keys.
const (
	maxKeys    = 100
	minRSABits = 2048 // smaller keys are breakable; no provider still uses them
	maxRSABits = 8192 // larger ones would make each verification a CPU burden
)

// A key is one usable verification key from a provider's JWKS. Exactly one
// of rsa, ec and ed is set.
type key struct {
	kid string
	alg string // the JWK's alg, if it names one: then only that alg may use the key
	crv string // for ec and ed: "P-256", "P-384", "P-521", "Ed25519"
	rsa *rsa.PublicKey
	ec  *ecdsa.PublicKey
	ed  ed25519.PublicKey
}

// jwkJSON holds the members of RFC 7517 and RFC 7518 that Wicket reads.
type jwkJSON struct {
	Kty    string   `json:"kty"`
	Kid    string   `json:"kid"`
	Use    string   `json:"use"`
	KeyOps []string `json:"key_ops"`
	Alg    string   `json:"alg"`
	Crv    string   `json:"crv"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	X      string   `json:"x"`
	Y      string   `json:"y"`
}

// parseJWKS reads a JSON Web Key Set and keeps its usable signature keys.
// A key that is not for signatures, is of a type Wicket does not verify
// with (such as "oct": an HMAC key must never verify a token), or is
// malformed is skipped rather than failing the set, as providers publish
// encryption keys and new key types beside the ones their tokens use.
func parseJWKS(body []byte) ([]*key, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("JWKS is not JSON: %w", err)
	}
	if set.Keys == nil {
		return nil, errors.New(`JWKS has no "keys" member`)
	}
	var keys []*key
	for _, raw := range set.Keys {
		if len(keys) == maxKeys {
			break
		}
		var j jwkJSON
		if json.Unmarshal(raw, &j) != nil {
			continue
		}
		if k, err := j.key(); err == nil {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

func (j *jwkJSON) key() (*key, error) {
	if j.Use != "" && j.Use != "sig" {
		return nil, fmt.Errorf("key for use %q", j.Use)
	}
	if j.KeyOps != nil && !slices.Contains(j.KeyOps, "verify") {
		return nil, errors.New("key_ops without verify")
	}
	if j.Alg != "" && !allowedAlg(j.Alg) {
		return nil, fmt.Errorf("key for alg %q", j.Alg)
	}
	k := &key{kid: j.Kid, alg: j.Alg}
	switch j.Kty {
	case "RSA":
		n, err := keyParam(j.N)
		if err != nil {
			return nil, err
		}
		e, err := keyParam(j.E)
		if err != nil {
			return nil, err
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n)}
		if bits := pub.N.BitLen(); bits < minRSABits || bits > maxRSABits {
			return nil, fmt.Errorf("RSA key of %d bits", bits)
		}
		if len(e) == 0 || len(e) > 4 {
			return nil, errors.New("RSA exponent out of range")
		}
		for _, b := range e {
			pub.E = pub.E<<8 | int(b)
		}
		if pub.E < 3 || pub.E&1 == 0 {
			return nil, errors.New("RSA exponent out of range")
		}
		k.rsa = pub
	case "EC":
		curve, size := ecCurve(j.Crv)
		if curve == nil {
			return nil, fmt.Errorf("curve %q", j.Crv)
		}
		x, err := keyParam(j.X)
		if err != nil {
			return nil, err
		}
		y, err := keyParam(j.Y)
		if err != nil {
			return nil, err
		}
		// RFC 7518, 6.2.1.2: x and y are exactly the curve's size.
		if len(x) != size || len(y) != size {
			return nil, errors.New("EC coordinates of the wrong length")
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, slices.Concat([]byte{4}, x, y))
		if err != nil {
			return nil, err
		}
		k.ec, k.crv = pub, j.Crv
	case "OKP":
		if j.Crv != "Ed25519" {
			return nil, fmt.Errorf("curve %q", j.Crv)
		}
		x, err := keyParam(j.X)
		if err != nil {
			return nil, err
		}
		if len(x) != ed25519.PublicKeySize {
			return nil, errors.New("Ed25519 key of the wrong length")
		}
		k.ed, k.crv = ed25519.PublicKey(x), j.Crv
	default:
		return nil, fmt.Errorf("key type %q", j.Kty)
	}
	return k, nil
}

// keyParam decodes a key parameter. Keys come from the provider, not from
// the token, so a padded value (which RFC 7518 forbids but some providers
// have published) is accepted.
func keyParam(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, errors.New("empty key parameter")
	}
	return b, nil
}

// ecCurve returns the curve named crv and the byte size of its coordinates
// (and of each half of a signature).
func ecCurve(crv string) (elliptic.Curve, int) {
	switch crv {
	case "P-256":
		return elliptic.P256(), 32
	case "P-384":
		return elliptic.P384(), 48
	case "P-521":
		return elliptic.P521(), 66
	}
	return nil, 0
}

// fits reports whether the key may verify a token signed with alg: its
// type (and curve) is the one alg needs, and if the key names an alg it is
// this one.
func (k *key) fits(alg string) bool {
	if k.alg != "" && k.alg != alg {
		return false
	}
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		return k.rsa != nil
	case "ES256":
		return k.ec != nil && k.crv == "P-256"
	case "ES384":
		return k.ec != nil && k.crv == "P-384"
	case "ES512":
		return k.ec != nil && k.crv == "P-521"
	case "EdDSA":
		return k.ed != nil
	}
	return false
}
