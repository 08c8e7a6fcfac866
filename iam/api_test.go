package iam_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/wicket-io/wicket/internal/testenv"
)

var ctx = context.Background()

// apiCode returns the AWS error code of err, or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := apiCode(err); got != code {
		t.Fatalf("%s: error %v, want code %s", what, err, code)
	}
}

func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// newUser creates a user with an access key and an inline policy, and
// returns its credentials.
func newUser(t *testing.T, env *testenv.Env, name, doc string) aws.Credentials {
	t.Helper()
	c := env.IAM()
	must[*iam.CreateUserOutput](t, "CreateUser")(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}))
	if doc != "" {
		must[*iam.PutUserPolicyOutput](t, "PutUserPolicy")(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{
			UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}))
	}
	k := must[*iam.CreateAccessKeyOutput](t, "CreateAccessKey")(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)}))
	return aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}
}

func put(t *testing.T, c *s3.Client, bucket, key, body string) error {
	t.Helper()
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)})
	return err
}

func get(c *s3.Client, bucket, key string) (string, error) {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return "", err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return string(b), err
}

func TestUserScopedPolicy(t *testing.T) {
	env := testenv.New(t)
	root := env.S3()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("app")}))
	for _, k := range []string{"public/a.txt", "private/b.txt", "home/alice/c.txt", "home/bob/d.txt"} {
		if err := put(t, root, "app", k, "data of "+k); err != nil {
			t.Fatal(err)
		}
	}
	alice := env.S3With(newUser(t, env, "alice", `{
	  "Version": "2012-10-17",
	  "Statement": [
	    {"Sid": "ReadPublic", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::app/public/*"},
	    {"Sid": "OwnHome", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
	     "Resource": "arn:aws:s3:::app/home/${aws:username}/*"},
	    {"Sid": "ListOwnHome", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::app",
	     "Condition": {"StringLike": {"s3:prefix": ["home/${aws:username}/*", "public/*"]}}}
	  ]}`))

	if got, err := get(alice, "app", "public/a.txt"); err != nil || got != "data of public/a.txt" {
		t.Errorf("alice reads public/a.txt = %q, %v", got, err)
	}
	if got, err := get(alice, "app", "home/alice/c.txt"); err != nil || got != "data of home/alice/c.txt" {
		t.Errorf("alice reads her home = %q, %v", got, err)
	}
	if err := put(t, alice, "app", "home/alice/new.txt", "x"); err != nil {
		t.Errorf("alice writes her home: %v", err)
	}
	for _, k := range []string{"private/b.txt", "home/bob/d.txt", "home/alice", "home/alicex/c.txt"} {
		_, err := get(alice, "app", k)
		wantCode(t, "alice reads "+k, err, "AccessDenied")
	}
	wantCode(t, "alice writes public", put(t, alice, "app", "public/z.txt", "x"), "AccessDenied")
	wantCode(t, "alice writes bob's home", put(t, alice, "app", "home/bob/z.txt", "x"), "AccessDenied")
	_, err := alice.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("app"), Key: aws.String("public/a.txt")})
	wantCode(t, "alice deletes public", err, "AccessDenied")

	// Listing: allowed only under the prefixes the condition names.
	out, err := alice.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("app"), Prefix: aws.String("home/alice/")})
	if err != nil || len(out.Contents) != 2 {
		t.Errorf("alice lists her home: %v (%d keys)", err, len(out.Contents))
	}
	_, err = alice.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("app")})
	wantCode(t, "alice lists the whole bucket", err, "AccessDenied")
	_, err = alice.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("app"), Prefix: aws.String("home/bob/")})
	wantCode(t, "alice lists bob's home", err, "AccessDenied")
	_, err = alice.ListBuckets(ctx, &s3.ListBucketsInput{})
	wantCode(t, "alice lists buckets", err, "AccessDenied")
	_, err = alice.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("alices")})
	wantCode(t, "alice creates a bucket", err, "AccessDenied")

	// DeleteObjects checks every key: one allowed, one refused.
	del, err := alice.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("app"), Delete: &s3types.Delete{
		Objects: []s3types.ObjectIdentifier{{Key: aws.String("home/alice/new.txt")}, {Key: aws.String("home/bob/d.txt")}}}})
	if err != nil || len(del.Deleted) != 1 || len(del.Errors) != 1 || *del.Errors[0].Code != "AccessDenied" || *del.Errors[0].Key != "home/bob/d.txt" {
		t.Errorf("DeleteObjects = %+v, %v", del, err)
	}
	if _, err := get(root, "app", "home/bob/d.txt"); err != nil {
		t.Errorf("bob's object after alice's batch delete: %v", err)
	}

	// Copying needs s3:GetObject on the source as well.
	_, err = alice.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("app"), Key: aws.String("home/alice/stolen"),
		CopySource: aws.String("app/private/b.txt")})
	wantCode(t, "alice copies private into her home", err, "AccessDenied")
	if _, err := alice.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("app"), Key: aws.String("home/alice/copy"),
		CopySource: aws.String("app/public/a.txt")}); err != nil {
		t.Errorf("alice copies public into her home: %v", err)
	}
}

func TestPolicyChangeTakesEffectAtOnce(t *testing.T) {
	env := testenv.New(t)
	root := env.S3()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
	if err := put(t, root, "bkt", "k", "v"); err != nil {
		t.Fatal(err)
	}
	carol := env.S3With(newUser(t, env, "carol", ""))
	_, err := get(carol, "bkt", "k")
	wantCode(t, "carol without policy", err, "AccessDenied")

	c := env.IAM()
	must[*iam.PutUserPolicyOutput](t, "PutUserPolicy")(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("carol"),
		PolicyName: aws.String("read"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)}))
	if _, err := get(carol, "bkt", "k"); err != nil {
		t.Errorf("carol after PutUserPolicy: %v", err)
	}
	// A bucket policy that denies her wins over her own allow.
	must[*s3.PutBucketPolicyOutput](t, "PutBucketPolicy")(root.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("bkt"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bkt/*"}]}`)}))
	_, err = get(carol, "bkt", "k")
	wantCode(t, "carol under a deny-all bucket policy", err, "AccessDenied")
	if _, err := get(root, "bkt", "k"); err != nil {
		t.Errorf("root under a deny-all bucket policy: %v", err)
	}
	must[*s3.DeleteBucketPolicyOutput](t, "DeleteBucketPolicy")(root.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("bkt")}))
	if _, err := get(carol, "bkt", "k"); err != nil {
		t.Errorf("carol after DeleteBucketPolicy: %v", err)
	}
	must[*iam.DeleteUserPolicyOutput](t, "DeleteUserPolicy")(c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("carol"), PolicyName: aws.String("read")}))
	_, err = get(carol, "bkt", "k")
	wantCode(t, "carol after DeleteUserPolicy", err, "AccessDenied")
}

func TestAccessKeyLifecycle(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	creds := newUser(t, env, "dave", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)
	dave := env.S3With(creds)
	if _, err := dave.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("dave lists buckets: %v", err)
	}
	wrong := creds
	wrong.SecretAccessKey = "x" + wrong.SecretAccessKey[1:]
	_, err := env.S3With(wrong).ListBuckets(ctx, &s3.ListBucketsInput{})
	wantCode(t, "wrong secret", err, "SignatureDoesNotMatch")

	must[*iam.UpdateAccessKeyOutput](t, "UpdateAccessKey")(c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("dave"),
		AccessKeyId: aws.String(creds.AccessKeyID), Status: types.StatusTypeInactive}))
	_, err = dave.ListBuckets(ctx, &s3.ListBucketsInput{})
	wantCode(t, "inactive key", err, "InvalidAccessKeyId")
	must[*iam.UpdateAccessKeyOutput](t, "UpdateAccessKey")(c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("dave"),
		AccessKeyId: aws.String(creds.AccessKeyID), Status: types.StatusTypeActive}))
	if _, err := dave.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Errorf("reactivated key: %v", err)
	}

	keys := must[*iam.ListAccessKeysOutput](t, "ListAccessKeys")(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("dave")}))
	if len(keys.AccessKeyMetadata) != 1 || *keys.AccessKeyMetadata[0].AccessKeyId != creds.AccessKeyID {
		t.Errorf("ListAccessKeys = %+v", keys.AccessKeyMetadata)
	}
	must[*iam.CreateAccessKeyOutput](t, "second key")(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dave")}))
	_, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dave")})
	wantCode(t, "third key", err, "LimitExceeded")

	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("dave")})
	wantCode(t, "DeleteUser with keys", err, "DeleteConflict")
	must[*iam.DeleteAccessKeyOutput](t, "DeleteAccessKey")(c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("dave"), AccessKeyId: aws.String(creds.AccessKeyID)}))
	_, err = dave.ListBuckets(ctx, &s3.ListBucketsInput{})
	wantCode(t, "deleted key", err, "InvalidAccessKeyId")
}

func TestRoles(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-1:0b5e0a34-6d44-4c58-8d6f-3b9f8b0b2b7e"},"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"unauthenticated"}}}]}`
	r := must[*iam.CreateRoleOutput](t, "CreateRole")(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("guest"),
		AssumeRolePolicyDocument: aws.String(trust), Path: aws.String("/app/"), Description: aws.String("guests")}))
	if *r.Role.Arn != "arn:aws:iam::000000000000:role/app/guest" || !strings.HasPrefix(*r.Role.RoleId, "AROA") || *r.Role.MaxSessionDuration != 3600 {
		t.Errorf("CreateRole = %+v", r.Role)
	}
	_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("GUEST"), AssumeRolePolicyDocument: aws.String(trust)})
	wantCode(t, "CreateRole with a name differing in case", err, "EntityAlreadyExists")
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bad"), AssumeRolePolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`)})
	wantCode(t, "trust policy without Principal", err, "MalformedPolicyDocument")
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bad"), AssumeRolePolicyDocument: aws.String(trust), MaxSessionDuration: aws.Int32(60)})
	wantCode(t, "MaxSessionDuration 60", err, "ValidationError")
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bad/name"), AssumeRolePolicyDocument: aws.String(trust)})
	wantCode(t, "role name with a slash", err, "ValidationError")
	// A user or role that does not exist is no principal, as IAM answers.
	ghost := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/ghost"},"Action":"sts:AssumeRole"}]}`
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("haunted"), AssumeRolePolicyDocument: aws.String(ghost)})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "MalformedPolicyDocument" || ae.ErrorMessage() != `Invalid principal in policy: "AWS":"arn:aws:iam::000000000000:user/ghost"` {
		t.Errorf("a trust policy naming no one: %v", err)
	}
	_, err = c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("guest"), PolicyDocument: aws.String(ghost)})
	wantCode(t, "UpdateAssumeRolePolicy naming no one", err, "MalformedPolicyDocument")

	g := must[*iam.GetRoleOutput](t, "GetRole")(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("guest")}))
	if doc, err := url.QueryUnescape(*g.Role.AssumeRolePolicyDocument); err != nil || doc != trust {
		t.Errorf("GetRole trust policy = %q (%v), want %q", *g.Role.AssumeRolePolicyDocument, err, trust)
	}
	must[*iam.UpdateRoleOutput](t, "UpdateRole")(c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("guest"), MaxSessionDuration: aws.Int32(7200)}))
	g = must[*iam.GetRoleOutput](t, "GetRole")(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("guest")}))
	if *g.Role.MaxSessionDuration != 7200 || *g.Role.Description != "guests" {
		t.Errorf("after UpdateRole: %+v", g.Role)
	}

	must[*iam.PutRolePolicyOutput](t, "PutRolePolicy")(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("guest"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::assets/*"}]}`)}))
	names := must[*iam.ListRolePoliciesOutput](t, "ListRolePolicies")(c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("guest")}))
	if len(names.PolicyNames) != 1 || names.PolicyNames[0] != "read" {
		t.Errorf("ListRolePolicies = %v", names.PolicyNames)
	}
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("guest")})
	wantCode(t, "DeleteRole with a policy", err, "DeleteConflict")
	must[*iam.DeleteRolePolicyOutput](t, "DeleteRolePolicy")(c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("guest"), PolicyName: aws.String("read")}))
	must[*iam.DeleteRoleOutput](t, "DeleteRole")(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("guest")}))
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("guest")})
	wantCode(t, "GetRole after delete", err, "NoSuchEntity")
}

func TestManagedPoliciesAndGroups(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	root := env.S3()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("data")}))
	if err := put(t, root, "data", "x", "1"); err != nil {
		t.Fatal(err)
	}
	read := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*"}]}`
	none := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`
	p := must[*iam.CreatePolicyOutput](t, "CreatePolicy")(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("read-data"), PolicyDocument: aws.String(read)}))
	arn := p.Policy.Arn
	must[*iam.CreateGroupOutput](t, "CreateGroup")(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("readers")}))
	must[*iam.AttachGroupPolicyOutput](t, "AttachGroupPolicy")(c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("readers"), PolicyArn: arn}))
	erin := env.S3With(newUser(t, env, "erin", ""))
	_, err := get(erin, "data", "x")
	wantCode(t, "erin outside the group", err, "AccessDenied")
	must[*iam.AddUserToGroupOutput](t, "AddUserToGroup")(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("readers"), UserName: aws.String("erin")}))
	if _, err := get(erin, "data", "x"); err != nil {
		t.Errorf("erin in the group: %v", err)
	}
	gp := must[*iam.GetPolicyOutput](t, "GetPolicy")(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn}))
	if *gp.Policy.AttachmentCount != 1 || *gp.Policy.DefaultVersionId != "v1" {
		t.Errorf("GetPolicy = %+v", gp.Policy)
	}
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn})
	wantCode(t, "DeletePolicy while attached", err, "DeleteConflict")

	// A new default version changes what the group may do at once.
	must[*iam.CreatePolicyVersionOutput](t, "CreatePolicyVersion")(c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(none), SetAsDefault: true}))
	_, err = get(erin, "data", "x")
	wantCode(t, "erin after v2", err, "AccessDenied")
	must[*iam.SetDefaultPolicyVersionOutput](t, "SetDefaultPolicyVersion")(c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v1")}))
	if _, err := get(erin, "data", "x"); err != nil {
		t.Errorf("erin after back to v1: %v", err)
	}
	for i := 0; i < 3; i++ {
		must[*iam.CreatePolicyVersionOutput](t, "CreatePolicyVersion")(c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(read)}))
	}
	_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(read)})
	wantCode(t, "sixth version", err, "LimitExceeded")
	_, err = c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v1")})
	wantCode(t, "delete the default version", err, "DeleteConflict")
	vs := must[*iam.ListPolicyVersionsOutput](t, "ListPolicyVersions")(c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: arn}))
	if len(vs.Versions) != 5 {
		t.Errorf("ListPolicyVersions: %d versions", len(vs.Versions))
	}
	v := must[*iam.GetPolicyVersionOutput](t, "GetPolicyVersion")(c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v2")}))
	if doc, _ := url.QueryUnescape(*v.PolicyVersion.Document); doc != none || v.PolicyVersion.IsDefaultVersion {
		t.Errorf("GetPolicyVersion v2 = %q default=%v", doc, v.PolicyVersion.IsDefaultVersion)
	}

	// AWS managed policies attach by their ARN.
	must[*iam.AttachUserPolicyOutput](t, "attach AmazonS3ReadOnlyAccess")(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("erin"),
		PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")}))
	if _, err := erin.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Errorf("erin with AmazonS3ReadOnlyAccess lists buckets: %v", err)
	}
	wantCode(t, "erin with read-only access writes", put(t, erin, "data", "y", "2"), "AccessDenied")
	_, err = c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("erin"), PolicyArn: aws.String("arn:aws:iam::000000000000:policy/nope")})
	wantCode(t, "attach a missing policy", err, "NoSuchEntity")

	_, err = c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("readers")})
	wantCode(t, "DeleteGroup with a member", err, "DeleteConflict")
	gg := must[*iam.GetGroupOutput](t, "GetGroup")(c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("readers")}))
	if len(gg.Users) != 1 || *gg.Users[0].UserName != "erin" {
		t.Errorf("GetGroup users = %+v", gg.Users)
	}
	must[*iam.RemoveUserFromGroupOutput](t, "RemoveUserFromGroup")(c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("readers"), UserName: aws.String("erin")}))
	must[*iam.DetachGroupPolicyOutput](t, "DetachGroupPolicy")(c.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: aws.String("readers"), PolicyArn: arn}))
	for _, v := range []string{"v2", "v3", "v4", "v5"} {
		must[*iam.DeletePolicyVersionOutput](t, "DeletePolicyVersion")(c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String(v)}))
	}
	must[*iam.DeletePolicyOutput](t, "DeletePolicy")(c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn}))
	must[*iam.DeleteGroupOutput](t, "DeleteGroup")(c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("readers")}))
}

func TestValidation(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	must[*iam.CreateUserOutput](t, "CreateUser")(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("frank")}))
	for _, tc := range []struct {
		name string
		call func() error
		code string
	}{
		{"duplicate user", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("Frank")})
			return err
		}, "EntityAlreadyExists"},
		{"user name too long", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(strings.Repeat("a", 65))})
			return err
		}, "ValidationError"},
		{"bad path", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("g"), Path: aws.String("nopath")})
			return err
		}, "ValidationError"},
		{"missing user", func() error {
			_, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nobody")})
			return err
		}, "NoSuchEntity"},
		{"malformed policy", func() error {
			_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("frank"), PolicyName: aws.String("p"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`)})
			return err
		}, "MalformedPolicyDocument"},
		{"policy with an unknown operator", func() error {
			_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("frank"), PolicyName: aws.String("p"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"aws:username":"x"}}}]}`)})
			return err
		}, "MalformedPolicyDocument"},
		{"identity policy with a Principal", func() error {
			_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("frank"), PolicyName: aws.String("p"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`)})
			return err
		}, "MalformedPolicyDocument"},
		{"inline policy too large", func() error {
			stmts := make([]string, 60)
			for i := range stmts {
				stmts[i] = `{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/some/long/prefix/` + strings.Repeat("x", 10) + `"}`
			}
			_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("frank"), PolicyName: aws.String("big"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`)})
			return err
		}, "LimitExceeded"},
		{"missing inline policy", func() error {
			_, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("frank"), PolicyName: aws.String("none")})
			return err
		}, "NoSuchEntity"},
		{"OIDC provider over http", func() error {
			_, err := c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("http://idp.example.com")})
			return err
		}, "ValidationError"},
	} {
		if err := tc.call(); apiCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
}

func TestOIDCProviders(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	out := must[*iam.CreateOpenIDConnectProviderOutput](t, "Create")(c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://idp.example.com/realms/app"), ClientIDList: []string{"web", "mobile"}}))
	if *out.OpenIDConnectProviderArn != "arn:aws:iam::000000000000:oidc-provider/idp.example.com/realms/app" {
		t.Errorf("ARN = %s", *out.OpenIDConnectProviderArn)
	}
	_, err := c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://idp.example.com/realms/app")})
	wantCode(t, "duplicate provider", err, "EntityAlreadyExists")
	must[*iam.AddClientIDToOpenIDConnectProviderOutput](t, "AddClientID")(c.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{
		OpenIDConnectProviderArn: out.OpenIDConnectProviderArn, ClientID: aws.String("cli")}))
	must[*iam.RemoveClientIDFromOpenIDConnectProviderOutput](t, "RemoveClientID")(c.RemoveClientIDFromOpenIDConnectProvider(ctx, &iam.RemoveClientIDFromOpenIDConnectProviderInput{
		OpenIDConnectProviderArn: out.OpenIDConnectProviderArn, ClientID: aws.String("web")}))
	g := must[*iam.GetOpenIDConnectProviderOutput](t, "Get")(c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: out.OpenIDConnectProviderArn}))
	if *g.Url != "idp.example.com/realms/app" || strings.Join(g.ClientIDList, ",") != "mobile,cli" {
		t.Errorf("Get = url %s clients %v", *g.Url, g.ClientIDList)
	}
	l := must[*iam.ListOpenIDConnectProvidersOutput](t, "List")(c.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{}))
	if len(l.OpenIDConnectProviderList) != 1 {
		t.Errorf("List = %d providers", len(l.OpenIDConnectProviderList))
	}
	must[*iam.DeleteOpenIDConnectProviderOutput](t, "Delete")(c.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: out.OpenIDConnectProviderArn}))
	_, err = c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: out.OpenIDConnectProviderArn})
	wantCode(t, "Get after delete", err, "NoSuchEntity")
}

// An issuer that ends in "/" (Auth0's, Azure AD v1's) keeps it in the
// provider's URL and ARN, as IAM keeps it, and is another provider than
// the same URL without it.
func TestOIDCProviderTrailingSlash(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	for _, tc := range []struct{ url, name string }{
		{"https://tenant.auth0.example/", "tenant.auth0.example/"},
		{"https://tenant.auth0.example", "tenant.auth0.example"},
		{"https://sts.windows.example/tid/", "sts.windows.example/tid/"},
	} {
		out, err := c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(tc.url), ClientIDList: []string{"app"}})
		if err != nil {
			t.Fatalf("Create %s: %v", tc.url, err)
		}
		if want := "arn:aws:iam::000000000000:oidc-provider/" + tc.name; *out.OpenIDConnectProviderArn != want {
			t.Errorf("Create %s: ARN %s, want %s", tc.url, *out.OpenIDConnectProviderArn, want)
		}
		g, err := c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: out.OpenIDConnectProviderArn})
		if err != nil {
			t.Errorf("Get %s: %v", tc.url, err)
		} else if *g.Url != tc.name {
			t.Errorf("Get %s: url %s, want %s", tc.url, *g.Url, tc.name)
		}
	}
	_, err := c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://tenant.auth0.example/")})
	wantCode(t, "duplicate provider with a slash", err, "EntityAlreadyExists")
	l := must[*iam.ListOpenIDConnectProvidersOutput](t, "List")(c.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{}))
	if len(l.OpenIDConnectProviderList) != 3 {
		t.Errorf("List = %d providers, want 3", len(l.OpenIDConnectProviderList))
	}
}

func TestSimulate(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	newUser(t, env, "gina", `{"Version":"2012-10-17","Statement":[
	  {"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
	  {"Sid":"NoSecrets","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::b/secret/*"}]}`)
	out := must[*iam.SimulatePrincipalPolicyOutput](t, "SimulatePrincipalPolicy")(c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::000000000000:user/gina"),
		ActionNames:     []string{"s3:GetObject", "s3:PutObject"},
		ResourceArns:    []string{"arn:aws:s3:::b/a", "arn:aws:s3:::b/secret/x"},
	}))
	want := map[string]types.PolicyEvaluationDecisionType{
		"s3:GetObject arn:aws:s3:::b/a":        types.PolicyEvaluationDecisionTypeAllowed,
		"s3:GetObject arn:aws:s3:::b/secret/x": types.PolicyEvaluationDecisionTypeExplicitDeny,
		"s3:PutObject arn:aws:s3:::b/a":        types.PolicyEvaluationDecisionTypeImplicitDeny,
		"s3:PutObject arn:aws:s3:::b/secret/x": types.PolicyEvaluationDecisionTypeExplicitDeny,
	}
	if len(out.EvaluationResults) != len(want) {
		t.Fatalf("%d results", len(out.EvaluationResults))
	}
	for _, r := range out.EvaluationResults {
		k := *r.EvalActionName + " " + *r.EvalResourceName
		if r.EvalDecision != want[k] {
			t.Errorf("%s: %s, want %s", k, r.EvalDecision, want[k])
		}
		// The inline policy that matched, and where in it the statement
		// is, as IAM gives it.
		for _, m := range r.MatchedStatements {
			if !strings.HasPrefix(aws.ToString(m.SourcePolicyId), "user/gina inline policy p statement ") || m.SourcePolicyType != types.PolicySourceTypeUser || m.StartPosition == nil {
				t.Errorf("%s: matched %s (%s), want gina's inline policy p", k, aws.ToString(m.SourcePolicyId), m.SourcePolicyType)
				continue
			}
			line := int32(2) // Read
			if r.EvalDecision == types.PolicyEvaluationDecisionTypeExplicitDeny {
				line = 3 // NoSecrets
			}
			if p := m.StartPosition; p.Line != line || p.Column != 4 {
				t.Errorf("%s: statement at line %d, column %d, want line %d, column 4", k, p.Line, p.Column, line)
			}
		}
	}
	custom := must[*iam.SimulateCustomPolicyOutput](t, "SimulateCustomPolicy")(c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`},
		ActionNames:     []string{"s3:GetObject"},
		ContextEntries:  []types.ContextEntry{{ContextKeyName: aws.String("aws:SourceIp"), ContextKeyType: types.ContextKeyTypeEnumIp, ContextKeyValues: []string{"10.1.2.3"}}},
	}))
	if len(custom.EvaluationResults) != 1 || custom.EvaluationResults[0].EvalDecision != types.PolicyEvaluationDecisionTypeAllowed ||
		len(custom.EvaluationResults[0].MatchedStatements) != 1 {
		t.Fatalf("SimulateCustomPolicy = %+v", custom.EvaluationResults)
	}
	// As AWS's example answers: the input's place in the list, and the
	// statement's span (one line, from column 38).
	m := custom.EvaluationResults[0].MatchedStatements[0]
	if !strings.HasPrefix(aws.ToString(m.SourcePolicyId), "PolicyInputList.1 ") || m.StartPosition.Line != 1 || m.StartPosition.Column != 38 ||
		m.EndPosition.Line != 1 || m.EndPosition.Column != 151 { // just past its "}"
		t.Errorf("SimulateCustomPolicy matched %s from %+v to %+v", aws.ToString(m.SourcePolicyId), *m.StartPosition, *m.EndPosition)
	}
}

// TestAnonymousPublicRead is the public-read bucket: a bucket policy with
// Principal "*" lets an unsigned GET read objects, and nothing else.
func TestAnonymousPublicRead(t *testing.T) {
	env := testenv.New(t)
	root := env.S3()
	for _, b := range []string{"pub", "priv"} {
		must[*s3.CreateBucketOutput](t, "CreateBucket")(root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}))
		if err := put(t, root, b, "img.png", "PNG"); err != nil {
			t.Fatal(err)
		}
	}
	must[*s3.PutBucketPolicyOutput](t, "PutBucketPolicy")(root.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("pub"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pub/*"}]}`)}))
	hc := env.Client()
	status := func(method, path string, body io.Reader) int {
		req, _ := http.NewRequest(method, env.URL+path, body)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if method == http.MethodGet && resp.StatusCode == 200 && !bytes.Equal(b, []byte("PNG")) {
			t.Errorf("%s %s body %q", method, path, b)
		}
		return resp.StatusCode
	}
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/pub/img.png", 200},
		{"HEAD", "/pub/img.png", 200},
		{"GET", "/pub/missing.png", 403}, // not allowed to list: a missing key is not told apart
		{"GET", "/priv/img.png", 403},
		{"GET", "/pub", 403},
		{"GET", "/", 403},
		{"PUT", "/pub/new.png", 403},
		{"DELETE", "/pub/img.png", 403},
		{"GET", "/pub/img.png?tagging", 403},
		{"GET", "/pub?policy", 403},
	} {
		if got := status(tc.method, tc.path, nil); got != tc.want {
			t.Errorf("anonymous %s %s = %d, want %d", tc.method, tc.path, got, tc.want)
		}
	}
	if got, err := get(root, "pub", "img.png"); err != nil || got != "PNG" {
		t.Errorf("after anonymous attempts: %q, %v", got, err)
	}
}
