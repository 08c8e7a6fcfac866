package s3api_test

import (
	"encoding/base64"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wicket-io/wicket/internal/testenv"
)

func TestBucketCors(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	newBucket(t, c, "bkt")

	if _, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("bkt")}); apiCode(err) != "NoSuchCORSConfiguration" {
		t.Fatalf("GetBucketCors before a put: %v, want NoSuchCORSConfiguration", err)
	}
	rules := []types.CORSRule{
		{
			ID:             aws.String("site"),
			AllowedOrigins: []string{"https://example.com", "https://*.example.com"},
			AllowedMethods: []string{"GET", "PUT", "POST", "DELETE", "HEAD"},
			AllowedHeaders: []string{"Content-Type", "x-amz-*"},
			ExposeHeaders:  []string{"x-amz-request-id"},
			MaxAgeSeconds:  aws.Int32(3000),
		},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}},
		// MaxAgeSeconds is an xsd:int; S3 keeps a negative one.
		{AllowedOrigins: []string{"https://other.example"}, AllowedMethods: []string{"PUT"}, MaxAgeSeconds: aws.Int32(-100)},
	}
	if _, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String("bkt"), CORSConfiguration: &types.CORSConfiguration{CORSRules: rules}}); err != nil {
		t.Fatalf("PutBucketCors: %v", err)
	}
	got, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("bkt")})
	if err != nil {
		t.Fatalf("GetBucketCors: %v", err)
	}
	if !reflect.DeepEqual(got.CORSRules, rules) {
		t.Fatalf("GetBucketCors = %+v, want %+v", got.CORSRules, rules)
	}
	if _, err := c.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatalf("DeleteBucketCors: %v", err)
	}
	if _, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("bkt")}); apiCode(err) != "NoSuchCORSConfiguration" {
		t.Fatalf("GetBucketCors after delete: %v, want NoSuchCORSConfiguration", err)
	}
	if _, err := c.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatalf("DeleteBucketCors without a configuration: %v", err)
	}
	if _, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("nothere")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("GetBucketCors on a missing bucket: %v, want NoSuchBucket", err)
	}
	if _, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String("nothere"), CORSConfiguration: &types.CORSConfiguration{CORSRules: rules}}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("PutBucketCors on a missing bucket: %v, want NoSuchBucket", err)
	}
}

func TestBucketCorsInvalid(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	newBucket(t, c, "bkt")
	rule := func(f func(*types.CORSRule)) []types.CORSRule {
		r := types.CORSRule{AllowedOrigins: []string{"https://example.com"}, AllowedMethods: []string{"GET"}}
		f(&r)
		return []types.CORSRule{r}
	}
	many := make([]types.CORSRule, 101)
	for i := range many {
		many[i] = rule(func(*types.CORSRule) {})[0]
	}
	for _, tc := range []struct {
		name    string
		rules   []types.CORSRule
		code    string
		message string
	}{
		{"no rule", []types.CORSRule{}, "MalformedXML", ""},
		{"101 rules", many, "MalformedXML", ""},
		{"no origin", rule(func(r *types.CORSRule) { r.AllowedOrigins = []string{} }), "MalformedXML", ""},
		{"no method", rule(func(r *types.CORSRule) { r.AllowedMethods = []string{} }), "MalformedXML", ""},
		{"long id", rule(func(r *types.CORSRule) { r.ID = aws.String(strings.Repeat("i", 256)) }), "MalformedXML", ""},
		{"method PATCH", rule(func(r *types.CORSRule) { r.AllowedMethods = []string{"GET", "PATCH"} }), "InvalidRequest",
			"Found unsupported HTTP method in CORS config. Unsupported method is PATCH"},
		{"method in lower case", rule(func(r *types.CORSRule) { r.AllowedMethods = []string{"get"} }), "InvalidRequest",
			"Found unsupported HTTP method in CORS config. Unsupported method is get"},
		{"two wildcards in an origin", rule(func(r *types.CORSRule) { r.AllowedOrigins = []string{"https://*.example.*"} }), "InvalidRequest",
			`AllowedOrigin "https://*.example.*" can not have more than one wildcard.`},
		{"two wildcards in a header", rule(func(r *types.CORSRule) { r.AllowedHeaders = []string{"x-*-meta-*"} }), "InvalidRequest",
			`AllowedHeader "x-*-meta-*" can not have more than one wildcard.`},
		{"wildcard in an exposed header", rule(func(r *types.CORSRule) { r.ExposeHeaders = []string{"x-amz-*"} }), "InvalidRequest",
			`ExposeHeader "x-amz-*" contains wildcard. We currently do not support wildcard for ExposeHeader.`},
		{"a space in a header", rule(func(r *types.CORSRule) { r.AllowedHeaders = []string{"x-amz-date", "bad header"} }), "InvalidRequest",
			`AllowedHeader "bad header" contains invalid character.`},
		{"a colon in an exposed header", rule(func(r *types.CORSRule) { r.ExposeHeaders = []string{"X-Custom:Header"} }), "InvalidRequest",
			`AllowedHeader "X-Custom:Header" contains invalid character.`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.PutBucketCors(t.Context(), &s3.PutBucketCorsInput{Bucket: aws.String("bkt"), CORSConfiguration: &types.CORSConfiguration{CORSRules: tc.rules}})
			if apiCode(err) != tc.code || tc.message != "" && apiMessage(err) != tc.message {
				t.Fatalf("PutBucketCors: %v; want %s %q", err, tc.code, tc.message)
			}
		})
	}
}

// PutBucketCors needs a digest of its body, as on S3; the SDK sends a
// checksum header, a browser or curl a Content-MD5.
func TestBucketCorsDigest(t *testing.T) {
	env := testenv.New(t)
	newBucket(t, env.S3(), "bkt")
	body := []byte(`<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`)
	good := md5Base64(body)
	wrong := base64.StdEncoding.EncodeToString(make([]byte, 16))
	for _, tc := range []struct {
		name   string
		hdr    http.Header
		status int
		code   string
	}{
		{"no digest", nil, 400, "<Code>InvalidRequest</Code><Message>Missing required header for this request: Content-MD5</Message>"},
		{"wrong Content-MD5", http.Header{"Content-Md5": {wrong}}, 400, "<Code>BadDigest</Code>"},
		{"malformed Content-MD5", http.Header{"Content-Md5": {"nope"}}, 400, "<Code>InvalidDigest</Code>"},
		{"wrong checksum", http.Header{"X-Amz-Checksum-Crc32": {"AAAAAA=="}}, 400, "<Code>BadDigest</Code>"},
		{"Content-MD5", http.Header{"Content-Md5": {good}}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, data := signedRequest(t, env, "PUT", "/bkt?cors", body, tc.hdr)
			if resp.StatusCode != tc.status || !strings.Contains(string(data), tc.code) {
				t.Fatalf("PUT ?cors = %d %s; want %d %s", resp.StatusCode, data, tc.status, tc.code)
			}
		})
	}
}
