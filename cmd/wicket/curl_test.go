package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wicket-io/wicket/sigv4"
)

// signedServer is an endpoint of one service that answers only what
// sigv4's verifier accepts at time now, and echoes what it received. Like
// S3 it checks a signed body hash against the body; like the other
// services it signs the hash of the body it read.
func signedServer(t *testing.T, service string, now time.Time) *httptest.Server {
	srv := httptest.NewServer(signedHandler(service, now))
	t.Cleanup(srv.Close)
	return srv
}

func signedHandler(service string, now time.Time) http.Handler {
	v := sigv4.NewVerifier(sigv4.VerifierOptions{Secret: testSecret, Service: service})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])
		payload := ""
		if service != "s3" {
			payload = hash
		}
		a, err := v.Verify(r, now, payload)
		if err != nil {
			http.Error(w, "denied: "+err.Error(), http.StatusForbidden)
			return
		}
		signed := "signed"
		switch a.PayloadHash {
		case sigv4.UnsignedPayload:
			signed = "unsigned"
		case hash:
		default:
			http.Error(w, "XAmzContentSHA256Mismatch", http.StatusBadRequest)
			return
		}
		if r.URL.Path == "/forbidden" {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, "<Error><Code>AccessDenied</Code></Error>")
			return
		}
		w.Header().Set("X-Echo", "yes")
		fmt.Fprintf(w, "%s %s ?%s key=%s token=%s payload=%s type=%q meta=%q target=%q body=%q\n",
			r.Method, r.URL.Path, r.URL.RawQuery, a.AccessKeyID, a.SessionToken, signed,
			r.Header.Get("Content-Type"), r.Header.Get("X-Amz-Meta-Color"), r.Header.Get("X-Amz-Target"), body)
	})
}

const curlTime = "20240102T030405Z"

func TestCurl(t *testing.T) {
	now, _ := time.Parse(sigv4.TimeFormat, curlTime)
	file := filepath.Join(t.TempDir(), "body.txt")
	if err := os.WriteFile(file, []byte("file contents\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const ex = "AKIAIOSFODNN7EXAMPLE"
	tests := []struct {
		name    string
		service string // of the server, and --service
		env     []string
		args    []string
		path    string
		stdin   string
		want    string
	}{
		{"GET with query", "s3", nil, exampleKeys, "/bucket/key?list-type=2&prefix=a%2Fb&x=a+b", "",
			`GET /bucket/key ?list-type=2&prefix=a%2Fb&x=a+b key=` + ex + ` token= payload=signed type="" meta="" target="" body=""`},
		{"escaped key", "s3", nil, exampleKeys, "/bucket/a%20b/c+d/%C3%A9.txt", "",
			`GET /bucket/a b/c+d/é.txt ? key=` + ex + ` token= payload=signed type="" meta="" target="" body=""`},
		{"PUT data", "s3", nil, append([]string{"-X", "PUT", "-d", "hello world"}, exampleKeys...), "/bucket/key", "",
			`PUT /bucket/key ? key=` + ex + ` token= payload=signed type="" meta="" target="" body="hello world"`},
		{"PUT @file", "s3", nil, append([]string{"-X", "PUT", "-d", "@" + file}, exampleKeys...), "/bucket/key", "",
			`PUT /bucket/key ? key=` + ex + ` token= payload=signed type="" meta="" target="" body="file contents\n"`},
		{"PUT @file unsigned", "s3", nil, append([]string{"-X", "PUT", "-d", "@" + file, "--unsigned-payload"}, exampleKeys...), "/bucket/key", "",
			`PUT /bucket/key ? key=` + ex + ` token= payload=unsigned type="" meta="" target="" body="file contents\n"`},
		{"PUT @- from stdin", "s3", nil, append([]string{"-X", "PUT", "-d", "@-"}, exampleKeys...), "/bucket/key", "from stdin",
			`PUT /bucket/key ? key=` + ex + ` token= payload=signed type="" meta="" target="" body="from stdin"`},
		{"headers", "s3", nil, append([]string{"-X", "PUT", "-d", "x", "-H", "x-amz-meta-color: blue", "-H", "Content-Type: text/plain"}, exampleKeys...), "/bucket/key", "",
			`PUT /bucket/key ? key=` + ex + ` token= payload=signed type="text/plain" meta="blue" target="" body="x"`},
		{"session token from flags", "s3", nil, []string{"--access-key", "ASIAFLAG", "--secret-key", "flag-secret", "--session-token", "flag-token"}, "/bucket/key", "",
			`GET /bucket/key ? key=ASIAFLAG token=flag-token payload=signed type="" meta="" target="" body=""`},
		{"session token from the environment", "s3", []string{"AWS_ACCESS_KEY_ID=ASIAENV", "AWS_SECRET_ACCESS_KEY=env-secret", "AWS_SESSION_TOKEN=env-token"}, nil, "/bucket/key", "",
			`GET /bucket/key ? key=ASIAENV token=env-token payload=signed type="" meta="" target="" body=""`},
		{"credential_process", "s3", nil, []string{"--profile", "proc"}, "/bucket/key", "",
			`GET /bucket/key ? key=ASIAPROCESS token=process-token payload=signed type="" meta="" target="" body=""`},
		{"STS form", "sts", nil, append([]string{"-d", "Action=GetCallerIdentity&Version=2011-06-15"}, exampleKeys...), "/", "",
			`POST / ? key=` + ex + ` token= payload=signed type="application/x-www-form-urlencoded" meta="" target="" body="Action=GetCallerIdentity&Version=2011-06-15"`},
		{"Content-Type dropped", "sts", nil, append([]string{"-d", "a=1", "-H", "Content-Type:"}, exampleKeys...), "/", "",
			`POST / ? key=` + ex + ` token= payload=signed type="" meta="" target="" body="a=1"`},
		{"Cognito JSON from a file", "cognito-identity", nil, append([]string{"-d", "@-", "-H", "X-Amz-Target: AWSCognitoIdentityService.ListIdentityPools", "-H", "Content-Type: application/x-amz-json-1.1"}, exampleKeys...), "/", `{"MaxResults":10}`,
			`POST / ? key=` + ex + ` token= payload=signed type="application/x-amz-json-1.1" meta="" target="AWSCognitoIdentityService.ListIdentityPools" body="{\"MaxResults\":10}"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateAWS(t)
			for _, kv := range tt.env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			srv := signedServer(t, tt.service, now)
			args := append([]string{"curl", "--service", tt.service, "--time", curlTime}, tt.args...)
			stdout, stderr, err := runWicket(t, tt.stdin, append(args, srv.URL+tt.path)...)
			if err != nil {
				t.Fatalf("%v\nstdout: %s\nstderr: %s", err, stdout, stderr)
			}
			if stdout != tt.want+"\n" {
				t.Errorf("got  %s\nwant %s", stdout, tt.want)
			}
			if stderr != "" {
				t.Errorf("stderr = %q", stderr)
			}
		})
	}
}

func TestCurlInclude(t *testing.T) {
	isolateAWS(t)
	now, _ := time.Parse(sigv4.TimeFormat, curlTime)
	srv := signedServer(t, "s3", now)
	args := append([]string{"curl", "-i", "--service", "s3", "--time", curlTime}, exampleKeys...)
	stdout, _, err := runWicket(t, "", append(args, srv.URL+"/b/k")...)
	if err != nil {
		t.Fatal(err)
	}
	head, body, ok := strings.Cut(stdout, "\n\n")
	if !ok || !strings.HasPrefix(head, "HTTP/1.1 200 OK\n") || !strings.Contains(head, "\nX-Echo: yes") || !strings.HasPrefix(body, "GET /b/k ") {
		t.Errorf("stdout = %q", stdout)
	}
}

// TestCurlHTTPError: a status of 400 or more prints its body and exits 22,
// as curl --fail-with-body does.
func TestCurlHTTPError(t *testing.T) {
	isolateAWS(t)
	now, _ := time.Parse(sigv4.TimeFormat, curlTime)
	srv := signedServer(t, "s3", now)
	tests := []struct {
		name, path string
		args       []string
		body       string
	}{
		{"denied by the service", "/forbidden", exampleKeys, "<Error><Code>AccessDenied</Code></Error>"},
		{"wrong secret", "/b/k", []string{"--access-key", "AKIAFLAG", "--secret-key", "not-the-secret"}, "denied: SignatureDoesNotMatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"curl", "--service", "s3", "--time", curlTime}, tt.args...)
			stdout, _, err := runWicket(t, "", append(args, srv.URL+tt.path)...)
			if !strings.HasPrefix(stdout, tt.body) {
				t.Errorf("stdout = %q, want the body %q", stdout, tt.body)
			}
			var ee *exitError
			if !errors.As(err, &ee) || ee.ExitCode() != 22 {
				t.Fatalf("error %v, want exit status 22", err)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "the server answered 403 Forbidden") {
				t.Errorf("error %q", msg)
			}
		})
	}
}

func TestCurlTimeouts(t *testing.T) {
	isolateAWS(t)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // before srv.Close, which waits for the handler
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String() + "/b/k"
	l.Close()

	tests := []struct {
		name string
		args []string
		url  string
		want string
	}{
		{"response headers", []string{"--response-timeout", "100ms"}, srv.URL + "/b/k", "timeout awaiting response headers"},
		{"whole command", []string{"--max-time", "100ms"}, srv.URL + "/b/k", "context deadline exceeded"},
		{"connection refused", nil, refused, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"curl", "--service", "s3"}, exampleKeys...), tt.args...)
			start := time.Now()
			_, _, err := runWicket(t, "", append(args, tt.url)...)
			if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one line with %q", err, tt.want)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestCurlTLS(t *testing.T) {
	now, _ := time.Parse(sigv4.TimeFormat, curlTime)
	srv := httptest.NewTLSServer(signedHandler("s3", now))
	t.Cleanup(srv.Close)
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(bundle, cert, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.pem")
	tests := []struct {
		name       string
		env        []string
		args       []string
		wantErr    string
		wantStderr string
	}{
		{"untrusted", nil, nil, "certificate signed by unknown authority", ""},
		{"--ca-bundle", nil, []string{"--ca-bundle", bundle}, "", ""},
		{"AWS_CA_BUNDLE", []string{"AWS_CA_BUNDLE=" + bundle}, nil, "", ""},
		{"--insecure", nil, []string{"-k"}, "", ""},
		{"AWS_CA_BUNDLE missing", []string{"AWS_CA_BUNDLE=" + missing}, nil, "certificate signed by unknown authority", "wicket: warning: ignoring AWS_CA_BUNDLE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateAWS(t)
			for _, kv := range tt.env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			args := append(append([]string{"curl", "--service", "s3", "--time", curlTime}, exampleKeys...), tt.args...)
			stdout, stderr, err := runWicket(t, "", append(args, srv.URL+"/b/k")...)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("%v\nstderr: %s", err, stderr)
			case tt.wantErr == "" && !strings.HasPrefix(stdout, "GET /b/k "):
				t.Errorf("stdout = %q", stdout)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "\n")):
				t.Errorf("error %v, want one line with %q", err, tt.wantErr)
			}
			if !strings.Contains(stderr, tt.wantStderr) || (tt.wantStderr == "") != (stderr == "") {
				t.Errorf("stderr = %q, want %q", stderr, tt.wantStderr)
			}
		})
	}
}

// TestCurlDryRun prints what would be signed. The S3 case is the GET
// Object example of AWS's documentation ("Signature Calculations for the
// Authorization Header"), whose signature is published.
func TestCurlDryRun(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		stdin    string
		contains string
	}{
		{"curl_dryrun_s3_get", append([]string{"-H", "Range: bytes=0-9", "--time", "20130524T000000Z", "https://examplebucket.s3.amazonaws.com/test.txt"}, exampleKeys...), "",
			"Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
		{"curl_dryrun_sts_post", []string{"-d", "@-", "--access-key", "ASIAFLAG", "--secret-key", "flag-secret", "--session-token", "flag-token", "--time", "20130524T000000Z", "https://sts.eu-west-1.amazonaws.com/"},
			"Action=GetCallerIdentity&Version=2011-06-15", "Credential=ASIAFLAG/20130524/eu-west-1/sts/aws4_request"},
		{"curl_dryrun_s3_put_unsigned", append([]string{"-X", "PUT", "-d", "@-", "--unsigned-payload", "-H", "X-Amz-Storage-Class: REDUCED_REDUNDANCY", "--time", "20130524T000000Z", "https://examplebucket.s3.amazonaws.com/test$file.text"}, exampleKeys...),
			"Welcome to Amazon S3.", "\nUNSIGNED-PAYLOAD\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateAWS(t)
			stdout, stderr, err := runWicket(t, tt.stdin, append([]string{"curl", "--dry-run"}, tt.args...)...)
			if err != nil {
				t.Fatalf("%v\nstderr: %s", err, stderr)
			}
			if !strings.Contains(stdout, tt.contains) {
				t.Errorf("no %q in\n%s", tt.contains, stdout)
			}
			for _, secret := range []string{"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "flag-secret"} {
				if strings.Contains(stdout+stderr, secret) {
					t.Errorf("the secret is in the output:\n%s", stdout)
				}
			}
			if got := strings.Count(stdout, "\n== "); got != 2 || !strings.HasPrefix(stdout, "== Canonical request ==\n") {
				t.Errorf("want three sections, got\n%s", stdout)
			}
			checkGolden(t, tt.name, []byte(stdout))
		})
	}
}
