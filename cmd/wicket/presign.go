package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wicket-io/wicket/sigv4"
)

type presignOptions struct {
	aws     awsOptions
	method  string
	expires string
	service string
	time    string
	headers []string
}

func newPresignCmd() *cobra.Command {
	var o presignOptions
	cmd := &cobra.Command{
		Use:   "presign [flags] URL",
		Short: "Print a presigned URL",
		Long: `Presign prints URL with an AWS Signature Version 4 in its query string, so
that anyone holding it may make that one request until it expires.

It works against Wicket and against AWS alike. Credentials come from
--access-key and --secret-key, else the standard AWS chain: the environment
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then the
shared config and credentials files with their profiles (--profile or
AWS_PROFILE), credential_process included. The service and region come
from the flags, else from an AWS host name (bucket.s3.eu-west-1.amazonaws.com),
else the service is s3 and the region is the chain's, else us-east-1.

A URL made with temporary credentials stops working when they expire,
whatever --expires says; presign warns when that comes first.`,
		Example: `  wicket presign https://photos.s3.eu-west-1.amazonaws.com/cat.jpg
  wicket presign --profile guest --expires 1h http://localhost:9000/photos/cat.jpg
  wicket presign -X PUT -H 'Content-Type: image/jpeg' http://localhost:9000/photos/new.jpg`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPresign(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args[0], o)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.method, "method", "X", http.MethodGet, "HTTP method the URL is good for")
	fs.StringVar(&o.expires, "expires", "15m", "how long the URL works, 1s to 7 days: a duration (90s, 15m, 24h, 7d) or seconds")
	fs.StringVar(&o.service, "service", "", "service of the signature (default: from an AWS host name, else s3)")
	fs.StringVar(&o.time, "time", "", "signing time, 20060102T150405Z or RFC 3339, for reproducible output (default now)")
	fs.StringArrayVarP(&o.headers, "header", "H", nil, `header "Name: value" to sign; the request must then send it (repeatable)`)
	o.aws.addFlags(fs)
	return cmd
}

func runPresign(ctx context.Context, stdout, stderr io.Writer, rawURL string, o presignOptions) error {
	u, err := parseRequestURL(rawURL)
	if err != nil {
		return err
	}
	expires, err := parseExpires(o.expires)
	if err != nil {
		return err
	}
	now, err := parseSigningTime(o.time)
	if err != nil {
		return err
	}
	var headers []headerArg
	for _, h := range o.headers {
		ha, err := parseHeaderArg(h)
		if err != nil {
			return err
		}
		headers = append(headers, ha)
	}
	r, err := http.NewRequestWithContext(ctx, strings.ToUpper(o.method), u.String(), nil)
	if err != nil {
		return fmt.Errorf("invalid --method %q", o.method)
	}
	applyHeaders(r, headers)

	target, err := resolveTarget(ctx, newAWSSession(o.aws, stderr), r.Host, o.service, "s3")
	if err != nil {
		return err
	}
	// S3 takes any body under a presigned URL; the other services sign the
	// body's hash, and a presigned request has none (STS GetCallerIdentity
	// URLs, as EKS and Vault use them).
	payload := sigv4.UnsignedPayload
	switch {
	case r.Header.Get("X-Amz-Content-Sha256") != "":
		payload = "" // the caller's own value, sent with the URL
	case target.service != "s3":
		payload = sigv4.EmptyPayloadHash
	}
	var dbg sigv4.Debug
	signed, err := sigv4.NewSigner().Presign(r, target.creds, sigv4.Params{
		Region: target.region, Service: target.service, Time: now,
		PayloadHash: payload, Expires: expires, Debug: &dbg,
	})
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(stdout, signed); err != nil {
		return err
	}

	var mustSend []string
	for _, name := range strings.Split(dbg.SignedHeaders, ";") {
		if name != "host" {
			mustSend = append(mustSend, name)
		}
	}
	if len(mustSend) > 0 {
		fmt.Fprintf(stderr, "wicket: note: the request must send the signed headers %s\n", strings.Join(mustSend, ", "))
	}
	if end := target.credsExpire; !end.IsZero() && end.Before(now.Add(expires)) {
		fmt.Fprintf(stderr, "wicket: warning: the URL stops working at %s, when its temporary credentials expire, before --expires %s\n",
			end.UTC().Format(time.RFC3339), expires)
	}
	return nil
}

// parseExpires parses --expires: a Go duration, optionally led by whole
// days ("7d", "1d12h"), or plain seconds as X-Amz-Expires counts them.
func parseExpires(s string) (time.Duration, error) {
	const maxSeconds = int64(sigv4.MaxExpires / time.Second)
	outOfRange := fmt.Errorf("--expires %s is out of range: a presigned URL lasts 1s to 7 days (%d seconds)", s, maxSeconds)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 1 || n > maxSeconds {
			return 0, outOfRange
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := parseDays(s)
	if err != nil {
		return 0, fmt.Errorf("invalid --expires %q: want a duration such as 15m or 24h, or seconds", s)
	}
	if d < time.Second || d > sigv4.MaxExpires {
		return 0, outOfRange
	}
	if d%time.Second != 0 {
		return 0, fmt.Errorf("invalid --expires %q: not a whole number of seconds", s)
	}
	return d, nil
}

// parseDays is time.ParseDuration with a leading count of days allowed.
func parseDays(s string) (time.Duration, error) {
	days, rest, ok := strings.Cut(s, "d")
	if !ok {
		return time.ParseDuration(s)
	}
	n, err := strconv.ParseUint(days, 10, 16) // small enough not to overflow a Duration
	if err != nil {
		return 0, err
	}
	d := time.Duration(n) * 24 * time.Hour
	if rest == "" {
		return d, nil
	}
	r, err := time.ParseDuration(rest)
	if err != nil || r < 0 {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	return d + r, nil
}
