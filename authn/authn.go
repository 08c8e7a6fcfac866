// Package authn turns an HTTP request into the Principal that made it: it
// verifies the SigV4 signature (header or presigned query) against the
// credentials it knows, or finds the request anonymous. Handlers never check
// signatures themselves.
package authn

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/sigv4"
	"github.com/wicket-io/wicket/sts/keyring"
)

// Account is the account id in the ARNs Wicket makes, as LocalStack and
// MinIO use a fixed one.
const Account = "000000000000"

// Options configure an Authenticator.
type Options struct {
	Root wicket.RootCredentials
	// Keys finds access keys other than root's (IAM users); nil knows none.
	Keys Keys
	// Sessions opens the session tokens of temporary credentials; nil
	// refuses every token. Revoked, when set, refuses revoked ones.
	Sessions Sessions
	Revoked  func(*wicket.SessionClaims) bool
	Region   string
	Service  string // the API this authenticator guards: s3, sts, iam, cognito-identity
	Clock    wicket.Clock
}

// Keys finds the secret of an access key and the principal it belongs to.
// An unknown (or inactive) key is an error wrapping
// sigv4.ErrUnknownAccessKey. The iam service is one.
type Keys interface {
	LookupKey(ctx context.Context, accessKeyID string) (secret string, p *wicket.Principal, err error)
}

// Sessions opens sealed session tokens; sts/keyring's Keyring is one.
type Sessions interface {
	Open(accessKeyID, sessionToken string, now time.Time) (*keyring.Claims, string, error)
}

// Authenticator verifies requests for one API.
type Authenticator struct {
	root          wicket.RootCredentials
	keys          Keys
	sessions      Sessions
	revoked       func(*wicket.SessionClaims) bool
	clock         wicket.Clock
	rootPrincipal *wicket.Principal
	// sessionCache holds opened session tokens by token.
	sessionCache sessionCache
	verifier     *sigv4.Verifier
}

// New returns an Authenticator.
func New(o Options) *Authenticator {
	a := &Authenticator{root: o.Root, keys: o.Keys, sessions: o.Sessions, revoked: o.Revoked, clock: o.Clock}
	// Shared by every root request, as session principals are: nobody
	// modifies a principal once authentication made it.
	a.rootPrincipal = &wicket.Principal{Type: wicket.Root, ARN: "arn:aws:iam::" + Account + ":root",
		AccessKeyID: o.Root.AccessKeyID, Account: Account, ID: Account}
	if a.clock == nil {
		a.clock = wicket.SystemClock{}
	}
	a.verifier = sigv4.NewVerifier(sigv4.VerifierOptions{
		Secret:  a.secret,
		Region:  o.Region,
		Service: o.Service,
	})
	return a
}

// secret is the verifier's credential lookup. The access key id is compared
// in constant time as well, so that response timing does not reveal how
// much of a guessed key id matched.
func (a *Authenticator) secret(accessKeyID, sessionToken string) (string, error) {
	if subtle.ConstantTimeCompare([]byte(accessKeyID), []byte(a.root.AccessKeyID)) == 1 {
		if sessionToken != "" {
			return "", sigv4.ErrInvalidToken
		}
		return a.root.SecretAccessKey, nil
	}
	if sessionToken != "" {
		e, err := a.session(accessKeyID, sessionToken)
		if err != nil {
			return "", err
		}
		return e.secret, nil
	}
	if a.keys != nil {
		secret, _, err := a.keys.LookupKey(context.Background(), accessKeyID)
		return secret, err
	}
	return "", sigv4.ErrUnknownAccessKey
}

// session opens a session token, refusing expired and revoked ones. The
// principal it makes is cached by token: every request of a session
// carries the same token, and the principal never changes (revocation and
// expiry are checked on every call, not cached).
func (a *Authenticator) session(accessKeyID, token string) (*sessionEntry, error) {
	if a.sessions == nil {
		return nil, sigv4.ErrInvalidToken
	}
	now := a.clock.Now()
	e := a.sessionCache.get(token)
	if e == nil || subtle.ConstantTimeCompare([]byte(e.accessKeyID), []byte(accessKeyID)) != 1 {
		c, secret, err := a.sessions.Open(accessKeyID, token, now)
		switch {
		case errors.Is(err, keyring.ErrExpiredToken):
			return nil, fmt.Errorf("%w: %w", sigv4.ErrExpiredToken, err)
		case err != nil:
			return nil, fmt.Errorf("%w: %w", sigv4.ErrInvalidToken, err)
		}
		e = &sessionEntry{accessKeyID: accessKeyID, secret: secret, principal: sessionPrincipal(accessKeyID, c)}
		a.sessionCache.put(token, e)
	}
	if !now.Before(e.principal.Claims.Expires) {
		return nil, fmt.Errorf("%w: expired at %s", sigv4.ErrExpiredToken, e.principal.Claims.Expires.Format(time.RFC3339))
	}
	if a.revoked != nil && a.revoked(e.principal.Claims) {
		return nil, fmt.Errorf("%w: credentials revoked", sigv4.ErrInvalidToken)
	}
	return e, nil
}

// sessionEntry is an opened session token. Its principal is shared by
// every request of the session: nobody may modify it.
type sessionEntry struct {
	accessKeyID string
	secret      string
	principal   *wicket.Principal
}

// maxSessionEntries bounds the cache of opened tokens; past it, the cache
// starts over.
const maxSessionEntries = 1 << 16

type sessionCache struct {
	mu sync.RWMutex
	m  map[string]*sessionEntry
}

func (c *sessionCache) get(token string) *sessionEntry {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[token]
}

func (c *sessionCache) put(token string, e *sessionEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxSessionEntries {
		c.m = make(map[string]*sessionEntry)
	}
	c.m[token] = e
}

// sessionClaims is the root package's view of a token's claims.
func sessionClaims(c *keyring.Claims) *wicket.SessionClaims {
	return &wicket.SessionClaims{Role: c.Role, RoleID: c.RoleID, Name: c.Session, Subject: c.Subject, Pool: c.Pool,
		AMR: c.AMR, Provider: c.Provider, Audience: c.Audience, User: c.User, SourceUser: c.SourceUser,
		Policy: c.Policy, PolicyARNs: c.PolicyARNs, ScopeDown: c.ScopeDown, Tags: c.Tags, Issued: c.Issued, Expires: c.Expires}
}

// sessionPrincipal is the principal of temporary credentials: an assumed
// role's session, an IAM user's session (GetSessionToken), or root's.
func sessionPrincipal(accessKeyID string, c *keyring.Claims) *wicket.Principal {
	sc := sessionClaims(c)
	p := &wicket.Principal{Type: wicket.Session, AccessKeyID: accessKeyID, Account: Account, Claims: sc}
	switch {
	case c.Role != "":
		name := c.Role[strings.LastIndexByte(c.Role, '/')+1:]
		p.ARN = "arn:aws:sts::" + Account + ":assumed-role/" + name + "/" + c.Session
		p.ID = c.RoleID + ":" + c.Session
	case c.User != "":
		p.ARN, p.Name = c.SourceUser, c.User
	default:
		// Root's own session token: root's powers, for as long as it lasts.
		p.Type, p.ARN, p.ID = wicket.Root, "arn:aws:iam::"+Account+":root", Account
	}
	return p
}

// principal is the owner of an access key that has just verified.
func (a *Authenticator) principal(accessKeyID string) (*wicket.Principal, error) {
	if subtle.ConstantTimeCompare([]byte(accessKeyID), []byte(a.root.AccessKeyID)) == 1 {
		return a.rootPrincipal, nil
	}
	if a.keys == nil {
		return nil, sigv4.ErrUnknownAccessKey
	}
	_, p, err := a.keys.LookupKey(context.Background(), accessKeyID)
	return p, err
}

// sessionError turns a session refused after its signature verified into
// SigV4's error for it.
func sessionError(err error) error {
	if errors.Is(err, sigv4.ErrExpiredToken) {
		return &sigv4.Error{Status: http.StatusBadRequest, Code: sigv4.CodeExpiredToken, Message: "The provided token has expired.", Err: err}
	}
	return &sigv4.Error{Status: http.StatusBadRequest, Code: sigv4.CodeInvalidToken, Message: "The provided token is malformed or otherwise invalid.", Err: err}
}

// lookupError turns a failed lookup after a good signature (the key was
// deleted in between) into SigV4's error for an unknown key.
func lookupError(err error) error {
	if errors.Is(err, sigv4.ErrUnknownAccessKey) {
		return &sigv4.Error{Status: http.StatusForbidden, Code: sigv4.CodeInvalidAccessKeyID,
			Message: "The AWS Access Key Id you provided does not exist in our records.", Err: err}
	}
	return err
}

// Anonymous returns the principal of an unsigned request.
func Anonymous() *wicket.Principal { return &wicket.Principal{Type: wicket.Anonymous, ARN: "*"} }

// Authenticate verifies r. payloadHash is as for sigv4.Verifier.Verify. An
// unsigned request yields the anonymous principal and a nil Auth.
func (a *Authenticator) Authenticate(r *http.Request, payloadHash string) (*wicket.Principal, *sigv4.Auth, error) {
	if !sigv4.IsSigned(r) {
		return Anonymous(), nil, nil
	}
	auth, err := a.verifier.Verify(r, a.clock.Now(), payloadHash)
	if err != nil {
		return nil, nil, err
	}
	if auth.SessionToken != "" {
		e, err := a.session(auth.AccessKeyID, auth.SessionToken)
		if err != nil {
			// Expired or revoked between the signature check and now.
			return nil, nil, sessionError(err)
		}
		return e.principal, auth, nil
	}
	p, err := a.principal(auth.AccessKeyID)
	if err != nil {
		return nil, nil, lookupError(err)
	}
	return p, auth, nil
}

// SigningKey returns the SigV4 signing key of an access key for one date
// (YYYYMMDD), region and service, and the principal the key belongs to. It
// serves signatures made over something other than the HTTP request, such
// as the policy of a browser POST upload, which S3 verifies itself. It
// fails with sigv4.ErrUnknownAccessKey, ErrInvalidToken or ErrExpiredToken
// (possibly wrapped) when the key cannot sign.
//
// Dangerous: the key is as sensitive as the secret for that day, region
// and service. Use it at once; never log it or keep it.
func (a *Authenticator) SigningKey(accessKeyID, sessionToken, date, region, service string) ([]byte, *wicket.Principal, error) {
	if sessionToken != "" {
		e, err := a.session(accessKeyID, sessionToken)
		if err != nil {
			return nil, nil, err
		}
		return sigv4.SigningKey(e.secret, date, region, service), e.principal, nil
	}
	secret, err := a.secret(accessKeyID, sessionToken)
	if err != nil {
		return nil, nil, err
	}
	p, err := a.principal(accessKeyID)
	if err != nil {
		return nil, nil, err
	}
	return sigv4.SigningKey(secret, date, region, service), p, nil
}

// Now returns the authenticator's time, for callers that check expiries
// consistently with it.
func (a *Authenticator) Now() time.Time { return a.clock.Now() }

// Audit logs a request made with identity-pool credentials — who (identity
// id, how it authenticated, pool, role) and from where — as the audit
// trail of guest access. Other requests are the request log's.
func Audit(log *slog.Logger, r *http.Request, api string, p *wicket.Principal) {
	if p == nil || p.Claims == nil || p.Claims.Pool == "" {
		return
	}
	c := p.Claims
	host := SourceIP(r)
	log.Info("request with identity pool credentials", "api", api, "method", r.Method, "path", r.URL.Path,
		"identity_id", c.Subject, "amr", c.AMR, "pool", c.Pool, "role", c.Role, "source_ip", host,
		"request_id", wicket.RequestID(r.Context()))
}
