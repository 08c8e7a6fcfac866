package identitypool

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wicket-io/wicket"
)

// CognitoProvider is the login provider name of Wicket's own OpenID tokens
// (GetOpenIdTokenForDeveloperIdentity's), as Cognito names its own.
const CognitoProvider = "cognito-identity.amazonaws.com"

// maxLogins bounds the Logins map of one request.
const maxLogins = 10

// wellKnown are the SupportedLoginProviders whose tokens are OpenID Connect
// ID tokens, with their issuers. Facebook's and Amazon's are opaque access
// tokens that only a call to their APIs could check; Wicket refuses them
// rather than trust them unchecked.
var wellKnown = map[string]string{
	"accounts.google.com": "https://accounts.google.com",
	"appleid.apple.com":   "https://appleid.apple.com",
}

// login is a verified login: the provider it names in Logins, the
// subject it proves, and the token's claims.
type login struct {
	provider string
	subject  string
	claims   map[string]any
	amr      []string // for Wicket's own tokens, the amr they carry
}

// verifyLogins checks every token of a Logins map against the pool's
// providers. Tokens are verified before any transaction, since checking
// one may fetch a provider's keys over the network.
func (s *Service) verifyLogins(ctx context.Context, op string, p *Pool, logins map[string]string) ([]login, error) {
	if len(logins) > maxLogins {
		return nil, invalidParameter(op, fmt.Sprintf("1 validation error detected: Value at 'logins' failed to satisfy constraint: Member must have length less than or equal to %d", maxLogins))
	}
	names := slices.Sorted(maps.Keys(logins))
	out := make([]login, 0, len(names))
	for _, name := range names {
		token := logins[name]
		if token == "" || len(token) > 50000 {
			return nil, invalidParameter(op, "1 validation error detected: Value at 'logins' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 50000, Member must have length greater than or equal to 1]")
		}
		l, err := s.verifyLogin(ctx, op, p, name, token)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

func (s *Service) verifyLogin(ctx context.Context, op string, p *Pool, name, token string) (login, error) {
	if name == CognitoProvider {
		claims, err := s.keys.VerifyJWT(token, s.now())
		if err != nil {
			return login{}, notAuthorized(op, "Invalid login token. "+tokenProblem(err))
		}
		if aud, _ := claims["aud"].(string); aud != p.ID {
			return login{}, notAuthorized(op, "Invalid login token. Incorrect token audience.")
		}
		sub, _ := claims["sub"].(string)
		if sub == "" {
			return login{}, notAuthorized(op, "Invalid login token. The token has no subject.")
		}
		// A token of before a revocation of its identity or pool is
		// revoked with it, as the credentials of then are.
		iat, _ := claims["iat"].(float64)
		if s.Revoked(&wicket.SessionClaims{Pool: p.ID, Subject: sub, Issued: time.Unix(int64(iat), 0)}) {
			return login{}, notAuthorized(op, "Invalid login token. The token was revoked.")
		}
		l := login{provider: name, subject: sub, claims: claims}
		if amr, ok := claims["amr"].([]any); ok {
			for _, a := range amr {
				if v, ok := a.(string); ok {
					l.amr = append(l.amr, v)
				}
			}
		}
		// Only an authenticated identity's token is a login (a developer
		// user's, or one minted from other logins): a guest's own token
		// would otherwise make the guest a logged-in user, with the
		// authenticated role. Cognito: "Logins should not be specified
		// when trying to get credentials for an unauthenticated identity".
		if !slices.Contains(l.amr, "authenticated") || slices.Contains(l.amr, "unauthenticated") {
			return login{}, notAuthorized(op, "Invalid login token. The token is not an authenticated identity's.")
		}
		return l, nil
	}
	issuer, audiences, err := s.providerOf(ctx, op, p, name)
	if err != nil {
		return login{}, err
	}
	tok, err := s.logins.Verify(ctx, issuer, audiences, token)
	if err != nil {
		if wicket.KindOf(err) == wicket.Unavailable {
			return login{}, &wicket.Error{Op: op, Kind: wicket.Unavailable, Code: "ExternalServiceException",
				Message: fmt.Sprintf("The login provider %s could not be reached to verify the token.", name), Err: err}
		}
		msg := wicket.MessageOf(err)
		if msg == "" {
			msg = "Invalid login token."
		}
		return login{}, notAuthorized(op, msg)
	}
	return login{provider: name, subject: tok.Subject, claims: tok.Claims}, nil
}

// tokenProblem words a failed check of Wicket's own token.
func tokenProblem(err error) string {
	if m := wicket.MessageOf(err); m != "" {
		return m
	}
	if strings.Contains(err.Error(), "expired") {
		return "Token expired."
	}
	return "Couldn't verify signed token."
}

// providerOf finds how to verify a login of the provider called name: its
// issuer and the audiences (client ids) its tokens must be for.
func (s *Service) providerOf(ctx context.Context, op string, p *Pool, name string) (string, []string, error) {
	for _, arn := range p.OpenIDConnectProviderARNs {
		if oidcName(arn) == name {
			issuer, clients, err := s.iam.OIDCProvider(ctx, arn)
			if wicket.KindOf(err) == wicket.NotFound {
				return "", nil, notAuthorized(op, fmt.Sprintf("The OpenID Connect provider %s of this identity pool no longer exists.", arn))
			}
			return issuer, clients, err
		}
	}
	for _, cp := range p.CognitoIdentityProviders {
		if cp.ProviderName == name {
			return "https://" + name, []string{cp.ClientID}, nil
		}
	}
	if app, ok := p.SupportedLoginProviders[name]; ok {
		issuer, known := wellKnown[name]
		if !known {
			return "", nil, notAuthorized(op, fmt.Sprintf("Logins with %s cannot be verified by this server: only OpenID Connect providers are supported.", name))
		}
		return issuer, strings.Split(app, ","), nil
	}
	return "", nil, notAuthorized(op, "Invalid login token. Token is not from a supported provider of this identity pool.")
}

// amrOf is the amr of credentials for verified logins: "authenticated",
// then each provider and provider:subject, as Cognito writes them.
func amrOf(logins []login) []string {
	amr := []string{"authenticated"}
	for _, l := range logins {
		if l.provider == CognitoProvider && len(l.amr) > 0 {
			for _, a := range l.amr {
				// verifyLogin takes no guest token; never both values.
				if a != "authenticated" && a != "unauthenticated" {
					amr = append(amr, a)
				}
			}
			continue
		}
		amr = append(amr, l.provider, l.provider+":"+l.subject)
	}
	return amr
}

// resolveRole picks the role of an authenticated identity: the role
// mapping of the first login provider that has one (Token: the token's
// cognito:preferred_role or its only cognito:roles entry, or CustomRoleArn
// among them; Rules: the first rule that matches a claim), else the pool's
// authenticated role.
func resolveRole(op string, p *Pool, logins []login, custom string) (string, error) {
	sort.Slice(logins, func(i, j int) bool { return logins[i].provider < logins[j].provider })
	for _, l := range logins {
		m, ok := p.RoleMappings[l.provider]
		if !ok {
			continue
		}
		switch m.Type {
		case "Token":
			roles := stringsOf(l.claims["cognito:roles"])
			preferred, _ := l.claims["cognito:preferred_role"].(string)
			switch {
			case custom != "":
				for _, r := range roles {
					if r == custom {
						return custom, nil
					}
				}
				return "", invalidParameter(op, "CustomRoleArn is not one of the roles in the token (cognito:roles).")
			case preferred != "":
				return preferred, nil
			case len(roles) == 1:
				return roles[0], nil
			}
		case "Rules":
			for _, r := range m.RulesConfiguration.Rules {
				if ruleMatches(r, l.claims[r.Claim]) {
					return r.RoleARN, nil
				}
			}
		}
		if m.AmbiguousRoleResolution == "Deny" {
			return "", notAuthorized(op, "Unable to resolve a role from the login token with the role mappings of this identity pool.")
		}
		return authenticatedRole(op, p)
	}
	if custom != "" && custom != p.Roles["authenticated"] {
		return "", invalidParameter(op, "CustomRoleArn can only name a role of a Token role mapping.")
	}
	return authenticatedRole(op, p)
}

func authenticatedRole(op string, p *Pool) (string, error) {
	r := p.Roles["authenticated"]
	if r == "" {
		return "", badConfig(op)
	}
	return r, nil
}

// ruleMatches applies a rule to a claim's value; a claim holding a list
// matches when one of its entries does.
func ruleMatches(r MappingRule, v any) bool {
	for _, s := range stringsOf(v) {
		var ok bool
		switch r.MatchType {
		case "Equals":
			ok = s == r.Value
		case "NotEqual":
			ok = s != r.Value
		case "Contains":
			ok = strings.Contains(s, r.Value)
		case "StartsWith":
			ok = strings.HasPrefix(s, r.Value)
		}
		if ok {
			return true
		}
	}
	return false
}

func stringsOf(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return t
	case bool, float64:
		return []string{fmt.Sprint(t)}
	}
	return nil
}
