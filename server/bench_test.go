package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/server"
	"github.com/wicket-io/wicket/sigv4"
)

// discardWriter is a ResponseWriter that keeps nothing, so that the
// benchmark measures the server, not a recorder's buffer.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// A connection's writer takes deadlines; without them every request
// would pay for ResponseController's "not supported" errors.
func (w *discardWriter) SetWriteDeadline(time.Time) error { return nil }
func (w *discardWriter) SetReadDeadline(time.Time) error  { return nil }

// BenchmarkSmallGet is the server's own work for a header-signed GET of a
// 4 KiB object (kept inline), from the request to the last byte handed to
// the connection, with the request log written as `wicket serve` writes it:
// the in-process part of the one-connection latency target.
func BenchmarkSmallGet(b *testing.B) {
	root := wicket.RootCredentials{AccessKeyID: "AKIAWICKETBENCHROOT1", SecretAccessKey: "wicket-bench-root-secret-key-00000000000"}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(server.Config{Region: "us-east-1", Root: root, DataDir: b.TempDir(), Issuer: "http://127.0.0.1:9000",
		AllowHTTPIssuers: true, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	creds := sigv4.Credentials{AccessKeyID: root.AccessKeyID, SecretAccessKey: root.SecretAccessKey}
	signed := func(method, path string, body []byte) *http.Request {
		var rd io.Reader // none for a GET, as net/http gives a handler
		if body != nil {
			rd = bytes.NewReader(body)
		}
		r := httptest.NewRequest(method, "http://127.0.0.1:9000"+path, rd)
		sum := sha256.Sum256(body)
		if err := sigv4.NewSigner().Sign(r, creds, sigv4.Params{Region: "us-east-1", Service: "s3", Time: time.Now(), PayloadHash: hex.EncodeToString(sum[:])}); err != nil {
			b.Fatal(err)
		}
		return r
	}
	for _, r := range []*http.Request{signed("PUT", "/bench", nil), signed("PUT", "/bench/k", bytes.Repeat([]byte("x"), 4096))} {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("%s %s: %d %s", r.Method, r.URL, w.Code, w.Body)
		}
	}
	req := signed("GET", "/bench/k", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		srv.ServeHTTP(w, req)
	}
}
