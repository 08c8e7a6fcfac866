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

// entityNames lists a ListEntitiesForPolicy page as kind/name.
func entityNames(o *iam.ListEntitiesForPolicyOutput) []string {
	var n []string
	for _, g := range o.PolicyGroups {
		n = append(n, "group/"+*g.GroupName)
	}
	for _, r := range o.PolicyRoles {
		n = append(n, "role/"+*r.RoleName)
	}
	for _, u := range o.PolicyUsers {
		n = append(n, "user/"+*u.UserName)
	}
	return n
}

// TestListEntitiesForPolicy: the users, groups and roles a managed policy
// is attached to, filtered by kind and path, paged through the SDK's
// paginator across kinds, and authorized on the policy.
func TestListEntitiesForPolicy(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	doc := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)
	p := must[*iam.CreatePolicyOutput](t, "CreatePolicy")(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("shared"), PolicyDocument: doc}))
	other := must[*iam.CreatePolicyOutput](t, "CreatePolicy")(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("other"), PolicyDocument: doc}))
	trust := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	readOnly := aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
	for _, u := range []struct{ name, path string }{{"zed", "/"}, {"amy", "/team/"}, {"kim", "/"}, {"loner", "/"}} {
		must[*iam.CreateUserOutput](t, "CreateUser")(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u.name), Path: aws.String(u.path)}))
		if u.name != "loner" {
			must[*iam.AttachUserPolicyOutput](t, "AttachUserPolicy")(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(u.name), PolicyArn: p.Policy.Arn}))
		}
	}
	must[*iam.AttachUserPolicyOutput](t, "AttachUserPolicy")(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("loner"), PolicyArn: readOnly}))
	must[*iam.CreateGroupOutput](t, "CreateGroup")(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs"), Path: aws.String("/team/")}))
	must[*iam.AttachGroupPolicyOutput](t, "AttachGroupPolicy")(c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: p.Policy.Arn}))
	for _, r := range []string{"worker", "api"} {
		must[*iam.CreateRoleOutput](t, "CreateRole")(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r), AssumeRolePolicyDocument: trust}))
		must[*iam.AttachRolePolicyOutput](t, "AttachRolePolicy")(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(r), PolicyArn: p.Policy.Arn}))
	}

	list := func(in *iam.ListEntitiesForPolicyInput) []string {
		t.Helper()
		out, err := c.ListEntitiesForPolicy(ctx, in)
		if err != nil {
			t.Fatalf("ListEntitiesForPolicy %+v: %v", in, err)
		}
		return entityNames(out)
	}
	all := []string{"group/devs", "role/api", "role/worker", "user/amy", "user/kim", "user/zed"}
	wantList(t, "all entities", list(&iam.ListEntitiesForPolicyInput{PolicyArn: p.Policy.Arn}), all)
	wantList(t, "users", list(&iam.ListEntitiesForPolicyInput{PolicyArn: p.Policy.Arn, EntityFilter: types.EntityTypeUser}), []string{"user/amy", "user/kim", "user/zed"})
	wantList(t, "roles", list(&iam.ListEntitiesForPolicyInput{PolicyArn: p.Policy.Arn, EntityFilter: types.EntityTypeRole}), []string{"role/api", "role/worker"})
	wantList(t, "groups", list(&iam.ListEntitiesForPolicyInput{PolicyArn: p.Policy.Arn, EntityFilter: types.EntityTypeGroup}), []string{"group/devs"})
	wantList(t, "under /team/", list(&iam.ListEntitiesForPolicyInput{PolicyArn: p.Policy.Arn, PathPrefix: aws.String("/team/")}), []string{"group/devs", "user/amy"})
	wantList(t, "as permissions boundary", list(&iam.ListEntitiesForPolicyInput{PolicyArn: p.Policy.Arn, PolicyUsageFilter: types.PolicyUsageTypePermissionsBoundary}), nil)
	wantList(t, "an unattached policy", list(&iam.ListEntitiesForPolicyInput{PolicyArn: other.Policy.Arn}), nil)
	wantList(t, "an AWS managed policy", list(&iam.ListEntitiesForPolicyInput{PolicyArn: readOnly}), []string{"user/loner"})

	paged := collect(t, "ListEntitiesForPolicy", iam.NewListEntitiesForPolicyPaginator(c, &iam.ListEntitiesForPolicyInput{PolicyArn: p.Policy.Arn, MaxItems: aws.Int32(2)}),
		entityNames, func(o *iam.ListEntitiesForPolicyOutput) *string { return o.Marker })
	wantList(t, "paged entities", paged, all)

	_, err := c.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String("arn:aws:iam::000000000000:policy/nope")})
	wantCode(t, "a missing policy", err, "NoSuchEntity")
	_, err = c.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: p.Policy.Arn, EntityFilter: "Robot"})
	wantCode(t, "a bad EntityFilter", err, "ValidationError")

	auditor := env.IAMWith(newUser(t, env, "auditor", `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":"iam:ListEntitiesForPolicy","Resource":"arn:aws:iam::000000000000:policy/shared"}]}`))
	if _, err := auditor.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: p.Policy.Arn}); err != nil {
		t.Errorf("auditor on the policy he may read: %v", err)
	}
	_, err = auditor.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: other.Policy.Arn})
	wantCode(t, "auditor on another policy", err, "AccessDenied")
	_, err = env.IAMWith(newUser(t, env, "mallory", "")).ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: p.Policy.Arn})
	wantCode(t, "mallory", err, "AccessDenied")
}
