// Package testenv starts an in-process Wicket on httptest with the embedded
// stores in a temporary directory, and hands out aws-sdk-go-v2 clients
// configured for it. End-to-end tests use real clients because only a real
// client catches escaping, chunking and presign mismatches.
package testenv

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/identitypool"
	"github.com/wicket-io/wicket/server"
	"github.com/wicket-io/wicket/storage/fs"
)

// Region is the region of every test endpoint.
const Region = "us-east-1"

// Root are the root credentials of every test endpoint.
var Root = wicket.RootCredentials{AccessKeyID: "AKIAWICKETTESTROOT01", SecretAccessKey: "wicket-test-root-secret-key-0000000000000"}

// Env is a running test endpoint.
type Env struct {
	URL   string
	Blobs wicket.BlobStore
	srv   *httptest.Server
}

// New starts an endpoint that lives until the test ends.
func New(t testing.TB) *Env { return start(t, false, Options{}) }

// Options adjust a test endpoint.
type Options struct {
	GuestLimits identitypool.Limits
	// LoginClient fetches OpenID providers' keys (an oidctest provider's
	// client, which trusts its certificate).
	LoginClient *http.Client
	// Logger receives the server's log; nil discards it.
	Logger *slog.Logger
}

// NewWith starts an endpoint with options.
func NewWith(t testing.TB, o Options) *Env { return start(t, false, o) }

// NewTLS starts an endpoint on HTTPS. Over TLS the AWS SDKs upload with
// unsigned aws-chunked bodies and checksum trailers, as they do against AWS.
func NewTLS(t testing.TB) *Env { return start(t, true, Options{}) }

func start(t testing.TB, tls bool, opts Options) *Env {
	t.Helper()
	dir := t.TempDir()
	// The listener comes first: the endpoint's URL is its OpenID issuer.
	hs := httptest.NewUnstartedServer(nil)
	scheme := "http://"
	if tls {
		scheme = "https://"
	}
	issuer := scheme + hs.Listener.Addr().String()
	srv, err := server.New(server.Config{Region: Region, Root: Root, DataDir: dir, Issuer: issuer,
		AllowHTTPIssuers: true, GuestLimits: opts.GuestLimits, LoginClient: opts.LoginClient, Logger: opts.Logger})
	if err != nil {
		t.Fatalf("server: %v", err)
	}
	hs.Config.Handler = srv
	// A second handle on the blob directory, for tests that count blobs.
	blobs, err := fs.Open(filepath.Join(dir, "blobs"), fs.Options{})
	if err != nil {
		t.Fatalf("open blob store: %v", err)
	}
	if tls {
		hs.StartTLS()
	} else {
		hs.Start()
	}
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return &Env{URL: hs.URL, Blobs: blobs, srv: hs}
}

// S3 returns an S3 client with root credentials, path-style.
func (e *Env) S3(optFns ...func(*s3.Options)) *s3.Client {
	return e.S3With(aws.Credentials{AccessKeyID: Root.AccessKeyID, SecretAccessKey: Root.SecretAccessKey}, optFns...)
}

// S3With returns a path-style S3 client with the given credentials.
func (e *Env) S3With(c aws.Credentials, optFns ...func(*s3.Options)) *s3.Client {
	cfg := e.config(c)
	opts := append([]func(*s3.Options){func(o *s3.Options) {
		o.UsePathStyle = true
	}}, optFns...)
	return s3.NewFromConfig(cfg, opts...)
}

// IAM returns an IAM client with root credentials.
func (e *Env) IAM() *iam.Client {
	return e.IAMWith(aws.Credentials{AccessKeyID: Root.AccessKeyID, SecretAccessKey: Root.SecretAccessKey})
}

// IAMWith returns an IAM client with the given credentials.
func (e *Env) IAMWith(c aws.Credentials) *iam.Client {
	return iam.NewFromConfig(e.config(c))
}

// Client is the HTTP client that reaches the endpoint (over TLS too).
func (e *Env) Client() *http.Client { return e.srv.Client() }

// CognitoIdentity returns a Cognito Identity client with root credentials
// (the unsigned operations, GetId and GetCredentialsForIdentity, go
// unsigned whatever the credentials).
func (e *Env) CognitoIdentity(optFns ...func(*cognitoidentity.Options)) *cognitoidentity.Client {
	return e.CognitoIdentityWith(aws.Credentials{AccessKeyID: Root.AccessKeyID, SecretAccessKey: Root.SecretAccessKey}, optFns...)
}

// CognitoIdentityWith returns a Cognito Identity client with credentials.
func (e *Env) CognitoIdentityWith(c aws.Credentials, optFns ...func(*cognitoidentity.Options)) *cognitoidentity.Client {
	return cognitoidentity.NewFromConfig(e.config(c), optFns...)
}

// STS returns an STS client with root credentials.
func (e *Env) STS() *sts.Client {
	return e.STSWith(aws.Credentials{AccessKeyID: Root.AccessKeyID, SecretAccessKey: Root.SecretAccessKey})
}

// STSWith returns an STS client with credentials.
func (e *Env) STSWith(c aws.Credentials) *sts.Client {
	return sts.NewFromConfig(e.config(c))
}

// config is the SDK configuration of a client of the endpoint with c.
func (e *Env) config(c aws.Credentials) aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.StaticCredentialsProvider{Value: c},
		HTTPClient:   e.srv.Client(),
		BaseEndpoint: aws.String(e.URL),
	}
}
