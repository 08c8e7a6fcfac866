// Package testenv starts an in-process Wicket on httptest with the embedded
// stores in a temporary directory, and hands out aws-sdk-go-v2 clients
// configured for it. End-to-end tests use real clients because only a real
// client catches escaping, chunking and presign mismatches.
package testenv

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/authn"
	"github.com/wicket-io/wicket/s3api"
	"github.com/wicket-io/wicket/server"
	"github.com/wicket-io/wicket/storage/fs"
	"github.com/wicket-io/wicket/storage/sqlite"
)

// Region is the region of every test endpoint.
const Region = "us-east-1"

// Root are the root credentials of every test endpoint.
var Root = wicket.RootCredentials{AccessKeyID: "AKIAWICKETTESTROOT01", SecretAccessKey: "wicket-test-root-secret-key-0000000000000"}

// Env is a running test endpoint.
type Env struct {
	URL   string
	Meta  wicket.MetaStore
	Blobs wicket.BlobStore
	srv   *httptest.Server
}

// New starts an endpoint that lives until the test ends.
func New(t testing.TB) *Env { return start(t, false) }

// NewTLS starts an endpoint on HTTPS. Over TLS the AWS SDKs upload with
// unsigned aws-chunked bodies and checksum trailers, as they do against AWS.
func NewTLS(t testing.TB) *Env { return start(t, true) }

func start(t testing.TB, tls bool) *Env {
	t.Helper()
	dir := t.TempDir()
	meta, err := sqlite.Open(filepath.Join(dir, "meta.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("open metadata store: %v", err)
	}
	blobs, err := fs.Open(filepath.Join(dir, "blobs"), fs.Options{})
	if err != nil {
		t.Fatalf("open blob store: %v", err)
	}
	api := s3api.New(s3api.Options{
		Meta: meta, Blobs: blobs, Region: Region,
		Auth: authn.New(authn.Options{Root: Root, Region: Region, Service: "s3"}),
	})
	srv, err := server.New(server.Config{Region: Region, Handlers: server.Handlers{S3: api}})
	if err != nil {
		t.Fatalf("server: %v", err)
	}
	hs := httptest.NewUnstartedServer(srv)
	if tls {
		hs.StartTLS()
	} else {
		hs.Start()
	}
	t.Cleanup(func() {
		hs.Close()
		meta.Close()
	})
	return &Env{URL: hs.URL, Meta: meta, Blobs: blobs, srv: hs}
}

// S3 returns an S3 client with root credentials, path-style.
func (e *Env) S3(optFns ...func(*s3.Options)) *s3.Client {
	return e.S3With(aws.Credentials{AccessKeyID: Root.AccessKeyID, SecretAccessKey: Root.SecretAccessKey}, optFns...)
}

// S3With returns a path-style S3 client with the given credentials.
func (e *Env) S3With(c aws.Credentials, optFns ...func(*s3.Options)) *s3.Client {
	cfg := aws.Config{
		Region:      Region,
		Credentials: credentials.StaticCredentialsProvider{Value: c},
		HTTPClient:  e.srv.Client(),
	}
	opts := append([]func(*s3.Options){func(o *s3.Options) {
		o.BaseEndpoint = aws.String(e.URL)
		o.UsePathStyle = true
	}}, optFns...)
	return s3.NewFromConfig(cfg, opts...)
}
