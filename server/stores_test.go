package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/server"
	"github.com/wicket-io/wicket/sigv4"
)

// With a data directory, the server opens the embedded stores and serves
// S3 from them; an orphan blob left in the directory is swept at start.
func TestEmbeddedStores(t *testing.T) {
	dir := t.TempDir()
	root := wicket.RootCredentials{AccessKeyID: "AKIASTORESTEST000001", SecretAccessKey: "stores-test-secret-000000000000000000000"}
	orphan := filepath.Join(dir, "blobs", "blobs", "ab", "ab0123456789abcdef0123456789abcd")
	s, err := server.New(server.Config{DataDir: dir, Root: root})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.WriteFile(orphan, []byte("left by a crash"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = server.New(server.Config{DataDir: dir, Root: root})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Fatalf("orphan blob not swept: %v", err)
	}
	hs := httptest.NewServer(s)
	defer hs.Close()
	do := func(method, path string) int {
		req, _ := http.NewRequest(method, hs.URL+path, nil)
		creds := sigv4.Credentials{AccessKeyID: root.AccessKeyID, SecretAccessKey: root.SecretAccessKey}
		if err := sigv4.NewSigner().Sign(req, creds, sigv4.Params{Region: "us-east-1", Service: "s3", Time: time.Now()}); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := do("PUT", "/bucket-one"); got != 200 {
		t.Fatalf("CreateBucket: %d", got)
	}
	if got := do("GET", "/"); got != 200 {
		t.Fatalf("ListBuckets: %d", got)
	}
	resp, err := http.Get(hs.URL + "/bucket-one")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("anonymous listing: %d, want 403", resp.StatusCode)
	}
}

func TestRootCredentials(t *testing.T) {
	dir := t.TempDir()
	none := func(string) string { return "" }
	c, generated, err := server.RootCredentials(dir, none)
	if err != nil || !generated || len(c.AccessKeyID) != 20 || len(c.SecretAccessKey) != 40 {
		t.Fatalf("first start: %+v %v %v", c, generated, err)
	}
	fi, err := os.Stat(filepath.Join(dir, "root-credentials.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v %v", fi, err)
	}
	again, generated, err := server.RootCredentials(dir, none)
	if err != nil || generated || again != c {
		t.Fatalf("second start: %+v %v %v", again, generated, err)
	}
	envCreds := map[string]string{"WICKET_ROOT_ACCESS_KEY": "AKIAFROMENVIRONMENT1", "WICKET_ROOT_SECRET_KEY": "from-the-environment-secret"}
	fromEnv, _, err := server.RootCredentials(dir, func(k string) string { return envCreds[k] })
	if err != nil || fromEnv.AccessKeyID != "AKIAFROMENVIRONMENT1" {
		t.Fatalf("environment: %+v %v", fromEnv, err)
	}
	for _, bad := range []map[string]string{
		{"WICKET_ROOT_ACCESS_KEY": "AKIAONLYTHEKEY000001"},
		{"WICKET_ROOT_ACCESS_KEY": "short", "WICKET_ROOT_SECRET_KEY": "long-enough-secret-key"},
		{"WICKET_ROOT_ACCESS_KEY": "AKIA/NOT/ALNUM/00001", "WICKET_ROOT_SECRET_KEY": "long-enough-secret-key"},
		{"WICKET_ROOT_ACCESS_KEY": "AKIAFROMENVIRONMENT1", "WICKET_ROOT_SECRET_KEY": "short"},
	} {
		if _, _, err := server.RootCredentials(dir, func(k string) string { return bad[k] }); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
}

// Two first starts at once agree on the root credentials: the one that
// prints them (generated) is the one whose keys stay on disk.
func TestRootCredentialsRace(t *testing.T) {
	for range 20 {
		dir := t.TempDir()
		const n = 8
		type result struct {
			c         wicket.RootCredentials
			generated bool
			err       error
		}
		results := make(chan result, n)
		var start sync.WaitGroup
		start.Add(1)
		for range n {
			go func() {
				start.Wait()
				c, generated, err := server.RootCredentials(dir, func(string) string { return "" })
				results <- result{c, generated, err}
			}()
		}
		start.Done()
		printed := 0
		for range n {
			r := <-results
			if r.err != nil {
				t.Fatal(r.err)
			}
			if r.generated {
				printed++
			}
			if final, _, _ := server.RootCredentials(dir, func(string) string { return "" }); r.c != final {
				t.Fatalf("a start used %s while %s stays on disk", r.c.AccessKeyID, final.AccessKeyID)
			}
		}
		if printed != 1 {
			t.Fatalf("%d starts printed new credentials, want 1", printed)
		}
	}
}

// One process per data directory: a second server on it would sweep the
// first one's writes in flight as orphans. The second start fails, naming
// the holder, until the first server closes.
func TestDataDirLocked(t *testing.T) {
	dir := t.TempDir()
	root := wicket.RootCredentials{AccessKeyID: "AKIASTORESTEST000001", SecretAccessKey: "stores-test-secret-000000000000000000000"}
	first, err := server.New(server.Config{DataDir: dir, Root: root})
	if err != nil {
		t.Fatal(err)
	}
	second, err := server.New(server.Config{DataDir: dir, Root: root})
	if err == nil {
		second.Close()
		first.Close()
		t.Fatal("a second server opened a data directory in use")
	}
	want := fmt.Sprintf("data directory %s is in use by another wicket process, pid %d", dir, os.Getpid())
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("second start: %v, want it to say %q", err, want)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := server.New(server.Config{DataDir: dir, Root: root})
	if err != nil {
		t.Fatalf("start after the first closed: %v", err)
	}
	again.Close()
}
