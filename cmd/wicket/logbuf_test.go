package main

import (
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestBufferedLogger(t *testing.T) {
	var out lockedBuilder
	log, flush, err := newBufferedLogger(&out, "info", "text")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("request", "path", "/a")
	if strings.Contains(out.String(), "/a") {
		t.Error("an info line was written at once; it should wait for the buffer")
	}
	log.Warn("trouble")
	if s := out.String(); !strings.Contains(s, "/a") || !strings.Contains(s, "trouble") {
		t.Errorf("after a warning: %q, want both lines, in order", s)
	}
	log.Info("request", "path", "/b")
	deadline := time.Now().Add(2 * time.Second)
	for !strings.Contains(out.String(), "/b") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "/b") {
		t.Error("an info line was never flushed")
	}
	log.Info("request", "path", "/c")
	flush()
	if !strings.Contains(out.String(), "/c") {
		t.Error("flush left a line behind")
	}
	if i, j := strings.Index(out.String(), "/a"), strings.Index(out.String(), "trouble"); i > j {
		t.Error("lines out of order")
	}
}
