package iam

import (
	"context"
	"strings"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/policy"
	"github.com/wicket-io/wicket/sigv4"
)

// LookupKey finds an IAM user's active access key: its secret and the user
// as a principal. An unknown or inactive key wraps
// sigv4.ErrUnknownAccessKey, which SigV4 answers InvalidAccessKeyId.
//
// Dangerous: the secret is returned for verifying a signature and must go
// nowhere else.
func (s *Service) LookupKey(ctx context.Context, accessKeyID string) (string, *wicket.Principal, error) {
	sn, err := s.current(ctx)
	if err != nil {
		return "", nil, err
	}
	kv := sn.keys[accessKeyID]
	if kv == nil || kv.key.Status != "Active" {
		return "", nil, sigv4.ErrUnknownAccessKey
	}
	u := kv.user.user
	return kv.key.Secret, &wicket.Principal{Type: wicket.User, ARN: u.ARN, AccessKeyID: accessKeyID,
		Account: Account, Name: u.Name, ID: u.ID}, nil
}

// Authorize decides whether p may make request r, given the resource's own
// policy (a bucket policy; none for IAM itself). Root may do everything,
// as on AWS. It fills r.Principal and the principal's condition keys
// (aws:username, aws:userid, aws:PrincipalArn, aws:PrincipalAccount,
// aws:PrincipalType, aws:PrincipalTag/…) into r.Context, which must not
// be nil.
func (s *Service) Authorize(ctx context.Context, p *wicket.Principal, r *policy.Request, resource []policy.Named) (policy.Decision, error) {
	if p.Type == wicket.Root {
		return policy.Allow, nil
	}
	set, err := s.prepare(ctx, p, r, resource)
	if err != nil {
		return policy.Deny, err
	}
	return policy.Evaluate(&set, r), nil
}

// Explain is Authorize with its reasons, for the administrator: the CLI's
// `policy explain` and the debug log of a denial.
func (s *Service) Explain(ctx context.Context, p *wicket.Principal, r *policy.Request, resource []policy.Named) (policy.Explanation, error) {
	if p.Type == wicket.Root {
		return policy.Explanation{Decision: policy.Allow}, nil
	}
	set, err := s.prepare(ctx, p, r, resource)
	if err != nil {
		return policy.Explanation{}, err
	}
	return policy.Explain(&set, r), nil
}

func (s *Service) prepare(ctx context.Context, p *wicket.Principal, r *policy.Request, resource []policy.Named) (policy.Set, error) {
	set := policy.Set{Resource: resource}
	c := r.Context
	switch p.Type {
	case wicket.Anonymous:
		r.Principal = policy.Principal{Anonymous: true}
		c.Set("aws:PrincipalType", "Anonymous")
		return set, nil
	case wicket.User:
		return s.userSet(ctx, set, p.Name, time.Time{}, r)
	case wicket.Session:
		cl := p.Claims
		if cl == nil {
			return set, nil
		}
		if cl.Role == "" {
			// GetSessionToken: the user's own permissions.
			set, err := s.userSet(ctx, set, cl.User, cl.Issued, r)
			if err == nil {
				c.Set("aws:TokenIssueTime", cl.Issued.UTC().Format(time.RFC3339))
			}
			return set, err
		}
		return s.roleSet(ctx, set, p, r)
	}
	return set, nil
}

// userSet evaluates as an IAM user: its policies and its condition keys.
// issued is when a session of the user's (GetSessionToken) was issued, or
// zero: a user that got the name after it (made under it, or renamed to
// it) is another principal, whose permissions the old session must not
// get.
func (s *Service) userSet(ctx context.Context, set policy.Set, name string, issued time.Time, r *policy.Request) (policy.Set, error) {
	sn, err := s.current(ctx)
	if err != nil {
		return set, err
	}
	uv := sn.users[key(name)]
	if uv == nil {
		return set, nil // deleted since it authenticated: nothing allows
	}
	if !issued.IsZero() && uv.user.Named().Truncate(time.Second).After(issued) {
		return set, nil // another user has had the name since the session began
	}
	c := r.Context
	set.Identity = uv.policies
	// The account id last: a resource or trust policy naming the account
	// (its id or root ARN) names every identity in it (see
	// policy.Principal).
	r.Principal = policy.Principal{AWS: []string{uv.user.ARN, Account}, ID: uv.user.ID, IDOf: uv.user.ARN}
	c.Set("aws:username", uv.user.Name)
	c.Set("aws:userid", uv.user.ID)
	c.Set("aws:PrincipalArn", uv.user.ARN)
	c.Set("aws:PrincipalAccount", Account)
	c.Set("aws:PrincipalType", "User")
	for k, v := range uv.tags {
		c.Set("aws:PrincipalTag/"+k, v)
	}
	return set, nil
}

// roleSet evaluates as a role session: the role's policies, limited by the
// session policy and the pool's scope-down policy when the session has
// them, with the web identity's keys (cognito-identity.amazonaws.com:sub …)
// from the token's claims.
func (s *Service) roleSet(ctx context.Context, set policy.Set, p *wicket.Principal, r *policy.Request) (policy.Set, error) {
	cl := p.Claims
	sn, err := s.current(ctx)
	if err != nil {
		return set, err
	}
	name := cl.Role[strings.LastIndexByte(cl.Role, '/')+1:]
	rv := sn.roles[key(name)]
	if rv == nil || rv.role.ARN != cl.Role || rv.role.ID != cl.RoleID {
		// The role was deleted (or deleted and made again) since the
		// credentials were issued: they grant nothing now.
		return set, nil
	}
	set.Identity = rv.policies
	if cl.Policy != "" || len(cl.PolicyARNs) > 0 {
		// The inline and managed session policies are one limit: what
		// any of them allows (API_AssumeRole). A managed one deleted since
		// allows nothing; its current default version is the one that counts.
		var layer []policy.Named
		if cl.Policy != "" {
			sp, err := s.sessionPolicy(cl.Policy)
			if err != nil {
				return set, err
			}
			layer = append(layer, policy.Named{Name: "session policy", Policy: sp})
		}
		for _, arn := range cl.PolicyARNs {
			if mp := sn.managed[arn]; mp != nil {
				layer = append(layer, policy.Named{Name: "session policy " + arn, Policy: mp})
			}
		}
		set.Limits = append(set.Limits, layer)
	}
	if cl.ScopeDown != "" {
		sd := s.scopeDown[cl.ScopeDown]
		if sd == nil {
			return policy.Set{}, nil // an unknown ceiling allows nothing
		}
		set.Limits = append(set.Limits, []policy.Named{{Name: cl.ScopeDown, Policy: sd}})
	}
	r.Principal = policy.Principal{AWS: []string{p.ARN, cl.Role, Account}, ID: rv.role.ID, IDOf: cl.Role}
	c := r.Context
	c.Set("aws:userid", p.ID)
	c.Set("aws:PrincipalArn", cl.Role)
	c.Set("aws:PrincipalAccount", Account)
	c.Set("aws:PrincipalType", "AssumedRole")
	c.Set("aws:TokenIssueTime", cl.Issued.UTC().Format(time.RFC3339))
	for k, v := range rv.tags {
		c.Set("aws:PrincipalTag/"+k, v)
	}
	for k, v := range cl.Tags {
		c.Set("aws:PrincipalTag/"+k, v)
	}
	if cl.Provider != "" {
		c.Set("aws:FederatedProvider", cl.Provider)
		c.Set(cl.Provider+":sub", cl.Subject)
		c.Set(cl.Provider+":aud", cl.Audience)
		if len(cl.AMR) > 0 {
			c.Set(cl.Provider+":amr", cl.AMR...)
		}
	}
	return set, nil
}

// maxSessionPolicies bounds the cache of compiled session policies.
const maxSessionPolicies = 4096

// sessionPolicy compiles a session policy, cached by its text: every
// request of a session carries the same one.
func (s *Service) sessionPolicy(doc string) (*policy.Policy, error) {
	if v, ok := s.sessionPolicies.Load(doc); ok {
		return v.(*policy.Policy), nil
	}
	p, err := policy.Parse([]byte(doc), policy.Identity)
	if err != nil {
		// It was checked when the session was made; a session policy that
		// no longer parses grants nothing.
		return nil, wicket.E("iam.sessionPolicy", wicket.AccessDenied, "Access Denied", err)
	}
	if s.sessionCount.Add(1) > maxSessionPolicies {
		s.sessionPolicies.Clear()
		s.sessionCount.Store(1)
	}
	s.sessionPolicies.Store(doc, p)
	return p, nil
}

// SetScopeDown registers a named ceiling policy that sessions may carry
// (an identity pool's guest scope-down policy).
func (s *Service) SetScopeDown(name string, p *policy.Policy) {
	s.scopeDown[name] = p
}

// RoleTrust returns what assuming a role needs: its unique id, name,
// trust policy (compiled, with its bound principals) and maximum session
// duration (seconds). A missing
// role is NotFound.
func (s *Service) RoleTrust(ctx context.Context, arn string) (id, name string, trust policy.Named, maxDuration int, err error) {
	sn, err := s.current(ctx)
	if err != nil {
		return "", "", trust, 0, err
	}
	n := arn[strings.LastIndexByte(arn, '/')+1:]
	rv := sn.roles[key(n)]
	if rv == nil || rv.role.ARN != arn {
		return "", "", trust, 0, noSuchEntity("iam.RoleTrust", "The role with name "+n+" cannot be found.")
	}
	trust = policy.Named{Name: "trust policy of " + arn, Policy: rv.trust, Bound: rv.role.TrustBound}
	return rv.role.ID, rv.role.Name, trust, rv.role.MaxSessionDuration, nil
}

// OIDCProvider returns a registered OpenID Connect provider's issuer URL
// and client ids. A missing provider is NotFound.
func (s *Service) OIDCProvider(ctx context.Context, arn string) (issuer string, clientIDs []string, err error) {
	p, err := s.GetOIDCProvider(ctx, arn)
	if err != nil {
		return "", nil, err
	}
	return p.URL, p.ClientIDs, nil
}

// OIDCProviderARN is the ARN a provider with this issuer URL is registered
// under.
func OIDCProviderARN(issuer string) string {
	arn, _, err := oidcARN("", issuer)
	if err != nil {
		return ""
	}
	return arn
}
