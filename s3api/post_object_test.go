package s3api_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/authn"
	"github.com/wicket-io/wicket/internal/testenv"
	"github.com/wicket-io/wicket/s3api"
	"github.com/wicket-io/wicket/sigv4"
	"github.com/wicket-io/wicket/storage/memory"
)

// The worked example of AWS's "Example: Browser-Based Upload using HTTP
// POST (Using AWS Signature Version 4)": its policy (with CRLF line ends,
// as published), credentials and signature.
const (
	awsExampleAccessKey = "AKIAIOSFODNN7EXAMPLE"
	awsExampleSecret    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	awsExamplePolicy    = "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9"
	awsExampleSignature = "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e"
)

func TestPostPolicySignatureAWSExample(t *testing.T) {
	doc, err := base64.StdEncoding.DecodeString(awsExamplePolicy)
	if err != nil || !bytes.HasPrefix(doc, []byte("{ \"expiration\": \"2015-12-30T12:00:00.000Z\",\r\n")) {
		t.Fatalf("the example policy decodes to %q, %v", doc, err)
	}
	key := sigv4.SigningKey(awsExampleSecret, "20151229", "us-east-1", "s3")
	if got := s3api.PostPolicySignature(key, awsExamplePolicy); got != awsExampleSignature {
		t.Fatalf("signature = %s, want %s", got, awsExampleSignature)
	}
}

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// TestPostObjectAWSExample posts AWS's example form, field for field, to
// an endpoint holding AWS's example credentials on the example's day.
func TestPostObjectAWSExample(t *testing.T) {
	for _, tc := range []struct {
		name   string
		now    time.Time
		status int
		want   string
	}{
		{"on the day", time.Date(2015, 12, 29, 10, 0, 0, 0, time.UTC), http.StatusSeeOther, ""},
		{"after noon the next day", time.Date(2015, 12, 30, 12, 0, 0, 0, time.UTC), http.StatusForbidden, "Invalid according to Policy: Policy expired."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := fixedClock(tc.now)
			meta := memory.New()
			if err := meta.CreateBucket(t.Context(), wicket.Bucket{Name: "sigv4examplebucket", Region: "us-east-1", Created: tc.now}); err != nil {
				t.Fatal(err)
			}
			h := s3api.New(s3api.Options{
				Meta: meta, Blobs: memory.NewBlobStore(), Region: "us-east-1", Clock: clock,
				Auth: authn.New(authn.Options{
					Root:   wicket.RootCredentials{AccessKeyID: awsExampleAccessKey, SecretAccessKey: awsExampleSecret},
					Region: "us-east-1", Service: "s3", Clock: clock,
				}),
			})
			srv := httptest.NewServer(h)
			defer srv.Close()

			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			for _, f := range [][2]string{
				{"key", "user/user1/${filename}"},
				{"acl", "public-read"},
				{"success_action_redirect", "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html"},
				{"Content-Type", "image/jpeg"},
				{"x-amz-meta-uuid", "14365123651274"},
				{"x-amz-server-side-encryption", "AES256"},
				{"X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},
				{"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
				{"X-Amz-Date", "20151229T000000Z"},
				{"x-amz-meta-tag", ""},
				{"Policy", awsExamplePolicy},
				{"X-Amz-Signature", awsExampleSignature},
			} {
				mw.WriteField(f[0], f[1])
			}
			fw, _ := mw.CreateFormFile("file", "photo.jpg")
			fw.Write([]byte("not really a JPEG"))
			mw.WriteField("submit", "Upload to Amazon S3")
			mw.Close()
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/sigv4examplebucket", &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			resp, data := do(t, req)
			if resp.StatusCode != tc.status || !strings.Contains(string(data), tc.want) {
				t.Fatalf("POST = %d %s; want %d %s", resp.StatusCode, data, tc.status, tc.want)
			}
			if tc.status != http.StatusSeeOther {
				return
			}
			sum := md5.Sum([]byte("not really a JPEG"))
			etag := `"` + hex.EncodeToString(sum[:]) + `"`
			want := "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html?bucket=sigv4examplebucket&key=user%2Fuser1%2Fphoto.jpg&etag=" + url.QueryEscape(etag)
			if loc := resp.Header.Get("Location"); loc != want {
				t.Errorf("Location = %s, want %s", loc, want)
			}
			o, err := meta.GetObject(t.Context(), "sigv4examplebucket", "user/user1/photo.jpg")
			if err != nil {
				t.Fatalf("the upload was not stored: %v", err)
			}
			if `"`+o.ETag+`"` != etag || o.Headers["Content-Type"] != "image/jpeg" || o.Meta["uuid"] != "14365123651274" || o.Meta["tag"] != "" || o.Size != 17 {
				t.Errorf("stored object = %+v", o)
			}
		})
	}
}

// postUpload builds a browser form upload signed for the test endpoint.
type postUpload struct {
	bucket     string
	conditions []any // besides those of the signature's own fields, which are added
	fields     [][2]string
	file       string
	filename   string
	expires    time.Time
	secret     string // defaults to the root secret
	accessKey  string // defaults to the root key
	region     string
	noFile     bool
	omit       map[string]bool   // signature fields to leave out
	override   map[string]string // values of signature fields, sent as given
	policy64   string            // overrides the policy document
}

func (p postUpload) request(t *testing.T, env *testenv.Env) *http.Request {
	t.Helper()
	now := time.Now().UTC()
	if p.expires.IsZero() {
		p.expires = now.Add(time.Hour)
	}
	ak, secret, region := testenv.Root.AccessKeyID, testenv.Root.SecretAccessKey, testenv.Region
	if p.accessKey != "" {
		ak = p.accessKey
	}
	if p.secret != "" {
		secret = p.secret
	}
	if p.region != "" {
		region = p.region
	}
	date := now.Format("20060102")
	auth := [][2]string{
		{"x-amz-algorithm", "AWS4-HMAC-SHA256"},
		{"x-amz-credential", ak + "/" + date + "/" + region + "/s3/aws4_request"},
		{"x-amz-date", now.Format(sigv4.TimeFormat)},
	}
	conds := append([]any{}, p.conditions...)
	for _, f := range auth {
		conds = append(conds, map[string]string{f[0]: f[1]})
	}
	doc, _ := json.Marshal(map[string]any{"expiration": p.expires.Format("2006-01-02T15:04:05.000Z"), "conditions": conds})
	policy64 := base64.StdEncoding.EncodeToString(doc)
	if p.policy64 != "" {
		policy64 = p.policy64
	}
	sig := s3api.PostPolicySignature(sigv4.SigningKey(secret, date, region, "s3"), policy64)

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range append(append(p.fields, auth...), [2]string{"policy", policy64}, [2]string{"x-amz-signature", sig}) {
		if v, ok := p.override[f[0]]; ok {
			f[1] = v
		}
		if !p.omit[f[0]] {
			mw.WriteField(f[0], f[1])
		}
	}
	if !p.noFile {
		fw, _ := mw.CreateFormFile("file", p.filename)
		io.WriteString(fw, p.file)
		mw.WriteField("after-the-file", "ignored")
	}
	mw.Close()
	bucket := p.bucket
	if bucket == "" {
		bucket = "bkt"
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, env.URL+"/"+bucket, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

func TestPostObject(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	newBucket(t, c, "bkt")
	putCors(t, c, "bkt", []types.CORSRule{{AllowedOrigins: []string{"https://app.example"}, AllowedMethods: []string{"POST"}}})

	upload := postUpload{
		conditions: []any{
			map[string]string{"bucket": "bkt"},
			[]any{"starts-with", "$key", "uploads/"},
			[]any{"starts-with", "$Content-Type", "text/"},
			[]any{"eq", "$x-amz-meta-colour", "blue"},
			[]any{"starts-with", "$success_action_status", ""},
			[]any{"starts-with", "$tagging", ""},
			[]any{"content-length-range", 1, 100},
		},
		fields: [][2]string{
			{"key", "uploads/${filename}"},
			{"Content-Type", "text/plain"},
			{"x-amz-meta-colour", "blue"},
			{"success_action_status", "201"},
			{"tagging", "<Tagging><TagSet><Tag><Key>via</Key><Value>form</Value></Tag></TagSet></Tagging>"},
			{"x-ignore-anything", "not in the policy, and no need to be"},
		},
		file:     "hello, form",
		filename: "greeting.txt",
	}
	req := upload.request(t, env)
	req.Header.Set("Origin", "https://app.example")
	resp, data := do(t, req)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST = %d %s, want 201", resp.StatusCode, data)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "https://app.example" {
		t.Errorf("Access-Control-Allow-Origin = %q", got)
	}
	// The document is in S3's namespace, as S3's own 201 answers are.
	var pr struct {
		XMLName                     xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ PostResponse"`
		Location, Bucket, Key, ETag string
	}
	if err := xml.Unmarshal(data, &pr); err != nil {
		t.Fatalf("PostResponse %s: %v", data, err)
	}
	if pr.Bucket != "bkt" || pr.Key != "uploads/greeting.txt" || pr.ETag != resp.Header.Get("ETag") ||
		pr.Location != env.URL+"/bkt/uploads%2Fgreeting.txt" { // S3 encodes the '/' too
		t.Errorf("PostResponse = %+v (ETag header %s)", pr, resp.Header.Get("ETag"))
	}
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("uploads/greeting.txt")})
	if err != nil {
		t.Fatalf("GetObject of the upload: %v", err)
	}
	body, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(body) != "hello, form" || aws.ToString(got.ContentType) != "text/plain" || got.Metadata["colour"] != "blue" ||
		aws.ToString(got.ETag) != pr.ETag || aws.ToInt32(got.TagCount) != 1 {
		t.Errorf("the upload reads back as %q, %+v", body, got)
	}

	for _, tc := range []struct {
		status, location string
		code             int
	}{
		{"", env.URL + "/bkt/uploads%2Fgreeting.txt", http.StatusNoContent},
		{"200", env.URL + "/bkt/uploads%2Fgreeting.txt", http.StatusOK},
		{"302", env.URL + "/bkt/uploads%2Fgreeting.txt", http.StatusNoContent}, // not one of S3's: the default
	} {
		u := upload
		u.fields = [][2]string{{"key", "uploads/${filename}"}, {"Content-Type", "text/plain"}, {"x-amz-meta-colour", "blue"}, {"success_action_status", tc.status}}
		resp, data := do(t, u.request(t, env))
		if resp.StatusCode != tc.code || len(data) != 0 || resp.Header.Get("Location") != tc.location || resp.Header.Get("ETag") == "" {
			t.Errorf("success_action_status %q: %d %q Location %q", tc.status, resp.StatusCode, data, resp.Header.Get("Location"))
		}
	}

	redirect := upload
	redirect.conditions = []any{[]any{"starts-with", "$key", ""}, map[string]string{"success_action_redirect": "https://app.example/done?from=form"}}
	redirect.fields = [][2]string{{"key", "r/${filename}"}, {"success_action_redirect", "https://app.example/done?from=form"}}
	redirect.filename = "a b.txt"
	resp, _ = do(t, redirect.request(t, env))
	if want := "https://app.example/done?from=form&bucket=bkt&key=r%2Fa+b.txt&etag=%22"; resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), want) {
		t.Errorf("success_action_redirect: %d Location %q, want 303 %s…", resp.StatusCode, resp.Header.Get("Location"), want)
	}
}

func TestPostObjectRefused(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	newBucket(t, c, "bkt")
	base := postUpload{
		conditions: []any{[]any{"starts-with", "$key", "uploads/"}, []any{"starts-with", "$Content-Type", "image/"}, []any{"content-length-range", 5, 10}},
		fields:     [][2]string{{"key", "uploads/pic"}, {"Content-Type", "image/png"}},
		file:       "picture",
		filename:   "pic.png",
	}
	with := func(f func(*postUpload)) postUpload {
		p := base
		p.fields = append([][2]string{}, base.fields...)
		f(&p)
		return p
	}
	setField := func(p *postUpload, name, value string) {
		for i := range p.fields {
			if p.fields[i][0] == name {
				p.fields[i][1] = value
				return
			}
		}
		p.fields = append(p.fields, [2]string{name, value})
	}
	for _, tc := range []struct {
		name   string
		upload postUpload
		status int
		want   string
	}{
		{"key outside the prefix", with(func(p *postUpload) { setField(p, "key", "other/pic") }), 403,
			`<Code>AccessDenied</Code><Message>Invalid according to Policy: Policy Condition failed: [&#34;starts-with&#34;, &#34;$key&#34;, &#34;uploads/&#34;]</Message>`},
		{"key outside the prefix by its file name", with(func(p *postUpload) { setField(p, "key", "${filename}") }), 403,
			"Policy Condition failed"},
		{"content type not allowed", with(func(p *postUpload) { setField(p, "Content-Type", "text/html") }), 403,
			`[&#34;starts-with&#34;, &#34;$Content-Type&#34;, &#34;image/&#34;]`},
		{"one of the content types not allowed", with(func(p *postUpload) { setField(p, "Content-Type", "image/png, text/html") }), 403,
			"Policy Condition failed"},
		{"another bucket", with(func(p *postUpload) { p.conditions = append(p.conditions, map[string]string{"bucket": "other"}) }), 403,
			`[&#34;eq&#34;, &#34;$bucket&#34;, &#34;other&#34;]`},
		{"a field the policy does not name", with(func(p *postUpload) { setField(p, "x-amz-meta-extra", "1") }), 403,
			"Invalid according to Policy: Extra input fields: x-amz-meta-extra"},
		{"expired", with(func(p *postUpload) { p.expires = time.Now().Add(-time.Minute) }), 403,
			"Invalid according to Policy: Policy expired."},
		{"too large", with(func(p *postUpload) { p.file = "a picture too large" }), 400, "<Code>EntityTooLarge</Code>"},
		{"too small", with(func(p *postUpload) { p.file = "pic" }), 400, "<Code>EntityTooSmall</Code>"},
		{"too large: sizes", with(func(p *postUpload) { p.file = "a picture too large" }), 400, "<ProposedSize>19</ProposedSize><MaxSizeAllowed>10</MaxSizeAllowed>"},
		{"too small: sizes", with(func(p *postUpload) { p.file = "pic" }), 400, "<ProposedSize>3</ProposedSize><MinSizeAllowed>5</MinSizeAllowed>"},
		{"wrong secret", with(func(p *postUpload) { p.secret = "not-the-secret" }), 403, "<Code>SignatureDoesNotMatch</Code>"},
		{"unknown access key", with(func(p *postUpload) { p.accessKey = "AKIANOBODY" }), 403, "<Code>InvalidAccessKeyId</Code>"},
		{"another region", with(func(p *postUpload) { p.region = "eu-west-1" }), 400,
			"<Code>InvalidArgument</Code><Message>the region &#39;eu-west-1&#39; is wrong; expecting &#39;us-east-1&#39;</Message><Resource>/bkt</Resource><ArgumentName>x-amz-credential</ArgumentName>"},
		{"another algorithm", with(func(p *postUpload) { p.override = map[string]string{"x-amz-algorithm": "AWS4-HMAC-SHA1"} }), 400,
			"<Message>Only AWS4-HMAC-SHA256 is supported</Message><Resource>/bkt</Resource><ArgumentName>X-Amz-Algorithm</ArgumentName><ArgumentValue>AWS4-HMAC-SHA1</ArgumentValue>"},
		{"a date not ISO 8601", with(func(p *postUpload) { p.override = map[string]string{"x-amz-date": "2026-11-25"} }), 400,
			"<Message>X-Amz-Date must be formated via ISO8601 Long format</Message><Resource>/bkt</Resource><ArgumentName>X-Amz-Date</ArgumentName><ArgumentValue>2026-11-25</ArgumentValue>"},
		{"no key", with(func(p *postUpload) { p.fields = p.fields[1:] }), 400,
			"<Code>InvalidArgument</Code><Message>Bucket POST must contain a field named &#39;key&#39;."},
		{"no signature", with(func(p *postUpload) { p.omit = map[string]bool{"x-amz-signature": true} }), 400,
			"Bucket POST must contain a field named &#39;x-amz-signature&#39;."},
		// A form signs with all five fields or is anonymous.
		{"no policy", with(func(p *postUpload) { p.omit = map[string]bool{"policy": true} }), 400,
			"Bucket POST must contain a field named &#39;policy&#39;.  If it is specified, please check the order of the fields.</Message><Resource>/bkt</Resource><ArgumentName>policy</ArgumentName>"},
		{"anonymous", with(func(p *postUpload) {
			p.omit = map[string]bool{"policy": true, "x-amz-algorithm": true, "x-amz-credential": true, "x-amz-date": true, "x-amz-signature": true}
		}), 403, "<Code>AccessDenied</Code>"},
		{"no file", with(func(p *postUpload) { p.noFile = true }), 400, "<Code>IncorrectNumberOfFilesInPostRequest</Code>"},
		{"policy not JSON", with(func(p *postUpload) { p.policy64 = base64.StdEncoding.EncodeToString([]byte("{expiration")) }), 400,
			"<Code>InvalidPolicyDocument</Code>"},
		{"a simple condition of two fields", with(func(p *postUpload) {
			p.conditions = append(p.conditions, map[string]string{"bucket": "bkt", "key": "uploads/pic"})
		}), 400, "<Code>InvalidPolicyDocument</Code><Message>Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.</Message>"},
		{"a simple condition of a number", with(func(p *postUpload) { p.conditions = append(p.conditions, map[string]any{"content-length": 5}) }), 400,
			"<Message>Invalid Policy: Invalid Simple-Condition: value must be a string.</Message>"},
		{"a simple condition of null", with(func(p *postUpload) { p.conditions = append(p.conditions, map[string]any{"key": nil}) }), 400,
			"<Message>Invalid Policy: Invalid JSON.</Message>"},
		{"a condition naming no $ field", with(func(p *postUpload) { p.conditions = append(p.conditions, []any{"eq", "key", "uploads/pic"}) }), 403,
			`<Message>Invalid according to Policy: Policy Condition failed: [&#34;eq&#34;, &#34;key&#34;, &#34;uploads/pic&#34;]</Message>`},
		{"a simple condition that fails", with(func(p *postUpload) { p.conditions = append(p.conditions, map[string]string{"key": "uploads/other"}) }), 403,
			`<Message>Invalid according to Policy: Policy Condition failed: [&#34;eq&#34;, &#34;$key&#34;, &#34;uploads/other&#34;]</Message>`},
		{"policy without conditions", with(func(p *postUpload) {
			p.policy64 = base64.StdEncoding.EncodeToString([]byte(`{"expiration":"2100-01-01T00:00:00Z"}`))
		}), 400, "Invalid Policy: Policy missing conditions."},
		{"fields too large", with(func(p *postUpload) { setField(p, "x-ignore-padding", strings.Repeat("p", 20<<10)) }), 400,
			"<Code>MaxPostPreDataLengthExceeded</Code>"},
		{"a field twice", with(func(p *postUpload) { p.fields = append(p.fields, [2]string{"key", "uploads/other"}) }), 400,
			"<Code>InvalidArgument</Code>"},
		{"missing bucket", with(func(p *postUpload) { p.bucket = "nothere" }), 404, "<Code>NoSuchBucket</Code>"},
		// The form is authenticated before the bucket is looked up.
		{"wrong secret, missing bucket", with(func(p *postUpload) { p.bucket = "nothere"; p.secret = "not-the-secret" }), 403, "<Code>SignatureDoesNotMatch</Code>"},
		{"another region, missing bucket", with(func(p *postUpload) { p.bucket = "nothere"; p.region = "eu-west-1" }), 400, "<Code>InvalidArgument</Code>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, data := do(t, tc.upload.request(t, env))
			if resp.StatusCode != tc.status || !strings.Contains(string(data), tc.want) {
				t.Fatalf("POST = %d %s\nwant %d %s", resp.StatusCode, data, tc.status, tc.want)
			}
		})
	}

	// A POST that is not a form is not an upload.
	resp, data := signedRequest(t, env, "POST", "/bkt", []byte("key=x"), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if resp.StatusCode != http.StatusPreconditionFailed || !strings.Contains(string(data), "<Condition>Bucket POST must be of the enclosure-type multipart/form-data</Condition>") {
		t.Errorf("urlencoded POST = %d %s", resp.StatusCode, data)
	}

	// Anonymous, such a POST is refused for what it is, not for being
	// anonymous; a form without a boundary is malformed.
	for _, tc := range []struct {
		contentType string
		status      int
		want        string
	}{
		{"application/json", http.StatusPreconditionFailed, "<Condition>Bucket POST must be of the enclosure-type multipart/form-data</Condition>"},
		{"multipart/form-data", http.StatusBadRequest, "<Code>MalformedPOSTRequest</Code>"},
	} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, env.URL+"/bkt", strings.NewReader("body"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", tc.contentType)
		if resp, data := do(t, req); resp.StatusCode != tc.status || !strings.Contains(string(data), tc.want) {
			t.Errorf("anonymous %s POST = %d %s, want %d %s", tc.contentType, resp.StatusCode, data, tc.status, tc.want)
		}
	}

	// Nothing refused was stored, and no blob was left behind.
	if keys := listKeys(t, c, "bkt"); len(keys) != 0 {
		t.Errorf("refused uploads were stored: %q", keys)
	}
	blobs := 0
	if err := env.Blobs.Walk(context.Background(), time.Now().Add(-time.Hour), func(string) error { blobs++; return nil }); err != nil || blobs != 0 {
		t.Errorf("refused uploads left %d blobs (%v)", blobs, err)
	}
}

// TestPostObjectAnonymous: a form without a policy and signature is an
// anonymous upload, which the bucket policy decides (RESTObjectPOST: the
// policy is "required if a bucket is not publicly writable").
func TestPostObjectAnonymous(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	newBucket(t, c, "drop")
	unsigned := map[string]bool{"policy": true, "x-amz-algorithm": true, "x-amz-credential": true, "x-amz-date": true, "x-amz-signature": true}
	form := func(key string, extra ...[2]string) postUpload {
		return postUpload{bucket: "drop", omit: unsigned, fields: append([][2]string{{"key", key}}, extra...), file: "from anyone", filename: "note.txt"}
	}
	if resp, data := do(t, form("inbox/${filename}").request(t, env)); resp.StatusCode != http.StatusForbidden ||
		!strings.Contains(string(data), "<Code>AccessDenied</Code><Message>Access Denied</Message>") {
		t.Fatalf("anonymous POST without a bucket policy = %d %s, want 403 AccessDenied", resp.StatusCode, data)
	}

	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::drop/inbox/*"}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("drop"), Policy: aws.String(public)}); err != nil {
		t.Fatal(err)
	}
	resp, data := do(t, form("inbox/${filename}", [2]string{"Content-Type", "text/plain"}).request(t, env))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("anonymous POST allowed by the bucket policy = %d %s, want 204", resp.StatusCode, data)
	}
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("drop"), Key: aws.String("inbox/note.txt")})
	if err != nil {
		t.Fatalf("GetObject of the anonymous upload: %v", err)
	}
	body, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(body) != "from anyone" || aws.ToString(got.ContentType) != "text/plain" {
		t.Errorf("the anonymous upload reads back as %q (%s)", body, aws.ToString(got.ContentType))
	}

	for _, tc := range []struct {
		name string
		up   postUpload
	}{
		{"outside the allowed prefix", form("elsewhere/${filename}")},
		// Tagging needs s3:PutObjectTagging, which the policy does not give.
		{"with tags", form("inbox/tagged", [2]string{"tagging", "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>"})},
	} {
		if resp, data := do(t, tc.up.request(t, env)); resp.StatusCode != http.StatusForbidden || !strings.Contains(string(data), "<Code>AccessDenied</Code>") {
			t.Errorf("anonymous POST %s = %d %s, want 403 AccessDenied", tc.name, resp.StatusCode, data)
		}
	}
	if keys := listKeys(t, c, "drop"); len(keys) != 1 {
		t.Errorf("keys after the refused uploads: %q", keys)
	}
}
