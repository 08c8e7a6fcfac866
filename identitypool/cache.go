package identitypool

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/wicket-io/wicket"
)

// The guest flow reads a pool and an identity on every call; both change
// rarely and mostly through this service, so they are cached in memory.
// Every write through the Service drops the entries it touches; the TTL
// bounds how long a change made on another node (or directly in the
// store) can go unseen.
const cacheTTL = 10 * time.Second

// maxCachedIdentities bounds the identity cache; past it, the cache is
// emptied (guests arrive in bursts; a simple reset is enough).
const maxCachedIdentities = 100_000

type cached[T any] struct {
	v       *T
	expires time.Time
}

type docCache[T any] struct {
	mu sync.Mutex
	m  map[string]cached[T]
	// gen counts drops, so that a read begun before a drop does not put
	// back what the drop removed.
	gen uint64
}

func (c *docCache[T]) get(id string, now time.Time) (*T, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if ok && now.Before(e.expires) {
		return e.v, c.gen, true
	}
	return nil, c.gen, false
}

func (c *docCache[T]) put(id string, v *T, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m) >= maxCachedIdentities {
		c.m = map[string]cached[T]{}
	}
	c.m[id] = cached[T]{v, now.Add(cacheTTL)}
}

// set caches a value no reader can have seen older: a document just made.
func (c *docCache[T]) set(id string, v *T, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedIdentities {
		c.m = map[string]cached[T]{}
	}
	c.m[id] = cached[T]{v, now.Add(cacheTTL)}
}

func (c *docCache[T]) clear() {
	c.mu.Lock()
	c.gen++
	c.m = nil
	c.mu.Unlock()
}

func (c *docCache[T]) drop(id string) {
	c.mu.Lock()
	c.gen++
	delete(c.m, id)
	c.mu.Unlock()
}

// cachedPool returns a pool, from the cache when it can. The result is
// shared: callers must not modify it.
func (s *Service) cachedPool(ctx context.Context, op, id string) (*Pool, error) {
	now := s.clock.Now()
	if p, _, ok := s.poolCache.get(id, now); ok {
		return p, nil
	}
	_, gen, _ := s.poolCache.get(id, now)
	var p *Pool
	err := s.docs.View(ctx, func(tx wicket.DocReader) error {
		var err error
		p, err = loadPool(tx, op, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.poolCache.put(id, p, gen, now)
	return p, nil
}

// cachedIdentity returns an identity, from the cache when it can; shared,
// not to be modified.
func (s *Service) cachedIdentity(ctx context.Context, op, id string) (*Identity, error) {
	if err := checkIdentityID(op, id); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	if i, _, ok := s.identityCache.get(id, now); ok {
		return i, nil
	}
	_, gen, _ := s.identityCache.get(id, now)
	var i *Identity
	err := s.docs.View(ctx, func(tx wicket.DocReader) error {
		var err error
		i, err = loadIdentity(tx, op, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.identityCache.put(id, i, gen, now)
	return i, nil
}

// A pool's identities are counted only when a cap is set, and in memory:
// the count is loaded once per pool by walking the pool's index, then kept
// by the writes of this process. (A store write per GetId to keep a
// counter would cost the guest flow a third of its throughput. With many
// nodes each counts what it sees after its load, so the cap is a bound
// per node's view — enough to stop a flood.)
type counts struct {
	mu sync.Mutex
	n  map[string]int
}

// reserve counts one more identity of pool, loading the count inside the
// caller's transaction if it is not known, and fails with
// LimitExceededException at the cap. Transactions run one at a time, so
// check and increment cannot interleave with another's.
func (s *Service) reserve(tx wicket.DocReader, op, pool string) error {
	max := s.limits.MaxIdentitiesPerPool
	if max <= 0 {
		return nil
	}
	c := &s.counts
	c.mu.Lock()
	n, ok := c.n[pool]
	c.mu.Unlock()
	if !ok {
		n = 0
		if err := poolIdentities(tx, pool, "", func(*Identity) bool { n++; return true }); err != nil {
			return err
		}
	}
	if n >= max {
		return limitExceeded(op, fmt.Sprintf("The identity pool %s has reached its limit of %d identities.", pool, max))
	}
	c.mu.Lock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[pool] = n + 1
	c.mu.Unlock()
	return nil
}

// uncount gives back identities of pool: deleted ones, or reservations
// whose transaction failed.
func (s *Service) uncount(pool string, k int) {
	c := &s.counts
	c.mu.Lock()
	if n, ok := c.n[pool]; ok {
		c.n[pool] = max(n-k, 0)
	}
	c.mu.Unlock()
}
