package sqlite

import (
	"maps"
	"slices"
	"sync"

	"github.com/wicket-io/wicket"
)

// maxCachedObjects and maxCachedBytes (of inline data) bound the object
// cache; when either is reached it starts over.
const (
	maxCachedObjects = 10000
	maxCachedBytes   = 32 << 20
)

// objectCache keeps objects recently read, so that a GET of a hot key costs
// no query (a point read through database/sql and SQLite is most of a small
// GET's work). Correctness rests on the single writer: every change goes
// through one commit, and each commit empties the cache and moves its
// generation before any caller hears of the commit. A read stores what it
// read only if no commit happened since it began, so a read that raced
// with a commit can never put back what the commit replaced.
type objectCache struct {
	mu    sync.RWMutex
	gen   uint64
	m     map[objectKey]*wicket.Object
	bytes int // inline data held
}

type objectKey struct{ bucket, key string }

// get returns a copy of the cached object, or nil, and the generation a
// read that misses must present to put.
func (c *objectCache) get(bucket, key string) (*wicket.Object, uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	o := c.m[objectKey{bucket, key}]
	if o == nil {
		return nil, c.gen
	}
	return cloneObject(o), c.gen
}

// put caches o, read at generation gen, unless a commit came since.
func (c *objectCache) put(bucket, key string, o *wicket.Object, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	n := 0
	for _, s := range o.Segments {
		n += len(s.Data)
	}
	if c.m == nil || len(c.m) >= maxCachedObjects || c.bytes+n > maxCachedBytes {
		c.m = make(map[objectKey]*wicket.Object)
		c.bytes = 0
	}
	c.m[objectKey{bucket, key}] = cloneObject(o)
	c.bytes += n
}

// invalidate forgets everything; the writer calls it after every commit.
func (c *objectCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
	c.bytes = 0
}

// cloneObject copies an object deeply, so that neither the cache nor its
// callers see each other's changes.
func cloneObject(o *wicket.Object) *wicket.Object {
	c := *o
	c.Headers, c.Meta, c.Checksums, c.Tags = maps.Clone(o.Headers), maps.Clone(o.Meta), maps.Clone(o.Checksums), maps.Clone(o.Tags)
	c.Segments = slices.Clone(o.Segments)
	return &c
}
