// Package sts is the Security Token Service's Query API: temporary
// credentials for a role trusted by a web identity (AssumeRoleWithWebIdentity,
// the basic flow of identity pools and any registered OpenID Connect
// provider), for an IAM user's role (AssumeRole) or own session
// (GetSessionToken), and GetCallerIdentity. The credentials are sealed by
// the keyring (sts/keyring), so that authenticating a request with them
// needs no database read.
package sts

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/authn"
	"github.com/wicket-io/wicket/iam"
	"github.com/wicket-io/wicket/internal/queryapi"
	"github.com/wicket-io/wicket/oidc"
	"github.com/wicket-io/wicket/policy"
	"github.com/wicket-io/wicket/sts/keyring"
)

// Namespace is the XML namespace of STS's responses.
const Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// CognitoProvider names identity pools' tokens as web identities.
const CognitoProvider = "cognito-identity.amazonaws.com"

// WebIdentitySkew is the clock skew that Options.Logins should allow on
// the tokens of registered OpenID Connect providers: "IAM provides five
// minutes beyond the expiry time specified in the JWT to account for clock
// skew" (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc.html).
const WebIdentitySkew = 5 * time.Minute

// Keyring issues credentials and verifies Wicket's own OpenID tokens.
type Keyring interface {
	Issue(c keyring.Claims) (keyring.Credentials, error)
	VerifyJWT(token string, now time.Time) (map[string]any, error)
}

// Pools tells whether an identity pool allows the basic flow.
type Pools interface {
	ClassicFlow(ctx context.Context, pool string) (bool, error)
	// CheckWebIdentity refuses a token of an identity since deleted, or
	// issued before a revocation of its identity or pool.
	CheckWebIdentity(ctx context.Context, pool, identity string, issued time.Time) error
}

// Options configure the STS API.
type Options struct {
	IAM     *iam.Service
	Keyring Keyring
	Logins  interface {
		Verify(ctx context.Context, issuer string, audiences []string, token string) (*oidc.Token, error)
	}
	Pools  Pools
	Auth   *authn.Authenticator
	Issuer string // Wicket's OpenID issuer URL
	Clock  wicket.Clock
	Logger *slog.Logger
}

// Handler serves STS.
type Handler struct {
	o   Options
	log *slog.Logger
}

// New returns the STS handler.
func New(o Options) *Handler {
	if o.Clock == nil {
		o.Clock = wicket.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{o: o, log: o.Logger}
}

var errorTable = map[wicket.Kind]queryapi.WireError{
	wicket.Invalid:         {Status: http.StatusBadRequest, Code: "ValidationError", Message: "The request is not valid."},
	wicket.NotFound:        {Status: http.StatusForbidden, Code: "AccessDenied", Message: "Access denied."},
	wicket.AccessDenied:    {Status: http.StatusForbidden, Code: "AccessDenied", Message: "Access denied."},
	wicket.Unauthenticated: {Status: http.StatusForbidden, Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid."},
	wicket.Expired:         {Status: http.StatusBadRequest, Code: "ExpiredTokenException", Message: "Token is expired."},
	wicket.NotImplemented:  {Status: http.StatusBadRequest, Code: "InvalidAction", Message: "The action or operation requested is invalid."},
	wicket.TooLarge:        {Status: http.StatusRequestEntityTooLarge, Code: "RequestEntityTooLarge", Message: "The request body is too large."},
	wicket.Unavailable:     {Status: http.StatusBadRequest, Code: "IDPCommunicationError", Message: "The identity provider could not be reached."},
	wicket.Internal:        {Status: http.StatusInternalServerError, Code: "InternalFailure", Message: "The request processing has failed because of an unknown error, exception or failure."},
}

func coded(op string, kind wicket.Kind, code, msg string) error {
	return &wicket.Error{Op: op, Kind: kind, Code: code, Message: msg}
}

func validation(op, msg string) error { return coded(op, wicket.Invalid, "ValidationError", msg) }

type call struct {
	*queryapi.Request
	ctx       context.Context
	r         *http.Request
	principal *wicket.Principal // nil for AssumeRoleWithWebIdentity
}

var actions = map[string]func(h *Handler, c *call) (any, error){
	"AssumeRoleWithWebIdentity": (*Handler).assumeRoleWithWebIdentity,
	"AssumeRole":                (*Handler).assumeRole,
	"GetSessionToken":           (*Handler).getSessionToken,
	"GetCallerIdentity":         (*Handler).getCallerIdentity,
}

// unsigned are the actions anyone may call: the token is the credential.
var unsigned = map[string]bool{"AssumeRoleWithWebIdentity": true}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := wicket.RequestID(r.Context())
	fail := func(err error) {
		we := queryapi.Render(err, errorTable)
		if we.Status >= 500 {
			h.log.Error("sts request failed", "request_id", requestID, "err", err)
		} else {
			h.log.Debug("sts request refused", "request_id", requestID, "code", we.Code, "err", err)
		}
		queryapi.WriteError(w, Namespace, we.Status, we.Code, we.Message, requestID)
	}
	q, err := queryapi.Read(r)
	if err != nil {
		fail(err)
		return
	}
	fn, ok := actions[q.Action]
	if !ok {
		fail(coded("sts", wicket.NotImplemented, "InvalidAction", fmt.Sprintf("Could not find operation %s for version 2011-06-15", q.Action)))
		return
	}
	c := &call{Request: q, ctx: r.Context(), r: r}
	if !unsigned[q.Action] {
		p, _, err := h.o.Auth.Authenticate(r, q.PayloadHash)
		if err != nil {
			fail(err)
			return
		}
		if p.Type == wicket.Anonymous {
			fail(coded("sts", wicket.Unauthenticated, "MissingAuthenticationToken", "Request is missing Authentication Token"))
			return
		}
		c.principal = p
		authn.Audit(h.log, r, "sts", p)
	}
	out, err := fn(h, c)
	if err != nil {
		fail(err)
		return
	}
	queryapi.WriteResult(w, Namespace, q.Action, requestID, out)
}

var sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// maxPackedPolicy bounds a session policy, as STS's packed size does.
const maxPackedPolicy = 2048

type xmlCredentials struct {
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

func toXMLCredentials(c keyring.Credentials) xmlCredentials {
	return xmlCredentials{c.AccessKeyID, c.SecretAccessKey, c.SessionToken, c.Expiration.UTC().Format(time.RFC3339)}
}

type xmlAssumedRole struct {
	AssumedRoleId string
	Arn           string
}

// duration reads DurationSeconds: def when absent, else min..max. max is
// a role's MaxSessionDuration when ofRole, else the parameter's own bound,
// and a longer duration is refused in those words.
func (c *call) duration(op string, def, min, max int, ofRole bool) (time.Duration, error) {
	v := c.Get("DurationSeconds")
	if v == "" {
		if def > max {
			def = max
		}
		return time.Duration(def) * time.Second, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min {
		return 0, validation(op, fmt.Sprintf("1 validation error detected: Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to %d", v, min))
	}
	if n > max && ofRole {
		return 0, validation(op, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	if n > max {
		return 0, validation(op, fmt.Sprintf("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to %d", n, max))
	}
	return time.Duration(n) * time.Second, nil
}

// sessionPolicies are a session's limits: an inline policy (Policy) and up
// to ten managed ones (PolicyArns), which the session's permissions are the
// intersection of the role's with (API_AssumeRole).
type sessionPolicies struct {
	doc    string
	arns   []string
	size   int // bytes packed
	packed int // percent of the packed size allowed, for PackedPolicySize
}

// sessionPolicies reads and checks the Policy and PolicyArns parameters.
// The managed policies need not exist: one that does not (or no longer
// does) allows nothing, checked at each request.
func (c *call) sessionPolicies(op string) (sessionPolicies, error) {
	var sp sessionPolicies
	sp.doc = c.Get("Policy")
	packed := 0
	if sp.doc != "" {
		if utf8.RuneCountInString(sp.doc) > maxPackedPolicy { // characters, as STS counts
			return sp, validation(op, fmt.Sprintf("1 validation error detected: Value '%s' at 'policy' failed to satisfy constraint: Member must have length less than or equal to %d", sp.doc, maxPackedPolicy))
		}
		if _, err := policy.Parse([]byte(sp.doc), policy.Identity); err != nil {
			return sp, coded(op, wicket.Invalid, "MalformedPolicyDocument", wicket.MessageOf(err))
		}
		// Packed, a document loses the white space between its tokens
		// (not inside its strings).
		var b bytes.Buffer
		if json.Compact(&b, []byte(sp.doc)) == nil {
			packed = b.Len()
		}
	}
	arns, ok := c.ListOf("PolicyArns", "arn", keyring.MaxPolicyARNs)
	for i, arn := range arns {
		if len(arn) < 20 || len(arn) > 2048 || !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":policy/") {
			return sp, validation(op, fmt.Sprintf("1 validation error detected: Value '%s' at 'policyArns.%d.member.arn' failed to satisfy constraint: Member must be a managed policy ARN of length 20 to 2048", arn, i+1))
		}
		packed += len(arn)
	}
	if !ok {
		return sp, validation(op, fmt.Sprintf("1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to %d", keyring.MaxPolicyARNs))
	}
	sp.arns = arns
	return sp, sp.pack(op, packed)
}

// pack sets the packed size of policies (and session tags) of n bytes,
// refusing more than STS packs.
func (sp *sessionPolicies) pack(op string, n int) error {
	if n > maxPackedPolicy {
		return coded(op, wicket.Invalid, "PackedPolicyTooLarge", fmt.Sprintf("Packed policy consumes %d%% of allotted space, please use smaller policy.", n*100/maxPackedPolicy))
	}
	// Rounded up: a session that packs anything reports at least 1%.
	sp.size, sp.packed = n, (n*100+maxPackedPolicy-1)/maxPackedPolicy
	return nil
}

// tagKeyRE is the pattern of a session tag key (API_Tag).
var tagKeyRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)

// sessionTags reads AssumeRole's Tags: up to 50 session tags, which are the
// session's aws:PrincipalTag keys, over the role's tags of the same key.
// They count in the packed size, and need sts:TagSession (assumeRole).
// TransitiveTagKeys are checked to name some of them; Wicket keeps no tags
// across role chaining, so they have no further effect.
func (c *call) sessionTags(op string, sp *sessionPolicies) (map[string]string, error) {
	tags, ok := c.Tags("Tags", keyring.MaxTags)
	if !ok {
		return nil, validation(op, fmt.Sprintf("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to %d", keyring.MaxTags))
	}
	transitive, ok := c.List("TransitiveTagKeys", keyring.MaxTags)
	if !ok {
		return nil, validation(op, fmt.Sprintf("1 validation error detected: Value at 'transitiveTagKeys' failed to satisfy constraint: Member must have length less than or equal to %d", keyring.MaxTags))
	}
	if len(tags) == 0 && len(transitive) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(tags))
	keys := make(map[string]bool, len(tags)) // lower case: tag keys are case-insensitive
	n := sp.size
	for _, t := range tags {
		if !tagKeyRE.MatchString(t.Key) || len(t.Key) > keyring.MaxTagKeyLen {
			return nil, validation(op, fmt.Sprintf("1 validation error detected: Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+ and have length between 1 and 128", t.Key))
		}
		if len(t.Value) > keyring.MaxTagValueLen {
			return nil, validation(op, fmt.Sprintf("1 validation error detected: Value at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to %d", keyring.MaxTagValueLen))
		}
		lower := strings.ToLower(t.Key)
		if strings.HasPrefix(lower, "aws:") {
			return nil, coded(op, wicket.Invalid, "InvalidParameterValue", "Tag keys may not start with the reserved prefix aws:")
		}
		if keys[lower] {
			return nil, coded(op, wicket.Invalid, "InvalidParameterValue", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		keys[lower] = true
		m[t.Key] = t.Value
		n += len(t.Key) + len(t.Value)
	}
	for _, k := range transitive {
		if !keys[strings.ToLower(k)] {
			return nil, coded(op, wicket.Invalid, "InvalidParameterValue", "The specified transitive tag key must be included in the requested tags.")
		}
	}
	return m, sp.pack(op, n)
}

func roleName(arn string) string { return arn[strings.LastIndexByte(arn, '/')+1:] }

func (h *Handler) roleARNParam(op string, c *call) (string, error) {
	arn := c.Get("RoleArn")
	if len(arn) < 20 || len(arn) > 2048 || !strings.HasPrefix(arn, "arn:aws:iam::") || !strings.Contains(arn, ":role/") {
		return "", validation(op, fmt.Sprintf("%s is invalid", arn))
	}
	return arn, nil
}

func (c *call) sessionName(op string) (string, error) {
	n := c.Get("RoleSessionName")
	if sessionNameRE.MatchString(n) {
		return n, nil
	}
	// STS names the constraint that failed: the length, else the pattern.
	constraint := `Member must satisfy regular expression pattern: [\w+=,.@-]*`
	switch {
	case len(n) < 2:
		constraint = "Member must have length greater than or equal to 2"
	case len(n) > 64:
		constraint = "Member must have length less than or equal to 64"
	}
	return "", validation(op, fmt.Sprintf("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: %s", n, constraint))
}

// unverifiedIssuer reads the iss claim of a JWT without checking it, to
// know which keys must check it.
func unverifiedIssuer(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(token) > 20000 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		Iss string `json:"iss"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	return claims.Iss
}

// webIdentity is a verified web identity token.
type webIdentity struct {
	provider  string // what trust policies name: cognito-identity.amazonaws.com, or the provider's host/path
	principal string // the Federated principal: the provider name, or the OIDC provider's ARN
	subject   string
	audience  string
	amr       []string
	pool      string
}

func (h *Handler) verifyWebIdentity(ctx context.Context, op, token string) (*webIdentity, error) {
	invalid := func(msg string) error { return coded(op, wicket.Unauthenticated, "InvalidIdentityToken", msg) }
	if len(token) < 4 || len(token) > 20000 {
		return nil, validation(op, "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length between 4 and 20000")
	}
	iss := unverifiedIssuer(token)
	if iss == "" {
		return nil, invalid("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
	}
	now := h.o.Clock.Now()
	if iss == h.o.Issuer {
		claims, err := h.o.Keyring.VerifyJWT(token, now)
		if err != nil {
			if errors.Is(err, keyring.ErrExpiredToken) {
				return nil, coded(op, wicket.Expired, "ExpiredTokenException", "Token expired")
			}
			return nil, invalid("Couldn't verify the signature of the token.")
		}
		wi := &webIdentity{provider: CognitoProvider, principal: CognitoProvider}
		wi.subject, _ = claims["sub"].(string)
		wi.audience, _ = claims["aud"].(string)
		if amr, ok := claims["amr"].([]any); ok {
			for _, a := range amr {
				if s, ok := a.(string); ok {
					wi.amr = append(wi.amr, s)
				}
			}
		}
		wi.pool = wi.audience
		if h.o.Pools != nil {
			ok, err := h.o.Pools.ClassicFlow(ctx, wi.pool)
			if err != nil && wicket.KindOf(err) != wicket.NotFound && wicket.KindOf(err) != wicket.Invalid {
				return nil, err
			}
			if !ok {
				return nil, coded(op, wicket.AccessDenied, "AccessDenied", "Basic (classic) flow is not enabled for the identity pool of this token, please use enhanced flow.")
			}
			iat, _ := claims["iat"].(float64)
			switch err := h.o.Pools.CheckWebIdentity(ctx, wi.pool, wi.subject, time.Unix(int64(iat), 0)); wicket.KindOf(err) {
			case wicket.Other:
				if err != nil {
					return nil, err
				}
			case wicket.NotFound, wicket.Invalid:
				return nil, invalid("The identity of the token no longer exists in its identity pool.")
			case wicket.Expired:
				return nil, coded(op, wicket.Expired, "ExpiredTokenException", "Token expired: its identity or identity pool was revoked after it was issued")
			default:
				return nil, err
			}
		}
		return wi, nil
	}
	arn := iam.OIDCProviderARN(iss)
	if arn == "" {
		return nil, invalid("No OpenIDConnect provider found in your account for " + iss)
	}
	issuer, clients, err := h.o.IAM.OIDCProvider(ctx, arn)
	if wicket.KindOf(err) == wicket.NotFound {
		return nil, invalid("No OpenIDConnect provider found in your account for " + iss)
	}
	if err != nil {
		return nil, err
	}
	tok, err := h.o.Logins.Verify(ctx, issuer, clients, token)
	if err != nil {
		switch {
		case wicket.KindOf(err) == wicket.Unavailable:
			// The cause (a timeout, another issuer in the discovery
			// document …) goes to the log, not to the caller.
			return nil, &wicket.Error{Op: op, Kind: wicket.Unavailable, Code: "IDPCommunicationError",
				Message: "Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements", Err: err}
		case errors.Is(err, oidc.ErrExpired):
			return nil, coded(op, wicket.Expired, "ExpiredTokenException", "Token expired: current date/time is past the token's exp")
		case errors.Is(err, oidc.ErrAudience):
			return nil, invalid("Incorrect token audience")
		}
		// STS words these without Cognito's "Invalid login token." prefix.
		return nil, invalid(strings.TrimPrefix(wicket.MessageOf(err), "Invalid login token. "))
	}
	name := strings.TrimPrefix(issuer, "https://")
	// The :aud condition key is the client the token was issued to: azp
	// when the token has one ("accounts.google.com:aud … maps to the azp
	// claim"; reference_policies_iam-condition-keys), else the audience
	// that is one of the provider's clients.
	aud, _ := tok.Claims["azp"].(string)
	for _, a := range tok.Audience {
		if aud != "" {
			break
		}
		if slices.Contains(clients, a) {
			aud = a
		}
	}
	return &webIdentity{provider: name, principal: arn, subject: tok.Subject, audience: aud}, nil
}

func (h *Handler) assumeRoleWithWebIdentity(c *call) (any, error) {
	const op = "AssumeRoleWithWebIdentity"
	arn, err := h.roleARNParam(op, c)
	if err != nil {
		return nil, err
	}
	session, err := c.sessionName(op)
	if err != nil {
		return nil, err
	}
	sp, err := c.sessionPolicies(op)
	if err != nil {
		return nil, err
	}
	wi, err := h.verifyWebIdentity(c.ctx, op, c.Get("WebIdentityToken"))
	if err != nil {
		return nil, err
	}
	denied := coded(op, wicket.AccessDenied, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
	roleID, _, trust, maxDur, err := h.o.IAM.RoleTrust(c.ctx, arn)
	if wicket.KindOf(err) == wicket.NotFound {
		return nil, denied
	}
	if err != nil {
		return nil, err
	}
	if !trustsWebIdentity(trust, arn, wi, wi.audience) {
		return nil, denied
	}
	if wi.provider == CognitoProvider && trustsWebIdentity(trust, arn, wi, "xx-none-0:00000000-0000-0000-0000-000000000000") {
		h.log.Warn("refused a role whose trust policy admits identities of any identity pool (no aud condition)", "role", arn)
		return nil, denied
	}
	d, err := c.duration(op, 3600, 900, maxDur, true)
	if err != nil {
		return nil, err
	}
	now := h.o.Clock.Now().UTC()
	claims := keyring.Claims{Role: arn, RoleID: roleID, Session: session, Subject: wi.subject, Pool: wi.pool,
		AMR: wi.amr, Provider: wi.provider, Audience: wi.audience, Policy: sp.doc, PolicyARNs: sp.arns, Issued: now, Expires: now.Add(d)}
	creds, err := h.o.Keyring.Issue(claims)
	if err != nil {
		return nil, err
	}
	h.log.Info("web identity credentials issued", "role", arn, "provider", wi.provider, "subject", wi.subject,
		"pool", wi.pool, "amr", wi.amr, "source_ip", authn.SourceIP(c.r), "access_key_id", creds.AccessKeyID, "expires", creds.Expiration)
	return struct {
		Credentials                 xmlCredentials
		SubjectFromWebIdentityToken string
		AssumedRoleUser             xmlAssumedRole
		PackedPolicySize            int `xml:",omitempty"`
		Provider                    string
		Audience                    string
	}{toXMLCredentials(creds), wi.subject,
		xmlAssumedRole{roleID + ":" + session, "arn:aws:sts::" + iam.Account + ":assumed-role/" + roleName(arn) + "/" + session},
		sp.packed, wi.provider, wi.audience}, nil
}

// trustsWebIdentity evaluates a trust policy for a web identity claiming
// audience aud.
func trustsWebIdentity(trust policy.Named, roleARN string, wi *webIdentity, aud string) bool {
	if trust.Policy == nil {
		return false
	}
	ctx := &policy.Context{}
	ctx.Set(wi.provider+":aud", aud)
	ctx.Set(wi.provider+":sub", wi.subject)
	if len(wi.amr) > 0 {
		ctx.Set(wi.provider+":amr", wi.amr...)
	}
	ctx.Set("aws:FederatedProvider", wi.principal)
	r := &policy.Request{Principal: policy.Principal{Federated: wi.principal}, Action: "sts:AssumeRoleWithWebIdentity", Resource: roleARN, Context: ctx}
	return policy.Evaluate(&policy.Set{Resource: []policy.Named{trust}}, r).Allowed()
}

func (h *Handler) assumeRole(c *call) (any, error) {
	const op = "AssumeRole"
	p := c.principal
	if p.Type == wicket.Root {
		return nil, coded(op, wicket.AccessDenied, "AccessDenied", "Roles may not be assumed by root accounts.")
	}
	arn, err := h.roleARNParam(op, c)
	if err != nil {
		return nil, err
	}
	session, err := c.sessionName(op)
	if err != nil {
		return nil, err
	}
	sp, err := c.sessionPolicies(op)
	if err != nil {
		return nil, err
	}
	tags, err := c.sessionTags(op, &sp)
	if err != nil {
		return nil, err
	}
	denied := coded(op, wicket.AccessDenied, "AccessDenied", fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", p.ARN, arn))
	roleID, _, trust, maxDur, err := h.o.IAM.RoleTrust(c.ctx, arn)
	if wicket.KindOf(err) == wicket.NotFound {
		return nil, denied
	}
	if err != nil {
		return nil, err
	}
	// The trust policy is the role's resource policy: it must allow the
	// caller, by name or through the account (then the caller's own
	// policies must allow sts:AssumeRole too).
	req := &policy.Request{Action: "sts:AssumeRole", Resource: arn, Context: &policy.Context{}}
	authn.RequestKeys(req.Context, c.r, h.o.Clock.Now())
	if ext := c.Get("ExternalId"); ext != "" {
		req.Context.Set("sts:ExternalId", ext)
	}
	if len(tags) > 0 {
		keys := make([]string, 0, len(tags))
		for k, v := range tags {
			req.Context.Set("aws:RequestTag/"+k, v)
			keys = append(keys, k)
		}
		req.Context.Set("aws:TagKeys", keys...)
	}
	dec, err := h.o.IAM.Authorize(c.ctx, p, req, []policy.Named{trust})
	if err != nil {
		return nil, err
	}
	if !dec.Allowed() {
		return nil, denied
	}
	if len(tags) > 0 {
		// Passing session tags is its own permission, which the trust
		// policy must give (id_session-tags: "sts:TagSession").
		req.Action = "sts:TagSession"
		if dec, err = h.o.IAM.Authorize(c.ctx, p, req, []policy.Named{trust}); err != nil {
			return nil, err
		}
		if !dec.Allowed() {
			return nil, coded(op, wicket.AccessDenied, "AccessDenied", fmt.Sprintf("User: %s is not authorized to perform: sts:TagSession on resource: %s", p.ARN, arn))
		}
	}
	maxAllowed := maxDur
	if p.Type == wicket.Session && p.Claims != nil && p.Claims.Role != "" {
		maxAllowed = min(maxDur, 3600) // role chaining is limited to an hour
	}
	d, err := c.duration(op, 3600, 900, maxAllowed, true)
	if err != nil {
		return nil, err
	}
	now := h.o.Clock.Now().UTC()
	claims := keyring.Claims{Role: arn, RoleID: roleID, Session: session, SourceUser: p.ARN, Policy: sp.doc, PolicyARNs: sp.arns, Tags: tags,
		Issued: now, Expires: now.Add(d)}
	if p.Claims != nil && p.Claims.Pool != "" {
		// Chained from pool credentials: revoking the identity reaches these too.
		claims.Pool, claims.Subject = p.Claims.Pool, p.Claims.Subject
	}
	creds, err := h.o.Keyring.Issue(claims)
	if err != nil {
		return nil, err
	}
	h.log.Info("role credentials issued", "role", arn, "caller", p.ARN, "source_ip", authn.SourceIP(c.r), "access_key_id", creds.AccessKeyID)
	return struct {
		Credentials      xmlCredentials
		AssumedRoleUser  xmlAssumedRole
		PackedPolicySize int `xml:",omitempty"`
	}{toXMLCredentials(creds), xmlAssumedRole{roleID + ":" + session, "arn:aws:sts::" + iam.Account + ":assumed-role/" + roleName(arn) + "/" + session}, sp.packed}, nil
}

// maxUserSession is GetSessionToken's longest session, in seconds: 36 hours.
const maxUserSession = 129600

func (h *Handler) getSessionToken(c *call) (any, error) {
	const op = "GetSessionToken"
	p := c.principal
	// Root's session is root for S3, but a session all the same: it may
	// not renew itself for ever.
	if p.Type == wicket.Session || p.Claims != nil {
		return nil, coded(op, wicket.AccessDenied, "AccessDenied", "Cannot call GetSessionToken with session credentials")
	}
	d, err := c.duration(op, 43200, 900, maxUserSession, false)
	if err != nil {
		return nil, err
	}
	if p.Type == wicket.Root {
		// "If the duration is longer than one hour, the session for AWS
		// account owners defaults to one hour" (API_GetSessionToken).
		d = min(d, time.Hour)
	}
	now := h.o.Clock.Now().UTC()
	claims := keyring.Claims{SourceUser: p.ARN, User: p.Name, Issued: now, Expires: now.Add(d)}
	creds, err := h.o.Keyring.Issue(claims)
	if err != nil {
		return nil, err
	}
	return struct{ Credentials xmlCredentials }{toXMLCredentials(creds)}, nil
}

func (h *Handler) getCallerIdentity(c *call) (any, error) {
	p := c.principal
	return struct {
		UserId  string
		Account string
		Arn     string
	}{p.ID, iam.Account, p.ARN}, nil
}
