package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// The request log writes a line per request. Written straight to stderr
// that is a system call per request — about a tenth of what a small GET
// costs the server — so lines are gathered in a buffer and written every
// logFlushEvery, or when it fills. Warnings and errors are written at
// once, with everything before them, so that nothing that matters waits;
// at worst a crash loses the last fraction of a second of request lines.
const (
	logFlushEvery = 100 * time.Millisecond
	logBufferSize = 32 << 10
)

type logWriter struct {
	mu      sync.Mutex
	w       io.Writer
	buf     []byte
	pending bool // a flush is scheduled
	closed  bool
}

func newLogWriter(w io.Writer) *logWriter {
	return &logWriter{w: w, buf: make([]byte, 0, logBufferSize)}
}

func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return l.w.Write(p)
	}
	l.buf = append(l.buf, p...)
	switch {
	case len(l.buf) >= logBufferSize:
		l.flushLocked()
	case !l.pending:
		l.pending = true
		time.AfterFunc(logFlushEvery, l.Flush)
	}
	return len(p), nil
}

// Flush writes what is buffered.
func (l *logWriter) Flush() {
	l.mu.Lock()
	l.flushLocked()
	l.mu.Unlock()
}

func (l *logWriter) flushLocked() {
	l.pending = false
	if len(l.buf) == 0 {
		return
	}
	l.w.Write(l.buf) // nowhere to report a failure to write the log
	l.buf = l.buf[:0]
}

// Close flushes and writes through from then on.
func (l *logWriter) Close() error {
	l.mu.Lock()
	l.flushLocked()
	l.closed = true
	l.mu.Unlock()
	return nil
}

// flushingHandler writes the buffer out after every record of level warn
// or above.
type flushingHandler struct {
	slog.Handler
	w *logWriter
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.w.Flush()
	}
	return err
}

func (h flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushingHandler{h.Handler.WithAttrs(attrs), h.w}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{h.Handler.WithGroup(name), h.w}
}

// newBufferedLogger is newLogger writing through a logWriter; call the
// returned flush before exiting.
func newBufferedLogger(w io.Writer, level, format string) (*slog.Logger, func(), error) {
	lw := newLogWriter(w)
	l, err := newLogger(lw, level, format)
	if err != nil {
		return nil, nil, err
	}
	return slog.New(flushingHandler{l.Handler(), lw}), func() { lw.Close() }, nil
}
