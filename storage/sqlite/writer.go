package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/wicket-io/wicket"
)

// A request is one write operation waiting for the writer.
type request struct {
	ctx   context.Context
	op    string
	fn    func(w *writeTx) error
	state atomic.Int32 // queued, taken or abandoned
	done  chan error   // buffered: the writer never blocks on a caller
}

const (
	queued int32 = iota
	taken
	abandoned
)

var errClosed = errors.New("metadata store closed")

// write runs fn in the writer's next transaction and returns its outcome
// once that transaction has committed (or failed).
func (s *Store) write(ctx context.Context, op string, fn func(w *writeTx) error) error {
	if err := ctx.Err(); err != nil {
		return wicket.E(op, err)
	}
	r := &request{ctx: ctx, op: op, fn: fn, done: make(chan error, 1)}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return wicket.E(op, wicket.Unavailable, errClosed)
	}
	select {
	case s.queue <- r:
	case <-ctx.Done():
		s.mu.RUnlock()
		return wicket.E(op, ctx.Err())
	}
	s.mu.RUnlock()

	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		if r.state.CompareAndSwap(queued, abandoned) {
			return wicket.E(op, ctx.Err())
		}
		// The writer has taken it: it may commit. Answering "cancelled"
		// now could make the caller delete a blob that the committed row
		// points at, so wait for the outcome; one batch is not long.
		return <-r.done
	}
}

// run is the writer goroutine. It ends when Close has closed the queue and
// everything queued before has been committed.
func (s *Store) run() {
	defer close(s.writerDone)
	batch := make([]*request, 0, s.maxBatch)
	for r := range s.queue {
		batch = append(batch[:0], r)
		// Take what is queued now and no more: waiting for company would
		// add latency to a lone write, and under load the queue fills by
		// itself while the previous batch is being synced.
	fill:
		for len(batch) < s.maxBatch {
			select {
			case r, ok := <-s.queue:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		s.commit(batch)
		clear(batch) // let the requests' closures go
	}
}

// commit runs a batch in one transaction, one SAVEPOINT per request, and
// answers every request.
func (s *Store) commit(batch []*request) {
	live := batch[:0]
	for _, r := range batch {
		if r.state.CompareAndSwap(queued, taken) {
			live = append(live, r)
		}
	}
	if len(live) == 0 {
		return
	}
	errs := make([]error, len(live))
	answer := func() {
		// Before anyone hears of the commit, so that a caller never reads
		// back from the cache what its own write replaced.
		s.objects.invalidate()
		for i, r := range live {
			r.done <- errs[i]
		}
	}
	w := s.w
	// Statements in a batch run under a context that never ends: SQLite
	// answers an interrupt inside a transaction by rolling the whole
	// transaction back, which would take the other requests with it. Every
	// statement here is bounded instead.
	err := w.control(`BEGIN IMMEDIATE`)
	if err != nil {
		// A transaction that a failed ROLLBACK left open would fail every
		// batch from now on: end it and try once more.
		w.control(`ROLLBACK`)
		err = w.control(`BEGIN IMMEDIATE`)
	}
	if err != nil {
		for i, r := range live {
			errs[i] = dbErr(r.op, fmt.Errorf("begin transaction: %w", err))
		}
		answer()
		return
	}
	for i, r := range live {
		if err := r.ctx.Err(); err != nil {
			errs[i] = wicket.E(r.op, err) // not run; the caller is waiting to hear so
			continue
		}
		if err := w.control(`SAVEPOINT op`); err != nil {
			s.abort(live, errs, i, fmt.Errorf("savepoint: %w", err))
			answer()
			return
		}
		s.ops.Add(1)
		errs[i] = w.run(r)
		if errs[i] != nil {
			if err := w.control(`ROLLBACK TO op`); err != nil {
				// SQLite rolls a whole transaction back by itself on some
				// errors (disk full, I/O); nothing in it stands.
				s.abort(live, errs, i+1, fmt.Errorf("roll back failed operation: %w", err))
				answer()
				return
			}
		}
		if err := w.control(`RELEASE op`); err != nil {
			s.abort(live, errs, i+1, fmt.Errorf("release savepoint: %w", err))
			answer()
			return
		}
	}
	if err := w.control(`COMMIT`); err != nil {
		// The commit frame may be in the log already, valid, with only
		// its fsync failed: recovery after a crash would replay it.
		s.abort(live, errs, len(live), fmt.Errorf("commit: %w: %w", wicket.ErrOutcomeUnknown, err))
		answer()
		return
	}
	s.commits.Add(1)
	if n := int64(len(live)); n > s.maxSeen.Load() {
		s.maxSeen.Store(n) // only the writer stores it
	}
	answer()
}

// abort rolls the transaction back after a failure of the transaction
// itself: every request before failedAt that had succeeded is told it
// failed, and every request from failedAt on is told the same.
func (s *Store) abort(live []*request, errs []error, failedAt int, cause error) {
	s.w.control(`ROLLBACK`) // may fail when SQLite has rolled back already
	for i, r := range live {
		if i >= failedAt || errs[i] == nil {
			errs[i] = dbErr(r.op, cause)
		}
	}
}

// writeTx is the writer connection with its prepared statements. Only the
// writer goroutine uses it.
type writeTx struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

// run calls r.fn, turning a panic into an error so that one buggy
// operation rolls back alone instead of taking the writer down.
func (w *writeTx) run(r *request) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = wicket.E(r.op, wicket.Internal, fmt.Errorf("panic in write: %v", p))
		}
	}()
	return r.fn(w)
}

func (w *writeTx) stmt(q string) (*sql.Stmt, error) {
	if st, ok := w.stmts[q]; ok {
		return st, nil
	}
	st, err := w.conn.PrepareContext(context.Background(), q)
	if err != nil {
		return nil, err
	}
	w.stmts[q] = st
	return st, nil
}

func (w *writeTx) exec(q string, args ...any) (sql.Result, error) {
	st, err := w.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(context.Background(), args...)
}

// control runs a transaction control statement.
func (w *writeTx) control(q string) error {
	_, err := w.exec(q)
	return err
}

func (w *writeTx) query(q string, args ...any) (*sql.Rows, error) {
	st, err := w.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(context.Background(), args...)
}

// scan runs a query of at most one row into dest; sql.ErrNoRows if none.
func (w *writeTx) scan(q string, args []any, dest ...any) error {
	st, err := w.stmt(q)
	if err != nil {
		return err
	}
	return st.QueryRowContext(context.Background(), args...).Scan(dest...)
}

func (w *writeTx) bucketExists(name string) (bool, error) {
	var one int
	err := w.scan(`SELECT 1 FROM buckets WHERE name = ?`, []any{name}, &one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// needBucket returns NoSuchBucket unless the bucket exists.
func (w *writeTx) needBucket(op, name string) error {
	ok, err := w.bucketExists(name)
	if err != nil {
		return dbErr(op, fmt.Errorf("look up bucket %s: %w", name, err))
	}
	if !ok {
		return noSuchBucket(op, name)
	}
	return nil
}
