package identitypool

import (
	"context"
	"crypto/rand"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/internal/jsondoc"
)

var (
	poolNameRE = regexp.MustCompile(`^[\w ]{1,128}$`)
	poolIDRE   = regexp.MustCompile(`^[\w-]+:[0-9a-f-]+$`)
	devNameRE  = regexp.MustCompile(`^[\w._-]{1,128}$`)
)

const (
	maxLoginProviders = 10
	maxPools          = 1000
	maxRules          = 25
	maxPoolTags       = 50
)

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

// newTimeUUID returns a version 7 UUID: 48 bits of milliseconds, then 74
// random bits. Identity ids are made this way so that the identities made
// together sit together in the store's ordered index: a batch of GetIds
// dirties one or two pages instead of one each. The random part keeps the
// id unguessable; the clients see a UUID either way.
func newTimeUUID(now time.Time) string {
	var b [16]byte
	rand.Read(b[:])
	ms := uint64(now.UnixMilli())
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func checkPoolID(op, id string) error {
	if id == "" || len(id) > 55 || !poolIDRE.MatchString(id) {
		return invalidParameter(op, fmt.Sprintf("1 validation error detected: Value '%s' at 'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+", id))
	}
	return nil
}

func poolNotFound(op, id string) error {
	return notFound(op, fmt.Sprintf("IdentityPool '%s' not found.", id))
}

func loadPool(tx wicket.DocReader, op, id string) (*Pool, error) {
	if err := checkPoolID(op, id); err != nil {
		return nil, err
	}
	return jsondoc.Get[Pool](tx, collPools, id, poolNotFound(op, id))
}

// validate checks a pool's settings as Create and Update receive them.
func (s *Service) validate(ctx context.Context, op string, p *Pool) error {
	if !poolNameRE.MatchString(p.Name) {
		return invalidParameter(op, fmt.Sprintf("1 validation error detected: Value '%s' at 'identityPoolName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+", p.Name))
	}
	if len(p.SupportedLoginProviders) > maxLoginProviders {
		return invalidParameter(op, fmt.Sprintf("1 validation error detected: Value at 'supportedLoginProviders' failed to satisfy constraint: Member must have length less than or equal to %d", maxLoginProviders))
	}
	for k, v := range p.SupportedLoginProviders {
		if k == "" || len(k) > 128 || v == "" || len(v) > 128 {
			return invalidParameter(op, "Invalid SupportedLoginProviders: names and app ids must be 1 to 128 characters.")
		}
		if k == CognitoProvider || k == p.DeveloperProviderName {
			return invalidParameter(op, fmt.Sprintf("Invalid SupportedLoginProviders: %s is not a login provider.", k))
		}
	}
	if p.DeveloperProviderName != "" && !devNameRE.MatchString(p.DeveloperProviderName) {
		return invalidParameter(op, fmt.Sprintf("1 validation error detected: Value '%s' at 'developerProviderName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w._-]+", p.DeveloperProviderName))
	}
	for _, arn := range p.OpenIDConnectProviderARNs {
		if _, _, err := s.iam.OIDCProvider(ctx, arn); err != nil {
			if wicket.KindOf(err) == wicket.NotFound {
				return invalidParameter(op, fmt.Sprintf("Invalid OpenIdConnectProviderARN: %s", arn))
			}
			return err
		}
	}
	for _, cp := range p.CognitoIdentityProviders {
		if !strings.HasPrefix(cp.ProviderName, "cognito-idp.") || cp.ClientID == "" {
			return invalidParameter(op, fmt.Sprintf("Invalid CognitoIdentityProvider: %s", cp.ProviderName))
		}
	}
	if len(p.Tags) > maxPoolTags {
		return invalidParameter(op, "Too many tags.")
	}
	return nil
}

// CreatePool creates an identity pool from p (its ID and Created are set
// here).
func (s *Service) CreatePool(ctx context.Context, p *Pool) (*Pool, error) {
	const op = "CreateIdentityPool"
	if err := s.validate(ctx, op, p); err != nil {
		return nil, err
	}
	p.ID = s.region + ":" + newUUID()
	p.Created = s.now()
	err := s.docs.Update(ctx, func(tx wicket.DocTx) error {
		n := 0
		if err := tx.Scan(collPools, "", "", func(string, []byte) bool { n++; return n < maxPools }); err != nil {
			return err
		}
		if n >= maxPools {
			return limitExceeded(op, fmt.Sprintf("Cannot exceed the limit of %d identity pools.", maxPools))
		}
		return jsondoc.Put(tx, collPools, p.ID, p)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// DescribePool returns a pool.
func (s *Service) DescribePool(ctx context.Context, id string) (*Pool, error) {
	var p *Pool
	err := s.docs.View(ctx, func(tx wicket.DocReader) error {
		var err error
		p, err = loadPool(tx, "DescribeIdentityPool", id)
		return err
	})
	return p, err
}

// ListPools returns up to max pools after the pool id next, and the next
// token when there are more.
func (s *Service) ListPools(ctx context.Context, max int, after string) ([]*Pool, string, error) {
	const op = "ListIdentityPools"
	if max < 1 || max > 60 {
		return nil, "", invalidParameter(op, fmt.Sprintf("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 60", max))
	}
	var out []*Pool
	more := false
	err := s.docs.View(ctx, func(tx wicket.DocReader) error {
		return jsondoc.Scan(tx, collPools, after, func(p *Pool) bool {
			if len(out) == max {
				more = true
				return false
			}
			out = append(out, p)
			return true
		})
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if more {
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// UpdatePool replaces a pool's settings with p's (AWS's UpdateIdentityPool
// replaces the whole configuration). Roles, mappings and tags stay.
func (s *Service) UpdatePool(ctx context.Context, p *Pool) (*Pool, error) {
	const op = "UpdateIdentityPool"
	if err := s.validate(ctx, op, p); err != nil {
		return nil, err
	}
	var out *Pool
	err := s.docs.Update(ctx, func(tx wicket.DocTx) error {
		cur, err := loadPool(tx, op, p.ID)
		if err != nil {
			return err
		}
		if cur.DeveloperProviderName != "" && p.DeveloperProviderName != cur.DeveloperProviderName {
			return invalidParameter(op, "Developer provider name cannot be changed once it is set.")
		}
		cur.Name = p.Name
		cur.AllowUnauthenticatedIdentities = p.AllowUnauthenticatedIdentities
		cur.AllowClassicFlow = p.AllowClassicFlow
		cur.SupportedLoginProviders = p.SupportedLoginProviders
		cur.DeveloperProviderName = p.DeveloperProviderName
		cur.OpenIDConnectProviderARNs = p.OpenIDConnectProviderARNs
		cur.CognitoIdentityProviders = p.CognitoIdentityProviders
		cur.SAMLProviderARNs = p.SAMLProviderARNs
		if p.Tags != nil {
			cur.Tags = p.Tags
		}
		out = cur
		return jsondoc.Put(tx, collPools, cur.ID, cur)
	})
	s.poolCache.drop(p.ID)
	return out, err
}

// DeletePool deletes a pool with its identities and links, and revokes
// every credential issued for it.
func (s *Service) DeletePool(ctx context.Context, id string) error {
	const op = "DeleteIdentityPool"
	err := s.docs.Update(ctx, func(tx wicket.DocTx) error {
		if _, err := loadPool(tx, op, id); err != nil {
			return err
		}
		var ids []string
		if err := poolIdentities(tx, id, "", func(i *Identity) bool {
			ids = append(ids, i.ID)
			return true
		}); err != nil {
			return err
		}
		for _, iid := range ids {
			if err := deleteIdentityTx(tx, iid); err != nil {
				return err
			}
		}
		if _, err := tx.Delete(collPools, id); err != nil {
			return err
		}
		return s.revokeTx(tx, "pool/"+id)
	})
	s.poolCache.drop(id)
	s.identityCache.clear() // its identities are gone
	s.counts.mu.Lock()
	delete(s.counts.n, id)
	s.counts.mu.Unlock()
	if err == nil {
		s.noteRevoked("pool/" + id)
	}
	return err
}

// Roles are the roles a pool gives its identities.
type Roles struct {
	Roles        map[string]string
	RoleMappings map[string]RoleMapping
}

// SetRoles sets a pool's authenticated and unauthenticated roles and its
// role mappings. A role that trusts cognito-identity.amazonaws.com for
// any pool (no aud condition) is refused, as is a mapping for a provider
// the pool does not have.
func (s *Service) SetRoles(ctx context.Context, id string, r Roles) (err error) {
	const op = "SetIdentityPoolRoles"
	for k, arn := range r.Roles {
		if k != "authenticated" && k != "unauthenticated" {
			return invalidParameter(op, fmt.Sprintf("Invalid role type %q: want authenticated or unauthenticated.", k))
		}
		if err := s.checkRole(ctx, op, id, arn, k == "authenticated"); err != nil {
			return err
		}
	}
	for provider, m := range r.RoleMappings {
		if err := s.checkMapping(ctx, op, id, provider, m); err != nil {
			return err
		}
	}
	err = s.docs.Update(ctx, func(tx wicket.DocTx) error {
		p, err := loadPool(tx, op, id)
		if err != nil {
			return err
		}
		for provider := range r.RoleMappings {
			if !p.hasProvider(provider) {
				return invalidParameter(op, fmt.Sprintf("The provider %s is not configured for this identity pool.", provider))
			}
		}
		p.Roles, p.RoleMappings = r.Roles, r.RoleMappings
		return jsondoc.Put(tx, collPools, p.ID, p)
	})
	s.poolCache.drop(id)
	return err
}

// GetRoles returns a pool's roles and mappings.
func (s *Service) GetRoles(ctx context.Context, id string) (*Roles, error) {
	p, err := s.DescribePool(ctx, id)
	if err != nil {
		return nil, err
	}
	return &Roles{Roles: p.Roles, RoleMappings: p.RoleMappings}, nil
}

// unusedPool is a pool id no pool has: a trust policy that admits it has
// no aud condition worth the name.
const unusedPool = "xx-none-0:00000000-0000-0000-0000-000000000000"

func (s *Service) checkRole(ctx context.Context, op, pool, arn string, authenticated bool) error {
	_, _, trust, _, err := s.iam.RoleTrust(ctx, arn)
	if wicket.KindOf(err) == wicket.NotFound {
		return invalidParameter(op, fmt.Sprintf("Invalid role ARN %s: the role does not exist.", arn))
	}
	if err != nil {
		return err
	}
	for _, amr := range [][]string{{"unauthenticated"}, {"authenticated"}} {
		if trusts(trust, arn, unusedPool, "", amr) {
			return coded(op, wicket.Invalid, "InvalidIdentityPoolConfigurationException",
				fmt.Sprintf("The trust policy of role %s lets identities of any identity pool assume it: add a condition on cognito-identity.amazonaws.com:aud.", arn))
		}
	}
	if authenticated {
		// Allowed, as on AWS, but a guest's token could assume it through
		// the basic flow.
		if trusts(trust, arn, pool, "", []string{"unauthenticated"}) {
			s.log.Warn("authenticated role trusts unauthenticated identities: add a condition on cognito-identity.amazonaws.com:amr",
				"role", arn)
		}
	}
	return nil
}

func (s *Service) checkMapping(ctx context.Context, op, pool, provider string, m RoleMapping) error {
	if m.Type != "Token" && m.Type != "Rules" {
		return invalidParameter(op, fmt.Sprintf("Invalid role mapping type %q for %s: want Token or Rules.", m.Type, provider))
	}
	if m.AmbiguousRoleResolution != "AuthenticatedRole" && m.AmbiguousRoleResolution != "Deny" {
		return invalidParameter(op, "AmbiguousRoleResolution must be AuthenticatedRole or Deny.")
	}
	if m.Type == "Token" {
		return nil
	}
	if m.RulesConfiguration == nil || len(m.RulesConfiguration.Rules) == 0 || len(m.RulesConfiguration.Rules) > maxRules {
		return invalidParameter(op, fmt.Sprintf("A Rules mapping needs 1 to %d rules.", maxRules))
	}
	for _, r := range m.RulesConfiguration.Rules {
		switch {
		case r.Claim == "" || len(r.Claim) > 64:
			return invalidParameter(op, "A rule's Claim must be 1 to 64 characters.")
		case r.MatchType != "Equals" && r.MatchType != "Contains" && r.MatchType != "StartsWith" && r.MatchType != "NotEqual":
			return invalidParameter(op, fmt.Sprintf("Invalid MatchType %q: want Equals, Contains, StartsWith or NotEqual.", r.MatchType))
		case r.Value == "" || len(r.Value) > 128:
			return invalidParameter(op, "A rule's Value must be 1 to 128 characters.")
		}
		if err := s.checkRole(ctx, op, pool, r.RoleARN, true); err != nil {
			return err
		}
	}
	return nil
}

// hasProvider reports whether a login provider name is one of the pool's.
func (p *Pool) hasProvider(name string) bool {
	if _, ok := p.SupportedLoginProviders[name]; ok {
		return true
	}
	for _, arn := range p.OpenIDConnectProviderARNs {
		if oidcName(arn) == name {
			return true
		}
	}
	for _, cp := range p.CognitoIdentityProviders {
		if cp.ProviderName == name {
			return true
		}
	}
	return false
}

// oidcName is the login provider name of an OIDC provider ARN: the issuer
// without its scheme, as Logins maps name it.
func oidcName(arn string) string {
	_, name, _ := strings.Cut(arn, ":oidc-provider/")
	return name
}

// TagPool adds or replaces tags; UntagPool removes them.
func (s *Service) TagPool(ctx context.Context, id string, tags map[string]string, remove []string) error {
	defer s.poolCache.drop(id)
	return s.docs.Update(ctx, func(tx wicket.DocTx) error {
		p, err := loadPool(tx, "TagResource", id)
		if err != nil {
			return err
		}
		if p.Tags == nil {
			p.Tags = map[string]string{}
		}
		for k, v := range tags {
			p.Tags[k] = v
		}
		for _, k := range remove {
			delete(p.Tags, k)
		}
		if len(p.Tags) > maxPoolTags {
			return invalidParameter("TagResource", "Too many tags.")
		}
		return jsondoc.Put(tx, collPools, p.ID, p)
	})
}
