package main

// What the client commands (presign, curl, and the ones to come) share:
// credentials and region from flags or the standard AWS chain, the service
// and region an AWS host name implies, and the parsing of the URL, time and
// header arguments of a request to sign.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/smithy-go/logging"
	"github.com/spf13/pflag"

	"github.com/wicket-io/wicket/sigv4"
)

// awsOptions are the flags through which a client command finds its
// credentials and region, with the AWS CLI's names.
type awsOptions struct {
	profile      string
	region       string
	accessKey    string
	secretKey    string
	sessionToken string
}

func (o *awsOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.profile, "profile", "", "profile of the shared AWS config and credentials files (default: AWS_PROFILE, else default)")
	fs.StringVar(&o.region, "region", "", "region of the signature (default: from an AWS host name, else AWS_REGION, AWS_DEFAULT_REGION or the profile, else us-east-1)")
	fs.StringVar(&o.accessKey, "access-key", "", "access key id, instead of the AWS credential chain")
	fs.StringVar(&o.secretKey, "secret-key", "", "secret access key for --access-key (other local users can see it in the process list: prefer the environment or a profile)")
	fs.StringVar(&o.sessionToken, "session-token", "", "session token of temporary credentials given with --access-key")
}

// credentialsTimeout bounds the credential chain: a credential_process or a
// network provider that hangs must not hang the command.
const credentialsTimeout = time.Minute

// awsSession resolves credentials and region for one run of a command. It
// loads the shared AWS configuration at most once, and only when no flag
// already says what the configuration would.
type awsSession struct {
	opts   awsOptions
	stderr io.Writer // for the SDK's warnings and ours

	loaded bool
	cfg    aws.Config
	err    error
}

func newAWSSession(o awsOptions, stderr io.Writer) *awsSession {
	return &awsSession{opts: o, stderr: stderr}
}

// config returns the configuration of the standard chain: environment,
// then the shared files and the selected profile.
func (s *awsSession) config(ctx context.Context) (aws.Config, error) {
	if s.loaded {
		return s.cfg, s.err
	}
	s.loaded = true
	opts := []func(*config.LoadOptions) error{
		config.WithLogger(logging.NewStandardLogger(s.stderr)),
	}
	if s.opts.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(s.opts.profile))
	}
	s.cfg, s.err = loadAWSConfig(ctx, opts, s.stderr)
	if s.err != nil {
		s.err = fmt.Errorf("load the AWS configuration: %s", oneLine(s.err.Error()))
	}
	return s.cfg, s.err
}

// loadAWSConfig is config.LoadDefaultConfig, made to survive a CA bundle
// that cannot be read. AWS_CA_BUNDLE (or a profile's ca_bundle) naming a
// missing or empty file fails the whole load, though signing needs no TLS
// unless the credentials come from a network provider; and such a variable
// is often set machine-wide. So on failure the load is tried once more
// with the system's roots in place of the bundle, and a warning says so.
// That fails closed: an endpoint that only the bundle's CA vouches for is
// then refused, never trusted by accident.
func loadAWSConfig(ctx context.Context, opts []func(*config.LoadOptions) error, stderr io.Writer) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err == nil {
		return cfg, nil
	}
	fallback, ferr := systemRootsOptions()
	if ferr != nil {
		return aws.Config{}, err
	}
	cfg, err2 := config.LoadDefaultConfig(ctx, append(opts, fallback...)...)
	if err2 != nil {
		// Not the bundle, or not only the bundle: report what is left.
		return aws.Config{}, err2
	}
	fmt.Fprintf(stderr, "wicket: warning: ignoring the CA bundle of the AWS configuration (%s); using the system's certificates\n", oneLine(err.Error()))
	return cfg, nil
}

// systemRootsOptions are load options under which the SDK uses the
// system's root certificates whatever AWS_CA_BUNDLE says. A bundle given as
// a load option wins over the environment's and is added to the HTTP
// client's roots; so the client starts from the system's roots, and the
// bundle holds one certificate whose key was thrown away at birth, which
// therefore vouches for nothing.
func systemRootsOptions() ([]func(*config.LoadOptions) error, error) {
	roots, err := x509.SystemCertPool()
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		NotBefore:    time.Unix(0, 0),
		NotAfter:     time.Unix(0, 0).Add(time.Hour),
	}
	tmpl.Subject.CommonName = "wicket placeholder; no key exists"
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	placeholder := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	client := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	})
	return []func(*config.LoadOptions) error{
		config.WithHTTPClient(client),
		config.WithCustomCABundle(bytes.NewReader(placeholder)),
	}, nil
}

var errNoCredentials = errors.New("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, name a --profile, or pass --access-key and --secret-key")

// credentials returns the flags' credentials, else the chain's, with the
// time they stop working (zero when they do not expire).
func (s *awsSession) credentials(ctx context.Context) (sigv4.Credentials, time.Time, error) {
	o := s.opts
	switch {
	case o.accessKey != "" && o.secretKey != "":
		return sigv4.Credentials{AccessKeyID: o.accessKey, SecretAccessKey: o.secretKey, SessionToken: o.sessionToken}, time.Time{}, nil
	case o.accessKey != "" || o.secretKey != "" || o.sessionToken != "":
		return sigv4.Credentials{}, time.Time{}, errors.New("--access-key and --secret-key go together, and --session-token needs both")
	}
	cfg, err := s.config(ctx)
	if err != nil {
		return sigv4.Credentials{}, time.Time{}, err
	}
	if cfg.Credentials == nil {
		return sigv4.Credentials{}, time.Time{}, errNoCredentials
	}
	ctx, cancel := context.WithTimeout(ctx, credentialsTimeout)
	defer cancel()
	c, err := cfg.Credentials.Retrieve(ctx)
	switch {
	case err != nil && aws.IsCredentialsProvider(cfg.Credentials, (*ec2rolecreds.Provider)(nil)):
		// The chain falls back to the instance's role when nothing is
		// configured; off EC2 its failure only means "none found".
		return sigv4.Credentials{}, time.Time{}, errNoCredentials
	case err != nil:
		return sigv4.Credentials{}, time.Time{}, fmt.Errorf("get AWS credentials: %s", oneLine(err.Error()))
	case !c.HasKeys():
		return sigv4.Credentials{}, time.Time{}, errNoCredentials
	}
	var expires time.Time
	if c.CanExpire {
		expires = c.Expires
	}
	return sigv4.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}, expires, nil
}

// region returns the region to sign for: the flag, else the one the host
// name implies (inferred, possibly empty), else the chain's, else
// us-east-1 as the AWS CLI assumes.
func (s *awsSession) region(ctx context.Context, inferred string) (string, error) {
	r := s.opts.region
	if r == "" {
		r = inferred
	}
	if r == "" {
		cfg, err := s.config(ctx)
		if err != nil {
			return "", err
		}
		r = cfg.Region
	}
	if r == "" {
		r = "us-east-1"
	}
	if strings.ContainsAny(r, "/ \t\n") {
		return "", fmt.Errorf("invalid region %q", r)
	}
	return r, nil
}

// signingTarget is what a command signs with.
type signingTarget struct {
	creds sigv4.Credentials
	// credsExpire is when creds stop working; zero if they do not.
	credsExpire time.Time
	region      string
	service     string
}

// resolveTarget settles credentials, region and service for a request to
// host. service is the --service flag; when it is empty and the host does
// not name one, fallback is used, and an empty fallback is an error.
func resolveTarget(ctx context.Context, s *awsSession, host, service, fallback string) (signingTarget, error) {
	inferredService, inferredRegion := inferScope(host)
	if service == "" {
		service = inferredService
	}
	if service == "" {
		service = fallback
	}
	if service == "" {
		return signingTarget{}, fmt.Errorf("cannot infer service from host %s; pass --service", host)
	}
	if strings.ContainsAny(service, "/ \t\n") {
		return signingTarget{}, fmt.Errorf("invalid service %q", service)
	}
	creds, expire, err := s.credentials(ctx)
	if err != nil {
		return signingTarget{}, err
	}
	region, err := s.region(ctx, inferredRegion)
	if err != nil {
		return signingTarget{}, err
	}
	return signingTarget{creds: creds, credsExpire: expire, region: region, service: service}, nil
}

// awsSuffixes are the DNS suffixes of AWS endpoints, each with the region a
// global endpoint (iam.amazonaws.com) signs for.
var awsSuffixes = []struct{ suffix, globalRegion string }{
	{".amazonaws.com.cn", "cn-north-1"},
	{".amazonaws.com", "us-east-1"},
	{".api.aws", "us-east-1"},
	{".on.aws", "us-east-1"},
}

// signingNames maps the host label that names a service (the endpoint
// prefix) to the name its signatures scope, for the services Wicket serves,
// the common ones, and those whose two names differ. A label not listed
// still counts in the plain <service>.<region>.amazonaws.com form.
var signingNames = map[string]string{
	"s3": "s3", "s3-accesspoint": "s3", "s3-control": "s3", "s3-object-lambda": "s3-object-lambda",
	"sts": "sts", "iam": "iam", "cognito-identity": "cognito-identity", "cognito-idp": "cognito-idp",
	"execute-api": "execute-api", "lambda": "lambda", "lambda-url": "lambda", "appsync-api": "appsync",
	"dynamodb": "dynamodb", "sqs": "sqs", "sns": "sns", "kms": "kms", "secretsmanager": "secretsmanager",
	"ssm": "ssm", "logs": "logs", "monitoring": "monitoring", "events": "events", "states": "states",
	"ec2": "ec2", "ecr": "ecr", "ecs": "ecs", "eks": "eks", "es": "es", "aoss": "aoss",
	"email": "ses", "sagemaker": "sagemaker", "bedrock": "bedrock", "bedrock-runtime": "bedrock",
	"bedrock-agent": "bedrock", "bedrock-agent-runtime": "bedrock", "kinesis": "kinesis",
	"firehose": "firehose", "route53": "route53", "cloudfront": "cloudfront",
	"organizations": "organizations", "cloudformation": "cloudformation", "apigateway": "apigateway",
}

// inferScope returns the service and region that an AWS host name implies,
// either empty when it implies none. On other hosts it infers only s3, from
// a label "s3" or "s3-…" (bucket.s3.example.com, s3.localhost.localstack.cloud).
//
// Labels are read from the right, since those on the left are chosen by
// customers (buckets, API ids) and may spell a service or a region
// themselves: iam.s3.us-east-1.amazonaws.com is the bucket "iam".
func inferScope(host string) (service, region string) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" || net.ParseIP(strings.Trim(host, "[]")) != nil {
		return "", ""
	}
	rest, global, isAWS := host, "", false
	for _, s := range awsSuffixes {
		if r, ok := strings.CutSuffix(host, s.suffix); ok {
			rest, global, isAWS = r, s.globalRegion, true
			break
		}
	}
	labels := strings.Split(rest, ".")
	if !isAWS {
		for _, l := range labels {
			if l == "s3" || strings.HasPrefix(l, "s3-") {
				return "s3", ""
			}
		}
		return "", ""
	}
	for i := len(labels) - 1; i >= 0; i-- {
		l := labels[i]
		switch {
		case isRegion(l):
			if region == "" {
				region = l
			}
			continue
		case l == "dualstack" || l == "fips":
			continue
		case l == "us-gov":
			region = "us-gov-west-1" // iam.us-gov.amazonaws.com
			continue
		}
		l = strings.TrimSuffix(l, "-fips")
		if name, ok := signingNames[l]; ok {
			service = name
		} else if r, ok := strings.CutPrefix(l, "s3-"); ok && (isRegion(r) || r == "external-1") {
			// Legacy S3 endpoints: s3-us-west-2, s3-external-1.
			service = "s3"
			if region == "" && r != "external-1" {
				region = r
			}
		} else if i == 0 && i+1 < len(labels) && region != "" {
			// <service>.<region>.amazonaws.com for a service not listed.
			service = l
		} else {
			continue
		}
		break
	}
	if service == "" {
		return "", ""
	}
	if region == "" {
		region = global
	}
	return service, region
}

// isRegion reports whether a host label has the shape of an AWS region:
// letters, dash-separated words, a number (us-east-1, us-gov-west-1,
// ap-southeast-4, eusc-de-east-1).
func isRegion(l string) bool {
	parts := strings.Split(l, "-")
	if len(parts) < 3 {
		return false
	}
	last := len(parts) - 1
	for i, p := range parts {
		if p == "" {
			return false
		}
		lo, hi := byte('a'), byte('z')
		if i == last {
			lo, hi = '0', '9'
		}
		for j := 0; j < len(p); j++ {
			if p[j] < lo || p[j] > hi {
				return false
			}
		}
	}
	return true
}

// parseRequestURL parses a command's URL argument, which must be absolute
// http or https.
func parseRequestURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("invalid URL %q: %v", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid URL %q: want http:// or https:// and a host", raw)
	}
	return u, nil
}

// parseSigningTime parses --time: sigv4's X-Amz-Date form or RFC 3339. The
// empty string is now.
func parseSigningTime(s string) (time.Time, error) {
	if s == "" {
		return time.Now().UTC(), nil
	}
	if t, err := time.Parse(sigv4.TimeFormat, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("invalid --time %q: want 20060102T150405Z or RFC 3339", s)
}

// headerArg is one -H argument.
type headerArg struct {
	key, value string
	remove     bool // "K:" asks to send no such header, as in curl
}

// parseHeaderArg parses "Key: value" as curl does: "Key:" removes a header
// the command would add, and "Key;" sends it empty.
func parseHeaderArg(s string) (headerArg, error) {
	k, v, ok := strings.Cut(s, ":")
	if !ok {
		if k, ok := strings.CutSuffix(strings.TrimSpace(s), ";"); ok && validHeaderKey(k) {
			return headerArg{key: http.CanonicalHeaderKey(k)}, nil
		}
		return headerArg{}, fmt.Errorf("invalid header %q: want \"Name: value\"", s)
	}
	k, v = strings.TrimSpace(k), strings.TrimSpace(v)
	if !validHeaderKey(k) || strings.ContainsAny(v, "\r\n") {
		return headerArg{}, fmt.Errorf("invalid header %q: want \"Name: value\"", s)
	}
	return headerArg{key: http.CanonicalHeaderKey(k), value: v, remove: v == ""}, nil
}

func validHeaderKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// applyHeaders sets the -H headers on r. Host goes to r.Host, where Go's
// client takes it from.
func applyHeaders(r *http.Request, hs []headerArg) {
	for _, h := range hs {
		switch {
		case h.key == "Host" && !h.remove:
			r.Host = h.value
		case h.remove:
			r.Header.Del(h.key)
		default:
			r.Header.Add(h.key, h.value)
		}
	}
}

// hasHeader reports whether the -H arguments mention key at all, to set or
// to remove it.
func hasHeader(hs []headerArg, key string) bool {
	for _, h := range hs {
		if h.key == key {
			return true
		}
	}
	return false
}

// oneLine folds an error text from elsewhere (a credential_process's
// stderr, an SDK chain) onto one line, as every failure of the CLI is.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
