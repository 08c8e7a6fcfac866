//go:build unix

package server

import "syscall"

// fileLimit is the process's limit on open descriptors (Go raises the soft
// limit to the hard one at start-up), or a guess when it cannot be read.
func fileLimit() int {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil || l.Cur > 1<<30 {
		return 1 << 16
	}
	return int(l.Cur)
}
