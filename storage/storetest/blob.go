// Package storetest is the conformance suite of Wicket's storage ports.
// Every implementation runs it from its own tests, so that the embedded
// default and the scale-out stores behave alike.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
)

// RunBlobStore runs the BlobStore suite against stores made by newStore,
// one fresh store per subtest.
func RunBlobStore(t *testing.T, newStore func(t *testing.T) wicket.BlobStore) {
	ctx := context.Background()
	put := func(t *testing.T, s wicket.BlobStore, data []byte) string {
		t.Helper()
		w, err := s.Create(ctx)
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		defer w.Abort()
		if _, err := io.Copy(w, bytes.NewReader(data)); err != nil {
			t.Fatalf("Write: %v", err)
		}
		n, err := w.Commit(ctx)
		if err != nil {
			t.Fatalf("Commit: %v", err)
		}
		if n != int64(len(data)) {
			t.Fatalf("Commit size = %d, want %d", n, len(data))
		}
		return w.ID()
	}
	read := func(t *testing.T, s wicket.BlobStore, id string) []byte {
		t.Helper()
		b, err := s.Open(ctx, id)
		if err != nil {
			t.Fatalf("Open(%s): %v", id, err)
		}
		defer b.Close()
		got, err := io.ReadAll(b)
		if err != nil {
			t.Fatalf("read %s: %v", id, err)
		}
		if b.Size() != int64(len(got)) {
			t.Fatalf("Size = %d, read %d bytes", b.Size(), len(got))
		}
		return got
	}
	walk := func(t *testing.T, s wicket.BlobStore) []string {
		t.Helper()
		var ids []string
		if err := s.Walk(ctx, time.Now().Add(-time.Hour), func(id string) error {
			ids = append(ids, id)
			return nil
		}); err != nil {
			t.Fatalf("Walk: %v", err)
		}
		sort.Strings(ids)
		return ids
	}

	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		for _, size := range []int{0, 1, 4096, 1<<20 + 7} {
			data := make([]byte, size)
			rand.Read(data)
			id := put(t, s, data)
			if got := read(t, s, id); !bytes.Equal(got, data) {
				t.Fatalf("size %d: read back %d different bytes", size, len(got))
			}
		}
	})
	t.Run("ReadAtAndSeek", func(t *testing.T) {
		s := newStore(t)
		id := put(t, s, []byte("0123456789"))
		b, err := s.Open(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		p := make([]byte, 3)
		if _, err := b.ReadAt(p, 4); err != nil || string(p) != "456" {
			t.Fatalf("ReadAt = %q, %v", p, err)
		}
		if _, err := b.Seek(8, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		rest, _ := io.ReadAll(b)
		if string(rest) != "89" {
			t.Fatalf("after Seek(8) read %q", rest)
		}
	})
	t.Run("UncommittedIsInvisible", func(t *testing.T) {
		s := newStore(t)
		w, err := s.Create(ctx)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("partial"))
		if _, err := s.Open(ctx, w.ID()); wicket.KindOf(err) != wicket.NotFound {
			t.Fatalf("Open before Commit: err = %v, want NotFound", err)
		}
		if ids := walk(t, s); len(ids) != 0 {
			t.Fatalf("Walk lists uncommitted blobs %v", ids)
		}
		if err := w.Abort(); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Commit(ctx); err == nil {
			t.Fatal("Commit after Abort succeeded")
		}
		if _, err := s.Open(ctx, w.ID()); wicket.KindOf(err) != wicket.NotFound {
			t.Fatalf("Open after Abort: err = %v, want NotFound", err)
		}
	})
	t.Run("AbortAfterCommitKeepsBlob", func(t *testing.T) {
		s := newStore(t)
		w, _ := s.Create(ctx)
		w.Write([]byte("kept"))
		if _, err := w.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := w.Abort(); err != nil {
			t.Fatal(err)
		}
		if got := read(t, s, w.ID()); string(got) != "kept" {
			t.Fatalf("read %q", got)
		}
	})
	t.Run("OpenMissingAndMalformed", func(t *testing.T) {
		s := newStore(t)
		for _, id := range []string{"00000000000000000000000000000000", "../../etc/passwd", "", "zz"} {
			if _, err := s.Open(ctx, id); wicket.KindOf(err) != wicket.NotFound {
				t.Errorf("Open(%q): err = %v, want NotFound", id, err)
			}
		}
	})
	t.Run("DeleteIsIdempotent", func(t *testing.T) {
		s := newStore(t)
		id := put(t, s, []byte("x"))
		for i := 0; i < 2; i++ {
			if err := s.Delete(ctx, id); err != nil {
				t.Fatalf("Delete #%d: %v", i+1, err)
			}
		}
		if _, err := s.Open(ctx, id); wicket.KindOf(err) != wicket.NotFound {
			t.Fatalf("Open after Delete: %v", err)
		}
	})
	t.Run("OpenBlobSurvivesDelete", func(t *testing.T) {
		// A reader of an object being overwritten keeps the whole old bytes.
		s := newStore(t)
		id := put(t, s, bytes.Repeat([]byte("a"), 100000))
		b, err := s.Open(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if err := s.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(b)
		if err != nil || len(got) != 100000 {
			t.Fatalf("read %d bytes after Delete, err %v", len(got), err)
		}
	})
	t.Run("WalkListsCommitted", func(t *testing.T) {
		s := newStore(t)
		want := []string{put(t, s, []byte("a")), put(t, s, []byte("b")), put(t, s, []byte("c"))}
		sort.Strings(want)
		got := walk(t, s)
		if len(got) != len(want) {
			t.Fatalf("Walk = %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("Walk = %v, want %v", got, want)
			}
		}
	})
	t.Run("ConcurrentWriters", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		ids := make([]string, 16)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w, err := s.Create(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				w.Write(bytes.Repeat([]byte{byte(i)}, 10000+i))
				if _, err := w.Commit(ctx); err != nil {
					t.Error(err)
					return
				}
				ids[i] = w.ID()
			}()
		}
		wg.Wait()
		for i, id := range ids {
			got := read(t, s, id)
			if !bytes.Equal(got, bytes.Repeat([]byte{byte(i)}, 10000+i)) {
				t.Fatalf("blob %d read back wrong", i)
			}
		}
	})
	t.Run("HoldPutsOffDelete", func(t *testing.T) {
		s := newStore(t)
		hb, ok := s.(wicket.BlobHolder)
		if !ok {
			t.Skip("the store cannot hold blobs (no wicket.BlobHolder)")
		}
		// Sizes across the fs store's classes: kept open and recycled,
		// unlinked, moved to trash.
		small, mid, large := put(t, s, []byte("small")), put(t, s, make([]byte, 100<<10)), put(t, s, make([]byte, 9<<20))
		ids := []string{small, mid, large}
		release, err := hb.Hold(ctx, ids)
		if err != nil {
			t.Fatalf("Hold: %v", err)
		}
		for _, id := range ids {
			if err := s.Delete(ctx, id); err != nil {
				t.Fatalf("Delete of a held blob: %v", err)
			}
		}
		// Not one was opened before the Delete, and all still read.
		if got := read(t, s, small); string(got) != "small" {
			t.Fatalf("held blob read back %q", got)
		}
		read(t, s, mid)
		read(t, s, large)
		release()
		release() // a second call does nothing
		for _, id := range ids {
			if _, err := s.Open(ctx, id); wicket.KindOf(err) != wicket.NotFound {
				t.Fatalf("Open(%s) after the held blob's release: err = %v, want NotFound", id, err)
			}
		}
		if got := walk(t, s); len(got) != 0 {
			t.Fatalf("blobs left after release: %v", got)
		}
		// A blob gone already cannot be held, and a failed Hold holds
		// none of the others.
		keep := put(t, s, []byte("keep"))
		if _, err := hb.Hold(ctx, []string{keep, small}); wicket.KindOf(err) != wicket.NotFound {
			t.Fatalf("Hold of a deleted blob: err = %v, want NotFound", err)
		}
		if err := s.Delete(ctx, keep); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, keep); wicket.KindOf(err) != wicket.NotFound {
			t.Fatalf("a failed Hold kept a blob: Open after Delete: %v", err)
		}
		// Two holders: the Delete waits for the last.
		b := put(t, s, []byte("twice"))
		r1, err := hb.Hold(ctx, []string{b})
		if err != nil {
			t.Fatal(err)
		}
		r2, err := hb.Hold(ctx, []string{b})
		if err != nil {
			t.Fatal(err)
		}
		s.Delete(ctx, b)
		r1()
		if got := read(t, s, b); string(got) != "twice" {
			t.Fatalf("after the first release: %q", got)
		}
		r2()
		if _, err := s.Open(ctx, b); wicket.KindOf(err) != wicket.NotFound {
			t.Fatalf("after the last release: %v", err)
		}
	})
}
