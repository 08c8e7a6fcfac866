package fs

import (
	"container/list"
	"errors"
	"io"
	"os"
	"sync"
)

// The file table knows which blobs are open, keeps small ones open, and
// keeps a few deleted small files for new blobs to reuse.
//
// Open-file cache: small committed blobs stay open, as nginx's
// open_file_cache does, so that reading a small object costs one pread
// instead of open, fstat, fcntl, pread and close, most of the system calls
// of a small GET besides the network's. A committed blob's bytes never
// change, so a cached descriptor is always right; Delete drops the entry
// first. Large blobs are not cached: they are sent with sendfile, which
// moves the file's offset, and a shared descriptor has none to spare.
//
// Recycling: creating a file and deleting one are the dearest steps of a
// small PUT that overwrites (on ext4 the inode allocator skips, one by
// one, every inode freed in the last half minute). So Delete moves a small
// blob that nobody has open to pool/ instead of unlinking it, and Create
// renames a pooled file to the new blob's name and writes over it. A
// pooled file has mode 0200, like any blob being written, so a crash
// never leaves it looking committed; pool/ is emptied at start-up. Only a
// blob with no open handle is recycled (Open registers before it opens
// the file, and a blob being moved answers NotFound), so a reader never
// sees its bytes change: a blob deleted under a reader is unlinked, and
// the reader keeps the old bytes, as before.
const (
	cacheMaxSize    = 64 << 10 // blobs up to this size are kept open, and recycled
	cacheMaxEntries = 1024     // open descriptors the cache holds at most (see DescriptorLimit)
	poolMax         = 256      // deleted files kept for reuse (at most 16 MiB)
)

// fileTable is guarded by one mutex; no system call runs under it.
type fileTable struct {
	max     int // cached files at most: cacheMaxEntries, less under a low descriptor limit
	mu      sync.Mutex
	entries map[string]*cachedFile
	lru     list.List // of *cachedFile, most recently used first
	// opens counts, by blob id, the handles given out and the cache's own
	// reference: a blob with a count is not recycled.
	opens map[string]int
	// dying holds the blobs being moved to pool/; Open answers NotFound.
	dying map[string]struct{}
	// deletes counts Delete calls, so that an Open that raced with the
	// Delete of its blob does not put the unlinked file in the cache.
	deletes uint64
	pool    []string // ids of the files in pool/
	moving  int      // files on their way to pool/
	closed  bool
}

// cachedFile is one open blob of the cache. refs counts the handles given
// out plus one while the cache holds it; the file is closed at zero.
type cachedFile struct {
	id   string
	f    *os.File
	size int64
	refs int
	elem *list.Element
}

var errDying = errors.New("blob is being deleted")

// acquire registers an Open of id. It returns a handle when the blob is
// cached; otherwise the caller opens the file and must end with add,
// newBlob or release. gen is given back to add.
func (t *fileTable) acquire(id string) (b *sharedBlob, gen uint64, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.dying[id]; ok {
		return nil, 0, errDying
	}
	if cf := t.entries[id]; cf != nil {
		cf.refs++
		t.opens[id]++
		t.lru.MoveToFront(cf.elem)
		return &sharedBlob{t: t, cf: cf}, 0, nil
	}
	if t.opens == nil {
		t.opens = make(map[string]int)
	}
	t.opens[id]++
	return nil, t.deletes, nil
}

// release ends an acquire, or a handle of a file of its own.
func (t *fileTable) release(id string) {
	t.mu.Lock()
	t.releaseLocked(id)
	t.mu.Unlock()
}

func (t *fileTable) releaseLocked(id string) {
	if t.opens[id]--; t.opens[id] <= 0 {
		delete(t.opens, id)
	}
}

// add caches a blob opened after acquire and returns a handle to it; with
// ok false the cache did not take it (a Delete happened since gen, another
// Open cached it first, or the table is closed) and the caller keeps f.
func (t *fileTable) add(id string, f *os.File, size int64, gen uint64) (b *sharedBlob, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || t.max <= 0 || t.deletes != gen || t.entries[id] != nil {
		return nil, false
	}
	if t.entries == nil {
		t.entries = make(map[string]*cachedFile)
	}
	for len(t.entries) >= t.max {
		t.dropLocked(t.lru.Back().Value.(*cachedFile))
	}
	cf := &cachedFile{id: id, f: f, size: size, refs: 2}
	cf.elem = t.lru.PushFront(cf)
	t.entries[id] = cf
	t.opens[id]++ // the cache's own reference
	return &sharedBlob{t: t, cf: cf}, true
}

// startDelete drops a blob's cache entry and says whether the blob may be
// recycled: nobody has it open and the pool has room. Then Open answers
// NotFound until endDelete.
func (t *fileTable) startDelete(id string) (recycle bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.deletes++
	if cf := t.entries[id]; cf != nil {
		t.dropLocked(cf)
	}
	if t.closed || t.opens[id] > 0 || len(t.pool)+t.moving >= poolMax {
		return false
	}
	if t.dying == nil {
		t.dying = make(map[string]struct{})
	}
	t.dying[id] = struct{}{}
	t.moving++
	return true
}

// endDelete ends a startDelete that returned true; pooled says whether the
// file is now in pool/.
func (t *fileTable) endDelete(id string, pooled bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.dying, id)
	t.moving--
	if pooled {
		t.pool = append(t.pool, id)
	}
}

// takePooled returns the id of a file in pool/ for a new blob, or "".
func (t *fileTable) takePooled() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(t.pool)
	if n == 0 {
		return ""
	}
	id := t.pool[n-1]
	t.pool = t.pool[:n-1]
	return id
}

// close drops every cache entry and stops caching and recycling; handles
// still out keep their files until they are closed.
func (t *fileTable) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	for _, cf := range t.entries {
		t.dropLocked(cf)
	}
}

func (t *fileTable) dropLocked(cf *cachedFile) {
	delete(t.entries, cf.id)
	t.lru.Remove(cf.elem)
	t.unrefLocked(cf)
}

func (t *fileTable) unrefLocked(cf *cachedFile) {
	t.releaseLocked(cf.id)
	if cf.refs--; cf.refs == 0 {
		cf.f.Close() // read-only: nothing to lose
	}
}

// cached is the number of cached blobs (for tests).
func (t *fileTable) cached() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}

// sharedBlob is a handle to a cached blob, with its own offset for Read
// and Seek; ReadAt reads the shared descriptor with pread.
type sharedBlob struct {
	t      *fileTable
	cf     *cachedFile
	off    int64
	closed bool
}

var errClosedBlob = errors.New("read of a closed blob")

func (b *sharedBlob) Size() int64 { return b.cf.size }

func (b *sharedBlob) ReadAt(p []byte, off int64) (int, error) {
	if b.closed {
		return 0, errClosedBlob
	}
	return b.cf.f.ReadAt(p, off)
}

func (b *sharedBlob) Read(p []byte) (int, error) {
	if b.off >= b.cf.size {
		return 0, io.EOF
	}
	if rest := b.cf.size - b.off; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := b.ReadAt(p, b.off)
	b.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (b *sharedBlob) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += b.off
	case io.SeekEnd:
		offset += b.cf.size
	default:
		return 0, errors.New("seek: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("seek: negative position")
	}
	b.off = offset
	return offset, nil
}

// Close releases the handle; it is safe to call more than once.
func (b *sharedBlob) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	b.t.mu.Lock()
	b.t.unrefLocked(b.cf)
	b.t.mu.Unlock()
	return nil
}
