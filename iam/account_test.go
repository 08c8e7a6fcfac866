package iam_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/wicket-io/wicket/internal/testenv"
)

// TestAccountSummary: GetAccountSummary counts what the account holds and
// names the quotas Wicket enforces, and is authorized as
// iam:GetAccountSummary on "*".
func TestAccountSummary(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	doc := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetAccountSummary","Resource":"*"}]}`)
	p := must[*iam.CreatePolicyOutput](t, "CreatePolicy")(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("summary"), PolicyDocument: doc}))
	for _, u := range []string{"a", "b", "c"} {
		must[*iam.CreateUserOutput](t, "CreateUser")(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}))
	}
	must[*iam.CreateGroupOutput](t, "CreateGroup")(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")}))
	must[*iam.CreateRoleOutput](t, "CreateRole")(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))
	must[*iam.CreateOpenIDConnectProviderOutput](t, "CreateOpenIDConnectProvider")(c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://idp.example.com")}))
	must[*iam.AttachUserPolicyOutput](t, "AttachUserPolicy")(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("a"), PolicyArn: p.Policy.Arn}))
	must[*iam.AttachRolePolicyOutput](t, "AttachRolePolicy")(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"),
		PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")}))

	out := must[*iam.GetAccountSummaryOutput](t, "GetAccountSummary")(c.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{}))
	for k, want := range map[string]int32{
		"Users": 3, "Groups": 1, "Roles": 1, "Policies": 1, "Providers": 1, "PolicyVersionsInUse": 2,
		"MFADevices": 0, "AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1,
		"AccessKeysPerUserQuota": 2, "GroupsPerUserQuota": 10, "AttachedPoliciesPerRoleQuota": 10,
		"UserPolicySizeQuota": 2048, "GroupPolicySizeQuota": 5120, "RolePolicySizeQuota": 10240,
		"PolicySizeQuota": 6144, "AssumeRolePolicySizeQuota": 2048, "VersionsPerPolicyQuota": 5,
	} {
		got, ok := out.SummaryMap[k]
		if !ok || got != want {
			t.Errorf("SummaryMap[%s] = %d (present %v), want %d", k, got, ok, want)
		}
	}
	if _, ok := out.SummaryMap["UsersQuota"]; ok {
		t.Errorf("SummaryMap promises UsersQuota, which Wicket does not enforce")
	}

	_, err := env.IAMWith(newUser(t, env, "mallory", "")).GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	wantCode(t, "mallory", err, "AccessDenied")
	allowed := newUser(t, env, "auditor", "")
	must[*iam.AttachUserPolicyOutput](t, "AttachUserPolicy")(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("auditor"), PolicyArn: p.Policy.Arn}))
	if _, err := env.IAMWith(allowed).GetAccountSummary(ctx, &iam.GetAccountSummaryInput{}); err != nil {
		t.Errorf("auditor: %v", err)
	}
}
