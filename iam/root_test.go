package iam_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/wicket-io/wicket/internal/testenv"
)

// Without UserName, GetUser and the access-key operations act for the
// signer: root itself (`aws iam get-user` is an old way to learn the
// account id), an IAM user itself; a role session has no user.
func TestOperationsOnTheSigner(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()

	u := must[*iam.GetUserOutput](t, "root GetUser")(c.GetUser(ctx, &iam.GetUserInput{})).User
	if *u.Arn != "arn:aws:iam::000000000000:root" || *u.UserId != "000000000000" || u.UserName != nil || u.Path != nil ||
		u.CreateDate == nil || u.CreateDate.Year() < 2000 {
		t.Errorf("root GetUser = %+v", u)
	}
	again := must[*iam.GetUserOutput](t, "root GetUser")(c.GetUser(ctx, &iam.GetUserInput{})).User
	if !again.CreateDate.Equal(*u.CreateDate) {
		t.Errorf("root's CreateDate changed: %v, then %v", u.CreateDate, again.CreateDate)
	}
	keys := must[*iam.ListAccessKeysOutput](t, "root ListAccessKeys")(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})).AccessKeyMetadata
	if len(keys) != 1 || *keys[0].AccessKeyId != testenv.Root.AccessKeyID || keys[0].Status != types.StatusTypeActive || keys[0].UserName != nil ||
		!keys[0].CreateDate.Equal(*u.CreateDate) {
		t.Errorf("root ListAccessKeys = %+v", keys)
	}

	// Root's key is the endpoint's configuration: IAM does not change it.
	rootKey := aws.String(testenv.Root.AccessKeyID)
	_, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{AccessKeyId: rootKey, Status: types.StatusTypeInactive})
	wantCode(t, "root deactivates its key", err, "UnmodifiableEntity")
	_, err = c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: rootKey})
	wantCode(t, "root deletes its key", err, "UnmodifiableEntity")
	_, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	wantCode(t, "root creates a key of its own", err, "UnmodifiableEntity")
	if _, err := env.S3().ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Errorf("root's key after the refusals: %v", err)
	}

	// An IAM user allowed on its own user acts on itself.
	dana := newUser(t, env, "dana", `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":["iam:GetUser","iam:*AccessKey*"],"Resource":"arn:aws:iam::000000000000:user/${aws:username}"},
	  {"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::000000000000:role/ops"}]}`)
	_, err = c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{AccessKeyId: aws.String(dana.AccessKeyID), Status: types.StatusTypeInactive})
	wantCode(t, "root deactivates dana's key without naming her", err, "NoSuchEntity")
	dc := env.IAMWith(dana)
	if got := must[*iam.GetUserOutput](t, "dana GetUser")(dc.GetUser(ctx, &iam.GetUserInput{})).User; *got.UserName != "dana" {
		t.Errorf("dana's GetUser = %+v", got)
	}
	k := must[*iam.CreateAccessKeyOutput](t, "dana CreateAccessKey")(dc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})).AccessKey
	if *k.UserName != "dana" {
		t.Errorf("dana's CreateAccessKey = %+v", k)
	}
	if got := must[*iam.ListAccessKeysOutput](t, "dana ListAccessKeys")(dc.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})).AccessKeyMetadata; len(got) != 2 {
		t.Errorf("dana's ListAccessKeys = %+v", got)
	}
	must[*iam.UpdateAccessKeyOutput](t, "dana UpdateAccessKey")(dc.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{AccessKeyId: k.AccessKeyId, Status: types.StatusTypeInactive}))
	must[*iam.DeleteAccessKeyOutput](t, "dana DeleteAccessKey")(dc.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: k.AccessKeyId}))
	_, err = dc.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("carl")})
	wantCode(t, "dana GetUser of another user", err, "AccessDenied")

	// A role session names no user.
	must[*iam.CreateRoleOutput](t, "CreateRole")(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ops"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`)}))
	must[*iam.PutRolePolicyOutput](t, "PutRolePolicy")(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("ops"), PolicyName: aws.String("iam"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)}))
	a := must[*sts.AssumeRoleOutput](t, "AssumeRole")(env.STSWith(dana).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::000000000000:role/ops"), RoleSessionName: aws.String("ops-session")}))
	rc := env.IAMWith(aws.Credentials{AccessKeyID: *a.Credentials.AccessKeyId, SecretAccessKey: *a.Credentials.SecretAccessKey, SessionToken: *a.Credentials.SessionToken})
	_, err = rc.GetUser(ctx, &iam.GetUserInput{})
	wantCode(t, "a role session's GetUser", err, "ValidationError")
	_, err = rc.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{AccessKeyId: aws.String(dana.AccessKeyID), Status: types.StatusTypeInactive})
	wantCode(t, "a role session's UpdateAccessKey", err, "ValidationError")
	if got := must[*iam.GetUserOutput](t, "role session GetUser dana")(rc.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("dana")})).User; *got.UserName != "dana" {
		t.Errorf("a role session's GetUser dana = %+v", got)
	}
}
