package memory

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/wicket-io/wicket"
)

// DocStore is a DocStore in memory. Committed collections are never
// changed: an Update writes to its own copies of the collections it
// touches and publishes them together when fn succeeds, so a View is a
// snapshot for free, and neither kind of transaction waits for the other —
// as in the SQLite store, where a View may even run an Update. Copying a
// collection on its first write in each Update is slow for a large one; it
// is meant for tests, where simple beats fast.
//
// The zero value is an empty store.
type DocStore struct {
	wmu   sync.Mutex // held by an Update for the whole of fn: one writer at a time
	state atomic.Pointer[docState]
}

var _ wicket.DocStore = (*DocStore)(nil)

// docState is the committed state; nothing it reaches is changed once it
// is published.
type docState struct {
	colls map[string]*docColl
}

type docColl struct {
	docs map[string][]byte
	ids  []string // sorted: the Scan order
}

// NewDocStore returns an empty DocStore.
func NewDocStore() *DocStore { return &DocStore{} }

// maxDocSize is the SQLite store's bound on a document, kept here so that
// both stores refuse the same documents.
const maxDocSize = 1 << 20

var errTxEnded = errors.New("document transaction used after its function returned")

func (s *DocStore) committed() map[string]*docColl {
	if st := s.state.Load(); st != nil {
		return st.colls
	}
	return nil
}

// Update runs fn as the only writer. A panic in fn writes nothing and is
// returned as an Internal error, as the SQLite store's writer does, so
// that both stores behave alike.
func (s *DocStore) Update(ctx context.Context, fn func(tx wicket.DocTx) error) (err error) {
	const op = "memory.Update"
	if err := ctx.Err(); err != nil {
		return wicket.E(op, err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx := &docTx{docReader: docReader{base: s.committed()}, written: make(map[string]*docColl)}
	defer func() {
		p := recover()
		tx.end()
		if p != nil {
			err = wicket.E(op, wicket.Internal, fmt.Errorf("panic in update: %v", p))
		}
		if err == nil {
			s.publish(tx)
		}
	}()
	return fn(tx)
}

// publish commits what tx wrote; the caller holds wmu and tx has ended.
func (s *DocStore) publish(tx *docTx) {
	if len(tx.written) == 0 {
		return
	}
	colls := maps.Clone(tx.base)
	if colls == nil {
		colls = make(map[string]*docColl)
	}
	for name, c := range tx.written {
		if len(c.ids) == 0 {
			delete(colls, name)
		} else {
			colls[name] = c
		}
	}
	s.state.Store(&docState{colls: colls})
}

// View runs fn over the state committed when it starts.
func (s *DocStore) View(ctx context.Context, fn func(tx wicket.DocReader) error) error {
	if err := ctx.Err(); err != nil {
		return wicket.E("memory.View", err)
	}
	r := &docReader{base: s.committed()}
	defer r.end()
	return fn(r)
}

// docReader is the DocReader of View and the reading half of Update's
// DocTx. Its mutex makes each call and the end of the transaction
// exclusive, so that a call made after fn returned fails instead of
// writing to collections that may have been published.
type docReader struct {
	base map[string]*docColl // the committed state the transaction reads

	mu    sync.Mutex
	ended bool
}

// docTx is the DocTx of Update.
type docTx struct {
	docReader
	written map[string]*docColl // its own copies of the collections it wrote
}

func (t *docReader) do(op string, f func()) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ended {
		return wicket.E(op, wicket.Internal, errTxEnded)
	}
	f()
	return nil
}

func (t *docReader) end() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ended = true
}

func checkDocName(op, coll, id string) error {
	if coll == "" {
		return wicket.E(op, wicket.Invalid, "The collection name is empty.")
	}
	if id == "" {
		return wicket.E(op, wicket.Invalid, "The document id is empty.", fmt.Errorf("collection %s", coll))
	}
	return nil
}

// Get returns a copy of a document, or NotFound.
func (t *docReader) Get(coll, id string) ([]byte, error) {
	return t.get("memory.Get", nil, coll, id)
}

// get is Get reading the collections of an Update's writes (written)
// before the committed ones.
func (t *docReader) get(op string, written map[string]*docColl, coll, id string) ([]byte, error) {
	if err := checkDocName(op, coll, id); err != nil {
		return nil, err
	}
	var doc []byte
	var ok bool
	if err := t.do(op, func() {
		if c := t.coll(written, coll); c != nil {
			doc, ok = c.docs[id]
			doc = slices.Clone(doc)
		}
	}); err != nil {
		return nil, err
	}
	if !ok {
		return nil, wicket.E(op, wicket.NotFound, "The document does not exist.", fmt.Errorf("document %s/%s", coll, id))
	}
	return doc, nil
}

// coll returns the collection as the transaction sees it, or nil.
func (t *docReader) coll(written map[string]*docColl, name string) *docColl {
	if c, ok := written[name]; ok {
		return c
	}
	return t.base[name]
}

// Scan calls fn with the documents of coll under prefix after after.
func (t *docReader) Scan(coll, prefix, after string, fn func(id string, doc []byte) bool) error {
	return t.scan(nil, coll, prefix, after, fn)
}

// scan looks up each next id afresh, after the one it delivered last, so
// that fn may write through the transaction: the scan sees what fn wrote
// further on, and never what fn deleted.
func (t *docReader) scan(written map[string]*docColl, coll, prefix, after string, fn func(id string, doc []byte) bool) error {
	const op = "memory.Scan"
	if coll == "" {
		return wicket.E(op, wicket.Invalid, "The collection name is empty.")
	}
	from, end := prefix, upperBound(prefix) // end "" is no bound
	if after >= from {
		from = after + "\x00" // the least id greater than after
	}
	for {
		var id string
		var doc []byte
		if err := t.do(op, func() {
			c := t.coll(written, coll)
			if c == nil {
				return
			}
			i, _ := slices.BinarySearch(c.ids, from)
			if i < len(c.ids) && (end == "" || c.ids[i] < end) {
				id = c.ids[i]
				doc = slices.Clone(c.docs[id])
			}
		}); err != nil {
			return err
		}
		if id == "" || !fn(id, doc) {
			return nil
		}
		from = id + "\x00"
	}
}

// Get returns a copy of a document as the transaction has left it.
func (t *docTx) Get(coll, id string) ([]byte, error) {
	return t.get("memory.Get", t.written, coll, id)
}

// Scan is DocReader.Scan over the transaction's writes.
func (t *docTx) Scan(coll, prefix, after string, fn func(id string, doc []byte) bool) error {
	return t.scan(t.written, coll, prefix, after, fn)
}

// Put creates or replaces a document with a copy of doc.
func (t *docTx) Put(coll, id string, doc []byte) error {
	const op = "memory.Put"
	if err := checkDocName(op, coll, id); err != nil {
		return err
	}
	if len(doc) > maxDocSize {
		return wicket.E(op, wicket.TooLarge, "The document is too large.",
			fmt.Errorf("document %s/%s of %d bytes, over %d", coll, id, len(doc), maxDocSize))
	}
	doc = append([]byte{}, doc...) // never nil: a nil document is the empty one
	return t.do(op, func() {
		c := t.writable(coll)
		if _, existed := c.docs[id]; !existed {
			i, _ := slices.BinarySearch(c.ids, id)
			c.ids = slices.Insert(c.ids, i, id)
		}
		c.docs[id] = doc
	})
}

// Delete removes a document and says whether there was one.
func (t *docTx) Delete(coll, id string) (bool, error) {
	const op = "memory.Delete"
	if err := checkDocName(op, coll, id); err != nil {
		return false, err
	}
	var existed bool
	err := t.do(op, func() {
		if c := t.coll(t.written, coll); c != nil {
			_, existed = c.docs[id]
		}
		if !existed {
			return
		}
		c := t.writable(coll)
		delete(c.docs, id)
		i, _ := slices.BinarySearch(c.ids, id)
		c.ids = slices.Delete(c.ids, i, i+1)
	})
	return existed, err
}

// writable returns the transaction's own copy of a collection, copying
// the committed one on the first write. The caller holds mu.
func (t *docTx) writable(name string) *docColl {
	if c, ok := t.written[name]; ok {
		return c
	}
	c := &docColl{docs: make(map[string][]byte)}
	if old := t.base[name]; old != nil {
		// The documents themselves are shared: no one changes a stored
		// slice, since Put stores a copy and Get hands out copies.
		c.docs, c.ids = maps.Clone(old.docs), slices.Clone(old.ids)
	}
	t.written[name] = c
	return c
}
