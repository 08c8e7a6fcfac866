package fs

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/storage/storetest"
)

func TestConformance(t *testing.T) {
	storetest.RunBlobStore(t, func(t *testing.T) wicket.BlobStore {
		s, err := Open(t.TempDir(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// A write interrupted by a crash leaves a file in tmp/; Walk removes it once
// it is older than the cut-off, and never reports it as a blob.
func TestWalkRemovesStaleTemporaries(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "tmp", "0123456789abcdef0123456789abcdef")
	fresh := filepath.Join(dir, "tmp", "fedcba9876543210fedcba9876543210")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("torn"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(stale, old, old)
	var seen []string
	if err := s.Walk(context.Background(), time.Now().Add(-time.Hour), func(id string) error {
		seen = append(seen, id)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 0 {
		t.Fatalf("Walk reported temporaries as blobs: %v", seen)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale temporary still there: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Fatalf("fresh temporary removed: %v", err)
	}
}

// TestInterruptedWriteIsSwept: a blob a crash interrupted (written in
// place, never committed) is neither opened nor walked, and Walk removes
// it once it is older than the cut-off.
func TestInterruptedWriteIsSwept(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("half"))
	// The process dies here: no Commit, no Abort.
	path := s.path(w.ID())
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	done, err := s.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done.Write([]byte("whole"))
	if _, err := done.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	s2, err := Open(dir, Options{}) // after the restart
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Open(ctx, w.ID()); wicket.KindOf(err) != wicket.NotFound {
		t.Errorf("Open of the interrupted blob: %v, want NotFound", err)
	}
	var seen []string
	if err := s2.Walk(ctx, time.Now().Add(-time.Minute), func(id string) error { seen = append(seen, id); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != done.ID() {
		t.Errorf("Walk = %v, want only %s", seen, done.ID())
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the interrupted blob is still on disk: %v", err)
	}
}

// TestConcurrentCommitsShareDirectorySyncs: many blobs committed at once
// land in one shard and are all durable and readable.
func TestConcurrentCommitsShareDirectorySyncs(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 48
	ids := make([]string, n)
	errs := make(chan error, n)
	for i := range n {
		go func() {
			w, err := s.Create(ctx)
			if err != nil {
				errs <- err
				return
			}
			ids[i] = w.ID()
			w.Write([]byte(w.ID()))
			_, err = w.Commit(ctx)
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	shards := map[string]bool{}
	for _, id := range ids {
		shards[id[:2]] = true
		b, err := s.Open(ctx, id)
		if err != nil {
			t.Fatalf("open %s: %v", id, err)
		}
		b.Close()
	}
	if len(shards) > n/shardTurn+1 {
		t.Errorf("%d blobs went to %d shards; concurrent writes should share one", n, len(shards))
	}
	st := &s.syncers[shardIndex(ids[0])]
	st.mu.Lock()
	syncs := st.finished
	st.mu.Unlock()
	if syncs == 0 || syncs > n {
		t.Errorf("%d directory syncs for %d blobs", syncs, n)
	}
	t.Logf("%d blobs, %d directory syncs", n, syncs)
}
