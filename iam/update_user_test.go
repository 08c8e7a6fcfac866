package iam_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/wicket-io/wicket/internal/testenv"
)

// UpdateUser renames a user (Terraform's aws_iam_user calls it when name
// or path changes): the same user goes on under its new name, with what
// policies bound to it grant, and nothing that named the old ARN passes to
// anyone else.
func TestUpdateUser(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	root := env.S3()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("home")}))
	for _, k := range []string{"alice/a", "alicia/a", "shared/s", "granted/g", "carols/c"} {
		if err := put(t, root, "home", k, "data of "+k); err != nil {
			t.Fatal(err)
		}
	}
	aliceCreds := newUser(t, env, "alice", `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"}]}`)
	alice := env.S3With(aliceCreds)
	must[*iam.TagUserOutput](t, "TagUser")(c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("alice"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}}}))
	must[*iam.CreateGroupOutput](t, "CreateGroup")(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("staff")}))
	must[*iam.PutGroupPolicyOutput](t, "PutGroupPolicy")(c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("staff"), PolicyName: aws.String("shared"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/shared/*"}]}`)}))
	must[*iam.AddUserToGroupOutput](t, "AddUserToGroup")(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("staff"), UserName: aws.String("alice")}))
	carol := env.S3With(newUser(t, env, "carol", `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/carols/*"}]}`))
	// Saved after alice and carol were made: it names alice.
	grantAlice := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::home/granted/*"}]}`
	must[*s3.PutBucketPolicyOutput](t, "PutBucketPolicy")(root.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("home"), Policy: aws.String(grantAlice)}))
	sess := must[*sts.GetSessionTokenOutput](t, "GetSessionToken")(env.STSWith(aliceCreds).GetSessionToken(ctx, &sts.GetSessionTokenInput{}))
	issued := time.Now()
	aliceSession := env.S3With(aws.Credentials{AccessKeyID: *sess.Credentials.AccessKeyId, SecretAccessKey: *sess.Credentials.SecretAccessKey,
		SessionToken: *sess.Credentials.SessionToken})
	for _, k := range []string{"alice/a", "shared/s", "granted/g"} {
		if _, err := get(alice, "home", k); err != nil {
			t.Fatalf("alice reads %s before the rename: %v", k, err)
		}
	}
	if _, err := get(aliceSession, "home", "alice/a"); err != nil {
		t.Fatalf("alice's session reads before the rename: %v", err)
	}
	before := must[*iam.GetUserOutput](t, "GetUser")(c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})).User

	// A delegated administrator needs iam:UpdateUser on the new name too.
	ops := env.IAMWith(newUser(t, env, "ops", `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":["iam:UpdateUser","iam:GetUser"],"Resource":"arn:aws:iam::000000000000:user/alice"}]}`))
	_, err := ops.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("alice"), NewUserName: aws.String("alicia")})
	wantCode(t, "UpdateUser without permission on the new name", err, "AccessDenied")

	_, err = c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("alice"), NewUserName: aws.String("CAROL")})
	wantCode(t, "UpdateUser to a name taken in another case", err, "EntityAlreadyExists")
	_, err = c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("nobody"), NewUserName: aws.String("somebody")})
	wantCode(t, "UpdateUser of a missing user", err, "NoSuchEntity")
	_, err = c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("alice"), NewUserName: aws.String("bad/name")})
	wantCode(t, "UpdateUser to a bad name", err, "ValidationError")
	must[*iam.UpdateUserOutput](t, "UpdateUser")(c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("alice"),
		NewUserName: aws.String("alicia"), NewPath: aws.String("/staff/")}))

	// The same user, under its new name and path.
	u := must[*iam.GetUserOutput](t, "GetUser")(c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alicia")})).User
	if *u.Arn != "arn:aws:iam::000000000000:user/staff/alicia" || *u.Path != "/staff/" || *u.UserId != *before.UserId ||
		!u.CreateDate.Equal(*before.CreateDate) || tagString(u.Tags) != "team=web" {
		t.Errorf("GetUser after the rename = %+v", u)
	}
	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
	wantCode(t, "GetUser of the old name", err, "NoSuchEntity")
	g := must[*iam.GetGroupOutput](t, "GetGroup")(c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("staff")}))
	if len(g.Users) != 1 || *g.Users[0].UserName != "alicia" {
		t.Errorf("GetGroup members after the rename = %+v", g.Users)
	}
	keys := must[*iam.ListAccessKeysOutput](t, "ListAccessKeys")(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("alicia")}))
	if len(keys.AccessKeyMetadata) != 1 || *keys.AccessKeyMetadata[0].AccessKeyId != aliceCreds.AccessKeyID || *keys.AccessKeyMetadata[0].UserName != "alicia" {
		t.Errorf("ListAccessKeys after the rename = %+v", keys.AccessKeyMetadata)
	}
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alicia")})
	wantCode(t, "DeleteUser of the renamed user with its key", err, "DeleteConflict")

	// Its key goes on working, as alicia: aws:username is the new name,
	// and the group's policy still applies.
	for _, k := range []string{"alicia/a", "shared/s"} {
		if _, err := get(alice, "home", k); err != nil {
			t.Errorf("alicia reads %s with her key: %v", k, err)
		}
	}
	_, err = get(alice, "home", "alice/a")
	wantCode(t, "alicia reads the old name's home", err, "AccessDenied")

	// The bucket policy named alice's ARN, bound to her unique id on save:
	// it still grants her, as AWS's does (AWS shows it with her new ARN;
	// Wicket keeps the document as written). Her session, which named her
	// old name, is over.
	if _, err := get(alice, "home", "granted/g"); err != nil {
		t.Errorf("alicia reads what the policy granted alice: %v", err)
	}
	_, err = get(aliceSession, "home", "alicia/a")
	wantCode(t, "alice's session after the rename", err, "AccessDenied")

	// Nor does anybody who takes the old name get what the policy granted:
	// not a new user, not one renamed to it.
	newAlice := newUser(t, env, "alice", "")
	_, err = get(env.S3With(newAlice), "home", "granted/g")
	wantCode(t, "a new alice reads what the policy granted the old", err, "AccessDenied")
	must[*iam.DeleteAccessKeyOutput](t, "DeleteAccessKey")(c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(newAlice.AccessKeyID)}))
	must[*iam.DeleteUserOutput](t, "DeleteUser")(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")}))
	// A session token keeps its issue time to the second: a user that gets
	// the session's user name within that second is not told apart (as
	// one deleted and made again within it is not).
	time.Sleep(time.Until(issued.Truncate(time.Second).Add(time.Second)))
	must[*iam.UpdateUserOutput](t, "UpdateUser carol")(c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("carol"), NewUserName: aws.String("alice")}))
	_, err = get(carol, "home", "granted/g")
	wantCode(t, "carol, renamed alice, reads what the policy granted the old alice", err, "AccessDenied")
	if _, err := get(carol, "home", "carols/c"); err != nil {
		t.Errorf("carol, renamed alice, reads with her own policy: %v", err)
	}
	_, err = get(aliceSession, "home", "carols/c")
	wantCode(t, "the old alice's session, once carol is named alice", err, "AccessDenied")

	// A policy saved with the new ARN grants her too.
	must[*s3.PutBucketPolicyOutput](t, "PutBucketPolicy")(root.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("home"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/staff/alicia"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::home/granted/*"}]}`)}))
	if _, err := get(alice, "home", "granted/g"); err != nil {
		t.Errorf("alicia under a policy naming her new ARN: %v", err)
	}

	// A new path alone keeps the name, groups and keys.
	must[*iam.UpdateUserOutput](t, "UpdateUser path")(c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("alicia"), NewPath: aws.String("/")}))
	u = must[*iam.GetUserOutput](t, "GetUser")(c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alicia")})).User
	if *u.Arn != "arn:aws:iam::000000000000:user/alicia" {
		t.Errorf("ARN after a new path = %s", *u.Arn)
	}
	if _, err := get(alice, "home", "shared/s"); err != nil {
		t.Errorf("alicia's key after a new path: %v", err)
	}
}
