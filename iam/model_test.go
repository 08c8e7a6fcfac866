package iam_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/wicket-io/wicket/internal/testenv"
)

// TestPathPatterns: paths and path prefixes are held to the model's
// pattern of each parameter, as AWS's model validation holds them:
// pathType for users, groups and roles ("//" refused), policyPathType for
// managed policies and ListPolicies, pathPrefixType for the other lists.
func TestPathPatterns(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	doc := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)
	trust := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	p := must[*iam.CreatePolicyOutput](t, "CreatePolicy")(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: doc}))
	for _, tc := range []struct {
		name string
		call func() error
		code string // "" for success
	}{
		{"CreateUser path //", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u1"), Path: aws.String("//")})
			return err
		}, "ValidationError"},
		{"CreateUser path /a/", func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u2"), Path: aws.String("/a/")})
			return err
		}, ""},
		{"CreateUser path /a//b/", func() error { // the pattern's middle may hold "/"
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u3"), Path: aws.String("/a//b/")})
			return err
		}, ""},
		{"UpdateUser new path //", func() error {
			_, err := c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("u2"), NewPath: aws.String("//")})
			return err
		}, "ValidationError"},
		{"CreateGroup path //", func() error {
			_, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g"), Path: aws.String("//")})
			return err
		}, "ValidationError"},
		{"CreateRole path //", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), Path: aws.String("//"), AssumeRolePolicyDocument: trust})
			return err
		}, "ValidationError"},
		{"CreatePolicy path /a b/", func() error {
			_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("q"), Path: aws.String("/a b/"), PolicyDocument: doc})
			return err
		}, "ValidationError"},
		{"CreatePolicy path /team/app/", func() error {
			_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("q"), Path: aws.String("/team/app/"), PolicyDocument: doc})
			return err
		}, ""},
		{"ListUsers prefix eng", func() error {
			_, err := c.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: aws.String("eng")})
			return err
		}, "ValidationError"},
		{"ListUsers prefix /eng", func() error {
			_, err := c.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: aws.String("/eng")})
			return err
		}, ""},
		{"ListGroups prefix eng", func() error {
			_, err := c.ListGroups(ctx, &iam.ListGroupsInput{PathPrefix: aws.String("eng")})
			return err
		}, "ValidationError"},
		{"ListRoles prefix eng", func() error {
			_, err := c.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("eng")})
			return err
		}, "ValidationError"},
		{"ListInstanceProfiles prefix eng", func() error {
			_, err := c.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{PathPrefix: aws.String("eng")})
			return err
		}, "ValidationError"},
		{"ListPolicies prefix /team", func() error {
			_, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{PathPrefix: aws.String("/team")})
			return err
		}, "ValidationError"},
		{"ListPolicies prefix /team/", func() error {
			_, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{PathPrefix: aws.String("/team/")})
			return err
		}, ""},
		{"ListEntitiesForPolicy prefix team", func() error {
			_, err := c.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: p.Policy.Arn, PathPrefix: aws.String("team")})
			return err
		}, "ValidationError"},
	} {
		if err := tc.call(); apiCode(err) != tc.code {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.code)
		}
	}
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u4"), Path: aws.String("//")})
	if want := `1 validation error detected: Value '//' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`; apiMessage(err) != want {
		t.Errorf("CreateUser path //: message %q\nwant %q", apiMessage(err), want)
	}
	_, err = c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("u2"), NewPath: aws.String("//")})
	if want := `1 validation error detected: Value '//' at 'newPath' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`; apiMessage(err) != want {
		t.Errorf("UpdateUser new path //: message %q\nwant %q", apiMessage(err), want)
	}
	_, err = c.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: aws.String("eng")})
	if want := `1 validation error detected: Value 'eng' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`; apiMessage(err) != want {
		t.Errorf("ListUsers prefix eng: message %q\nwant %q", apiMessage(err), want)
	}
}
