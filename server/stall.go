package server

import (
	"io"
	"net/http"
	"time"
)

// stallBody bounds the wait for each read of a request body: before a
// Read the connection's read deadline moves to stall from now (but never
// past until, when a router has set a bound on the whole body). A body
// that stops arriving fails its read with os.ErrDeadlineExceeded, which
// the APIs answer RequestTimeout; a handler that never reads the body is
// answered all the same once net/http, discarding the body, times out.
type stallBody struct {
	io.ReadCloser
	rec     *recorder // the response's writer, with the connection's deadlines
	until   time.Time
	armed   time.Time // when the read deadline was last moved
	drained bool      // the body has been read to its end
}

// Drained reports whether the body has been read to its end, so that an
// error answer need not close the connection to get past what is unread.
func (b *stallBody) Drained() bool { return b.drained }

func (b *stallBody) Read(p []byte) (int, error) {
	now := time.Now()
	if !b.until.IsZero() || now.Sub(b.armed) >= b.rec.rearm() {
		d := now.Add(b.rec.stall)
		if !b.until.IsZero() && b.until.Before(d) {
			d = b.until
		}
		_ = b.rec.rc.SetReadDeadline(d)
		b.armed = now
	}
	// A read may send "100 Continue" to a client that waits for it: under
	// a fresh write deadline, however late the handler reads.
	b.rec.extendAt(now)
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		// The whole body is in: net/http now reads in the background to
		// notice a client that goes away, which must not time out.
		b.drained = true
		_ = b.rec.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// watch sets the connection's deadlines for r: every write of the
// response moves the write deadline, and its body, if any, the read
// deadline as it arrives. The last deadline of a previous request on the
// connection must not cut this one short.
func (w *recorder) watch(r *http.Request) {
	w.extend()
	if r.Body != nil && r.Body != http.NoBody {
		now := time.Now()
		_ = w.rc.SetReadDeadline(now.Add(w.stall))
		r.Body = &stallBody{ReadCloser: r.Body, rec: w, armed: now}
	}
}

// limit bounds the reads of the body to end by t at the latest; the zero
// time lifts the bound.
func (b *stallBody) limit(t time.Time) { b.until = t }

// responseChunk is how much of a response body goes out under one write
// deadline: a client must take it within the stall timeout, less the
// rearm time (9 KiB/s at 30 s). Each chunk is still one sendfile.
const responseChunk = 256 << 10

// extend moves the write deadline to the stall timeout from now.
func (w *recorder) extend() { w.extendAt(time.Now()) }

// extendAt moves the write deadline to the stall timeout from now, unless
// it was moved less than rearm ago (it is then still most of a stall
// timeout away): moving a deadline updates a runtime timer, which a small
// request would otherwise pay for at its start, its header, its body and
// its end.
func (w *recorder) extendAt(now time.Time) {
	if w.stall <= 0 || now.Sub(w.armed) < w.rearm() {
		return
	}
	w.armed = now
	_ = w.rc.SetWriteDeadline(now.Add(w.stall))
}

// rearm is how long a deadline stands before it is moved again.
func (w *recorder) rearm() time.Duration { return w.stall / 16 }

// copyChunked copies r to the response in chunks of responseChunk, each
// under a fresh write deadline. A limited file stays a limited file, so
// that net/http still sends each chunk with sendfile.
func (w *recorder) copyChunked(r io.Reader) (int64, error) {
	var total int64
	lr, limited := r.(*io.LimitedReader)
	for {
		var chunk *io.LimitedReader
		if limited {
			if lr.N <= 0 {
				return total, nil
			}
			chunk = &io.LimitedReader{R: lr.R, N: min(lr.N, responseChunk)}
		} else {
			chunk = &io.LimitedReader{R: r, N: responseChunk}
		}
		want := chunk.N
		w.extend()
		n, err := io.Copy(w.ResponseWriter, chunk)
		total += n
		if limited {
			lr.N -= n
		}
		if err != nil || n < want {
			return total, err
		}
	}
}
