package memory

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/wicket-io/wicket"
)

// BlobStore is a BlobStore in memory. A committed blob's bytes are never
// changed, so readers share them without copying, and a reader keeps its
// bytes after a Delete as a reader of a deleted file does.
type BlobStore struct {
	mu    sync.RWMutex
	blobs map[string][]byte
	held  map[string]int      // holders per blob (Hold)
	gone  map[string]struct{} // held blobs deleted meanwhile
}

var (
	_ wicket.BlobStore  = (*BlobStore)(nil)
	_ wicket.BlobHolder = (*BlobStore)(nil)
)

// NewBlobStore returns an empty BlobStore.
func NewBlobStore() *BlobStore {
	return &BlobStore{blobs: make(map[string][]byte)}
}

func newID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// Create starts a new blob, kept in a buffer until Commit.
func (s *BlobStore) Create(ctx context.Context) (wicket.BlobWriter, error) {
	if err := ctx.Err(); err != nil {
		return nil, wicket.E("memory.Create", err)
	}
	return &blobWriter{s: s, id: newID()}, nil
}

type blobWriter struct {
	s    *BlobStore
	id   string
	buf  bytes.Buffer
	done bool // committed or aborted
}

func (w *blobWriter) ID() string { return w.id }

func (w *blobWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, wicket.E("memory.Write", wicket.Invalid, fmt.Errorf("blob %s: committed or aborted already", w.id))
	}
	return w.buf.Write(p)
}

func (w *blobWriter) Commit(ctx context.Context) (int64, error) {
	if w.done {
		return 0, wicket.E("memory.Commit", wicket.Invalid, errors.New("blob committed or aborted already"))
	}
	w.done = true
	data := w.buf.Bytes()
	w.s.mu.Lock()
	w.s.blobs[w.id] = data
	w.s.mu.Unlock()
	return int64(len(data)), nil
}

func (w *blobWriter) Abort() error {
	if !w.done {
		w.done = true
		w.buf = bytes.Buffer{}
	}
	return nil
}

// Open returns a committed blob, or NotFound.
func (s *BlobStore) Open(ctx context.Context, id string) (wicket.Blob, error) {
	if err := ctx.Err(); err != nil {
		return nil, wicket.E("memory.Open", err)
	}
	s.mu.RLock()
	data, ok := s.blobs[id]
	s.mu.RUnlock()
	if !ok {
		return nil, wicket.E("memory.Open", wicket.NotFound, "The specified blob does not exist.", fmt.Errorf("blob %q", id))
	}
	return &blob{Reader: bytes.NewReader(data), size: int64(len(data))}, nil
}

type blob struct {
	*bytes.Reader
	size int64
}

func (b *blob) Size() int64  { return b.size }
func (b *blob) Close() error { return nil }

// Delete removes a blob; a missing one is not an error.
func (s *BlobStore) Delete(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held[id] > 0 {
		s.gone[id] = struct{}{}
		return nil
	}
	delete(s.blobs, id)
	return nil
}

// Hold keeps blobs until release: a Delete meanwhile takes effect then.
func (s *BlobStore) Hold(ctx context.Context, ids []string) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if _, ok := s.blobs[id]; !ok {
			return nil, wicket.E("memory.Hold", wicket.NotFound, "The specified blob does not exist.", fmt.Errorf("blob %q", id))
		}
	}
	if s.held == nil {
		s.held, s.gone = make(map[string]int), make(map[string]struct{})
	}
	for _, id := range ids {
		s.held[id]++
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			for _, id := range ids {
				if s.held[id]--; s.held[id] > 0 {
					continue
				}
				delete(s.held, id)
				if _, ok := s.gone[id]; ok {
					delete(s.gone, id)
					delete(s.blobs, id)
				}
			}
		})
	}, nil
}

// Walk calls fn for every committed blob. An interrupted write leaves
// nothing behind in memory, so olderThan has nothing to remove.
func (s *BlobStore) Walk(ctx context.Context, olderThan time.Time, fn func(id string) error) error {
	s.mu.RLock()
	ids := make([]string, 0, len(s.blobs))
	for id := range s.blobs {
		ids = append(ids, id)
	}
	s.mu.RUnlock()
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return wicket.E("memory.Walk", err)
		}
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}
