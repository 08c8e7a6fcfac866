// Package memory holds Wicket's storage ports in memory — a MetaStore and a
// BlobStore — for tests and examples. They pass the same conformance suite
// as the stores on disk, and forget everything when the process ends.
package memory

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wicket-io/wicket"
)

// Store is a MetaStore in memory. One mutex guards everything: it is meant
// for tests, where simple beats fast.
type Store struct {
	mu      sync.RWMutex
	buckets map[string]*bucket
	uploads map[string]*upload // by id
}

var _ wicket.MetaStore = (*Store)(nil)

type bucket struct {
	info    wicket.Bucket
	config  map[string][]byte
	objects map[string]*wicket.Object
	keys    []string  // the keys of objects, sorted: the listing order
	uploads []*upload // sorted by (key, initiated, id): the upload listing order
}

type upload struct {
	wicket.Upload
	parts map[int]wicket.Part
}

// New returns an empty Store.
func New() *Store {
	return &Store{buckets: make(map[string]*bucket), uploads: make(map[string]*upload)}
}

// Close does nothing: there is nothing to release.
func (s *Store) Close() error { return nil }

const (
	maxKeyLen     = 1024  // S3's bound on a key, in bytes
	maxPage       = 1000  // S3's bound on a listing page
	maxPartNumber = 10000 // S3's bound on part numbers
)

// normTime keeps what the SQLite store keeps of a time — nanoseconds in
// UTC, no monotonic reading — so that both stores return equal values.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.Unix(0, t.UnixNano()).UTC()
}

func cloneMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

func cloneSegments(s []wicket.Segment) []wicket.Segment {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

// cloneObject copies o deeply: the store never shares a map or slice with
// a caller, who may change it.
func cloneObject(o *wicket.Object) *wicket.Object {
	c := *o
	c.Modified = normTime(o.Modified)
	c.Headers = cloneMap(o.Headers)
	c.Meta = cloneMap(o.Meta)
	c.Checksums = cloneMap(o.Checksums)
	c.Tags = cloneMap(o.Tags)
	c.Segments = cloneSegments(o.Segments)
	c.Lock.RetainUntil = normTime(o.Lock.RetainUntil)
	return &c
}

func checkKey(op, key string) error {
	if key == "" {
		return wicket.E(op, wicket.Invalid, "The object key is empty.")
	}
	if len(key) > maxKeyLen {
		return &wicket.Error{Op: op, Kind: wicket.TooLarge, Code: "KeyTooLongError", Message: "Your key is too long.",
			Err: fmt.Errorf("key of %d bytes", len(key))}
	}
	return nil
}

func checkPage(op string, n int) (int, error) {
	if n < 0 {
		return 0, wicket.E(op, wicket.Invalid, "The page size must not be negative.")
	}
	return min(n, maxPage), nil
}

// bucket returns the named bucket or NoSuchBucket. The caller holds mu.
func (s *Store) bucket(op, name string) (*bucket, error) {
	b, ok := s.buckets[name]
	if !ok {
		return nil, noSuchBucket(op, name)
	}
	return b, nil
}

// CreateBucket creates a bucket; an existing one is always the caller's own.
func (s *Store) CreateBucket(ctx context.Context, b wicket.Bucket) error {
	const op = "memory.CreateBucket"
	if err := ctx.Err(); err != nil {
		return wicket.E(op, err)
	}
	if b.Name == "" {
		return wicket.E(op, wicket.Invalid, "bucket name is empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.buckets[b.Name]; ok {
		return coded(op, wicket.Conflict, "BucketAlreadyOwnedByYou",
			"Your previous request to create the named bucket succeeded and you already own it.", "bucket "+b.Name)
	}
	b.Created = normTime(b.Created)
	s.buckets[b.Name] = &bucket{info: b, config: make(map[string][]byte), objects: make(map[string]*wicket.Object)}
	return nil
}

// GetBucket returns a bucket, or NoSuchBucket.
func (s *Store) GetBucket(ctx context.Context, name string) (wicket.Bucket, error) {
	const op = "memory.GetBucket"
	if err := ctx.Err(); err != nil {
		return wicket.Bucket{}, wicket.E(op, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucket(op, name)
	if err != nil {
		return wicket.Bucket{}, err
	}
	return b.info, nil
}

// ListBuckets returns every bucket by name.
func (s *Store) ListBuckets(ctx context.Context) ([]wicket.Bucket, error) {
	if err := ctx.Err(); err != nil {
		return nil, wicket.E("memory.ListBuckets", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []wicket.Bucket
	for _, b := range s.buckets {
		out = append(out, b.info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DeleteBucket removes an empty bucket and its configuration.
func (s *Store) DeleteBucket(ctx context.Context, name string) ([]wicket.Segment, error) {
	const op = "memory.DeleteBucket"
	if err := ctx.Err(); err != nil {
		return nil, wicket.E(op, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(op, name)
	if err != nil {
		return nil, err
	}
	if len(b.objects) > 0 {
		return nil, coded(op, wicket.Conflict, "BucketNotEmpty", "The bucket you tried to delete is not empty.", "bucket "+name)
	}
	var dropped []wicket.Segment
	for _, u := range append([]*upload(nil), b.uploads...) {
		for _, p := range sortedParts(u) {
			dropped = append(dropped, p.Segment)
		}
		s.removeUpload(b, u)
	}
	delete(s.buckets, name)
	return dropped, nil
}

// PutBucketConfig stores (or, with a nil doc, deletes) a configuration
// document.
func (s *Store) PutBucketConfig(ctx context.Context, bucket, kind string, doc []byte) error {
	const op = "memory.PutBucketConfig"
	if err := ctx.Err(); err != nil {
		return wicket.E(op, err)
	}
	if kind == "" {
		return wicket.E(op, wicket.Invalid, "configuration kind is empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(op, bucket)
	if err != nil {
		return err
	}
	if doc == nil {
		delete(b.config, kind)
		return nil
	}
	b.config[kind] = slices.Clone(doc)
	return nil
}

// GetBucketConfig returns a configuration document, NotFound (without a
// code) when there is none of that kind, or NoSuchBucket.
func (s *Store) GetBucketConfig(ctx context.Context, bucket, kind string) ([]byte, error) {
	const op = "memory.GetBucketConfig"
	if err := ctx.Err(); err != nil {
		return nil, wicket.E(op, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucket(op, bucket)
	if err != nil {
		return nil, err
	}
	doc, ok := b.config[kind]
	if !ok {
		return nil, wicket.E(op, wicket.NotFound, "The bucket has no configuration of this kind.",
			fmt.Errorf("%s configuration of bucket %s", kind, bucket))
	}
	return append([]byte{}, doc...), nil
}

// checkPrecondition applies cond as AWS does for conditional writes:
// If-None-Match: * fails with 412 when an object exists; If-Match fails
// with 404 NoSuchKey when none does and 412 when the ETag differs. An
// object under Object Lock is not replaced or deleted.
func checkPrecondition(op, bucket, key string, cond wicket.Precondition, cur *wicket.Object) error {
	if cond.IfNoneMatch && cur != nil {
		return preconditionFailed(op, bucket, key)
	}
	if cond.IfMatch != "" {
		if cur == nil {
			return noSuchKey(op, bucket, key)
		}
		if cond.IfMatch != "*" && cond.IfMatch != cur.ETag {
			return preconditionFailed(op, bucket, key)
		}
	}
	if cur != nil && cur.Lock.Protects(cond.Now, cond.BypassGovernance) {
		return objectLocked(op, bucket, key)
	}
	return nil
}

// unreferenced returns the segments of old whose blobs kept does not use:
// a write that keeps a blob must not hand it to the caller for deletion.
func unreferenced(old, kept []wicket.Segment) []wicket.Segment {
	var out []wicket.Segment
	for _, s := range old {
		if s.Blob != "" && !slices.ContainsFunc(kept, func(k wicket.Segment) bool { return k.Blob == s.Blob }) {
			out = append(out, s)
		}
	}
	return out
}

// put writes o (already cloned) after checking cond; the caller holds mu.
func (b *bucket) put(op string, o *wicket.Object, cond wicket.Precondition) ([]wicket.Segment, error) {
	cur := b.objects[o.Key]
	if err := checkPrecondition(op, o.Bucket, o.Key, cond, cur); err != nil {
		return nil, err
	}
	b.objects[o.Key] = o
	if cur == nil {
		i, _ := slices.BinarySearch(b.keys, o.Key)
		b.keys = slices.Insert(b.keys, i, o.Key)
		return nil, nil
	}
	return unreferenced(cur.Segments, o.Segments), nil
}

// PutObject creates or replaces an object.
func (s *Store) PutObject(ctx context.Context, o *wicket.Object, cond wicket.Precondition) ([]wicket.Segment, error) {
	const op = "memory.PutObject"
	if err := ctx.Err(); err != nil {
		return nil, wicket.E(op, err)
	}
	if o == nil {
		return nil, wicket.E(op, wicket.Invalid, "no object")
	}
	if err := checkKey(op, o.Key); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(op, o.Bucket)
	if err != nil {
		return nil, err
	}
	return b.put(op, cloneObject(o), cond)
}

// GetObject returns an object with its segments.
func (s *Store) GetObject(ctx context.Context, bucket, key string) (*wicket.Object, error) {
	const op = "memory.GetObject"
	if err := ctx.Err(); err != nil {
		return nil, wicket.E(op, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucket(op, bucket)
	if err != nil {
		return nil, err
	}
	o, ok := b.objects[key]
	if !ok {
		return nil, noSuchKey(op, bucket, key)
	}
	return cloneObject(o), nil
}

// DeleteObject removes an object; a missing key is not an error.
func (s *Store) DeleteObject(ctx context.Context, bucket, key string, cond wicket.Precondition) ([]wicket.Segment, error) {
	const op = "memory.DeleteObject"
	if err := ctx.Err(); err != nil {
		return nil, wicket.E(op, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(op, bucket)
	if err != nil {
		return nil, err
	}
	o, ok := b.objects[key]
	if err := checkPrecondition(op, bucket, key, cond, o); err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil
	}
	delete(b.objects, key)
	if i, found := slices.BinarySearch(b.keys, key); found {
		b.keys = slices.Delete(b.keys, i, i+1)
	}
	return unreferenced(o.Segments, nil), nil
}

// SetObjectTags replaces an object's tags, leaving Modified alone.
func (s *Store) SetObjectTags(ctx context.Context, bucket, key string, tags map[string]string) error {
	return s.updateObject(ctx, "memory.SetObjectTags", bucket, key, func(o *wicket.Object) error {
		o.Tags = cloneMap(tags)
		return nil
	})
}

// updateObject replaces the object at key by a copy that fn changes,
// leaving Modified alone; objects are replaced, never changed in place, as
// a reader may hold one.
func (s *Store) updateObject(ctx context.Context, op, bucket, key string, fn func(o *wicket.Object) error) error {
	if err := ctx.Err(); err != nil {
		return wicket.E(op, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(op, bucket)
	if err != nil {
		return err
	}
	o, ok := b.objects[key]
	if !ok {
		return noSuchKey(op, bucket, key)
	}
	c := *o
	if err := fn(&c); err != nil {
		return err
	}
	b.objects[key] = &c
	return nil
}

// SetObjectRetention replaces an object's retention unless that weakens
// one in force.
func (s *Store) SetObjectRetention(ctx context.Context, bucket, key, mode string, until time.Time, cond wicket.Precondition) error {
	const op = "memory.SetObjectRetention"
	return s.updateObject(ctx, op, bucket, key, func(o *wicket.Object) error {
		if !o.Lock.AllowsRetention(mode, until, cond.Now, cond.BypassGovernance) {
			return objectLocked(op, bucket, key)
		}
		o.Lock.Mode, o.Lock.RetainUntil = mode, time.Time{}
		if mode != "" {
			o.Lock.RetainUntil = normTime(until)
		}
		return nil
	})
}

// SetObjectLegalHold sets an object's legal hold.
func (s *Store) SetObjectLegalHold(ctx context.Context, bucket, key, hold string) error {
	return s.updateObject(ctx, "memory.SetObjectLegalHold", bucket, key, func(o *wicket.Object) error {
		o.Lock.LegalHold = hold
		return nil
	})
}

// noEnd sorts after every key (keys are at most maxKeyLen bytes).
var noEnd = strings.Repeat("\xff", maxKeyLen+1)

// upperBound returns the least string greater than every string that
// begins with p, or "" when there is none.
func upperBound(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] != 0xff {
			return p[:i] + string([]byte{p[i] + 1})
		}
	}
	return ""
}

// commonPrefix returns the common prefix key (which begins with prefix)
// rolls up into, if any.
func commonPrefix(key, prefix, delim string) (string, bool) {
	if delim == "" {
		return "", false
	}
	i := strings.Index(key[len(prefix):], delim)
	if i < 0 {
		return "", false
	}
	return key[:len(prefix)+i+len(delim)], true
}

// startRange returns the keys under prefix after the exclusive marker
// after, as [from, end), or ok=false if there are none.
func startRange(prefix, after string) (from, end string, ok bool) {
	from, end = prefix, upperBound(prefix)
	if end == "" {
		end = noEnd
	}
	if after >= from {
		from = after + "\x00"
	}
	return from, end, from < end
}

// ListObjects returns a page of objects and common prefixes in key order.
// The objects carry what a listing shows: no headers, metadata, tags or
// segments.
func (s *Store) ListObjects(ctx context.Context, bucketName string, q wicket.ListQuery) (*wicket.ListPage, error) {
	const op = "memory.ListObjects"
	if err := ctx.Err(); err != nil {
		return nil, wicket.E(op, err)
	}
	max, err := checkPage(op, q.MaxKeys)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucket(op, bucketName)
	if err != nil {
		return nil, err
	}
	page := &wicket.ListPage{}
	from, end, ok := startRange(q.Prefix, q.After)
	if !ok || max == 0 {
		return page, nil
	}
	n, last := 0, ""
	i, _ := slices.BinarySearch(b.keys, from)
	for i < len(b.keys) && b.keys[i] < end {
		key := b.keys[i]
		if p, ok := commonPrefix(key, q.Prefix, q.Delimiter); ok {
			if p > q.After {
				if n == max {
					page.Truncated = true
					break
				}
				page.CommonPrefixes = append(page.CommonPrefixes, p)
				n, last = n+1, p
			}
			next := upperBound(p)
			if next == "" {
				break
			}
			i, _ = slices.BinarySearch(b.keys, next)
			continue
		}
		if n == max {
			page.Truncated = true
			break
		}
		o := b.objects[key]
		page.Objects = append(page.Objects, wicket.Object{
			Bucket: o.Bucket, Key: o.Key, Size: o.Size, ETag: o.ETag, Modified: o.Modified,
			Checksums: cloneMap(o.Checksums), ChecksumType: o.ChecksumType,
		})
		n, last = n+1, key
		i++
	}
	if page.Truncated {
		page.Next = last
	}
	return page, nil
}

// Blobs calls fn with every blob an object or a part refers to. It copies
// the ids first, so that fn runs without the lock and may call the store.
func (s *Store) Blobs(ctx context.Context, fn func(id string) error) error {
	if err := ctx.Err(); err != nil {
		return wicket.E("memory.Blobs", err)
	}
	s.mu.RLock()
	var ids []string
	for _, b := range s.buckets {
		for _, o := range b.objects {
			for _, seg := range o.Segments {
				if seg.Blob != "" { // inline data has no blob
					ids = append(ids, seg.Blob)
				}
			}
		}
	}
	for _, u := range s.uploads {
		for _, p := range u.parts {
			ids = append(ids, p.Blob)
		}
	}
	s.mu.RUnlock()
	for _, id := range ids {
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}
