package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/spf13/cobra"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/identitypool"
	"github.com/wicket-io/wicket/server"
	"github.com/wicket-io/wicket/setup"
)

type serveOptions struct {
	addr      string
	data      string
	region    string
	logLevel  string
	logFormat string
	domain    string
	issuer    string

	getIDRate      float64
	getIDBurst     int
	maxIdentities  int
	pruneGuests    time.Duration
	allowHTTPLogin bool
	config         string
}

// serveEnv maps flags to the environment variables that stand in for them
// when the flag is not given: flags win, then the environment, then defaults.
var serveEnv = []struct{ flag, env string }{
	{"addr", "WICKET_ADDR"},
	{"data", "WICKET_DATA"},
	{"region", "WICKET_REGION"},
	{"domain", "WICKET_DOMAIN"},
	{"issuer-url", "WICKET_ISSUER_URL"},
	{"getid-rate", "WICKET_GETID_RATE"},
	{"max-identities-per-pool", "WICKET_MAX_IDENTITIES_PER_POOL"},
	{"prune-guests-after", "WICKET_PRUNE_GUESTS_AFTER"},
	{"config", "WICKET_CONFIG"},
}

func newServeCmd() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run a Wicket endpoint",
		Long: `Serve the S3, STS, IAM and Cognito Identity APIs on one HTTP endpoint.

With no flags, wicket listens on loopback and keeps its data in ./wicket-data.
Flags win over the environment variables named in their help.
SIGINT or SIGTERM stops the server gracefully; a second one stops it at once.

--config FILE names a JSON file of what the endpoint should hold. Once the
server listens, it is brought to that state through its own APIs with the
root credentials, as "wicket init" does; what exists as declared is left
alone, and nothing the file does not name is deleted. A file that cannot be
read, or a failure to apply it, stops the server. Every key is optional,
and an unknown one is an error:

  {
    "buckets": ["logs"],
    "oidcProviders": [
      {"url": "https://accounts.example.com", "clientIds": ["my-app"]}
    ],
    "presets": [
      {"preset": "guest-assets", "bucket": "photos", "prefix": "public/"},
      {"preset": "amplify-storage", "bucket": "media", "name": "app",
       "oidcProviders": ["https://accounts.example.com"]}
    ]
  }

buckets are created if missing. oidcProviders are IAM OpenID Connect
providers (url, clientIds, optional thumbprints). A preset is what
"wicket init --preset" makes: "preset" (guest-assets or amplify-storage),
"bucket", and optionally "prefix" (guest-assets; default assets/), "name"
(stem of the pool's and roles' names; default the bucket) and
"oidcProviders" (ARNs or issuer URLs of the providers users sign in with).
Nodes of one cluster share their state: give --config to one of them only,
since two reconciling at once could each create the same identity pool.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, e := range serveEnv {
				if v, ok := os.LookupEnv(e.env); ok && !cmd.Flags().Changed(e.flag) {
					if err := cmd.Flags().Set(e.flag, v); err != nil {
						return fmt.Errorf("%s: %w", e.env, err)
					}
				}
			}
			return runServe(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", server.DefaultAddr, "TCP address to listen on (env WICKET_ADDR)")
	f.StringVar(&o.data, "data", "./wicket-data", "data directory, created if missing (env WICKET_DATA)")
	f.StringVar(&o.region, "region", server.DefaultRegion, "region this endpoint serves (env WICKET_REGION)")
	f.StringVar(&o.domain, "domain", "", "base domain for virtual-host style buckets, e.g. s3.local (env WICKET_DOMAIN)")
	f.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&o.issuer, "issuer-url", "", "public URL of this endpoint, the iss of its OpenID tokens (default: the listening address) (env WICKET_ISSUER_URL)")
	f.Float64Var(&o.getIDRate, "getid-rate", 20, "GetId calls per second allowed from one address, 0 for no limit (env WICKET_GETID_RATE)")
	f.IntVar(&o.getIDBurst, "getid-burst", 100, "GetId calls one address may make at once before --getid-rate applies")
	f.IntVar(&o.maxIdentities, "max-identities-per-pool", 0, "cap on the identities of one identity pool, 0 for none (env WICKET_MAX_IDENTITIES_PER_POOL)")
	f.DurationVar(&o.pruneGuests, "prune-guests-after", 0, "delete guest identities unused this long, e.g. 720h; 0 keeps them (env WICKET_PRUNE_GUESTS_AFTER)")
	f.BoolVar(&o.allowHTTPLogin, "allow-http-login-providers", false, "let OpenID login providers be reached over plain HTTP (for tests only)")
	f.StringVar(&o.config, "config", "", "JSON file of buckets, OIDC providers and presets to reconcile at start (see above) (env WICKET_CONFIG)")
	return cmd
}

func runServe(ctx context.Context, stdout, stderr io.Writer, o serveOptions) error {
	logger, flushLog, err := newBufferedLogger(stderr, o.logLevel, o.logFormat)
	if err != nil {
		return err
	}
	defer flushLog()
	// The config file is read first: a mistake in it stops the start
	// before anything listens.
	var declared *setup.Config
	if o.config != "" {
		if declared, err = setup.LoadConfig(o.config); err != nil {
			return fmt.Errorf("config: %w", err)
		}
	}
	data, err := filepath.Abs(o.data)
	if err != nil {
		return fmt.Errorf("data directory %q: %w", o.data, err)
	}
	// 0700: the data directory will hold the root secret and the master key.
	if err := os.MkdirAll(data, 0o700); err != nil {
		return fmt.Errorf("creating the data directory: %w", err)
	}
	if fi, err := os.Stat(data); err != nil {
		return fmt.Errorf("data directory: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("data directory %s is not a directory", data)
	} else if fi.Mode().Perm()&0o077 != 0 {
		logger.Warn("the data directory is open to other users; it will hold secrets",
			"path", data, "mode", fi.Mode().Perm().String())
	}

	root, generated, err := server.RootCredentials(data, os.Getenv)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first signal, restore the default handling so that a
		// second one kills a shutdown that is taking too long.
		<-ctx.Done()
		stop()
	}()

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", o.addr)
	if err != nil {
		return err
	}
	endpoint := endpointURL(ln.Addr())
	issuer := o.issuer
	if issuer == "" {
		issuer = endpoint
	}
	srv, err := server.New(server.Config{
		Addr:             o.addr,
		DataDir:          data,
		Region:           o.region,
		Domain:           o.domain,
		Root:             root,
		Logger:           logger,
		Issuer:           strings.TrimSuffix(issuer, "/"),
		MasterKey:        os.Getenv("WICKET_MASTER_KEY"),
		AllowHTTPIssuers: o.allowHTTPLogin,
		GuestLimits: identitypool.Limits{GetIDRate: o.getIDRate, GetIDBurst: o.getIDBurst,
			MaxIdentitiesPerPool: o.maxIdentities},
		PruneGuestsAfter: o.pruneGuests,
	})
	if err != nil {
		ln.Close()
		return err
	}
	defer srv.Close()

	fmt.Fprintf(stdout, "Wicket is running.\n  Endpoint: %s\n  Region:   %s\n  Data:     %s\n",
		endpoint, o.region, data)
	if generated {
		// Printed this once; afterwards they are in the data directory.
		fmt.Fprintf(stdout, "  Root credentials (generated, kept in %s):\n    AWS_ACCESS_KEY_ID=%s\n    AWS_SECRET_ACCESS_KEY=%s\n",
			filepath.Join(data, "root-credentials.json"), root.AccessKeyID, root.SecretAccessKey)
	}
	if declared == nil {
		return srv.Serve(ctx, ln)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	if err := reconcile(ctx, stdout, endpoint, o.region, root, o.config, declared); err != nil {
		if ctx.Err() != nil {
			// Stopped by a signal meanwhile: a clean stop, not a failure.
			return <-served
		}
		stop()
		<-served
		return err
	}
	return <-served
}

// reconcile brings the endpoint to the config file's declarations, through
// its own APIs with the root credentials: the code path of "wicket init".
func reconcile(ctx context.Context, stdout io.Writer, endpoint, region string, root wicket.RootCredentials, path string, declared *setup.Config) error {
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(root.AccessKeyID, root.SecretAccessKey, ""),
		// The endpoint is this process: never through a proxy.
		HTTPClient: awshttp.NewBuildableClient().WithTimeout(apiTimeout).
			WithTransportOptions(func(tr *http.Transport) { tr.Proxy = nil }),
	}
	rep, err := setup.Reconcile(ctx, setup.NewClients(cfg, endpoint), declared)
	fmt.Fprintf(stdout, "  Config %s:\n", path)
	rows := make([][]string, 0, len(rep.Items))
	for _, it := range rep.Items {
		rows = append(rows, []string{"    " + string(it.Status), it.Kind, it.Name})
	}
	table(stdout, rows)
	for _, r := range rep.Results {
		if r.IdentityPoolID != "" {
			fmt.Fprintf(stdout, "    bucket %s: identity pool %s\n", r.Preset.Bucket, r.IdentityPoolID)
		}
	}
	if err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug,
	"info":  slog.LevelInfo,
	"warn":  slog.LevelWarn,
	"error": slog.LevelError,
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	l, ok := logLevels[level]
	if !ok {
		return nil, fmt.Errorf("invalid --log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("invalid --log-format %q: want text or json", format)
}

// endpointURL is the URL a client on this machine uses to reach addr. A
// wildcard address is shown as localhost, since no client can dial 0.0.0.0.
func endpointURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "http://" + addr.String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(tcp.Port))
}
