package s3api_test

import (
	"crypto/md5"
	"encoding/base64"
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wicket-io/wicket/internal/testenv"
)

const (
	corsVary       = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
	corsNotAllowed = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource&#39;s CORS spec."
)

var corsTestRules = []types.CORSRule{
	{
		ID:             aws.String("site"),
		AllowedOrigins: []string{"https://example.com", "https://*.example.com"},
		AllowedMethods: []string{"GET", "PUT", "DELETE"},
		AllowedHeaders: []string{"Content-Type", "x-amz-*"},
		ExposeHeaders:  []string{"x-amz-request-id"},
		MaxAgeSeconds:  aws.Int32(3000),
	},
	{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET", "HEAD"}},
}

// corsEnv is an endpoint with bucket "bkt" holding corsTestRules and object
// "obj", and bucket "bare" without CORS rules.
func corsEnv(t *testing.T) (*testenv.Env, *s3.Client) {
	t.Helper()
	env := testenv.New(t)
	c := env.S3()
	newBucket(t, c, "bkt")
	newBucket(t, c, "bare")
	putCors(t, c, "bkt", corsTestRules)
	if _, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("obj"), Body: strings.NewReader("data")}); err != nil {
		t.Fatal(err)
	}
	return env, c
}

func putCors(t *testing.T, c *s3.Client, bucket string, rules []types.CORSRule) {
	t.Helper()
	if _, err := c.PutBucketCors(t.Context(), &s3.PutBucketCorsInput{Bucket: aws.String(bucket), CORSConfiguration: &types.CORSConfiguration{CORSRules: rules}}); err != nil {
		t.Fatalf("PutBucketCors: %v", err)
	}
}

// preflight sends an unsigned OPTIONS; empty arguments leave their header
// out.
func preflight(t *testing.T, env *testenv.Env, path, origin, method, headers string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodOptions, env.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers} {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	resp, body := do(t, req)
	return resp, string(body)
}

var corsResponseHeaders = []string{
	"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
	"Access-Control-Expose-Headers", "Access-Control-Max-Age", "Access-Control-Allow-Credentials", "Vary",
}

// checkCORSHeaders compares the CORS headers of a response with want; a
// header missing from want must be absent.
func checkCORSHeaders(t *testing.T, what string, got http.Header, want map[string]string) {
	t.Helper()
	for _, name := range corsResponseHeaders {
		if g := strings.Join(got.Values(name), ", "); g != want[name] {
			t.Errorf("%s: %s = %q, want %q", what, name, g, want[name])
		}
	}
}

func TestPreflight(t *testing.T) {
	env, _ := corsEnv(t)
	site := map[string]string{
		"Access-Control-Allow-Origin":      "https://example.com",
		"Access-Control-Allow-Methods":     "GET, PUT, DELETE",
		"Access-Control-Expose-Headers":    "x-amz-request-id",
		"Access-Control-Max-Age":           "3000",
		"Access-Control-Allow-Credentials": "true",
		"Vary":                             corsVary,
	}
	with := func(base map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	public := map[string]string{
		"Access-Control-Allow-Origin":  "*",
		"Access-Control-Allow-Methods": "GET, HEAD",
		"Vary":                         corsVary,
	}
	for _, tc := range []struct {
		name                    string
		path                    string
		origin, method, headers string
		status                  int
		body                    []string // substrings of the error document
		want                    map[string]string
	}{
		{"exact origin", "/bkt/obj", "https://example.com", "PUT", "", 200, nil, site},
		{"requested headers", "/bkt/obj", "https://example.com", "PUT", "Content-Type,X-Amz-Date , x-amz-meta-Colour", 200, nil,
			with(site, "Access-Control-Allow-Headers", "content-type, x-amz-date, x-amz-meta-colour")},
		{"origin wildcard", "/bkt", "https://app.example.com", "DELETE", "", 200, nil,
			with(site, "Access-Control-Allow-Origin", "https://app.example.com")},
		{"any origin", "/bkt/obj", "https://other.org", "HEAD", "", 200, nil, public},
		{"first rule wins", "/bkt/obj", "https://example.com", "GET", "", 200, nil, site},
		{"method of another rule", "/bkt/obj", "https://example.com", "HEAD", "", 200, nil, public},

		{"no origin", "/bkt/obj", "", "GET", "", 400, []string{"<Code>BadRequest</Code>", "Insufficient information. Origin request header needed."}, nil},
		{"no bucket", "/", "https://example.com", "GET", "", 403, []string{"<Code>AccessForbidden</Code>", "CORSResponse: Bucket not found"}, nil},
		{"missing bucket", "/nothere/obj", "https://example.com", "GET", "", 403,
			[]string{"<Code>AccessForbidden</Code>", "CORSResponse: Bucket not found", "<Method>GET</Method><ResourceType>BUCKET</ResourceType>"}, nil},
		{"bucket without rules", "/bare/obj", "https://example.com", "PUT", "", 403,
			[]string{"<Code>AccessForbidden</Code>", "CORSResponse: CORS is not enabled for this bucket.", "<Method>PUT</Method><ResourceType>BUCKET</ResourceType>"}, nil},
		{"bucket without rules, no method", "/bare", "https://example.com", "", "", 403,
			[]string{"CORSResponse: CORS is not enabled for this bucket.", "<Method>OPTIONS</Method>"}, nil},
		{"no method", "/bkt/obj", "https://example.com", "", "", 400, []string{"<Code>BadRequest</Code>", "Invalid Access-Control-Request-Method: null"}, nil},
		{"method PATCH", "/bkt/obj", "https://example.com", "PATCH", "", 400, []string{"Invalid Access-Control-Request-Method: PATCH"}, nil},
		{"method in lower case", "/bkt/obj", "https://example.com", "get", "", 400, []string{"Invalid Access-Control-Request-Method: get"}, nil},
		{"header name with a space", "/bkt/obj", "https://example.com", "GET", "x-amz-date,bad header", 400,
			[]string{`Access-Control-Request-Headers &#34;bad header&#34; contains invalid character.`}, nil},
		{"bad header quoted as sent", "/bkt/obj", "https://example.com", "GET", "Content-Encoding, Bad/Header", 400,
			[]string{`Access-Control-Request-Headers &#34; Bad/Header&#34; contains invalid character.`}, nil},
		// The syntax of what is asked for comes before the bucket's rules.
		{"bad method, bucket without rules", "/bare/obj", "https://example.com", "get", "", 400,
			[]string{"<Code>BadRequest</Code>", "Invalid Access-Control-Request-Method: get"}, nil},
		{"bad header, bucket without rules", "/bare/obj", "https://example.com", "GET", "X(Custom)", 400,
			[]string{"<Code>BadRequest</Code>", `Access-Control-Request-Headers &#34;X(Custom)&#34; contains invalid character.`}, nil},
		{"bad method, missing bucket", "/nothere/obj", "https://example.com", "PATCH", "", 400,
			[]string{"<Code>BadRequest</Code>", "Invalid Access-Control-Request-Method: PATCH"}, nil},
		{"origin no rule allows", "/bkt/obj", "https://other.org", "PUT", "", 403,
			[]string{"<Code>AccessForbidden</Code>", corsNotAllowed, "<Method>PUT</Method><ResourceType>OBJECT</ResourceType>"}, nil},
		{"origin in another case", "/bkt/obj", "https://EXAMPLE.com", "PUT", "", 403, []string{corsNotAllowed}, nil},
		{"origin with a trailing slash", "/bkt/obj", "https://example.com/", "PUT", "", 403, []string{corsNotAllowed}, nil},
		{"header no rule allows", "/bkt/obj", "https://example.com", "PUT", "content-type,authorization", 403, []string{corsNotAllowed}, nil},
		{"header for a rule without headers", "/bkt", "https://other.org", "GET", "x-amz-date", 403,
			[]string{corsNotAllowed, "<ResourceType>BUCKET</ResourceType>"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := preflight(t, env, tc.path, tc.origin, tc.method, tc.headers)
			if resp.StatusCode != tc.status {
				t.Fatalf("OPTIONS %s = %d %s, want %d", tc.path, resp.StatusCode, body, tc.status)
			}
			for _, s := range tc.body {
				if !strings.Contains(body, s) {
					t.Errorf("body %s lacks %s", body, s)
				}
			}
			if tc.status == 200 && body != "" {
				t.Errorf("a granted preflight has a body: %q", body)
			}
			checkCORSHeaders(t, "OPTIONS "+tc.path, resp.Header, tc.want)
		})
	}
}

// Actual requests carry the headers of the rule their origin and method
// match, whether they succeed or fail, signed or presigned or anonymous.
func TestCORSActualRequests(t *testing.T) {
	env, c := corsEnv(t)
	ctx := t.Context()
	site := map[string]string{
		"Access-Control-Allow-Origin":      "https://example.com",
		"Access-Control-Allow-Methods":     "GET, PUT, DELETE",
		"Access-Control-Expose-Headers":    "x-amz-request-id",
		"Access-Control-Max-Age":           "3000",
		"Access-Control-Allow-Credentials": "true",
		"Vary":                             corsVary,
	}
	public := map[string]string{
		"Access-Control-Allow-Origin":  "*",
		"Access-Control-Allow-Methods": "GET, HEAD",
		"Vary":                         corsVary,
	}
	// As on S3, a request no rule allows gets no CORS header, not even Vary.
	var noMatch map[string]string

	presigned, err := s3.NewPresignClient(c).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("obj")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		send   func(origin string) *http.Response
		origin string
		status int
		want   map[string]string
	}{
		{"signed GET", signedGet(t, env, "/bkt/obj"), "https://example.com", 200, site},
		{"signed GET without Origin", signedGet(t, env, "/bkt/obj"), "", 200, nil},
		{"signed GET from another origin", signedGet(t, env, "/bkt/obj"), "https://other.org", 200, public},
		{"signed GET of a bucket without rules", signedGet(t, env, "/bare"), "https://example.com", 200, nil},
		{"signed GET of a missing key", signedGet(t, env, "/bkt/nothere"), "https://example.com", 404, site},
		// Access-Control-Request-Headers on an actual request is matched
		// as in a preflight; the headers the request carries are not.
		{"signed GET asking for allowed headers", signedGetWith(t, env, "/bkt/obj", "Access-Control-Request-Headers", "Content-Type, X-Amz-Date"),
			"https://example.com", 200, func() map[string]string {
				m := map[string]string{"Access-Control-Allow-Headers": "content-type, x-amz-date"}
				for k, v := range site {
					m[k] = v
				}
				return m
			}()},
		{"signed GET asking for a header no rule allows", signedGetWith(t, env, "/bkt/obj", "Access-Control-Request-Headers", "Authorization"),
			"https://example.com", 200, noMatch},
		{"signed GET asking for another method", signedGetWith(t, env, "/bkt/obj", "Access-Control-Request-Method", "POST"),
			"https://example.com", 200, noMatch},
		// What no preflight could ask for is refused, when there are rules
		// to match it against.
		{"signed GET asking for a method S3 does not know", signedGetWith(t, env, "/bkt/obj", "Access-Control-Request-Method", "invalid_method"),
			"https://example.com", 400, noMatch},
		{"signed GET asking for a header that is not a name", signedGetWith(t, env, "/bkt/obj", "Access-Control-Request-Headers", "invalid header"),
			"https://example.com", 400, noMatch},
		{"signed GET of a bucket without rules asking for a bad method", signedGetWith(t, env, "/bare", "Access-Control-Request-Method", "invalid_method"),
			"https://example.com", 200, noMatch},
		{"signed GET without Origin asking for a bad method", signedGetWith(t, env, "/bkt/obj", "Access-Control-Request-Method", "invalid_method"),
			"", 200, noMatch},
		{"signed PUT no rule allows", func(origin string) *http.Response {
			resp, _ := signedRequest(t, env, "PUT", "/bkt/put", []byte("x"), http.Header{"Origin": {origin}})
			return resp
		}, "https://other.org", 200, noMatch},
		{"presigned GET", func(origin string) *http.Response {
			req, _ := http.NewRequestWithContext(ctx, "GET", presigned.URL, nil)
			req.Header.Set("Origin", origin)
			resp, _ := do(t, req)
			return resp
		}, "https://app.example.com", 200, map[string]string{
			"Access-Control-Allow-Origin":      "https://app.example.com",
			"Access-Control-Allow-Methods":     "GET, PUT, DELETE",
			"Access-Control-Expose-Headers":    "x-amz-request-id",
			"Access-Control-Max-Age":           "3000",
			"Access-Control-Allow-Credentials": "true",
			"Vary":                             corsVary,
		}},
		{"presigned GET with a bad signature", func(origin string) *http.Response {
			req, _ := http.NewRequestWithContext(ctx, "GET", strings.Replace(presigned.URL, "X-Amz-Signature=", "X-Amz-Signature=0", 1), nil)
			req.Header.Set("Origin", origin)
			resp, _ := do(t, req)
			return resp
		}, "https://example.com", 403, site},
		{"anonymous GET", func(origin string) *http.Response {
			req, _ := http.NewRequestWithContext(ctx, "GET", env.URL+"/bkt/obj", nil)
			req.Header.Set("Origin", origin)
			resp, _ := do(t, req)
			return resp
		}, "https://other.org", 403, public},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := tc.send(tc.origin)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			checkCORSHeaders(t, tc.name, resp.Header, tc.want)
		})
	}
}

// An actual request asking, as a preflight would, for a method S3 does not
// know or a header that is not a name is refused as the preflight is.
func TestCORSActualRequestBadAsk(t *testing.T) {
	env, _ := corsEnv(t)
	for _, tc := range []struct{ name, value, msg string }{
		{"Access-Control-Request-Method", "invalid_method", "Invalid Access-Control-Request-Method: invalid_method"},
		{"Access-Control-Request-Headers", "invalid header", `Access-Control-Request-Headers "invalid header" contains invalid character.`},
	} {
		resp, body := signedRequest(t, env, "PUT", "/bkt/my-obj", []byte("x"), http.Header{"Origin": {"https://example.com"}, tc.name: {tc.value}})
		code, msg := between(string(body), "<Code>", "</Code>"), html.UnescapeString(between(string(body), "<Message>", "</Message>"))
		if resp.StatusCode != 400 || code != "BadRequest" || msg != tc.msg {
			t.Errorf("%s: %d %s %q, want 400 BadRequest %q", tc.name, resp.StatusCode, code, msg, tc.msg)
		}
	}
}

func signedGet(t *testing.T, env *testenv.Env, path string) func(origin string) *http.Response {
	return signedGetWith(t, env, path)
}

// signedGetWith is signedGet with more headers, given as name, value...
func signedGetWith(t *testing.T, env *testenv.Env, path string, kv ...string) func(origin string) *http.Response {
	return func(origin string) *http.Response {
		hdr := http.Header{}
		if origin != "" {
			hdr.Set("Origin", origin)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			hdr.Set(kv[i], kv[i+1])
		}
		resp, _ := signedRequest(t, env, "GET", path, nil, hdr)
		return resp
	}
}

// A change of rules applies from the next request.
func TestCORSRulesChange(t *testing.T) {
	env, c := corsEnv(t)
	status := func(origin string) int {
		resp, _ := preflight(t, env, "/bkt/obj", origin, "GET", "")
		return resp.StatusCode
	}
	if s := status("https://example.com"); s != 200 {
		t.Fatalf("preflight before the change: %d", s)
	}
	putCors(t, c, "bkt", []types.CORSRule{{AllowedOrigins: []string{"https://new.example"}, AllowedMethods: []string{"GET"}}})
	if s := status("https://example.com"); s != 403 {
		t.Fatalf("preflight from an origin no longer allowed: %d, want 403", s)
	}
	if s := status("https://new.example"); s != 200 {
		t.Fatalf("preflight from the new origin: %d, want 200", s)
	}
	if _, err := c.DeleteBucketCors(t.Context(), &s3.DeleteBucketCorsInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	resp, body := preflight(t, env, "/bkt/obj", "https://new.example", "GET", "")
	if resp.StatusCode != 403 || !strings.Contains(body, "CORS is not enabled for this bucket.") {
		t.Fatalf("preflight after DeleteBucketCors: %d %s", resp.StatusCode, body)
	}
	get := signedGet(t, env, "/bkt/obj")("https://new.example")
	checkCORSHeaders(t, "GET after DeleteBucketCors", get.Header, nil)
}

// The document is checked strictly: a misspelt element is an error, not a
// rule that allows less than it seems to.
func TestBucketCorsMalformedXML(t *testing.T) {
	env := testenv.New(t)
	newBucket(t, env.S3(), "bkt")
	const rule = `<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>`
	for _, tc := range []struct{ name, body string }{
		{"not XML", `AllowedOrigin: *`},
		{"another root", `<CORSRules><CORSRule>` + rule + `</CORSRule></CORSRules>`},
		{"misspelt element", `<CORSConfiguration><CORSRule>` + rule + `<AllowedHeaders>*</AllowedHeaders></CORSRule></CORSConfiguration>`},
		{"unknown element beside the rules", `<CORSConfiguration><CORSRule>` + rule + `</CORSRule><Owner/></CORSConfiguration>`},
		{"two MaxAgeSeconds", `<CORSConfiguration><CORSRule>` + rule + `<MaxAgeSeconds>1</MaxAgeSeconds><MaxAgeSeconds>2</MaxAgeSeconds></CORSRule></CORSConfiguration>`},
		{"MaxAgeSeconds a word", `<CORSConfiguration><CORSRule>` + rule + `<MaxAgeSeconds>hour</MaxAgeSeconds></CORSRule></CORSConfiguration>`},
		{"MaxAgeSeconds over 32 bits", `<CORSConfiguration><CORSRule>` + rule + `<MaxAgeSeconds>2147483648</MaxAgeSeconds></CORSRule></CORSConfiguration>`},
		{"two IDs", `<CORSConfiguration><CORSRule>` + rule + `<ID>a</ID><ID>b</ID></CORSRule></CORSConfiguration>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sum := md5.Sum([]byte(tc.body))
			resp, data := signedRequest(t, env, "PUT", "/bkt?cors", []byte(tc.body), http.Header{"Content-Md5": {base64.StdEncoding.EncodeToString(sum[:])}})
			if resp.StatusCode != 400 || !strings.Contains(string(data), "<Code>MalformedXML</Code>") {
				t.Fatalf("PUT ?cors = %d %s, want MalformedXML", resp.StatusCode, data)
			}
		})
	}
}
