package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/storage/storetest"
)

func TestDocStore(t *testing.T) {
	storetest.RunDocStore(t, func(t *testing.T) wicket.DocStore {
		return open(t, filepath.Join(t.TempDir(), "meta.db"))
	})
}

func putDoc(t testing.TB, s *Store, coll, id, doc string) {
	t.Helper()
	if err := s.Update(ctx, func(tx wicket.DocTx) error { return tx.Put(coll, id, []byte(doc)) }); err != nil {
		t.Fatal(err)
	}
}

func getDoc(s *Store, coll, id string) (doc []byte, err error) {
	err = s.View(ctx, func(tx wicket.DocReader) error {
		doc, err = tx.Get(coll, id)
		return err
	})
	return doc, err
}

// What an Update was acknowledged for is there after the store is closed
// and opened again; a closed store refuses both kinds of transaction.
func TestDocsDurableAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			err := s.Update(ctx, func(tx wicket.DocTx) error {
				return tx.Put("users", fmt.Sprintf("u%02d", i), []byte(fmt.Sprintf(`{"n":%d}`, i)))
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	putDoc(t, s, "users", "gone", "x")
	if err := s.Update(ctx, func(tx wicket.DocTx) error { _, err := tx.Delete("users", "gone"); return err }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx wicket.DocTx) error { return nil }); wicket.KindOf(err) != wicket.Unavailable {
		t.Errorf("Update on a closed store: %v, want Unavailable", err)
	}
	if err := s.View(ctx, func(tx wicket.DocReader) error { return nil }); wicket.KindOf(err) != wicket.Unavailable {
		t.Errorf("View on a closed store: %v, want Unavailable", err)
	}

	s = open(t, path)
	n := 0
	err = s.View(ctx, func(tx wicket.DocReader) error {
		return tx.Scan("users", "", "", func(id string, doc []byte) bool {
			if want := fmt.Sprintf(`{"n":%d}`, n); id != fmt.Sprintf("u%02d", n) || string(doc) != want {
				t.Errorf("after reopen, document %d is %s = %s", n, id, doc)
			}
			n++
			return true
		})
	})
	if err != nil || n != 50 {
		t.Errorf("after reopen: %d documents, %v; want 50", n, err)
	}
}

// A database made before the DocStore existed (schema version 1) gains
// the docs table and the objects' lock column when opened, and keeps its
// objects.
func TestDocsMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket(ctx, wicket.Bucket{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutObject(ctx, &wicket.Object{Bucket: "b", Key: "k", ETag: "e"}, wicket.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TABLE docs`, `ALTER TABLE objects DROP COLUMN lock`, `UPDATE schema_version SET version = 1`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path)
	putDoc(t, s, "c", "k", "v")
	if doc, err := getDoc(s, "c", "k"); err != nil || string(doc) != "v" {
		t.Errorf("Get after migrating = %q, %v", doc, err)
	}
	if _, err := s.GetBucket(ctx, "b"); err != nil {
		t.Errorf("bucket after migrating: %v", err)
	}
	if o, err := s.GetObject(ctx, "b", "k"); err != nil || o.ETag != "e" || o.Lock != (wicket.ObjectLock{}) {
		t.Errorf("object after migrating = %+v, %v", o, err)
	}
	var version int
	if err := s.rdb.QueryRow(`SELECT version FROM schema_version`).Scan(&version); err != nil || version != len(migrations) {
		t.Errorf("schema_version = %d, %v; want %d", version, err, len(migrations))
	}
}

// Updates share the writer's commits with each other and with object
// writes, and one whose fn fails is rolled back alone inside its batch.
func TestDocUpdatesShareCommits(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "meta.db"))
	if err := s.CreateBucket(ctx, wicket.Bucket{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	// Hold the writer so that what follows queues up and runs as one batch.
	before := s.Stats()
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock) // before the store's Close, which waits for the writer
	held := make(chan error, 1)
	go func() { held <- s.write(ctx, "test", func(*writeTx) error { <-release; return nil }) }()
	waitFor(t, func() bool { return s.Stats().Ops == before.Ops+1 })

	ruleBroken := errors.New("rule broken")
	updates := map[string]func(tx wicket.DocTx) error{
		"ok1": func(tx wicket.DocTx) error { return tx.Put("c", "ok1", []byte("v")) },
		"ok2": func(tx wicket.DocTx) error { return tx.Put("c", "ok2", []byte("v")) },
		"fails": func(tx wicket.DocTx) error {
			if err := tx.Put("c", "fails", []byte("v")); err != nil {
				return err
			}
			return ruleBroken
		},
	}
	results := make(map[string]chan error)
	for name, fn := range updates {
		ch := make(chan error, 1)
		results[name] = ch
		go func() { ch <- s.Update(ctx, fn) }()
	}
	object := make(chan error, 1)
	go func() {
		_, err := s.PutObject(ctx, obj("b", "k", "blob"), wicket.Precondition{})
		object <- err
	}()
	waitFor(t, func() bool { return len(s.queue) == len(updates)+1 })
	unblock()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	for name, ch := range results {
		err := <-ch
		if name == "fails" {
			if err != ruleBroken {
				t.Errorf("%s: %v, want fn's error as it is", name, err)
			}
		} else if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := <-object; err != nil {
		t.Errorf("PutObject: %v", err)
	}
	for name := range updates {
		_, err := getDoc(s, "c", name)
		if ok := name != "fails"; ok != (err == nil) {
			t.Errorf("document %s after the batch: %v", name, err)
		}
	}
	// Two commits: the held write's and the batch's.
	if st := s.Stats(); st.Commits-before.Commits != 2 || st.MaxBatch != len(updates)+1 {
		t.Errorf("Stats = %+v after %+v, want 2 more commits, a batch of %d", st, before, len(updates)+1)
	}
}

// An Update whose fn ignores a failure of the database and returns nil
// still fails, and writes nothing: committing the rest would commit half a
// transaction.
func TestDocUpdateFailsOnIgnoredError(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "meta.db"))
	var putErr error
	err := s.Update(ctx, func(tx wicket.DocTx) error {
		if err := tx.Put("c", "first", []byte("v")); err != nil {
			return err
		}
		// fn runs on the writer goroutine, which may use s.w: break the
		// table under the next Put. The savepoint's rollback mends it.
		if _, err := s.w.exec(`ALTER TABLE docs RENAME TO docs_gone`); err != nil {
			return err
		}
		putErr = tx.Put("c", "second", []byte("v"))
		return nil
	})
	if wicket.KindOf(putErr) != wicket.Unavailable {
		t.Fatalf("Put into a missing table: %v, want Unavailable", putErr)
	}
	if err != putErr {
		t.Errorf("Update = %v, want the ignored failure %v", err, putErr)
	}
	if _, err := getDoc(s, "c", "first"); wicket.KindOf(err) != wicket.NotFound {
		t.Errorf("the Put before the failure was committed: %v", err)
	}
	putDoc(t, s, "c", "after", "v")
}

// Every document query is a search of the primary key, never a scan or a
// sort.
func TestDocQueriesUseIndexes(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "meta.db"))
	for _, q := range []string{getDocQuery, scanDocsQuery, scanDocsToEndQuery, deleteDocQuery} {
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

// BenchmarkDocUpdateParallel runs Updates of one 300-byte Put each from 32
// goroutines at once, every commit fsynced: group commit is what lets
// ops/s go past the disk's fsyncs per second.
func BenchmarkDocUpdateParallel(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "meta.db"))
	doc := []byte(`{"UserName":"` + strings.Repeat("x", 300-15) + `"}`)
	if len(doc) != 300 {
		b.Fatalf("document of %d bytes", len(doc))
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
			id := fmt.Sprintf("g%02d/%08d", g, i)
			if err := s.Update(ctx, func(tx wicket.DocTx) error { return tx.Put("users", id, doc) }); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	st := s.Stats()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64(st.Commits-before.Commits)/float64(b.N), "commits/op")
	b.ReportMetric(float64(st.MaxBatch), "max-batch")
}
