// Package setup creates what guest access to a bucket needs — the bucket,
// its CORS rule, an identity pool, the pool's guest and user roles with
// their trust and access policies, and an administrators group — through
// the AWS APIs alone, so that it works against Wicket and against AWS.
//
// A Preset names one such set-up; Apply brings an account to it and can be
// run any number of times: what exists and matches is left alone and
// reported as Exists, what drifted is put back (Updated). The CLI's
// `wicket init` and the config file of `wicket serve --config` both come
// here, so that a set-up made either way is the same.
package setup

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// The presets.
const (
	// GuestAssets lets guests read one prefix of a bucket, and signed-in
	// users read it too and keep files of their own under
	// private/<identity id>/.
	GuestAssets = "guest-assets"
	// AmplifyStorage gives a bucket Amplify Storage's access levels:
	// public/, protected/<identity id>/ and private/<identity id>/, with the
	// policies the Amplify CLI generates.
	AmplifyStorage = "amplify-storage"
)

// Presets lists the preset names, for help texts and errors.
var Presets = []string{GuestAssets, AmplifyStorage}

// DefaultPrefix is the part of the bucket guests read under GuestAssets
// when a Preset names none.
const DefaultPrefix = "assets/"

// AdministratorAccess is the AWS managed policy of full access, which the
// administrators group gets.
const AdministratorAccess = "arn:aws:iam::aws:policy/AdministratorAccess"

// AdminGroup is the IAM group every preset creates, with AdministratorAccess,
// for the people who manage the endpoint.
const AdminGroup = "administrators"

// Clients are the AWS API clients a set-up goes through. They carry the
// credentials (an administrator's) and the endpoint.
type Clients struct {
	S3       *s3.Client
	IAM      *iam.Client
	Identity *cognitoidentity.Client
}

// NewClients returns clients for cfg that reach endpoint, or AWS's own
// endpoints when it is empty. S3 is addressed path-style on a custom
// endpoint, which needs no DNS for bucket names.
func NewClients(cfg aws.Config, endpoint string) Clients {
	var base *string
	if endpoint != "" {
		base = aws.String(endpoint)
	}
	return Clients{
		S3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			if base != nil {
				o.BaseEndpoint = base
				o.UsePathStyle = true
			}
		}),
		IAM: iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = base }),
		Identity: cognitoidentity.NewFromConfig(cfg, func(o *cognitoidentity.Options) {
			o.BaseEndpoint = base
		}),
	}
}

// Preset is one set-up of a bucket for guests and users. It is also the
// stanza of the config file, hence the JSON names.
type Preset struct {
	// Preset is GuestAssets or AmplifyStorage.
	Preset string `json:"preset"`
	// Bucket is the bucket, created if missing.
	Bucket string `json:"bucket"`
	// Prefix is the key prefix guests read under GuestAssets, usually
	// ending in "/"; empty means DefaultPrefix. AmplifyStorage has its
	// fixed prefixes and takes none.
	Prefix string `json:"prefix,omitempty"`
	// Name is the stem of the pool's and roles' names; empty means the
	// bucket's. The pool is "<name> guests", the roles "<name>-guest" and
	// "<name>-user".
	Name string `json:"name,omitempty"`
	// OIDCProviders are the OpenID Connect providers whose users sign in
	// to the pool: IAM OIDC provider ARNs, or issuer URLs of providers that
	// exist in IAM.
	OIDCProviders []string `json:"oidcProviders,omitempty"`
}

// Status says what Apply did to one item.
type Status string

// The statuses of an Item.
const (
	Created Status = "created"
	Updated Status = "updated" // it existed but differed, and was put back
	Exists  Status = "exists"  // it existed as wanted; nothing was changed
	Removed Status = "removed" // another preset's policy, taken off a role
)

// Item is one thing Apply ensured.
type Item struct {
	Kind   string `json:"kind"` // "bucket", "identity pool", "role", "role policy" …
	Name   string `json:"name"`
	Status Status `json:"status"`
}

// Result is what a set-up made, and what a client needs to use it.
type Result struct {
	Preset Preset // with its defaults filled in
	Region string
	// IdentityPoolID is the pool's id, region:uuid.
	IdentityPoolID         string
	UnauthenticatedRoleARN string
	AuthenticatedRoleARN   string
	Items                  []Item
}

// Changed reports whether Apply changed anything.
func (r *Result) Changed() bool {
	for _, it := range r.Items {
		if it.Status != Exists {
			return true
		}
	}
	return false
}

// Names of the roles and pool of a preset.
func (p Preset) stem() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Bucket
}

// PoolName is the name of the preset's identity pool.
func (p Preset) PoolName() string { return p.stem() + " guests" }

// GuestRole is the name of the preset's unauthenticated role.
func (p Preset) GuestRole() string { return p.stem() + "-guest" }

// UserRole is the name of the preset's authenticated role.
func (p Preset) UserRole() string { return p.stem() + "-user" }

// withDefaults returns p with its defaults filled in, or what is wrong
// with it.
func (p Preset) withDefaults() (Preset, error) {
	switch p.Preset {
	case GuestAssets:
		if p.Prefix == "" {
			p.Prefix = DefaultPrefix
		}
		p.Prefix = strings.TrimPrefix(p.Prefix, "/")
		// The prefix goes into policy resources, where these characters
		// are wildcards or variables, and into ARNs.
		if p.Prefix == "" || strings.ContainsAny(p.Prefix, "*?$\n") {
			return p, fmt.Errorf("prefix %q: want a key prefix such as %q, without *, ? or $", p.Prefix, DefaultPrefix)
		}
	case AmplifyStorage:
		if p.Prefix != "" {
			return p, fmt.Errorf("preset %s has fixed prefixes (public/, protected/, private/) and takes no prefix", p.Preset)
		}
	case "":
		return p, fmt.Errorf("no preset: want one of %s", strings.Join(Presets, ", "))
	default:
		return p, fmt.Errorf("unknown preset %q: want one of %s", p.Preset, strings.Join(Presets, ", "))
	}
	if !validBucket(p.Bucket) {
		return p, fmt.Errorf("bucket %q: want 3 to 63 lower-case letters, digits, dots and hyphens", p.Bucket)
	}
	// IAM role names: [\w+=,.@-], at most 64 characters.
	for _, role := range []string{p.GuestRole(), p.UserRole()} {
		if len(role) > 64 {
			return p, fmt.Errorf("role name %s is longer than IAM's 64 characters: give a shorter name", role)
		}
		for _, c := range role {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_+=,.@-", c)) {
				return p, fmt.Errorf("name %q: IAM role names allow letters, digits and _+=,.@-", p.stem())
			}
		}
	}
	for _, o := range p.OIDCProviders {
		if !strings.HasPrefix(o, "arn:") && !strings.HasPrefix(o, "https://") {
			return p, fmt.Errorf("OIDC provider %q: want an IAM OIDC provider ARN or an https:// issuer URL", o)
		}
	}
	return p, nil
}

// validBucket checks the shape of S3 bucket names.
func validBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return b[0] != '.' && b[0] != '-' && b[len(b)-1] != '.' && b[len(b)-1] != '-'
}

// Apply brings the account that c reaches to preset p. Items are ensured in
// an order where each finds what it refers to: the bucket and its CORS rule,
// the pool, the roles trusting it, the pool's roles, the administrators
// group. A failure stops Apply; what was done stays, the Result returned
// with the error lists it, and a second run finishes the rest.
func Apply(ctx context.Context, c Clients, p Preset) (*Result, error) {
	p, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	a := &applier{c: c, res: &Result{Preset: p, Region: c.S3.Options().Region}}
	if err := a.run(ctx, p); err != nil {
		return a.res, err
	}
	return a.res, nil
}

type applier struct {
	c   Clients
	res *Result
}

func (a *applier) add(kind, name string, s Status) {
	a.res.Items = append(a.res.Items, Item{Kind: kind, Name: name, Status: s})
}

func (a *applier) run(ctx context.Context, p Preset) error {
	providers, err := a.resolveProviders(ctx, p.OIDCProviders)
	if err != nil {
		return err
	}
	if err := a.ensureBucket(ctx, p.Bucket); err != nil {
		return err
	}
	if err := a.ensureCORS(ctx, p.Bucket, corsRuleFor(p.Preset)); err != nil {
		return err
	}
	pool, err := a.ensurePool(ctx, p.PoolName(), providers)
	if err != nil {
		return err
	}
	a.res.IdentityPoolID = pool
	guestPolicies, userPolicies := policiesFor(p)
	a.res.UnauthenticatedRoleARN, err = a.ensureRole(ctx, p.GuestRole(), trustPolicy(pool, "unauthenticated"),
		"Guests of identity pool "+p.PoolName(), guestPolicies)
	if err != nil {
		return err
	}
	a.res.AuthenticatedRoleARN, err = a.ensureRole(ctx, p.UserRole(), trustPolicy(pool, "authenticated"),
		"Signed-in users of identity pool "+p.PoolName(), userPolicies)
	if err != nil {
		return err
	}
	if err := a.ensurePoolRoles(ctx, pool, a.res.UnauthenticatedRoleARN, a.res.AuthenticatedRoleARN); err != nil {
		return err
	}
	return a.ensureAdminGroup(ctx)
}

// stepError is the failure of one call: the step, and the API's code and
// message on one line.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string {
	var ae smithy.APIError
	if errors.As(e.err, &ae) {
		return fmt.Sprintf("%s: %s: %s", e.step, ae.ErrorCode(), oneLine(ae.ErrorMessage()))
	}
	return e.step + ": " + oneLine(e.err.Error())
}

func (e *stepError) Unwrap() error { return e.err }

func failed(step string, err error) error { return &stepError{step, err} }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// apiCode is the AWS error code of err, or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
