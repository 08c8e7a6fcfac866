package s3api_test

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wicket-io/wicket/internal/testenv"
)

// CreateBucket answers with the bucket's ARN, and the tags of its
// configuration become the bucket's tags; tags are checked as
// PutBucketTagging checks them, before the bucket is made.
func TestCreateBucketTags(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	tags := tagSet("team", "storage", "env", "test")
	out, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("tagged"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{Tags: tags}})
	if err != nil {
		t.Fatalf("CreateBucket with tags: %v", err)
	}
	if aws.ToString(out.BucketArn) != "arn:aws:s3:::tagged" || aws.ToString(out.Location) != "/tagged" {
		t.Errorf("CreateBucket = ARN %q, Location %q", aws.ToString(out.BucketArn), aws.ToString(out.Location))
	}
	got, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("tagged")})
	if err != nil {
		t.Fatalf("GetBucketTagging: %v", err)
	}
	if want := tagSet("env", "test", "team", "storage"); !reflect.DeepEqual(got.TagSet, want) {
		t.Errorf("tags = %+v, want %+v", got.TagSet, want)
	}

	for _, tc := range []struct {
		name, code, message string
		tags                []types.Tag
	}{
		{"key with '!'", "InvalidTag", "The TagKey you have provided is invalid", tagSet("user!name", "v")},
		{"value with ','", "InvalidTag", "The TagValue you have provided is invalid", tagSet("k", "comma,separated")},
		{"long key", "InvalidTag", "The TagKey you have provided is invalid", tagSet(strings.Repeat("k", 129), "v")},
		{"long value", "InvalidTag", "The TagValue you have provided is invalid", tagSet("k", strings.Repeat("v", 257))},
		{"a key twice", "InvalidTag", "Cannot provide multiple Tags with the same key", tagSet("k", "1", "k", "2")},
		{"51 tags", "BadRequest", "Bucket tag count cannot be greater than 50", manyTags(51)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("refused"),
				CreateBucketConfiguration: &types.CreateBucketConfiguration{Tags: tc.tags}})
			if apiCode(err) != tc.code || apiMessage(err) != tc.message {
				t.Fatalf("CreateBucket: %v, want %s %q", err, tc.code, tc.message)
			}
			if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("refused")}); err == nil {
				t.Fatal("the bucket was made despite its tags")
			}
		})
	}
}

// Wicket has no ACLs: a bucket is what S3 makes by default, with
// BucketOwnerEnforced, and takes no ACL that grants anything beyond the
// owner's full control. The headers themselves are checked as S3 does.
func TestCreateBucketACL(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	for i, tc := range []struct {
		name string
		in   s3.CreateBucketInput
		code string
	}{
		{"private", s3.CreateBucketInput{ACL: types.BucketCannedACLPrivate}, ""},
		{"private, enforced", s3.CreateBucketInput{ACL: types.BucketCannedACLPrivate, ObjectOwnership: types.ObjectOwnershipBucketOwnerEnforced}, ""},
		{"public, object writer", s3.CreateBucketInput{ACL: types.BucketCannedACLPublicRead, ObjectOwnership: types.ObjectOwnershipObjectWriter}, ""},
		{"public, enforced", s3.CreateBucketInput{ACL: types.BucketCannedACLPublicRead, ObjectOwnership: types.ObjectOwnershipBucketOwnerEnforced},
			"InvalidBucketAclWithObjectOwnership"},
		{"public by default", s3.CreateBucketInput{ACL: types.BucketCannedACLPublicReadWrite}, "InvalidBucketAclWithObjectOwnership"},
		{"a grant by default", s3.CreateBucketInput{GrantRead: aws.String("uri=http://acs.amazonaws.com/groups/global/AllUsers")},
			"InvalidBucketAclWithObjectOwnership"},
		{"unknown canned ACL", s3.CreateBucketInput{ACL: types.BucketCannedACL("invalid_acl")}, "InvalidArgument"},
		{"unknown ownership", s3.CreateBucketInput{ObjectOwnership: types.ObjectOwnership("Nobody")}, "InvalidArgument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Bucket = aws.String(fmt.Sprintf("acl-%d", i))
			_, err := c.CreateBucket(ctx, &in)
			if apiCode(err) != tc.code {
				t.Fatalf("CreateBucket: %v, want %q", err, tc.code)
			}
			_, herr := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: in.Bucket})
			if (herr == nil) != (tc.code == "") {
				t.Fatalf("bucket made: %v, want %v", herr == nil, tc.code == "")
			}
		})
	}
	resp, body := signedRequest(t, env, "PUT", "/acl-x", nil, http.Header{"X-Amz-Object-Ownership": {"Nobody"}})
	if resp.StatusCode != 400 || !strings.Contains(string(body), "<Message>Invalid x-amz-object-ownership header: Nobody</Message>") ||
		!strings.Contains(string(body), "<ArgumentName>x-amz-object-ownership</ArgumentName>") {
		t.Fatalf("unknown ownership: %d %s", resp.StatusCode, body)
	}
}
