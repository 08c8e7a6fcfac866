package s3api_test

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/wicket-io/wicket/internal/testenv"
)

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestBucketLifecycle(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("photos")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("photos")}); apiCode(err) != "BucketAlreadyOwnedByYou" {
		t.Fatalf("second CreateBucket: %v, want BucketAlreadyOwnedByYou", err)
	}
	for _, bad := range []string{"ab", "Upper", "a..b", "-ab", "192.168.1.1", "xn--abc", strings.Repeat("a", 64)} {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bad)}); apiCode(err) != "InvalidBucketName" {
			t.Errorf("CreateBucket(%q): %v, want InvalidBucketName", bad, err)
		}
	}
	// us-east-1 is never named as a constraint, even at its own endpoint.
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("east"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "us-east-1"}}); apiCode(err) != "InvalidLocationConstraint" {
		t.Errorf("CreateBucket in us-east-1 by name: %v, want InvalidLocationConstraint", err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("locked"), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Errorf("CreateBucket with Object Lock: %v", err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("locked")}); err != nil {
		t.Errorf("DeleteBucket of an empty Object Lock bucket: %v", err)
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("photos")}); err != nil {
		t.Fatalf("HeadBucket: %v", err)
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("nothere")}); apiCode(err) != "NotFound" {
		t.Fatalf("HeadBucket(missing): %v, want NotFound", err)
	}
	lb, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(lb.Buckets) != 1 || aws.ToString(lb.Buckets[0].Name) != "photos" {
		t.Fatalf("ListBuckets = %+v, %v", lb, err)
	}
	for _, n := range []int32{-3, 0, 10001} {
		if _, err := c.ListBuckets(ctx, &s3.ListBucketsInput{MaxBuckets: aws.Int32(n)}); apiCode(err) != "InvalidArgument" ||
			apiMessage(err) != "Argument max-buckets must be an integer between 1 and 10000." {
			t.Errorf("ListBuckets max-buckets=%d: %v", n, err)
		}
	}
	loc, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("photos")})
	if err != nil || loc.LocationConstraint != "" {
		t.Fatalf("GetBucketLocation = %q, %v", loc.LocationConstraint, err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("photos"), Key: aws.String("a"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("photos")}); apiCode(err) != "BucketNotEmpty" {
		t.Fatalf("DeleteBucket(non-empty): %v, want BucketNotEmpty", err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("photos"), Key: aws.String("a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("photos")}); err != nil {
		t.Fatalf("DeleteBucket: %v", err)
	}
	// S3's text, without a period (unlike NoSuchKey's).
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("photos")}); apiCode(err) != "NoSuchBucket" ||
		apiMessage(err) != "The specified bucket does not exist" {
		t.Fatalf("DeleteBucket(missing): %v, want NoSuchBucket", err)
	}
}

// iamUser creates an IAM user with one inline policy and an access key,
// and returns the key's credentials.
func iamUser(t *testing.T, env *testenv.Env, name, policy string) aws.Credentials {
	t.Helper()
	ctx, ic := t.Context(), env.IAM()
	if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	k, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}
}

// deleteIAMUser deletes a user that iamUser made: its keys, its policy, then
// the user.
func deleteIAMUser(t *testing.T, env *testenv.Env, name string) {
	t.Helper()
	ctx, ic := t.Context(), env.IAM()
	keys, err := ic.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys.AccessKeyMetadata {
		if _, err := ic.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(name), AccessKeyId: k.AccessKeyId}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ic.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
}

// md5Base64 is body's Content-MD5.
func md5Base64(body []byte) string {
	sum := md5.Sum(body)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func newBucket(t *testing.T, c *s3.Client, name string) {
	t.Helper()
	if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
}

func TestObjectRoundTrip(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	newBucket(t, c, "bkt")
	keys := []string{"plain", "../x", "a//b", "%2F", "with space", "emoji 🎉", "plus+sign", "trailing/", strings.Repeat("k", 1024), "ünïcødé/ключ"}
	for i, key := range keys {
		body := bytes.Repeat([]byte{byte('a' + i)}, 1000+i)
		sum := md5.Sum(body)
		put, err := c.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String("bkt"), Key: aws.String(key), Body: bytes.NewReader(body),
			ContentType: aws.String("text/plain"), Metadata: map[string]string{"colour": "blue"},
			CacheControl: aws.String("max-age=60"),
		})
		if err != nil {
			t.Fatalf("PutObject(%q): %v", key, err)
		}
		if want := `"` + hex.EncodeToString(sum[:]) + `"`; aws.ToString(put.ETag) != want {
			t.Fatalf("PutObject(%q) ETag = %s, want %s", key, aws.ToString(put.ETag), want)
		}
		got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("GetObject(%q): %v", key, err)
		}
		data, _ := io.ReadAll(got.Body)
		got.Body.Close()
		if !bytes.Equal(data, body) {
			t.Fatalf("GetObject(%q) returned %d different bytes", key, len(data))
		}
		if aws.ToString(got.ContentType) != "text/plain" || got.Metadata["colour"] != "blue" || aws.ToString(got.CacheControl) != "max-age=60" {
			t.Fatalf("GetObject(%q) headers: type %q meta %v cache %q", key, aws.ToString(got.ContentType), got.Metadata, aws.ToString(got.CacheControl))
		}
	}
	var listed []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), MaxKeys: aws.Int32(3)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			listed = append(listed, aws.ToString(o.Key))
		}
	}
	if len(listed) != len(keys) {
		t.Fatalf("listed %d keys, want %d: %q", len(listed), len(keys), listed)
	}
}

func TestGetRangesAndConditions(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	newBucket(t, c, "bkt")
	body := []byte("0123456789")
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		rng, want, contentRange string
	}{
		{"bytes=0-3", "0123", "bytes 0-3/10"},
		{"bytes=7-", "789", "bytes 7-9/10"},
		{"bytes=-2", "89", "bytes 8-9/10"},
		{"bytes=5-100", "56789", "bytes 5-9/10"},
		{"bytes=-100", "0123456789", "bytes 0-9/10"},
	} {
		got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Range: aws.String(tc.rng)})
		if err != nil {
			t.Fatalf("Range %s: %v", tc.rng, err)
		}
		data, _ := io.ReadAll(got.Body)
		if string(data) != tc.want || aws.ToString(got.ContentRange) != tc.contentRange {
			t.Errorf("Range %s = %q (%s), want %q (%s)", tc.rng, data, aws.ToString(got.ContentRange), tc.want, tc.contentRange)
		}
	}
	// A range S3 cannot read is ignored: the whole object, 200. Whitespace
	// is outside RFC 9110's range-spec.
	for _, rng := range []string{"bytes= -1", "bytes=0 -1", "bytes=--1", "bytes=10-5", "bytes=0-0,1-2", "items=0-1"} {
		got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Range: aws.String(rng)})
		if err != nil {
			t.Fatalf("Range %q: %v", rng, err)
		}
		data, _ := io.ReadAll(got.Body)
		if string(data) != string(body) || got.ContentRange != nil {
			t.Errorf("Range %q = %q (%s), want the whole object", rng, data, aws.ToString(got.ContentRange))
		}
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Range: aws.String("bytes=10-")}); apiCode(err) != "InvalidRange" {
		t.Fatalf("unsatisfiable range: %v, want InvalidRange", err)
	}
	// A part number is a ranged GET even of a simple object, which has no
	// parts count; a bad number is refused before the key is looked up.
	one, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), PartNumber: aws.Int32(1)})
	if err != nil || aws.ToString(one.ContentRange) != "bytes 0-9/10" || one.PartsCount != nil || aws.ToInt64(one.ContentLength) != 10 {
		t.Fatalf("partNumber=1 of a simple object: %+v, %v", one, err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("missing"), PartNumber: aws.Int32(-3)}); apiCode(err) != "InvalidArgument" {
		t.Fatalf("partNumber=-3 of a missing key: %v, want InvalidArgument", err)
	}
	// A suffix range selects all of an empty object; a zero-length suffix
	// and any first-byte range are unsatisfiable.
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("empty"), Body: strings.NewReader("")}); err != nil {
		t.Fatal(err)
	}
	empty, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("empty"), Range: aws.String("bytes=-1")})
	if err != nil || aws.ToInt64(empty.ContentLength) != 0 || empty.ContentRange != nil {
		t.Fatalf("bytes=-1 of an empty object: %+v, %v", empty, err)
	}
	empty, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("empty"), PartNumber: aws.Int32(1)})
	if err != nil || aws.ToInt64(empty.ContentLength) != 0 || empty.ContentRange != nil {
		t.Fatalf("partNumber=1 of an empty object: %+v, %v", empty, err)
	}
	for _, rng := range []string{"bytes=-0", "bytes=0-0", "bytes=0-"} {
		if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("empty"), Range: aws.String(rng)}); apiCode(err) != "InvalidRange" {
			t.Fatalf("%s of an empty object: %v, want InvalidRange", rng, err)
		}
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), IfMatch: aws.String(`"nope"`)}); apiCode(err) != "PreconditionFailed" {
		t.Fatalf("If-Match mismatch: %v, want PreconditionFailed", err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), IfNoneMatch: put.ETag}); apiCode(err) != "NotModified" {
		t.Fatalf("If-None-Match match: %v, want NotModified", err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), IfModifiedSince: aws.Time(time.Now())}); apiCode(err) != "NotModified" {
		t.Fatalf("If-Modified-Since now: %v, want NotModified", err)
	}
	// A date in the future is ignored, as S3 and RFC 9110 ignore it: a
	// client whose clock runs ahead still gets the object, or its copy.
	future := aws.Time(time.Now().Add(24 * time.Hour))
	if got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), IfModifiedSince: future}); err != nil {
		t.Fatalf("If-Modified-Since in the future: %v, want the object", err)
	} else {
		got.Body.Close()
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), IfModifiedSince: future}); err != nil {
		t.Fatalf("HEAD If-Modified-Since in the future: %v, want the object", err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k-copy"), CopySource: aws.String("bkt/k"), CopySourceIfModifiedSince: future}); err != nil {
		t.Fatalf("copy with x-amz-copy-source-if-modified-since in the future: %v, want the copy", err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), IfUnmodifiedSince: aws.Time(time.Now().Add(-time.Hour))}); apiCode(err) != "PreconditionFailed" {
		t.Fatalf("If-Unmodified-Since past: %v, want PreconditionFailed", err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("missing")}); apiCode(err) != "NoSuchKey" {
		t.Fatalf("missing key: %v, want NoSuchKey", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("new"), IfNoneMatch: aws.String("*")}); apiCode(err) != "PreconditionFailed" {
		t.Fatalf("PUT If-None-Match * on existing key: %v, want PreconditionFailed", err)
	}
	// S3 takes one of If-Match and If-None-Match: *, not both.
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("new"),
		IfMatch: put.ETag, IfNoneMatch: aws.String("*")}); apiCode(err) != "NotImplemented" {
		t.Fatalf("PUT with If-Match and If-None-Match: %v, want NotImplemented", err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil || aws.ToInt64(head.ContentLength) != 10 || aws.ToString(head.ETag) != aws.ToString(put.ETag) {
		t.Fatalf("HeadObject = %+v, %v", head, err)
	}
}

func TestListDelimiter(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	newBucket(t, c, "bkt")
	for _, k := range []string{"a/1", "a/2", "b/1", "c", "d/e/f"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	var prefixes []string
	for _, p := range out.CommonPrefixes {
		prefixes = append(prefixes, aws.ToString(p.Prefix))
	}
	if strings.Join(prefixes, ",") != "a/,b/,d/" || len(out.Contents) != 1 || aws.ToString(out.Contents[0].Key) != "c" {
		t.Fatalf("delimiter listing: prefixes %v contents %d", prefixes, len(out.Contents))
	}
	v1, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("bkt"), Prefix: aws.String("a/"), Marker: aws.String("a/1")})
	if err != nil || len(v1.Contents) != 1 || aws.ToString(v1.Contents[0].Key) != "a/2" {
		t.Fatalf("ListObjects v1 with marker: %+v %v", v1, err)
	}
	if _, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("nothere")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("listing a missing bucket: %v", err)
	}
}

// Unsigned requests are refused until bucket policies can allow them.
func TestAnonymousDenied(t *testing.T) {
	env := testenv.New(t)
	newBucket(t, env.S3(), "bkt")
	resp, err := http.Get(env.URL + "/bkt/k")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "<Code>AccessDenied</Code>") {
		t.Fatalf("anonymous GET: %d %s", resp.StatusCode, body)
	}
}

func TestWrongSecret(t *testing.T) {
	env := testenv.New(t)
	c := env.S3With(aws.Credentials{AccessKeyID: testenv.Root.AccessKeyID, SecretAccessKey: "wrong"})
	_, err := c.ListBuckets(t.Context(), &s3.ListBucketsInput{})
	if apiCode(err) != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: %v", err)
	}
	c = env.S3With(aws.Credentials{AccessKeyID: "AKIANOBODY", SecretAccessKey: "x"})
	if _, err := c.ListBuckets(t.Context(), &s3.ListBucketsInput{}); apiCode(err) != "InvalidAccessKeyId" {
		t.Fatalf("unknown key: %v", err)
	}
}

var _ = types.ObjectStorageClassStandard

// x-amz-website-redirect-location is validated, kept and returned; a copy
// takes it from the request, never from the source.
func TestWebsiteRedirectLocation(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	newBucket(t, c, "bkt")
	for _, bad := range []string{"invalid", "ftp://example.com/x", "/" + strings.Repeat("x", 2048)} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), WebsiteRedirectLocation: aws.String(bad)}); apiCode(err) != "InvalidRedirectLocation" {
			t.Fatalf("PutObject with redirect %.20q: %v", bad, err)
		}
	}
	if _, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("k"), WebsiteRedirectLocation: aws.String("invalid")}); apiCode(err) != "InvalidRedirectLocation" {
		t.Fatalf("CreateMultipartUpload with an invalid redirect: %v", err)
	}
	for _, good := range []string{"/other", "http://example.com/", "https://example.com/x"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), WebsiteRedirectLocation: aws.String(good)}); err != nil {
			t.Fatalf("PutObject with redirect %s: %v", good, err)
		}
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
		if err != nil || aws.ToString(head.WebsiteRedirectLocation) != good {
			t.Fatalf("HeadObject after redirect %s: %+v, %v", good, head, err)
		}
	}
	src := aws.String("bkt/k")
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("c"), CopySource: src, WebsiteRedirectLocation: aws.String("invalid")}); apiCode(err) != "InvalidRedirectLocation" {
		t.Fatalf("CopyObject with an invalid redirect: %v", err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("c"), CopySource: src}); err != nil {
		t.Fatal(err)
	}
	if head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("c")}); err != nil || head.WebsiteRedirectLocation != nil {
		t.Fatalf("copy without a redirect: %+v, %v", head, err)
	}
	// Changing only the redirect is a legal copy onto itself.
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), CopySource: src, WebsiteRedirectLocation: aws.String("/new")}); err != nil {
		t.Fatal(err)
	}
	if head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")}); err != nil || aws.ToString(head.WebsiteRedirectLocation) != "/new" {
		t.Fatalf("copy onto itself with a new redirect: %+v, %v", head, err)
	}
}

// ListBuckets pages by max-buckets with a continuation token.
func TestListBucketsPages(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	for _, b := range []string{"b-3", "b-1", "b-2", "other"} {
		newBucket(t, c, b)
	}
	var got []string
	var token *string
	for page := 0; ; page++ {
		out, err := c.ListBuckets(ctx, &s3.ListBucketsInput{MaxBuckets: aws.Int32(2), Prefix: aws.String("b-"), ContinuationToken: token})
		if err != nil || len(out.Buckets) > 2 || page > 2 {
			t.Fatalf("page %d: %+v, %v", page, out, err)
		}
		for _, b := range out.Buckets {
			got = append(got, aws.ToString(b.Name))
		}
		if token = out.ContinuationToken; token == nil {
			break
		}
	}
	if strings.Join(got, ",") != "b-1,b-2,b-3" {
		t.Fatalf("pages listed %q", got)
	}
}

// Object Lock headers are checked in S3's order, syntax first, then refused
// as on any bucket without Object Lock, which every Wicket bucket is.
func TestObjectLockHeaders(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	newBucket(t, c, "bkt")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("src"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	const both = "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied."
	future, past := time.Now().Add(24*time.Hour), time.Now().Add(-time.Hour)
	for _, tc := range []struct {
		name          string
		mode          types.ObjectLockMode
		until         *time.Time
		hold          types.ObjectLockLegalHoldStatus
		code, message string
	}{
		{"mode without date", types.ObjectLockModeGovernance, nil, "", "InvalidArgument", both},
		{"date without mode", "", &future, "", "InvalidArgument", both},
		{"past date", types.ObjectLockModeCompliance, &past, "", "InvalidArgument", "The retain until date must be in the future!"},
		{"unknown mode", "invalid_mode", &future, "", "InvalidArgument", "Unknown wormMode directive."},
		{"unknown legal hold", "", nil, "invalid_status", "InvalidArgument", "Legal Hold must be either of 'ON' or 'OFF'"},
		{"retention", types.ObjectLockModeGovernance, &future, "", "InvalidRequest", "Bucket is missing ObjectLockConfiguration"},
		{"legal hold", "", nil, types.ObjectLockLegalHoldStatusOn, "InvalidRequest", "Bucket is missing ObjectLockConfiguration"},
	} {
		check := func(op string, err error) {
			t.Helper()
			if apiCode(err) != tc.code || apiMessage(err) != tc.message {
				t.Errorf("%s, %s: %v; want %s %q", op, tc.name, err, tc.code, tc.message)
			}
		}
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("x"),
			ObjectLockMode: tc.mode, ObjectLockRetainUntilDate: tc.until, ObjectLockLegalHoldStatus: tc.hold})
		check("PutObject", err)
		_, err = c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("k"),
			ObjectLockMode: tc.mode, ObjectLockRetainUntilDate: tc.until, ObjectLockLegalHoldStatus: tc.hold})
		check("CreateMultipartUpload", err)
		_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), CopySource: aws.String("bkt/src"),
			ObjectLockMode: tc.mode, ObjectLockRetainUntilDate: tc.until, ObjectLockLegalHoldStatus: tc.hold})
		check("CopyObject", err)
	}
	if keys := listKeys(t, c, "bkt"); len(keys) != 1 {
		t.Errorf("refused writes were stored: %q", keys)
	}
}

// A continuation token works for the listing that gave it; one made up,
// or given by another bucket, is refused as S3 refuses it.
func TestContinuationToken(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	newBucket(t, c, "one")
	newBucket(t, c, "two")
	for _, k := range []string{"a", "b", "c"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("one"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	first, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("one"), MaxKeys: aws.Int32(1)})
	if err != nil || first.NextContinuationToken == nil {
		t.Fatalf("first page: %v", err)
	}
	next, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("one"), ContinuationToken: first.NextContinuationToken})
	if err != nil || len(next.Contents) != 2 || aws.ToString(next.Contents[0].Key) != "b" {
		t.Fatalf("second page: %v %v", next, err)
	}
	// Beside a token, start-after is ignored and not echoed, as by S3.
	next, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("one"), ContinuationToken: first.NextContinuationToken, StartAfter: aws.String("b")})
	if err != nil || len(next.Contents) != 2 || aws.ToString(next.Contents[0].Key) != "b" || next.StartAfter != nil {
		t.Fatalf("second page with start-after b: %v %v", next, err)
	}
	for _, q := range []string{"encoding-type=", "encoding-type=value", "list-type=2&continuation-token="} {
		resp, data := signedRequest(t, env, "GET", "/one?"+q, nil, nil)
		name, _, _ := strings.Cut(strings.TrimPrefix(q, "list-type=2&"), "=")
		if resp.StatusCode != 400 || !strings.Contains(string(data), "<ArgumentName>"+name+"</ArgumentName>") {
			t.Errorf("GET /one?%s: %d %s", q, resp.StatusCode, data)
		}
	}
	for _, tc := range []struct{ bucket, token string }{
		{"two", *first.NextContinuationToken},
		{"one", "AAAA"},
		{"one", "YWJjZGVm"},
	} {
		_, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(tc.bucket), ContinuationToken: aws.String(tc.token)})
		if apiCode(err) != "InvalidArgument" || apiMessage(err) != "The continuation token provided is incorrect" {
			t.Errorf("token %q on %s: %v", tc.token, tc.bucket, err)
		}
	}
}

// S3's 2 KB of user metadata can be hundreds of small pairs, each an
// x-amz-meta-* header the signature covers: they are all taken and kept.
func TestManySmallMetadataHeaders(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	newBucket(t, c, "bkt")
	meta := map[string]string{}
	for i := range 300 {
		meta[fmt.Sprintf("m%03d", i)] = "v"
	}
	if _, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("x"), Metadata: meta}); err != nil {
		t.Fatalf("PUT with 300 metadata headers: %v", err)
	}
	head, err := c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil || len(head.Metadata) != 300 || head.Metadata["m299"] != "v" {
		t.Fatalf("HEAD: %d metadata, %v", len(head.Metadata), err)
	}
}
