package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"sync"
	"time"

	"github.com/wicket-io/wicket"
)

// Errors that Open returns, wrapped in a *wicket.Error: test for them with
// errors.Is.
var (
	// ErrInvalidToken: the token is malformed, altered, sealed under a key
	// this Keyring does not have (any more), or not the token of the
	// access key id it came with.
	ErrInvalidToken = errors.New("invalid session token")
	// ErrExpiredToken: the token is genuine but past its Expires.
	ErrExpiredToken = errors.New("expired session token")
)

// Client-safe messages, as S3 words them.
const (
	msgInvalidToken = "The provided token is malformed or otherwise invalid."
	msgExpiredToken = "The provided token has expired."
)

// Credentials are temporary credentials: an access key id, its secret and
// the session token that carries the claims.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// The layout of a session token before base64 (see the package doc).
const (
	tokenVersion = 1
	idLen        = 4
	nonceLen     = 16
	headerLen    = 1 + idLen + nonceLen
	tagLen       = 16

	akidPrefix = "ASIA"
	akidLen    = len(akidPrefix) + 16
	secretLen  = 40

	// minTokenLen is the length of the base64 of the smallest token: a
	// header, a tag, and a claims encoding of at least 15 bytes.
	minTokenLen = (headerLen + tagLen + 15 + 2) / 3 * 4
)

var (
	tokenEncoding = base64.StdEncoding.Strict()
	akidEncoding  = base32.StdEncoding.WithPadding(base32.NoPadding)
)

// Issue seals c into new temporary credentials, under the current master
// key. A zero c.Issued means now; c.Expires must be after c.Issued and at
// most MaxLifetime later. Both are truncated to the second.
//
// Dangerous: the result holds a secret access key. Hand it only to the
// caller the credentials are for; never log it.
func (k *Keyring) Issue(c Claims) (Credentials, error) {
	const op = "keyring.Issue"
	if c.Issued.IsZero() {
		c.Issued = k.clock.Now()
	}
	c.Issued = c.Issued.Truncate(time.Second).UTC()
	c.Expires = c.Expires.Truncate(time.Second).UTC()
	switch {
	case c.Issued.Unix() < 0 || c.Issued.Unix() >= 1<<40:
		return Credentials{}, wicket.E(op, wicket.Invalid, "the time of issue is out of range")
	case !c.Expires.After(c.Issued):
		return Credentials{}, wicket.E(op, wicket.Invalid, "the credentials must expire after they are issued")
	case c.Expires.Sub(c.Issued) > MaxLifetime:
		return Credentials{}, wicket.E(op, wicket.Invalid, fmt.Sprintf("the credentials may last at most %v", MaxLifetime))
	}
	if msg := c.validate(); msg != "" {
		return Credentials{}, wicket.E(op, wicket.TooLarge, msg)
	}

	gens := *k.master.Load()
	g := gens[len(gens)-1]
	var nonce [nonceLen]byte
	rand.Read(nonce[:]) // never fails (crypto/rand crashes the program instead)
	akid := g.accessKeyID(nonce[:])
	plain := appendClaims(nil, &c)

	raw := make([]byte, 0, headerLen+len(plain)+tagLen)
	raw = append(raw, tokenVersion)
	raw = append(raw, g.id[:]...)
	raw = append(raw, nonce[:]...)
	raw = g.aead(nonce[:]).Seal(raw, zeroNonce[:], plain, additionalData(raw, akid))
	return Credentials{
		AccessKeyID:     akid,
		SecretAccessKey: g.secretAccessKey(nonce[:]),
		SessionToken:    tokenEncoding.EncodeToString(raw),
		Expiration:      c.Expires,
	}, nil
}

// Open checks a session token and the access key id it came with, and
// returns the token's claims and the secret access key of the credentials.
// It fails with an error wrapping ErrInvalidToken (kind Unauthenticated) or,
// for a genuine token at or after its Expires, ErrExpiredToken (kind
// Expired).
//
// Tokens opened before are found in a cache, so that a request with the
// same credentials costs a map lookup; the cache never outlives a token's
// expiry nor the retirement of the key that sealed it.
//
// Dangerous: the result holds a secret access key. Use it to verify a
// signature; never log it or send it anywhere.
func (k *Keyring) Open(accessKeyID, sessionToken string, now time.Time) (*Claims, string, error) {
	if len(sessionToken) < minTokenLen || len(sessionToken) > MaxTokenLen || len(accessKeyID) != akidLen {
		return nil, "", invalid("wrong length")
	}
	var epoch uint64
	if k.cache != nil {
		e, ok := k.cache.get(sessionToken)
		if ok {
			// The token matched exactly; the access key id must too.
			if !hmac.Equal([]byte(accessKeyID), []byte(e.akid)) {
				return nil, "", invalid("the token belongs to another access key id")
			}
			if !now.Before(e.claims.Expires) {
				return nil, "", expired()
			}
			return e.claims.clone(), e.secret, nil
		}
		// Read before the keys, so that a token opened under a key that
		// is retired meanwhile is not put in the cache.
		epoch = k.cache.epoch.Load()
	}

	c, secret, err := k.open(accessKeyID, sessionToken)
	if err != nil {
		return nil, "", err
	}
	if !now.Before(c.Expires) {
		return nil, "", expired()
	}
	if k.cache != nil {
		k.cache.put(sessionToken, &entry{akid: accessKeyID, secret: secret, claims: c}, epoch, now)
		c = c.clone()
	}
	return c, secret, nil
}

// open does the work of Open without the cache and the clock.
func (k *Keyring) open(accessKeyID, sessionToken string) (*Claims, string, error) {
	// The length check refuses what the decoder would skip (newlines), so
	// that one token has one spelling only.
	raw, err := tokenEncoding.DecodeString(sessionToken)
	if err != nil || tokenEncoding.EncodedLen(len(raw)) != len(sessionToken) {
		return nil, "", invalid("not base64")
	}
	if len(raw) < headerLen+tagLen || raw[0] != tokenVersion {
		return nil, "", invalid("unknown version")
	}
	var g *generation
	for _, h := range *k.master.Load() {
		if string(h.id[:]) == string(raw[1:1+idLen]) {
			g = h
		}
	}
	if g == nil {
		return nil, "", invalid("unknown master key")
	}
	nonce := raw[1+idLen : headerLen]
	// Compared in constant time: the expected id is a secret until the
	// token is known to be genuine.
	if !hmac.Equal([]byte(g.accessKeyID(nonce)), []byte(accessKeyID)) {
		return nil, "", invalid("the token belongs to another access key id")
	}
	plain, err := g.aead(nonce).Open(raw[headerLen:headerLen], zeroNonce[:], raw[headerLen:], additionalData(raw[:headerLen], accessKeyID))
	if err != nil {
		return nil, "", invalid("the seal is broken")
	}
	c, ok := decodeClaims(string(plain))
	if !ok {
		// A genuine seal around a bad encoding: a bug, or a newer format.
		return nil, "", invalid("undecodable claims")
	}
	return c, g.secretAccessKey(nonce), nil
}

func invalid(detail string) error {
	return wicket.E("keyring.Open", wicket.Unauthenticated, msgInvalidToken, fmt.Errorf("%w: %s", ErrInvalidToken, detail))
}

func expired() error {
	return wicket.E("keyring.Open", wicket.Expired, msgExpiredToken, ErrExpiredToken)
}

// zeroNonce is the GCM nonce of every token: each token is sealed under a
// key of its own, used once, so the nonce need not vary.
var zeroNonce [12]byte

// additionalData is the header of the token followed by the access key id.
func additionalData(header []byte, akid string) []byte {
	ad := make([]byte, 0, headerLen+akidLen)
	return append(append(ad, header...), akid...)
}

// macKey computes HMAC-SHA256 under one key. It keeps keyed hashes in a
// pool, since setting one up costs more than hashing a nonce.
type macKey struct {
	pool sync.Pool
}

func newMACKey(key []byte) *macKey {
	m := new(macKey)
	m.pool.New = func() any { return hmac.New(sha256.New, key) }
	return m
}

// sum returns HMAC-SHA256 of nonce.
func (m *macKey) sum(nonce []byte) [sha256.Size]byte {
	h := m.pool.Get().(hash.Hash)
	h.Reset()
	h.Write(nonce)
	var out [sha256.Size]byte
	h.Sum(out[:0])
	m.pool.Put(h)
	return out
}

// accessKeyID derives the access key id of the token with nonce.
func (g *generation) accessKeyID(nonce []byte) string {
	var b [akidLen]byte
	copy(b[:], akidPrefix)
	sum := g.akid.sum(nonce)
	akidEncoding.Encode(b[len(akidPrefix):], sum[:10])
	return string(b[:])
}

// secretAccessKey derives the secret access key of the token with nonce.
func (g *generation) secretAccessKey(nonce []byte) string {
	var b [secretLen]byte
	sum := g.secret.sum(nonce)
	base64.StdEncoding.Encode(b[:], sum[:secretLen/4*3])
	return string(b[:])
}

// aead returns AES-256-GCM under the sealing key of the token with nonce.
func (g *generation) aead(nonce []byte) cipher.AEAD {
	key := g.seal.sum(nonce)
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic("keyring: " + err.Error()) // a 32-byte key is always valid
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic("keyring: " + err.Error())
	}
	return aead
}
