package iam_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/wicket-io/wicket/internal/testenv"
)

// AWS managed policies count where they are attached, are listed by
// OnlyAttached, and carry AWS's dates and default version ids.
func TestAWSManagedPolicies(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	admin := aws.String("arn:aws:iam::aws:policy/AdministratorAccess")
	s3ro := aws.String("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"000000000000"},"Action":"sts:AssumeRole"}]}`
	must[*iam.CreateUserOutput](t, "CreateUser")(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}))
	must[*iam.CreateGroupOutput](t, "CreateGroup")(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")}))
	must[*iam.CreateRoleOutput](t, "CreateRole")(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trust)}))

	count := func(arn *string) int32 {
		t.Helper()
		p := must[*iam.GetPolicyOutput](t, "GetPolicy")(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn}))
		return aws.ToInt32(p.Policy.AttachmentCount)
	}
	attached := func(scope types.PolicyScopeType) []string {
		t.Helper()
		l := must[*iam.ListPoliciesOutput](t, "ListPolicies")(c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: scope, OnlyAttached: true}))
		var names []string
		for _, p := range l.Policies {
			names = append(names, fmt.Sprintf("%s=%d", *p.PolicyName, aws.ToInt32(p.AttachmentCount)))
		}
		return names
	}
	if n := count(admin); n != 0 {
		t.Errorf("AdministratorAccess attached nowhere: AttachmentCount %d", n)
	}
	must[*iam.AttachUserPolicyOutput](t, "AttachUserPolicy")(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: admin}))
	must[*iam.AttachGroupPolicyOutput](t, "AttachGroupPolicy")(c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("g"), PolicyArn: admin}))
	must[*iam.AttachRolePolicyOutput](t, "AttachRolePolicy")(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: admin}))
	must[*iam.AttachRolePolicyOutput](t, "AttachRolePolicy again")(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: admin}))
	must[*iam.AttachRolePolicyOutput](t, "AttachRolePolicy")(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: s3ro}))
	if n := count(admin); n != 3 {
		t.Errorf("AdministratorAccess on a user, a group and a role: AttachmentCount %d, want 3", n)
	}
	for _, scope := range []types.PolicyScopeType{types.PolicyScopeTypeAws, types.PolicyScopeTypeAll} {
		if got := attached(scope); len(got) != 2 || got[0] != "AdministratorAccess=3" || got[1] != "AmazonS3ReadOnlyAccess=1" {
			t.Errorf("ListPolicies Scope %s OnlyAttached = %v", scope, got)
		}
	}
	if got := attached(types.PolicyScopeTypeLocal); len(got) != 0 {
		t.Errorf("ListPolicies Scope Local OnlyAttached = %v", got)
	}
	must[*iam.DetachGroupPolicyOutput](t, "DetachGroupPolicy")(c.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: aws.String("g"), PolicyArn: admin}))
	must[*iam.DetachRolePolicyOutput](t, "DetachRolePolicy")(c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: s3ro}))
	if n := count(admin); n != 2 {
		t.Errorf("AdministratorAccess after a detach: AttachmentCount %d, want 2", n)
	}
	if got := attached(types.PolicyScopeTypeAws); len(got) != 1 || got[0] != "AdministratorAccess=2" {
		t.Errorf("ListPolicies OnlyAttached after detaching AmazonS3ReadOnlyAccess = %v", got)
	}

	// AWS's dates, not year 1, and AWS's default version.
	date := func(s string) time.Time {
		d, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		arn              *string
		version          string
		created, updated time.Time
	}{
		{admin, "v1", date("2015-02-06T18:39:46Z"), date("2015-02-06T18:39:46Z")},
		{s3ro, "v3", date("2015-02-06T18:40:59Z"), date("2023-08-10T21:31:39Z")},
	} {
		p := must[*iam.GetPolicyOutput](t, "GetPolicy")(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: tc.arn})).Policy
		if *p.DefaultVersionId != tc.version || !p.CreateDate.Equal(tc.created) || !p.UpdateDate.Equal(tc.updated) {
			t.Errorf("GetPolicy %s = version %s, created %v, updated %v", *tc.arn, *p.DefaultVersionId, p.CreateDate, p.UpdateDate)
		}
		v := must[*iam.GetPolicyVersionOutput](t, "GetPolicyVersion")(c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: tc.arn, VersionId: p.DefaultVersionId}))
		if !v.PolicyVersion.IsDefaultVersion || !v.PolicyVersion.CreateDate.Equal(tc.updated) {
			t.Errorf("GetPolicyVersion %s %s = default %v, created %v", *tc.arn, *p.DefaultVersionId, v.PolicyVersion.IsDefaultVersion, v.PolicyVersion.CreateDate)
		}
	}
	l := must[*iam.ListPoliciesOutput](t, "ListPolicies")(c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeAws}))
	for _, p := range l.Policies {
		if p.CreateDate.Year() < 2015 || p.UpdateDate.Before(*p.CreateDate) {
			t.Errorf("ListPolicies: %s created %v, updated %v", *p.PolicyName, p.CreateDate, p.UpdateDate)
		}
	}
}
