package fs

import (
	"os"
	"path/filepath"
	"sync"
)

// Unlinking a large file is slow where the file system discards the freed
// blocks at once (ext4 mounted with discard, without a journal, spends
// 65–100 ms on a 64 MiB file on the machines Wicket is measured on), and
// Delete runs while the client of an overwrite waits for its answer. So
// Delete renames a large blob into trash/, which takes it out of sight at
// once, and a goroutine unlinks it in the background. A reader that has the
// blob open keeps reading it, as with any unlink. Start-up empties trash/,
// so a crash loses nothing but the wait.
const (
	trashMinSize = 1 << 20 // blobs from this size are deleted in the background
	trashMax     = 1024    // files waiting at most; beyond, Delete unlinks itself
)

type trash struct {
	dir string

	mu      sync.Mutex
	queue   []string // paths in dir, to unlink
	running bool     // the emptying goroutine is running
	closed  bool
	done    sync.WaitGroup
}

// put moves the file at path into the trash and queues its unlink; false
// means the caller unlinks it (the trash is full, closed, or the rename
// failed).
func (t *trash) put(id, path string) bool {
	t.mu.Lock()
	ok := !t.closed && len(t.queue) < trashMax
	t.mu.Unlock()
	if !ok {
		return false
	}
	dst := filepath.Join(t.dir, id)
	if os.Rename(path, dst) != nil {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.queue = append(t.queue, dst)
	if !t.running {
		t.running = true
		t.done.Add(1)
		go t.empty()
	}
	return true
}

// empty unlinks the queued files until there are none.
func (t *trash) empty() {
	defer t.done.Done()
	for {
		t.mu.Lock()
		if len(t.queue) == 0 {
			t.running = false
			t.mu.Unlock()
			return
		}
		path := t.queue[0]
		t.queue = t.queue[1:]
		t.mu.Unlock()
		os.Remove(path) // start-up removes whatever fails here
	}
}

// close waits for the queued unlinks; later deletes unlink at once.
func (t *trash) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.done.Wait()
}
