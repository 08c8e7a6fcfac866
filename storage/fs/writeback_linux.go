package fs

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback starts the writeback of a range of f (sync_file_range
// with SYNC_FILE_RANGE_WRITE: asynchronous, no durability by itself).
// Errors are ignored: Commit's fsync reports any that matter.
func startWriteback(f *os.File, off, n int64) {
	_ = unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}
