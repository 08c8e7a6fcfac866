package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/identitypool"
	"github.com/wicket-io/wicket/storage/fs"
)

// Defaults for the zero fields of a Config.
const (
	DefaultAddr              = "127.0.0.1:9000"
	DefaultRegion            = "us-east-1"
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultShutdownTimeout   = 30 * time.Second
	DefaultStallTimeout      = 30 * time.Second

	// DefaultMaxHeaderBytes bounds the request line and headers together.
	// S3 itself refuses more than 8 KiB of headers, but presigned URLs with
	// session tokens and long keys make request lines long, and other AWS
	// front ends are more generous; 64 KiB leaves room for every real client
	// while keeping what one connection can make the server buffer small.
	DefaultMaxHeaderBytes = 64 << 10
)

// Config describes a server. A zero field means its default.
type Config struct {
	// Addr is the TCP address ListenAndServe listens on.
	Addr string

	// DataDir is where the embedded stores keep metadata and object bytes.
	// The caller creates it. When it is empty, no stores are opened and
	// only the Handlers given serve.
	DataDir string

	// Root is the endpoint's root key pair (see RootCredentials).
	Root wicket.RootCredentials

	// Domain, when set, makes bucket.<Domain> address a bucket
	// (virtual-host style) besides path style.
	Domain string

	// Region is the region this endpoint claims to be in; credential scopes
	// must name it.
	Region string

	// Logger receives the request log and the server's own events. Nil
	// discards them.
	Logger *slog.Logger

	// ReadHeaderTimeout bounds the time to read a request's line and
	// headers. There is deliberately no overall read or write timeout: object
	// bodies stream for as long as they take.
	ReadHeaderTimeout time.Duration

	// IdleTimeout bounds how long a kept-alive connection waits for its
	// next request.
	IdleTimeout time.Duration

	// StallTimeout bounds how long a request body may go without a byte
	// arriving, and a response without bytes leaving (a 256 KiB stretch of
	// a large one): a client that stops midway is answered RequestTimeout,
	// or cut off, instead of holding its connection, descriptors and a
	// half-written blob for ever. Progress, not the whole request, is
	// bounded, so a large body may take as long as it takes.
	StallTimeout time.Duration

	// MaxConnections bounds the connections served at once; more wait to
	// be accepted until one closes. The default is half the process's
	// descriptor limit, which leaves the other half to blobs, the database
	// and the open-file cache.
	MaxConnections int

	// MaxHeaderBytes bounds the size of a request's line and headers;
	// larger requests are answered 431 by net/http before any handler runs.
	MaxHeaderBytes int

	// ShutdownTimeout bounds how long Serve waits for in-flight requests
	// once its context is cancelled; after it, their contexts are cancelled
	// and their connections closed.
	ShutdownTimeout time.Duration

	// Handlers replaces the handlers of individual APIs, for tests and for
	// embedding Wicket in another program.
	Handlers Handlers

	// Issuer is Wicket's OpenID issuer URL: the iss of the tokens identity
	// pools sign, and where /.well-known/openid-configuration is served.
	// It should be the endpoint's public URL.
	Issuer string

	// MasterKey, when set, replaces the master key kept in the data
	// directory (base64 of 32 bytes; the same on every node of a cluster).
	// A secret: from the environment or a protected file only.
	MasterKey string

	// AllowHTTPIssuers lets OpenID providers be reached over plain HTTP
	// (tests); production providers must use HTTPS.
	AllowHTTPIssuers bool

	// LoginClient, when set, is the HTTP client that fetches OpenID
	// providers' keys (tests give one that trusts their provider's
	// certificate).
	LoginClient *http.Client

	// GuestLimits are the identity pools' abuse controls.
	GuestLimits identitypool.Limits

	// PruneGuestsAfter deletes guest identities unused for this long
	// (checked hourly); 0 keeps them.
	PruneGuestsAfter time.Duration
}

// Handlers holds one http.Handler per API. A nil field keeps the server's
// own handler for that API. The server routes to these handlers and wraps
// them (request ids, logging, metrics, panic recovery); a handler sees the
// whole request, its body included, even when the router had to read the
// body to choose the API.
type Handlers struct {
	S3           http.Handler
	STS          http.Handler
	IAM          http.Handler
	IdentityPool http.Handler // the Cognito Identity API
}

// regionRE accepts the shape of AWS region names (us-east-1, eu-central-2,
// us-gov-west-1) and names of local regions such as "local" or "home-1".
var regionRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// withDefaults returns cfg with its zero fields filled in, or an error
// naming the first field that cannot be used.
func (cfg Config) withDefaults() (Config, error) {
	const op = "server.New"
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if !regionRE.MatchString(cfg.Region) {
		return cfg, wicket.E(op, wicket.Invalid, fmt.Sprintf("region %q is not a region name (want something like us-east-1)", cfg.Region))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Issuer == "" {
		cfg.Issuer = "http://" + cfg.Addr
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"ReadHeaderTimeout", &cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout},
		{"IdleTimeout", &cfg.IdleTimeout, DefaultIdleTimeout},
		{"ShutdownTimeout", &cfg.ShutdownTimeout, DefaultShutdownTimeout},
		{"StallTimeout", &cfg.StallTimeout, DefaultStallTimeout},
	} {
		switch {
		case *d.v < 0:
			return cfg, wicket.E(op, wicket.Invalid, fmt.Sprintf("%s is negative (%v)", d.name, *d.v))
		case *d.v == 0:
			*d.v = d.def
		}
	}
	switch {
	case cfg.MaxConnections < 0:
		return cfg, wicket.E(op, wicket.Invalid, fmt.Sprintf("MaxConnections is negative (%d)", cfg.MaxConnections))
	case cfg.MaxConnections == 0:
		cfg.MaxConnections = max(fs.DescriptorLimit()/2, 64)
	}
	switch {
	case cfg.MaxHeaderBytes < 0:
		return cfg, wicket.E(op, wicket.Invalid, fmt.Sprintf("MaxHeaderBytes is negative (%d)", cfg.MaxHeaderBytes))
	case cfg.MaxHeaderBytes == 0:
		cfg.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	return cfg, nil
}
