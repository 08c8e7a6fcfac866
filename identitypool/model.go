package identitypool

import (
	"encoding/json"
	"slices"
	"time"
)

// The stored documents. A pool and an identity are one document each; the
// links from a login (provider and subject) to the identity that owns it
// are documents of their own, keyed by pool, provider and subject, so that
// "a login is linked to one identity" is one Get inside the transaction
// that links it. A pool's identities are found by walking all identities
// (ListIdentities, DeletePool, pruning: administrative work); an index kept
// for them would cost every GetId a second page write.
const (
	collPools      = "cognito.pools"
	collIdentities = "cognito.identities"
	collLogins     = "cognito.logins"  // pool id + "\x00" + provider + "\x00" + subject → identity id
	collRevoked    = "cognito.revoked" // "pool/<id>" or "identity/<id>" → RFC 3339 time
)

// Pool is an identity pool.
type Pool struct {
	ID                             string
	Name                           string
	AllowUnauthenticatedIdentities bool
	AllowClassicFlow               bool
	SupportedLoginProviders        map[string]string      `json:",omitempty"`
	DeveloperProviderName          string                 `json:",omitempty"`
	OpenIDConnectProviderARNs      []string               `json:",omitempty"`
	CognitoIdentityProviders       []UserPoolProvider     `json:",omitempty"`
	SAMLProviderARNs               []string               `json:",omitempty"`
	Tags                           map[string]string      `json:",omitempty"`
	Roles                          map[string]string      `json:",omitempty"` // "authenticated" / "unauthenticated" → role ARN
	RoleMappings                   map[string]RoleMapping `json:",omitempty"`
	Created                        time.Time
}

// UserPoolProvider is a Cognito user pool (an OIDC issuer) a pool trusts.
type UserPoolProvider struct {
	ProviderName         string `json:"ProviderName"`
	ClientID             string `json:"ClientId"`
	ServerSideTokenCheck bool   `json:"ServerSideTokenCheck"`
}

// RoleMapping chooses the role of an authenticated identity from its login
// token, per provider.
type RoleMapping struct {
	Type                    string              `json:"Type"` // Token or Rules
	AmbiguousRoleResolution string              `json:"AmbiguousRoleResolution,omitempty"`
	RulesConfiguration      *RulesConfiguration `json:"RulesConfiguration,omitempty"`
}

// RulesConfiguration holds the rules of a Rules mapping, tried in order.
type RulesConfiguration struct {
	Rules []MappingRule `json:"Rules"`
}

// MappingRule maps a claim value to a role.
type MappingRule struct {
	Claim     string `json:"Claim"`
	MatchType string `json:"MatchType"` // Equals, Contains, StartsWith, NotEqual
	Value     string `json:"Value"`
	RoleARN   string `json:"RoleARN"`
}

// Identity is an identity of a pool: a guest's, or a user's with the
// logins linked to it.
type Identity struct {
	ID       string
	Pool     string
	Logins   map[string]Subjects `json:",omitempty"` // provider → subjects
	Created  time.Time
	Modified time.Time
	LastUsed time.Time
}

// Subjects are the subjects of one provider's logins to an identity: one,
// except for the pool's developer provider, whose user identifiers
// MergeDeveloperIdentities gathers on one identity, as Cognito does.
//
// One subject is stored as a JSON string, the way identities were always
// stored, so that every identity written before stays readable and every
// identity never merged stays readable by older versions; more than one
// is stored as an array.
type Subjects []string

func (s Subjects) MarshalJSON() ([]byte, error) {
	if len(s) == 1 {
		return json.Marshal(s[0])
	}
	return json.Marshal([]string(s))
}

func (s *Subjects) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = Subjects{one}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(s))
}

// maxLinkedLogins bounds the logins of one identity, every subject
// counted, as Cognito bounds what MergeDeveloperIdentities gathers.
const maxLinkedLogins = 20

// has reports whether the identity has the login.
func (i *Identity) has(l login) bool {
	return slices.Contains(i.Logins[l.provider], l.subject)
}

// add gives the identity a login it does not have. The identity must be
// the caller's own copy, not a cached one.
func (i *Identity) add(l login) {
	if i.Logins == nil {
		i.Logins = map[string]Subjects{}
	}
	i.Logins[l.provider] = append(i.Logins[l.provider], l.subject)
}

// remove takes a login from the identity (the caller's own copy).
func (i *Identity) remove(l login) {
	subs := slices.DeleteFunc(slices.Clone(i.Logins[l.provider]), func(s string) bool { return s == l.subject })
	if len(subs) == 0 {
		delete(i.Logins, l.provider)
	} else {
		i.Logins[l.provider] = subs
	}
}

// loginCount counts the identity's logins, every subject counted.
func (i *Identity) loginCount() int {
	n := 0
	for _, subs := range i.Logins {
		n += len(subs)
	}
	return n
}

func loginKey(pool, provider, subject string) string {
	return pool + "\x00" + provider + "\x00" + subject
}
