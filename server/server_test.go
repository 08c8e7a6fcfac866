package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/server"
)

const (
	stsForm = "Action=GetCallerIdentity&Version=2011-06-15"
	iamForm = "Action=ListUsers&Version=2010-05-08"
	formCT  = "application/x-www-form-urlencoded"
	jsonCT  = "application/x-amz-json-1.1"
)

var requestIDRE = regexp.MustCompile(`^[0-9A-F]{16}$`)

func newServer(t *testing.T, cfg server.Config) *server.Server {
	t.Helper()
	// No DataDir: the router is tested against the placeholder APIs; the
	// embedded stores have their own test (stores_test.go).
	if cfg.Logger == nil {
		tw := &testWriter{t: t}
		t.Cleanup(tw.stop)
		cfg.Logger = slog.New(slog.NewTextHandler(tw, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testWriter sends the server's log to the test's log, shown on failure.
// It goes quiet when the test ends: a handler abandoned by a shutdown
// timeout may still log, and t.Log after the end of a test panics.
type testWriter struct {
	mu      sync.Mutex
	t       *testing.T
	stopped bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.t.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testWriter) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
}

// markers returns handlers that name their API in a header and echo the
// body they read, so a test sees both where a request went and that the
// router handed the body on whole.
func markers() server.Handlers {
	mark := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("X-Test-API", name)
			_, _ = w.Write(body)
		})
	}
	return server.Handlers{S3: mark("s3"), STS: mark("sts"), IAM: mark("iam"), IdentityPool: mark("cognito-identity")}
}

type request struct {
	method, target string
	header         map[string]string
	body           string
}

func (rq request) do(t *testing.T, h http.Handler) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	r := httptest.NewRequest(rq.method, rq.target, body)
	for k, v := range rq.header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestRoute(t *testing.T) {
	big := strings.Repeat("a", 70<<10)
	exact := "Action=AssumeRole&Version=2011-06-15&Policy="
	exact += strings.Repeat("b", 64<<10-len(exact))
	tests := []struct {
		name string
		req  request
		// wantAPI is the handler that must get the request; when empty,
		// the router answers itself with wantStatus and wantCode.
		wantAPI    string
		wantStatus int
		wantCode   string
	}{
		{name: "cognito target", wantAPI: "cognito-identity", req: request{method: "POST", target: "/",
			header: map[string]string{"X-Amz-Target": "AWSCognitoIdentityService.GetId", "Content-Type": jsonCT}, body: `{"IdentityPoolId":"x"}`}},
		{name: "other JSON target goes to the only JSON API", wantAPI: "cognito-identity", req: request{method: "POST", target: "/",
			header: map[string]string{"X-Amz-Target": "DynamoDB_20120810.GetItem", "Content-Type": "application/x-amz-json-1.0"}, body: `{}`}},
		{name: "target on GET is S3", wantAPI: "s3", req: request{method: "GET", target: "/",
			header: map[string]string{"X-Amz-Target": "AWSCognitoIdentityService.GetId"}}},
		{name: "target off the root is S3", wantAPI: "s3", req: request{method: "POST", target: "/bucket",
			header: map[string]string{"X-Amz-Target": "AWSCognitoIdentityService.GetId"}, body: `{}`}},
		{name: "STS form", wantAPI: "sts", req: request{method: "POST", target: "/",
			header: map[string]string{"Content-Type": formCT}, body: stsForm}},
		{name: "STS form with charset", wantAPI: "sts", req: request{method: "POST", target: "/",
			header: map[string]string{"Content-Type": formCT + "; charset=utf-8"}, body: stsForm}},
		{name: "IAM form", wantAPI: "iam", req: request{method: "POST", target: "/",
			header: map[string]string{"Content-Type": formCT}, body: iamForm}},
		{name: "STS in the URL query", wantAPI: "sts", req: request{method: "GET", target: "/?" + stsForm}},
		{name: "STS version in the URL, action in the body", wantAPI: "sts", req: request{method: "POST", target: "/?Version=2011-06-15",
			header: map[string]string{"Content-Type": formCT}, body: "Action=GetCallerIdentity"}},
		{name: "URL query with an unknown version is S3", wantAPI: "s3", req: request{method: "GET", target: "/?Action=X&Version=1999-01-01"}},
		{name: "form body of exactly the bound", wantAPI: "sts", req: request{method: "POST", target: "/",
			header: map[string]string{"Content-Type": formCT}, body: exact}},
		{name: "S3 list buckets", wantAPI: "s3", req: request{method: "GET", target: "/"}},
		{name: "S3 GET object", wantAPI: "s3", req: request{method: "GET", target: "/bucket/key.txt"}},
		{name: "S3 PUT object with a form content type", wantAPI: "s3", req: request{method: "PUT", target: "/bucket/form",
			header: map[string]string{"Content-Type": formCT}, body: stsForm}},
		{name: "S3 PUT with a body", wantAPI: "s3", req: request{method: "PUT", target: "/bucket/key", body: "hello"}},
		{name: "S3 unknown method", wantAPI: "s3", req: request{method: "PATCH", target: "/bucket/key"}},
		{name: "S3 CORS preflight", wantAPI: "s3", req: request{method: "OPTIONS", target: "/bucket/key"}},
		{name: "multipart POST to the root is S3", wantAPI: "s3", req: request{method: "POST", target: "/",
			header: map[string]string{"Content-Type": "multipart/form-data; boundary=x"}, body: "--x--"}},
		{name: "form without Action", wantStatus: 400, wantCode: "MissingAction", req: request{method: "POST", target: "/",
			header: map[string]string{"Content-Type": formCT}, body: "Foo=bar"}},
		{name: "form without Version", wantStatus: 400, wantCode: "MissingParameter", req: request{method: "POST", target: "/",
			header: map[string]string{"Content-Type": formCT}, body: "Action=GetCallerIdentity"}},
		{name: "form with an unknown Version", wantStatus: 400, wantCode: "InvalidAction", req: request{method: "POST", target: "/",
			header: map[string]string{"Content-Type": formCT}, body: "Action=DescribeInstances&Version=2016-11-15"}},
		{name: "form too large", wantStatus: 413, wantCode: "RequestEntityTooLarge", req: request{method: "POST", target: "/",
			header: map[string]string{"Content-Type": formCT}, body: "Version=2011-06-15&Action=AssumeRole&Policy=" + big}},
		{name: "health", wantStatus: 200, req: request{method: "GET", target: "/_wicket/health"}},
		{name: "health HEAD", wantStatus: 200, req: request{method: "HEAD", target: "/_wicket/health"}},
		{name: "health POST", wantStatus: 405, req: request{method: "POST", target: "/_wicket/health"}},
		{name: "unknown wicket path", wantStatus: 404, req: request{method: "GET", target: "/_wicket/nope"}},
	}
	srv := newServer(t, server.Config{Handlers: markers()})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.req.do(t, srv)
			got := w.Header().Get("X-Test-API")
			if got != tt.wantAPI {
				t.Fatalf("routed to %q, want %q (status %d, body %.200s)", got, tt.wantAPI, w.Code, w.Body)
			}
			if !requestIDRE.MatchString(w.Header().Get("X-Amz-Request-Id")) {
				t.Errorf("x-amz-request-id = %q, want 16 upper-case hex digits", w.Header().Get("X-Amz-Request-Id"))
			}
			if w.Header().Get("X-Amz-Id-2") == "" {
				t.Error("no x-amz-id-2")
			}
			if tt.wantAPI != "" {
				if w.Body.String() != tt.req.body {
					t.Errorf("handler read a body of %d bytes, want the %d sent", w.Body.Len(), len(tt.req.body))
				}
				return
			}
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if tt.wantCode != "" {
				e := parseQueryError(t, w)
				if e.Error.Code != tt.wantCode {
					t.Errorf("code = %q, want %q", e.Error.Code, tt.wantCode)
				}
			}
		})
	}
}

func TestTooLargeFormSpeaksItsAPI(t *testing.T) {
	srv := newServer(t, server.Config{Handlers: markers()})
	big := strings.Repeat("a", 70<<10)
	for _, tt := range []struct{ version, namespace string }{
		{"2011-06-15", "https://sts.amazonaws.com/doc/2011-06-15/"},
		{"2010-05-08", "https://iam.amazonaws.com/doc/2010-05-08/"},
	} {
		w := request{method: "POST", target: "/", header: map[string]string{"Content-Type": formCT},
			body: "Action=PutRolePolicy&Version=" + tt.version + "&PolicyDocument=" + big}.do(t, srv)
		e := parseQueryError(t, w)
		if w.Code != http.StatusRequestEntityTooLarge || e.Namespace != tt.namespace || e.Error.Code != "RequestEntityTooLarge" {
			t.Errorf("version %s: got %d %s in %q, want 413 RequestEntityTooLarge in %q",
				tt.version, w.Code, e.Error.Code, e.Namespace, tt.namespace)
		}
	}
}

type s3Error struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string
	Message   string
	Resource  string
	RequestID string `xml:"RequestId"`
	HostID    string `xml:"HostId"`
}

type queryError struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Namespace string   `xml:"xmlns,attr"`
	Error     struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string `xml:"RequestId"`
}

type jsonError struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

func parseQueryError(t *testing.T, w *httptest.ResponseRecorder) queryError {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "text/xml" {
		t.Errorf("content-type = %q, want text/xml", ct)
	}
	var e queryError
	if err := xml.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("not a Query error: %v\n%s", err, w.Body)
	}
	if e.RequestID != w.Header().Get("X-Amz-Request-Id") || e.RequestID != w.Header().Get("X-Amzn-RequestId") {
		t.Errorf("RequestId %q, headers %q and %q: want all equal", e.RequestID,
			w.Header().Get("X-Amz-Request-Id"), w.Header().Get("X-Amzn-RequestId"))
	}
	wantType := "Sender"
	if w.Code >= 500 {
		wantType = "Receiver"
	}
	if e.Error.Type != wantType {
		t.Errorf("Type = %q, want %q", e.Error.Type, wantType)
	}
	return e
}

func parseS3Error(t *testing.T, w *httptest.ResponseRecorder) s3Error {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/xml" {
		t.Errorf("content-type = %q, want application/xml", ct)
	}
	if !strings.HasPrefix(w.Body.String(), xml.Header) {
		t.Errorf("body does not start with the XML declaration: %.60q", w.Body)
	}
	var e s3Error
	if err := xml.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("not an S3 error: %v\n%s", err, w.Body)
	}
	if e.RequestID != w.Header().Get("X-Amz-Request-Id") || e.HostID != w.Header().Get("X-Amz-Id-2") {
		t.Errorf("RequestId/HostId %q/%q differ from the headers %q/%q", e.RequestID, e.HostID,
			w.Header().Get("X-Amz-Request-Id"), w.Header().Get("X-Amz-Id-2"))
	}
	return e
}

func parseJSONError(t *testing.T, w *httptest.ResponseRecorder) jsonError {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != jsonCT {
		t.Errorf("content-type = %q, want %s", ct, jsonCT)
	}
	var e jsonError
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("not a JSON error: %v\n%s", err, w.Body)
	}
	if got := w.Header().Get("X-Amzn-ErrorType"); got != e.Type {
		t.Errorf("x-amzn-ErrorType = %q, __type = %q: want equal", got, e.Type)
	}
	if w.Header().Get("X-Amzn-RequestId") != w.Header().Get("X-Amz-Request-Id") {
		t.Error("x-amzn-RequestId differs from x-amz-request-id")
	}
	return e
}

// TestNotImplemented checks the placeholder answers, one per API, in each
// API's own error shape.
func TestNotImplemented(t *testing.T) {
	srv := newServer(t, server.Config{})

	t.Run("s3", func(t *testing.T) {
		w := request{method: "GET", target: "/bucket/a%20key?X-Amz-Signature=abc"}.do(t, srv)
		if w.Code != http.StatusNotImplemented {
			t.Errorf("status = %d, want 501", w.Code)
		}
		e := parseS3Error(t, w)
		if e.Code != "NotImplemented" || e.Message != "A header you provided implies functionality that is not implemented" {
			t.Errorf("got %s %q", e.Code, e.Message)
		}
		if e.Resource != "/bucket/a key" {
			t.Errorf("Resource = %q, want the path without the query", e.Resource)
		}
		if !requestIDRE.MatchString(e.RequestID) {
			t.Errorf("RequestId = %q", e.RequestID)
		}
	})
	t.Run("s3 HEAD", func(t *testing.T) {
		w := request{method: "HEAD", target: "/bucket/key"}.do(t, srv)
		if w.Code != http.StatusNotImplemented || w.Body.Len() != 0 {
			t.Errorf("got %d with %d bytes of body, want 501 and none", w.Code, w.Body.Len())
		}
	})
	for _, tt := range []struct{ name, body, namespace string }{
		{"sts", stsForm, "https://sts.amazonaws.com/doc/2011-06-15/"},
		{"iam", iamForm, "https://iam.amazonaws.com/doc/2010-05-08/"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := request{method: "POST", target: "/", header: map[string]string{"Content-Type": formCT}, body: tt.body}.do(t, srv)
			if w.Code != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", w.Code)
			}
			e := parseQueryError(t, w)
			if e.Namespace != tt.namespace || e.Error.Code != "InvalidAction" {
				t.Errorf("got %s in %q, want InvalidAction in %q", e.Error.Code, e.Namespace, tt.namespace)
			}
			action := strings.TrimPrefix(strings.SplitN(tt.body, "&", 2)[0], "Action=")
			if !strings.Contains(e.Error.Message, action) {
				t.Errorf("message %q does not name the action %s", e.Error.Message, action)
			}
		})
	}
	t.Run("cognito-identity", func(t *testing.T) {
		w := request{method: "POST", target: "/", body: `{}`, header: map[string]string{
			"X-Amz-Target": "AWSCognitoIdentityService.GetId", "Content-Type": jsonCT}}.do(t, srv)
		if w.Code != http.StatusBadRequest {
			t.Errorf("status = %d, want 400", w.Code)
		}
		e := parseJSONError(t, w)
		if e.Type != "UnknownOperationException" || !strings.Contains(e.Message, "GetId") {
			t.Errorf("got %+v", e)
		}
	})
}

func TestHealth(t *testing.T) {
	srv := newServer(t, server.Config{})
	w := request{method: "GET", target: "/_wicket/health"}.do(t, srv)
	if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != "ok" {
		t.Errorf("got %d %q, want 200 ok", w.Code, w.Body)
	}
}

func TestMetrics(t *testing.T) {
	srv := newServer(t, server.Config{})
	request{method: "GET", target: "/bucket/key"}.do(t, srv)
	request{method: "GET", target: "/bucket/key"}.do(t, srv)
	request{method: "POST", target: "/", header: map[string]string{"Content-Type": formCT}, body: stsForm}.do(t, srv)
	w := request{method: "GET", target: "/_wicket/metrics"}.do(t, srv)
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d", w.Code)
	}
	body := w.Body.String()
	want := []string{
		`wicket_http_requests_total{api="s3",code="501"} 2`,
		`wicket_http_requests_total{api="sts",code="400"} 1`,
		`wicket_http_request_duration_seconds_count{api="s3"} 2`,
		// The scrape itself is in flight while it is written.
		`wicket_http_requests_in_flight 1`,
		`go_goroutines `,
	}
	if runtime.GOOS == "linux" {
		want = append(want, "process_start_time_seconds ")
	}
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Errorf("metrics lack %q", s)
		}
	}
	// Each server has its own registry: a second one starts from zero.
	w = request{method: "GET", target: "/_wicket/metrics"}.do(t, newServer(t, server.Config{}))
	if strings.Contains(w.Body.String(), `api="s3"`) {
		t.Error("a new server shares counters with another")
	}
}

// lockedBuffer is a log sink that tests read while servers write.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestRequestLog(t *testing.T) {
	var logs lockedBuffer
	srv := newServer(t, server.Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	w := request{method: "GET", target: "/bucket/photo.jpg?X-Amz-Credential=AKIDSECRETCRED&X-Amz-Signature=SECRETSIG",
		header: map[string]string{
			"Authorization":        "AWS4-HMAC-SHA256 Credential=SECRETAUTH",
			"X-Amz-Security-Token": "SECRETTOKEN",
		}}.do(t, srv)

	var line struct {
		Msg, Method, Path, API string
		Status                 int
		Bytes                  int64
		RequestID              string `json:"request_id"`
	}
	if err := json.Unmarshal([]byte(logs.String()), &line); err != nil {
		t.Fatalf("want one JSON log line: %v\n%s", err, logs.String())
	}
	if line.Msg != "request" || line.Method != "GET" || line.Path != "/bucket/photo.jpg" || line.API != "s3" ||
		line.Status != 501 || line.Bytes != int64(w.Body.Len()) || line.RequestID != w.Header().Get("X-Amz-Request-Id") {
		t.Errorf("log line %+v does not describe the request", line)
	}
	if strings.Contains(logs.String(), "SECRET") {
		t.Errorf("the log holds a secret from the query or a header:\n%s", logs.String())
	}
}

func TestRequestIDInContext(t *testing.T) {
	var got string
	srv := newServer(t, server.Config{Handlers: server.Handlers{S3: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = wicket.RequestID(r.Context())
	})}})
	w := request{method: "GET", target: "/b/k"}.do(t, srv)
	if got == "" || got != w.Header().Get("X-Amz-Request-Id") {
		t.Errorf("context id %q, header %q", got, w.Header().Get("X-Amz-Request-Id"))
	}
}

func TestPanicBecomesInternalError(t *testing.T) {
	boom := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })
	var logs lockedBuffer
	srv := newServer(t, server.Config{
		Logger:   slog.New(slog.NewTextHandler(&logs, nil)),
		Handlers: server.Handlers{S3: boom, STS: boom, IAM: boom, IdentityPool: boom},
	})

	w := request{method: "GET", target: "/bucket/key"}.do(t, srv)
	if e := parseS3Error(t, w); w.Code != 500 || e.Code != "InternalError" {
		t.Errorf("s3: got %d %s, want 500 InternalError", w.Code, e.Code)
	}
	w = request{method: "POST", target: "/", header: map[string]string{"Content-Type": formCT}, body: stsForm}.do(t, srv)
	if e := parseQueryError(t, w); w.Code != 500 || e.Error.Code != "InternalFailure" {
		t.Errorf("sts: got %d %s, want 500 InternalFailure", w.Code, e.Error.Code)
	}
	w = request{method: "POST", target: "/", body: "{}", header: map[string]string{"X-Amz-Target": "AWSCognitoIdentityService.GetId"}}.do(t, srv)
	if e := parseJSONError(t, w); w.Code != 500 || e.Type != "InternalErrorException" {
		t.Errorf("cognito-identity: got %d %s, want 500 InternalErrorException", w.Code, e.Type)
	}
	if n := strings.Count(logs.String(), "panic serving request"); n != 3 {
		t.Errorf("%d panics logged, want 3:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "boom") {
		t.Error("the log does not say what panicked")
	}
}

// TestPanicAfterHeader checks that a panic in mid-response cuts the
// connection, so the client cannot take a truncated body for a whole one.
func TestPanicAfterHeader(t *testing.T) {
	srv := newServer(t, server.Config{Handlers: server.Handlers{S3: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		panic("boom")
	})}})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/bucket/key")
	if err != nil {
		return // cut before the header arrived: also not a whole response
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("the client read a whole response from a handler that panicked mid-body")
	}
}

// running is a server on a loopback listener. Cancel starts its shutdown;
// done is closed when Serve has returned, and err is then what it returned.
type running struct {
	url    string
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

func serve(t *testing.T, srv *server.Server) *running {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{url: "http://" + ln.Addr().String(), cancel: cancel, done: make(chan struct{})}
	go func() {
		r.err = srv.Serve(ctx, ln)
		close(r.done)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return")
		}
	})
	return r
}

func TestGracefulShutdown(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	srv := newServer(t, server.Config{Handlers: server.Handlers{S3: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		_, _ = w.Write([]byte("finished"))
	})}})
	rs := serve(t, srv)

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get(rs.url + "/bucket/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{string(b), err}
	}()
	<-started
	rs.cancel()

	// Serve must wait for the request in flight ...
	select {
	case <-rs.done:
		t.Fatalf("Serve returned (%v) with a request in flight", rs.err)
	case <-time.After(100 * time.Millisecond):
	}
	// ... while refusing new connections.
	if resp, err := (&http.Client{Timeout: time.Second}).Get(rs.url + "/_wicket/health"); err == nil {
		resp.Body.Close()
		t.Error("a new request was served during shutdown")
	}

	close(release)
	if r := <-got; r.err != nil || r.body != "finished" {
		t.Errorf("in-flight request: %q, %v; want it to finish", r.body, r.err)
	}
	select {
	case <-rs.done:
		if rs.err != nil {
			t.Errorf("Serve = %v, want nil after a graceful shutdown", rs.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the last request finished")
	}
}

func TestShutdownTimeout(t *testing.T) {
	started, aborted := make(chan struct{}), make(chan struct{})
	srv := newServer(t, server.Config{
		ShutdownTimeout: 100 * time.Millisecond,
		Handlers: server.Handlers{S3: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-r.Context().Done()
			close(aborted)
		})},
	})
	rs := serve(t, srv)
	go func() {
		if resp, err := http.Get(rs.url + "/bucket/stuck"); err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	rs.cancel()
	select {
	case <-rs.done:
		if !errors.Is(rs.err, context.DeadlineExceeded) {
			t.Errorf("Serve = %v, want the shutdown deadline", rs.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not give up on a stuck request")
	}
	select {
	case <-aborted:
	case <-time.After(5 * time.Second):
		t.Error("the stuck request's context was not cancelled")
	}
}

func TestHeaderLimit(t *testing.T) {
	url := serve(t, newServer(t, server.Config{})).url
	for _, tt := range []struct {
		size int
		want int
	}{
		{32 << 10, http.StatusNotImplemented}, // large, but within the bound: reaches S3
		{128 << 10, http.StatusRequestHeaderFieldsTooLarge},
	} {
		req, _ := http.NewRequest("GET", url+"/bucket/key", nil)
		req.Header.Set("X-Amz-Meta-Big", strings.Repeat("x", tt.size))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%d bytes of header: %v", tt.size, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%d bytes of header: status %d, want %d", tt.size, resp.StatusCode, tt.want)
		}
	}
}

func TestListenAndServe(t *testing.T) {
	srv := newServer(t, server.Config{Addr: "127.0.0.1:0"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ListenAndServe = %v, want nil", err)
	}

	srv = newServer(t, server.Config{Addr: "127.0.0.1:-1"})
	if err := srv.ListenAndServe(context.Background()); err == nil {
		t.Error("ListenAndServe on a bad address succeeded")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []server.Config{
		{Region: "US East"},
		{Region: "us-east-1;drop"},
		{ShutdownTimeout: -time.Second},
		{ReadHeaderTimeout: -1},
		{MaxHeaderBytes: -1},
	} {
		if _, err := server.New(cfg); wicket.KindOf(err) != wicket.Invalid {
			t.Errorf("New(%+v) = %v, want an Invalid error", cfg, err)
		}
	}
	if _, err := server.New(server.Config{}); err != nil {
		t.Errorf("New with the zero Config: %v", err)
	}
}

// TestRouteOverTheWire repeats the body-peeking cases on a real connection,
// where the router sets and clears a read deadline around its read.
func TestRouteOverTheWire(t *testing.T) {
	url := serve(t, newServer(t, server.Config{Handlers: markers()})).url
	post := func(body string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Post(url+"/", formCT, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(b)
	}

	resp, body := post(iamForm)
	if api := resp.Header.Get("X-Test-API"); api != "iam" || body != iamForm {
		t.Errorf("routed to %q with body %q, want iam with %q", api, body, iamForm)
	}
	resp, body = post("Action=AssumeRole&Version=2011-06-15&Policy=" + strings.Repeat("p", 100<<10))
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "<Code>RequestEntityTooLarge</Code>") {
		t.Errorf("oversized form: %d %.200s", resp.StatusCode, body)
	}
	// The connection that carried an unread body must not poison the next
	// request.
	resp, body = post(stsForm)
	if api := resp.Header.Get("X-Test-API"); api != "sts" || body != stsForm {
		t.Errorf("after an oversized form: routed to %q with body %q", api, body)
	}
}

// TestAPIPreflight: a page on another origin may call the identity-pool
// and STS APIs, as it may AWS's.
func TestAPIPreflight(t *testing.T) {
	srv := newServer(t, server.Config{Handlers: markers()})
	req := httptest.NewRequest(http.MethodOptions, "/", nil)
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type,x-amz-target,x-amz-user-agent")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	h := rec.Header()
	if rec.Code != 200 || h.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(h.Get("Access-Control-Allow-Headers"), "x-amz-target") ||
		!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight = %d %v", rec.Code, h)
	}
	// The actual call carries the CORS headers too.
	req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityService.GetId")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Header().Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "x-amzn-ErrorType") {
		t.Errorf("CORS headers of the call: %v", rec.Header())
	}
}
