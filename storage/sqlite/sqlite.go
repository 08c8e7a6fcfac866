// Package sqlite is the MetaStore of the embedded default: buckets, objects
// and multipart uploads in one SQLite database file, through the pure-Go
// driver modernc.org/sqlite.
//
// # Durability and group commit
//
// The database runs in WAL mode with synchronous=FULL, so a write is on disk
// before its caller hears of it. An fsync per request would cap writes at a
// few hundred a second, so every write goes through one writer goroutine
// that commits many at once: it takes whatever operations are queued when it
// becomes free (never waiting for more, so an idle store adds no latency),
// runs each inside its own SAVEPOINT of one transaction — an operation that
// fails, say on a precondition, rolls back alone — and commits the batch with
// one fsync before it answers each caller. While one batch is being synced
// the next one queues, so batches grow with load by themselves.
//
// # Reads
//
// Reads never queue behind the writer: they run on a separate pool of
// read-only connections, which WAL lets read the last committed state while
// the writer works. A write's caller is answered only after its commit, so a
// read that follows it sees it.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wicket-io/wicket"
	_ "modernc.org/sqlite" // registers the driver "sqlite"
)

// Store is a MetaStore in a SQLite database.
type Store struct {
	wdb  *sql.DB   // holds the one writer connection
	conn *sql.Conn // the writer connection, used only by the writer goroutine
	rdb  *sql.DB   // the pool of read-only connections

	rstmts sync.Map // query → *sql.Stmt prepared on rdb
	// readSlots bounds the read transactions in flight (beginRead).
	readSlots chan struct{}
	objects   objectCache

	maxBatch   int
	maxBuckets int

	mu         sync.RWMutex // guards closed against sends on queue
	closed     bool
	queue      chan *request
	writerDone chan struct{}
	w          *writeTx // the writer goroutine's own state

	listRows atomic.Uint64 // rows read by listings, so a test can see seeks skip keys
	commits  atomic.Uint64
	ops      atomic.Uint64
	maxSeen  atomic.Int64
}

var _ wicket.MetaStore = (*Store)(nil)

// Options configure a Store. The zero value is ready to use.
type Options struct {
	// MaxBatch bounds the operations committed in one transaction (128 if
	// zero). A larger batch amortises the fsync further but makes every
	// caller in it wait for the slowest operation.
	MaxBatch int
	// Readers is the size of the read connection pool (4×GOMAXPROCS if zero).
	Readers int
	// BusyTimeout bounds the wait for a lock held by another process, such
	// as a backup tool (5s if zero).
	BusyTimeout time.Duration
	// MaxBuckets bounds the number of buckets, and so ListBuckets (10000 if
	// zero, AWS's default quota). CreateBucket past it fails TooManyBuckets.
	MaxBuckets int
}

// Stats counts the writer's work, so that tests and metrics can see that
// commits are shared.
type Stats struct {
	Commits  uint64 // transactions committed
	Ops      uint64 // write operations run, committed or rolled back alone
	MaxBatch int    // most operations seen in one transaction
}

// Open opens (creating if needed) the database at path, brings its schema up
// to date and starts the writer.
func Open(path string, opts Options) (*Store, error) {
	if strings.ContainsAny(path, "?#") {
		// The driver reads parameters after '?'; a path holding one would be
		// cut short and the database created somewhere else.
		return nil, fmt.Errorf("open metadata database %s: path must not contain '?' or '#'", path)
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 128
	}
	if opts.Readers <= 0 {
		opts.Readers = 4 * runtime.GOMAXPROCS(0)
	}
	opts.Readers = max(opts.Readers, 2) // a transaction and a statement being prepared
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	if opts.MaxBuckets <= 0 {
		opts.MaxBuckets = 10000
	}
	busy := fmt.Sprintf("_pragma=busy_timeout(%d)", opts.BusyTimeout.Milliseconds())
	// synchronous is per connection, so it is set on the writer's; readers
	// never write. journal_size_limit bounds the WAL file left after a
	// checkpoint.
	wdsn := path + "?" + busy +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)" +
		"&_pragma=journal_size_limit(67108864)"
	rdsn := path + "?" + busy + "&_pragma=query_only(1)"

	ctx := context.Background()
	wdb, err := sql.Open("sqlite", wdsn)
	if err != nil {
		return nil, fmt.Errorf("open metadata database %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	conn, err := wdb.Conn(ctx)
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open metadata database %s: %w", path, err)
	}
	if err := migrate(ctx, conn); err != nil {
		conn.Close()
		wdb.Close()
		return nil, fmt.Errorf("open metadata database %s: %w", path, err)
	}
	rdb, err := sql.Open("sqlite", rdsn)
	if err != nil {
		conn.Close()
		wdb.Close()
		return nil, fmt.Errorf("open metadata database %s: %w", path, err)
	}
	rdb.SetMaxOpenConns(opts.Readers)
	rdb.SetMaxIdleConns(opts.Readers) // idle connections keep their prepared statements
	s := &Store{
		wdb:        wdb,
		conn:       conn,
		rdb:        rdb,
		maxBatch:   opts.MaxBatch,
		maxBuckets: opts.MaxBuckets,
		queue:      make(chan *request, 4*opts.MaxBatch),
		readSlots:  make(chan struct{}, opts.Readers-1),
		writerDone: make(chan struct{}),
		w:          &writeTx{conn: conn, stmts: make(map[string]*sql.Stmt)},
	}
	// Fail now, not on the first request, if the readers cannot open.
	if err := rdb.PingContext(ctx); err != nil {
		s.closeAll()
		return nil, fmt.Errorf("open metadata database %s: %w", path, err)
	}
	go s.run()
	return s, nil
}

// Close stops taking writes, commits those already queued, stops the writer
// and closes the database. Closing twice is harmless.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.writerDone
		return nil
	}
	s.closed = true
	close(s.queue)
	s.mu.Unlock()
	<-s.writerDone
	return s.closeAll()
}

func (s *Store) closeAll() error {
	var errs []error
	s.rstmts.Range(func(_, v any) bool {
		errs = append(errs, v.(*sql.Stmt).Close())
		return true
	})
	for _, st := range s.w.stmts {
		errs = append(errs, st.Close())
	}
	errs = append(errs, s.conn.Close(), s.rdb.Close(), s.wdb.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close metadata database: %w", err)
	}
	return nil
}

// Stats reports the writer's counters.
func (s *Store) Stats() Stats {
	return Stats{Commits: s.commits.Load(), Ops: s.ops.Load(), MaxBatch: int(s.maxSeen.Load())}
}

// rstmt returns q prepared on the read pool, preparing it once.
func (s *Store) rstmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := s.rstmts.Load(q); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.rdb.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.rstmts.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// readTx runs fn in one read transaction, so that a listing made of several
// queries sees one state of the database.
func (s *Store) readTx(ctx context.Context, fn func(r reader) error) error {
	tx, end, err := s.beginRead(ctx)
	if err != nil {
		return err
	}
	defer end()
	return fn(reader{s: s, tx: tx})
}

// beginRead starts a read transaction; end finishes it. At most one fewer
// than the read pool's connections are held by transactions at once:
// a statement prepared for the first time inside one (rstmt) is prepared
// by database/sql on a connection of its own, and with every connection
// held by a transaction waiting for such a statement the pool would
// deadlock (seen under -race on a fresh clone, where every statement is
// new).
func (s *Store) beginRead(ctx context.Context) (tx *sql.Tx, end func(), err error) {
	select {
	case s.readSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	tx, err = s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		<-s.readSlots
		return nil, nil, err
	}
	return tx, func() {
		tx.Rollback() // read only: ending it any way is the same
		<-s.readSlots
	}, nil
}

// reader runs prepared read statements, inside a read transaction or not.
type reader struct {
	s  *Store
	tx *sql.Tx // nil outside a transaction
}

func (r reader) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	st, err := r.s.rstmt(ctx, q)
	if err != nil || r.tx == nil {
		return st, err
	}
	return r.tx.StmtContext(ctx, st), nil
}

func (r reader) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := r.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// scan runs a query of at most one row into dest; it returns sql.ErrNoRows
// when there is none.
func (r reader) scan(ctx context.Context, q string, args []any, dest ...any) error {
	st, err := r.stmt(ctx, q)
	if err != nil {
		return err
	}
	return st.QueryRowContext(ctx, args...).Scan(dest...)
}

// bucketExists tells whether a bucket exists; a store answering NotFound
// looks it up to tell NoSuchBucket from NoSuchKey or NoSuchUpload.
func (r reader) bucketExists(ctx context.Context, name string) (bool, error) {
	var one int
	err := r.scan(ctx, `SELECT 1 FROM buckets WHERE name = ?`, []any{name}, &one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// missing builds the NotFound error of a lookup that found nothing: the
// bucket's when the bucket is gone too, else notFound.
func (r reader) missing(ctx context.Context, op, bucket string, notFound error) error {
	ok, err := r.bucketExists(ctx, bucket)
	if err != nil {
		return dbErr(op, fmt.Errorf("look up bucket %s: %w", bucket, err))
	}
	if !ok {
		return noSuchBucket(op, bucket)
	}
	return notFound
}
