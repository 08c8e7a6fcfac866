// Command s3bench is a load generator for S3-compatible servers. It signs
// its requests with Wicket's own sigv4 package, so that the client's cost is
// small and identical whichever server it measures, and prints one line of
// JSON (or a tab-separated table) with throughput, latency percentiles and
// errors.
//
//	s3bench --endpoint http://127.0.0.1:9000 --bucket bench --prepare \
//	    --op get --size 4KiB --concurrency 32 --duration 10s
//
// Operations:
//
//	get            GET signed in the Authorization header
//	get-presigned  GET of URLs presigned once per key (as a page hands out links)
//	put            PUT with the body's SHA-256 signed (--payload unsigned to skip it)
//	latency        get on one connection, one request at a time
//	get-large      get with transfer-sized buffers (default 64 MiB objects)
//	put-large      put with transfer-sized buffers; bodies over 256 MiB are
//	               generated while they are sent, never held in memory
//
// GETs read the keys PREFIX SIZE/0 … PREFIX SIZE/(objects-1), which --prepare
// uploads; PUTs write under a new run id each run (--fresh=false writes the
// keys GETs read). Any response other than 2xx is an error; a run whose
// first requests all fail stops at once and says why. Every run is bounded:
// by --count, by --duration (10s when neither is given) and by --timeout.
//
// The exit status is 0 when every request succeeded, 1 when some failed,
// and 2 when the run could not be made at all.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// config is what the flags say.
type config struct {
	endpoint     string
	accessKey    string
	secretKey    string
	sessionToken string
	region       string
	bucket       string
	prefix       string
	op           string
	size         int64
	concurrency  int
	duration     time.Duration
	warmup       time.Duration
	count        int64
	objects      int
	prepare      bool
	fresh        bool
	payload      string
	anonymous    bool
	allowRemote  bool
	format       string
	timeout      time.Duration
}

// ops are the operations and the defaults each one changes.
var ops = map[string]struct {
	large bool // transfer-sized buffers and a 64 MiB default size
	put   bool
}{
	"get":           {},
	"get-presigned": {},
	"latency":       {},
	"put":           {put: true},
	"get-large":     {large: true},
	"put-large":     {large: true, put: true},
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "s3bench:", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()

	b, err := newBench(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "s3bench:", err)
		return 2
	}
	if cfg.prepare {
		if err := b.prepare(ctx); err != nil {
			fmt.Fprintln(stderr, "s3bench: prepare:", err)
			return 2
		}
	}
	res, err := b.run(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "s3bench:", err)
		return 2
	}
	if err := writeResult(stdout, cfg.format, res); err != nil {
		fmt.Fprintln(stderr, "s3bench:", err)
		return 2
	}
	if res.Errors > 0 {
		fmt.Fprintf(stderr, "s3bench: %d of %d requests failed; first: %s\n", res.Errors, res.Ops+res.Errors, res.FirstError)
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("s3bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	var size string
	fs.StringVar(&c.endpoint, "endpoint", "http://127.0.0.1:9000", "server URL; a loopback address unless --allow-remote")
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "allow an endpoint that is not a loopback address (a load test of a shared server is rarely what you want)")
	fs.StringVar(&c.accessKey, "access-key", "", "access key id (default $AWS_ACCESS_KEY_ID)")
	fs.StringVar(&c.secretKey, "secret-key", "", "secret access key (default $AWS_SECRET_ACCESS_KEY)")
	fs.StringVar(&c.region, "region", "us-east-1", "region of the signatures")
	fs.StringVar(&c.bucket, "bucket", "s3bench", "bucket")
	fs.StringVar(&c.prefix, "prefix", "s3bench/", "key prefix")
	fs.StringVar(&c.op, "op", "get", "get, get-presigned, put, latency, get-large or put-large")
	fs.StringVar(&size, "size", "", "object size: bytes or with a unit, 4KiB, 64MiB, 2GiB (default 4KiB; 64MiB for *-large)")
	fs.IntVar(&c.concurrency, "concurrency", 32, "requests in flight, each on its own kept-alive connection (latency: 1)")
	fs.DurationVar(&c.duration, "duration", 0, "how long to measure (10s when --count is not given either)")
	fs.DurationVar(&c.warmup, "warmup", 0, "load before measuring, not counted")
	fs.Int64Var(&c.count, "count", 0, "stop after this many requests")
	fs.IntVar(&c.objects, "objects", 0, "distinct keys the requests cycle through (default 1000; 1 for *-large); PUTs overwrite once all are written")
	fs.BoolVar(&c.prepare, "prepare", false, "create the bucket, and for GETs upload the objects first")
	fs.BoolVar(&c.fresh, "fresh", true, "PUTs write keys under a new run id; false writes the keys that GETs read")
	fs.StringVar(&c.payload, "payload", "signed", "PUT payload: signed (SHA-256 in the signature) or unsigned (UNSIGNED-PAYLOAD)")
	fs.BoolVar(&c.anonymous, "anonymous", false, "send unsigned requests (a static file server such as nginx)")
	fs.StringVar(&c.format, "format", "json", "output: json (one line) or table")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Minute, "bound on the whole run, preparation included")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	kind, ok := ops[c.op]
	if !ok {
		return nil, fmt.Errorf("unknown --op %q: want get, get-presigned, put, latency, get-large or put-large", c.op)
	}
	if c.accessKey == "" {
		c.accessKey = os.Getenv("AWS_ACCESS_KEY_ID")
	}
	if c.secretKey == "" {
		c.secretKey = os.Getenv("AWS_SECRET_ACCESS_KEY")
	}
	c.sessionToken = os.Getenv("AWS_SESSION_TOKEN")
	if !c.anonymous && (c.accessKey == "" || c.secretKey == "") {
		return nil, errors.New("credentials needed: --access-key and --secret-key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or --anonymous)")
	}
	switch {
	case size != "":
		n, err := parseSize(size)
		if err != nil {
			return nil, fmt.Errorf("--size: %w", err)
		}
		c.size = n
	case kind.large:
		c.size = 64 << 20
	default:
		c.size = 4 << 10
	}
	if c.objects == 0 {
		c.objects = 1000
		if kind.large {
			c.objects = 1
		}
	}
	if c.op == "latency" {
		c.concurrency = 1
	}
	switch {
	case c.concurrency < 1 || c.concurrency > 4096:
		return nil, errors.New("--concurrency must be 1 to 4096")
	case c.objects < 1:
		return nil, errors.New("--objects must be at least 1")
	case c.count < 0 || c.duration < 0 || c.warmup < 0:
		return nil, errors.New("--count, --duration and --warmup cannot be negative")
	case c.timeout <= 0:
		return nil, errors.New("--timeout must be positive")
	case c.payload != "signed" && c.payload != "unsigned":
		return nil, fmt.Errorf("--payload %q: want signed or unsigned", c.payload)
	case c.format != "json" && c.format != "table":
		return nil, fmt.Errorf("--format %q: want json or table", c.format)
	case c.anonymous && (kind.put || c.op == "get-presigned" || c.prepare):
		return nil, errors.New("--anonymous serves GETs of files that are already there: no PUT, presigning or --prepare")
	case c.bucket == "" || strings.Contains(c.bucket, "/"):
		return nil, errors.New("--bucket must be one bucket name")
	}
	if !c.allowRemote && !loopback(c.endpoint) {
		return nil, fmt.Errorf("--endpoint %s is not a loopback address; pass --allow-remote to load another machine", c.endpoint)
	}
	if c.count == 0 && c.duration == 0 {
		c.duration = 10 * time.Second
	}
	return c, nil
}

// loopback reports whether endpoint names this machine by a loopback
// address or "localhost", without asking DNS.
func loopback(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// parseSize reads a byte count with an optional unit: B, KiB, MiB, GiB
// (powers of 1024, also written K, KB, M, MB, G, GB: S3 people mean 1024).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	digits := strings.IndexFunc(t, func(r rune) bool { return r < '0' || r > '9' })
	if digits < 0 {
		digits = len(t)
	}
	num, unit := t[:digits], strings.ToLower(strings.TrimSpace(t[digits:]))
	mult := map[string]int64{"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
		"m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}[unit]
	if num == "" || mult == 0 {
		return 0, fmt.Errorf("%q is not a size such as 4096, 4KiB, 64MiB or 2GiB", s)
	}
	var n int64
	for _, c := range num {
		n = n*10 + int64(c-'0')
		if n > 1<<40 {
			return 0, fmt.Errorf("%q is over 1 TiB", s)
		}
	}
	if n == 0 || n > (5<<30)/mult {
		return 0, fmt.Errorf("%q: a size is 1 byte to 5 GiB (a single PUT's limit)", s)
	}
	return n * mult, nil
}

// writeResult prints res as one line of JSON or as a two-line table.
func writeResult(w io.Writer, format string, res *result) error {
	if format == "json" {
		return json.NewEncoder(w).Encode(res)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "op\tsize\tconc\tops\terrors\tseconds\tops/s\tMB/s\tp50 ms\tp90 ms\tp99 ms\tmax ms")
	fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.2f\t%.0f\t%.1f\t%.3f\t%.3f\t%.3f\t%.3f\n",
		res.Op, res.Size, res.Concurrency, res.Ops, res.Errors, res.Seconds, res.OpsPerSec, res.MBPerSec,
		res.P50ms, res.P90ms, res.P99ms, res.MaxMs)
	return tw.Flush()
}
