package s3api_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("photos")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("DeleteBucket(missing): %v, want NoSuchBucket", err)
	}
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
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Range: aws.String("bytes=10-")}); apiCode(err) != "InvalidRange" {
		t.Fatalf("unsatisfiable range: %v, want InvalidRange", err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), IfMatch: aws.String(`"nope"`)}); apiCode(err) != "PreconditionFailed" {
		t.Fatalf("If-Match mismatch: %v, want PreconditionFailed", err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), IfNoneMatch: put.ETag}); apiCode(err) != "NotModified" {
		t.Fatalf("If-None-Match match: %v, want NotModified", err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), IfModifiedSince: aws.Time(time.Now().Add(time.Hour))}); apiCode(err) != "NotModified" {
		t.Fatalf("If-Modified-Since future: %v, want NotModified", err)
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
