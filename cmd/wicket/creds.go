package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/wicket-io/wicket/poolcreds"
)

type credsOptions struct {
	pool     string
	logins   []string
	format   string
	endpoint string
	region   string
	roleARN  string
	noCache  bool
	caBundle string
}

func newCredsCmd() *cobra.Command {
	var o credsOptions
	cmd := &cobra.Command{
		Use:   "creds --pool ID [flags]",
		Short: "Print credentials of an identity pool's guest or logged-in user",
		Long: `Creds gets credentials from an identity pool (the Cognito Identity API, on
Wicket or on AWS) and prints them: a guest's, or with --login a logged-in
user's. It calls GetId, then GetCredentialsForIdentity, both unsigned: it
needs no credentials of its own.

--format env prints export lines for a shell (eval "$(wicket creds …)");
json prints the credentials with the identity id and their expiry; process
prints what the AWS CLI and SDKs expect of a credential_process, so that a
profile such as

  [profile guest]
  credential_process = wicket creds --pool us-east-1:… --endpoint-url http://localhost:9000 --format process

makes any AWS tool a guest of the pool. The credentials last an hour; the
tools run the command again when they near their end.

The identity id is kept in the user's cache directory (wicket/identities.json,
readable by the user alone), by endpoint, pool and login providers, so that
repeated runs remain one identity. --no-cache neither reads nor writes it:
each run is then a new guest.

A login is PROVIDER=TOKEN: the provider's name as the pool knows it
(accounts.google.com, an OpenID issuer's host, or
cognito-identity.amazonaws.com for a developer identity's token) and its
token, or @FILE to read the token from a file. A token on the command line
is visible to other local users in the process list: prefer @FILE.`,
		Example: `  wicket creds --pool us-east-1:5b5b47a5-8d31-4f43-9a3c-3b2a1e0c1b2d
  eval "$(wicket creds --pool us-east-1:… --endpoint-url http://localhost:9000)"
  wicket creds --pool us-east-1:… --login accounts.google.com=@id-token.jwt --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCreds(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.pool, "pool", "", "identity pool id, region:uuid (required)")
	fs.StringArrayVar(&o.logins, "login", nil, "login as PROVIDER=TOKEN or PROVIDER=@FILE (repeatable); none for a guest")
	fs.StringVar(&o.format, "format", "env", "output: env (export lines), json, or process (for credential_process)")
	fs.StringVar(&o.endpoint, "endpoint-url", "", "base URL of the Cognito Identity API, such as Wicket's (default AWS's)")
	fs.StringVar(&o.region, "region", "", "region of the pool (default: the part of the pool id before the colon)")
	fs.StringVar(&o.roleARN, "role-arn", "", "role to ask for, among those the pool's rules allow a logged-in user")
	fs.BoolVar(&o.noCache, "no-cache", false, "neither read nor store the identity id: each run is a new identity")
	fs.StringVar(&o.caBundle, "ca-bundle", "", "PEM file of the CAs to trust instead of the system's (default AWS_CA_BUNDLE)")
	return cmd
}

func runCreds(ctx context.Context, stdout, stderr io.Writer, o credsOptions) error {
	if o.pool == "" {
		return errors.New("--pool is required")
	}
	if region, _, ok := strings.Cut(o.pool, ":"); !ok || region == "" {
		return fmt.Errorf("invalid --pool %q: want region:uuid", o.pool)
	}
	switch o.format {
	case "env", "json", "process":
	default:
		return fmt.Errorf("invalid --format %q: want env, json or process", o.format)
	}
	if o.endpoint != "" {
		if _, err := parseRequestURL(o.endpoint); err != nil {
			return fmt.Errorf("--endpoint-url: %v", err)
		}
	}
	logins, err := parseLogins(o.logins)
	if err != nil {
		return err
	}
	client, err := credsHTTPClient(o.caBundle, stderr)
	if err != nil {
		return err
	}
	po := poolcreds.Options{IdentityPoolID: o.pool, Region: o.region, Endpoint: o.endpoint, Logins: logins,
		CustomRoleArn: o.roleARN, HTTPClient: client}
	if !o.noCache {
		c, err := newFileCache(o.endpoint, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "wicket: warning: not caching the identity id: %v\n", err)
		} else {
			po.IdentityCache = c
		}
	}
	ctx, cancel := context.WithTimeout(ctx, credentialsTimeout)
	defer cancel()
	p := poolcreds.New(po)
	c, err := p.Retrieve(ctx)
	if err != nil {
		return errors.New(oneLine(err.Error()))
	}
	id, err := p.IdentityID(ctx)
	if err != nil {
		return errors.New(oneLine(err.Error()))
	}
	expiration := c.Expires.UTC().Format(time.RFC3339)
	var out []byte
	switch o.format {
	case "env":
		var b bytes.Buffer
		for _, kv := range [][2]string{
			{"AWS_ACCESS_KEY_ID", c.AccessKeyID},
			{"AWS_SECRET_ACCESS_KEY", c.SecretAccessKey},
			{"AWS_SESSION_TOKEN", c.SessionToken},
			// botocore and the JavaScript SDK read it, and then say that
			// the credentials expired rather than failing with 403s.
			{"AWS_CREDENTIAL_EXPIRATION", expiration},
		} {
			fmt.Fprintf(&b, "export %s=%s\n", kv[0], shellQuote(kv[1]))
		}
		out = b.Bytes()
	case "json":
		out, err = json.MarshalIndent(struct {
			IdentityID      string `json:"IdentityId"`
			AccessKeyID     string `json:"AccessKeyId"`
			SecretAccessKey string
			SessionToken    string
			Expiration      string
		}{id, c.AccessKeyID, c.SecretAccessKey, c.SessionToken, expiration}, "", "  ")
		out = append(out, '\n')
	case "process":
		// The shape the AWS CLI documents for credential_process: Version
		// 1, the STS field names, and an ISO 8601 expiration.
		out, err = json.Marshal(struct {
			Version         int
			AccessKeyID     string `json:"AccessKeyId"`
			SecretAccessKey string
			SessionToken    string
			Expiration      string
		}{1, c.AccessKeyID, c.SecretAccessKey, c.SessionToken, expiration})
		out = append(out, '\n')
	}
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}

// parseLogins parses the --login arguments, reading the tokens that name
// a file.
func parseLogins(args []string) (map[string]string, error) {
	if len(args) == 0 {
		return nil, nil
	}
	logins := make(map[string]string, len(args))
	for _, a := range args {
		provider, token, ok := strings.Cut(a, "=")
		if !ok || provider == "" || token == "" {
			return nil, fmt.Errorf("invalid --login %q: want PROVIDER=TOKEN or PROVIDER=@FILE", redactLogin(a))
		}
		if _, dup := logins[provider]; dup {
			return nil, fmt.Errorf("--login %s given twice", provider)
		}
		if file, ok := strings.CutPrefix(token, "@"); ok {
			b, err := readBounded(file, maxTokenFile)
			if err != nil {
				return nil, fmt.Errorf("--login %s: %v", provider, err)
			}
			if token = strings.TrimSpace(string(b)); token == "" {
				return nil, fmt.Errorf("--login %s: %s is empty", provider, file)
			}
		}
		logins[provider] = token
	}
	return logins, nil
}

// redactLogin keeps a token out of an error message, which may end up in a
// log: a malformed argument may still be mostly token.
func redactLogin(a string) string {
	if len(a) > 40 {
		return a[:20] + "…"
	}
	return a
}

// maxTokenFile bounds a token file; ID tokens are a few kilobytes.
const maxTokenFile = 64 << 10

// readBounded reads a file of at most limit bytes.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return b, nil
}

// credsHTTPClient is a client with bounded waits for the Cognito Identity
// calls; the SDK retries within credentialsTimeout.
func credsHTTPClient(caBundle string, stderr io.Writer) (*http.Client, error) {
	roots, err := loadCABundle(caBundle, stderr)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = 10 * time.Second
	tr.ResponseHeaderTimeout = 30 * time.Second
	tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr}, nil
}

// shellQuote quotes s for a POSIX shell, leaving alone the characters of
// access keys and base64 that need no quoting.
func shellQuote(s string) string {
	safe := s != ""
	for i := 0; i < len(s) && safe; i++ {
		c := s[i]
		safe = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("+/=_-.:,@%", c) >= 0
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fileCache is a poolcreds.IdentityCache in a JSON file of the user's cache
// directory, so that repeated runs (a credential_process, called again at
// each expiry) remain one identity. Keys are prefixed with the endpoint:
// the same pool id on two endpoints is two pools.
//
// Writes replace the file whole (a temporary file renamed over it), so a
// reader never sees half of one; two runs writing at once may lose one's
// entry, which costs that run's identity nothing but its next run a GetId.
// Failures are warnings: the credentials matter more than the cache.
type fileCache struct {
	path   string
	prefix string
	stderr io.Writer
	mu     sync.Mutex
}

var _ poolcreds.IdentityCache = (*fileCache)(nil)

// maxCacheFile bounds the identity cache; an entry is some 150 bytes.
const maxCacheFile = 1 << 20

func newFileCache(endpoint string, stderr io.Writer) (*fileCache, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return nil, err
	}
	prefix := endpoint
	if prefix == "" {
		prefix = "aws"
	}
	return &fileCache{path: filepath.Join(dir, "wicket", "identities.json"), prefix: strings.TrimSuffix(prefix, "/") + " ", stderr: stderr}, nil
}

func (c *fileCache) warn(err error) {
	fmt.Fprintf(c.stderr, "wicket: warning: identity cache %s: %v\n", c.path, err)
}

// load returns the file's entries; a missing file has none, and a file
// that cannot be read or parsed is warned of and treated as empty.
func (c *fileCache) load() map[string]string {
	m := map[string]string{}
	b, err := readBounded(c.path, maxCacheFile)
	if errors.Is(err, fs.ErrNotExist) {
		return m
	}
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		c.warn(err)
		return map[string]string{}
	}
	return m
}

func (c *fileCache) store(m map[string]string) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		c.warn(err)
		return
	}
	dir := filepath.Dir(c.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		c.warn(err)
		return
	}
	// CreateTemp makes the file 0600: identity ids are the user's alone.
	f, err := os.CreateTemp(dir, ".identities-*.json")
	if err != nil {
		c.warn(err)
		return
	}
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), c.path)
	}
	if err != nil {
		os.Remove(f.Name())
		c.warn(err)
	}
}

// Get returns the identity id cached under key.
func (c *fileCache) Get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.load()[c.prefix+key]
	return id, ok
}

// Put caches id under key.
func (c *fileCache) Put(key, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.load()
	if m[c.prefix+key] == id {
		return
	}
	m[c.prefix+key] = id
	c.store(m)
}

// Delete forgets key.
func (c *fileCache) Delete(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.load()
	if _, ok := m[c.prefix+key]; !ok {
		return
	}
	delete(m, c.prefix+key)
	c.store(m)
}
