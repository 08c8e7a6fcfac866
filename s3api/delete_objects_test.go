package s3api_test

import (
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wicket-io/wicket/internal/testenv"
)

func identifiers(keys ...string) []types.ObjectIdentifier {
	ids := make([]types.ObjectIdentifier, len(keys))
	for i, k := range keys {
		ids[i] = types.ObjectIdentifier{Key: aws.String(k)}
	}
	return ids
}

func putKeys(t *testing.T, c *s3.Client, bucket string, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
}

func listKeys(t *testing.T, c *s3.Client, bucket string) []string {
	t.Helper()
	out, err := c.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

func TestDeleteObjects(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	newBucket(t, c, "bkt")
	putKeys(t, c, "bkt", "a", "b/c", "d e", "keep")

	long := strings.Repeat("k", 1025)
	out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &types.Delete{
		Objects: append(identifiers("a", "b/c", "d e", "never-was", "a", long), types.ObjectIdentifier{Key: aws.String("keep"), VersionId: aws.String("v2")}),
	}})
	if err != nil {
		t.Fatalf("DeleteObjects: %v", err)
	}
	var deleted []string
	for _, d := range out.Deleted {
		deleted = append(deleted, aws.ToString(d.Key))
	}
	if want := []string{"a", "b/c", "d e", "never-was", "a"}; !slices.Equal(deleted, want) {
		t.Errorf("Deleted = %q, want %q", deleted, want)
	}
	var errs []string
	for _, e := range out.Errors {
		errs = append(errs, aws.ToString(e.Key)[:4]+" "+aws.ToString(e.Code))
	}
	if want := []string{"kkkk KeyTooLongError", "keep NoSuchVersion"}; !slices.Equal(errs, want) {
		t.Errorf("Errors = %q, want %q", errs, want)
	}
	if keys := listKeys(t, c, "bkt"); !slices.Equal(keys, []string{"keep"}) {
		t.Fatalf("left after DeleteObjects: %q", keys)
	}

	// Quiet mode lists only the failures.
	putKeys(t, c, "bkt", "q1", "q2")
	out, err = c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &types.Delete{
		Quiet: aws.Bool(true), Objects: append(identifiers("q1", "q2", "nothing"), types.ObjectIdentifier{Key: aws.String("keep"), VersionId: aws.String("v2")}),
	}})
	if err != nil {
		t.Fatalf("quiet DeleteObjects: %v", err)
	}
	if len(out.Deleted) != 0 || len(out.Errors) != 1 || aws.ToString(out.Errors[0].Key) != "keep" {
		t.Fatalf("quiet DeleteObjects: deleted %v errors %v; want only the error", out.Deleted, out.Errors)
	}
	if keys := listKeys(t, c, "bkt"); !slices.Equal(keys, []string{"keep"}) {
		t.Fatalf("left after quiet DeleteObjects: %q", keys)
	}
	// "null" is the version id of an object in an unversioned bucket.
	out, err = c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: aws.String("keep"), VersionId: aws.String("null")}},
	}})
	if err != nil || len(out.Deleted) != 1 || len(out.Errors) != 0 {
		t.Fatalf("DeleteObjects of version null: %+v %v", out, err)
	}
	// S3 echoes the version deleted.
	if v := aws.ToString(out.Deleted[0].VersionId); v != "null" {
		t.Fatalf("DeleteObjects of version null: Deleted has VersionId %q", v)
	}
	if keys := listKeys(t, c, "bkt"); len(keys) != 0 {
		t.Fatalf("left after deleting version null: %q", keys)
	}

	// A thousand keys is the most.
	var thousand []string
	for i := range 1000 {
		thousand = append(thousand, fmt.Sprintf("k%04d", i))
	}
	putKeys(t, c, "bkt", thousand[:20]...)
	out, err = c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &types.Delete{Objects: identifiers(thousand...)}})
	if err != nil || len(out.Deleted) != 1000 {
		t.Fatalf("DeleteObjects of 1000 keys: %d deleted, %v", len(out.Deleted), err)
	}
	if keys := listKeys(t, c, "bkt"); len(keys) != 0 {
		t.Fatalf("left after deleting 1000 keys: %q", keys)
	}

	for _, tc := range []struct {
		name   string
		bucket string
		ids    []types.ObjectIdentifier
		code   string
	}{
		{"1001 keys", "bkt", identifiers(append(thousand, "one-more")...), "MalformedXML"},
		{"no key", "bkt", []types.ObjectIdentifier{}, "MalformedXML"},
		{"empty key", "bkt", identifiers(""), "MalformedXML"},
		{"missing bucket", "nothere", identifiers("a"), "NoSuchBucket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(tc.bucket), Delete: &types.Delete{Objects: tc.ids}})
			if apiCode(err) != tc.code {
				t.Fatalf("DeleteObjects: %v, want %s", err, tc.code)
			}
		})
	}
}

// DeleteObjects needs a digest of its body: Content-MD5 or a checksum.
func TestDeleteObjectsDigest(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	newBucket(t, c, "bkt")
	putKeys(t, c, "bkt", "a")
	body := []byte(`<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a</Key></Object></Delete>`)
	sum := md5.Sum(body)
	for _, tc := range []struct {
		name   string
		hdr    http.Header
		status int
		want   string
	}{
		{"no digest", nil, 400, "<Code>InvalidRequest</Code><Message>Missing required header for this request: Content-MD5</Message>"},
		{"wrong Content-MD5", http.Header{"Content-Md5": {base64.StdEncoding.EncodeToString(make([]byte, 16))}}, 400, "<Code>BadDigest</Code>"},
		{"Content-MD5", http.Header{"Content-Md5": {base64.StdEncoding.EncodeToString(sum[:])}}, 200, "<Deleted><Key>a</Key></Deleted>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, data := signedRequest(t, env, "POST", "/bkt?delete", body, tc.hdr)
			if resp.StatusCode != tc.status || !strings.Contains(string(data), tc.want) {
				t.Fatalf("POST ?delete = %d %s; want %d %s", resp.StatusCode, data, tc.status, tc.want)
			}
		})
	}
}
