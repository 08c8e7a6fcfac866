package server

import (
	"io"
	"net/http"
	"time"
)

// recorder remembers the status and size of a response for the log and the
// metrics, and whether the header has gone out, which decides whether a
// panic can still become an error response.
//
// It passes the optional abilities of the ResponseWriter through: Flush for
// streamed responses, ReadFrom so io.Copy of a file can still use sendfile,
// and Unwrap for http.ResponseController (deadlines, hijacking).
type recorder struct {
	http.ResponseWriter
	status int // 0 until the header is written
	bytes  int64

	// Writes move the connection's write deadline to stall from now
	// (stall.go); zero leaves deadlines alone.
	rc    http.ResponseController
	stall time.Duration
	armed time.Time // when the write deadline was last moved
}

func (w *recorder) WriteHeader(code int) {
	w.extend()
	// 1xx responses (100 Continue) precede the real one.
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	// A large write goes out in chunks, each under its own deadline, as
	// ReadFrom's do.
	if len(p) == 0 {
		return w.ResponseWriter.Write(p)
	}
	var n int
	for len(p) > 0 {
		w.extend()
		m, err := w.ResponseWriter.Write(p[:min(len(p), responseChunk)])
		n += m
		w.bytes += int64(m)
		if err != nil {
			return n, err
		}
		p = p[m:]
	}
	return n, nil
}

func (w *recorder) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.copyChunked(r)
	w.bytes += n
	return n, err
}

func (w *recorder) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *recorder) wroteHeader() bool { return w.status != 0 }
