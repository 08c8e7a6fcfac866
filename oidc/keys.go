package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wicket-io/wicket"
)

// Bounds on talking to a provider.
const (
	// FetchTimeout bounds one fetch of a provider's keys: the discovery
	// document and the key set, redirects included, whatever the
	// HTTPClient's own timeout.
	FetchTimeout = 10 * time.Second
	// MaxResponseSize bounds the discovery document and the key set. Real
	// ones are a few kilobytes.
	MaxResponseSize = 1 << 20

	maxIssuers   = 1024            // issuers are configured; past this many, one is forgotten
	maxRedirects = 5               // for the default client
	retryAfter   = 5 * time.Second // after a failed fetch, the next waits this long (or MinRefresh, if shorter)
)

const opFetch = "oidc.fetchKeys"

// issuerKeys is the cache of one issuer's keys.
type issuerKeys struct {
	mu        sync.Mutex
	set       *keySet   // the keys of the last good fetch; nil before one
	fetchedAt time.Time // when set was fetched
	triedAt   time.Time // when the last fetch, good or bad, began
	lastErr   error     // the last fetch's error, nil if it was good
	call      *fetch    // the fetch under way, if any
}

// keySet is a provider's usable keys as one fetch found them. It may be
// empty: a provider can publish no key that Wicket verifies with.
type keySet struct {
	keys []*key
}

// A fetch is a fetch under way that every caller wanting the keys waits
// for, so that concurrent verifications cost the provider one request.
type fetch struct {
	done chan struct{}
	set  *keySet
	err  error
}

// issuerState returns the cache of issuer's keys, making it if need be.
func (v *Verifier) issuerState(issuer string) *issuerKeys {
	c := v.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.issuers[issuer]
	if st == nil {
		if len(c.issuers) >= maxIssuers {
			for old := range c.issuers {
				delete(c.issuers, old) // a fetch under way still holds its state
				break
			}
		}
		st = &issuerKeys{}
		c.issuers[issuer] = st
	}
	return st
}

// keys returns the issuer's key set, fetching it when the cache has none
// or holds one older than CacheTTL, and, when refresh is set (a token names
// a key the set lacks), when the last fetch began at least MinRefresh ago.
// A fetch under way is shared by the callers that need it; one that does
// not (refresh is not set and the cache holds a set younger than CacheTTL)
// gets the cached set without waiting. Otherwise a token with a made-up key
// id, which forces a fetch, would hold up every login of the provider for
// as long as the provider takes to answer, up to FetchTimeout.
//
// The error reports a failed fetch. The set returned with it, if any, is
// the last good one, still usable for up to twice CacheTTL after it was
// fetched so that a provider's brief outage does not stop logins; when a
// key is missing from it, the caller cannot tell a rotated key from a
// forged one and must report the outage rather than a bad token.
func (v *Verifier) keys(ctx context.Context, issuer string, st *issuerKeys, refresh bool) (*keySet, error) {
	st.mu.Lock()
	now := v.clock.Now()
	c := st.call
	switch {
	case c == nil:
		if !v.due(st, now, refresh) {
			set, err := v.cached(st, now)
			if refresh && err == nil {
				err = st.lastErr // a forced fetch failed moments ago
			}
			st.mu.Unlock()
			return set, err
		}
		c = &fetch{done: make(chan struct{})}
		st.call, st.triedAt = c, now
		// The fetch runs on its own so that the caller who started it can
		// give up (its context ends) without failing the others waiting.
		go v.run(context.WithoutCancel(ctx), issuer, st, c)
	case !refresh:
		if set, err := v.cached(st, now); set != nil && err == nil {
			st.mu.Unlock()
			return set, nil
		}
	}
	st.mu.Unlock()

	select {
	case <-c.done:
	case <-ctx.Done():
		return nil, wicket.E(opFetch, wicket.Unavailable, "The request ended before the identity provider's keys were fetched.", ctx.Err())
	}
	if c.err == nil {
		return c.set, nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	set, _ := v.cached(st, v.clock.Now())
	return set, c.err
}

// due reports whether st's keys must be fetched now. st.mu is held.
func (v *Verifier) due(st *issuerKeys, now time.Time, refresh bool) bool {
	sinceTry := now.Sub(st.triedAt)
	if st.set == nil || now.Sub(st.fetchedAt) >= v.o.CacheTTL {
		// Nothing usable, or stale: fetch, unless a fetch failed moments
		// ago; a provider that is down is not asked again for every login.
		return st.lastErr == nil || sinceTry >= min(retryAfter, v.o.MinRefresh)
	}
	return refresh && sinceTry >= v.o.MinRefresh
}

// cached returns st's set if it is still usable at now, with the error of
// the failed fetch that left it stale. st.mu is held.
func (v *Verifier) cached(st *issuerKeys, now time.Time) (*keySet, error) {
	switch age := now.Sub(st.fetchedAt); {
	case st.set == nil:
		return nil, st.lastErr
	case age < v.o.CacheTTL:
		return st.set, nil
	case age < 2*v.o.CacheTTL:
		return st.set, st.lastErr
	default:
		return nil, st.lastErr
	}
}

// run fetches the issuer's keys for the callers waiting on c.
func (v *Verifier) run(ctx context.Context, issuer string, st *issuerKeys, c *fetch) {
	ctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	keys, err := v.fetchKeys(ctx, issuer)

	st.mu.Lock()
	if err == nil {
		st.set = &keySet{keys: keys}
		st.fetchedAt = v.clock.Now()
		c.set = st.set
	}
	st.lastErr, c.err = err, err
	st.call = nil
	st.mu.Unlock()
	close(c.done)
}

// fetchKeys follows OpenID Connect Discovery 1.0 from issuer to its keys:
// the discovery document, which must name exactly this issuer (section
// 4.3: otherwise a document could claim keys for another issuer), then the
// key set at its jwks_uri.
func (v *Verifier) fetchKeys(ctx context.Context, issuer string) ([]*key, error) {
	discovery := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	body, err := v.get(ctx, discovery)
	if err != nil {
		return nil, wicket.E(opFetch, wicket.Unavailable, "Couldn't fetch the OpenID configuration of "+issuer+".", err)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, wicket.E(opFetch, wicket.Unavailable, "The OpenID configuration of "+issuer+" is not valid.", err)
	}
	if doc.Issuer != issuer {
		return nil, wicket.E(opFetch, wicket.Unavailable, "The OpenID configuration of "+issuer+" names another issuer.",
			fmt.Errorf("%s names issuer %s", discovery, quote(doc.Issuer)))
	}
	if err := v.checkURL(doc.JWKSURI); err != nil {
		return nil, wicket.E(opFetch, wicket.Unavailable, "The OpenID configuration of "+issuer+" has no valid jwks_uri.", err)
	}
	body, err = v.get(ctx, doc.JWKSURI)
	if err != nil {
		return nil, wicket.E(opFetch, wicket.Unavailable, "Couldn't fetch the signing keys of "+issuer+".", err)
	}
	keys, err := parseJWKS(body)
	if err != nil {
		return nil, wicket.E(opFetch, wicket.Unavailable, "The signing keys of "+issuer+" are not a valid JWK set.", err)
	}
	return keys, nil
}

// get fetches u and returns its body, which must come with status 200, at
// most MaxResponseSize bytes, and (unless AllowHTTP) over HTTPS however the
// client was redirected.
func (v *Verifier) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if err := v.checkScheme(resp.Request.URL); err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	if resp.ContentLength > MaxResponseSize {
		return nil, fmt.Errorf("GET %s: %d bytes, more than %d", u, resp.ContentLength, MaxResponseSize)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseSize+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if len(body) > MaxResponseSize {
		return nil, fmt.Errorf("GET %s: more than %d bytes", u, MaxResponseSize)
	}
	return body, nil
}

// checkURL checks that s is an absolute URL Wicket may fetch keys from.
func (v *Verifier) checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if err := v.checkScheme(u); err != nil {
		return err
	}
	if u.Host == "" {
		return fmt.Errorf("%s has no host", quote(s))
	}
	return nil
}

func (v *Verifier) checkScheme(u *url.URL) error {
	if u.Scheme == "https" || u.Scheme == "http" && v.o.AllowHTTP {
		return nil
	}
	return fmt.Errorf("%s is not an https URL", quote(u.String()))
}

// checkIssuer checks an issuer identifier as OpenID Connect Discovery 1.0
// defines one: an https URL with a host, and no query or fragment.
func (v *Verifier) checkIssuer(issuer string) error {
	if err := v.checkURL(issuer); err != nil {
		return err
	}
	u, _ := url.Parse(issuer)
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.User != nil {
		return errors.New("issuer " + strconv.Quote(issuer) + " has a query, a fragment or user information")
	}
	return nil
}

// defaultClient is the HTTPClient when Options has none: a bounded wait,
// and redirects only to HTTPS (or HTTP when allowed) and only a few.
func defaultClient(allowHTTP bool) *http.Client {
	return &http.Client{
		Timeout: FetchTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects { // via holds the first request too
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			if req.URL.Scheme != "https" && !(allowHTTP && req.URL.Scheme == "http") {
				return fmt.Errorf("redirect to %s, which is not https", quote(req.URL.String()))
			}
			return nil
		},
	}
}
