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

// TestDeleteVersion: DeleteObject naming a version other than "null"
// deletes nothing and is InvalidArgument, as S3 answers on a bucket that
// never had versioning; "null" deletes the object. In DeleteObjects such a
// version is the key's NoSuchVersion, which names it.
func TestDeleteVersion(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := context.Background()
	newBucket(t, c, "delvers")
	for _, k := range []string{"k", "j"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("delvers"), Key: aws.String(k), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
	}
	const other = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
	_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("delvers"), Key: aws.String("k"), VersionId: aws.String(other)})
	if apiCode(err) != "InvalidArgument" || apiMessage(err) != "Invalid version id specified" {
		t.Fatalf("DeleteObject of another version: %v, want InvalidArgument", err)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("delvers"), Key: aws.String("k")}); err != nil {
		t.Fatalf("the object is gone after deleting another version: %v", err)
	}
	out, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("delvers"), Key: aws.String("k"), VersionId: aws.String("null")})
	if err != nil || aws.ToString(out.VersionId) != "null" {
		t.Fatalf("DeleteObject of version null: %+v, %v", out, err)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("delvers"), Key: aws.String("k")}); apiCode(err) != "NotFound" {
		t.Fatalf("HEAD after deleting version null: %v, want NotFound", err)
	}
	res, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("delvers"), Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: aws.String("j"), VersionId: aws.String(other)}}}})
	if err != nil || len(res.Errors) != 1 || aws.ToString(res.Errors[0].Code) != "NoSuchVersion" || aws.ToString(res.Errors[0].VersionId) != other {
		t.Fatalf("DeleteObjects of another version: %+v, %v", res, err)
	}
}

// TestVersionPermissions: a request that names a version, "null" included,
// is authorized as its version action (s3:GetObjectVersion,
// s3:DeleteObjectVersion …) with s3:versionid, as S3 authorizes it; a
// caller allowed s3:GetObject and s3:DeleteObject alone cannot reach
// versions.
func TestVersionPermissions(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := context.Background()
	newBucket(t, c, "verperm")
	for _, k := range []string{"a", "b", "c"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("verperm"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	user := func(name, doc string) *s3.Client { return env.S3With(iamUser(t, env, name, doc)) }
	plain := user("plain", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:DeleteObject","s3:PutObject"],"Resource":"arn:aws:s3:::verperm/*"}]}`)
	versions := user("versions", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObjectVersion","s3:DeleteObjectVersion"],"Resource":"arn:aws:s3:::verperm/*","Condition":{"StringEquals":{"s3:versionid":"null"}}}]}`)
	null := aws.String("null")
	wantDenied := func(what string, err error, user, action, key string) {
		t.Helper()
		want := denied("arn:aws:iam::000000000000:user/"+user, action, "arn:aws:s3:::verperm/"+key, "because no identity-based policy allows the "+action+" action")
		if apiCode(err) != "AccessDenied" || apiMessage(err) != want {
			t.Errorf("%s: %v, want AccessDenied %q", what, err, want)
		}
	}
	if _, err := plain.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("verperm"), Key: aws.String("a")}); err != nil {
		t.Errorf("plain GET: %v", err)
	}
	_, err := plain.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("verperm"), Key: aws.String("a"), VersionId: null})
	wantDenied("plain GET of version null", err, "plain", "s3:GetObjectVersion", "a")
	_, err = plain.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("verperm"), Key: aws.String("a"), VersionId: null})
	wantDenied("plain DELETE of version null", err, "plain", "s3:DeleteObjectVersion", "a")
	_, err = plain.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("verperm"), Key: aws.String("copy"), CopySource: aws.String("verperm/a?versionId=null")})
	wantDenied("plain copy of version null", err, "plain", "s3:GetObjectVersion", "a")
	res, err := plain.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("verperm"), Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: aws.String("b"), VersionId: null}, {Key: aws.String("c")}}}})
	if err != nil || len(res.Errors) != 1 || aws.ToString(res.Errors[0].Key) != "b" || !strings.Contains(aws.ToString(res.Errors[0].Message), "s3:DeleteObjectVersion") ||
		len(res.Deleted) != 1 || aws.ToString(res.Deleted[0].Key) != "c" {
		t.Errorf("plain DeleteObjects, b's version and c: %+v, %v", res, err)
	}

	if _, err := versions.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("verperm"), Key: aws.String("a"), VersionId: null}); err != nil {
		t.Errorf("GET of version null with s3:GetObjectVersion: %v", err)
	}
	_, err = versions.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("verperm"), Key: aws.String("a")})
	wantDenied("GET of the object with s3:GetObjectVersion alone", err, "versions", "s3:GetObject", "a")
	if _, err := versions.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("verperm"), Key: aws.String("a"), VersionId: null}); err != nil {
		t.Errorf("DELETE of version null with s3:DeleteObjectVersion: %v", err)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("verperm"), Key: aws.String("a")}); apiCode(err) != "NotFound" {
		t.Errorf("a after its version null was deleted: %v, want NotFound", err)
	}
}
