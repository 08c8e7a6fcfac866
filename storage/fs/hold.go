package fs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/wicket-io/wicket"
)

// holds keeps blobs a reader is about to open from being removed. A GET of
// an object made of several blobs opens them one after the other while it
// sends the body; an overwrite committed meanwhile deletes the old blobs,
// and the reader would find the later ones gone halfway through a 200. So
// the reader holds them all first, and a Delete of a held blob is put off
// until the last holder lets go.
type holds struct {
	mu       sync.Mutex
	n        map[string]int      // holders per blob
	deferred map[string]struct{} // held blobs deleted meanwhile
	deleting map[string]int      // blobs a Delete is removing now
}

// startDelete registers a Delete of id and says whether it goes ahead: a
// held blob is deleted when released instead. A Delete that goes ahead
// ends with endDelete.
func (h *holds) startDelete(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n[id] > 0 {
		if h.deferred == nil {
			h.deferred = make(map[string]struct{})
		}
		h.deferred[id] = struct{}{}
		return false
	}
	if h.deleting == nil {
		h.deleting = make(map[string]int)
	}
	h.deleting[id]++
	return true
}

func (h *holds) endDelete(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.deleting[id]--; h.deleting[id] <= 0 {
		delete(h.deleting, id)
	}
}

// add holds ids, unless one is being deleted.
func (h *holds) add(ids []string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range ids {
		if h.deleting[id] > 0 {
			return false
		}
	}
	if h.n == nil {
		h.n = make(map[string]int)
	}
	for _, id := range ids {
		h.n[id]++
	}
	return true
}

// release lets go of ids and returns those whose Delete was put off and
// that nobody holds any longer.
func (h *holds) release(ids []string) (due []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range ids {
		if h.n[id]--; h.n[id] > 0 {
			continue
		}
		delete(h.n, id)
		if _, ok := h.deferred[id]; ok {
			delete(h.deferred, id)
			due = append(due, id)
		}
	}
	return due
}

var _ wicket.BlobHolder = (*Store)(nil)

// Hold keeps the committed blobs ids until release is called: a Delete
// meanwhile removes a blob only then. It fails with NotFound if one of
// them is gone or going already. Every Delete either finished before Hold
// (the file is missing), runs now (holds.add refuses), or starts after
// (and is put off).
func (s *Store) Hold(ctx context.Context, ids []string) (release func(), err error) {
	const op = "fs.Hold"
	for _, id := range ids {
		if !validID(id) {
			return nil, wicket.E(op, wicket.NotFound, fmt.Errorf("malformed blob id %q", id))
		}
	}
	if !s.holds.add(ids) {
		return nil, wicket.E(op, wicket.NotFound, errors.New("a blob held is being deleted"))
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			for _, id := range s.holds.release(ids) {
				// Nothing points at it any longer: a failure leaves an
				// orphan, which the next start-up removes.
				s.Delete(context.Background(), id)
			}
		})
	}
	for _, id := range ids {
		fi, err := os.Lstat(s.path(id))
		if err == nil && committed(fi) {
			continue
		}
		release()
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			return nil, wicket.E(op, wicket.NotFound, fmt.Errorf("hold blob %s: not committed or gone", id))
		}
		return nil, wicket.E(op, wicket.Unavailable, fmt.Errorf("hold blob %s: %w", id, err))
	}
	return release, nil
}
