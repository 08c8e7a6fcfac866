//go:build unix

package fs

import (
	"os"
	"syscall"
)

// openRead opens a blob for reading. os.Open offers every new file to the
// runtime's poller, which costs a regular file three system calls for
// nothing (it cannot be polled); a blocking descriptor handed to
// os.NewFile is never offered. Every small GET opens a blob.
func openRead(path string) (*os.File, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return os.NewFile(uintptr(fd), path), nil
	}
}

// DescriptorLimit is the process's limit on open descriptors (Go raises
// the soft limit to the hard one at start-up), or a guess when it cannot
// be read. The blob store keeps an eighth of it for its cache; the server
// sizes its connection limit from it too.
func DescriptorLimit() int {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil || l.Cur > 1<<30 {
		return 1 << 16
	}
	return int(l.Cur)
}
