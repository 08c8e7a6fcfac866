package identitypool

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/internal/jsondoc"
	"github.com/wicket-io/wicket/policy"
	"github.com/wicket-io/wicket/sts/keyring"
)

const (
	// SessionName is the role session name of pool credentials, as AWS
	// names it: arn:aws:sts::<account>:assumed-role/<role>/CognitoIdentityCredentials.
	SessionName = "CognitoIdentityCredentials"
	// CredentialLife is how long pool credentials last.
	CredentialLife = time.Hour
	// OpenIDTokenLife is how long GetOpenIdToken's tokens last.
	OpenIDTokenLife = 10 * time.Minute
	// DeveloperTokenLife is the default life of
	// GetOpenIdTokenForDeveloperIdentity's tokens; MaxDeveloperTokenLife the
	// most a caller may ask.
	DeveloperTokenLife    = 15 * time.Minute
	MaxDeveloperTokenLife = 24 * time.Hour
	// lastUsedGrain is how stale an identity's LastUsed may get before a
	// credential request rewrites it: pruning works in days, and a write
	// per request would double the cost of the guest flow.
	lastUsedGrain = time.Hour
)

// Credentials are an identity's temporary credentials.
type Credentials struct {
	IdentityID string
	keyring.Credentials
}

// trusts evaluates a role's trust policy for an identity pool's web
// identity, as AWS does before it issues credentials of the role.
func trusts(trust policy.Named, roleARN, pool, identity string, amr []string) bool {
	if trust.Policy == nil {
		return false
	}
	c := &policy.Context{}
	if pool != "" {
		c.Set(CognitoProvider+":aud", pool)
	}
	if identity != "" {
		c.Set(CognitoProvider+":sub", identity)
	}
	c.Set(CognitoProvider+":amr", amr...)
	r := &policy.Request{
		Principal: policy.Principal{Federated: CognitoProvider},
		Action:    "sts:AssumeRoleWithWebIdentity",
		Resource:  roleARN,
		Context:   c,
	}
	return policy.Evaluate(&policy.Set{Resource: []policy.Named{trust}}, r).Allowed()
}

// session is what GetCredentials and GetOpenIdToken establish first: the
// identity, its pool, and how it authenticated.
type session struct {
	ident  *Identity
	pool   *Pool
	logins []login
	amr    []string
}

// authenticate checks an identity's logins (or its right to go without
// any) and links new logins to it.
func (s *Service) authenticate(ctx context.Context, op, id string, logins map[string]string) (*session, error) {
	ident, p, err := s.identityAndPool(ctx, op, id)
	if err != nil {
		return nil, err
	}
	if len(logins) == 0 {
		if len(ident.Logins) > 0 {
			// AWS keeps "Logins don't match" for logins given but wrong.
			return nil, notAuthorized(op, fmt.Sprintf("Access to Identity '%s' is forbidden.", id))
		}
		if !p.AllowUnauthenticatedIdentities {
			return nil, notAuthorized(op, "Unauthenticated access is not supported for this identity pool.")
		}
		return &session{ident: ident, pool: p, amr: []string{"unauthenticated"}}, nil
	}
	verified, err := s.verifyLogins(ctx, op, p, logins)
	if err != nil {
		return nil, err
	}
	// Wicket's own token proves the identity it names; it is not a login
	// to link.
	owner, external := vouchedFor(verified)
	if owner != "" && owner != id {
		return nil, notAuthorized(op, "Invalid login token. The token is for another identity.")
	}
	vouched := owner != ""
	// An identity that has logins is only reached with one of them: a new
	// login joins it only alongside an old one, so that knowing someone's
	// identity id is not enough to take it over.
	if len(ident.Logins) > 0 && !vouched {
		known := false
		for _, l := range external {
			if ident.has(l) {
				known = true
			}
		}
		if !known {
			return nil, notAuthorized(op, "Logins don't match. Please include at least one valid login for this identity or identity pool.")
		}
	}
	// Link what is new: a guest who logs in keeps its identity id.
	needLink := false
	for _, l := range external {
		if !ident.has(l) {
			needLink = true
		}
	}
	if needLink {
		err = s.docs.Update(ctx, func(tx wicket.DocTx) error {
			p, err := loadPool(tx, op, ident.Pool)
			if err != nil {
				return err
			}
			ident, err = s.link(tx, op, p, id, external)
			return err
		})
		s.identityCache.drop(id)
		if err != nil {
			return nil, err
		}
	}
	return &session{ident: ident, pool: p, logins: verified, amr: amrOf(verified)}, nil
}

// GetCredentials issues credentials of the role the identity resolves to
// (the enhanced flow). sourceIP goes to the audit log.
func (s *Service) GetCredentials(ctx context.Context, id string, logins map[string]string, customRole, sourceIP string) (*Credentials, error) {
	const op = "GetCredentialsForIdentity"
	ss, err := s.authenticate(ctx, op, id, logins)
	if err != nil {
		return nil, err
	}
	var role string
	guest := len(ss.logins) == 0
	if guest {
		if role = ss.pool.Roles["unauthenticated"]; role == "" {
			return nil, badConfig(op)
		}
	} else if role, err = resolveRole(op, ss.pool, ss.logins, customRole); err != nil {
		return nil, err
	}
	roleID, _, trust, _, err := s.iam.RoleTrust(ctx, role)
	if wicket.KindOf(err) == wicket.NotFound {
		return nil, badConfig(op)
	}
	if err != nil {
		return nil, err
	}
	if !trusts(trust, role, ss.pool.ID, id, ss.amr) || trusts(trust, role, unusedPool, id, ss.amr) {
		s.log.Warn("identity pool role refused: its trust policy does not admit this pool's identities, or admits every pool's",
			"pool", ss.pool.ID, "role", role, "amr", ss.amr)
		return nil, badConfig(op)
	}
	if err := s.pastRevocation(ctx, ss.pool.ID, id); err != nil {
		return nil, err
	}
	now := s.now()
	claims := keyring.Claims{Role: role, RoleID: roleID, Session: SessionName, Subject: id, Pool: ss.pool.ID,
		AMR: ss.amr, Provider: CognitoProvider, Audience: ss.pool.ID, Issued: now, Expires: now.Add(CredentialLife)}
	if guest {
		claims.ScopeDown = ScopeDownName
	}
	creds, err := s.keys.Issue(claims)
	if err != nil {
		return nil, err
	}
	s.log.Info("identity pool credentials issued", "identity_id", id, "pool", ss.pool.ID, "role", role,
		"amr", ss.amr, "source_ip", sourceIP, "access_key_id", creds.AccessKeyID, "expires", creds.Expiration)
	s.touch(ctx, ss.ident)
	return &Credentials{IdentityID: id, Credentials: creds}, nil
}

// touch records that an identity was used, at most once per lastUsedGrain.
func (s *Service) touch(ctx context.Context, ident *Identity) {
	now := s.now()
	if now.Sub(ident.LastUsed) < lastUsedGrain {
		return
	}
	err := s.docs.Update(ctx, func(tx wicket.DocTx) error {
		cur, err := loadIdentity(tx, "touch", ident.ID)
		if err != nil {
			return err
		}
		cur.LastUsed = now
		return jsondoc.Put(tx, collIdentities, cur.ID, cur)
	})
	s.identityCache.drop(ident.ID)
	if err != nil && wicket.KindOf(err) != wicket.NotFound {
		s.log.Warn("record identity use", "identity_id", ident.ID, "err", err)
	}
}

// GetOpenIDToken returns an OpenID token for the identity (the basic
// flow's first step), valid OpenIDTokenLife.
func (s *Service) GetOpenIDToken(ctx context.Context, id string, logins map[string]string) (string, error) {
	const op = "GetOpenIdToken"
	ss, err := s.authenticate(ctx, op, id, logins)
	if err != nil {
		return "", err
	}
	if !ss.pool.AllowClassicFlow && len(ss.logins) == 0 {
		return "", notAuthorized(op, "Basic (classic) flow is not enabled, please use enhanced flow.")
	}
	s.touch(ctx, ss.ident)
	return s.openIDToken(ctx, ss.pool.ID, id, ss.amr, OpenIDTokenLife, nil)
}

func (s *Service) openIDToken(ctx context.Context, pool, id string, amr []string, life time.Duration, tags map[string]string) (string, error) {
	// Its iat, in whole seconds, must postdate a revocation of the
	// identity or pool, which STS checks it against.
	if err := s.pastRevocation(ctx, pool, id); err != nil {
		return "", err
	}
	now := s.now()
	claims := map[string]any{
		"iss": s.issuer,
		"sub": id,
		"aud": pool,
		"amr": amr,
		"iat": now.Unix(),
		"exp": now.Add(life).Unix(),
	}
	if len(tags) > 0 {
		pt := map[string][]string{}
		for k, v := range tags {
			pt[k] = []string{v}
		}
		claims["https://aws.amazon.com/tags"] = map[string]any{"principal_tags": pt}
	}
	return s.keys.SignJWT(claims)
}

// ClassicFlow reports whether a pool allows the basic flow, for STS's
// AssumeRoleWithWebIdentity with Wicket's own tokens.
func (s *Service) ClassicFlow(ctx context.Context, pool string) (bool, error) {
	p, err := s.DescribePool(ctx, pool)
	if err != nil {
		return false, err
	}
	return p.AllowClassicFlow, nil
}

// GetOpenIDTokenForDeveloper registers (or finds) the identity of a user
// of the app's own backend and returns an OpenID token for it. logins maps
// the pool's developer provider name to the backend's user identifier,
// and may hold other logins to link as well.
func (s *Service) GetOpenIDTokenForDeveloper(ctx context.Context, poolID, id string, logins map[string]string, tags map[string]string, life time.Duration) (string, string, error) {
	const op = "GetOpenIdTokenForDeveloperIdentity"
	if life == 0 {
		life = DeveloperTokenLife
	}
	if life < time.Second || life > MaxDeveloperTokenLife {
		return "", "", invalidParameter(op, "1 validation error detected: Value at 'tokenDuration' failed to satisfy constraint: Member must have value between 1 and 86400")
	}
	p, err := s.cachedPool(ctx, op, poolID)
	if err != nil {
		return "", "", err
	}
	dev := p.DeveloperProviderName
	if dev == "" {
		return "", "", invalidParameter(op, "The identity pool has no developer provider name.")
	}
	user, ok := logins[dev]
	if !ok || user == "" {
		return "", "", invalidParameter(op, fmt.Sprintf("Logins must hold the developer provider name %s.", dev))
	}
	if len(user) > 1024 {
		return "", "", invalidParameter(op, "The developer user identifier is longer than 1024 characters.")
	}
	others := map[string]string{}
	for k, v := range logins {
		if k != dev {
			others[k] = v
		}
	}
	if _, ok := others[CognitoProvider]; ok {
		// Wicket's own token names an identity; it is no login to link
		// to a developer user's (as GetId treats it, vouchedFor).
		return "", "", invalidParameter(op, "Logins may not hold a "+CognitoProvider+" token: the developer provider names the user.")
	}
	verified, err := s.verifyLogins(ctx, op, p, others)
	if err != nil {
		return "", "", err
	}
	verified = append(verified, login{provider: dev, subject: user})
	if id != "" {
		if err := checkIdentityID(op, id); err != nil {
			return "", "", err
		}
	}
	var ident *Identity
	err = s.docs.Update(ctx, func(tx wicket.DocTx) error {
		p, err := loadPool(tx, op, poolID)
		if err != nil {
			return err
		}
		devLogin := login{provider: dev, subject: user}
		owner, err := linked(tx, p.ID, devLogin)
		if err != nil {
			return err
		}
		if id != "" && owner != "" && owner != id {
			return coded(op, wicket.Conflict, "DeveloperUserAlreadyRegisteredException",
				"The provided developer user identifier is already registered with Cognito under a different identity ID.")
		}
		ident, err = s.link(tx, op, p, id, verified)
		return err
	})
	if ident != nil {
		s.identityCache.drop(ident.ID)
	}
	if err != nil {
		return "", "", err
	}
	amr := amrOf(verified)
	tok, err := s.openIDToken(ctx, p.ID, ident.ID, amr, life, tags)
	return ident.ID, tok, err
}

// DeveloperLookup asks LookupDeveloperIdentity for an identity by
// developer user identifier, or for the developer user identifiers of an
// identity.
type DeveloperLookup struct {
	Pool       string
	IdentityID string
	User       string // the DeveloperUserIdentifier
	MaxResults int    // of user identifiers, 1 to 60; 0 means 60
	NextToken  string // from the page before
}

// DeveloperIdentity is an identity and a page of its developer user
// identifiers, in order, and the token of the next page if there is one.
type DeveloperIdentity struct {
	IdentityID string
	Users      []string
	NextToken  string
}

const maxLookupResults = 60

// LookupDeveloperIdentity finds an identity by developer user identifier,
// or the developer user identifiers of an identity. Given both, it checks
// that they belong together (ResourceConflictException if not), as AWS
// does.
func (s *Service) LookupDeveloperIdentity(ctx context.Context, q DeveloperLookup) (*DeveloperIdentity, error) {
	const op = "LookupDeveloperIdentity"
	if q.IdentityID == "" && q.User == "" {
		return nil, invalidParameter(op, "Either IdentityId or DeveloperUserIdentifier must be given.")
	}
	limit := q.MaxResults
	if limit == 0 {
		limit = maxLookupResults
	}
	if limit < 1 || limit > maxLookupResults {
		return nil, invalidParameter(op, fmt.Sprintf("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and %d", q.MaxResults, maxLookupResults))
	}
	// The token is the last identifier of the page before: identifiers
	// are any text, so it is encoded to stay a token.
	after, err := base64.RawURLEncoding.DecodeString(q.NextToken)
	if err != nil {
		return nil, invalidParameter(op, "The pagination token is not valid.")
	}
	var out DeveloperIdentity
	err = s.docs.View(ctx, func(tx wicket.DocReader) error {
		p, err := loadPool(tx, op, q.Pool)
		if err != nil {
			return err
		}
		if p.DeveloperProviderName == "" {
			return notFound(op, "The identity pool has no developer provider name.")
		}
		id := q.IdentityID
		if q.User != "" {
			owner, err := linked(tx, p.ID, login{provider: p.DeveloperProviderName, subject: q.User})
			if err != nil {
				return err
			}
			switch {
			case id != "" && owner != id:
				return conflict(op, "The developer user identifier is not associated with this identity.")
			case owner == "":
				return notFound(op, "No identity is registered for this developer user identifier.")
			}
			id = owner
		}
		ident, err := loadIdentity(tx, op, id)
		if err != nil {
			return err
		}
		if ident.Pool != p.ID {
			return notFound(op, fmt.Sprintf("Identity '%s' not found.", id))
		}
		if q.IdentityID != "" && q.User != "" {
			// Both given and matching: the answer is the question.
			out.IdentityID, out.Users = ident.ID, []string{q.User}
			return nil
		}
		users := slices.Sorted(slices.Values(ident.Logins[p.DeveloperProviderName]))
		start, found := slices.BinarySearch(users, string(after))
		if found {
			start++
		}
		page := users[start:]
		if len(page) > limit {
			page = page[:limit]
			out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(page[limit-1]))
		}
		out.IdentityID, out.Users = ident.ID, page
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// MergeDeveloperIdentities gives the destination user's identity the
// source user and every other login of the source user's identity, and
// deletes that identity: Cognito "associates the given source user with
// the IdentityId of the DestinationUserIdentifier". Merging users of one
// identity changes nothing.
func (s *Service) MergeDeveloperIdentities(ctx context.Context, poolID, provider, source, dest string) (string, error) {
	const op = "MergeDeveloperIdentities"
	var out string
	var gone string
	err := s.docs.Update(ctx, func(tx wicket.DocTx) error {
		p, err := loadPool(tx, op, poolID)
		if err != nil {
			return err
		}
		if p.DeveloperProviderName == "" || p.DeveloperProviderName != provider {
			return invalidParameter(op, "DeveloperProviderName does not match the identity pool's.")
		}
		srcID, err := linked(tx, poolID, login{provider: provider, subject: source})
		if err != nil {
			return err
		}
		dstID, err := linked(tx, poolID, login{provider: provider, subject: dest})
		if err != nil {
			return err
		}
		if srcID == "" || dstID == "" {
			return notFound(op, "The developer user identifier is not registered in this identity pool.")
		}
		if srcID == dstID {
			out = dstID
			return nil
		}
		src, err := loadIdentity(tx, op, srcID)
		if err != nil {
			return err
		}
		dst, err := loadIdentity(tx, op, dstID)
		if err != nil {
			return err
		}
		for prov := range src.Logins {
			if prov != provider && len(dst.Logins[prov]) > 0 {
				return conflict(op, fmt.Sprintf("Both identities have a login of %s.", prov))
			}
		}
		if n := src.loginCount() + dst.loginCount(); n > maxLinkedLogins {
			return invalidParameter(op, fmt.Sprintf("The identities have %d linked logins together, more than the %d one identity may have.", n, maxLinkedLogins))
		}
		if err := deleteIdentityTx(tx, srcID); err != nil {
			return err
		}
		// A source user that a version before merged into srcID without
		// listing it moves too.
		if l := (login{provider: provider, subject: source}); !src.has(l) {
			src.add(l)
		}
		for prov, subjects := range src.Logins {
			for _, subj := range subjects {
				dst.add(login{provider: prov, subject: subj})
				if err := tx.Put(collLogins, loginKey(poolID, prov, subj), []byte(dstID)); err != nil {
					return err
				}
			}
		}
		dst.Modified = s.now()
		if err := jsondoc.Put(tx, collIdentities, dstID, dst); err != nil {
			return err
		}
		out, gone = dstID, srcID
		return s.revokeTx(tx, "identity/"+srcID)
	})
	if err == nil && gone != "" {
		s.uncount(poolID, 1)
		s.noteRevoked("identity/" + gone)
		s.identityCache.drop(gone)
		s.identityCache.drop(out)
	}
	return out, err
}

// UnlinkDeveloperIdentity removes a developer user identifier from an
// identity.
func (s *Service) UnlinkDeveloperIdentity(ctx context.Context, poolID, id, provider, user string) error {
	const op = "UnlinkDeveloperIdentity"
	defer s.identityCache.drop(id)
	return s.docs.Update(ctx, func(tx wicket.DocTx) error {
		p, err := loadPool(tx, op, poolID)
		if err != nil {
			return err
		}
		if p.DeveloperProviderName != provider {
			return invalidParameter(op, "DeveloperProviderName does not match the identity pool's.")
		}
		ident, err := loadIdentity(tx, op, id)
		if err != nil {
			return err
		}
		owner, err := linked(tx, poolID, login{provider: provider, subject: user})
		if err != nil {
			return err
		}
		if owner != id {
			return notFound(op, "The developer user identifier is not linked to this identity.")
		}
		if _, err := tx.Delete(collLogins, loginKey(poolID, provider, user)); err != nil {
			return err
		}
		ident.remove(login{provider: provider, subject: user})
		ident.Modified = s.now()
		return jsondoc.Put(tx, collIdentities, id, ident)
	})
}
