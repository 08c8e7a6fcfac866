package keyring

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// cache keeps the tokens opened lately, by the token string itself, so that
// the next request with the same credentials costs a map lookup instead of
// three HMACs and an AES-GCM open. It is bounded in entries and in bytes;
// when full, it evicts an expired entry if one of a few it looks at is,
// else one at random (Go randomises where a map iteration starts).
//
// An entry holds only what a successful open returned; it is found only
// by the exact token string, so that an altered token always takes the
// slow path. Expiry is checked on every hit. Retiring a master key empties
// the cache (purge), and epoch keeps an open that raced with the
// retirement from putting back a token of the retired key.
type cache struct {
	epoch  atomic.Uint64
	shards [cacheShards]shard
}

const (
	cacheShards = 16
	// cacheEntryBytes is the memory budget per entry: a typical entry
	// (a guest's token twice, as the key and as the claims' strings, and
	// the overhead) takes less; one with a session policy takes more.
	cacheEntryBytes = 1024
	// evictLook is how many entries eviction looks at for an expired one.
	evictLook = 8
)

type shard struct {
	mu         sync.RWMutex
	m          map[string]*entry
	bytes      int
	maxEntries int
	maxBytes   int
	_          [64]byte // keeps shards' locks off each other's cache lines
}

// entry is an opened token. Its fields never change once it is in the
// cache; callers get copies of the claims.
type entry struct {
	akid   string
	secret string
	claims *Claims
	size   int
}

func newCache(entries int) *cache {
	per := max(1, (entries+cacheShards-1)/cacheShards)
	c := new(cache)
	for i := range c.shards {
		s := &c.shards[i]
		s.m = make(map[string]*entry)
		s.maxEntries = per
		s.maxBytes = per * cacheEntryBytes
	}
	return c
}

// shard picks the shard of token from characters that encode part of its
// random nonce (Open has checked that the token is long enough).
func (c *cache) shard(token string) *shard {
	return &c.shards[(uint(token[9])*31+uint(token[10]))%cacheShards]
}

func (c *cache) get(token string) (*entry, bool) {
	s := c.shard(token)
	s.mu.RLock()
	e, ok := s.m[token]
	s.mu.RUnlock()
	return e, ok
}

// put adds e for token unless the cache was purged since epoch was read.
func (c *cache) put(token string, e *entry, epoch uint64, now time.Time) {
	e.size = 2*len(token) + 256
	s := c.shard(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.epoch.Load() != epoch || e.size > s.maxBytes {
		return
	}
	if _, ok := s.m[token]; ok {
		return
	}
	for len(s.m) > 0 && (len(s.m) >= s.maxEntries || s.bytes+e.size > s.maxBytes) {
		s.evict(now)
	}
	// A copy, so that the key does not pin a larger buffer the token
	// string may be part of.
	token = strings.Clone(token)
	s.m[token] = e
	s.bytes += e.size
}

// evict removes one entry: an expired one among the first few, or the first.
func (s *shard) evict(now time.Time) {
	var victim string
	i := 0
	for k, e := range s.m {
		if i == 0 {
			victim = k
		}
		if !now.Before(e.claims.Expires) {
			victim = k
			break
		}
		if i++; i == evictLook {
			break
		}
	}
	s.bytes -= s.m[victim].size
	delete(s.m, victim)
}

// purge empties the cache.
func (c *cache) purge() {
	c.epoch.Add(1)
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		s.m = make(map[string]*entry)
		s.bytes = 0
		s.mu.Unlock()
	}
}

// len reports the number of entries, for tests.
func (c *cache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}
