package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/storage/storetest"
)

func open(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestMetaStore(t *testing.T) {
	storetest.RunMetaStore(t, func(t *testing.T) wicket.MetaStore {
		return open(t, filepath.Join(t.TempDir(), "meta.db"))
	})
}

var ctx = context.Background()

func obj(bucket, key, blob string) *wicket.Object {
	return &wicket.Object{Bucket: bucket, Key: key, Size: 1, ETag: "etag-" + blob, Modified: time.Unix(1700000000, 5),
		Meta: map[string]string{"k": "v"}, Segments: []wicket.Segment{{Blob: blob, Size: 1}}}
}

// What was acknowledged is there after the store is closed and opened
// again, and opening an up-to-date database runs no migration twice.
func TestDurableAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket(ctx, wicket.Bucket{Name: "b", Region: "r", Created: time.Unix(1, 0)}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if _, err := s.PutObject(ctx, obj("b", fmt.Sprintf("k%02d", i), fmt.Sprintf("blob%02d", i)), wicket.Precondition{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := s.PutBucketConfig(ctx, "b", "policy", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUpload(ctx, &wicket.Upload{ID: "u", Bucket: "b", Key: "big"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutPart(ctx, "b", "big", &wicket.Part{UploadID: "u", Number: 1, Segment: wicket.Segment{Blob: "p1"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.GetBucket(ctx, "b"); err == nil {
		t.Error("GetBucket on a closed store succeeded")
	}
	if err := s.CreateBucket(ctx, wicket.Bucket{Name: "c"}); wicket.KindOf(err) != wicket.Unavailable {
		t.Errorf("CreateBucket on a closed store: %v, want Unavailable", err)
	}

	s = open(t, path)
	page, err := s.ListObjects(ctx, "b", wicket.ListQuery{MaxKeys: 1000})
	if err != nil || len(page.Objects) != 50 {
		t.Fatalf("after reopen: %d objects, %v", len(page.Objects), err)
	}
	o, err := s.GetObject(ctx, "b", "k07")
	if err != nil || o.ETag != "etag-blob07" || o.Meta["k"] != "v" || !o.Modified.Equal(time.Unix(1700000000, 5)) {
		t.Errorf("after reopen: %+v, %v", o, err)
	}
	if doc, err := s.GetBucketConfig(ctx, "b", "policy"); err != nil || string(doc) != "{}" {
		t.Errorf("config after reopen: %q, %v", doc, err)
	}
	if parts, _, err := s.ListParts(ctx, "b", "big", "u", 0, 10); err != nil || len(parts) != 1 {
		t.Errorf("parts after reopen: %v, %v", parts, err)
	}
	var version int
	if err := s.rdb.QueryRow(`SELECT version FROM schema_version`).Scan(&version); err != nil || version != len(migrations) {
		t.Errorf("schema_version = %d, %v; want %d", version, err, len(migrations))
	}
}

// Writers running at once share commits: fewer transactions than writes,
// and each write still answered with its own outcome — a failing one rolls
// back alone inside its batch.
func TestGroupCommit(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "meta.db"))
	if err := s.CreateBucket(ctx, wicket.Bucket{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutObject(ctx, obj("b", "lock", "lock"), wicket.Precondition{}); err != nil {
		t.Fatal(err)
	}
	before := s.Stats()
	const writers, each = 32, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				key := fmt.Sprintf("w%02d-%d", w, i)
				if _, err := s.PutObject(ctx, obj("b", key, key), wicket.Precondition{}); err != nil {
					t.Error(err)
				}
				_, err := s.PutObject(ctx, obj("b", "lock", "x"+key), wicket.Precondition{IfNoneMatch: true})
				if wicket.CodeOf(err) != "PreconditionFailed" {
					t.Errorf("conditional create over an existing key: %v", err)
				}
			}
		})
	}
	wg.Wait()
	st := s.Stats()
	commits, ops := st.Commits-before.Commits, st.Ops-before.Ops
	t.Logf("%d write operations in %d commits, largest batch %d", ops, commits, st.MaxBatch)
	if ops != 2*writers*each {
		t.Errorf("Ops = %d, want %d", ops, 2*writers*each)
	}
	if commits >= ops/2 {
		t.Errorf("%d commits for %d concurrent writes: commits are not shared", commits, ops)
	}
	page, err := s.ListObjects(ctx, "b", wicket.ListQuery{MaxKeys: 1000})
	if err != nil || len(page.Objects) != writers*each+1 {
		t.Fatalf("%d objects, %v; want %d", len(page.Objects), err, writers*each+1)
	}
	if o, err := s.GetObject(ctx, "b", "lock"); err != nil || o.ETag != "etag-lock" {
		t.Errorf("lock = %+v, %v; a failed conditional write changed it", o, err)
	}
}

// Operations batched into one transaction fail alone: one that fails after
// writing, or panics, is rolled back to its savepoint while the others in
// its batch commit.
func TestFailedOperationRollsBackAlone(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "meta.db"))
	// Hold the writer so that the next four queue up and run as one batch.
	release := make(chan struct{})
	held := make(chan error, 1)
	go func() { held <- s.write(ctx, "test", func(*writeTx) error { <-release; return nil }) }()
	waitFor(t, func() bool { return s.Stats().Ops == 1 })

	insert := func(name string) func(w *writeTx) error {
		return func(w *writeTx) error {
			_, err := w.exec(`INSERT INTO buckets (name, region, created) VALUES (?, '', 0)`, name)
			return err
		}
	}
	ops := map[string]func(w *writeTx) error{
		"ok1": insert("ok1"),
		"ok2": insert("ok2"),
		"fails": func(w *writeTx) error {
			if err := insert("fails")(w); err != nil {
				return err
			}
			return errors.New("fails after writing")
		},
		"panics": func(w *writeTx) error {
			if err := insert("panics")(w); err != nil {
				return err
			}
			panic("boom")
		},
	}
	results := make(map[string]chan error)
	for name, fn := range ops {
		ch := make(chan error, 1)
		results[name] = ch
		go func() { ch <- s.write(ctx, "test", fn) }()
	}
	waitFor(t, func() bool { return len(s.queue) == len(ops) })
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	for name, ch := range results {
		err := <-ch
		switch name {
		case "ok1", "ok2":
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
		case "fails":
			if err == nil || err.Error() != "fails after writing" {
				t.Errorf("%s: %v", name, err)
			}
		case "panics":
			if wicket.KindOf(err) != wicket.Internal {
				t.Errorf("%s: %v, want Internal", name, err)
			}
		}
	}
	for name := range ops {
		_, err := s.GetBucket(ctx, name)
		if ok := name == "ok1" || name == "ok2"; ok != (err == nil) {
			t.Errorf("bucket %s after the batch: %v", name, err)
		}
	}
	if st := s.Stats(); st.Commits != 2 || st.MaxBatch != len(ops) {
		t.Errorf("Stats = %+v, want 2 commits, a batch of %d", st, len(ops))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}

// A write whose caller gives up while it is queued is not run; one the
// writer has taken is answered with its real outcome.
func TestCancelWhileQueued(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "meta.db"))
	if err := s.CreateBucket(ctx, wicket.Bucket{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, time.Duration(i%5)*100*time.Microsecond)
			defer cancel()
			key := fmt.Sprintf("k%03d", i)
			_, err := s.PutObject(cctx, obj("b", key, key), wicket.Precondition{})
			_, getErr := s.GetObject(ctx, "b", key)
			switch {
			case err == nil && getErr != nil:
				t.Errorf("%s: acknowledged but missing: %v", key, getErr)
			case err != nil && getErr == nil:
				t.Errorf("%s: reported failed (%v) but written", key, err)
			}
		})
	}
	wg.Wait()
}

// A listing with a delimiter costs a seek per common prefix, not a row per
// key under it: with 2000 keys under one prefix the page reads a handful
// of rows.
func TestDelimiterSkipsPrefixes(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "meta.db"))
	if err := s.CreateBucket(ctx, wicket.Bucket{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	var objs []*wicket.Object
	for i := range 2000 {
		k := fmt.Sprintf("big/%05d", i)
		objs = append(objs, obj("b", k, k))
	}
	for _, k := range []string{"a", "c/1", "d"} {
		objs = append(objs, obj("b", k, k))
	}
	// In one transaction: only the listing is under test.
	err := s.write(ctx, "test", func(w *writeTx) error {
		for _, o := range objs {
			row, err := encodeObject(o)
			if err != nil {
				return err
			}
			if _, err := w.putObject("test", o, row, wicket.Precondition{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	before := s.listRows.Load()
	page, err := s.ListObjects(ctx, "b", wicket.ListQuery{Delimiter: "/", MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(objectKeysOf(page), page.CommonPrefixes); got != "[a d] [big/ c/]" {
		t.Fatalf("page = %s", got)
	}
	if n := s.listRows.Load() - before; n > 6 {
		t.Errorf("delimited listing read %d rows: it reads the keys under a common prefix", n)
	}
}

func objectKeysOf(p *wicket.ListPage) []string {
	var keys []string
	for _, o := range p.Objects {
		keys = append(keys, o.Key)
	}
	return keys
}

// Every listing query is an index range, never a scan or a sort.
func TestQueriesUseIndexes(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "meta.db"))
	queries := []string{listObjectsQuery, listUploadsQuery, listUploadsAfterQuery, listUploadsAfterIDQuery, listPartsQuery, selectObject,
		blobsObjectsQuery, blobsPartsQuery}
	for _, q := range queries {
		args := make([]any, strings.Count(q, "?"))
		rows, err := s.rdb.Query(`EXPLAIN QUERY PLAN `+q, args...)
		if err != nil {
			t.Fatalf("explain %s: %v", q, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		p := strings.Join(plan, "; ")
		if !strings.Contains(p, "SEARCH") || strings.Contains(p, "TEMP B-TREE") || strings.Contains(p, "SCAN") {
			t.Errorf("plan of %s:\n%s", q, p)
		}
	}
}

func TestTooManyBuckets(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "meta.db"), Options{MaxBuckets: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, n := range []string{"a", "b"} {
		if err := s.CreateBucket(ctx, wicket.Bucket{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	err = s.CreateBucket(ctx, wicket.Bucket{Name: "c"})
	if wicket.CodeOf(err) != "TooManyBuckets" {
		t.Errorf("third bucket of two allowed: %v", err)
	}
}

func BenchmarkGetObject(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "meta.db"))
	if err := s.CreateBucket(ctx, wicket.Bucket{Name: "b"}); err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		k := fmt.Sprintf("photos/%04d.jpg", i)
		o := obj("b", k, k)
		o.Headers = map[string]string{"Content-Type": "image/jpeg"}
		if _, err := s.PutObject(ctx, o, wicket.Precondition{}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("serial", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := s.GetObject(ctx, "b", fmt.Sprintf("photos/%04d.jpg", i%1000)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := s.GetObject(ctx, "b", fmt.Sprintf("photos/%04d.jpg", i%1000)); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
	})
}

func BenchmarkGetBucket(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "meta.db"))
	if err := s.CreateBucket(ctx, wicket.Bucket{Name: "b"}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.GetBucket(ctx, "b"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutObjectParallel puts from 32 goroutines at once, with every
// commit fsynced: the number to watch is commits/op, which group commit
// keeps well below 1.
func BenchmarkPutObjectParallel(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "meta.db"))
	if err := s.CreateBucket(ctx, wicket.Bucket{Name: "b"}); err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
	before := s.Stats()
	var mu sync.Mutex
	n := 0
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		g := n
		n++
		mu.Unlock()
		i := 0
		for pb.Next() {
			k := fmt.Sprintf("g%02d/%08d", g, i)
			if _, err := s.PutObject(ctx, obj("b", k, k), wicket.Precondition{}); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	st := s.Stats()
	b.ReportMetric(float64(st.Commits-before.Commits)/float64(b.N), "commits/op")
	b.ReportMetric(float64(st.MaxBatch), "max-batch")
}

// BenchmarkPutObjectSerial is one writer alone: its latency is one fsync.
func BenchmarkPutObjectSerial(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "meta.db"))
	if err := s.CreateBucket(ctx, wicket.Bucket{Name: "b"}); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		k := fmt.Sprintf("%08d", i)
		if _, err := s.PutObject(ctx, obj("b", k, k), wicket.Precondition{}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// TestReadTransactionsLeaveRoomToPrepare: read transactions that each need
// a statement prepared for the first time cannot take every connection of
// the read pool and wait on each other for ever.
func TestReadTransactionsLeaveRoomToPrepare(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "meta.db"), Options{Readers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.CreateBucket(ctx, wicket.Bucket{Name: "b", Region: "us-east-1", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			var err error
			if i%2 == 0 {
				_, err = s.ListObjects(ctx, "b", wicket.ListQuery{Prefix: "p", MaxKeys: 10})
			} else {
				_, err = s.ListUploads(ctx, "b", wicket.UploadQuery{MaxUploads: 10})
			}
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Fatalf("a read under contention: %v", err)
		}
	}
}
