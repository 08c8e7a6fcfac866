package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"hash"
	"hash/maphash"
	"strings"
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
	pads                          hmacPads
}

// signingKey returns the SigV4 signing key:
//
//	kDate    = HMAC("AWS4" + secret, date)
//	kRegion  = HMAC(kDate, region)
//	kService = HMAC(kRegion, service)
//	kSigning = HMAC(kService, "aws4_request")
//
// The entry also holds the key's HMAC pad states, for macer.macPads.
func (c *keyCache) signingKey(secret, date, region, service string) *keyEntry {
	slot := &c.slots[keyHash(secret, date, region, service)%keyCacheSlots]
	if e := slot.Load(); e != nil && e.date == date && e.region == region && e.service == service && e.secret == secret {
		return e
	}
	// The parts may be substrings of a request's URL or headers; copies
	// keep the cache from holding a large request alive.
	e := &keyEntry{secret: strings.Clone(secret), date: strings.Clone(date), region: strings.Clone(region), service: strings.Clone(service)}
	deriveSigningKey(e.key[:0], secret, date, region, service)
	e.pads = newHMACPads(&e.key)
	slot.Store(e)
	return e
}

// keyHash hashes the four parts of a cache key, joined on the stack when
// they fit, since one maphash.Bytes call costs less than a Hash's four
// writes. (A collision costs a derivation, never a wrong key: the slot
// holds the full key.)
func keyHash(secret, date, region, service string) uint64 {
	var buf [192]byte
	if n := len(secret) + len(date) + len(region) + len(service) + 3; n <= len(buf) {
		b := append(buf[:0], secret...)
		b = append(append(b, 0), date...)
		b = append(append(b, 0), region...)
		b = append(append(b, 0), service...)
		return maphash.Bytes(keySeed, b)
	}
	var h maphash.Hash
	h.SetSeed(keySeed)
	h.WriteString(secret)
	h.WriteByte(0)
	h.WriteString(date)
	h.WriteByte(0)
	h.WriteString(region)
	h.WriteByte(0)
	h.WriteString(service)
	return h.Sum64()
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

// hmacPads are the SHA-256 states after an HMAC key's inner and outer pad
// blocks. Each signature under a cached key starts from them instead of
// hashing the two pads again: two of its five or six SHA-256 blocks.
type hmacPads struct{ inner, outer []byte }

func newHMACPads(key *[sha256.Size]byte) hmacPads {
	var pad [sha256.BlockSize]byte
	state := func(b byte) []byte {
		for i := range pad {
			pad[i] = b
		}
		for i, k := range key {
			pad[i] ^= k
		}
		h := sha256.New()
		h.Write(pad[:])
		s, err := h.(encoding.BinaryMarshaler).MarshalBinary()
		if err != nil {
			panic(err) // sha256 always marshals
		}
		return s
	}
	return hmacPads{inner: state(0x36), outer: state(0x5c)}
}

// macPads returns HMAC-SHA256(key, msg) for the key whose pad states p are.
func (m *macer) macPads(p *hmacPads, msg []byte) *[sha256.Size]byte {
	if m.inner.(encoding.BinaryUnmarshaler).UnmarshalBinary(p.inner) != nil ||
		m.outer.(encoding.BinaryUnmarshaler).UnmarshalBinary(p.outer) != nil {
		panic("sigv4: sha256 state does not restore") // made by MarshalBinary above
	}
	m.inner.Write(msg)
	inner := m.inner.Sum(m.sum[:0])
	m.outer.Write(inner)
	m.outer.Sum(m.sum[:0])
	return &m.sum
}

// appendHex appends the lower-case hex encoding of b.
func appendHex(dst, b []byte) []byte { return hex.AppendEncode(dst, b) }
