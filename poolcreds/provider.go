package poolcreds

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/smithy-go"
)

// Source is the Source of the credentials a Provider returns.
const Source = "poolcreds"

// DefaultExpiryWindow is how long before they expire a Provider replaces
// credentials unless Options say otherwise: enough for a presigned URL made
// at the last moment to be of some use, and for a slow refresh to finish.
const DefaultExpiryWindow = 5 * time.Minute

// refreshTimeout bounds one refresh (GetId and GetCredentialsForIdentity,
// with the SDK's retries). A refresh outlives the caller that started it,
// so it needs a bound of its own.
const refreshTimeout = time.Minute

// Options configure a Provider. Only IdentityPoolID is required.
type Options struct {
	// IdentityPoolID is the pool, "region:uuid".
	IdentityPoolID string

	// Region is the pool's region. Empty means the part of IdentityPoolID
	// before the colon, as Amplify derives it.
	Region string

	// Endpoint is the base URL of the Cognito Identity API, such as a
	// Wicket endpoint (https://wicket.example.com). Empty means AWS's,
	// cognito-identity.<region>.amazonaws.com.
	Endpoint string

	// Logins are the login tokens of a logged-in user, by provider name
	// (accounts.google.com, an OpenID issuer's host, or
	// cognito-identity.amazonaws.com for a developer-authenticated
	// identity's token). None means a guest.
	Logins map[string]string

	// LoginsFunc, instead of Logins, returns the tokens at each refresh,
	// for tokens that expire before the user's session does. Its provider
	// names should not change, since the identity is cached under them.
	LoginsFunc func(ctx context.Context) (map[string]string, error)

	// CustomRoleArn picks one of the roles that the pool's rules allow a
	// logged-in user, when the user may have several.
	CustomRoleArn string

	// HTTPClient sends the Cognito Identity calls. Nil means the SDK's
	// default client.
	HTTPClient aws.HTTPClient

	// Clock tells the time for deciding when to refresh. Nil means the
	// machine's clock.
	Clock Clock

	// ExpiryWindow is how long before the credentials expire they are
	// replaced: the least time that credentials from Retrieve, and URLs
	// presigned with them, have left. Zero means DefaultExpiryWindow. It
	// must be well under the credentials' life (an hour), or every call
	// refreshes.
	ExpiryWindow time.Duration

	// IdentityCache keeps identity ids, so that a guest remains the same
	// identity. Nil means a MemoryCache of the Provider's own.
	IdentityCache IdentityCache
}

// Clock tells the time. Wicket's own wicket.Clock is one.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// IdentityCache keeps identity ids under keys that a Provider makes of the
// pool id and the sorted names of the login providers, so that a guest's
// identity and a logged-in user's are kept apart (the JavaScript SDK's
// CognitoIdentityCredentials stores the providers' names beside its cached
// id for the same reason). Its methods may be called from several
// goroutines at once. A cache that can fail (a file, a keychain) treats a
// failed read as a miss and reports failures its own way: a Provider can
// always get a new identity, and its callers want credentials, not the
// cache's troubles.
//
// An identity id is not a secret the way a key is, but anyone who knows a
// guest's identity id can get that guest's credentials: keep a persistent
// cache where only its user can read it.
type IdentityCache interface {
	Get(key string) (id string, ok bool)
	Put(key, id string)
	Delete(key string)
}

// MemoryCache is an IdentityCache in memory, safe for concurrent use. Its
// zero value is ready to use; Providers that share one share identities.
type MemoryCache struct {
	mu  sync.Mutex
	ids map[string]string
}

var _ IdentityCache = (*MemoryCache)(nil)

// Get returns the id stored under key.
func (m *MemoryCache) Get(key string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id, ok := m.ids[key]
	return id, ok
}

// Put stores id under key.
func (m *MemoryCache) Put(key, id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ids == nil {
		m.ids = map[string]string{}
	}
	m.ids[key] = id
}

// Delete forgets key.
func (m *MemoryCache) Delete(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.ids, key)
}

// Provider is an aws.CredentialsProvider of an identity pool's credentials.
// It is safe for concurrent use: however many goroutines ask, one refresh
// is in flight at a time; while it runs, the others get the credentials
// that still work, or wait for the new ones when none do.
type Provider struct {
	pool       string
	logins     func(context.Context) (map[string]string, error)
	customRole *string
	clock      Clock
	window     time.Duration
	cache      IdentityCache
	client     *ci.Client
	err        error // a mistake in the Options, returned by every call

	// idLock is held while an identity id is looked up, so that
	// IdentityID and a refresh running at once make one GetId.
	idLock chan struct{}

	mu       sync.Mutex
	creds    aws.Credentials
	id       string   // the identity of creds
	inflight *refresh // nil when no refresh runs
}

var _ aws.CredentialsProvider = (*Provider)(nil)

// refresh is one run of GetId and GetCredentialsForIdentity, which callers
// wait for; its fields are set before done is closed.
type refresh struct {
	done  chan struct{}
	creds aws.Credentials
	err   error
}

// New returns a Provider. A mistake in o (no pool id, both Logins and
// LoginsFunc) is returned by the Provider's methods.
func New(o Options) *Provider {
	p := &Provider{pool: o.IdentityPoolID, clock: o.Clock, window: o.ExpiryWindow, cache: o.IdentityCache,
		idLock: make(chan struct{}, 1)}
	if p.clock == nil {
		p.clock = systemClock{}
	}
	if p.window <= 0 {
		p.window = DefaultExpiryWindow
	}
	if p.cache == nil {
		p.cache = new(MemoryCache)
	}
	if o.CustomRoleArn != "" {
		p.customRole = aws.String(o.CustomRoleArn)
	}
	switch {
	case o.LoginsFunc != nil && o.Logins != nil:
		p.err = errors.New("poolcreds: set Logins or LoginsFunc, not both")
	case o.LoginsFunc != nil:
		p.logins = o.LoginsFunc
	default:
		// A copy, so that the caller may reuse its map.
		logins := maps.Clone(o.Logins)
		p.logins = func(context.Context) (map[string]string, error) { return logins, nil }
	}
	region := o.Region
	if region == "" {
		region, _, _ = strings.Cut(o.IdentityPoolID, ":")
	}
	if !strings.Contains(o.IdentityPoolID, ":") {
		p.err = fmt.Errorf("poolcreds: identity pool id %q is not region:uuid", o.IdentityPoolID)
	}
	co := ci.Options{
		Region: region,
		// GetId and GetCredentialsForIdentity are unsigned calls: the pool
		// needs no credentials to hand some out, and the client must not
		// go looking for any in the environment.
		Credentials: aws.AnonymousCredentials{},
		HTTPClient:  o.HTTPClient,
	}
	if o.Endpoint != "" {
		co.BaseEndpoint = aws.String(o.Endpoint)
	}
	p.client = ci.New(co)
	return p
}

// Retrieve returns credentials of the pool's identity, from the last
// refresh while they are more than the expiry window from expiring, and
// from a new GetCredentialsForIdentity otherwise. A refresh that fails
// while the old credentials still work returns the old ones; the next
// call tries again.
func (p *Provider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if p.err != nil {
		return aws.Credentials{}, p.err
	}
	now := p.clock.Now()
	p.mu.Lock()
	old := p.creds
	if old.HasKeys() && now.Add(p.window).Before(old.Expires) {
		p.mu.Unlock()
		return old, nil
	}
	r := p.inflight
	switch {
	case r == nil:
		r = &refresh{done: make(chan struct{})}
		p.inflight = r
		// The refresh is shared, so one caller's cancellation must not
		// fail it for the others; refreshTimeout bounds it instead.
		go p.refresh(context.WithoutCancel(ctx), r)
	case old.HasKeys() && now.Before(old.Expires):
		p.mu.Unlock()
		return old, nil
	}
	p.mu.Unlock()

	select {
	case <-r.done:
	case <-ctx.Done():
		return aws.Credentials{}, ctx.Err()
	}
	if r.err != nil {
		if old.HasKeys() && p.clock.Now().Before(old.Expires) {
			return old, nil
		}
		return aws.Credentials{}, r.err
	}
	return r.creds, nil
}

func (p *Provider) refresh(ctx context.Context, r *refresh) {
	ctx, cancel := context.WithTimeout(ctx, refreshTimeout)
	defer cancel()
	id, c, err := p.fetch(ctx)
	p.mu.Lock()
	if err == nil {
		p.creds, p.id = c, id
	}
	r.creds, r.err = c, err
	p.inflight = nil
	p.mu.Unlock()
	close(r.done)
}

// IdentityID returns the identity whose credentials Retrieve returns: the
// one of the last refresh, else the cached one, else a new one from GetId.
func (p *Provider) IdentityID(ctx context.Context) (string, error) {
	if p.err != nil {
		return "", p.err
	}
	p.mu.Lock()
	id := p.id
	p.mu.Unlock()
	if id != "" {
		return id, nil
	}
	logins, err := p.logins(ctx)
	if err != nil {
		return "", fmt.Errorf("poolcreds: logins: %w", err)
	}
	id, _, err = p.identity(ctx, cacheKey(p.pool, logins), logins, false)
	return id, err
}

// fetch gets credentials, and the identity they are for.
func (p *Provider) fetch(ctx context.Context) (string, aws.Credentials, error) {
	logins, err := p.logins(ctx)
	if err != nil {
		return "", aws.Credentials{}, fmt.Errorf("poolcreds: logins: %w", err)
	}
	key := cacheKey(p.pool, logins)
	id, cached, err := p.identity(ctx, key, logins, false)
	if err != nil {
		return "", aws.Credentials{}, err
	}
	c, err := p.credentials(ctx, id, logins)
	if err != nil && cached && stale(err) {
		// The cached identity is gone, or no longer answers to these
		// logins (a guest's identity that a login was linked to, another
		// user's after a change of account): ask GetId, as a first run
		// would, once.
		p.cache.Delete(key)
		if id, _, err = p.identity(ctx, key, logins, true); err != nil {
			return "", aws.Credentials{}, err
		}
		c, err = p.credentials(ctx, id, logins)
	}
	if err != nil {
		return "", aws.Credentials{}, err
	}
	return id, c, nil
}

// identity returns the cached identity id under key (cached is then true),
// else one from GetId, which it caches. fresh skips the cache.
func (p *Provider) identity(ctx context.Context, key string, logins map[string]string, fresh bool) (id string, cached bool, err error) {
	select {
	case p.idLock <- struct{}{}:
	case <-ctx.Done():
		return "", false, ctx.Err()
	}
	defer func() { <-p.idLock }()
	if !fresh {
		if id, ok := p.cache.Get(key); ok && id != "" {
			return id, true, nil
		}
	}
	out, err := p.client.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(p.pool), Logins: logins})
	if err != nil {
		return "", false, fmt.Errorf("poolcreds: %w", err)
	}
	if out.IdentityId == nil || *out.IdentityId == "" {
		return "", false, errors.New("poolcreds: GetId answered no identity id")
	}
	p.cache.Put(key, *out.IdentityId)
	return *out.IdentityId, false, nil
}

// credentials calls GetCredentialsForIdentity.
func (p *Provider) credentials(ctx context.Context, id string, logins map[string]string) (aws.Credentials, error) {
	out, err := p.client.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{
		IdentityId: aws.String(id), Logins: logins, CustomRoleArn: p.customRole})
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("poolcreds: %w", err)
	}
	c := out.Credentials
	if c == nil || c.AccessKeyId == nil || c.SecretKey == nil || c.Expiration == nil {
		return aws.Credentials{}, errors.New("poolcreds: GetCredentialsForIdentity answered no credentials")
	}
	return aws.Credentials{
		AccessKeyID:     *c.AccessKeyId,
		SecretAccessKey: *c.SecretKey,
		SessionToken:    aws.ToString(c.SessionToken),
		Source:          Source,
		CanExpire:       true,
		Expires:         *c.Expiration,
	}, nil
}

// stale reports whether GetCredentialsForIdentity refused a cached
// identity in a way that GetId may mend: ResourceNotFoundException (the
// identity was deleted), NotAuthorizedException or
// ResourceConflictException (the logins belong to another identity, or the
// identity now needs logins). A second refusal is returned.
func stale(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "ResourceNotFoundException", "NotAuthorizedException", "ResourceConflictException":
		return true
	}
	return false
}

// cacheKey is the pool id and the sorted login provider names, separated by
// spaces, which neither holds.
func cacheKey(pool string, logins map[string]string) string {
	names := make([]string, 0, len(logins)+1)
	for name := range logins {
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(append([]string{pool}, names...), " ")
}
