package s3api

import (
	"context"
	"sync"
	"time"

	"github.com/wicket-io/wicket"
)

// A configCache keeps one kind of bucket configuration in memory, parsed,
// since requests need it on every call: CORS rules for every request that
// names an Origin, the bucket policy for every request not made by root.
// The handlers that change a configuration (and DeleteBucket) forget the
// bucket's entry, so that a change made through this node applies from the
// next request; entries also expire after configCacheTTL, which bounds how
// long another node (or a bucket deleted and created again) can see an old
// configuration.
const (
	configCacheTTL     = 10 * time.Second
	configCacheEntries = 1024
)

// configCache is ready to use once kind and parse are set. With neither,
// it remembers only which buckets exist (Handler.buckets).
type configCache[T any] struct {
	kind  string                  // the bucket config kind: configCORS, configPolicy
	parse func([]byte) (T, error) // a stored document that no longer parses is Internal

	mu      sync.Mutex
	gen     uint64 // counts forgets, so that a read begun before one does not store a stale value
	entries map[string]configEntry[T]
}

type configEntry[T any] struct {
	value   T // the zero T: the bucket has no such configuration
	expires time.Time
}

// forget drops a bucket's entry; its next request reads the store.
func (c *configCache[T]) forget(bucket string) {
	c.mu.Lock()
	c.gen++
	delete(c.entries, bucket)
	c.mu.Unlock()
}

// get returns a bucket's parsed configuration, the zero T when it has
// none; exists is false when there is no such bucket (which is not cached,
// so that a new bucket is seen at once).
func (c *configCache[T]) get(ctx context.Context, h *Handler, bucket string) (value T, exists bool, err error) {
	now := h.clock.Now()
	c.mu.Lock()
	e, ok := c.entries[bucket]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.value, true, nil
	}

	var zero T
	var doc []byte
	if c.kind == "" {
		_, err = h.meta.GetBucket(ctx, bucket)
	} else {
		doc, err = h.meta.GetBucketConfig(ctx, bucket, c.kind)
	}
	switch {
	case err == nil && c.parse == nil:
	case err == nil:
		if value, err = c.parse(doc); err != nil {
			return zero, false, wicket.E("s3api.configCache", wicket.Internal, err)
		}
	case configMissing(err):
		value = zero
	case wicket.KindOf(err) == wicket.NotFound:
		return zero, false, nil
	default:
		return zero, false, err
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return value, true, nil
	}
	if c.entries == nil {
		c.entries = make(map[string]configEntry[T])
	}
	if len(c.entries) >= configCacheEntries {
		for b, old := range c.entries {
			if !now.Before(old.expires) || len(c.entries) >= configCacheEntries {
				delete(c.entries, b)
			}
		}
	}
	c.entries[bucket] = configEntry[T]{value: value, expires: now.Add(configCacheTTL)}
	return value, true, nil
}

// checkBucket is the early check of a write: NoSuchBucket, before the body
// is read, when the bucket does not exist. Writes are the hot path that
// makes it, so existing buckets are remembered (a missing one is asked
// again every time, so that a new bucket is seen at once). A bucket deleted
// on another node passes for configCacheTTL at most, and the write's commit
// still fails with NoSuchBucket: the store checks the bucket in the same
// transaction.
func (h *Handler) checkBucket(ctx context.Context, bucket string) error {
	_, exists, err := h.buckets.get(ctx, h, bucket)
	if err != nil || exists {
		return err
	}
	_, err = h.meta.GetBucket(ctx, bucket) // the store's own NoSuchBucket
	return err
}
