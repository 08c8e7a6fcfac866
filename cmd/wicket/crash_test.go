package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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

	"github.com/wicket-io/wicket/sigv4"
)

// crashRoot are the root credentials of the crash test's server.
var crashRoot = sigv4.Credentials{AccessKeyID: "AKIACRASHTEST0000001", SecretAccessKey: "crash-test-secret-0000000000000000000000"}

type crashServer struct {
	t    *testing.T
	cmd  *exec.Cmd
	url  string
	data string
}

func startCrashServer(t *testing.T, data, addr string) *crashServer {
	t.Helper()
	cmd := exec.Command(wicketBin(t), "serve", "--addr", addr, "--data", data, "--log-level", "warn")
	cmd.Env = env("WICKET_ROOT_ACCESS_KEY="+crashRoot.AccessKeyID, "WICKET_ROOT_SECRET_KEY="+crashRoot.SecretAccessKey)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &crashServer{t: t, cmd: cmd, url: "http://" + addr, data: data}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.url + "/_wicket/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("server did not become healthy")
	return nil
}

var crashSigner = sigv4.NewSigner()

// do sends a signed request with a signed payload hash.
func (s *crashServer) do(client *http.Client, method, path string, body []byte) (*http.Response, error) {
	req, err := http.NewRequest(method, s.url+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	if err := crashSigner.Sign(req, crashRoot, sigv4.Params{Region: "us-east-1", Service: "s3", Time: time.Now(), PayloadHash: hex.EncodeToString(sum[:])}); err != nil {
		return nil, err
	}
	return client.Do(req)
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// crashBody is the content of version v of key k: recognisable, so a torn
// or mixed object cannot pass for a whole one.
func crashBody(k, v int) []byte {
	size := 1000 + (k*7919+v*104729)%200000
	line := fmt.Sprintf("key %d version %d|", k, v)
	return bytes.Repeat([]byte(line), size/len(line)+1)[:size]
}

// TestCrashDuringWrites kills the server with SIGKILL while many PUTs are in
// flight, restarts it, and checks what the design promises: every PUT that
// was acknowledged reads back byte for byte with its ETag, every object is
// whole (one of the versions written, never a mix or a prefix), and no
// blob is left without metadata after start-up.
func TestCrashDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a server; skipped with -short")
	}
	data := t.TempDir()
	addr := freeAddr(t)
	s := startCrashServer(t, data, addr)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	resp, err := s.do(client, "PUT", "/crash", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("create bucket: %v %v", resp, err)
	}
	resp.Body.Close()

	const keys, writers = 40, 16
	var mu sync.Mutex
	acked := map[int]int{} // key → last acknowledged version
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := 1; ctx.Err() == nil; v++ {
				k := (w*31 + v) % keys
				resp, err := s.do(client, "PUT", fmt.Sprintf("/crash/k%d", k), crashBody(k, v*writers+w))
				if err != nil {
					return // the server died
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					mu.Lock()
					// Acknowledgements of the same key can race; keep the
					// set of acknowledged versions instead of one.
					acked[k*1000000+v*writers+w] = 1
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
	stop()
	wg.Wait()
	mu.Lock()
	ackedVersions := map[int][]int{}
	for kv := range acked {
		ackedVersions[kv/1000000] = append(ackedVersions[kv/1000000], kv%1000000)
	}
	mu.Unlock()
	if len(acked) < keys {
		t.Fatalf("only %d PUTs were acknowledged before the kill; the test needs more load", len(acked))
	}
	t.Logf("%d PUTs acknowledged before SIGKILL", len(acked))

	s = startCrashServer(t, data, addr)
	for k := 0; k < keys; k++ {
		resp, err := s.do(client, "GET", fmt.Sprintf("/crash/k%d", k), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("k%d: read: %v", k, err)
		}
		versions := ackedVersions[k]
		if resp.StatusCode == 404 {
			if len(versions) > 0 {
				t.Fatalf("k%d: acknowledged versions %v lost", k, versions)
			}
			continue
		}
		if resp.StatusCode != 200 {
			t.Fatalf("k%d: status %d: %s", k, resp.StatusCode, body)
		}
		// The object must be exactly one version's bytes with its MD5.
		var line string
		if i := bytes.IndexByte(body, '|'); i > 0 {
			line = string(body[:i])
		}
		var gk, gv int
		if _, err := fmt.Sscanf(line, "key %d version %d", &gk, &gv); err != nil || gk != k {
			t.Fatalf("k%d: body does not start with a version header: %q", k, line)
		}
		if want := crashBody(k, gv); !bytes.Equal(body, want) {
			t.Fatalf("k%d: torn object: version %d with %d bytes, want %d", k, gv, len(body), len(want))
		}
		sum := md5.Sum(body)
		if etag := strings.Trim(resp.Header.Get("ETag"), `"`); etag != hex.EncodeToString(sum[:]) {
			t.Fatalf("k%d: ETag %s does not match the bytes", k, etag)
		}
		// The version read must be at least as new as some acknowledged
		// one: an acknowledged write can be superseded only by another
		// write, never lost.
		if len(versions) > 0 {
			found := false
			for _, v := range versions {
				if gv == v || gv > v {
					found = true
				}
			}
			if !found {
				t.Fatalf("k%d: read version %d, older than every acknowledged version %v", k, gv, versions)
			}
		}
	}

	// After start-up, every blob file is referenced: count them against the
	// objects (all simple PUTs: one blob each, except those of up to 16 KiB,
	// which are kept in the metadata).
	var files int
	filepath.WalkDir(filepath.Join(data, "blobs", "blobs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
		}
		return nil
	})
	tmps, _ := os.ReadDir(filepath.Join(data, "blobs", "tmp"))
	var objects int
	for k := 0; k < keys; k++ {
		resp, err := s.do(client, "HEAD", fmt.Sprintf("/crash/k%d", k), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 && resp.ContentLength > 16<<10 {
			objects++
		}
	}
	if files != objects || len(tmps) != 0 {
		t.Fatalf("after restart: %d blob files and %d temporaries for %d objects; orphans were not swept", files, len(tmps), objects)
	}
}
