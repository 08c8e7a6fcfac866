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
