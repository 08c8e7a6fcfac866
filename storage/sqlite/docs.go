package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/wicket-io/wicket"
)

// The DocStore lives in the same database as the MetaStore and writes
// through the same writer, so that an IAM change is group-committed with
// whatever object writes are queued beside it.

var _ wicket.DocStore = (*Store)(nil)

// maxDocSize bounds a document. The services keep policies and identities
// of a few KiB; a megabyte is far past any of them and still cheap to hold
// in memory while a Scan reads ahead.
const maxDocSize = 1 << 20

// Scan reads ahead at most this many rows, and stops early once it holds
// docReadAheadBytes, before it calls fn on any of them. The cursor is
// closed by then: fn may use the transaction freely — Get, a nested Scan,
// writes — which a statement left running on the same connection would
// make undefined (SQLite does not say whether a running statement sees the
// connection's later changes).
const (
	docReadAhead      = 100
	docReadAheadBytes = 1 << 20
)

const (
	getDocQuery    = `SELECT doc FROM docs WHERE coll = ? AND id = ?`
	putDocQuery    = `INSERT INTO docs (coll, id, doc) VALUES (?, ?, ?) ON CONFLICT (coll, id) DO UPDATE SET doc = excluded.doc`
	deleteDocQuery = `DELETE FROM docs WHERE coll = ? AND id = ?`
)

// Ids have no length bound, so no string can stand for "no upper bound" as
// noEnd does for keys: a prefix with no successor ("" or all 0xff) scans
// to the end of the collection with a query of its own.
var (
	scanDocsQuery      = `SELECT id, doc FROM docs WHERE coll = ? AND id >= ? AND id < ? ORDER BY id` + fmt.Sprintf(" LIMIT %d", docReadAhead)
	scanDocsToEndQuery = `SELECT id, doc FROM docs WHERE coll = ? AND id >= ? ORDER BY id` + fmt.Sprintf(" LIMIT %d", docReadAhead)
)

var errTxEnded = errors.New("document transaction used after its function returned")

// Update runs fn inside the writer's next batch, under its own savepoint:
// fn's writes commit with the batch when it returns nil and are rolled
// back alone when it returns an error, which Update returns as it is.
func (s *Store) Update(ctx context.Context, fn func(tx wicket.DocTx) error) error {
	const op = "sqlite.Update"
	return s.write(ctx, op, func(w *writeTx) (err error) {
		tx := &docTx{docReader: docReader{q: w}, w: w}
		defer func() {
			// A statement that failed may have left the transaction
			// half-written; if fn carried on regardless, its savepoint must
			// not be released as if all went well.
			if failed := tx.end(); err == nil && failed != nil {
				err = failed
			}
		}()
		return fn(tx)
	})
}

// View runs fn in a read transaction on the read pool. SQLite takes the
// snapshot at the first read and keeps it to the end, whatever the writer
// commits meanwhile.
func (s *Store) View(ctx context.Context, fn func(tx wicket.DocReader) error) error {
	const op = "sqlite.View"
	tx, end, err := s.beginRead(ctx)
	if err != nil {
		return dbErr(op, fmt.Errorf("begin read transaction: %w", err))
	}
	defer end()
	r := &docReader{q: viewConn{ctx: ctx, r: reader{s: s, tx: tx}}}
	defer r.end()
	return fn(r)
}

// docQuerier runs the reads of a document transaction: the writer's
// connection inside Update, a read transaction inside View.
type docQuerier interface {
	query(q string, args ...any) (*sql.Rows, error)
	scan(q string, args []any, dest ...any) error
}

// viewConn is a read transaction as a docQuerier.
type viewConn struct {
	ctx context.Context
	r   reader
}

func (v viewConn) query(q string, args ...any) (*sql.Rows, error) {
	return v.r.query(v.ctx, q, args...)
}

func (v viewConn) scan(q string, args []any, dest ...any) error {
	return v.r.scan(v.ctx, q, args, dest...)
}

// docReader is the DocReader of View and the reading half of Update's
// DocTx. Its mutex makes each call and the end of the transaction exclusive,
// so that a call made after fn returned — from a goroutine fn left behind,
// say — fails instead of reaching a connection that has moved on to other
// work.
type docReader struct {
	q docQuerier

	mu     sync.Mutex
	ended  bool
	writes int   // bumped by each write, so that Scan knows its read-ahead is stale
	failed error // the first failure of the database itself
}

// docTx is the DocTx of Update.
type docTx struct {
	docReader
	w *writeTx
}

// do runs f as one call of the transaction, unless it has ended.
func (t *docReader) do(op string, f func() error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ended {
		return wicket.E(op, wicket.Internal, errTxEnded)
	}
	return f()
}

// end refuses every later call and returns the first database failure.
func (t *docReader) end() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ended = true
	return t.failed
}

// dbErr wraps a failure of the database and remembers it; the caller holds mu.
func (t *docReader) dbErr(op string, err error) error {
	err = dbErr(op, err)
	if t.failed == nil {
		t.failed = err
	}
	return err
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

// Get returns a document, or NotFound.
func (t *docReader) Get(coll, id string) ([]byte, error) {
	const op = "sqlite.Get"
	if err := checkDocName(op, coll, id); err != nil {
		return nil, err
	}
	var doc []byte
	err := t.do(op, func() error {
		err := t.q.scan(getDocQuery, []any{coll, id}, &doc)
		if errors.Is(err, sql.ErrNoRows) {
			return wicket.E(op, wicket.NotFound, "The document does not exist.", fmt.Errorf("document %s/%s", coll, id))
		}
		if err != nil {
			return t.dbErr(op, fmt.Errorf("get doc %s/%s: %w", coll, id, err))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if doc == nil {
		doc = []byte{} // an empty document is a document, not a missing one
	}
	return doc, nil // database/sql copied it out of SQLite's buffer
}

type docRow struct {
	id  string
	doc []byte
}

// Scan calls fn with the documents of coll under prefix after after, in
// id order, reading a batch ahead at a time. A write by fn makes the rest of
// the batch stale: the scan reads again from the last id it delivered, so
// that it sees what fn wrote further on and never what fn deleted.
func (t *docReader) Scan(coll, prefix, after string, fn func(id string, doc []byte) bool) error {
	const op = "sqlite.Scan"
	if coll == "" {
		return wicket.E(op, wicket.Invalid, "The collection name is empty.")
	}
	from, end := prefix, upperBound(prefix) // end "" is no bound
	if after >= from {
		from = after + "\x00" // the least id greater than after
	}
	var batch []docRow
	for end == "" || from < end {
		var more bool
		var writes int
		err := t.do(op, func() error {
			var err error
			batch, more, err = t.readAhead(batch[:0], coll, from, end)
			if err != nil {
				return t.dbErr(op, fmt.Errorf("scan docs %s from %q: %w", coll, from, err))
			}
			writes = t.writes
			return nil
		})
		if err != nil {
			return err
		}
		stale := false
		for _, d := range batch {
			from = d.id + "\x00"
			if !fn(d.id, d.doc) {
				return nil
			}
			if stale = t.wrote(writes); stale {
				break
			}
		}
		if !more && !stale {
			return nil
		}
	}
	return nil
}

// readAhead appends the next rows of coll from from (inclusive) below end
// to rows, and says whether there may be more. The caller holds mu.
func (t *docReader) readAhead(rows []docRow, coll, from, end string) (_ []docRow, more bool, err error) {
	var rs *sql.Rows
	if end == "" {
		rs, err = t.q.query(scanDocsToEndQuery, coll, from)
	} else {
		rs, err = t.q.query(scanDocsQuery, coll, from, end)
	}
	if err != nil {
		return rows, false, err
	}
	defer rs.Close()
	size := 0
	for rs.Next() {
		var d docRow
		if err := rs.Scan(&d.id, &d.doc); err != nil {
			return rows, false, err
		}
		if d.doc == nil {
			d.doc = []byte{}
		}
		rows = append(rows, d)
		if size += len(d.doc); size >= docReadAheadBytes {
			return rows, true, nil
		}
	}
	if err := rs.Err(); err != nil {
		return rows, false, err
	}
	return rows, len(rows) == docReadAhead, nil
}

// wrote tells whether the transaction has written since it counted writes.
func (t *docReader) wrote(writes int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.writes != writes
}

// Put creates or replaces a document.
func (t *docTx) Put(coll, id string, doc []byte) error {
	const op = "sqlite.Put"
	if err := checkDocName(op, coll, id); err != nil {
		return err
	}
	if len(doc) > maxDocSize {
		return wicket.E(op, wicket.TooLarge, "The document is too large.",
			fmt.Errorf("document %s/%s of %d bytes, over %d", coll, id, len(doc), maxDocSize))
	}
	if doc == nil {
		doc = []byte{} // the driver binds a nil slice as NULL
	}
	return t.do(op, func() error {
		// The driver copies doc as it binds it: the caller may reuse it
		// as soon as Put returns.
		if _, err := t.w.exec(putDocQuery, coll, id, doc); err != nil {
			return t.dbErr(op, fmt.Errorf("put doc %s/%s: %w", coll, id, err))
		}
		t.writes++
		return nil
	})
}

// Delete removes a document and says whether there was one.
func (t *docTx) Delete(coll, id string) (bool, error) {
	const op = "sqlite.Delete"
	if err := checkDocName(op, coll, id); err != nil {
		return false, err
	}
	var existed bool
	err := t.do(op, func() error {
		res, err := t.w.exec(deleteDocQuery, coll, id)
		if err != nil {
			return t.dbErr(op, fmt.Errorf("delete doc %s/%s: %w", coll, id, err))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return t.dbErr(op, fmt.Errorf("delete doc %s/%s: %w", coll, id, err))
		}
		existed = n > 0
		t.writes++
		return nil
	})
	return existed, err
}
