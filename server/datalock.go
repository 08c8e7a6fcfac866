package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// lockFile, in the data directory, is held locked by the process serving
// it. Two processes on one directory would each take the other's writes in
// flight for what a crash left behind and remove them — the start-up sweep
// does exactly that — so a second one refuses to start.
const lockFile = "wicket.lock"

// errLocked: another process holds the data directory's lock.
var errLocked = errors.New("locked")

// lockDataDir takes the data directory's lock, creating the directory if
// need be, and writes this process's id into the lock file for whoever
// finds it locked. Closing the returned file releases the lock (so does
// the process's exit, whatever its cause).
func lockDataDir(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	if err := lockFileExclusive(f); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("data directory %s is in use by another wicket process%s (%s is locked)",
				dir, holder(path), path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// holder names the process that wrote its id into the lock file, if any.
func holder(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
		return fmt.Sprintf(", pid %d", pid)
	}
	return ""
}
