package identitypool

import (
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
	Logins   map[string]string `json:",omitempty"` // provider → subject
	Created  time.Time
	Modified time.Time
	LastUsed time.Time
}

func loginKey(pool, provider, subject string) string {
	return pool + "\x00" + provider + "\x00" + subject
}
