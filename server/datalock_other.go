//go:build !unix && !windows

package server

import "os"

// lockFileExclusive does nothing where there is no file locking: one
// process per data directory is then the operator's to ensure.
func lockFileExclusive(*os.File) error { return nil }
