package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wicket-io/wicket/sigv4"
)

// exitHTTPError is the exit status for an HTTP status of 400 or more, as
// curl --fail gives.
const exitHTTPError = 22

// exitError is a failure that asks for an exit status of its own; main
// exits with ExitCode when an error has one, and with 1 otherwise.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// ExitCode is the status the process should exit with.
func (e *exitError) ExitCode() int { return e.code }

type curlOptions struct {
	aws             awsOptions
	method          string
	headers         []string
	data            string
	hasData         bool
	service         string
	time            string
	dryRun          bool
	include         bool
	unsignedPayload bool
	insecure        bool
	caBundle        string
	connectTimeout  time.Duration
	responseTimeout time.Duration
	maxTime         time.Duration
}

func newCurlCmd() *cobra.Command {
	var o curlOptions
	cmd := &cobra.Command{
		Use:   "curl [flags] URL",
		Short: "Sign a request to any AWS-style service, send it and print the response",
		Long: `Curl signs a request with AWS Signature Version 4, sends it and copies the
response body to standard output as it arrives. It reaches Wicket and any AWS
service alike: S3, STS, IAM, Cognito, API Gateway (execute-api), Lambda URLs…

Credentials come as for presign: --access-key and --secret-key, else the
environment, else the shared AWS files and their profiles (credential_process
included). The service and region are inferred from an AWS host name
(sts.amazonaws.com is sts in us-east-1); for any other host pass --service.

-d sends a string, or with @FILE a file's bytes as they are (curl's
--data-binary); @- reads standard input. The body's SHA-256 is signed, which
reads a file twice; for S3, --unsigned-payload signs UNSIGNED-PAYLOAD and
reads it once. -d implies POST and, except for S3, a Content-Type of
application/x-www-form-urlencoded, as in curl; -H 'Content-Type: …'
replaces it and -H 'Content-Type:' drops it.

Redirects are not followed. A response status of 400 or more still prints
its body, and wicket then exits with status 22, as curl --fail-with-body
does. --dry-run sends nothing and prints the canonical request, the string
to sign, and the signed headers with the Authorization header, never the
secret key.`,
		Example: `  wicket curl 'https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15'
  wicket curl --service s3 -X PUT -d @cat.jpg -H 'Content-Type: image/jpeg' http://localhost:9000/photos/cat.jpg
  wicket curl --service cognito-identity -H 'X-Amz-Target: AWSCognitoIdentityService.ListIdentityPools' \
    -H 'Content-Type: application/x-amz-json-1.1' -d '{"MaxResults":10}' http://localhost:9000/
  wicket curl --dry-run https://examplebucket.s3.amazonaws.com/test.txt`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.hasData = cmd.Flags().Changed("data")
			return runCurl(cmd.Context(), cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args[0], o)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.method, "request", "X", "", "HTTP method (default GET, or POST with -d)")
	fs.StringArrayVarP(&o.headers, "header", "H", nil, `header "Name: value", signed and sent (repeatable); "Name:" drops a default`)
	fs.StringVarP(&o.data, "data", "d", "", "body: a string, @FILE for a file's bytes, or @- for standard input")
	fs.StringVar(&o.service, "service", "", "service of the signature (default: from an AWS host name)")
	fs.StringVar(&o.time, "time", "", "signing time, 20060102T150405Z or RFC 3339, for reproducible output (default now)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print the canonical request, string to sign and signed headers; send nothing")
	fs.BoolVarP(&o.include, "include", "i", false, "print the response status line and headers before the body")
	fs.BoolVar(&o.unsignedPayload, "unsigned-payload", false, "sign UNSIGNED-PAYLOAD instead of the body's SHA-256 (S3 only)")
	fs.BoolVarP(&o.insecure, "insecure", "k", false, "do not verify the server's TLS certificate (testing only)")
	fs.StringVar(&o.caBundle, "ca-bundle", "", "PEM file of the CAs to trust instead of the system's (default AWS_CA_BUNDLE)")
	fs.DurationVar(&o.connectTimeout, "connect-timeout", 10*time.Second, "longest wait for the connection and TLS handshake (0: no limit)")
	fs.DurationVar(&o.responseTimeout, "response-timeout", time.Minute, "longest wait for the response headers once the request is sent (0: no limit)")
	fs.DurationVarP(&o.maxTime, "max-time", "m", 0, "longest time for the whole command, body included (0: no limit)")
	o.aws.addFlags(fs)
	return cmd
}

func runCurl(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, rawURL string, o curlOptions) error {
	if o.maxTime > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.maxTime)
		defer cancel()
	}
	u, err := parseRequestURL(rawURL)
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
	method := strings.ToUpper(o.method)
	if method == "" {
		method = http.MethodGet
		if o.hasData {
			method = http.MethodPost
		}
	}
	r, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return fmt.Errorf("invalid --request %q", o.method)
	}
	applyHeaders(r, headers)

	target, err := resolveTarget(ctx, newAWSSession(o.aws, stderr), r.Host, o.service, "")
	if err != nil {
		return err
	}
	if o.unsignedPayload && target.service != "s3" {
		return fmt.Errorf("--unsigned-payload is for s3; %s signs the body's hash", target.service)
	}

	body, err := openBody(o.data, o.hasData, stdin, !o.unsignedPayload)
	if err != nil {
		return err
	}
	defer body.close()
	r.ContentLength = body.size
	if body.size > 0 {
		r.Body = io.NopCloser(body.r)
	}
	if o.hasData && target.service != "s3" && !hasHeader(headers, "Content-Type") {
		// What curl sends with -d, and what the Query APIs (STS, IAM) read.
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if !hasHeader(headers, "User-Agent") {
		r.Header.Set("User-Agent", "wicket/"+versionString())
	}

	payload := body.sha256
	switch {
	case r.Header.Get("X-Amz-Content-Sha256") != "":
		payload = "" // the caller's own value, which S3 compares with what is signed
	case o.unsignedPayload:
		payload = sigv4.UnsignedPayload
	}
	var dbg sigv4.Debug
	err = sigv4.NewSigner().Sign(r, target.creds, sigv4.Params{
		Region: target.region, Service: target.service, Time: now, PayloadHash: payload, Debug: &dbg,
	})
	if err != nil {
		return err
	}
	if o.dryRun {
		_, err := fmt.Fprintf(stdout, "== Canonical request ==\n%s\n== String to sign ==\n%s\n== Signed headers ==\n%s\nAuthorization: %s\n",
			dbg.CanonicalRequest, dbg.StringToSign, dbg.SignedHeaders, r.Header.Get("Authorization"))
		return err
	}

	client, err := o.httpClient(stderr)
	if err != nil {
		return err
	}
	resp, err := client.Do(r)
	if err != nil {
		return errors.New(oneLine(err.Error()))
	}
	defer resp.Body.Close()
	if o.include {
		if err := writeResponseHead(stdout, resp); err != nil {
			return err
		}
	}
	if _, err := io.Copy(stdout, resp.Body); err != nil {
		return fmt.Errorf("read the response: %s", oneLine(err.Error()))
	}
	if resp.StatusCode >= 400 {
		return &exitError{code: exitHTTPError, msg: fmt.Sprintf("%s %s: the server answered %s", method, u.Redacted(), resp.Status)}
	}
	return nil
}

func writeResponseHead(w io.Writer, resp *http.Response) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", resp.Proto, resp.Status)
	for _, k := range slices.Sorted(maps.Keys(resp.Header)) {
		for _, v := range resp.Header[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// httpClient is a client with bounded waits that follows no redirect: a
// signed request is good for one host, and curl does not follow either.
func (o *curlOptions) httpClient(stderr io.Writer) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	dialer := &net.Dialer{Timeout: o.connectTimeout, KeepAlive: 30 * time.Second}
	tr.DialContext = dialer.DialContext
	tr.TLSHandshakeTimeout = o.connectTimeout
	tr.ResponseHeaderTimeout = o.responseTimeout
	// The body as the server sent it, as curl prints it without --compressed.
	tr.DisableCompression = true
	roots, err := loadCABundle(o.caBundle, stderr)
	if err != nil {
		return nil, err
	}
	tr.TLSClientConfig = &tls.Config{
		RootCAs:    roots,
		MinVersion: tls.VersionTLS12,
		// Asked for by name, for endpoints with self-signed certificates.
		InsecureSkipVerify: o.insecure,
	}
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

// loadCABundle returns the roots in the --ca-bundle file, else in
// AWS_CA_BUNDLE's, else nil for the system's, as the AWS CLI does. A bad
// file named by the flag is an error; one named by the environment, often
// set machine-wide, only a warning.
func loadCABundle(path string, stderr io.Writer) (*x509.CertPool, error) {
	fromEnv := false
	if path == "" {
		path, fromEnv = os.Getenv("AWS_CA_BUNDLE"), true
	}
	if path == "" {
		return nil, nil
	}
	pool := x509.NewCertPool()
	certs, err := os.ReadFile(path)
	if err == nil && !pool.AppendCertsFromPEM(certs) {
		err = fmt.Errorf("%s holds no PEM certificate", path)
	}
	switch {
	case err == nil:
		return pool, nil
	case fromEnv:
		fmt.Fprintf(stderr, "wicket: warning: ignoring AWS_CA_BUNDLE (%v); using the system's certificates\n", err)
		return nil, nil
	}
	return nil, fmt.Errorf("--ca-bundle: %v", err)
}

// maxSpool bounds a body read from standard input (or a pipe), which is
// spooled to a temporary file to learn its length and hash: 5 GiB, the most
// one S3 PUT may carry.
const maxSpool = 5 << 30

// requestBody is what -d sends.
type requestBody struct {
	r      io.Reader
	size   int64
	sha256 string // hex; empty when not asked for
	close  func()
}

// openBody opens the body that -d names. hash asks for its SHA-256, which
// for a file means reading it once before it is sent.
func openBody(data string, hasData bool, stdin io.Reader, hash bool) (*requestBody, error) {
	name, isFile := strings.CutPrefix(data, "@")
	if !hasData || !isFile {
		sum := sha256.Sum256([]byte(data))
		return &requestBody{r: strings.NewReader(data), size: int64(len(data)), sha256: hex.EncodeToString(sum[:]), close: func() {}}, nil
	}
	if name == "-" {
		return spool(stdin, "standard input")
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("-d: %v", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("-d: %v", err)
	}
	if !fi.Mode().IsRegular() {
		defer f.Close()
		return spool(f, name)
	}
	b := &requestBody{r: f, size: fi.Size(), close: func() { f.Close() }}
	if hash {
		h := sha256.New()
		_, err := io.Copy(h, f)
		if err == nil {
			_, err = f.Seek(0, io.SeekStart)
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("-d: %v", err)
		}
		b.sha256 = hex.EncodeToString(h.Sum(nil))
	}
	return b, nil
}

// spool copies src to a temporary file, hashing it on the way.
func spool(src io.Reader, what string) (*requestBody, error) {
	f, err := os.CreateTemp("", "wicket-curl-*")
	if err != nil {
		return nil, fmt.Errorf("-d: %v", err)
	}
	remove := func() {
		f.Close()
		os.Remove(f.Name())
	}
	h := sha256.New()
	n, err := io.Copy(f, io.TeeReader(io.LimitReader(src, maxSpool+1), h))
	if err == nil && n > maxSpool {
		err = fmt.Errorf("%s is larger than %d bytes", what, int64(maxSpool))
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		remove()
		return nil, fmt.Errorf("-d: %v", err)
	}
	return &requestBody{r: f, size: n, sha256: hex.EncodeToString(h.Sum(nil)), close: remove}, nil
}
