package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"hash/maphash"
	"sync/atomic"
)

// keyCacheSlots is the number of signing keys a Signer remembers. A key is
// valid for one (secret, day, region, service); a server sees few of those
// per day, a client fewer still.
const keyCacheSlots = 512

// keyCache maps (secret, date, region, service) to the derived signing key.
// Each slot holds an immutable entry behind an atomic pointer, so a hit takes
// no lock and allocates nothing; a collision simply replaces the slot. Its
// zero value is ready to use.
type keyCache struct {
	slots [keyCacheSlots]atomic.Pointer[keyEntry]
}

// keySeed seeds the slot hash of every cache. It is random per process, so
// that no one can choose secrets, regions or services that collide.
var keySeed = maphash.MakeSeed()

type keyEntry struct {
	secret, date, region, service string
	key                           [sha256.Size]byte
}

// signingKey returns the SigV4 signing key:
//
//	kDate    = HMAC("AWS4" + secret, date)
//	kRegion  = HMAC(kDate, region)
//	kService = HMAC(kRegion, service)
//	kSigning = HMAC(kService, "aws4_request")
func (c *keyCache) signingKey(secret, date, region, service string) *[sha256.Size]byte {
	var h maphash.Hash
	h.SetSeed(keySeed)
	h.WriteString(secret)
	h.WriteByte(0)
	h.WriteString(date)
	h.WriteByte(0)
	h.WriteString(region)
	h.WriteByte(0)
	h.WriteString(service)
	slot := &c.slots[h.Sum64()%keyCacheSlots]
	if e := slot.Load(); e != nil && e.date == date && e.region == region && e.service == service && e.secret == secret {
		return &e.key
	}
	e := &keyEntry{secret: secret, date: date, region: region, service: service}
	deriveSigningKey(e.key[:0], secret, date, region, service)
	slot.Store(e)
	return &e.key
}

// deriveSigningKey appends the signing key to dst. It is uncached; use it
// where a key is needed once.
func deriveSigningKey(dst []byte, secret, date, region, service string) []byte {
	k := hmacSum(nil, []byte("AWS4"+secret), date)
	k = hmacSum(k[:0], k, region)
	k = hmacSum(k[:0], k, service)
	return hmacSum(dst, k, "aws4_request")
}

// SigningKey derives the signing key for a secret, a date (YYYYMMDD), a
// region and a service. Callers that sign aws-chunked bodies themselves need
// it; everything else goes through Signer.
//
// The result is as sensitive as the secret for that day, region and service.
func SigningKey(secret, date, region, service string) []byte {
	return deriveSigningKey(make([]byte, 0, sha256.Size), secret, date, region, service)
}

func hmacSum(dst, key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(dst)
}

// macer computes HMAC-SHA256 with a 32-byte key without allocating. It is
// part of the pooled scratch state, never shared between goroutines.
type macer struct {
	inner, outer hash.Hash
	pad          [sha256.BlockSize]byte
	sum          [sha256.Size]byte
}

func newMacer() macer { return macer{inner: sha256.New(), outer: sha256.New()} }

// mac returns HMAC-SHA256(key, msg) (RFC 2104); key is at most one block.
func (m *macer) mac(key *[sha256.Size]byte, msg []byte) *[sha256.Size]byte {
	for i := range m.pad {
		m.pad[i] = 0x36
	}
	for i, b := range key {
		m.pad[i] ^= b
	}
	m.inner.Reset()
	m.inner.Write(m.pad[:])
	m.inner.Write(msg)
	inner := m.inner.Sum(m.sum[:0])
	for i := range m.pad {
		m.pad[i] = 0x5c
	}
	for i, b := range key {
		m.pad[i] ^= b
	}
	m.outer.Reset()
	m.outer.Write(m.pad[:])
	m.outer.Write(inner)
	m.outer.Sum(m.sum[:0])
	return &m.sum
}

// appendHex appends the lower-case hex encoding of b.
func appendHex(dst, b []byte) []byte { return hex.AppendEncode(dst, b) }
