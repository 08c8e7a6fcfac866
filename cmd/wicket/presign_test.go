package main

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// exampleKeys are the credentials of AWS's documented SigV4 examples.
var exampleKeys = []string{"--access-key", "AKIAIOSFODNN7EXAMPLE", "--secret-key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}

// TestPresignAWSExample is the presigned URL of AWS's documentation
// ("Authenticating Requests: Using Query Parameters"), whose signature is
// published.
func TestPresignAWSExample(t *testing.T) {
	isolateAWS(t)
	args := append([]string{"presign", "--time", "20130524T000000Z", "--expires", "86400"}, exampleKeys...)
	stdout, stderr, err := runWicket(t, "", append(args, "https://examplebucket.s3.amazonaws.com/test.txt")...)
	if err != nil {
		t.Fatalf("%v\nstderr: %s", err, stderr)
	}
	if stderr != "" {
		t.Errorf("stderr = %q", stderr)
	}
	const want = "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
	if !strings.HasSuffix(strings.TrimSpace(stdout), want) {
		t.Errorf("got %s\nwant the signature %s", stdout, want)
	}
	checkGolden(t, "presign_aws_example", []byte(stdout))
}

func TestPresignOptions(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		url        string
		wantQuery  map[string]string
		wantStderr string
	}{
		{"default expiry is 15 minutes", nil, "https://examplebucket.s3.amazonaws.com/test.txt",
			map[string]string{"X-Amz-Expires": "900"}, ""},
		{"expires as a duration", []string{"--expires", "7d"}, "https://examplebucket.s3.amazonaws.com/test.txt",
			map[string]string{"X-Amz-Expires": "604800"}, ""},
		{"method and a signed header", []string{"-X", "put", "-H", "Content-Type: image/png", "-H", "X-Amz-Meta-Who: me"}, "http://localhost:9000/b/k.png",
			map[string]string{"X-Amz-SignedHeaders": "content-type;host;x-amz-meta-who", "X-Amz-Meta-Who": ""},
			"wicket: note: the request must send the signed headers content-type, x-amz-meta-who\n"},
		{"hoisted x-amz header", []string{"-H", "X-Amz-Expected-Bucket-Owner: 111122223333"}, "http://localhost:9000/b/k",
			map[string]string{"X-Amz-SignedHeaders": "host", "x-amz-expected-bucket-owner": "111122223333"}, ""},
		{"service from the host, empty payload", nil, "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
			map[string]string{"X-Amz-Credential": "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/sts/aws4_request", "Action": "GetCallerIdentity"}, ""},
		{"--service", []string{"--service", "execute-api"}, "http://localhost:9000/prod/items",
			map[string]string{"X-Amz-Credential": "AKIAIOSFODNN7EXAMPLE/20130524/eu-central-1/execute-api/aws4_request"}, ""},
		{"query kept, old signature replaced", nil, "https://examplebucket.s3.amazonaws.com/a%20b.txt?versionId=3&X-Amz-Signature=old&X-Amz-Expires=5",
			map[string]string{"versionId": "3", "X-Amz-Expires": "900"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateAWS(t)
			args := append([]string{"presign", "--time", "20130524T000000Z"}, exampleKeys...)
			args = append(append(args, tt.args...), tt.url)
			stdout, stderr, err := runWicket(t, "", args...)
			if err != nil {
				t.Fatalf("%v\nstderr: %s", err, stderr)
			}
			u, err := url.Parse(strings.TrimSpace(stdout))
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			for k, v := range tt.wantQuery {
				if got := q.Get(k); got != v {
					t.Errorf("%s = %q, want %q in %s", k, got, v, stdout)
				}
			}
			if len(q["X-Amz-Signature"]) != 1 {
				t.Errorf("X-Amz-Signature = %q", q["X-Amz-Signature"])
			}
			if stderr != tt.wantStderr {
				t.Errorf("stderr = %q, want %q", stderr, tt.wantStderr)
			}
		})
	}
}

// TestPresignWarnsOfExpiringCredentials: a URL lives no longer than the
// temporary credentials that signed it.
func TestPresignWarnsOfExpiringCredentials(t *testing.T) {
	isolateAWS(t)
	for _, tt := range []struct {
		expires string
		warn    bool
	}{{"30m", false}, {"2h", true}} {
		_, stderr, err := runWicket(t, "", "presign", "--profile", "proc", "--expires", tt.expires, "http://localhost:9000/b/k")
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(stderr, "warning: the URL stops working at"); got != tt.warn {
			t.Errorf("--expires %s: stderr = %q, want a warning: %v", tt.expires, stderr, tt.warn)
		}
	}
}

func TestParseExpires(t *testing.T) {
	good := map[string]time.Duration{
		"1": time.Second, "900": 15 * time.Minute, "604800": 7 * 24 * time.Hour,
		"1s": time.Second, "15m": 15 * time.Minute, "24h": 24 * time.Hour, "1h30m": 90 * time.Minute,
		"7d": 7 * 24 * time.Hour, "1d12h": 36 * time.Hour, "168h": 7 * 24 * time.Hour,
	}
	for in, want := range good {
		if got, err := parseExpires(in); err != nil || got != want {
			t.Errorf("parseExpires(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"0": "out of range", "-5": "out of range", "604801": "out of range", "8d": "out of range",
		"168h1s": "out of range", "500ms": "out of range", "99999999999999999999": "invalid",
		"1.5s": "whole number", "10x": "invalid", "": "invalid", "d": "invalid", "1d-1h": "invalid", "300d": "out of range", "99999d": "invalid",
	}
	for in, want := range bad {
		if _, err := parseExpires(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseExpires(%q) = %v, want an error with %q", in, err, want)
		}
	}
}

// TestBadInput: each mistake is one line of error, a non-zero exit (main
// exits 1 on any error) and nothing on stdout.
func TestBadInput(t *testing.T) {
	missing := "/nonexistent/wicket-test-file"
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"no URL", nil, []string{"presign"}, "accepts 1 arg(s), received 0"},
		{"unparseable URL", nil, []string{"presign", "http://exa mple.com/"}, `invalid URL "http://exa mple.com/"`},
		{"URL without scheme", nil, []string{"presign", "examplebucket.s3.amazonaws.com/test.txt"}, "want http:// or https:// and a host"},
		{"URL of another scheme", nil, []string{"presign", "ftp://example.com/x"}, "want http:// or https://"},
		{"URL without host", nil, []string{"presign", "http:///x"}, "want http:// or https:// and a host"},
		{"no credentials", []string{"AWS_SHARED_CREDENTIALS_FILE=" + missing, "AWS_CONFIG_FILE=" + missing}, []string{"presign", "http://localhost:9000/b/k"}, "no AWS credentials"},
		{"profile without credentials", nil, []string{"presign", "--profile", "empty", "http://localhost:9000/b/k"}, "no AWS credentials"},
		{"unknown profile", nil, []string{"presign", "--profile", "nosuch", "http://localhost:9000/b/k"}, "load the AWS configuration"},
		{"failing credential_process", nil, []string{"presign", "--profile", "failing", "http://localhost:9000/b/k"}, "get AWS credentials"},
		{"access key without secret", nil, []string{"presign", "--access-key", "AKIAFLAG", "http://localhost:9000/b/k"}, "--access-key and --secret-key go together"},
		{"session token alone", nil, []string{"presign", "--session-token", "t", "http://localhost:9000/b/k"}, "--session-token needs both"},
		{"bad duration", nil, []string{"presign", "--expires", "10x", "http://localhost:9000/b/k"}, `invalid --expires "10x"`},
		{"expires over 7 days", nil, []string{"presign", "--expires", "8d", "http://localhost:9000/b/k"}, "--expires 8d is out of range"},
		{"expires over 604800 seconds", nil, []string{"presign", "--expires", "604801", "http://localhost:9000/b/k"}, "out of range"},
		{"expires zero", nil, []string{"presign", "--expires", "0", "http://localhost:9000/b/k"}, "out of range"},
		{"bad time", nil, []string{"presign", "--time", "yesterday", "http://localhost:9000/b/k"}, `invalid --time "yesterday"`},
		{"bad method", nil, []string{"presign", "-X", "GET IT", "http://localhost:9000/b/k"}, `invalid --method "GET IT"`},
		{"bad header", nil, []string{"presign", "-H", "nocolon", "http://localhost:9000/b/k"}, `invalid header "nocolon"`},
		{"bad region", nil, []string{"presign", "--region", "eu/west", "http://localhost:9000/b/k"}, `invalid region "eu/west"`},
		{"curl: unknown service", nil, []string{"curl", "http://localhost:9000/"}, "cannot infer service from host localhost:9000; pass --service"},
		{"curl: unparseable URL", nil, []string{"curl", "::"}, `invalid URL "::"`},
		{"curl: unsigned payload off s3", nil, []string{"curl", "--unsigned-payload", "-d", "x", "https://sts.amazonaws.com/"}, "--unsigned-payload is for s3"},
		{"curl: missing file", nil, []string{"curl", "--service", "s3", "-X", "PUT", "-d", "@" + missing, "http://localhost:9000/b/k"}, "-d: open " + missing},
		{"curl: missing CA bundle", nil, []string{"curl", "--service", "s3", "--ca-bundle", missing, "http://localhost:9000/b/k"}, "--ca-bundle: open " + missing},
		{"curl: bad method", nil, []string{"curl", "-X", "GET IT", "--service", "s3", "http://localhost:9000/b/k"}, `invalid --request "GET IT"`},
		{"curl: no credentials", []string{"AWS_SHARED_CREDENTIALS_FILE=" + missing, "AWS_CONFIG_FILE=" + missing}, []string{"curl", "--dry-run", "https://sts.amazonaws.com/"}, "no AWS credentials"},
		{"curl: unknown flag", nil, []string{"curl", "--bogus", "https://sts.amazonaws.com/"}, "unknown flag: --bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateAWS(t)
			for _, kv := range tt.env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			stdout, stderr, err := runWicket(t, "", tt.args...)
			if err == nil {
				t.Fatalf("no error; stdout %q", stdout)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, tt.want) {
				t.Errorf("error %q, want one line with %q", msg, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout = %q", stdout)
			}
			for _, secret := range []string{"default-secret", "process-secret"} {
				if strings.Contains(err.Error()+stderr, secret) {
					t.Errorf("a secret in %q / %q", err, stderr)
				}
			}
		})
	}
}
