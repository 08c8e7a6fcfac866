package server_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/server"
	"github.com/wicket-io/wicket/sigv4"
)

var stallRoot = wicket.RootCredentials{AccessKeyID: "AKIASTALLTEST0000001", SecretAccessKey: "stall-test-secret-0000000000000000000000"}

// stallServer serves the embedded stores with a short stall timeout and a
// bucket "bkt".
func stallServer(t *testing.T, stall time.Duration) *running {
	t.Helper()
	srv := newServer(t, server.Config{DataDir: t.TempDir(), Root: stallRoot, StallTimeout: stall})
	t.Cleanup(func() { srv.Close() })
	r := serve(t, srv)
	resp, err := http.DefaultClient.Do(signedRequest(t, "PUT", r.url+"/bkt", nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("CreateBucket: %d", resp.StatusCode)
	}
	return r
}

// signedRequest is a root-signed S3 request with an unsigned payload.
func signedRequest(t *testing.T, method, url string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	creds := sigv4.Credentials{AccessKeyID: stallRoot.AccessKeyID, SecretAccessKey: stallRoot.SecretAccessKey}
	if err := sigv4.NewSigner().Sign(req, creds, sigv4.Params{Region: "us-east-1", Service: "s3", Time: time.Now(), PayloadHash: sigv4.UnsignedPayload}); err != nil {
		t.Fatal(err)
	}
	return req
}

// rawHead writes req's request line and headers, with the Content-Length
// given, on a new connection, and nothing of its body.
func rawHead(t *testing.T, r *running, req *http.Request, contentLength int) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(r.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", req.Method, req.URL.RequestURI(), req.URL.Host)
	for k, vs := range req.Header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", contentLength)
	if _, err := io.WriteString(c, b.String()); err != nil {
		t.Fatal(err)
	}
	return c
}

// answer reads the response on c, waiting at most wait for it.
func answer(t *testing.T, c net.Conn, method string, wait time.Duration) (*http.Response, string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(wait))
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("no answer within %v: %v", wait, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// A client that stops sending the body it declared holds nothing for
// ever: after the stall timeout it is answered RequestTimeout, the
// connection is closed, and nothing is stored.
func TestStalledBodyTimesOut(t *testing.T) {
	r := stallServer(t, 300*time.Millisecond)
	req := signedRequest(t, "PUT", r.url+"/bkt/stalled", nil)
	c := rawHead(t, r, req, 1000)
	io.WriteString(c, "only ten b")
	start := time.Now()
	resp, body := answer(t, c, "PUT", 5*time.Second)
	if resp.StatusCode != 400 || !strings.Contains(body, "<Code>RequestTimeout</Code>") {
		t.Fatalf("stalled PUT: %d %s", resp.StatusCode, body)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("answered after %v", d)
	}
	if !resp.Close {
		t.Error("the connection of a stalled body is kept open")
	}
	head, err := http.DefaultClient.Do(signedRequest(t, "HEAD", r.url+"/bkt/stalled", nil))
	if err != nil {
		t.Fatal(err)
	}
	head.Body.Close()
	if head.StatusCode != 404 {
		t.Fatalf("HEAD after a stalled PUT: %d, want 404", head.StatusCode)
	}

	// A Query API form that stops arriving alike.
	form, err := http.NewRequest("POST", r.url+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	form.Header.Set("Content-Type", formCT)
	c = rawHead(t, r, form, 1000)
	io.WriteString(c, "Action=GetCallerIdentity&")
	resp, body = answer(t, c, "POST", 5*time.Second)
	if resp.StatusCode != 400 || !strings.Contains(body, "RequestTimeout") {
		t.Fatalf("stalled form: %d %s", resp.StatusCode, body)
	}
}

// A refusal made before the body is read goes out at once, even to a
// client that declared a body and sends none (net/http would first wait
// to discard the body), and the connection is closed after it.
func TestRefusalDoesNotWaitForBody(t *testing.T) {
	r := stallServer(t, 20*time.Second)
	anon, err := http.NewRequest("PUT", r.url+"/bkt/k", nil)
	if err != nil {
		t.Fatal(err)
	}
	c := rawHead(t, r, anon, 100000)
	resp, body := answer(t, c, "PUT", 3*time.Second)
	if resp.StatusCode != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") || !resp.Close {
		t.Fatalf("anonymous PUT: %d close=%v %s", resp.StatusCode, resp.Close, body)
	}
}

// A client that stops reading a large GET is cut off after the stall
// timeout, rather than holding the connection and the open blob.
func TestStalledReaderIsCut(t *testing.T) {
	r := stallServer(t, 300*time.Millisecond)
	const size = 48 << 20
	put, err := http.DefaultClient.Do(signedRequest(t, "PUT", r.url+"/bkt/big", bytes.Repeat([]byte("x"), size)))
	if err != nil {
		t.Fatal(err)
	}
	put.Body.Close()
	if put.StatusCode != 200 {
		t.Fatalf("PUT: %d", put.StatusCode)
	}
	c := rawHead(t, r, signedRequest(t, "GET", r.url+"/bkt/big", nil), 0)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET: %v %v", resp, err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 64<<10)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // the client stops reading
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil || n+64<<10 >= size {
		t.Fatalf("a stalled reader got %d more bytes (err %v): not cut off", n, err)
	}
	// The server is still serving others.
	get, err := http.DefaultClient.Do(signedRequest(t, "GET", r.url+"/bkt/big", nil))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.Copy(io.Discard, get.Body)
	get.Body.Close()
	if err != nil || got != size {
		t.Fatalf("GET after: %d bytes, %v", got, err)
	}
}

// Beyond MaxConnections a new connection waits to be served until one
// closes, rather than taking descriptors the stores need.
func TestMaxConnections(t *testing.T) {
	srv := newServer(t, server.Config{MaxConnections: 2})
	r := serve(t, srv)
	addr := strings.TrimPrefix(r.url, "http://")
	var idle []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		idle = append(idle, c)
	}
	health := func(wait time.Duration) error {
		c := &http.Client{Timeout: wait, Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := c.Get(r.url + "/_wicket/health")
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	// Give the server time to accept both before it is asked more.
	time.Sleep(100 * time.Millisecond)
	if err := health(500 * time.Millisecond); err == nil {
		t.Fatal("a third connection was served beside two")
	}
	idle[0].Close()
	if err := health(5 * time.Second); err != nil {
		t.Fatalf("not served after a connection closed: %v", err)
	}
}

// An empty body sent with "Expect: 100-continue" still gets the interim
// 100 before the answer (net/http sends none for an empty body, and older
// botocore then stalls its next request on the connection for 60 s).
func TestContinueForEmptyBody(t *testing.T) {
	r := serve(t, newServer(t, server.Config{}))
	c, err := net.Dial("tcp", strings.TrimPrefix(r.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "PUT /bkt/empty HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("first line %q, %v; want the interim 100", line, err)
	}
	for { // the 100's headers, up to its blank line
		if l, err := br.ReadString('\n'); err != nil || l == "\r\n" {
			break
		}
	}
	resp, err := http.ReadResponse(br, &http.Request{Method: "PUT"})
	if err != nil || resp.StatusCode < 400 {
		t.Fatalf("final answer: %v %v", resp, err)
	}
}

// A handler that reads its body late still gets the client's body: the
// first read sends "100 Continue" under a fresh write deadline, not the
// one set when the request arrived.
func TestLateReadStillContinues(t *testing.T) {
	const stall = 200 * time.Millisecond
	srv := newServer(t, server.Config{StallTimeout: stall, Handlers: server.Handlers{S3: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(3 * stall)
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		w.Write(b)
	})}})
	r := serve(t, srv)
	c, err := net.Dial("tcp", strings.TrimPrefix(r.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "PUT /bkt/k HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	br.ReadString('\n') // the 100's blank line
	io.WriteString(c, "hello")
	resp, err := http.ReadResponse(br, &http.Request{Method: "PUT"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "hello" {
		t.Fatalf("answer %d %q", resp.StatusCode, b)
	}
}

// An error answered after the whole body was read keeps the connection
// (a 412 on a conditional PUT); one answered with the body unread closes
// it, so that it goes out at once.
func TestErrorKeepsDrainedConnection(t *testing.T) {
	r := stallServer(t, 20*time.Second)
	put, err := http.DefaultClient.Do(signedRequest(t, "PUT", r.url+"/bkt/k", []byte("first")))
	if err != nil {
		t.Fatal(err)
	}
	put.Body.Close()
	again := signedRequest(t, "PUT", r.url+"/bkt/k", []byte("second"))
	again.Header.Set("If-None-Match", "*")
	resp, err := http.DefaultClient.Do(again)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusPreconditionFailed || resp.Close {
		t.Errorf("conditional PUT refused after its body: %d, close=%v", resp.StatusCode, resp.Close)
	}
	anon, err := http.NewRequest("PUT", r.url+"/bkt/k", strings.NewReader("body"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = http.DefaultClient.Do(anon)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !resp.Close {
		t.Errorf("anonymous PUT refused before its body: %d, close=%v", resp.StatusCode, resp.Close)
	}
}
