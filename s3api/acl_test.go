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

// ACLs are disabled, as on an S3 bucket with BucketOwnerEnforced object
// ownership: reading one answers the owner's full control, setting one
// succeeds only when it grants nothing more, and the ownership controls
// read BucketOwnerEnforced.
func TestACLsDisabled(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := context.Background()
	newBucket(t, c, "acls")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("acls"), Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	checkOwnerOnly := func(what string, o *types.Owner, grants []types.Grant) {
		t.Helper()
		if o == nil || aws.ToString(o.ID) == "" || len(grants) != 1 || grants[0].Permission != types.PermissionFullControl ||
			grants[0].Grantee == nil || grants[0].Grantee.Type != types.TypeCanonicalUser || aws.ToString(grants[0].Grantee.ID) != aws.ToString(o.ID) {
			t.Fatalf("%s: owner %+v, grants %+v", what, o, grants)
		}
	}
	ba, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("acls")})
	if err != nil {
		t.Fatal(err)
	}
	checkOwnerOnly("GetBucketAcl", ba.Owner, ba.Grants)
	oa, err := c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("acls"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	checkOwnerOnly("GetObjectAcl", oa.Owner, oa.Grants)
	if _, err := c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("acls"), Key: aws.String("missing")}); apiCode(err) != "NoSuchKey" {
		t.Fatalf("GetObjectAcl of a missing key: %v", err)
	}
	if _, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("no-such-bucket")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("GetBucketAcl of a missing bucket: %v", err)
	}

	ownerGrant := &types.AccessControlPolicy{Owner: ba.Owner, Grants: ba.Grants}
	publicGrant := &types.AccessControlPolicy{Owner: ba.Owner, Grants: append(ba.Grants, types.Grant{
		Grantee:    &types.Grantee{Type: types.TypeGroup, URI: aws.String("http://acs.amazonaws.com/groups/global/AllUsers")},
		Permission: types.PermissionRead,
	})}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"bucket private", func() error {
			_, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("acls"), ACL: types.BucketCannedACLPrivate})
			return err
		}(), ""},
		{"bucket public-read", func() error {
			_, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("acls"), ACL: types.BucketCannedACLPublicRead})
			return err
		}(), "AccessControlListNotSupported"},
		{"bucket owner grant as XML", func() error {
			_, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("acls"), AccessControlPolicy: ownerGrant})
			return err
		}(), ""},
		{"bucket public grant as XML", func() error {
			_, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("acls"), AccessControlPolicy: publicGrant})
			return err
		}(), "AccessControlListNotSupported"},
		{"object bucket-owner-full-control", func() error {
			_, err := c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String("acls"), Key: aws.String("k"), ACL: types.ObjectCannedACLBucketOwnerFullControl})
			return err
		}(), ""},
		{"object public-read", func() error {
			_, err := c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String("acls"), Key: aws.String("k"), ACL: types.ObjectCannedACLPublicRead})
			return err
		}(), "AccessControlListNotSupported"},
		{"object grant-read header", func() error {
			_, err := c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String("acls"), Key: aws.String("k"), GrantRead: aws.String(`uri="http://acs.amazonaws.com/groups/global/AllUsers"`)})
			return err
		}(), "AccessControlListNotSupported"},
	} {
		if got := apiCode(tc.err); got != tc.want {
			t.Errorf("PutAcl %s: %q (%v), want %q", tc.name, got, tc.err, tc.want)
		}
	}

	oc, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: aws.String("acls")})
	if err != nil || oc.OwnershipControls == nil || len(oc.OwnershipControls.Rules) != 1 ||
		oc.OwnershipControls.Rules[0].ObjectOwnership != types.ObjectOwnershipBucketOwnerEnforced {
		t.Fatalf("GetBucketOwnershipControls: %+v, %v", oc, err)
	}
	put := func(o types.ObjectOwnership) error {
		_, err := c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String("acls"),
			OwnershipControls: &types.OwnershipControls{Rules: []types.OwnershipControlsRule{{ObjectOwnership: o}}}})
		return err
	}
	if err := put(types.ObjectOwnershipBucketOwnerEnforced); err != nil {
		t.Fatalf("PutBucketOwnershipControls BucketOwnerEnforced: %v", err)
	}
	if err := put(types.ObjectOwnershipObjectWriter); apiCode(err) != "NotImplemented" {
		t.Fatalf("PutBucketOwnershipControls ObjectWriter: %v", err)
	}
}

// TestWriteACL: a PUT, copy or multipart upload may name no ACL, or one
// that grants the owner full control (private, bucket-owner-full-control);
// any other ACL is AccessControlListNotSupported, as S3 answers with ACLs
// disabled, and nothing is written — an object asked to be public-read is
// not silently kept private.
func TestWriteACL(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := context.Background()
	newBucket(t, c, "wacl")
	for _, acl := range []types.ObjectCannedACL{types.ObjectCannedACLPrivate, types.ObjectCannedACLBucketOwnerFullControl} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("wacl"), Key: aws.String("k"), Body: strings.NewReader("x"), ACL: acl}); err != nil {
			t.Errorf("PUT with %s: %v", acl, err)
		}
	}
	for _, tc := range []struct {
		name string
		in   *s3.PutObjectInput
		code string
	}{
		{"public-read", &s3.PutObjectInput{ACL: types.ObjectCannedACLPublicRead}, "AccessControlListNotSupported"},
		{"authenticated-read", &s3.PutObjectInput{ACL: types.ObjectCannedACLAuthenticatedRead}, "AccessControlListNotSupported"},
		{"a grant", &s3.PutObjectInput{GrantRead: aws.String(`uri="http://acs.amazonaws.com/groups/global/AllUsers"`)}, "AccessControlListNotSupported"},
		{"an unknown canned ACL", &s3.PutObjectInput{ACL: "everyone"}, "InvalidArgument"},
	} {
		in := tc.in
		in.Bucket, in.Key, in.Body = aws.String("wacl"), aws.String("refused"), strings.NewReader("x")
		_, err := c.PutObject(ctx, in)
		if apiCode(err) != tc.code || tc.code == "AccessControlListNotSupported" && apiMessage(err) != "The bucket does not allow ACLs" {
			t.Errorf("PUT with %s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("wacl"), Key: aws.String("refused"), CopySource: aws.String("wacl/k"),
		ACL: types.ObjectCannedACLPublicRead}); apiCode(err) != "AccessControlListNotSupported" {
		t.Errorf("CopyObject public-read: %v, want AccessControlListNotSupported", err)
	}
	if _, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("wacl"), Key: aws.String("refused"),
		GrantFullControl: aws.String(`id="0123456789abcdef"`)}); apiCode(err) != "AccessControlListNotSupported" {
		t.Errorf("CreateMultipartUpload with a grant: %v, want AccessControlListNotSupported", err)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("wacl"), Key: aws.String("refused")}); apiCode(err) != "NotFound" {
		t.Errorf("a refused write was stored: %v", err)
	}
}
