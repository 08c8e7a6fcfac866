package sigv4

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// The fixture of the verify tests: a long-term key, a temporary one whose
// token the SecretFunc checks, and keys whose lookup fails.
var (
	vtTime       = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	vtCreds      = Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	vtTemp       = Credentials{AccessKeyID: "ASIAEXAMPLETEMPORARY", SecretAccessKey: "temporary/secret+KEY", SessionToken: "IQoJb3JpZ2luX2VjE/good+token=="}
	errStoreDown = errors.New("credential store unavailable")
)

func vtSecret(ak, token string) (string, error) {
	switch {
	case ak == vtCreds.AccessKeyID && token == "":
		return vtCreds.SecretAccessKey, nil
	case ak == vtTemp.AccessKeyID && token == vtTemp.SessionToken:
		return vtTemp.SecretAccessKey, nil
	case ak == vtTemp.AccessKeyID && token == "expired":
		return "", fmt.Errorf("session of %s: %w", ak, ErrExpiredToken)
	case ak == vtTemp.AccessKeyID:
		return "", ErrInvalidToken
	case ak == "AKIDSTOREDOWN":
		return "", errStoreDown
	}
	return "", fmt.Errorf("lookup %s: %w", ak, ErrUnknownAccessKey)
}

func vtVerifier() *Verifier {
	return NewVerifier(VerifierOptions{Region: "us-east-1", Service: "s3", Secret: vtSecret})
}

// vtSigned returns a request signed in its header, as a server reads it.
// before changes the request before signing, after changes it after.
func vtSigned(t *testing.T, c Credentials, p Params, before, after func(*http.Request)) *http.Request {
	t.Helper()
	r, err := http.NewRequest("PUT", "https://examplebucket.s3.amazonaws.com/photos/cat.jpg?tagging&x=1", strings.NewReader("body"))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
	if before != nil {
		before(r)
	}
	if p.Region == "" {
		p.Region, p.Service = "us-east-1", "s3"
	}
	if p.Time.IsZero() {
		p.Time = vtTime
	}
	if err := NewSigner().Sign(r, c, p); err != nil {
		t.Fatal(err)
	}
	if after != nil {
		after(r)
	}
	sr, _ := onTheWire(t, r)
	return sr
}

// vtPresigned returns a request made with a URL that aws-sdk-go-v2
// presigned (it signs any X-Amz-Expires, which Presign refuses to), with
// edit applied to the URL's query.
func vtPresigned(t *testing.T, c Credentials, at time.Time, expires string, edit func(q string) string) *http.Request {
	t.Helper()
	u := "https://examplebucket.s3.amazonaws.com/photos/cat.jpg?response-content-type=image%2Fjpeg"
	if expires != "" {
		u += "&X-Amz-Expires=" + expires
	}
	r, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	signed, _, err := sdkS3Signer.PresignHTTP(context.Background(), sdkCreds(c), r, UnsignedPayload, "s3", "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		base, q, _ := strings.Cut(signed, "?")
		signed = base + "?" + edit(q)
	}
	return httptest.NewRequest("GET", signed, nil)
}

// vtRaw returns a hand-written request as a server reads it.
func vtRaw(t *testing.T, raw string) *http.Request {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(strings.ReplaceAll(raw, "\n", "\r\n") + "\r\n\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func setAuth(value string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", value) }
}

// replaceAuth edits the Authorization header a signer produced.
func replaceAuth(old, new string) func(*http.Request) {
	return func(r *http.Request) {
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
	}
}

func replaceQuery(old, new string) func(string) string {
	return func(q string) string { return strings.Replace(q, old, new, 1) }
}

const (
	msgMechanism       = "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
	msgMalformed       = "The authorization header is malformed; "
	msgComponents      = "the authorization header requires three components: Credential, SignedHeaders, and Signature."
	msgCredParse       = "Error parsing the X-Amz-Credential parameter; "
	msgCredShape       = `the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`
	msgNotSigned       = "There were headers present in the request which were not signed"
	msgSkew            = "The difference between the request time and the current time is too large."
	msgMismatch        = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	msgMissingParams   = "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
	msgExpiresWeek     = "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"
	msgExpiresNegative = "X-Amz-Expires must be non-negative"
	msgExpiresNumber   = "X-Amz-Expires should be a number"
	msgBothForms       = "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified"
)

// TestVerifyErrors is the table of every failure: its AWS code, HTTP
// status and exact message, and the details S3 puts in its error body.
func TestVerifyErrors(t *testing.T) {
	now := vtTime.Add(time.Minute)
	type row struct {
		name    string
		req     func(t *testing.T) *http.Request
		now     time.Time // vtTime + 1m when zero
		payload string
		code    string // "" for success
		status  int
		msg     string
		prefix  bool // msg is a prefix of the message
		check   func(t *testing.T, e *Error)
	}
	header := func(before, after func(*http.Request)) func(t *testing.T) *http.Request {
		return func(t *testing.T) *http.Request { return vtSigned(t, vtCreds, Params{}, before, after) }
	}
	presigned := func(expires string, edit func(string) string) func(t *testing.T) *http.Request {
		return func(t *testing.T) *http.Request { return vtPresigned(t, vtCreds, vtTime, expires, edit) }
	}
	rows := []row{
		// Which mechanism.
		{name: "header ok", req: header(nil, nil)},
		{name: "presigned ok", req: presigned("3600", nil)},
		{name: "SigV2 header", req: header(nil, setAuth("AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=")),
			code: CodeInvalidRequest, status: 400, msg: msgMechanism},
		{name: "SigV4a header", req: header(nil, replaceAuth("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256")),
			code: CodeInvalidRequest, status: 400, msg: msgMechanism},
		{name: "algorithm without separator", req: header(nil, replaceAuth("AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA256,")),
			code: CodeInvalidArgument, status: 400, msg: "Unsupported Authorization Type"},
		{name: "another SigV4 algorithm", req: header(nil, replaceAuth("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA25")),
			code: CodeInvalidArgument, status: 400, msg: "Unsupported Authorization Type",
			check: func(t *testing.T, e *Error) {
				if e.ArgumentName != "Authorization" || !strings.HasPrefix(e.ArgumentValue, "AWS4-HMAC-SHA25 Credential=AKIAIOSFODNN7EXAMPLE/") {
					t.Errorf("argument %q = %q", e.ArgumentName, e.ArgumentValue)
				}
			}},
		{name: "other scheme", req: header(nil, setAuth("Bearer abc")),
			code: CodeInvalidArgument, status: 400, msg: "Unsupported Authorization Type",
			check: func(t *testing.T, e *Error) {
				if e.ArgumentName != "Authorization" || e.ArgumentValue != "Bearer abc" {
					t.Errorf("argument %q = %q", e.ArgumentName, e.ArgumentValue)
				}
			}},
		{name: "header without a space", req: header(nil, setAuth("invalid_header")),
			code: CodeInvalidArgument, status: 400, msg: "Authorization header is invalid -- one and only one ' ' (space) required.",
			check: func(t *testing.T, e *Error) {
				if e.ArgumentName != "Authorization" || e.ArgumentValue != "invalid_header" {
					t.Errorf("argument %q = %q", e.ArgumentName, e.ArgumentValue)
				}
			}},
		{name: "SigV2 query", req: func(t *testing.T) *http.Request {
			return httptest.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/a?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1741064767&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D", nil)
		}, code: CodeInvalidRequest, status: 400, msg: msgMechanism},
		{name: "both forms", req: func(t *testing.T) *http.Request {
			r := vtPresigned(t, vtCreds, vtTime, "60", nil)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
			return r
		}, code: CodeInvalidArgument, status: 400, msg: msgBothForms},
		{name: "header and SigV2 query", req: func(t *testing.T) *http.Request {
			r := httptest.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/a?AWSAccessKeyId=AK&Signature=x", nil)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
			return r
		}, code: CodeInvalidArgument, status: 400, msg: msgBothForms},

		// The Authorization header's shape.
		{name: "no components", req: header(nil, setAuth("AWS4-HMAC-SHA256")),
			code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + "the authorization header requires three components: Credential, SignedHeaders, and Signature."},
		{name: "no Signature", req: header(nil, func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:strings.Index(a, ", Signature=")])
		}), code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + msgComponents},
		{name: "no Credential", req: header(nil, setAuth("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc")),
			code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + msgComponents},
		{name: "no SignedHeaders", req: header(nil, setAuth("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20250304/us-east-1/s3/aws4_request, Signature=abc")),
			code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + msgComponents},
		{name: "unknown component", req: header(nil, replaceAuth(", Signature=", ", Foo=bar, Signature=")),
			code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + msgComponents},
		{name: "repeated component", req: header(nil, replaceAuth(", Signature=", ", Signature=0, Signature=")),
			code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + msgComponents},
		{name: "component without =", req: header(nil, replaceAuth(", SignedHeaders=", ", SignedHeaders-")),
			code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + `the authorization component "SignedHeaders-`, prefix: true},
		{name: "Credential misnamed", req: header(nil, replaceAuth("Credential=", "Creds=")),
			code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + "missing Credential."},
		{name: "SignedHeaders misnamed", req: header(nil, replaceAuth("SignedHeaders=", "missing=")),
			code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + "missing SignedHeaders."},
		{name: "Signature misnamed", req: header(nil, replaceAuth(", Signature=", ", missing=")),
			code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + "missing Signature."},
		{name: "a component twice in three", req: header(nil, replaceAuth("SignedHeaders=", "Signature=")),
			code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + "missing SignedHeaders."},
		{name: "components without spaces", req: header(nil, func(r *http.Request) {
			r.Header.Set("Authorization", strings.ReplaceAll(r.Header.Get("Authorization"), ", ", ","))
		})},

		// The credential.
		{name: "credential of four parts", req: header(nil, replaceAuth("/aws4_request", "")),
			code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + msgCredShape},
		{name: "credential of six parts", req: header(nil, replaceAuth("/aws4_request", "/aws4_request/x")),
			code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + msgCredShape},
		{name: "credential date", req: header(nil, replaceAuth("/20250304/", "/2025030X/")),
			code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + `incorrect date format "2025030X". This date in the credential must be in the format "yyyyMMdd".`},
		{name: "credential date that does not exist", req: header(nil, replaceAuth("/20250304/", "/20250230/")),
			code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + `incorrect date format "20250230". This date in the credential must be in the format "yyyyMMdd".`},
		{name: "terminal", req: header(nil, replaceAuth("/aws4_request", "/aws4_reques")),
			code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + `incorrect terminal "aws4_reques". This endpoint uses "aws4_request".`},
		{name: "region", req: func(t *testing.T) *http.Request {
			return vtSigned(t, vtCreds, Params{Region: "eu-west-1", Service: "s3"}, nil, nil)
		}, code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + "the region 'eu-west-1' is wrong; expecting 'us-east-1'",
			check: func(t *testing.T, e *Error) {
				if e.Region != "us-east-1" {
					t.Errorf("Region %q", e.Region)
				}
			}},
		{name: "service", req: func(t *testing.T) *http.Request {
			return vtSigned(t, vtCreds, Params{Region: "us-east-1", Service: "execute-api"}, nil, nil)
		}, code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + `incorrect service "execute-api". This endpoint belongs to "s3".`},

		// What the signature must cover.
		{name: "host not signed", req: header(nil, replaceAuth("host;", "")),
			code: CodeAccessDenied, status: 403, msg: msgNotSigned,
			check: func(t *testing.T, e *Error) {
				if e.HeadersNotSigned != "host" {
					t.Errorf("HeadersNotSigned %q", e.HeadersNotSigned)
				}
			}},
		{name: "x-amz header not signed", req: header(nil, func(r *http.Request) {
			r.Header.Set("X-Amz-Copy-Source", "/otherbucket/secret")
			r.Header.Set("x-amz-meta-a", "1")
		}), code: CodeAccessDenied, status: 403, msg: msgNotSigned,
			check: func(t *testing.T, e *Error) {
				if e.HeadersNotSigned != "x-amz-copy-source, x-amz-meta-a" {
					t.Errorf("HeadersNotSigned %q", e.HeadersNotSigned)
				}
			}},
		{name: "too many signed headers", req: header(nil, replaceAuth("SignedHeaders=", "SignedHeaders="+strings.Repeat("x-a;", maxSignedHeaders))),
			code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + "SignedHeaders lists more than 2048 headers."},
		{name: "signed header twice", req: header(nil, replaceAuth("host;", "host;Host;")),
			code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + `SignedHeaders lists "host" twice.`},
		{name: "presigned signed header twice", req: presigned("60", replaceQuery("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=host%3Bhost")),
			code: CodeAuthorizationQueryParametersError, status: 400, msg: `X-Amz-SignedHeaders lists "host" twice.`},
		{name: "other header not signed", req: header(nil, func(r *http.Request) { r.Header.Set("X-Forwarded-For", "10.0.0.1") })},

		// The date.
		{name: "no date", req: header(nil, func(r *http.Request) { r.Header.Del("X-Amz-Date") }),
			code: CodeAccessDenied, status: 403, msg: "AWS authentication requires a valid Date or x-amz-date header"},
		{name: "bad X-Amz-Date", req: header(nil, func(r *http.Request) { r.Header.Set("X-Amz-Date", "20250304T050607") }),
			code: CodeAccessDenied, status: 403, msg: "AWS authentication requires a valid Date or x-amz-date header"},
		{name: "credential date not the request's", req: func(t *testing.T) *http.Request {
			return vtSigned(t, vtCreds, Params{}, nil, func(r *http.Request) { r.Header.Set("X-Amz-Date", "20250305T000000Z") })
		}, now: time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC),
			code: CodeAuthorizationHeaderMalformed, status: 400, msg: msgMalformed + "Invalid credential date. Date is not the same as X-Amz-Date."},
		{name: "skew +15m", req: header(nil, nil), now: vtTime.Add(15 * time.Minute)},
		{name: "skew -15m", req: header(nil, nil), now: vtTime.Add(-15 * time.Minute)},
		{name: "skew +15m1s", req: header(nil, nil), now: vtTime.Add(15*time.Minute + time.Second),
			code: CodeRequestTimeTooSkewed, status: 403, msg: msgSkew,
			check: func(t *testing.T, e *Error) {
				if e.RequestTime != "20250304T050607Z" || e.ServerTime != "20250304T052108Z" || e.MaxSkew != 15*time.Minute {
					t.Errorf("times %q %q %v", e.RequestTime, e.ServerTime, e.MaxSkew)
				}
			}},
		{name: "skew -15m1s", req: header(nil, nil), now: vtTime.Add(-15*time.Minute - time.Second),
			code: CodeRequestTimeTooSkewed, status: 403, msg: msgSkew},

		// The payload hash S3 requires.
		{name: "no x-amz-content-sha256", req: header(nil, func(r *http.Request) { r.Header.Del("X-Amz-Content-Sha256") }),
			code: CodeInvalidRequest, status: 400, msg: "Missing required header for this request: x-amz-content-sha256"},
		{name: "bad x-amz-content-sha256", req: header(func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "abc") }, nil),
			code: CodeInvalidArgument, status: 400, msg: "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.",
			check: func(t *testing.T, e *Error) {
				if e.ArgumentName != "x-amz-content-sha256" || e.ArgumentValue != "abc" {
					t.Errorf("argument %q = %q", e.ArgumentName, e.ArgumentValue)
				}
			}},

		// Credentials.
		{name: "unknown access key", req: func(t *testing.T) *http.Request {
			return vtSigned(t, Credentials{AccessKeyID: "AKIDUNKNOWN", SecretAccessKey: "x"}, Params{}, nil, nil)
		}, code: CodeInvalidAccessKeyID, status: 403, msg: "The AWS Access Key Id you provided does not exist in our records.",
			check: func(t *testing.T, e *Error) {
				if e.AccessKeyID != "AKIDUNKNOWN" || !errors.Is(e, ErrUnknownAccessKey) {
					t.Errorf("%q %v", e.AccessKeyID, e.Err)
				}
			}},
		{name: "temporary credentials", req: func(t *testing.T) *http.Request {
			return vtSigned(t, vtTemp, Params{}, nil, nil)
		}},
		{name: "expired token", req: func(t *testing.T) *http.Request {
			c := vtTemp
			c.SessionToken = "expired"
			return vtSigned(t, c, Params{}, nil, nil)
		}, code: CodeExpiredToken, status: 400, msg: "The provided token has expired.",
			check: func(t *testing.T, e *Error) {
				if !errors.Is(e, ErrExpiredToken) {
					t.Error(e.Err)
				}
			}},
		{name: "invalid token", req: func(t *testing.T) *http.Request {
			c := vtTemp
			c.SessionToken = "forged"
			return vtSigned(t, c, Params{}, nil, nil)
		}, code: CodeInvalidToken, status: 400, msg: "The provided token is malformed or otherwise invalid."},
		{name: "temporary key without its token", req: func(t *testing.T) *http.Request {
			c := vtTemp
			c.SessionToken = ""
			return vtSigned(t, c, Params{}, nil, nil)
		}, code: CodeInvalidToken, status: 400, msg: "The provided token is malformed or otherwise invalid."},
		{name: "signature in upper case", req: header(nil, func(r *http.Request) {
			a := r.Header.Get("Authorization")
			i := strings.Index(a, "Signature=") + len("Signature=")
			r.Header.Set("Authorization", a[:i]+strings.ToUpper(a[i:]))
		}), code: CodeSignatureDoesNotMatch, status: 403, msg: msgMismatch},
		{name: "signature too short", req: header(nil, func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-2])
		}), code: CodeSignatureDoesNotMatch, status: 403, msg: msgMismatch},
		{name: "wrong secret", req: func(t *testing.T) *http.Request {
			c := vtCreds
			c.SecretAccessKey = "not the secret"
			return vtSigned(t, c, Params{}, nil, nil)
		}, code: CodeSignatureDoesNotMatch, status: 403, msg: msgMismatch},

		// Presigned URLs.
		{name: "presigned algorithm", req: presigned("60", replaceQuery("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA512")),
			code: CodeAuthorizationQueryParametersError, status: 400, msg: `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256 and AWS4-ECDSA-P256-SHA256"`},
		{name: "presigned SigV4a", req: presigned("60", replaceQuery("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256")),
			code: CodeAuthorizationQueryParametersError, status: 400, msg: `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`},
		{name: "presigned without algorithm", req: presigned("60", replaceQuery("X-Amz-Algorithm=AWS4-HMAC-SHA256&", "")),
			code: CodeAuthorizationQueryParametersError, status: 400, msg: msgMissingParams},
		{name: "presigned without signature", req: presigned("60", func(q string) string { return q[:strings.Index(q, "&X-Amz-Signature=")] }),
			code: CodeAuthorizationQueryParametersError, status: 400, msg: msgMissingParams},
		{name: "presigned without X-Amz-Expires", req: presigned("", nil),
			code: CodeAuthorizationQueryParametersError, status: 400, msg: msgMissingParams},
		{name: "X-Amz-Expires=0 at once", req: presigned("0", nil), now: vtTime},
		{name: "X-Amz-Expires=0 a second later", req: presigned("0", nil), now: vtTime.Add(time.Second),
			code: CodeAccessDenied, status: 403, msg: "Request has expired",
			check: func(t *testing.T, e *Error) {
				if e.AmzExpires != "0" || e.Expires != "2025-03-04T05:06:07Z" || e.ServerTime != "2025-03-04T05:06:08Z" {
					t.Errorf("%q %q %q", e.AmzExpires, e.Expires, e.ServerTime)
				}
			}},
		{name: "X-Amz-Expires=-1", req: presigned("-1", nil),
			code: CodeAuthorizationQueryParametersError, status: 403, msg: msgExpiresNegative},
		{name: "X-Amz-Expires=1 at its end", req: presigned("1", nil), now: vtTime.Add(time.Second)},
		{name: "X-Amz-Expires=604800 at its end", req: presigned("604800", nil), now: vtTime.Add(604800 * time.Second)},
		{name: "X-Amz-Expires=604800 after its end", req: presigned("604800", nil), now: vtTime.Add(604801 * time.Second),
			code: CodeAccessDenied, status: 403, msg: "Request has expired"},
		{name: "X-Amz-Expires=604801", req: presigned("604801", nil),
			code: CodeAuthorizationQueryParametersError, status: 403, msg: msgExpiresWeek},
		{name: "X-Amz-Expires too large for int64", req: presigned("99999999999999999999", nil),
			code: CodeAuthorizationQueryParametersError, status: 403, msg: msgExpiresWeek},
		{name: "X-Amz-Expires=abc", req: presigned("abc", nil),
			code: CodeAuthorizationQueryParametersError, status: 400, msg: msgExpiresNumber},
		{name: "X-Amz-Expires=1e3", req: presigned("1e3", nil),
			code: CodeAuthorizationQueryParametersError, status: 400, msg: msgExpiresNumber},
		{name: "presigned 15m early", req: presigned("60", nil), now: vtTime.Add(-15 * time.Minute)},
		{name: "presigned 15m1s early", req: presigned("60", nil), now: vtTime.Add(-15*time.Minute - time.Second),
			code: CodeAccessDenied, status: 403, msg: "Request is not yet valid",
			check: func(t *testing.T, e *Error) {
				if e.RequestTime != "20250304T050607Z" || e.ServerTime != "2025-03-04T04:51:06Z" {
					t.Errorf("%q %q", e.RequestTime, e.ServerTime)
				}
			}},
		{name: "presigned a day later", req: presigned("86400", nil), now: vtTime.Add(24 * time.Hour)},
		{name: "presigned X-Amz-Date", req: presigned("60", replaceQuery("X-Amz-Date=20250304T050607Z", "X-Amz-Date=20250304T0506Z")),
			code: CodeAuthorizationQueryParametersError, status: 400, msg: `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`},
		{name: "presigned credential date", req: presigned("60", replaceQuery("X-Amz-Date=20250304T050607Z", "X-Amz-Date=20250305T050607Z")),
			code: CodeAuthorizationQueryParametersError, status: 400, msg: `Invalid credential date "20250304". This date is not the same as X-Amz-Date: "20250305".`},
		{name: "presigned credential shape", req: presigned("60", replaceQuery("%2Faws4_request", "")),
			code: CodeAuthorizationQueryParametersError, status: 400, msg: msgCredParse + msgCredShape},
		{name: "presigned terminal", req: presigned("60", replaceQuery("%2Faws4_request", "%2Faws5_request")),
			code: CodeAuthorizationQueryParametersError, status: 400, msg: msgCredParse + `incorrect terminal "aws5_request". This endpoint uses "aws4_request".`},
		{name: "presigned region", req: presigned("60", replaceQuery("%2Fus-east-1%2F", "%2Feu-west-1%2F")),
			code: CodeAuthorizationQueryParametersError, status: 400, msg: msgCredParse + "the region 'eu-west-1' is wrong; expecting 'us-east-1'",
			check: func(t *testing.T, e *Error) {
				if e.Region != "us-east-1" {
					t.Errorf("Region %q", e.Region)
				}
			}},
		{name: "presigned service", req: presigned("60", replaceQuery("%2Fs3%2F", "%2Fsts%2F")),
			code: CodeAuthorizationQueryParametersError, status: 400, msg: msgCredParse + `incorrect service "sts". This endpoint belongs to "s3".`},
		{name: "presigned without host", req: presigned("60", replaceQuery("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=range")),
			code: CodeAccessDenied, status: 403, msg: msgNotSigned},
		{name: "presigned with an unsigned x-amz header", req: func(t *testing.T) *http.Request {
			r := vtPresigned(t, vtCreds, vtTime, "60", nil)
			r.Header.Set("X-Amz-Server-Side-Encryption", "AES256")
			return r
		}, code: CodeAccessDenied, status: 403, msg: msgNotSigned},
		{name: "presigned signature twice", req: presigned("60", func(q string) string { return q + "&X-Amz-Signature=0" }),
			code: CodeAuthorizationQueryParametersError, status: 400, msg: "X-Amz-Signature must appear only once."},
		{name: "presigned date twice", req: presigned("60", func(q string) string { return "X-Amz-Date=20250304T050607Z&" + q }),
			code: CodeAuthorizationQueryParametersError, status: 400, msg: "X-Amz-Date must appear only once."},
		{name: "presigned parameter added", req: presigned("60", func(q string) string { return q + "&response-content-disposition=attachment" }),
			code: CodeSignatureDoesNotMatch, status: 403, msg: msgMismatch},
		{name: "presigned unknown key", req: func(t *testing.T) *http.Request {
			return vtPresigned(t, Credentials{AccessKeyID: "AKIDUNKNOWN", SecretAccessKey: "x"}, vtTime, "60", nil)
		}, code: CodeInvalidAccessKeyID, status: 403, msg: "The AWS Access Key Id you provided does not exist in our records."},
		{name: "presigned temporary", req: func(t *testing.T) *http.Request {
			return vtPresigned(t, vtTemp, vtTime, "60", nil)
		}},
		{name: "presigned expired token", req: func(t *testing.T) *http.Request {
			c := vtTemp
			c.SessionToken = "expired"
			return vtPresigned(t, c, vtTime, "60", nil)
		}, code: CodeExpiredToken, status: 400, msg: "The provided token has expired."},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			at := tc.now
			if at.IsZero() {
				at = now
			}
			a, err := vtVerifier().Verify(tc.req(t), at, tc.payload)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("%v %+v", err, err)
				}
				if a == nil || a.AccessKeyID == "" {
					t.Fatalf("Auth %+v", a)
				}
				return
			}
			e, ok := AsError(err)
			if !ok {
				t.Fatalf("got %v (%T), want %s", err, err, tc.code)
			}
			if e.Code != tc.code || e.Status != tc.status || (!tc.prefix && e.Message != tc.msg) || !strings.HasPrefix(e.Message, tc.msg) {
				t.Errorf("got %s %d %q\nwant %s %d %q", e.Code, e.Status, e.Message, tc.code, tc.status, tc.msg)
			}
			if e.Error() != e.Code+": "+e.Message {
				t.Errorf("Error() = %q", e.Error())
			}
			if tc.check != nil {
				tc.check(t, e)
			}
		})
	}
}

// TestVerifyMismatchReport checks that SignatureDoesNotMatch carries the
// canonical request and string to sign the server computed, as S3 returns
// them, and nothing derived from the secret.
func TestVerifyMismatchReport(t *testing.T) {
	var d Debug
	r, _ := http.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/a%20b?x=1", nil)
	if err := NewSigner().Sign(r, vtCreds, Params{Region: "us-east-1", Service: "s3", Time: vtTime, Debug: &d}); err != nil {
		t.Fatal(err)
	}
	forged := strings.Repeat("0", 64)
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), d.Signature, forged, 1))
	sr, _ := onTheWire(t, r)
	_, err := vtVerifier().Verify(sr, vtTime, "")
	e, ok := AsError(err)
	if !ok || e.Code != CodeSignatureDoesNotMatch {
		t.Fatal(err)
	}
	if e.CanonicalRequest != d.CanonicalRequest || e.StringToSign != d.StringToSign {
		t.Errorf("report:\n%s\n%s\nwant:\n%s\n%s", e.CanonicalRequest, e.StringToSign, d.CanonicalRequest, d.StringToSign)
	}
	if e.SignatureProvided != forged || e.AccessKeyID != vtCreds.AccessKeyID {
		t.Errorf("provided %q by %q", e.SignatureProvided, e.AccessKeyID)
	}
	key := hex.EncodeToString(SigningKey(vtCreds.SecretAccessKey, "20250304", "us-east-1", "s3"))
	all := fmt.Sprintf("%+v %#v %v", e, e, e.Error())
	for _, secret := range []string{vtCreds.SecretAccessKey, key, d.Signature} {
		if strings.Contains(all, secret) {
			t.Errorf("the error reveals %q", secret)
		}
	}
}

// TestVerifyDateHeader checks a request dated by its Date header alone,
// which the string to sign then carries in X-Amz-Date's format. (Sign always
// sets X-Amz-Date; the signature is made from the verifier's own report,
// which also shows that report to be the one to sign.)
func TestVerifyDateHeader(t *testing.T) {
	raw := "GET /a HTTP/1.1\nHost: examplebucket.s3.amazonaws.com\nDate: " + vtTime.Format(http.TimeFormat) +
		"\nX-Amz-Content-Sha256: " + EmptyPayloadHash +
		"\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20250304/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256, Signature=%s"
	_, err := vtVerifier().Verify(vtRaw(t, fmt.Sprintf(raw, "0")), vtTime, "")
	e, ok := AsError(err)
	if !ok || e.Code != CodeSignatureDoesNotMatch {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.StringToSign, "AWS4-HMAC-SHA256\n20250304T050607Z\n20250304/us-east-1/s3/aws4_request\n") ||
		!strings.Contains(e.CanonicalRequest, "\ndate:Tue, 04 Mar 2025 05:06:07 GMT\n") {
		t.Fatalf("%s\n%s", e.CanonicalRequest, e.StringToSign)
	}
	key := SigningKey(vtCreds.SecretAccessKey, "20250304", "us-east-1", "s3")
	sig := hex.EncodeToString(hmacSum(nil, key, e.StringToSign))
	a, err := vtVerifier().Verify(vtRaw(t, fmt.Sprintf(raw, sig)), vtTime, "")
	if err != nil {
		t.Fatal(err)
	}
	if a.AmzDate() != "20250304T050607Z" || !a.Time.Equal(vtTime) {
		t.Errorf("%+v", a)
	}
}

// TestVerifyInternalError checks that a lookup failure that is not one of
// the three known errors comes back wrapped, not as an AWS error.
func TestVerifyInternalError(t *testing.T) {
	r := vtSigned(t, Credentials{AccessKeyID: "AKIDSTOREDOWN", SecretAccessKey: "x"}, Params{}, nil, nil)
	_, err := vtVerifier().Verify(r, vtTime, "")
	if _, ok := AsError(err); ok || !errors.Is(err, errStoreDown) {
		t.Fatalf("%v", err)
	}
}

// TestVerifyNotSigned checks anonymous requests and the mechanism probes.
func TestVerifyNotSigned(t *testing.T) {
	r := httptest.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/a?prefix=X-Amz-Signature%3D", nil)
	if _, err := vtVerifier().Verify(r, vtTime, ""); err != ErrNotSigned {
		t.Fatalf("%v", err)
	}
	if IsSigned(r) || IsPresigned(r) {
		t.Error("anonymous request reported as signed")
	}
	p := vtPresigned(t, vtCreds, vtTime, "60", nil)
	if !IsSigned(p) || !IsPresigned(p) {
		t.Error("presigned request not reported")
	}
	h := vtSigned(t, vtCreds, Params{}, nil, nil)
	if !IsSigned(h) || IsPresigned(h) {
		t.Error("header-signed request misreported")
	}
}

// TestVerifySessionToken checks that the token of either form reaches the
// SecretFunc and the Auth, and the Auth's other fields.
func TestVerifySessionToken(t *testing.T) {
	var seen []string
	v := NewVerifier(VerifierOptions{Secret: func(ak, tok string) (string, error) {
		seen = append(seen, ak+" "+tok)
		return vtSecret(ak, tok)
	}})
	h := vtSigned(t, vtTemp, Params{}, nil, nil)
	a, err := v.Verify(h, vtTime, "")
	if err != nil {
		t.Fatal(err)
	}
	if a.SessionToken != vtTemp.SessionToken || a.Presigned || a.PayloadHash != UnsignedPayload || a.AmzDate() != "20250304T050607Z" || !a.Time.Equal(vtTime) {
		t.Errorf("%+v", a)
	}
	if want := "content-length;host;x-amz-content-sha256;x-amz-date;x-amz-security-token"; strings.Join(a.SignedHeaders, ";") != want {
		t.Errorf("signed %q", a.SignedHeaders)
	}
	if a.Scope != (Scope{Date: "20250304", Region: "us-east-1", Service: "s3"}) || a.Scope.String() != "20250304/us-east-1/s3/aws4_request" {
		t.Errorf("scope %v", a.Scope)
	}
	if want := SigningKey(vtTemp.SecretAccessKey, "20250304", "us-east-1", "s3"); string(a.SigningKey()) != string(want) {
		t.Error("signing key")
	}
	p := vtPresigned(t, vtTemp, vtTime, "900", nil)
	a, err = v.Verify(p, vtTime, "")
	if err != nil {
		t.Fatal(err)
	}
	if a.SessionToken != vtTemp.SessionToken || !a.Presigned || !a.Expires.Equal(vtTime.Add(15*time.Minute)) || a.PayloadHash != UnsignedPayload {
		t.Errorf("%+v", a)
	}
	want := vtTemp.AccessKeyID + " " + vtTemp.SessionToken
	if len(seen) != 2 || seen[0] != want || seen[1] != want {
		t.Errorf("SecretFunc saw %q", seen)
	}
}

// TestVerifyOtherService verifies a request to a service other than S3: a
// caller-computed payload hash, a path normalised and encoded twice.
func TestVerifyOtherService(t *testing.T) {
	v := NewVerifier(VerifierOptions{Region: "us-east-1", Service: "sts", Secret: vtSecret})
	body := "Action=GetCallerIdentity&Version=2011-06-15"
	r, _ := http.NewRequest("POST", "https://sts.amazonaws.com/a b/./c/../d", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var d Debug
	payload := hexSHA256([]byte(body))
	if err := NewSigner().Sign(r, vtCreds, Params{Region: "us-east-1", Service: "sts", Time: vtTime, PayloadHash: payload, Debug: &d}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.CanonicalRequest, "POST\n/a%2520b/d\n") {
		t.Errorf("canonical request %q", d.CanonicalRequest)
	}
	if r.Header.Get("X-Amz-Content-Sha256") != "" {
		t.Error("X-Amz-Content-Sha256 set for a service other than S3")
	}
	sr, _ := onTheWire(t, r)
	if _, err := v.Verify(sr, vtTime, payload); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(sr, vtTime, EmptyPayloadHash); err == nil {
		t.Error("verified with another payload hash")
	}
}

// TestVerifyConcurrent verifies and signs from many goroutines with shared
// Signer and Verifier; run it with -race.
func TestVerifyConcurrent(t *testing.T) {
	sg, v := NewSigner(), vtVerifier()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				c := vtCreds
				if (g+i)%2 == 0 {
					c = vtTemp
				}
				at := vtTime.Add(time.Duration(i) * 24 * time.Hour)
				r, _ := http.NewRequest("GET", fmt.Sprintf("https://examplebucket.s3.amazonaws.com/%d/%d", g, i), nil)
				if err := sg.Sign(r, c, Params{Region: "us-east-1", Service: "s3", Time: at}); err != nil {
					t.Error(err)
					return
				}
				sr := httptest.NewRequest("GET", r.URL.String(), nil)
				sr.Header = r.Header
				if _, err := v.Verify(sr, at, ""); err != nil {
					t.Error(err)
					return
				}
				r, _ = http.NewRequest("GET", r.URL.String(), nil)
				u, err := sg.Presign(r, c, Params{Region: "us-east-1", Service: "s3", Time: at, Expires: time.Minute})
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := v.Verify(httptest.NewRequest("GET", u, nil), at, ""); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestSignErrors checks the arguments Sign and Presign refuse.
func TestSignErrors(t *testing.T) {
	sg := NewSigner()
	ok := Params{Region: "us-east-1", Service: "s3", Time: vtTime, Expires: time.Hour}
	req := func(u string) *http.Request {
		r, _ := http.NewRequest("GET", u, nil)
		return r
	}
	for _, tc := range []struct {
		name string
		r    *http.Request
		c    Credentials
		p    func(Params) Params
		want string // "" for success; checked for Presign only when presign is set
	}{
		{"no access key", req("https://h/"), Credentials{SecretAccessKey: "s"}, nil, "sigv4: credentials need an access key id and a secret"},
		{"no secret", req("https://h/"), Credentials{AccessKeyID: "a"}, nil, "sigv4: credentials need an access key id and a secret"},
		{"no region", req("https://h/"), vtCreds, func(p Params) Params { p.Region = ""; return p }, "sigv4: region and service are required"},
		{"no service", req("https://h/"), vtCreds, func(p Params) Params { p.Service = ""; return p }, "sigv4: region and service are required"},
		{"no time", req("https://h/"), vtCreds, func(p Params) Params { p.Time = time.Time{}; return p }, "sigv4: signing time is required"},
		{"no URL", &http.Request{Method: "GET"}, vtCreds, nil, "sigv4: request has no URL"},
	} {
		p := ok
		if tc.p != nil {
			p = tc.p(p)
		}
		if err := sg.Sign(tc.r, tc.c, p); err == nil || err.Error() != tc.want {
			t.Errorf("Sign %s: %v", tc.name, err)
		}
		if _, err := sg.Presign(tc.r, tc.c, p); err == nil || err.Error() != tc.want {
			t.Errorf("Presign %s: %v", tc.name, err)
		}
	}
	for _, tc := range []struct {
		url     string
		expires time.Duration
		want    string
	}{
		{"https://h/", 0, "sigv4: presigning needs Params.Expires or X-Amz-Expires in the URL"},
		{"https://h/", -time.Second, "sigv4: presigned URLs expire after 1 to 604800 seconds, not -1"},
		{"https://h/", 500 * time.Millisecond, "sigv4: presigned URLs expire after 1 to 604800 seconds, not 0"},
		{"https://h/", time.Second, ""},
		{"https://h/", MaxExpires, ""},
		{"https://h/", MaxExpires + time.Second, "sigv4: presigned URLs expire after 1 to 604800 seconds, not 604801"},
		{"https://h/?X-Amz-Expires=0", 0, "sigv4: presigned URLs expire after 1 to 604800 seconds, not 0"},
		{"https://h/?X-Amz-Expires=604800", 0, ""},
		{"https://h/?X-Amz-Expires=604801", 0, "sigv4: presigned URLs expire after 1 to 604800 seconds, not 604801"},
		{"https://h/?X-Amz-Expires=abc", 0, `sigv4: X-Amz-Expires "abc" is not a number`},
		{"https://h/?X-Amz-Expires=abc", time.Minute, ""}, // Params.Expires wins
	} {
		p := ok
		p.Expires = tc.expires
		u, err := sg.Presign(req(tc.url), vtCreds, p)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %v: %v", tc.url, tc.expires, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("%s %v: %v, want %s", tc.url, tc.expires, err, tc.want)
		case err == nil && strings.Count(u, "X-Amz-Expires=") != 1:
			t.Errorf("%s: %s", tc.url, u)
		}
	}
}

// TestPresignAfterSign presigns a request that Sign has already signed:
// the headers Sign set (X-Amz-Date, the token) must not reach the URL a
// second time, and the URL must verify with the headers it signed.
func TestPresignAfterSign(t *testing.T) {
	sg := NewSigner()
	r, _ := http.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/a?X-Amz-Date=19990101T000000Z", nil)
	if err := sg.Sign(r, vtTemp, Params{Region: "us-east-1", Service: "s3", Time: vtTime.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	u, err := sg.Presign(r, vtTemp, Params{Region: "us-east-1", Service: "s3", Time: vtTime, Expires: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"X-Amz-Date=", "X-Amz-Security-Token=", "X-Amz-Algorithm=", "X-Amz-Signature="} {
		if n := strings.Count(u, p); n != 1 {
			t.Errorf("%d × %s in %s", n, p, u)
		}
	}
	sr := httptest.NewRequest("GET", u, nil)
	sr.Header.Set("X-Amz-Content-Sha256", r.Header.Get("X-Amz-Content-Sha256")) // signed, not hoisted
	if _, err := vtVerifier().Verify(sr, vtTime, ""); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyLargeRequest verifies requests with tens of thousands of query
// parameters and x-amz-* headers, which a client may send as far as the
// server's limits let it: the work must stay O(n log n). (With insertion
// sorts or a scan of the signed names per header, this takes minutes.)
func TestVerifyLargeRequest(t *testing.T) {
	var q strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&q, "&p%d=%d", 20000-i, i)
	}
	r, _ := http.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/a?"+q.String()[1:], nil)
	if err := NewSigner().Sign(r, vtCreds, Params{Region: "us-east-1", Service: "s3", Time: vtTime}); err != nil {
		t.Fatal(err)
	}
	sr, _ := onTheWire(t, r)
	if _, err := vtVerifier().Verify(sr, vtTime, ""); err != nil {
		t.Fatal(err)
	}
	for i := range 20000 {
		sr.Header.Set(fmt.Sprintf("X-Amz-Meta-H%d", i), "v")
	}
	_, err := vtVerifier().Verify(sr, vtTime, "")
	if e, ok := AsError(err); !ok || e.Code != CodeAccessDenied || strings.Count(e.HeadersNotSigned, ",") != 19999 {
		t.Fatalf("%v", err)
	}
}

// signFromReport completes a request whose Authorization header ends in
// "Signature=": it takes the string to sign from the verifier's
// SignatureDoesNotMatch report, signs it, and verifies the result. It
// builds requests no signer here makes, from the server's side.
func signFromReport(t *testing.T, r *http.Request) (*Auth, *Error) {
	t.Helper()
	_, err := vtVerifier().Verify(r, vtTime, "")
	e, ok := AsError(err)
	if !ok || e.Code != CodeSignatureDoesNotMatch {
		t.Fatalf("%v", err)
	}
	key := SigningKey(vtCreds.SecretAccessKey, "20250304", "us-east-1", "s3")
	r.Header.Set("Authorization", r.Header.Get("Authorization")+hex.EncodeToString(hmacSum(nil, key, e.StringToSign)))
	a, err := vtVerifier().Verify(r, vtTime, "")
	if err != nil {
		t.Fatalf("%v\n%s", err, e.CanonicalRequest)
	}
	return a, e
}

// TestVerifySignedHeaderSources covers where the verifier finds a signed
// header's value: the Host, a Content-Length or Transfer-Encoding that
// net/http keeps out of the header map, a header map built by hand, and a
// header the request does not carry.
func TestVerifySignedHeaderSources(t *testing.T) {
	raw := func(signed string) *http.Request {
		r := vtRaw(t, "PUT /a HTTP/1.1\nHost: examplebucket.s3.amazonaws.com\nX-Amz-Date: 20250304T050607Z\nX-Amz-Content-Sha256: UNSIGNED-PAYLOAD\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20250304/us-east-1/s3/aws4_request, SignedHeaders="+signed+", Signature=")
		return r
	}
	for _, tc := range []struct {
		name, signed string
		edit         func(*http.Request)
		want         string // in the canonical headers
	}{
		{"content-length from the request", "content-length;host;x-amz-content-sha256;x-amz-date",
			func(r *http.Request) { r.ContentLength = 42 }, "\ncontent-length:42\n"},
		{"transfer-encoding from the request", "host;transfer-encoding;x-amz-content-sha256;x-amz-date",
			func(r *http.Request) { r.TransferEncoding = []string{"chunked"} }, "\ntransfer-encoding:chunked\n"},
		{"a hand-built header map", "host;x-odd;x-amz-content-sha256;x-amz-date",
			func(r *http.Request) { r.Header["x-odd"] = []string{" v  w "} }, "\nx-odd:v w\n"},
		{"a header the request lacks", "host;x-missing;x-amz-content-sha256;x-amz-date",
			nil, "\nx-missing:\n"},
		{"upper-case names", "Host;X-Amz-Content-Sha256;X-Amz-Date",
			nil, "\nhost:examplebucket.s3.amazonaws.com\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n"},
	} {
		r := raw(tc.signed)
		if tc.edit != nil {
			tc.edit(r)
		}
		_, e := signFromReport(t, r)
		if !strings.Contains(e.CanonicalRequest, tc.want) {
			t.Errorf("%s: canonical request\n%s", tc.name, e.CanonicalRequest)
		}
	}
}

// TestSignManyHeaders signs a request with more headers than the insertion
// sort handles, and with a long secret, like aws-sdk-go-v2.
func TestSignManyHeaders(t *testing.T) {
	c := Credentials{AccessKeyID: "AK", SecretAccessKey: strings.Repeat("long/secret+", 20)}
	mk := func() *http.Request {
		r, _ := http.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/k", nil)
		for i := range 30 {
			r.Header.Set(fmt.Sprintf("X-Amz-Meta-H%02d", 29-i), fmt.Sprint(i))
		}
		r.Header.Set("X-Amz-Content-Sha256", EmptyPayloadHash)
		return r
	}
	ours, sdk := mk(), mk()
	if err := NewSigner().Sign(ours, c, Params{Region: "us-east-1", Service: "s3", Time: vtTime}); err != nil {
		t.Fatal(err)
	}
	if err := sdkS3Signer.SignHTTP(context.Background(), sdkCreds(c), sdk, EmptyPayloadHash, "s3", "us-east-1", vtTime); err != nil {
		t.Fatal(err)
	}
	if a, b := ours.Header.Get("Authorization"), sdk.Header.Get("Authorization"); a != b {
		t.Errorf("\n ours %s\n sdk  %s", a, b)
	}
}
