// Package fs is the BlobStore of the embedded default: object bytes in
// files under a directory, one file per blob, named by a random id.
//
// A blob is written in place, at blobs/xx/<id> (xx is the id's first two
// hex digits, so no directory grows past a few thousand entries per
// million blobs); Commit fsyncs the file and then its directory, so a
// committed blob survives a crash. New blobs go to one shard at a time (the
// first byte of a new id is the current write shard, turning every 64
// blobs), so that concurrent commits share their directory's fsync: one
// sync covers every blob created in the directory before it began.
//
// No temporary name and rename are needed: a blob being written has mode
// 0200 (write only), and Commit makes it 0600 before the fsync, so the mode
// says whether a file is a committed blob. Open and Walk ignore the others,
// and Walk removes the old ones, which a crash interrupted. (Older versions
// wrote to tmp/ first; Walk still clears what they left.) Metadata names a
// blob only after its Commit, so this is the store's own contract, not
// what keeps readers from half-written bytes.
package fs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/wicket-io/wicket"
)

// Store is a BlobStore on local disk.
type Store struct {
	dir string
	// NoSync skips fsync; only tests that measure something else set it.
	noSync bool

	// Concurrent writes share their directory's fsync: new blobs go to
	// one shard at a time (the shard turns every shardTurn blobs, so all
	// 256 fill evenly over time), and a directory sync covers every blob
	// created in it before the sync began.
	mu      sync.Mutex
	created uint64
	syncers [256]dirSyncer

	files fileTable // open blobs, the open-file cache, recycling (filecache.go)
	trash trash     // large blobs being deleted (trash.go)
	holds holds     // blobs readers are about to open (hold.go)
}

// shardTurn is how many new blobs go to a shard before the next one.
const shardTurn = 64

var _ wicket.BlobStore = (*Store)(nil)

// Options configure a Store.
type Options struct {
	// NoSync skips every fsync. It loses acknowledged data on a crash and is
	// only for tests.
	NoSync bool
}

// Open prepares dir (creating it and its layout) and returns a Store.
func Open(dir string, o Options) (*Store, error) {
	s := &Store{dir: dir, noSync: o.NoSync}
	s.trash.dir = filepath.Join(dir, "trash")
	// Cached descriptors must leave the process room for its connections:
	// at most an eighth of the descriptor limit.
	s.files.max = min(cacheMaxEntries, DescriptorLimit()/8)
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("create blob directory %s: %w", dir, err)
	}
	// Files a previous run kept for reuse, or had yet to unlink, are junk.
	for _, d := range []string{s.poolDir(), s.trash.dir} {
		if err := os.RemoveAll(d); err != nil {
			return nil, fmt.Errorf("empty %s: %w", d, err)
		}
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("create blob directory %s: %w", d, err)
		}
	}
	for i := 0; i < 256; i++ {
		if err := os.MkdirAll(s.shard(fmt.Sprintf("%02x", i)), 0o700); err != nil {
			return nil, fmt.Errorf("create blob directory %s: %w", dir, err)
		}
	}
	return s, nil
}

func (s *Store) shard(id string) string { return filepath.Join(s.dir, "blobs", id[:2]) }

// shardIndex is the number of an id's shard (a valid id's first byte).
func shardIndex(id string) int {
	b, _ := hex.DecodeString(id[:2])
	return int(b[0])
}

func (s *Store) path(id string) string { return filepath.Join(s.shard(id), id) }

func (s *Store) poolDir() string { return filepath.Join(s.dir, "pool") }

// validID guards every path built from an id: 32 lower-case hex digits.
func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// newID returns a random id whose first byte, the shard, is the current
// write shard.
func (s *Store) newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // cannot happen on Linux
	}
	s.mu.Lock()
	b[0] = byte(s.created / shardTurn)
	s.created++
	s.mu.Unlock()
	return hex.EncodeToString(b[:])
}

// dirSyncer coalesces the fsyncs of one directory: a caller needs a sync
// that began after its file was created; while one runs, callers wait for
// it to end and then share the next.
type dirSyncer struct {
	mu       sync.Mutex
	cond     *sync.Cond
	running  bool
	started  uint64 // syncs begun
	finished uint64 // syncs ended
	err      error  // of the last sync ended
}

func (d *dirSyncer) sync(dir string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cond == nil {
		d.cond = sync.NewCond(&d.mu)
	}
	need := d.started + 1 // a sync that begins from now on
	for d.finished < need {
		if d.running {
			d.cond.Wait()
			continue
		}
		d.running = true
		d.started++
		n := d.started
		d.mu.Unlock()
		err := syncDir(dir)
		d.mu.Lock()
		d.running = false
		d.finished, d.err = n, err
		d.cond.Broadcast()
	}
	return d.err
}

// Create starts a new blob at its final path, in a recycled file when the
// pool has one.
func (s *Store) Create(ctx context.Context) (wicket.BlobWriter, error) {
	id := s.newID()
	path := s.path(id)
	if w := s.reuse(id, path); w != nil {
		return w, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, uncommittedMode)
	if err != nil {
		return nil, wicket.E("fs.Create", wicket.Unavailable, fmt.Errorf("create blob %s: %w", id, err))
	}
	return &writer{s: s, id: id, path: path, f: f}, nil
}

// reuse moves a pooled file to path and opens it for writing over, or
// returns nil. Its mode is already 0200 (recycle set it).
func (s *Store) reuse(id, path string) *writer {
	pid := s.files.takePooled()
	if pid == "" {
		return nil
	}
	old := filepath.Join(s.poolDir(), pid)
	if err := os.Rename(old, path); err != nil {
		os.Remove(old)
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		os.Remove(path)
		return nil
	}
	// The rename kept the old blob's times: make the file as new as it
	// is, so that Walk's olderThan never takes it for a crash's leftover.
	now := time.Now()
	if err := os.Chtimes(path, now, now); err != nil {
		f.Close()
		os.Remove(path)
		return nil
	}
	return &writer{s: s, id: id, path: path, f: f, reused: true}
}

// The modes of blob files: a blob being written, and a committed one.
const (
	uncommittedMode = 0o200
	committedMode   = 0o600
)

func committed(fi fs.FileInfo) bool { return fi.Mode().Perm()&0o400 != 0 }

type writer struct {
	s       *Store
	id      string
	path    string
	f       *os.File
	n       int64
	flushed int64 // bytes whose writeback has been started
	done    bool
	reused  bool // a recycled file: Commit cuts what is left of its old bytes
}

func (w *writer) ID() string { return w.id }

func (w *writer) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.n += int64(n)
	if err != nil {
		return n, wicket.E("fs.Write", wicket.Unavailable, fmt.Errorf("write blob %s: %w", w.id, err))
	}
	w.startWriteback()
	return n, nil
}

// ReadFrom lets io.Copy hand the file a reader directly, so a copy from a
// socket can use splice where the kernel allows.
func (w *writer) ReadFrom(r io.Reader) (int64, error) {
	n, err := w.f.ReadFrom(r)
	w.n += n
	w.startWriteback()
	return n, err
}

// writebackEvery is how much a large blob may have in the page cache
// before its writeback is started: Commit's fsync then waits only for the
// tail, instead of for the whole blob after the last byte arrived.
const writebackEvery = 8 << 20

// startWriteback asks the kernel to start writing what has accumulated,
// without waiting for it.
func (w *writer) startWriteback() {
	if w.s.noSync || w.n-w.flushed < writebackEvery {
		return
	}
	startWriteback(w.f, w.flushed, w.n-w.flushed)
	w.flushed = w.n
}

func (w *writer) Commit(ctx context.Context) (int64, error) {
	if w.done {
		return 0, errors.New("fs: blob committed or aborted already")
	}
	w.done = true
	fail := func(err error) (int64, error) {
		w.f.Close()
		os.Remove(w.path)
		return 0, wicket.E("fs.Commit", wicket.Unavailable, fmt.Errorf("commit blob %s: %w", w.id, err))
	}
	if w.reused {
		if err := w.f.Truncate(w.n); err != nil {
			return fail(err)
		}
	}
	if err := w.f.Chmod(committedMode); err != nil {
		return fail(err)
	}
	if !w.s.noSync {
		if err := w.f.Sync(); err != nil {
			return fail(err)
		}
	}
	if err := w.f.Close(); err != nil {
		os.Remove(w.path)
		return 0, wicket.E("fs.Commit", wicket.Unavailable, fmt.Errorf("close blob %s: %w", w.id, err))
	}
	if !w.s.noSync {
		if err := w.s.syncers[shardIndex(w.id)].sync(w.s.shard(w.id)); err != nil {
			os.Remove(w.path)
			return 0, wicket.E("fs.Commit", wicket.Unavailable, fmt.Errorf("sync blob directory for %s: %w", w.id, err))
		}
	}
	return w.n, nil
}

func (w *writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.f.Close()
	if err := os.Remove(w.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove aborted blob %s: %w", w.id, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Blob is a committed blob open for reading. File exposes the *os.File so
// that the HTTP server can send it with sendfile.
type Blob struct {
	*os.File
	size   int64
	files  *fileTable // where the open handle is counted
	id     string
	closed bool
}

// Close closes the file; it is safe to call more than once.
func (b *Blob) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	b.files.release(b.id)
	return b.File.Close()
}

func (b *Blob) Size() int64 { return b.size }

// Open opens a committed blob.
func (s *Store) Open(ctx context.Context, id string) (wicket.Blob, error) {
	if !validID(id) {
		return nil, wicket.E("fs.Open", wicket.NotFound, fmt.Errorf("malformed blob id %q", id))
	}
	b, gen, err := s.files.acquire(id)
	if err != nil {
		return nil, wicket.E("fs.Open", wicket.NotFound, fmt.Errorf("open blob %s: %w", id, err))
	}
	if b != nil {
		return b, nil
	}
	f, err := openRead(s.path(id))
	if err != nil {
		s.files.release(id)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, wicket.E("fs.Open", wicket.NotFound, fmt.Errorf("open blob %s: %w", id, err))
		}
		return nil, wicket.E("fs.Open", wicket.Unavailable, fmt.Errorf("open blob %s: %w", id, err))
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		s.files.release(id)
		return nil, wicket.E("fs.Open", wicket.Unavailable, fmt.Errorf("stat blob %s: %w", id, err))
	}
	if !committed(fi) {
		f.Close()
		s.files.release(id)
		return nil, wicket.E("fs.Open", wicket.NotFound, fmt.Errorf("blob %s is not committed", id))
	}
	if fi.Size() <= cacheMaxSize {
		if b, ok := s.files.add(id, f, fi.Size(), gen); ok {
			return b, nil
		}
	}
	return &Blob{File: f, size: fi.Size(), files: &s.files, id: id}, nil
}

// Close closes the blobs the store keeps open and waits for the deletes
// running in the background. Blobs opened before stay readable until they
// are closed; the Store is not to be used after.
func (s *Store) Close() error {
	s.files.close()
	s.trash.close()
	return nil
}

// Delete removes a committed blob.
func (s *Store) Delete(ctx context.Context, id string) error {
	if !validID(id) {
		return nil
	}
	if !s.holds.startDelete(id) {
		return nil // held: deleted when released
	}
	defer s.holds.endDelete(id)
	path := s.path(id)
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	switch {
	case err != nil || !fi.Mode().IsRegular():
	case fi.Size() <= cacheMaxSize:
		if s.files.startDelete(id) {
			pooled := s.recycle(id, path)
			s.files.endDelete(id, pooled)
			if pooled {
				return nil
			}
		}
	case fi.Size() >= trashMinSize:
		if s.trash.put(id, path) {
			return nil
		}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return wicket.E("fs.Delete", wicket.Unavailable, fmt.Errorf("delete blob %s: %w", id, err))
	}
	return nil
}

// recycle moves a small blob's file to pool/ with mode 0200, and says
// whether it did.
func (s *Store) recycle(id, path string) bool {
	if os.Chmod(path, uncommittedMode) != nil {
		return false
	}
	return os.Rename(path, filepath.Join(s.poolDir(), id)) == nil
}

// Walk removes temporary files older than olderThan and calls fn for every
// committed blob.
func (s *Store) Walk(ctx context.Context, olderThan time.Time, fn func(id string) error) error {
	tmps, err := os.ReadDir(filepath.Join(s.dir, "tmp"))
	if err != nil {
		return fmt.Errorf("list temporary blobs: %w", err)
	}
	for _, e := range tmps {
		if fi, err := e.Info(); err == nil && fi.ModTime().Before(olderThan) {
			os.Remove(filepath.Join(s.dir, "tmp", e.Name()))
		}
	}
	shards, err := os.ReadDir(filepath.Join(s.dir, "blobs"))
	if err != nil {
		return fmt.Errorf("list blob shards: %w", err)
	}
	for _, sh := range shards {
		if !sh.IsDir() {
			continue
		}
		ents, err := os.ReadDir(filepath.Join(s.dir, "blobs", sh.Name()))
		if err != nil {
			return fmt.Errorf("list blobs in %s: %w", sh.Name(), err)
		}
		for _, e := range ents {
			if err := ctx.Err(); err != nil {
				return err
			}
			if !validID(e.Name()) || !strings.HasPrefix(e.Name(), sh.Name()) {
				continue
			}
			fi, err := e.Info()
			if err != nil {
				continue // deleted meanwhile
			}
			if !committed(fi) {
				if fi.ModTime().Before(olderThan) {
					os.Remove(filepath.Join(s.dir, "blobs", sh.Name(), e.Name()))
				}
				continue
			}
			if err := fn(e.Name()); err != nil {
				return err
			}
		}
	}
	return nil
}

// OSFile returns the open file, so that a response can be sent with
// sendfile.
func (b *Blob) OSFile() *os.File { return b.File }
