//go:build !unix

package server

func fileLimit() int { return 1 << 14 }
