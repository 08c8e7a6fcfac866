package setup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// Config is a config file's declaration of what an endpoint holds,
// reconciled at every start of `wicket serve --config FILE`. It is JSON:
//
//	{
//	  "buckets": ["logs"],
//	  "oidcProviders": [
//	    {"url": "https://accounts.example.com", "clientIds": ["my-app"]}
//	  ],
//	  "presets": [
//	    {"preset": "guest-assets", "bucket": "photos", "prefix": "public/"},
//	    {"preset": "amplify-storage", "bucket": "media",
//	     "oidcProviders": ["https://accounts.example.com"]}
//	  ]
//	}
//
// Every key is optional; an unknown key is an error, so that a misspelt one
// is not silently ignored. Nothing is ever deleted: what the file no longer
// names stays as it is.
type Config struct {
	// Buckets are plain buckets, created if missing.
	Buckets []string `json:"buckets,omitempty"`
	// OIDCProviders are IAM OpenID Connect providers, created if missing;
	// client ids are added to an existing one.
	OIDCProviders []OIDCProvider `json:"oidcProviders,omitempty"`
	// Presets are applied in order, as Apply does.
	Presets []Preset `json:"presets,omitempty"`
}

// OIDCProvider is an IAM OpenID Connect provider.
type OIDCProvider struct {
	// URL is the issuer, https://host[/path].
	URL string `json:"url"`
	// ClientIDs are the audiences its tokens may have.
	ClientIDs []string `json:"clientIds"`
	// Thumbprints pin the issuer's certificate, for IAM providers that
	// still want them; usually empty.
	Thumbprints []string `json:"thumbprints,omitempty"`
}

// maxConfig bounds a config file.
const maxConfig = 1 << 20

// LoadConfig reads and checks a config file.
func LoadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfig+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxConfig {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxConfig)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig decodes and checks a config file's contents.
func ParseConfig(data []byte) (*Config, error) {
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, jsonError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("line %d: more after the configuration object", lineOf(data, dec.InputOffset()))
	}
	for i, b := range cfg.Buckets {
		if !validBucket(b) {
			return nil, fmt.Errorf("buckets[%d]: %q is not a bucket name", i, b)
		}
	}
	for i, o := range cfg.OIDCProviders {
		if !strings.HasPrefix(o.URL, "https://") || len(o.URL) == len("https://") {
			return nil, fmt.Errorf("oidcProviders[%d]: url %q: want https://host[/path]", i, o.URL)
		}
		if len(o.ClientIDs) == 0 {
			return nil, fmt.Errorf("oidcProviders[%d]: no clientIds", i)
		}
	}
	seen := map[string]int{}
	for i, p := range cfg.Presets {
		d, err := p.withDefaults()
		if err != nil {
			return nil, fmt.Errorf("presets[%d]: %w", i, err)
		}
		// Two presets of one name would fight over the same pool and roles,
		// and of one bucket over its CORS rules.
		for _, k := range []string{"name " + d.stem(), "bucket " + d.Bucket} {
			if j, dup := seen[k]; dup {
				return nil, fmt.Errorf("presets[%d]: same %s as presets[%d]", i, k, j)
			}
			seen[k] = i
		}
	}
	return &cfg, nil
}

// jsonError says where in data a decoding error is, by line.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("line %d: %v", lineOf(data, syn.Offset), syn)
	case errors.As(err, &typ):
		return fmt.Errorf("line %d: %s: want %s, not %s", lineOf(data, typ.Offset), typ.Field, typ.Type, typ.Value)
	case errors.Is(err, io.EOF):
		return errors.New("empty; want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("ends in the middle of the JSON")
	}
	// Unknown fields come as plain errors: json: unknown field "x".
	return err
}

func lineOf(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

// Report is what Reconcile did.
type Report struct {
	// Items are all the items, in the order they were ensured.
	Items []Item
	// Results are those of the presets, in order.
	Results []*Result
}

// Reconcile brings the account that c reaches to cfg: buckets, then OIDC
// providers (which presets may name), then presets. It stops at the first
// failure; the report holds what was done until then.
func Reconcile(ctx context.Context, c Clients, cfg *Config) (*Report, error) {
	rep := &Report{}
	for _, b := range cfg.Buckets {
		s, err := EnsureBucket(ctx, c.S3, b)
		if err != nil {
			return rep, err
		}
		rep.Items = append(rep.Items, Item{Kind: "bucket", Name: b, Status: s})
	}
	for _, o := range cfg.OIDCProviders {
		it, err := EnsureOIDCProvider(ctx, c.IAM, o)
		if err != nil {
			return rep, err
		}
		rep.Items = append(rep.Items, it)
	}
	for i, p := range cfg.Presets {
		res, err := Apply(ctx, c, p)
		if res != nil {
			rep.Items = append(rep.Items, res.Items...)
			rep.Results = append(rep.Results, res)
		}
		if err != nil {
			return rep, fmt.Errorf("presets[%d] (%s of bucket %s): %w", i, p.Preset, p.Bucket, err)
		}
	}
	return rep, nil
}

// EnsureOIDCProvider creates the IAM OIDC provider of o's issuer, or adds
// o's client ids to the one that exists. Its item's name is the ARN.
func EnsureOIDCProvider(ctx context.Context, c *iam.Client, o OIDCProvider) (Item, error) {
	known, err := listOIDCProviders(ctx, c)
	if err != nil {
		return Item{}, err
	}
	arn := providerByURL(known, o.URL)
	if arn == "" {
		out, err := c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(o.URL),
			ClientIDList: o.ClientIDs, ThumbprintList: o.Thumbprints})
		if err != nil {
			return Item{}, failed("create OIDC provider "+o.URL, err)
		}
		return Item{Kind: "OIDC provider", Name: aws.ToString(out.OpenIDConnectProviderArn), Status: Created}, nil
	}
	cur, err := c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)})
	if err != nil {
		return Item{}, failed("get OIDC provider "+arn, err)
	}
	status := Exists
	for _, id := range o.ClientIDs {
		if slices.Contains(cur.ClientIDList, id) {
			continue
		}
		if _, err := c.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{
			OpenIDConnectProviderArn: aws.String(arn), ClientID: aws.String(id)}); err != nil {
			return Item{}, failed("add client id "+id+" to OIDC provider "+arn, err)
		}
		status = Updated
	}
	return Item{Kind: "OIDC provider", Name: arn, Status: status}, nil
}
