package s3api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wicket-io/wicket/internal/testenv"
)

// ListObjectVersions lists each object as its one version, "null" and the
// latest, page by page with key and version-id markers; a bucket emptied
// through its versions, as Terraform's force_destroy does, ends empty.
func TestListObjectVersions(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := context.Background()
	newBucket(t, c, "versions")
	keys := []string{"a", "b/1", "b/2", "c", "d"}
	for _, k := range keys {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("versions"), Key: aws.String(k), Body: strings.NewReader("x " + k)}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	pages := 0
	in := &s3.ListObjectVersionsInput{Bucket: aws.String("versions"), MaxKeys: aws.Int32(2)}
	for {
		out, err := c.ListObjectVersions(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, v := range out.Versions {
			if aws.ToString(v.VersionId) != "null" || !aws.ToBool(v.IsLatest) || aws.ToString(v.ETag) == "" || v.Owner == nil {
				t.Errorf("version %+v", v)
			}
			got = append(got, aws.ToString(v.Key))
		}
		if len(out.DeleteMarkers) != 0 {
			t.Errorf("delete markers %v", out.DeleteMarkers)
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		if aws.ToString(out.NextVersionIdMarker) != "null" {
			t.Errorf("NextVersionIdMarker %q", aws.ToString(out.NextVersionIdMarker))
		}
		in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
	if strings.Join(got, ",") != strings.Join(keys, ",") || pages != 3 {
		t.Fatalf("listed %v in %d pages, want %v in 3", got, pages, keys)
	}

	out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("versions"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Versions) != 3 || len(out.CommonPrefixes) != 1 || aws.ToString(out.CommonPrefixes[0].Prefix) != "b/" {
		t.Fatalf("with a delimiter: %d versions, prefixes %v", len(out.Versions), out.CommonPrefixes)
	}
	for _, tc := range []struct {
		name string
		in   *s3.ListObjectVersionsInput
		want string
	}{
		{"version-id marker alone", &s3.ListObjectVersionsInput{Bucket: aws.String("versions"), VersionIdMarker: aws.String("null")}, "InvalidArgument"},
		{"unknown version-id marker", &s3.ListObjectVersionsInput{Bucket: aws.String("versions"), KeyMarker: aws.String("a"), VersionIdMarker: aws.String("3HL4kqtJlcpXroDTDmJ")}, "InvalidArgument"},
		{"missing bucket", &s3.ListObjectVersionsInput{Bucket: aws.String("no-such-bucket")}, "NoSuchBucket"},
	} {
		if _, err := c.ListObjectVersions(ctx, tc.in); apiCode(err) != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}

	// Empty the bucket through its versions, then delete it.
	del := &types.Delete{}
	for _, k := range keys {
		del.Objects = append(del.Objects, types.ObjectIdentifier{Key: aws.String(k), VersionId: aws.String("null")})
	}
	res, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("versions"), Delete: del})
	if err != nil || len(res.Errors) != 0 || len(res.Deleted) != len(keys) {
		t.Fatalf("DeleteObjects with VersionId null: %+v, %v", res, err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("versions")}); err != nil {
		t.Fatalf("DeleteBucket after deleting every version: %v", err)
	}
}

// A read names a version: "null" is the object, another is NoSuchVersion,
// an empty one InvalidArgument.
func TestVersionIDOnReads(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := context.Background()
	newBucket(t, c, "vids")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vids"), Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		vid, want string
	}{{"null", ""}, {"3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY", "NoSuchVersion"}} {
		_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("vids"), Key: aws.String("k"), VersionId: aws.String(tc.vid)})
		if apiCode(err) != tc.want {
			t.Errorf("GET versionId=%s: %v, want %q", tc.vid, err, tc.want)
		}
		_, err = c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("vids"), Key: aws.String("k"), VersionId: aws.String(tc.vid)})
		if apiCode(err) != tc.want {
			t.Errorf("GetObjectTagging versionId=%s: %v, want %q", tc.vid, err, tc.want)
		}
	}
	resp, err := env.Client().Do(signed(t, "GET", env.URL+"/vids/k?versionId=", nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if code := errorCode(t, resp); resp.StatusCode != 400 || code != "InvalidArgument" {
		t.Errorf("GET with an empty versionId: %d %s, want 400 InvalidArgument", resp.StatusCode, code)
	}
}
