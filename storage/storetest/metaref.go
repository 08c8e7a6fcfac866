package storetest

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
)

// This file holds the MetaStore suite's helpers and its reference
// listings: the simplest code that is obviously right, against which the
// stores' seeking listings are compared.

// listCap is S3's bound on a page, which the stores apply to MaxKeys.
const listCap = 1000

// refList lists keys (sorted, distinct) as a MetaStore must: every entry —
// a key, or the common prefix it rolls up into — greater than After, in
// order, at most MaxKeys of them.
func refList(keys []string, q wicket.ListQuery) (objects, prefixes []string, truncated bool, next string) {
	type entry struct {
		s        string
		isPrefix bool
	}
	var entries []entry
	for _, k := range keys {
		if !strings.HasPrefix(k, q.Prefix) {
			continue
		}
		e := entry{s: k}
		if q.Delimiter != "" {
			if i := strings.Index(k[len(q.Prefix):], q.Delimiter); i >= 0 {
				e = entry{s: k[:len(q.Prefix)+i+len(q.Delimiter)], isPrefix: true}
			}
		}
		if e.s <= q.After || len(entries) > 0 && entries[len(entries)-1] == e {
			continue
		}
		entries = append(entries, e)
	}
	max := min(q.MaxKeys, listCap)
	if max == 0 {
		// S3 answers max-keys=0 with an empty page that is not truncated.
		return nil, nil, false, ""
	}
	if len(entries) > max {
		entries, truncated = entries[:max], true
		next = entries[max-1].s
	}
	for _, e := range entries {
		if e.isPrefix {
			prefixes = append(prefixes, e.s)
		} else {
			objects = append(objects, e.s)
		}
	}
	return objects, prefixes, truncated, next
}

// refUpload is what the reference upload listing knows of an upload.
type refUpload struct {
	key, id   string
	initiated time.Time
}

func refUploadOrder(a, b refUpload) int {
	return cmp.Or(strings.Compare(a.key, b.key), a.initiated.Compare(b.initiated), strings.Compare(a.id, b.id))
}

// refUploads lists uploads as a MetaStore must: in (key, initiation, id)
// order, rolled up into common prefixes, after the markers. UploadAfter
// places the listing after that upload of KeyMarker, or, when there is no
// such upload, after the key's uploads with ids up to it.
func refUploads(all []refUpload, q wicket.UploadQuery) (uploads []refUpload, prefixes []string, truncated bool, nextKey, nextID string) {
	all = slices.Clone(all)
	slices.SortFunc(all, refUploadOrder)
	var marker *refUpload
	for i := range all {
		if all[i].id == q.UploadAfter && all[i].key == q.KeyMarker {
			marker = &all[i]
		}
	}
	type entry struct {
		prefix string // or
		upload refUpload
	}
	var entries []entry
	for _, u := range all {
		if !strings.HasPrefix(u.key, q.Prefix) {
			continue
		}
		if q.Delimiter != "" {
			if i := strings.Index(u.key[len(q.Prefix):], q.Delimiter); i >= 0 {
				p := u.key[:len(q.Prefix)+i+len(q.Delimiter)]
				if p > q.KeyMarker && (len(entries) == 0 || entries[len(entries)-1].prefix != p) {
					entries = append(entries, entry{prefix: p})
				}
				continue
			}
		}
		after := u.key > q.KeyMarker
		if u.key == q.KeyMarker && q.UploadAfter != "" {
			if marker != nil {
				after = refUploadOrder(u, *marker) > 0
			} else {
				after = u.id > q.UploadAfter
			}
		}
		if after {
			entries = append(entries, entry{upload: u})
		}
	}
	max := min(q.MaxUploads, listCap)
	if max == 0 {
		return nil, nil, false, "", ""
	}
	if len(entries) > max {
		entries, truncated = entries[:max], true
		last := entries[max-1]
		if last.prefix != "" {
			nextKey = last.prefix
		} else {
			nextKey, nextID = last.upload.key, last.upload.id
		}
	}
	for _, e := range entries {
		if e.prefix != "" {
			prefixes = append(prefixes, e.prefix)
		} else {
			uploads = append(uploads, e.upload)
		}
	}
	return uploads, prefixes, truncated, nextKey, nextID
}

// randomKeys returns n distinct keys built from pieces chosen to collide
// with the delimiters and prefixes the randomized listings use.
func randomKeys(r *rand.Rand, n int) []string {
	pieces := []string{"a", "b", "/", "/", "-", "ab", "é", "😀", "x/", "a/", " ", "+", "%2F"}
	seen := make(map[string]bool)
	var keys []string
	for len(keys) < n {
		var b strings.Builder
		for range 1 + r.IntN(6) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		if k := b.String(); !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// queryPoints returns prefixes and markers worth listing from: the empty
// string, keys, prefixes of keys and strings that fall between keys.
func queryPoints(r *rand.Rand, keys []string, n int) []string {
	points := []string{"", "a", "a/", "ab", "b/", "zzz", "\U0010ffff"}
	for range n {
		k := keys[r.IntN(len(keys))]
		switch r.IntN(3) {
		case 0:
			points = append(points, k)
		case 1:
			points = append(points, k[:r.IntN(len(k)+1)])
		default:
			points = append(points, k+"a")
		}
	}
	return points
}

var delimiters = []string{"", "/", "-", "ab", "/a", "😀"}

// blobIDs hands out blob ids unique within the test binary.
var blobIDs atomic.Int64

func newBlob() string { return fmt.Sprintf("blob-%06d", blobIDs.Add(1)) }

// testTime is a time with nanoseconds in a zone other than UTC: a store
// must keep the instant, not the zone.
var testTime = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.FixedZone("X", 3600))

// object returns a simple object in one fresh blob, with an ETag derived
// from the blob so that a torn row would show.
func object(bucket, key string) *wicket.Object {
	blob := newBlob()
	return &wicket.Object{
		Bucket: bucket, Key: key, Size: 10, ETag: "etag-" + blob, Modified: testTime,
		Segments: []wicket.Segment{{Blob: blob, Size: 10}},
	}
}

func createBucket(t *testing.T, s wicket.MetaStore, name string) {
	t.Helper()
	if err := s.CreateBucket(context.Background(), wicket.Bucket{Name: name, Region: "us-east-1", Created: testTime}); err != nil {
		t.Fatalf("CreateBucket(%s): %v", name, err)
	}
}

func putObject(t *testing.T, s wicket.MetaStore, o *wicket.Object) []wicket.Segment {
	t.Helper()
	dropped, err := s.PutObject(context.Background(), o, wicket.Precondition{})
	if err != nil {
		t.Fatalf("PutObject(%s/%s): %v", o.Bucket, o.Key, err)
	}
	return dropped
}

// putAll writes objects from several goroutines: a store that batches
// commits fills quickly that way, and it is a concurrency test for free.
func putAll(t *testing.T, s wicket.MetaStore, objects []*wicket.Object) {
	t.Helper()
	var wg sync.WaitGroup
	work := make(chan *wicket.Object)
	for range 16 {
		wg.Go(func() {
			for o := range work {
				if _, err := s.PutObject(context.Background(), o, wicket.Precondition{}); err != nil {
					t.Errorf("PutObject(%s/%s): %v", o.Bucket, o.Key, err)
				}
			}
		})
	}
	for _, o := range objects {
		work <- o
	}
	close(work)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

// wantErr checks err's kind and code.
func wantErr(t *testing.T, what string, err error, kind wicket.Kind, code string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %v (%q)", what, kind, code)
		return
	}
	if wicket.KindOf(err) != kind || wicket.CodeOf(err) != code {
		t.Errorf("%s: err = %v (kind %v, code %q), want kind %v, code %q", what, err, wicket.KindOf(err), wicket.CodeOf(err), kind, code)
	}
}

func equalMaps(a, b map[string]string) bool {
	return len(a) == len(b) && (len(a) == 0 || maps.Equal(a, b))
}

func equalSegments(a, b []wicket.Segment) bool {
	return len(a) == len(b) && (len(a) == 0 || slices.Equal(a, b))
}

// diffObject describes how got differs from want, or returns "". An empty
// map or slice equals a nil one, and times are compared as instants.
func diffObject(got, want *wicket.Object) string {
	var d []string
	check := func(name string, ok bool, g, w any) {
		if !ok {
			d = append(d, fmt.Sprintf("%s = %v, want %v", name, g, w))
		}
	}
	check("Bucket", got.Bucket == want.Bucket, got.Bucket, want.Bucket)
	check("Key", got.Key == want.Key, got.Key, want.Key)
	check("Size", got.Size == want.Size, got.Size, want.Size)
	check("ETag", got.ETag == want.ETag, got.ETag, want.ETag)
	check("Modified", got.Modified.Equal(want.Modified), got.Modified, want.Modified)
	check("Headers", equalMaps(got.Headers, want.Headers), got.Headers, want.Headers)
	check("Meta", equalMaps(got.Meta, want.Meta), got.Meta, want.Meta)
	check("Checksums", equalMaps(got.Checksums, want.Checksums), got.Checksums, want.Checksums)
	check("ChecksumType", got.ChecksumType == want.ChecksumType, got.ChecksumType, want.ChecksumType)
	check("Tags", equalMaps(got.Tags, want.Tags), got.Tags, want.Tags)
	check("Segments", equalSegments(got.Segments, want.Segments), got.Segments, want.Segments)
	check("Lock", got.Lock.Mode == want.Lock.Mode && got.Lock.RetainUntil.Equal(want.Lock.RetainUntil) &&
		got.Lock.LegalHold == want.Lock.LegalHold, got.Lock, want.Lock)
	return strings.Join(d, "; ")
}

// blobsOf returns the segments' blob ids, sorted.
func blobsOf(segs ...[]wicket.Segment) []string {
	var ids []string
	for _, list := range segs {
		for _, s := range list {
			ids = append(ids, s.Blob)
		}
	}
	slices.Sort(ids)
	return ids
}

func objectKeys(objs []wicket.Object) []string {
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	return keys
}

// sameStrings compares string lists, nil equal to empty.
func sameStrings(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || slices.Equal(a, b))
}
