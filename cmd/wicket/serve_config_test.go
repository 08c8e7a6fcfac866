package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const (
	configRootKey    = "AKIACONFIGTESTROOT01"
	configRootSecret = "config-test-root-secret-key-000000000000"
)

// TestServeConfig starts the real binary with a config file twice over one
// data directory: the first start makes what the file declares, the second
// finds it all there.
func TestServeConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "wicket.json")
	if err := os.WriteFile(cfg, []byte(`{"buckets": ["logs"],
	  "presets": [{"preset": "guest-assets", "bucket": "photos", "prefix": "public/"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")

	out := serveWithConfig(t, data, cfg, func(endpoint string) {
		s3c := s3.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(configRootKey, configRootSecret, "")},
			func(o *s3.Options) { o.BaseEndpoint = aws.String(endpoint); o.UsePathStyle = true })
		if _, err := s3c.GetBucketCors(context.Background(), &s3.GetBucketCorsInput{Bucket: aws.String("photos")}); err != nil {
			t.Errorf("the declared bucket has no CORS rules: %v", err)
		}
	})
	for _, want := range []string{"Config " + cfg + ":", "created  bucket               logs", "created  identity pool        photos guests",
		"created  role policy          photos-guest/guest-assets", "bucket photos: identity pool us-east-1:"} {
		if !strings.Contains(out, want) {
			t.Errorf("first start: no %q in\n%s", want, out)
		}
	}

	out = serveWithConfig(t, data, cfg, func(string) {})
	if strings.Contains(out, "created") || strings.Contains(out, "updated") || strings.Count(out, "exists") != 11 {
		t.Errorf("second start changed something:\n%s", out)
	}
}

// serveWithConfig runs wicket serve --config until it has reconciled,
// calls while with the endpoint, then stops the server with SIGTERM and
// returns what it printed.
func serveWithConfig(t *testing.T, data, cfg string, while func(endpoint string)) string {
	t.Helper()
	cmd := exec.Command(wicketBin(t), "serve", "--addr", "127.0.0.1:0", "--config", cfg, "--log-level", "warn")
	cmd.Env = env("WICKET_DATA="+data, "WICKET_ROOT_ACCESS_KEY="+configRootKey, "WICKET_ROOT_SECRET_KEY="+configRootSecret)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var endpoint string
	exited := make(chan error, 1)
	done := make(chan struct{}) // the reconciliation's summary was printed
	var out strings.Builder
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			out.WriteString(line + "\n")
			if e, ok := strings.CutPrefix(strings.TrimSpace(line), "Endpoint: "); ok {
				endpoint = e
			}
			if strings.Contains(line, "bucket photos: identity pool") {
				close(done)
			}
		}
		io.Copy(io.Discard, pipe)
		exited <- cmd.Wait()
	}()
	select {
	case <-done:
	case err := <-exited:
		t.Fatalf("wicket serve --config exited: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), stderr.String())
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("wicket serve --config did not reconcile\nstderr:\n%s", stderr.String())
	}
	while(endpoint)
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("wicket serve exited with %v after SIGTERM\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatal("wicket serve did not stop on SIGTERM")
	}
	return out.String()
}

// TestServeConfigErrors: a config file that is wrong stops the server
// before it listens; one that cannot be applied stops it after; either way
// with one line and status 1.
func TestServeConfigErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name, doc, want string
	}{
		{"syntax", "{\n  \"presets\": [}", "line 2: invalid character '}'"},
		{"unknown key", `{"bucket": "x"}`, `unknown field "bucket"`},
		{"bad preset", `{"presets": [{"preset": "guest-assets"}]}`, `presets[0]: bucket ""`},
		{"cannot apply", `{"presets": [{"preset": "guest-assets", "bucket": "photos", "oidcProviders": ["arn:aws:iam::000000000000:oidc-provider/nowhere.example"]}]}`,
			"presets[0] (guest-assets of bucket photos): create identity pool photos guests: InvalidParameterException"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			if err := os.WriteFile(cfg, []byte(tt.doc), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, wicketBin(t), "serve", "--addr", "127.0.0.1:0", "--config", cfg, "--log-level", "warn")
			cmd.Env = env("WICKET_DATA=" + filepath.Join(dir, "data"))
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit: %v, want status 1\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
			}
			lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "wicket: ") || !strings.Contains(lines[0], tt.want) {
				t.Errorf("stderr = %q, want one line with %q", stderr.String(), tt.want)
			}
		})
	}
}
