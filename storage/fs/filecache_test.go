package fs

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
)

func putBlob(t testing.TB, s *Store, data []byte) string {
	t.Helper()
	ctx := context.Background()
	w, err := s.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return w.ID()
}

func readAll(t *testing.T, b wicket.Blob) []byte {
	t.Helper()
	got, err := io.ReadAll(b)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd on this system")
	}
	return len(ents)
}

// A small blob stays open after its first Open: the second Open is served
// from the cache, each handle reads with its own offset, and ReadAt, Seek
// and Read agree with the bytes written.
func TestFileCacheServesSmallBlobs(t *testing.T) {
	s, err := Open(t.TempDir(), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	data := []byte(strings.Repeat("0123456789", 100))
	id := putBlob(t, s, data)
	ctx := context.Background()

	a, err := s.Open(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := a.(*sharedBlob); !ok || s.files.cached() != 1 {
		t.Fatalf("small blob not cached: %T, %d entries", a, s.files.cached())
	}
	b, err := s.Open(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if a.(*sharedBlob).cf != b.(*sharedBlob).cf {
		t.Fatal("second Open did not share the cached file")
	}
	if got := readAll(t, a); !bytes.Equal(got, data) {
		t.Fatalf("first handle read %d bytes, want %d", len(got), len(data))
	}
	// The second handle's offset is its own.
	if _, err := b.Seek(-10, io.SeekEnd); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, b); string(got) != "0123456789" {
		t.Fatalf("after Seek(-10, End): %q", got)
	}
	buf := make([]byte, 5)
	if n, err := b.ReadAt(buf, 3); n != 5 || err != nil || string(buf) != "34567" {
		t.Fatalf("ReadAt: %d %v %q", n, err, buf)
	}
	if b.Size() != int64(len(data)) {
		t.Fatalf("Size %d", b.Size())
	}
	if _, err := b.Seek(-1, io.SeekStart); err == nil {
		t.Fatal("negative Seek accepted")
	}
	a.Close()
	b.Close()
	b.Close() // twice is harmless
	if _, err := b.ReadAt(buf, 0); err == nil {
		t.Fatal("ReadAt after Close succeeded")
	}
}

// A blob larger than cacheMaxSize is opened as its own file, which
// sendfile may seek.
func TestFileCacheSkipsLargeBlobs(t *testing.T) {
	s, err := Open(t.TempDir(), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id := putBlob(t, s, make([]byte, cacheMaxSize+1))
	b, err := s.Open(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, ok := b.(*Blob); !ok || s.files.cached() != 0 {
		t.Fatalf("large blob: %T, %d cache entries", b, s.files.cached())
	}
}

// Delete drops the cached file: a handle already out reads the whole
// blob to the end, the next Open is NotFound, and the descriptor is
// closed once the last handle is.
func TestFileCacheDelete(t *testing.T) {
	s, err := Open(t.TempDir(), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	data := []byte("old bytes")
	id := putBlob(t, s, data)
	before := openFDs(t)
	b, err := s.Open(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, id); wicket.KindOf(err) != wicket.NotFound {
		t.Fatalf("Open after Delete: %v", err)
	}
	if got := readAll(t, b); !bytes.Equal(got, data) {
		t.Fatalf("handle opened before Delete read %q", got)
	}
	b.Close()
	if n := openFDs(t); n != before {
		t.Fatalf("%d descriptors open after the last Close, %d before", n, before)
	}
}

// The cache's bound leaves room under the process's descriptor limit.
func TestFileCacheBoundFollowsLimit(t *testing.T) {
	s, err := Open(t.TempDir(), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if want := min(cacheMaxEntries, DescriptorLimit()/8); s.files.max != want || want > DescriptorLimit()/8 {
		t.Fatalf("cache bound %d with a limit of %d descriptors", s.files.max, DescriptorLimit())
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	none := fileTable{max: 0}
	if _, gen, _ := none.acquire("x"); func() bool { _, ok := none.add("x", f, 0, gen); return ok }() {
		t.Fatal("a cache bounded to 0 files took one")
	}
}

// The cache holds at most its bound (cacheMaxEntries) of files, evicting the least
// recently used, and Close releases every one of them.
func TestFileCacheBounded(t *testing.T) {
	s, err := Open(t.TempDir(), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	before := openFDs(t)
	max := s.files.max
	if max < 16 {
		t.Skipf("descriptor limit too low to test the cache's bound (%d)", max)
	}
	ids := make([]string, max+10)
	for i := range ids {
		ids[i] = putBlob(t, s, []byte{byte(i)})
	}
	for _, id := range ids {
		b, err := s.Open(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		b.Close()
	}
	if n := s.files.cached(); n != max {
		t.Fatalf("%d entries, want %d", n, max)
	}
	if n := openFDs(t); n != before+max {
		t.Fatalf("%d descriptors open, want %d", n, before+max)
	}
	// The first blobs were evicted; the last are still there.
	s.files.mu.Lock()
	first, last := s.files.entries[ids[0]], s.files.entries[ids[len(ids)-1]]
	s.files.mu.Unlock()
	if first != nil || last == nil {
		t.Fatalf("eviction order: first cached %v, last cached %v", first != nil, last != nil)
	}
	s.Close()
	if n := openFDs(t); n != before {
		t.Fatalf("%d descriptors open after Close, %d before", n, before)
	}
	// A closed store's cache takes nothing more.
	b, err := s.Open(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if s.files.cached() != 0 {
		t.Fatal("closed cache took a file")
	}
}

// An Open that raced with a Delete (the file opened before the unlink,
// added after it) does not put the unlinked file in the cache.
func TestFileCacheOpenRacingDelete(t *testing.T) {
	ft := fileTable{max: 8}
	_, gen, err := ft.acquire("someid")
	if err != nil {
		t.Fatal(err)
	}
	if ft.startDelete("someid") {
		t.Fatal("a blob being opened was chosen for recycling")
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, ok := ft.add("someid", f, 0, gen); ok {
		t.Fatal("add after a Delete since the generation was read succeeded")
	}
	_, gen, _ = ft.acquire("someid")
	if _, ok := ft.add("someid", f, 0, gen); !ok {
		t.Fatal("add with the current generation refused")
	}
}

// Concurrent Opens, reads, Deletes and Creates that recycle (run with
// -race): every read of a handle sees the blob's own whole bytes.
func TestFileCacheConcurrent(t *testing.T) {
	s, err := Open(t.TempDir(), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	data := bytes.Repeat([]byte("x"), 4096)
	ids := make([]string, 64)
	for i := range ids {
		ids[i] = putBlob(t, s, data)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				id := ids[(g*7+i)%len(ids)]
				if g == 0 && i%50 == 0 {
					s.Delete(ctx, id)
					continue
				}
				if g == 1 && i%10 == 0 {
					// New blobs reuse the deleted ones' files: a reader
					// of a deleted blob must never see these bytes.
					w, err := s.Create(ctx)
					if err != nil {
						errs <- err
						return
					}
					w.Write(bytes.Repeat([]byte("y"), 4096))
					if _, err := w.Commit(ctx); err != nil {
						errs <- err
						return
					}
					continue
				}
				b, err := s.Open(ctx, id)
				if wicket.KindOf(err) == wicket.NotFound {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				got, err := io.ReadAll(b)
				b.Close()
				if err != nil || !bytes.Equal(got, data) {
					errs <- err
					if err == nil {
						errs <- io.ErrShortBuffer
					}
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func poolFiles(t *testing.T, s *Store) int {
	t.Helper()
	ents, err := os.ReadDir(s.poolDir())
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func readBlob(t *testing.T, s *Store, id string) []byte {
	t.Helper()
	b, err := s.Open(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	return readAll(t, b)
}

// A deleted small blob's file is reused by the next Create: the new blob
// has exactly its own bytes (a longer old content is cut), the old id is
// NotFound, and a reused file that is not yet committed is invisible.
func TestRecycle(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	old := putBlob(t, s, []byte(strings.Repeat("old bytes ", 100)))
	readBlob(t, s, old) // cached, then closed: the cache's reference goes with Delete
	if err := s.Delete(ctx, old); err != nil {
		t.Fatal(err)
	}
	if n := poolFiles(t, s); n != 1 {
		t.Fatalf("%d files in the pool after deleting a small blob", n)
	}
	if _, err := s.Open(ctx, old); wicket.KindOf(err) != wicket.NotFound {
		t.Fatalf("Open of a recycled blob: %v", err)
	}

	// The pooled file is old (its blob was written long ago): reused, it
	// is as new as the write, or Walk would remove it as a crash's
	// leftover while it is being written.
	long := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(filepath.Join(s.poolDir(), old), long, long); err != nil {
		t.Fatal(err)
	}
	w, err := s.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !w.(*writer).reused || poolFiles(t, s) != 0 {
		t.Fatal("Create did not take the pooled file")
	}
	var walked []string
	s.Walk(ctx, time.Now().Add(-time.Hour), func(id string) error { walked = append(walked, id); return nil })
	if _, err := os.Stat(s.path(w.ID())); err != nil {
		t.Fatalf("Walk removed a reused file being written: %v", err)
	}
	w.Write([]byte("new"))
	// Before Commit the reused file is a blob being written.
	if _, err := s.Open(ctx, w.ID()); wicket.KindOf(err) != wicket.NotFound {
		t.Fatalf("Open of an uncommitted reused blob: %v", err)
	}
	s.Walk(ctx, time.Now().Add(-time.Hour), func(id string) error { walked = append(walked, id); return nil })
	if len(walked) != 0 {
		t.Fatalf("Walk reported %v before Commit", walked)
	}
	if n, err := w.Commit(ctx); err != nil || n != 3 {
		t.Fatalf("Commit: %d, %v", n, err)
	}
	if got := readBlob(t, s, w.ID()); string(got) != "new" {
		t.Fatalf("reused blob reads %q", got)
	}

	// An aborted reuse leaves nothing behind.
	if err := s.Delete(ctx, w.ID()); err != nil {
		t.Fatal(err)
	}
	w2, _ := s.Create(ctx)
	if !w2.(*writer).reused {
		t.Fatal("second Create did not reuse")
	}
	w2.Write([]byte("abandoned"))
	w2.Abort()
	walked = nil
	s.Walk(ctx, time.Now().Add(-time.Hour), func(id string) error { walked = append(walked, id); return nil })
	if len(walked) != 0 || poolFiles(t, s) != 0 {
		t.Fatalf("after Abort: blobs %v, %d pooled", walked, poolFiles(t, s))
	}

	// Start-up empties the pool.
	if err := s.Delete(ctx, putBlob(t, s, []byte("x"))); err != nil {
		t.Fatal(err)
	}
	if poolFiles(t, s) != 1 {
		t.Fatal("not pooled")
	}
	s.Close()
	s2, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if n := poolFiles(t, s2); n != 0 {
		t.Fatalf("%d pooled files survived a restart", n)
	}
	if w, _ := s2.Create(ctx); w.(*writer).reused {
		t.Fatal("Create after restart reused a file")
	}
}

// A blob that a reader has open is unlinked, not recycled: the reader
// keeps reading its own bytes while new blobs are written. Large blobs
// are never pooled.
func TestRecycleSparesOpenAndLargeBlobs(t *testing.T) {
	s, err := Open(t.TempDir(), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for _, size := range []int{100, cacheMaxSize + 1} {
		data := bytes.Repeat([]byte{'a'}, size)
		id := putBlob(t, s, data)
		r, err := s.Open(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
		if n := poolFiles(t, s); n != 0 {
			t.Fatalf("size %d: a blob open for reading was pooled", size)
		}
		for i := 0; i < 3; i++ {
			putBlob(t, s, bytes.Repeat([]byte{'b'}, size))
		}
		if got := readAll(t, r); !bytes.Equal(got, data) {
			t.Fatalf("size %d: the reader saw other bytes", size)
		}
		r.Close()
	}
	big := putBlob(t, s, make([]byte, cacheMaxSize+1))
	if err := s.Delete(ctx, big); err != nil {
		t.Fatal(err)
	}
	if n := poolFiles(t, s); n != 0 {
		t.Fatal("a large blob was pooled")
	}
}

// The pool holds at most poolMax files; further deletes unlink.
func TestRecyclePoolBounded(t *testing.T) {
	s, err := Open(t.TempDir(), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ids := make([]string, poolMax+5)
	for i := range ids {
		ids[i] = putBlob(t, s, []byte("x"))
	}
	for _, id := range ids {
		if err := s.Delete(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	if n := poolFiles(t, s); n != poolMax {
		t.Fatalf("%d files pooled, want %d", n, poolMax)
	}
}
