// Package server turns a Config into a running Wicket endpoint: one HTTP
// listener that routes each request to the API it belongs to (S3, STS, IAM
// or the Cognito Identity API), gives it a request id, logs and measures it,
// and turns a panic into an error in that API's shape. It is the one place
// that wires concrete stores and services together.
package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/identitypool"
	"github.com/wicket-io/wicket/sts/keyring"
)

// Server is a Wicket endpoint. It is an http.Handler, so it can also be
// mounted on an httptest.Server or another program's listener.
type Server struct {
	cfg      Config
	log      *slog.Logger
	metrics  *metrics
	handlers [apiCount]http.Handler
	wicket   http.Handler // /_wicket/... and /.well-known/...
	closers  []func() error
	keys     *keyring.Keyring      // nil without a data directory
	pools    *identitypool.Service // likewise
}

// New returns a Server for cfg, with defaults filled in for zero fields.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, metrics: newMetrics()}
	s.handlers[apiS3] = orDefault(cfg.Handlers.S3, http.HandlerFunc(notImplementedS3))
	s.handlers[apiSTS] = orDefault(cfg.Handlers.STS, notImplementedQuery(apiSTS))
	s.handlers[apiIAM] = orDefault(cfg.Handlers.IAM, notImplementedQuery(apiIAM))
	s.handlers[apiIdentityPool] = orDefault(cfg.Handlers.IdentityPool, http.HandlerFunc(notImplementedIdentityPool))
	if cfg.DataDir != "" && cfg.Handlers.S3 == nil {
		if err := s.openEmbedded(context.Background()); err != nil {
			s.Close()
			return nil, err
		}
	}

	mux := http.NewServeMux()
	// A GET pattern also serves HEAD; other methods get 405 from the mux.
	mux.HandleFunc("GET "+wicketPrefix+"health", s.health)
	mux.Handle("GET "+wicketPrefix+"metrics", s.metrics.handler(s.log))
	if s.keys != nil {
		mux.HandleFunc("GET "+wellKnownPrefix+"openid-configuration", s.openIDConfiguration)
		mux.HandleFunc("GET "+wellKnownPrefix+"jwks.json", s.jwks)
	}
	s.wicket = mux
	return s, nil
}

// Close releases the stores, last opened first, and then the data
// directory's lock. Call it after Serve returns.
func (s *Server) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}

func orDefault(h, def http.Handler) http.Handler {
	if h == nil {
		return def
	}
	return h
}

// health answers liveness and readiness probes. Once there are stores, it
// will report unready while they cannot serve.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// ListenAndServe listens on cfg.Addr and serves until ctx is cancelled; see
// Serve.
func (s *Server) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve answers requests on ln until ctx is cancelled, then shuts down
// gracefully: it stops accepting, lets in-flight requests finish for up to
// cfg.ShutdownTimeout, and then cancels their contexts and closes their
// connections. It returns nil after a graceful shutdown, and an error if
// serving failed or requests were still running when the time was up. Serve
// closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// Requests get a context that outlives ctx, so that cancelling ctx
	// starts a graceful shutdown instead of aborting every request at once.
	base, abort := context.WithCancel(context.WithoutCancel(ctx))
	defer abort()
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    s.cfg.MaxHeaderBytes,
		// No ReadTimeout or WriteTimeout: they bound a whole request, and an
		// object body may stream for as long as it takes.
		BaseContext: func(net.Listener) context.Context { return base },
		ErrorLog:    slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}

	served := make(chan error, 1)
	go func() { served <- hs.Serve(newLimitListener(ln, s.cfg.MaxConnections)) }()
	s.log.Info("serving", "addr", ln.Addr().String(), "region", s.cfg.Region)

	select {
	case err := <-served:
		return fmt.Errorf("server: serving on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}

	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout)
	stop, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(stop)
	if err != nil {
		abort()
		_ = hs.Close()
		err = fmt.Errorf("server: requests still running after the shutdown timeout of %v: %w", s.cfg.ShutdownTimeout, err)
	}
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("server: serving on %s: %w", ln.Addr(), serr))
	}
	if err == nil {
		s.log.Info("stopped")
	}
	return err
}

// ServeHTTP gives r an id, routes it, and logs and measures it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if r.ContentLength == 0 && r.ProtoAtLeast(1, 1) && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		// botocore before 1.43.77 (Debian's AWS CLI v2 among its users)
		// sends "Expect: 100-continue" with an empty body, and answered
		// without the interim 100 (net/http sends none for an empty body)
		// it leaves a stale status line on the pooled connection: the
		// next request on it waits 60 s for its read timeout
		// (boto/botocore#3755, which S3 triggers too). RFC 9110 lets a
		// server send the 100 all the same.
		w.WriteHeader(http.StatusContinue)
	}
	s.metrics.inFlight.Inc()
	defer s.metrics.inFlight.Dec()

	id, hostID := newRequestIDs()
	h := w.Header()
	h.Set("X-Amz-Request-Id", id)
	h.Set("X-Amz-Id-2", hostID)
	r = r.WithContext(wicket.WithRequestID(r.Context(), id))
	rec := &recorder{ResponseWriter: w, rc: *http.NewResponseController(w), stall: s.cfg.StallTimeout}
	rec.watch(r)

	a, aborted := s.dispatch(rec, r, id)
	rec.extend() // for net/http's flush of what is buffered

	status := rec.status
	if status == 0 {
		// A handler that writes nothing gets net/http's implicit 200.
		status = http.StatusOK
	}
	if aborted {
		// The client sees a cut connection, whatever the header said;
		// status 0 says so in the log and the metrics.
		status = 0
	}
	d := time.Since(start)
	s.metrics.observe(a, status, d)
	s.logRequest(r, a, id, status, rec.bytes, d)
	if aborted {
		panic(http.ErrAbortHandler)
	}
}

// dispatch routes r and serves it, recovering a panic into an InternalError
// in the shape of the request's API. It reports aborted when the response
// cannot be completed (the panic came after the header went out, or the
// handler aborted on purpose), so that the connection must be cut rather
// than leave the client with a response that looks whole.
func (s *Server) dispatch(w *recorder, r *http.Request, id string) (a api, aborted bool) {
	a = apiS3 // until routed: a panic in the router is answered in S3's shape
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			aborted = true
			return
		}
		s.log.Error("panic serving request",
			"api", a.String(), "request_id", id, "method", r.Method, "path", r.URL.Path,
			"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		if w.wroteHeader() {
			aborted = true
			return
		}
		writeError(w, r, a, wicket.E(a.String(), wicket.Internal))
	}()

	var h http.Handler
	a, h = s.route(r)
	switch a {
	case apiIdentityPool, apiSTS, apiIAM, apiQuery:
		// The JSON and Query SDKs read the request id from this header.
		w.Header().Set("X-Amzn-RequestId", id)
	}
	if (a == apiIdentityPool || a == apiSTS) && r.Header.Get("Origin") != "" {
		// As AWS's Cognito and STS endpoints do, for pages that get
		// credentials in the browser; the calls carry no cookies.
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Expose-Headers", apiExposeHeaders)
	}
	h.ServeHTTP(w, r)
	return a, false
}

// logRequest writes the request log line. It logs the path but never the
// query string, which holds the signature and credential of a presigned URL,
// nor any header, since Authorization and X-Amz-Security-Token are secrets.
func (s *Server) logRequest(r *http.Request, a api, id string, status int, bytes int64, d time.Duration) {
	level := slog.LevelInfo
	switch {
	case status == 0 || status >= 500 && status != http.StatusNotImplemented:
		// 501 is an answer about Wicket's scope, not a fault.
		level = slog.LevelError
	case a == apiWicket:
		// Probes and scrapes arrive every few seconds; keep them out of the
		// way unless asked for.
		level = slog.LevelDebug
	}
	s.log.LogAttrs(r.Context(), level, "request",
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Int64("bytes", bytes),
		slog.Duration("duration", d),
		slog.String("api", a.String()),
		slog.String("request_id", id),
		slog.String("remote", r.RemoteAddr),
	)
}

// newRequestIDs returns a request id in S3's form (16 upper-case hex
// digits) and an extended id for x-amz-id-2, which S3 clients print as
// HostId. Both are random so that neither reveals request rates.
func newRequestIDs() (id, hostID string) {
	const hexDigits = "0123456789ABCDEF"
	var b [8 + 24]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	var out [16]byte
	for i, c := range b[:8] {
		out[2*i] = hexDigits[c>>4]
		out[2*i+1] = hexDigits[c&0xf]
	}
	return string(out[:]), base64.StdEncoding.EncodeToString(b[8:])
}
