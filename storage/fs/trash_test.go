package fs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/wicket-io/wicket"
)

// A large blob's Delete takes it out of sight at once and unlinks it in the
// background: Open is NotFound as soon as Delete returns, a reader that had
// it open reads it whole, and after Close (which waits) neither the blob
// nor anything in trash/ is left.
func TestDeleteLargeInBackground(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789abcdef"), trashMinSize/16+1)
	id := putBlob(t, s, data)
	r, err := s.Open(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{id}
	for i := 0; i < 5; i++ {
		ids = append(ids, putBlob(t, s, data))
	}
	for _, id := range ids {
		if err := s.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, id); wicket.KindOf(err) != wicket.NotFound {
			t.Fatalf("Open after Delete: %v", err)
		}
		if _, err := os.Stat(s.path(id)); !os.IsNotExist(err) {
			t.Fatalf("blob file still at its path: %v", err)
		}
	}
	if got := readAll(t, r); !bytes.Equal(got, data) {
		t.Fatal("a reader of a deleted large blob read other bytes")
	}
	r.Close()
	s.Close()
	left, err := os.ReadDir(filepath.Join(dir, "trash"))
	if err != nil || len(left) != 0 {
		t.Fatalf("trash after Close: %d files, %v", len(left), err)
	}
	// After Close, deletes unlink at once.
	s2, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	id = putBlob(t, s2, data)
	s2.trash.close()
	if err := s2.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "trash")); len(left) != 0 {
		t.Fatal("a delete after close went to the trash")
	}
}

// Start-up empties trash/: a crash between the rename and the unlink
// leaves a file there.
func TestOpenEmptiesTrash(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	junk := filepath.Join(dir, "trash", "0123456789abcdef0123456789abcdef")
	if err := os.WriteFile(junk, []byte("left by a crash"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(junk); !os.IsNotExist(err) {
		t.Fatalf("trash not emptied at start-up: %v", err)
	}
}
