package wicket

import "time"

// PrincipalType says what kind of caller a request comes from.
type PrincipalType uint8

const (
	Anonymous PrincipalType = iota // no signature: evaluated as "*" against resource policies only
	Root                           // the endpoint's root key pair: may do everything
	User                           // an IAM user's access key
	Session                        // temporary credentials (assumed role, identity pool)
)

func (t PrincipalType) String() string {
	switch t {
	case Root:
		return "root"
	case User:
		return "user"
	case Session:
		return "session"
	}
	return "anonymous"
}

// Principal is who made a request, as authentication established it.
type Principal struct {
	Type        PrincipalType
	ARN         string // e.g. arn:aws:iam::000000000000:root; "*" when anonymous
	AccessKeyID string
	Account     string // the account id; empty when anonymous
	// Name is what aws:username says: a user's name. Empty for others.
	Name string
	// ID is what aws:userid says: a user's unique id (AIDA…), the account
	// id for root, "role-id:session-name" for a session.
	ID string
	// Claims are what temporary credentials carry; nil for other callers.
	Claims *SessionClaims
}

// UserSession reports whether p's credentials come from GetSessionToken:
// a session of an IAM user or of root, with no role. Such credentials
// cannot call IAM (AWS allows it only with MFA, which Wicket has not) nor
// STS but AssumeRole and GetCallerIdentity (API_GetSessionToken).
func (p *Principal) UserSession() bool {
	return p.Claims != nil && p.Claims.Role == ""
}

// SessionClaims describe temporary credentials: who they were issued to and
// on what terms. Their session token carries it, sealed, so that no
// request needs a database read to know it.
type SessionClaims struct {
	Role     string   // the assumed role's ARN; empty for GetSessionToken sessions
	RoleID   string   // the role's unique id (AROA…)
	Name     string   // the role session name, e.g. CognitoIdentityCredentials
	Subject  string   // the identity id of pool credentials, or the web identity token's sub
	Pool     string   // the identity pool that issued them, if any
	AMR      []string // authentication methods: "unauthenticated", or "authenticated" and the provider
	Provider string   // the web identity provider: cognito-identity.amazonaws.com, an OIDC provider
	Audience string   // the web identity token's aud (the pool id for Cognito)
	// User is the IAM user (name) a GetSessionToken session acts as, and
	// SourceUser the ARN of the IAM user who assumed the role, if one did.
	User       string
	SourceUser string
	Policy     string   // an inline session policy that limits the role's, if any
	PolicyARNs []string // managed session policies that limit it with Policy, if any
	ScopeDown  string   // the name of a pool-level scope-down policy that limits it too, if any
	Tags       map[string]string
	Issued     time.Time
	Expires    time.Time
}

// RootCredentials are the endpoint's root access key pair.
type RootCredentials struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
}
