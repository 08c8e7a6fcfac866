package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wicket-io/wicket/sigv4"
)

// bench holds what every request of a run shares.
type bench struct {
	cfg    *config
	client *http.Client
	signer *sigv4.Signer
	creds  sigv4.Credentials
	base   *url.URL
	put    bool
	keys   []*url.URL   // the object URLs, by index
	signed []*url.URL   // presigned URLs, for get-presigned
	bodies []*body      // for PUTs
	bufLen int          // each worker's read buffer
	moved  atomic.Int64 // body bytes received (GET) or sent (PUT) so far
}

func newBench(cfg *config) (*bench, error) {
	base, err := url.Parse(strings.TrimSuffix(cfg.endpoint, "/"))
	if err != nil || base.Host == "" || (base.Scheme != "http" && base.Scheme != "https") {
		return nil, fmt.Errorf("--endpoint %q is not an http or https URL", cfg.endpoint)
	}
	kind := ops[cfg.op]
	b := &bench{
		cfg:    cfg,
		signer: sigv4.NewSigner(),
		creds:  sigv4.Credentials{AccessKeyID: cfg.accessKey, SecretAccessKey: cfg.secretKey, SessionToken: cfg.sessionToken},
		base:   base,
		put:    kind.put,
		bufLen: 64 << 10,
	}
	conns := cfg.concurrency
	tr := &http.Transport{
		Proxy:               nil, // the target is local; no proxy from the environment
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
		// A server that sends no header within this is stuck; the body of
		// a large object may take longer and is bounded by --timeout.
		ResponseHeaderTimeout: time.Minute,
		DisableCompression:    true, // measure the bytes the server sends
	}
	if kind.large {
		b.bufLen = 1 << 20
		tr.ReadBufferSize, tr.WriteBufferSize = 256<<10, 256<<10
	}
	b.client = &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect is an answer, and not a 2xx
		},
	}

	dir := cfg.prefix + strconv.FormatInt(cfg.size, 10) + "/"
	if b.put && cfg.fresh {
		var id [4]byte
		rand.Read(id[:])
		dir += hex.EncodeToString(id[:]) + "/"
	}
	b.keys = make([]*url.URL, cfg.objects)
	for i := range b.keys {
		b.keys[i] = b.objectURL(dir + strconv.Itoa(i))
	}
	if b.put {
		b.bodies = bodies(cfg.size)
	}
	if cfg.op == "get-presigned" {
		if err := b.presignAll(); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (b *bench) objectURL(key string) *url.URL {
	u := *b.base
	u.Path = b.base.Path + "/" + b.cfg.bucket + "/" + key
	u.RawPath = ""
	return &u
}

// presignAll presigns a GET of every key for an hour, longer than any run.
func (b *bench) presignAll() error {
	b.signed = make([]*url.URL, len(b.keys))
	now := time.Now()
	for i, u := range b.keys {
		req := &http.Request{Method: http.MethodGet, URL: u, Host: u.Host, Header: http.Header{}}
		s, err := b.signer.Presign(req, b.creds, sigv4.Params{Region: b.cfg.region, Service: "s3", Time: now, Expires: time.Hour})
		if err != nil {
			return fmt.Errorf("presign: %w", err)
		}
		if b.signed[i], err = url.Parse(s); err != nil {
			return fmt.Errorf("presigned URL: %w", err)
		}
	}
	return nil
}

// newRequest builds a request, signed in its header unless the run is
// anonymous or the URL is presigned; payload is the hex SHA-256 of body or
// UNSIGNED-PAYLOAD.
func (b *bench) newRequest(ctx context.Context, method string, u *url.URL, bd *body, payload string) (*http.Request, error) {
	req := (&http.Request{
		Method: method, URL: u, Host: u.Host, Header: make(http.Header, 4),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}).WithContext(ctx)
	if bd != nil {
		req.Body = io.NopCloser(&countingReader{bd.reader(), &b.moved})
		req.ContentLength = bd.size
	}
	if b.cfg.anonymous || b.signed != nil && method == http.MethodGet {
		return req, nil
	}
	if payload == "" {
		payload = sigv4.EmptyPayloadHash
	}
	req.Header["X-Amz-Content-Sha256"] = []string{payload}
	err := b.signer.Sign(req, b.creds, sigv4.Params{Region: b.cfg.region, Service: "s3", Time: time.Now(), PayloadHash: payload})
	return req, err
}

// worker is one connection's loop state.
type worker struct {
	buf []byte
}

// do sends one request of the run's operation for index i and reads the
// whole response. Anything but a 2xx with the expected body is an error.
func (b *bench) do(ctx context.Context, w *worker, i int64) error {
	k := int(i % int64(len(b.keys)))
	var req *http.Request
	var err error
	switch {
	case b.put:
		bd := b.bodies[int(i%int64(len(b.bodies)))]
		payload := bd.sha256
		if b.cfg.payload == "unsigned" {
			payload = sigv4.UnsignedPayload
		}
		req, err = b.newRequest(ctx, http.MethodPut, b.keys[k], bd, payload)
	case b.signed != nil:
		req, err = b.newRequest(ctx, http.MethodGet, b.signed[k], nil, "")
	default:
		req, err = b.newRequest(ctx, http.MethodGet, b.keys[k], nil, "")
	}
	if err != nil {
		return err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return statusError(resp)
	}
	var n int64
	for {
		m, err := resp.Body.Read(w.buf)
		n += int64(m)
		b.moved.Add(int64(m))
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("reading the response: %w", err)
		}
	}
	if !b.put && n != b.cfg.size {
		return fmt.Errorf("got %d bytes of a %d-byte object", n, b.cfg.size)
	}
	return nil
}

// statusError describes a non-2xx response by its status and S3 error code.
func statusError(resp *http.Response) error {
	var e struct {
		Code    string
		Message string
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<10))
	msg := resp.Status
	if xml.Unmarshal(body, &e) == nil && e.Code != "" {
		msg += ": " + e.Code
		if e.Message != "" {
			msg += ": " + e.Message
		}
	}
	return errors.New(msg)
}

// errAllFailed stops a run whose first requests all failed: its numbers
// would measure only how fast the server refuses.
var errAllFailed = errors.New("every request failed")

// allFailedAfter is how many failures with no success end a run.
const allFailedAfter = 20

// snapshot is the run's counters at one instant.
type snapshot struct {
	t         time.Time
	bytes, ok int64
}

// run sends requests from cfg.concurrency workers until the count or the
// time is reached. Rates are the counters' growth over the measured window
// (from the end of the warm-up to the end of --duration, or to the last
// response), so a large transfer in flight at either edge counts for the
// bytes it moved inside it; latencies are those of the requests that ended
// inside it.
func (b *bench) run(ctx context.Context) (*result, error) {
	cfg := b.cfg
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	var (
		next     atomic.Int64
		okCount  atomic.Int64
		errCount atomic.Int64
		stop     atomic.Bool
		firstMu  sync.Mutex
		first    string
	)
	take := func() snapshot { return snapshot{time.Now(), b.moved.Load(), okCount.Load()} }
	stopAfter := int64(allFailedAfter)
	if cfg.count > 0 {
		stopAfter = min(stopAfter, cfg.count)
	}
	start := time.Now()
	measureFrom := start.Add(cfg.warmup)
	var deadline time.Time
	if cfg.duration > 0 {
		deadline = measureFrom.Add(cfg.duration)
	}

	// The window's edges, taken on time by a goroutine of their own.
	from, to := snapshot{t: start, bytes: b.moved.Load()}, snapshot{} // --prepare moved bytes already
	finished := make(chan struct{})
	var window sync.WaitGroup
	window.Go(func() {
		wait := func(t time.Time) bool {
			timer := time.NewTimer(time.Until(t))
			defer timer.Stop()
			select {
			case <-timer.C:
				return true
			case <-finished:
			case <-ctx.Done():
			}
			return false
		}
		if cfg.warmup > 0 {
			if !wait(measureFrom) {
				from = snapshot{}
				return
			}
			from = take()
		}
		if !deadline.IsZero() && wait(deadline) {
			to = take()
			stop.Store(true)
		}
	})

	workers := make([]*samples, cfg.concurrency)
	var wg sync.WaitGroup
	for wi := range workers {
		s := newSamples(maxSamples, uint64(wi))
		workers[wi] = s
		wg.Go(func() {
			w := &worker{buf: make([]byte, b.bufLen)}
			for ctx.Err() == nil && !stop.Load() {
				i := next.Add(1) - 1
				if cfg.count > 0 && i >= cfg.count {
					return
				}
				t0 := time.Now()
				err := b.do(ctx, w, i)
				t1 := time.Now()
				if err != nil {
					if ctx.Err() != nil {
						return // cut short by the end of the run, not the server's fault
					}
					firstMu.Lock()
					if first == "" {
						first = err.Error()
					}
					firstMu.Unlock()
					if errCount.Add(1) >= stopAfter && okCount.Load() == 0 {
						cancel(errAllFailed)
					}
					continue
				}
				okCount.Add(1)
				if !t1.Before(measureFrom) && (deadline.IsZero() || !t1.After(deadline)) {
					s.add(t1.Sub(t0))
				}
			}
		})
	}
	wg.Wait()
	close(finished)
	window.Wait()
	if errors.Is(context.Cause(ctx), errAllFailed) {
		return nil, fmt.Errorf("stopped: the first %d requests all failed; first error: %s", errCount.Load(), first)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("stopped by --timeout (%v): %w", cfg.timeout, context.Cause(ctx))
	}
	if from.t.IsZero() {
		return nil, fmt.Errorf("the run ended within the warm-up of %v; shorten --warmup or raise --count", cfg.warmup)
	}
	if to.t.IsZero() {
		to = take() // ended by --count before --duration
	}
	res := &result{
		Op: cfg.op, Endpoint: cfg.endpoint, Size: cfg.size, Concurrency: cfg.concurrency,
		Ops: to.ok - from.ok, Errors: errCount.Load(), FirstError: first,
	}
	summarize(res, merge(workers), to.bytes-from.bytes, to.t.Sub(from.t))
	return res, nil
}

// prepare creates the bucket and, for GETs, uploads every object.
func (b *bench) prepare(ctx context.Context) error {
	if err := b.createBucket(ctx); err != nil {
		return err
	}
	if b.put {
		return nil
	}
	// One body for all the objects: GETs do not care what the bytes are.
	_, hold := variants(b.cfg.size)
	bd := newBody(b.cfg.size, 0, hold)
	n := min(b.cfg.concurrency, 8, len(b.keys))
	var next atomic.Int64
	errs := make([]error, n)
	var wg sync.WaitGroup
	for wi := range n {
		wg.Go(func() {
			buf := make([]byte, 4<<10)
			for {
				i := next.Add(1) - 1
				if i >= int64(len(b.keys)) || ctx.Err() != nil {
					return
				}
				req, err := b.newRequest(ctx, http.MethodPut, b.keys[i], bd, bd.sha256)
				if err == nil {
					err = b.send(req, buf)
				}
				if err != nil {
					errs[wi] = fmt.Errorf("upload %s: %w", b.keys[i].Path, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return ctx.Err()
}

// createBucket creates the bucket; one that exists already and is ours is
// fine.
func (b *bench) createBucket(ctx context.Context) error {
	u := *b.base
	u.Path = b.base.Path + "/" + b.cfg.bucket
	u.RawPath = ""
	req, err := b.newRequest(ctx, http.MethodPut, &u, nil, "")
	if err != nil {
		return err
	}
	err = b.send(req, make([]byte, 4<<10))
	if err != nil && strings.Contains(err.Error(), "BucketAlreadyOwnedByYou") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", b.cfg.bucket, err)
	}
	return nil
}

// send does one request and fails unless it gets a 2xx.
func (b *bench) send(req *http.Request, buf []byte) error {
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return statusError(resp)
	}
	_, err = io.CopyBuffer(io.Discard, resp.Body, buf)
	return err
}

// countingReader adds the bytes read through it to a shared counter.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
