package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildWicket builds the command once per test run, the way a user would
// get it, so the subprocess tests exercise the real binary and signals.
var buildWicket = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "wicket-test-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "wicket")
	// -buildvcs=false: the test needs no revision, and a work tree without
	// commits would make the default fail.
	out, err := exec.Command("go", "build", "-buildvcs=false", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", errors.New("go build: " + err.Error() + "\n" + string(out))
	}
	return bin, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if bin, err := buildWicket(); err == nil {
		os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

func wicketBin(t *testing.T) string {
	t.Helper()
	bin, err := buildWicket()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// env is the test's environment without WICKET_ variables, so that a
// developer's settings cannot change what the tests see.
func env(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WICKET_") {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

func TestServeStartsAndStopsOnSIGTERM(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	cmd := exec.Command(wicketBin(t), "serve", "--addr", "127.0.0.1:0", "--log-format", "json")
	cmd.Env = env("WICKET_DATA="+data, "WICKET_REGION=eu-west-2")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// exited is closed once the process is reaped; waitErr is then its status.
	exited := make(chan struct{})
	var waitErr error
	defer func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

	// The endpoint is printed once the listener is up; --addr :0 lets the
	// kernel pick a free port, so tests never collide on one.
	printed := make(chan string, 1)
	var banner strings.Builder
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			banner.WriteString(sc.Text() + "\n")
			if url, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "Endpoint: "); ok {
				printed <- url
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		waitErr = cmd.Wait()
		close(exited)
	}()
	var url string
	select {
	case url = <-printed:
	case <-exited:
		t.Fatalf("wicket serve exited early: %v\n%s", waitErr, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("wicket serve printed no endpoint\nstderr:\n%s", stderr.String())
	}

	resp, err := http.Get(url + "/_wicket/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
		t.Errorf("health: %d %q", resp.StatusCode, body)
	}

	fi, err := os.Stat(data)
	if err != nil {
		t.Fatalf("WICKET_DATA was not created: %v", err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("data directory mode %v, want 0700", perm)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if waitErr != nil {
			t.Errorf("wicket serve exited with %v after SIGTERM, want 0\nstderr:\n%s", waitErr, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("wicket serve did not exit after SIGTERM\nstderr:\n%s", stderr.String())
	}
	if !strings.Contains(banner.String(), "eu-west-2") {
		t.Errorf("WICKET_REGION was not used:\n%s", banner.String())
	}
	if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop in the log:\n%s", stderr.String())
	}
}

func TestCommandErrors(t *testing.T) {
	// Not the temporary directory itself: it is 0755, and serve would warn
	// about that on a second line.
	dir := filepath.Join(t.TempDir(), "data")
	tests := []struct {
		name string
		args []string
		env  []string
		want string // in the one line of stderr
	}{
		{"unknown flag", []string{"serve", "--bogus"}, nil, "unknown flag: --bogus"},
		{"unknown command", []string{"frobnicate"}, nil, `unknown command "frobnicate"`},
		{"bad log level", []string{"serve", "--log-level", "loud", "--data", dir}, nil, `invalid --log-level "loud"`},
		{"bad log format", []string{"serve", "--log-format", "xml", "--data", dir}, nil, `invalid --log-format "xml"`},
		{"extra argument", []string{"serve", "now"}, nil, `unknown command "now"`},
		{"bad region from the environment", []string{"serve", "--data", dir}, []string{"WICKET_REGION=Mars Base"}, `region "Mars Base"`},
		{"address in use", []string{"serve", "--data", dir, "--addr", "ADDR_IN_USE"}, nil, "address already in use"},
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string(nil), tt.args...)
			for i, a := range args {
				if a == "ADDR_IN_USE" {
					args[i] = busy.Addr().String()
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, wicketBin(t), args...)
			cmd.Env = env(tt.env...)
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

func TestVersion(t *testing.T) {
	out, err := exec.Command(wicketBin(t), "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "wicket ") || !strings.Contains(string(out), "go1") {
		t.Errorf("version printed %q", out)
	}
}
