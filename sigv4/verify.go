package sigv4

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxSkew is how far a request's time may be from the server's, as on
// AWS.
const DefaultMaxSkew = 15 * time.Minute

// SecretFunc returns the secret access key of accessKeyID. sessionToken is
// the request's X-Amz-Security-Token ("" for long-term keys); the function
// validates it, since temporary credentials are only good with their token.
// It returns ErrUnknownAccessKey, ErrInvalidToken or ErrExpiredToken (or an
// error wrapping one) to say why there is no secret; any other error is
// reported as an internal failure by the caller.
type SecretFunc func(accessKeyID, sessionToken string) (secret string, err error)

// VerifierOptions configure a Verifier.
type VerifierOptions struct {
	Secret SecretFunc
	// Region and Service, when set, are the only ones a credential scope may
	// name: the endpoint's region and the API the request reached.
	Region  string
	Service string
	// MaxSkew bounds the difference between a request's time and now;
	// DefaultMaxSkew when zero.
	MaxSkew time.Duration
}

// Verifier checks SigV4 signatures on incoming requests, in the
// Authorization header or in a presigned query string. It is safe for
// concurrent use and caches signing keys.
type Verifier struct {
	opt  VerifierOptions
	keys keyCache
}

// NewVerifier returns a Verifier.
func NewVerifier(o VerifierOptions) *Verifier {
	if o.MaxSkew <= 0 {
		o.MaxSkew = DefaultMaxSkew
	}
	return &Verifier{opt: o}
}

// Auth describes a request whose signature has been verified.
type Auth struct {
	AccessKeyID  string
	SessionToken string
	Scope        Scope
	// Time is the signing time (X-Amz-Date).
	Time time.Time
	// Presigned is set when the signature came in the query string; Expires
	// is then when the URL stops working.
	Presigned bool
	Expires   time.Time
	// PayloadHash is the payload value that was signed: a hex SHA-256,
	// UnsignedPayload, or one of the Streaming* values. The caller checks a
	// hex hash against the body it reads.
	PayloadHash string
	// SignedHeaders are the lower-case names the signature covers.
	SignedHeaders []string
	Signature     string

	amzDate string
	key     *keyEntry // immutable once cached; holds the signing key
	// Room for SignedHeaders, so that the usual few names cost no
	// allocation of their own.
	signedHeaders [6]string
}

// setSignedHeaders splits a SignedHeaders value into a.SignedHeaders. It
// stops one name past maxSignedHeaders, enough for the check to refuse.
func (a *Auth) setSignedHeaders(list string) {
	a.SignedHeaders = a.signedHeaders[:0]
	for name := range strings.SplitSeq(list, ";") {
		if len(a.SignedHeaders) > maxSignedHeaders {
			break
		}
		a.SignedHeaders = append(a.SignedHeaders, name)
	}
}

// ErrNotSigned is returned by Verify for a request that carries no
// signature at all: an anonymous request.
var ErrNotSigned = errors.New("sigv4: request is not signed")

// IsPresigned reports whether r carries a signature in its query string.
func IsPresigned(r *http.Request) bool {
	_, q := serverTarget(r)
	return hasPresignParams(q)
}

// IsSigned reports whether r carries any kind of signature, SigV4 or
// another that Verify rejects.
func IsSigned(r *http.Request) bool {
	_, q := serverTarget(r)
	return headerValue(r.Header, "Authorization") != "" || hasPresignParams(q) || hasV2Query(q)
}

// hasPresignParams reports whether a raw query names a SigV4 query
// signature parameter.
func hasPresignParams(raw string) bool {
	if !strings.Contains(raw, "X-Amz-") {
		return false
	}
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature":
			return true
		}
	}
	return false
}

// hasV2Query reports whether a raw query holds a SigV2 query signature.
func hasV2Query(raw string) bool {
	var ak, sig bool
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		k, _, _ := strings.Cut(kv, "=")
		ak = ak || k == "AWSAccessKeyId"
		sig = sig || k == "Signature"
	}
	return ak && sig
}

func errUnsupportedMechanism() *Error {
	return newError(http.StatusBadRequest, CodeInvalidRequest, "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
}

// Verify checks r's signature at time now. payloadHash is the hex SHA-256
// of the body when the caller has computed it (services other than S3 sign
// their small bodies); empty means the request's X-Amz-Content-Sha256
// header, as S3 requires, or UNSIGNED-PAYLOAD for a presigned request.
//
// The path and query are taken as the client sent them (r.RequestURI);
// the Host from r.Host. The signature must cover the Host and every x-amz-*
// header; a presigned URL must name each of its X-Amz-* parameters once.
// Besides AWS's canonical form of the request, Verify accepts the forms a
// signer that follows aws-sdk-go-v2 rather than AWS produces for the same
// bytes: an S3 path signed as sent, a path of another service signed
// without normalisation, a Host signed without the default port it carries.
//
// A failure is an *Error with S3's code, status and message; a request with
// no signature at all gives ErrNotSigned; a failure of the SecretFunc other
// than the three it may return comes back wrapped. Verify never reads the
// body.
func (v *Verifier) Verify(r *http.Request, now time.Time, payloadHash string) (*Auth, error) {
	path, rawQuery := serverTarget(r)
	authz := headerValue(r.Header, "Authorization")
	presigned := hasPresignParams(rawQuery)
	switch {
	case authz != "" && (presigned || hasV2Query(rawQuery)):
		return nil, newError(http.StatusBadRequest, CodeInvalidArgument, "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")
	case authz == "" && !presigned:
		if hasV2Query(rawQuery) {
			return nil, errUnsupportedMechanism()
		}
		return nil, ErrNotSigned
	}
	s := getScratch()
	defer putScratch(s)
	if presigned {
		return v.verifyQuery(s, r, path, rawQuery, now, payloadHash)
	}
	return v.verifyHeader(s, r, authz, path, rawQuery, now, payloadHash)
}

func malformedHeader(format string, args ...any) *Error {
	return newError(http.StatusBadRequest, CodeAuthorizationHeaderMalformed, "The authorization header is malformed; "+fmt.Sprintf(format, args...))
}

func queryParamError(format string, args ...any) *Error {
	return newError(http.StatusBadRequest, CodeAuthorizationQueryParametersError, fmt.Sprintf(format, args...))
}

// parseCredential splits "AKID/YYYYMMDD/region/service/aws4_request" and
// checks it against the verifier's region and service. S3 words the
// errors alike for both forms, behind a different prefix and code. The
// credential of a presigned URL (query) is still query-escaped.
func (v *Verifier) parseCredential(cred string, query bool) (ak string, sc Scope, err *Error) {
	fail := func(format string, args ...any) *Error {
		if query {
			return queryParamError("Error parsing the X-Amz-Credential parameter; "+format, args...)
		}
		return malformedHeader(format, args...)
	}
	parts, ok := credentialParts(cred, query)
	ak, sc.Date, sc.Region, sc.Service = parts[0], parts[1], parts[2], parts[3]
	terminal := parts[4]
	if !ok || ak == "" || sc.Region == "" || sc.Service == "" {
		return "", sc, fail(`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`)
	}
	if !parseScopeDate(sc.Date) {
		return "", sc, fail(`incorrect date format %q. This date in the credential must be in the format "yyyyMMdd".`, sc.Date)
	}
	if terminal != "aws4_request" {
		return "", sc, fail(`incorrect terminal %q. This endpoint uses "aws4_request".`, terminal)
	}
	if v.opt.Region != "" && sc.Region != v.opt.Region {
		e := fail("the region '%s' is wrong; expecting '%s'", sc.Region, v.opt.Region)
		e.Region = v.opt.Region
		return "", sc, e
	}
	if v.opt.Service != "" && sc.Service != v.opt.Service {
		return "", sc, fail(`incorrect service %q. This endpoint belongs to %q.`, sc.Service, v.opt.Service)
	}
	return ak, sc, nil
}

// credentialParts splits a credential on its four slashes. An escaped
// credential, from a query, may spell them "%2F", and a part is decoded
// only when it holds an escape, so that the usual credential costs no
// allocation: its parts are substrings of the request's.
func credentialParts(cred string, escaped bool) (parts [5]string, ok bool) {
	n, start, plain := 0, 0, true
	end := func(i int) bool {
		if n == len(parts) {
			return false // a sixth part
		}
		parts[n] = cred[start:i]
		if !plain {
			parts[n] = queryUnescape(parts[n])
		}
		n, plain = n+1, true
		return true
	}
	for i := 0; i < len(cred); i++ {
		switch c := cred[i]; {
		case c == '/':
			if !end(i) {
				return parts, false
			}
			start = i + 1
		case !escaped:
		case c == '%' && i+2 < len(cred) && cred[i+1] == '2' && cred[i+2]|0x20 == 'f':
			if !end(i) {
				return parts, false
			}
			i += 2
			start = i + 1
		case c == '%' || c == '+':
			plain = false
		}
	}
	return parts, end(len(cred)) && n == len(parts)
}

// parseScopeDate parses the YYYYMMDD of a credential scope strictly.
func parseScopeDate(s string) bool {
	if len(s) != 8 {
		return false
	}
	y, ok1 := atoi(s[0:4])
	mo, ok2 := atoi(s[4:6])
	d, ok3 := atoi(s[6:8])
	return ok1 && ok2 && ok3 && validTime(y, mo, d, 0, 0, 0)
}

// parseAmzDate parses X-Amz-Date (TimeFormat) strictly: the exact length,
// digits where digits go, and a time that exists. It is time.Parse for the
// one layout, without its cost.
func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != len(TimeFormat) || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, false
	}
	y, ok1 := atoi(s[0:4])
	mo, ok2 := atoi(s[4:6])
	d, ok3 := atoi(s[6:8])
	h, ok4 := atoi(s[9:11])
	mi, ok5 := atoi(s[11:13])
	se, ok6 := atoi(s[13:15])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || !validTime(y, mo, d, h, mi, se) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, se, 0, time.UTC), true
}

func validTime(y, mo, d, h, mi, se int) bool {
	if mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[mo]
	if mo == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// atoi parses a short run of ASCII digits.
func atoi(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// algorithmECDSA names SigV4a, which S3 accepts and this package does not
// verify.
const algorithmECDSA = "AWS4-ECDSA-P256-SHA256"

// parseAuthorization splits the Authorization header into its three
// components. Components are separated by commas, and spaces around them
// are tolerated, as AWS tolerates them.
//
// The scheme is what comes before the first space. SigV2's "AWS" and SigV4a
// are mechanisms this package does not verify; any other scheme but
// AWS4-HMAC-SHA256 is InvalidArgument naming the whole header, as S3 names
// it (captured S3 bodies in versity/versitygw#1512 and #1705). Then, in the
// order S3rver and versitygw report S3's: a component without "=", a count
// other than three, and a name missing from the three.
func parseAuthorization(authz string) (cred, signed, sig string, err *Error) {
	scheme, rest, _ := strings.Cut(authz, " ")
	if scheme != Algorithm {
		if scheme == "AWS" || scheme == algorithmECDSA {
			return "", "", "", errUnsupportedMechanism()
		}
		msg := "Unsupported Authorization Type"
		if !strings.Contains(authz, " ") {
			// No scheme and parameters at all: S3 says so in its own words.
			msg = "Authorization header is invalid -- one and only one ' ' (space) required."
		}
		e := newError(http.StatusBadRequest, CodeInvalidArgument, msg)
		e.ArgumentName, e.ArgumentValue = "Authorization", authz
		return "", "", "", e
	}
	var haveCred, haveSigned, haveSig bool
	n := 0
	for comp := range strings.SplitSeq(rest, ",") {
		comp = strings.TrimSpace(comp)
		if comp == "" {
			continue
		}
		n++
		k, val, ok := strings.Cut(comp, "=")
		if !ok {
			return "", "", "", malformedHeader("the authorization component %q is malformed.", comp)
		}
		switch k {
		case "Credential":
			cred, haveCred = val, true
		case "SignedHeaders":
			signed, haveSigned = val, true
		case "Signature":
			sig, haveSig = val, true
		}
	}
	switch {
	case n != 3:
		return "", "", "", malformedHeader("the authorization header requires three components: Credential, SignedHeaders, and Signature.")
	case !haveCred:
		return "", "", "", malformedHeader("missing Credential.")
	case !haveSigned:
		return "", "", "", malformedHeader("missing SignedHeaders.")
	case !haveSig:
		return "", "", "", malformedHeader("missing Signature.")
	}
	return cred, signed, sig, nil
}

func (v *Verifier) verifyHeader(s *scratch, r *http.Request, authz, path, rawQuery string, now time.Time, payloadHash string) (*Auth, error) {
	cred, signed, sig, perr := parseAuthorization(authz)
	if perr != nil {
		return nil, perr
	}
	ak, sc, cerr := v.parseCredential(cred, false)
	if cerr != nil {
		return nil, cerr
	}
	a := &Auth{AccessKeyID: ak, Scope: sc, Signature: sig, SessionToken: headerValue(r.Header, "X-Amz-Security-Token")}
	a.setSignedHeaders(signed)
	if err := checkSignedHeaders(r, a.SignedHeaders, false); err != nil {
		return nil, err
	}

	if d := headerValue(r.Header, "X-Amz-Date"); d != "" {
		t, ok := parseAmzDate(d)
		if !ok {
			return nil, errNoDate()
		}
		a.Time, a.amzDate = t, d
	} else if d := headerValue(r.Header, "Date"); d != "" {
		t, err := http.ParseTime(d)
		if err != nil {
			return nil, errNoDate()
		}
		a.Time, a.amzDate = t.UTC(), t.UTC().Format(TimeFormat)
	} else {
		return nil, errNoDate()
	}
	if a.amzDate[:8] != sc.Date {
		return nil, malformedHeader("Invalid credential date. Date is not the same as X-Amz-Date.")
	}
	if skew := now.Sub(a.Time); skew > v.opt.MaxSkew || skew < -v.opt.MaxSkew {
		e := newError(http.StatusForbidden, CodeRequestTimeTooSkewed, "The difference between the request time and the current time is too large.")
		e.RequestTime, e.ServerTime, e.MaxSkew = a.amzDate, now.UTC().Format(TimeFormat), v.opt.MaxSkew
		return nil, e
	}

	a.PayloadHash = payloadHash
	if a.PayloadHash == "" {
		a.PayloadHash = headerValue(r.Header, "X-Amz-Content-Sha256")
		if a.PayloadHash == "" {
			return nil, newError(http.StatusBadRequest, CodeInvalidRequest, "Missing required header for this request: x-amz-content-sha256")
		}
		if !validPayloadHash(a.PayloadHash) {
			// S3's text lists SigV4a's streaming forms too (brekkylab/backlot,
			// measured against S3), though a SigV4a request does not get here.
			e := newError(http.StatusBadRequest, CodeInvalidArgument, "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")
			e.ArgumentName, e.ArgumentValue = "x-amz-content-sha256", a.PayloadHash
			return nil, e
		}
	}
	s.addRawQuery(rawQuery)
	return v.check(s, r, a, path)
}

func errNoDate() *Error {
	return newError(http.StatusForbidden, CodeAccessDenied, "AWS authentication requires a valid Date or x-amz-date header")
}

func validPayloadHash(h string) bool {
	switch h {
	case UnsignedPayload, StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedPayloadTrailer:
		return true
	}
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if _, ok := unhex(h[i]); !ok {
			return false
		}
	}
	return true
}

// maxSignedHeaders bounds the names a signature may list. A request signs
// its headers once each (a name listed twice is refused, so the canonical
// request is no larger than the headers), usually a few dozen; but S3's
// 2 KB of user metadata hold a thousand one-letter x-amz-meta-* pairs,
// each a header the signature must cover. The bound keeps the sort and
// the checks below cheap.
const maxSignedHeaders = 2048

// checkSignedHeaders enforces what a signature must cover: the Host, and
// every x-amz-* header the request carries. Without the second rule a
// presigned PUT could be turned into a copy of another object by adding an
// unsigned x-amz-copy-source. It also refuses a list too long or with a
// name twice, which no signer makes.
func checkSignedHeaders(r *http.Request, signed []string, query bool) *Error {
	if len(signed) > maxSignedHeaders {
		return signedHeadersError(query, "lists more than %d headers", maxSignedHeaders)
	}
	// A copy to sort, on the stack for the usual few names.
	var buf [16]string
	sorted := buf[:0]
	if len(signed) > len(buf) {
		sorted = make([]string, 0, len(signed))
	}
	sorted = append(sorted, signed...)
	slices.SortFunc(sorted, compareFold)
	for i := 1; i < len(sorted); i++ {
		if compareFold(sorted[i-1], sorted[i]) == 0 {
			return signedHeadersError(query, "lists %q twice", strings.ToLower(sorted[i]))
		}
	}
	var missing []string
	if !hasFold(sorted, "host") {
		missing = append(missing, "host")
	}
	for k := range r.Header {
		if hasPrefixFold(k, "x-amz-") && !hasFold(sorted, k) {
			missing = append(missing, strings.ToLower(k))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	e := newError(http.StatusForbidden, CodeAccessDenied, "There were headers present in the request which were not signed")
	e.HeadersNotSigned = strings.Join(missing, ", ")
	return e
}

func signedHeadersError(query bool, format string, args ...any) *Error {
	if query {
		return queryParamError("X-Amz-SignedHeaders "+format+".", args...)
	}
	return malformedHeader("SignedHeaders "+format+".", args...)
}

// hasFold reports whether sorted, in compareFold order, holds s in any case.
func hasFold(sorted []string, s string) bool {
	_, ok := slices.BinarySearchFunc(sorted, s, compareFold)
	return ok
}

// compareFold compares ASCII strings as if both were lower case.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return int(x) - int(y)
		}
	}
	return len(a) - len(b)
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// presignParams are the X-Amz-* parameters of a presigned URL, decoded but
// for the credential, which parseCredential decodes part by part.
type presignParams struct {
	algorithm, credential, date, expires, signedHeaders, signature, token string
	// repeated names a parameter that came twice. The canonical query
	// covers every copy, but not which one the checks read, and a second
	// X-Amz-Signature would not be covered at all.
	repeated string
}

func (v *Verifier) verifyQuery(s *scratch, r *http.Request, path, rawQuery string, now time.Time, payloadHash string) (*Auth, error) {
	// One pass over the query finds the signature's parameters and builds
	// the canonical query, which is every parameter but X-Amz-Signature.
	var p presignParams
	var seen uint8
	s.beginQuery(rawQuery)
	for off := 0; off < len(rawQuery); {
		kv, _, _ := strings.Cut(rawQuery[off:], "&")
		kvOff := off
		off += len(kv) + 1
		if kv == "" {
			continue
		}
		k, val, _ := strings.Cut(kv, "=")
		if k != "X-Amz-Signature" {
			s.addQueryParam(k, val, kvOff, len(kv))
		}
		if !strings.HasPrefix(k, "X-Amz-") {
			continue
		}
		var dst *string
		var bit uint8
		switch k {
		case "X-Amz-Algorithm":
			dst, bit = &p.algorithm, 1<<0
		case "X-Amz-Credential":
			dst, bit = &p.credential, 1<<1
		case "X-Amz-Date":
			dst, bit = &p.date, 1<<2
		case "X-Amz-Expires":
			dst, bit = &p.expires, 1<<3
		case "X-Amz-SignedHeaders":
			dst, bit = &p.signedHeaders, 1<<4
		case "X-Amz-Signature":
			dst, bit = &p.signature, 1<<5
		case "X-Amz-Security-Token":
			dst, bit = &p.token, 1<<6
		default:
			continue
		}
		if seen&bit != 0 && p.repeated == "" {
			p.repeated = k
		}
		seen |= bit
		if bit == 1<<1 {
			*dst = val
		} else {
			*dst = queryUnescape(val)
		}
	}
	if p.repeated != "" {
		return nil, queryParamError("%s must appear only once.", p.repeated)
	}
	if p.algorithm != Algorithm {
		if p.algorithm == "" {
			return nil, errMissingQueryParams()
		}
		if p.algorithm == algorithmECDSA {
			// SigV4a, which S3 takes and this package does not.
			return nil, queryParamError(`X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`)
		}
		// S3's words, naming both algorithms it takes (brekkylab/backlot,
		// measured against S3).
		return nil, queryParamError(`X-Amz-Algorithm only supports "AWS4-HMAC-SHA256 and AWS4-ECDSA-P256-SHA256"`)
	}
	if p.credential == "" || p.signature == "" || p.date == "" || p.signedHeaders == "" || p.expires == "" {
		return nil, errMissingQueryParams()
	}
	ak, sc, cerr := v.parseCredential(p.credential, true)
	if cerr != nil {
		return nil, cerr
	}
	t, ok := parseAmzDate(p.date)
	if !ok {
		return nil, queryParamError(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`)
	}
	// S3 answers 403, not 400, to an X-Amz-Expires out of range (as the
	// Ceph s3-tests, written against AWS, expect).
	exp, err := strconv.ParseInt(p.expires, 10, 64)
	switch {
	case err != nil && !isSignedDigits(p.expires):
		return nil, queryParamError("X-Amz-Expires should be a number")
	case err != nil && p.expires[0] == '-', err == nil && exp < 0:
		e := queryParamError("X-Amz-Expires must be non-negative")
		e.Status = http.StatusForbidden
		return nil, e
	case err != nil, exp > int64(MaxExpires/time.Second):
		e := queryParamError("X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds")
		e.Status = http.StatusForbidden
		return nil, e
	}
	if p.date[:8] != sc.Date {
		return nil, queryParamError("Invalid credential date %q. This date is not the same as X-Amz-Date: %q.", sc.Date, p.date[:8])
	}
	a := &Auth{
		AccessKeyID: ak, SessionToken: p.token, Scope: sc, Time: t, amzDate: p.date,
		Presigned: true, Expires: t.Add(time.Duration(exp) * time.Second),
		Signature: p.signature,
	}
	a.setSignedHeaders(p.signedHeaders)
	if err := checkSignedHeaders(r, a.SignedHeaders, true); err != nil {
		return nil, err
	}
	if t.Sub(now) > v.opt.MaxSkew {
		e := newError(http.StatusForbidden, CodeAccessDenied, "Request is not yet valid")
		e.RequestTime, e.Expires, e.ServerTime = p.date, a.Expires.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)
		return nil, e
	}
	if now.After(a.Expires) {
		e := newError(http.StatusForbidden, CodeAccessDenied, "Request has expired")
		e.AmzExpires = p.expires
		e.Expires, e.ServerTime = a.Expires.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)
		return nil, e
	}
	a.PayloadHash = payloadHash
	if a.PayloadHash == "" {
		a.PayloadHash = UnsignedPayload
		if containsFold(a.SignedHeaders, "x-amz-content-sha256") {
			if h := headerValue(r.Header, "X-Amz-Content-Sha256"); h != "" {
				a.PayloadHash = h
			}
		}
	}
	return v.check(s, r, a, path)
}

// isSignedDigits reports whether s is an optional sign and digits: a
// number, perhaps too large for an int64.
func isSignedDigits(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func errMissingQueryParams() *Error {
	return queryParamError("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
}

// check looks up the secret, computes the signature and compares it with
// the one provided. The canonical query parameters are in s already.
func (v *Verifier) check(s *scratch, r *http.Request, a *Auth, path string) (*Auth, error) {
	secret, err := v.opt.Secret(a.AccessKeyID, a.SessionToken)
	if err != nil {
		var e *Error
		switch {
		case errors.Is(err, ErrUnknownAccessKey):
			e = newError(http.StatusForbidden, CodeInvalidAccessKeyID, "The AWS Access Key Id you provided does not exist in our records.")
		case errors.Is(err, ErrExpiredToken):
			e = newError(http.StatusBadRequest, CodeExpiredToken, "The provided token has expired.")
		case errors.Is(err, ErrInvalidToken):
			e = newError(http.StatusBadRequest, CodeInvalidToken, "The provided token is malformed or otherwise invalid.")
		default:
			return nil, fmt.Errorf("sigv4: look up access key %s: %w", a.AccessKeyID, err)
		}
		e.AccessKeyID, e.Err = a.AccessKeyID, err
		return nil, e
	}
	key := v.keys.signingKey(secret, a.Scope.Date, a.Scope.Region, a.Scope.Service)
	a.key = key

	s.sortParams()
	for _, name := range a.SignedHeaders {
		s.addSignedHeader(r, name)
	}
	// The signature provided, decoded, to compare with each MAC computed
	// below in constant time. One that is not 64 lower-case hex digits
	// matches none, but the MACs are still computed for the report.
	var given [sha256.Size]byte
	givenOK := decodeLowerHex(given[:], a.Signature)

	// A request has more than one canonical form when its signer followed
	// other rules than AWS's to sign these exact bytes: it signed the path
	// it sent without re-encoding it (S3; aws-sdk-go-v2 does) or without
	// normalising it (other services), or it left a default port out of
	// the Host that Go's client then sent (aws-sdk-go-v2 presigned URLs).
	// Accept any of them; report the first, the form AWS computes.
	s.out = appendServerURI(s.out[:0], path, a.Scope.Service)
	n := len(s.out)
	s.out = appendServerURIAlt(s.out, path, a.Scope.Service)
	uris := [2][]byte{s.out[:n], s.out[n:]}
	nuris := 2
	if string(uris[1]) == string(uris[0]) {
		nuris = 1
	}
	var e *Error
	for h := 0; h < 2; h++ {
		if h == 1 {
			// A server does not know the scheme the client used.
			host, ok := stripDefaultPort(r.Host, "http")
			if !ok {
				host, ok = stripDefaultPort(r.Host, "https")
			}
			if s.hostHeader < 0 || !ok {
				break
			}
			s.setHeaderValue(s.hostHeader, host)
		}
		for _, uri := range uris[:nuris] {
			s.buildCanonicalRequest(r.Method, uri, a.PayloadHash)
			buildStringToSign(s, a.amzDate, &a.Scope)
			mac := s.hm.macPads(&key.pads, s.sts)
			if subtle.ConstantTimeCompare(mac[:], given[:]) == 1 && givenOK {
				return a, nil
			}
			if e == nil {
				e = newError(http.StatusForbidden, CodeSignatureDoesNotMatch, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
				e.AccessKeyID, e.SignatureProvided = a.AccessKeyID, a.Signature
				e.CanonicalRequest, e.StringToSign = string(s.creq), string(s.sts)
			}
		}
	}
	return nil, e
}

// decodeLowerHex decodes a signature as SigV4 writes it, 2*len(dst)
// lower-case hex digits, and reports whether s was that.
func decodeLowerHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	bad := byte(0)
	for i := range dst {
		hi, lo := lowerHex[s[2*i]], lowerHex[s[2*i+1]]
		bad |= (hi | lo) & 0x80
		dst[i] = hi<<4 | lo&0x0f
	}
	return bad == 0
}

// lowerHex maps a lower-case hex digit to its value, anything else to 0xff.
var lowerHex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "0123456789abcdef" {
		t[c] = byte(i)
	}
	return t
}()

// addSignedHeader adds the canonical form of one signed header as the
// request carries it.
func (s *scratch) addSignedHeader(r *http.Request, name string) {
	switch {
	case strings.EqualFold(name, "host"):
		s.hostHeader = len(s.headers)
		s.addHeaderValue(name, r.Host)
		return
	case strings.EqualFold(name, "content-length"):
		if _, ok := r.Header["Content-Length"]; !ok && r.ContentLength >= 0 {
			s.addContentLength(r.ContentLength)
			return
		}
	case strings.EqualFold(name, "transfer-encoding") && len(r.TransferEncoding) > 0:
		// net/http moves Transfer-Encoding out of the header map.
		s.addHeader(name, r.TransferEncoding)
		return
	}
	// A server's header map has canonical keys: look the name up directly
	// and scan the map only for a header map built by hand.
	var buf [64]byte
	if key, ok := appendCanonicalKey(buf[:0], name); ok {
		if vals, ok := r.Header[string(key)]; ok {
			s.addHeader(name, vals)
			return
		}
	}
	for k, vals := range r.Header {
		if strings.EqualFold(k, name) {
			s.addHeader(name, vals)
			return
		}
	}
	s.addHeader(name, nil)
}

// appendCanonicalKey appends name in the form textproto.CanonicalMIMEHeaderKey
// gives it, reporting false for a name that function leaves as it is.
func appendCanonicalKey(dst []byte, name string) ([]byte, bool) {
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isTokenByte(c) {
			return dst, false
		}
		switch {
		case upper && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !upper && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		dst = append(dst, c)
		upper = c == '-'
	}
	return dst, true
}

// isTokenByte reports whether c may appear in a header name (RFC 9110 token).
func isTokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func (s *scratch) addHeaderValue(name, value string) {
	lo := int32(len(s.arena))
	s.arena = appendLower(s.arena, name)
	mid := int32(len(s.arena))
	s.arena = appendHeaderValue(s.arena, value)
	s.headers = append(s.headers, header{span{lo, mid}, span{mid, int32(len(s.arena))}})
}

// SigningKey returns the key that verified the request; aws-chunked bodies
// are verified with it. It is as sensitive as the secret for its scope.
func (a *Auth) SigningKey() []byte {
	if a.key == nil {
		return nil // an Auth that Verify did not make
	}
	k := a.key.key // a copy: the cache's entry is shared
	return k[:]
}

// AmzDate returns the request's X-Amz-Date as signed.
func (a *Auth) AmzDate() string { return a.amzDate }
