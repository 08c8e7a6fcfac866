package s3api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
)

// CORS, as S3 applies a bucket's rules: a preflight (OPTIONS) is answered
// from the rules alone, before authentication, since browsers never sign
// one; every other request that names an Origin gets the CORS headers of
// the first rule that matches its origin and method, error responses
// included, so that a page can read why it was refused.

// corsVary is S3's Vary on every response shaped by CORS rules.
const corsVary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"

// corsNotAllowed is S3's message for a preflight no rule allows. ("evalution"
// is S3's spelling.)
const corsNotAllowed = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."

// corsForbidden is a refused preflight: S3's AccessForbidden, with the
// method asked for and the kind of resource.
func corsForbidden(message, method, resourceType string) error {
	return errCodeDetail("AccessForbidden", func(e *errorBody) {
		e.Message, e.Method, e.ResourceType = message, method, resourceType
		e.Resource = ""
	})
}

func corsBadRequest(message string) error {
	return errCodeDetail("BadRequest", func(e *errorBody) {
		e.Message = message
		e.Resource = ""
	})
}

// preflight answers a CORS preflight (OPTIONS) from the bucket's rules. The
// checks come in this order: an Origin; the syntax of the requested method
// and headers, when they are sent; a bucket that exists; rules; a requested
// method; then the rules' answer. A preflight without a method is refused
// for a bucket without rules before its missing method (LocalStack's
// test_cors_http_options_no_config, recorded against S3); one with a
// method S3 does not know, or a header name that is not a token, is
// refused for it first, as Scality's CloudServer refuses the method before
// it looks at the bucket and as versitygw's tests expect of S3.
func (h *Handler) preflight(q *request) error {
	hdr := q.r.Header
	origin := hdr.Get("Origin")
	if origin == "" {
		return corsBadRequest("Insufficient information. Origin request header needed.")
	}
	methods, hasMethod := hdr["Access-Control-Request-Method"]
	method := http.MethodOptions // what S3 names in its error when none was asked for
	if hasMethod {
		method = strings.Join(methods, ",")
		if !corsMethods[method] {
			return corsBadRequest("Invalid Access-Control-Request-Method: " + method)
		}
	}
	requested, bad := requestedHeaders(hdr)
	if bad != "" {
		return errBadRequestHeader(bad)
	}
	if q.bucket == "" {
		return corsForbidden("CORSResponse: Bucket not found", method, "BUCKET")
	}
	rules, exists, err := h.corsRules(q.r.Context(), q.bucket)
	if err != nil {
		return err
	}
	if !exists {
		return corsForbidden("CORSResponse: Bucket not found", method, "BUCKET")
	}
	if rules == nil {
		return corsForbidden("CORSResponse: CORS is not enabled for this bucket.", method, "BUCKET")
	}
	if !hasMethod {
		return corsBadRequest("Invalid Access-Control-Request-Method: null")
	}
	resourceType := "BUCKET"
	if q.key != "" {
		resourceType = "OBJECT"
	}
	rule, allowOrigin := matchCORS(rules, origin, method, requested)
	if rule == nil {
		return corsForbidden(corsNotAllowed, method, resourceType)
	}
	out := q.w.Header()
	setCORSHeaders(out, rule, allowOrigin)
	if len(requested) > 0 {
		out.Set("Access-Control-Allow-Headers", strings.Join(requested, ", "))
	}
	out.Set("Content-Length", "0")
	q.w.WriteHeader(http.StatusOK)
	return nil
}

// corsHeaders adds the CORS headers to the response of an actual (not
// preflight) request that names an Origin the bucket's rules allow for the
// request's method. As S3 does, it matches the method and the headers of
// Access-Control-Request-Method and Access-Control-Request-Headers when the
// request carries them, and does not check the headers the request itself
// carries. It writes nothing, not even Vary, when no rule matches. (LocalStack's
// tests recorded against S3, test_s3_cors.py, show each of these.)
//
// When the bucket has rules to match, an Access-Control-Request-Method S3
// does not know or an Access-Control-Request-Headers name that is not a
// token is refused as a preflight refuses it, BadRequest (what versitygw's
// tests expect; LocalStack records nothing either way). That is its one
// error: a store error only costs the response its CORS headers.
//
// ServeHTTP calls it before authentication, so that error responses carry
// the headers too.
func (h *Handler) corsHeaders(q *request) error {
	origin := q.r.Header.Get("Origin")
	if origin == "" || q.bucket == "" {
		return nil
	}
	rules, _, err := h.corsRules(q.r.Context(), q.bucket)
	if err != nil {
		h.log.Debug("cors rules unavailable", "request_id", q.id, "bucket", q.bucket, "err", err)
		return nil
	}
	if rules == nil {
		return nil
	}
	method := q.r.Header.Get("Access-Control-Request-Method")
	if method == "" {
		method = q.r.Method
	} else if !corsMethods[method] {
		return corsBadRequest("Invalid Access-Control-Request-Method: " + method)
	}
	requested, bad := requestedHeaders(q.r.Header)
	if bad != "" {
		return errBadRequestHeader(bad)
	}
	rule, allowOrigin := matchCORS(rules, origin, method, requested)
	if rule == nil {
		return nil
	}
	out := q.w.Header()
	setCORSHeaders(out, rule, allowOrigin)
	if len(requested) > 0 {
		out.Set("Access-Control-Allow-Headers", strings.Join(requested, ", "))
	}
	return nil
}

// errBadRequestHeader refuses an Access-Control-Request-Headers entry that
// is not a header name, named as it was sent between the commas.
func errBadRequestHeader(entry string) error {
	return corsBadRequest(`Access-Control-Request-Headers "` + entry + `" contains invalid character.`)
}

// requestedHeaders returns the header names of Access-Control-Request-Headers,
// in lower case, or bad, the first entry whose name is not an HTTP token, as
// it was sent between the commas (spaces and all, as versitygw's tests
// expect S3 to quote it).
func requestedHeaders(hdr http.Header) (names []string, bad string) {
	for _, v := range hdr.Values("Access-Control-Request-Headers") {
		for _, entry := range strings.Split(v, ",") {
			name := strings.TrimSpace(entry)
			if name == "" {
				continue
			}
			if !isToken(name) {
				return nil, entry
			}
			names = append(names, strings.ToLower(name))
		}
	}
	return names, ""
}

// setCORSHeaders writes the headers a matching rule grants. Only the
// rule's ExposeHeaders are exposed: S3 adds none of its own, not even ETag,
// which a page that completes multipart uploads must list itself
// (versity/versitygw#1893 records S3's answer).
func setCORSHeaders(out http.Header, rule *corsRule, allowOrigin string) {
	out.Set("Access-Control-Allow-Origin", allowOrigin)
	out.Set("Access-Control-Allow-Methods", strings.Join(rule.methods, ", "))
	if len(rule.expose) > 0 {
		out.Set("Access-Control-Expose-Headers", strings.Join(rule.expose, ", "))
	}
	if rule.maxAge != nil {
		out.Set("Access-Control-Max-Age", strconv.Itoa(int(*rule.maxAge)))
	}
	if allowOrigin != "*" {
		out.Set("Access-Control-Allow-Credentials", "true")
	}
	out.Set("Vary", corsVary)
}

// matchCORS finds the first rule that allows origin, method and every
// requested header, and the Access-Control-Allow-Origin it grants: "*"
// from a rule that allows any origin, else the origin itself.
func matchCORS(rules []corsRule, origin, method string, requested []string) (*corsRule, string) {
	for i := range rules {
		r := &rules[i]
		if !r.allowsOrigin(origin) || !contains(r.methods, method) || !r.allowsHeaders(requested) {
			continue
		}
		if r.anyOrigin {
			return r, "*"
		}
		return r, origin
	}
	return nil, ""
}

func (r *corsRule) allowsOrigin(origin string) bool {
	for _, p := range r.origins {
		if wildcardMatch(p, origin) {
			return true
		}
	}
	return false
}

func (r *corsRule) allowsHeaders(requested []string) bool {
next:
	for _, name := range requested {
		for _, p := range r.headers {
			if wildcardMatch(p, name) {
				continue next
			}
		}
		return false
	}
	return true
}

// wildcardMatch matches s against a pattern with at most one '*', which
// stands for any run of characters, the empty one included.
func wildcardMatch(pattern, s string) bool {
	prefix, suffix, found := strings.Cut(pattern, "*")
	if !found {
		return pattern == s
	}
	return len(s) >= len(prefix)+len(suffix) && strings.HasPrefix(s, prefix) && strings.HasSuffix(s, suffix)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// isToken reports whether s is an HTTP header name (RFC 9110 token).
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return s != ""
}

// corsRules returns a bucket's CORS rules, nil when it has none; exists is
// false when there is no such bucket.
func (h *Handler) corsRules(ctx context.Context, bucket string) (rules []corsRule, exists bool, err error) {
	return h.cors.get(ctx, h, bucket)
}
