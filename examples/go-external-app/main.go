// Command go-external-app is an "external app": a program written by
// someone else that loads an asset from a private bucket with no login and
// no keys of its own, as a guest of an identity pool. It presigns a GET of
// the asset with the guest's credentials and downloads it with plain
// net/http, as a browser would load an <img src>; the same URL could be
// handed to anything that speaks HTTP.
//
//	go run ./examples/go-external-app -endpoint http://localhost:9000 \
//	    -pool us-east-1:5b5b47a5-8d31-4f43-9a3c-3b2a1e0c1b2d \
//	    -bucket assets -key public/logo.png -out logo.png
//
// Against AWS, leave -endpoint out. What the guest may read is up to the
// pool's unauthenticated role: a key outside its policy is refused (403).
package main

import (
	"context"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/wicket-io/wicket/poolcreds"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout)
	if errors.Is(err, flag.ErrHelp) {
		return // the flag package printed the usage
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-external-app:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("go-external-app", flag.ContinueOnError)
	endpoint := fs.String("endpoint", "", "base URL of the endpoint, such as Wicket's (default AWS)")
	pool := fs.String("pool", "", "identity pool id, region:uuid")
	bucket := fs.String("bucket", "", "bucket of the asset")
	key := fs.String("key", "", "key of the asset")
	out := fs.String("out", "", "file to write the asset to (default: only count its bytes)")
	expires := fs.Duration("expires", 15*time.Minute, "how long the presigned URL should work")
	timeout := fs.Duration("timeout", 5*time.Minute, "longest time for the whole run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pool == "" || *bucket == "" || *key == "" {
		return errors.New("-pool, -bucket and -key are required")
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	// The region is the pool id's, as Amplify has it; the bucket is
	// assumed to be in the pool's region.
	region, _, _ := strings.Cut(*pool, ":")
	guest := poolcreds.New(poolcreds.Options{IdentityPoolID: *pool, Endpoint: *endpoint})
	url, until, err := poolcreds.PresignGet(ctx, guest,
		poolcreds.Object{Endpoint: *endpoint, Region: region, Bucket: *bucket, Key: *key}, *expires)
	if err != nil {
		return err
	}

	// From here on, no AWS code: the URL is all it takes.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s/%s: %s%s", *bucket, *key, resp.Status, s3Error(resp.Body))
	}
	n, err := save(resp.Body, *out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%d bytes of %s/%s; the URL works until %s\n", n, *bucket, *key, until.UTC().Format(time.RFC3339))
	return err
}

// save copies the body to the file path, or counts it when path is empty.
func save(body io.Reader, path string) (int64, error) {
	if path == "" {
		return io.Copy(io.Discard, body)
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path) // not half an asset
	}
	return n, err
}

// s3Error returns ": Code: Message" from an S3 error body, or nothing.
func s3Error(body io.Reader) string {
	var e struct{ Code, Message string }
	if xml.NewDecoder(io.LimitReader(body, 64<<10)).Decode(&e) != nil || e.Code == "" {
		return ""
	}
	return ": " + e.Code + ": " + e.Message
}
