package oidc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/wicket-io/wicket"
)

// Options configures a Verifier. The zero value is ready for production.
type Options struct {
	// HTTPClient fetches discovery documents and key sets. Nil means a
	// client with a FetchTimeout timeout that follows at most five
	// redirects, and only to https URLs (or http ones when AllowHTTP).
	// Whatever the client, each fetch is bounded by FetchTimeout and
	// MaxResponseSize, and a response that ends up on a non-https URL is
	// refused unless AllowHTTP.
	HTTPClient *http.Client

	// Clock tells the time for exp, nbf and iat and for the key cache.
	// Nil means the system clock.
	Clock wicket.Clock

	// Skew is the clock skew allowed between Wicket and a provider: a
	// token is expired at exp + Skew, and nbf and iat may be up to Skew in
	// the future. Zero means DefaultSkew; negative means none. AWS allows
	// different skews in different services: IAM documents five minutes
	// past exp for AssumeRoleWithWebIdentity, while Cognito Identity has
	// been seen refusing a login token 146 seconds past exp ("Token
	// expired: 1754028051 >= 1754027905"), so a server that plays both
	// uses a Verifier for each.
	Skew time.Duration

	// AllowHTTP lets issuers and key sets be fetched over plain HTTP. It is
	// for tests, whose providers run on httptest; production issuers must
	// use HTTPS, since the keys decide who may log in.
	AllowHTTP bool

	// CacheTTL is how long a fetched key set is trusted before it is
	// fetched again. Zero means one hour. When a fetch fails, the last set
	// is still used for up to twice CacheTTL after it was fetched.
	CacheTTL time.Duration

	// MinRefresh is the least time between two fetches of one issuer's
	// keys that a token naming an unknown key (kid) can cause. Zero means
	// one minute. Without it, tokens with made-up key ids would make
	// Wicket hammer the provider.
	MinRefresh time.Duration
}

// Defaults for Options.
const (
	DefaultSkew       = 60 * time.Second
	DefaultCacheTTL   = time.Hour
	DefaultMinRefresh = time.Minute
)

// Verifier verifies ID tokens of any number of providers, caching each
// provider's keys. It is safe for concurrent use; make one per server.
type Verifier struct {
	o      Options
	clock  wicket.Clock
	client *http.Client
	cache  *issuerCache // shared with the Verifiers WithSkew makes
}

// issuerCache holds each issuer's keys.
type issuerCache struct {
	mu      sync.Mutex
	issuers map[string]*issuerKeys
}

// NewVerifier returns a Verifier with options o, defaults filled in.
func NewVerifier(o Options) *Verifier {
	switch {
	case o.Skew == 0:
		o.Skew = DefaultSkew
	case o.Skew < 0:
		o.Skew = 0
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = DefaultCacheTTL
	}
	if o.MinRefresh <= 0 {
		o.MinRefresh = DefaultMinRefresh
	}
	v := &Verifier{o: o, clock: o.Clock, client: o.HTTPClient, cache: &issuerCache{issuers: make(map[string]*issuerKeys)}}
	if v.clock == nil {
		v.clock = wicket.SystemClock{}
	}
	if v.client == nil {
		v.client = defaultClient(o.AllowHTTP)
	}
	return v
}

// WithSkew returns a Verifier that allows clock skew d (as Options.Skew)
// and shares v's cache of providers' keys, so that callers with different
// allowances (STS's five minutes, identity pools' one) fetch each
// provider's keys once.
func (v *Verifier) WithSkew(d time.Duration) *Verifier {
	w := *v
	w.o.Skew = max(d, 0)
	return &w
}

// Token is a verified ID token.
type Token struct {
	Issuer   string
	Subject  string
	Audience []string // aud, a string or an array in the token, always a slice here

	Expiry    time.Time
	IssuedAt  time.Time
	NotBefore time.Time // zero if the token has no nbf

	// Claims holds every claim of the payload, for role-mapping rules and
	// policy variables ("email", "groups", "cognito:roles",
	// "cognito:preferred_role" …). Values are as encoding/json decodes
	// them into an any, except that numbers are json.Number, so that large
	// integer ids keep every digit.
	Claims map[string]any
}

// Google documents that its ID tokens say iss "accounts.google.com" or
// "https://accounts.google.com", while its discovery document names only
// the second.
const (
	googleIssuer         = "https://accounts.google.com"
	googleIssuerNoScheme = "accounts.google.com"
)

// Verify checks token as an ID token of the provider whose issuer URL is
// issuer (such as "https://accounts.google.com" or
// "https://idp.example.com/realms/app"), for one of the allowed audiences
// (client ids), and returns its claims. The checks, and the errors for a
// token that fails them, are described in the package documentation. No
// audience in audiences means no token passes.
//
// issuer must come from configuration: Verify trusts the keys that it
// publishes.
func (v *Verifier) Verify(ctx context.Context, issuer string, audiences []string, token string) (*Token, error) {
	if err := v.checkIssuer(issuer); err != nil {
		return nil, wicket.E(opVerify, wicket.Invalid, "The issuer URL is not valid.", err)
	}
	if len(token) > MaxTokenSize {
		return nil, reject(msgTooLarge, ErrMalformed, "%d bytes", len(token))
	}
	t, err := parseJWS(token)
	if err != nil {
		return nil, reject(msgMalformed, ErrMalformed, "%v", err)
	}
	if err := t.checkHeader(); err != nil {
		return nil, reject(msgAlgorithm, ErrAlgorithm, "%v", err)
	}
	if err := v.verifySignature(ctx, issuer, t); err != nil {
		return nil, err
	}
	return v.checkClaims(issuer, audiences, t.payload)
}

// verifySignature finds the keys that may have signed t and tries them,
// fetching the provider's keys again when t names a key it lacks. It
// returns nil only after a signature verified.
func (v *Verifier) verifySignature(ctx context.Context, issuer string, t *jws) error {
	st := v.issuerState(issuer)
	set, fetchErr := v.keys(ctx, issuer, st, false)
	candidates := set.candidates(t)
	if len(candidates) == 0 && fetchErr == nil {
		// The provider may have rotated its keys since the last fetch.
		set, fetchErr = v.keys(ctx, issuer, st, true)
		candidates = set.candidates(t)
	}
	for _, k := range candidates {
		if t.verifySignature(k) {
			return nil
		}
	}
	switch {
	case len(candidates) > 0:
		return reject(msgSignature, ErrSignature, "%s signature does not verify with key %s", t.alg, quote(t.kid))
	case fetchErr != nil:
		// With no fresh keys, a key missing from the last ones may have
		// been rotated in: that is the provider's outage, not a bad token.
		return fetchErr
	case t.kid == "":
		return reject(msgSignature, ErrSignature, "no key of the provider fits alg %s", t.alg)
	default:
		return reject(msgSignature, ErrSignature, "no key %s of the provider fits alg %s", quote(t.kid), t.alg)
	}
}

// candidates returns the keys of s that may verify t: those with its kid
// (or all, when it names none) that fit its alg. A kid can be shared
// between keys of different types, so each is filtered by alg.
func (s *keySet) candidates(t *jws) []*key {
	if s == nil {
		return nil
	}
	var ks []*key
	for _, k := range s.keys {
		if (t.kid == "" || k.kid == t.kid) && k.fits(t.alg) {
			ks = append(ks, k)
		}
	}
	return ks
}

// checkClaims checks the payload of a token whose signature verified.
func (v *Verifier) checkClaims(issuer string, audiences []string, payload []byte) (*Token, error) {
	members, err := decodeObject(payload)
	if err != nil {
		return nil, reject(msgMalformed, ErrMalformed, "payload: %v", err)
	}
	claims := make(map[string]any, len(members))
	for name, raw := range members {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var val any
		if err := dec.Decode(&val); err != nil {
			return nil, reject(msgMalformed, ErrMalformed, "claim %s: %v", quote(name), err)
		}
		claims[name] = val
	}
	tok := &Token{Claims: claims}

	// iss
	iss, ok := claims["iss"]
	if !ok {
		return nil, reject(msgMissing+"iss", ErrMissingClaim, "iss")
	}
	if tok.Issuer, ok = iss.(string); !ok {
		return nil, reject(msgBadClaim+"iss", ErrMalformed, "iss is not a string")
	}
	if tok.Issuer != issuer && !(issuer == googleIssuer && tok.Issuer == googleIssuerNoScheme) {
		return nil, reject(msgIssuer, ErrIssuer, "iss %s, want %s", quote(tok.Issuer), quote(issuer))
	}

	// sub
	sub, ok := claims["sub"]
	if !ok {
		return nil, reject(msgMissing+"sub", ErrMissingClaim, "sub")
	}
	if tok.Subject, ok = sub.(string); !ok || tok.Subject == "" {
		return nil, reject(msgBadClaim+"sub", ErrMalformed, "sub is not a non-empty string")
	}

	// aud and azp
	aud, ok := claims["aud"]
	if !ok {
		return nil, reject(msgMissing+"aud", ErrMissingClaim, "aud")
	}
	if tok.Audience, ok = stringOrStrings(aud); !ok {
		return nil, reject(msgBadClaim+"aud", ErrMalformed, "aud is not a string or an array of strings")
	}
	if !slices.ContainsFunc(tok.Audience, func(a string) bool { return slices.Contains(audiences, a) }) {
		return nil, reject(msgAudience, ErrAudience, "aud %s, want one of %s", quote(fmt.Sprint(tok.Audience)), quote(fmt.Sprint(audiences)))
	}
	// OpenID Connect Core 1.0, 3.1.3.7, steps 4 and 5: with several
	// audiences, azp names the one the token was issued to, and that must be
	// one of ours. With one audience, azp may name another client of the
	// same project (Google's cross-client identity: aud is the web client,
	// azp the Android one), and the errata of 2023 leave it unchecked.
	if azp, ok := claims["azp"]; ok && len(tok.Audience) > 1 {
		s, isString := azp.(string)
		if !isString {
			return nil, reject(msgBadClaim+"azp", ErrMalformed, "azp is not a string")
		}
		if !slices.Contains(audiences, s) {
			return nil, reject(msgAZP, ErrAudience, "azp %s, want one of %s", quote(s), quote(fmt.Sprint(audiences)))
		}
	}

	// exp, nbf, iat
	now := v.clock.Now()
	for _, c := range []struct {
		name     string
		dst      *time.Time
		required bool
	}{
		{"exp", &tok.Expiry, true},
		{"iat", &tok.IssuedAt, true},
		{"nbf", &tok.NotBefore, false},
	} {
		raw, ok := claims[c.name]
		if !ok {
			if c.required {
				return nil, reject(msgMissing+c.name, ErrMissingClaim, "%s", c.name)
			}
			continue
		}
		if *c.dst, ok = numericDate(raw); !ok {
			return nil, reject(msgBadClaim+c.name, ErrMalformed, "%s is not a NumericDate", c.name)
		}
	}
	if !now.Before(tok.Expiry.Add(v.o.Skew)) {
		return nil, reject(fmt.Sprintf(msgExpired, now.Unix(), tok.Expiry.Unix()), ErrExpired, "skew %v", v.o.Skew)
	}
	if !tok.NotBefore.IsZero() && now.Add(v.o.Skew).Before(tok.NotBefore) {
		return nil, reject(fmt.Sprintf(msgNotBefore, now.Unix(), tok.NotBefore.Unix()), ErrNotYetValid, "nbf, skew %v", v.o.Skew)
	}
	if now.Add(v.o.Skew).Before(tok.IssuedAt) {
		return nil, reject(fmt.Sprintf(msgIssuedAt, now.Unix(), tok.IssuedAt.Unix()), ErrNotYetValid, "iat, skew %v", v.o.Skew)
	}
	return tok, nil
}

// stringOrStrings reads aud: a string, or a non-empty array of strings.
func stringOrStrings(v any) ([]string, bool) {
	switch v := v.(type) {
	case string:
		return []string{v}, true
	case []any:
		if len(v) == 0 {
			return nil, false
		}
		ss := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			ss[i] = s
		}
		return ss, true
	}
	return nil, false
}

// maxNumericDate is the last second of year 9999: later times cannot be
// meant, and bounding them keeps the arithmetic from overflowing.
const maxNumericDate = 253402300799

// numericDate reads a NumericDate (RFC 7519, 2): seconds since the epoch,
// possibly with a fraction, not negative.
func numericDate(v any) (time.Time, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}
