package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
)

// A write that has been acknowledged is what every later read sees, even
// while readers keep the cache warm: writers each overwrite their own key
// and, right after each acknowledgement, read it back.
func TestCacheNeverServesReplacedObjects(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "meta.db"))
	ctx := context.Background()
	if err := s.CreateBucket(ctx, wicket.Bucket{Name: "b", Region: "us-east-1", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	put := func(key string, v int) {
		o := &wicket.Object{Bucket: "b", Key: key, Size: int64(v), ETag: fmt.Sprint(v), Modified: time.Now(),
			Segments: []wicket.Segment{{Blob: fmt.Sprintf("%032x", v), Size: int64(v)}}}
		if _, err := s.PutObject(ctx, o, wicket.Precondition{}); err != nil {
			t.Error(err)
		}
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for r := 0; r < 4; r++ {
		readers.Add(1)
		go func() { // keep every key hot in the cache
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for k := 0; k < 4; k++ {
					s.GetObject(ctx, "b", fmt.Sprint("k", k))
				}
			}
		}()
	}
	var writers sync.WaitGroup
	for k := 0; k < 4; k++ {
		writers.Add(1)
		go func() {
			defer writers.Done()
			key := fmt.Sprint("k", k)
			for v := 1; v <= 150; v++ {
				put(key, v)
				o, err := s.GetObject(ctx, "b", key)
				if err != nil || o.ETag != fmt.Sprint(v) {
					t.Errorf("%s: read %v (%v) right after writing version %d", key, o, err, v)
					return
				}
			}
			if _, err := s.DeleteObject(ctx, "b", key, wicket.Precondition{}); err != nil {
				t.Error(err)
			}
			if _, err := s.GetObject(ctx, "b", key); wicket.KindOf(err) != wicket.NotFound {
				t.Errorf("%s: read after delete: %v", key, err)
			}
		}()
	}
	writers.Wait()
	close(stop)
	readers.Wait()
}

// Callers own what GetObject returns: changing it changes nothing cached.
func TestCacheReturnsCopies(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "meta.db"))
	ctx := context.Background()
	s.CreateBucket(ctx, wicket.Bucket{Name: "b", Region: "us-east-1", Created: time.Now()})
	o := &wicket.Object{Bucket: "b", Key: "k", ETag: "e", Modified: time.Now(), Headers: map[string]string{"Content-Type": "a/b"},
		Segments: []wicket.Segment{{Blob: "0123456789abcdef0123456789abcdef", Size: 1}}}
	if _, err := s.PutObject(ctx, o, wicket.Precondition{}); err != nil {
		t.Fatal(err)
	}
	first, _ := s.GetObject(ctx, "b", "k")
	first.Headers["Content-Type"] = "changed"
	first.Segments[0].Blob = "changed"
	second, _ := s.GetObject(ctx, "b", "k")
	if second.Headers["Content-Type"] != "a/b" || second.Segments[0].Blob != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("a caller's change reached the cache: %+v", second)
	}
}
