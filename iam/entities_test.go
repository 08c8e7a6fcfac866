package iam_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/wicket-io/wicket/internal/testenv"
)

// TestTagRules: tag keys and values, on users, roles, policies and OIDC
// providers alike, are held to API_Tag's lengths (in
// characters) and patterns, with the failing member named as the model
// validation names it; the aws: prefix is reserved; a request's tags are
// at most 50 (the model) and an entity's too (the quota).
func TestTagRules(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	must[*iam.CreateUserOutput](t, "CreateUser")(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}))
	tag := func(tags ...types.Tag) error {
		_, err := c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("u"), Tags: tags})
		return err
	}
	kv := func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	for _, tc := range []struct {
		name string
		tags []types.Tag
		code string
		msg  string
	}{
		{"a key with #", []types.Tag{kv("bad#key", "v")}, "ValidationError",
			`1 validation error detected: Value 'bad#key' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`},
		{"a value with !", []types.Tag{kv("ok", "v"), kv("team", "v!")}, "ValidationError",
			`1 validation error detected: Value 'v!' at 'tags.2.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`},
		{"an empty key", []types.Tag{kv("", "v")}, "ValidationError", ""},
		{"a key of 129 letters", []types.Tag{kv(strings.Repeat("é", 129), "v")}, "ValidationError", ""},
		{"a value of 257 letters", []types.Tag{kv("k", strings.Repeat("é", 257))}, "ValidationError", ""},
		{"the aws: prefix", []types.Tag{kv("aws:owner", "me")}, "InvalidInput", ""},
		{"the AWS: prefix", []types.Tag{kv("AWS:Owner", "me")}, "InvalidInput", ""},
		{"a key twice in one request", []types.Tag{kv("env", "a"), kv("Env", "b")}, "InvalidInput", ""},
		{"letters, spaces, digits and the allowed marks", []types.Tag{kv("Équipe de nuit 2", "a_b.c:d/e=f+g-h@i"), kv("empty", "")}, "", ""},
		{"a key of 128 two-byte letters", []types.Tag{kv(strings.Repeat("é", 128), strings.Repeat("ü", 256))}, "", ""},
	} {
		err := tag(tc.tags...)
		if apiCode(err) != tc.code {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.code)
		} else if tc.msg != "" && apiMessage(err) != tc.msg {
			t.Errorf("%s: message %q\nwant %q", tc.name, apiMessage(err), tc.msg)
		}
	}
	_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), Tags: []types.Tag{kv("aws:cloudformation:stack-name", "s")},
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	wantCode(t, "CreateRole with an aws: tag", err, "InvalidInput")
	p := must[*iam.CreatePolicyOutput](t, "CreatePolicy")(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)}))
	_, err = c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: p.Policy.Arn, Tags: []types.Tag{kv("aws:owner", "me")}})
	wantCode(t, "TagPolicy with an aws: tag", err, "InvalidInput")
	o := must[*iam.CreateOpenIDConnectProviderOutput](t, "CreateOpenIDConnectProvider")(c.CreateOpenIDConnectProvider(ctx,
		&iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://idp.example.com")}))
	_, err = c.TagOpenIDConnectProvider(ctx, &iam.TagOpenIDConnectProviderInput{OpenIDConnectProviderArn: o.OpenIDConnectProviderArn, Tags: []types.Tag{kv("bad#key", "v")}})
	wantCode(t, "TagOpenIDConnectProvider with a bad key", err, "ValidationError")

	var many []types.Tag
	for i := range 51 {
		many = append(many, kv(fmt.Sprintf("k%02d", i), "v"))
	}
	err = tag(many...)
	wantCode(t, "51 tags in one request", err, "ValidationError")
	if want := "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"; apiMessage(err) != want {
		t.Errorf("51 tags: message %q", apiMessage(err))
	}
	must[*iam.CreateUserOutput](t, "CreateUser")(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("full"), Tags: many[:50]}))
	_, err = c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("full"), Tags: many[50:]})
	wantCode(t, "a 51st tag on a user", err, "LimitExceeded")
}
