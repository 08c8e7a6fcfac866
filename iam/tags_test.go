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

// tagString renders tags as "k=v,k=v" in the order given.
func tagString(tags []types.Tag) string {
	s := make([]string, len(tags))
	for i, t := range tags {
		s[i] = aws.ToString(t.Key) + "=" + aws.ToString(t.Value)
	}
	return strings.Join(s, ",")
}

// allPolicyTags reads every tag through an SDK paginator, one tag a page, so that
// the marker is exercised.
func allPolicyTags(t *testing.T, c *iam.Client, arn *string) string {
	t.Helper()
	var out []types.Tag
	p := iam.NewListPolicyTagsPaginator(c, &iam.ListPolicyTagsInput{PolicyArn: arn}, func(o *iam.ListPolicyTagsPaginatorOptions) { o.Limit = 1 })
	for p.HasMorePages() {
		pg, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListPolicyTags: %v", err)
		}
		out = append(out, pg.Tags...)
	}
	return tagString(out)
}

// Terraform's aws_iam_policy sends its tags (and the provider's
// default_tags) with CreatePolicy, reads them back from GetPolicy, and
// changes them with TagPolicy and UntagPolicy.
func TestPolicyTags(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	doc := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)
	p := must[*iam.CreatePolicyOutput](t, "CreatePolicy")(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("tagged"), Path: aws.String("/team/"),
		PolicyDocument: doc, Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}, {Key: aws.String("Env"), Value: aws.String("dev")}}}))
	if got := tagString(p.Policy.Tags); got != "team=web,Env=dev" {
		t.Errorf("CreatePolicy tags = %s", got)
	}
	arn := p.Policy.Arn
	g := must[*iam.GetPolicyOutput](t, "GetPolicy")(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn}))
	if got := tagString(g.Policy.Tags); got != "team=web,Env=dev" {
		t.Errorf("GetPolicy tags = %s", got)
	}
	l := must[*iam.ListPoliciesOutput](t, "ListPolicies")(c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal}))
	if len(l.Policies) != 1 || len(l.Policies[0].Tags) != 0 {
		t.Errorf("ListPolicies = %+v, want one policy without tags", l.Policies)
	}

	// TagPolicy replaces a tag whatever the case of its key; ListPolicyTags
	// lists by key (as strings compare), a page at a time.
	must[*iam.TagPolicyOutput](t, "TagPolicy")(c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: arn,
		Tags: []types.Tag{{Key: aws.String("ENV"), Value: aws.String("prod")}, {Key: aws.String("cost"), Value: aws.String("")}}}))
	if got := allPolicyTags(t, c, arn); got != "ENV=prod,cost=,team=web" {
		t.Errorf("ListPolicyTags after TagPolicy = %s", got)
	}
	first := must[*iam.ListPolicyTagsOutput](t, "ListPolicyTags")(c.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: arn, MaxItems: aws.Int32(2)}))
	if !first.IsTruncated || first.Marker == nil || tagString(first.Tags) != "ENV=prod,cost=" {
		t.Errorf("ListPolicyTags MaxItems 2 = %s truncated=%v marker=%v", tagString(first.Tags), first.IsTruncated, first.Marker)
	}
	must[*iam.UntagPolicyOutput](t, "UntagPolicy")(c.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: arn, TagKeys: []string{"Cost", "absent"}}))
	if got := allPolicyTags(t, c, arn); got != "ENV=prod,team=web" {
		t.Errorf("ListPolicyTags after UntagPolicy = %s", got)
	}

	// The checks of users' and roles' tags.
	_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("dup"), PolicyDocument: doc,
		Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("A"), Value: aws.String("2")}}})
	wantCode(t, "CreatePolicy with a duplicate tag key", err, "InvalidInput")
	_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("long"), PolicyDocument: doc,
		Tags: []types.Tag{{Key: aws.String(strings.Repeat("k", 129)), Value: aws.String("1")}}})
	wantCode(t, "CreatePolicy with a key too long", err, "ValidationError")
	many := make([]types.Tag, 49)
	for i := range many {
		many[i] = types.Tag{Key: aws.String(fmt.Sprintf("k%02d", i)), Value: aws.String("v")}
	}
	_, err = c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: arn, Tags: many})
	wantCode(t, "TagPolicy past 50 tags", err, "LimitExceeded")
	if got := allPolicyTags(t, c, arn); got != "ENV=prod,team=web" {
		t.Errorf("ListPolicyTags after a refused TagPolicy = %s", got)
	}

	// A policy made without tags (as every policy stored before tags were
	// kept) takes them later.
	plain := must[*iam.CreatePolicyOutput](t, "CreatePolicy")(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("plain"), PolicyDocument: doc}))
	if len(plain.Policy.Tags) != 0 {
		t.Errorf("CreatePolicy without tags = %+v", plain.Policy.Tags)
	}
	if got := allPolicyTags(t, c, plain.Policy.Arn); got != "" {
		t.Errorf("ListPolicyTags of an untagged policy = %s", got)
	}
	must[*iam.TagPolicyOutput](t, "TagPolicy")(c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: plain.Policy.Arn, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}))
	g = must[*iam.GetPolicyOutput](t, "GetPolicy")(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: plain.Policy.Arn}))
	if got := tagString(g.Policy.Tags); got != "k=v" {
		t.Errorf("GetPolicy after TagPolicy = %s", got)
	}

	// AWS managed policies have no tags and take none; a missing policy is
	// NoSuchEntity.
	admin := aws.String("arn:aws:iam::aws:policy/AdministratorAccess")
	if got := allPolicyTags(t, c, admin); got != "" {
		t.Errorf("ListPolicyTags of AdministratorAccess = %s", got)
	}
	_, err = c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: admin, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantCode(t, "TagPolicy on an AWS managed policy", err, "AccessDenied")
	_, err = c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: aws.String("arn:aws:iam::000000000000:policy/nope"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantCode(t, "TagPolicy on a missing policy", err, "NoSuchEntity")
	_, err = c.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: aws.String("arn:aws:iam::000000000000:policy/team/nope")})
	wantCode(t, "ListPolicyTags of a missing policy", err, "NoSuchEntity")
}

// ListUserTags and ListRoleTags page as ListPolicyTags does.
func TestListUserTagsPages(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	must[*iam.CreateUserOutput](t, "CreateUser")(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("tagged"),
		Tags: []types.Tag{{Key: aws.String("b"), Value: aws.String("2")}, {Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("C"), Value: aws.String("3")}}}))
	var got []types.Tag
	p := iam.NewListUserTagsPaginator(c, &iam.ListUserTagsInput{UserName: aws.String("tagged")}, func(o *iam.ListUserTagsPaginatorOptions) { o.Limit = 2 })
	pages := 0
	for p.HasMorePages() {
		pg, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListUserTags: %v", err)
		}
		pages++
		got = append(got, pg.Tags...)
	}
	if s := tagString(got); s != "C=3,a=1,b=2" || pages != 2 {
		t.Errorf("ListUserTags = %s in %d pages, want C=3,a=1,b=2 in 2", s, pages)
	}
}

// Terraform's aws_iam_openid_connect_provider reads its tags from
// GetOpenIDConnectProvider and changes them with
// Tag/UntagOpenIDConnectProvider.
func TestOIDCProviderTags(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	p := must[*iam.CreateOpenIDConnectProviderOutput](t, "Create")(c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://idp.example.com"), ClientIDList: []string{"app"}, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}))
	arn := p.OpenIDConnectProviderArn
	must[*iam.TagOpenIDConnectProviderOutput](t, "Tag")(c.TagOpenIDConnectProvider(ctx, &iam.TagOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn,
		Tags: []types.Tag{{Key: aws.String("ENV"), Value: aws.String("prod")}, {Key: aws.String("team"), Value: aws.String("id")}, {Key: aws.String("cost"), Value: aws.String("7")}}}))
	var got []types.Tag
	pages := iam.NewListOpenIDConnectProviderTagsPaginator(c, &iam.ListOpenIDConnectProviderTagsInput{OpenIDConnectProviderArn: arn},
		func(o *iam.ListOpenIDConnectProviderTagsPaginatorOptions) { o.Limit = 2 })
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListOpenIDConnectProviderTags: %v", err)
		}
		got = append(got, pg.Tags...)
	}
	if s := tagString(got); s != "ENV=prod,cost=7,team=id" {
		t.Errorf("ListOpenIDConnectProviderTags = %s", s)
	}
	must[*iam.UntagOpenIDConnectProviderOutput](t, "Untag")(c.UntagOpenIDConnectProvider(ctx, &iam.UntagOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn,
		TagKeys: []string{"Env", "cost"}}))
	g := must[*iam.GetOpenIDConnectProviderOutput](t, "Get")(c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn}))
	if s := tagString(g.Tags); s != "team=id" || len(g.ClientIDList) != 1 {
		t.Errorf("Get after Untag = tags %s, clients %v", s, g.ClientIDList)
	}
	_, err := c.TagOpenIDConnectProvider(ctx, &iam.TagOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn,
		Tags: []types.Tag{{Key: aws.String(strings.Repeat("k", 129)), Value: aws.String("")}}})
	wantCode(t, "Tag with a key too long", err, "ValidationError")
	missing := aws.String("arn:aws:iam::000000000000:oidc-provider/nope.example.com")
	_, err = c.TagOpenIDConnectProvider(ctx, &iam.TagOpenIDConnectProviderInput{OpenIDConnectProviderArn: missing, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantCode(t, "Tag a missing provider", err, "NoSuchEntity")
	_, err = c.ListOpenIDConnectProviderTags(ctx, &iam.ListOpenIDConnectProviderTagsInput{OpenIDConnectProviderArn: missing})
	wantCode(t, "List tags of a missing provider", err, "NoSuchEntity")
}

// An untagged entity's element has no Tags, as IAM sends none (the AWS CLI
// showed "Tags": [] for every untagged user, role and policy), and
// listings leave tags out altogether.
func TestNoTagsElement(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	doc := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)
	trust := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"000000000000"},"Action":"sts:AssumeRole"}]}`)
	tags := []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}
	for _, name := range []string{"plain", "tagged"} {
		var tt []types.Tag
		if name == "tagged" {
			tt = tags
		}
		must[*iam.CreateUserOutput](t, "CreateUser")(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name), Tags: tt}))
		must[*iam.CreateRoleOutput](t, "CreateRole")(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: trust, Tags: tt}))
		must[*iam.CreatePolicyOutput](t, "CreatePolicy")(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: doc, Tags: tt}))
	}
	u := must[*iam.GetUserOutput](t, "GetUser")(c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("plain")})).User
	r := must[*iam.GetRoleOutput](t, "GetRole")(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("plain")})).Role
	p := must[*iam.GetPolicyOutput](t, "GetPolicy")(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::000000000000:policy/plain")})).Policy
	o := must[*iam.CreateOpenIDConnectProviderOutput](t, "CreateOpenIDConnectProvider")(c.CreateOpenIDConnectProvider(ctx,
		&iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://idp.example.com"), ClientIDList: []string{"app"}}))
	og := must[*iam.GetOpenIDConnectProviderOutput](t, "GetOpenIDConnectProvider")(c.GetOpenIDConnectProvider(ctx,
		&iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: o.OpenIDConnectProviderArn}))
	if u.Tags != nil || r.Tags != nil || p.Tags != nil || o.Tags != nil || og.Tags != nil {
		t.Errorf("untagged: user Tags %#v, role Tags %#v, policy Tags %#v, provider Tags %#v and %#v; want none", u.Tags, r.Tags, p.Tags, o.Tags, og.Tags)
	}
	for _, l := range must[*iam.ListUsersOutput](t, "ListUsers")(c.ListUsers(ctx, &iam.ListUsersInput{})).Users {
		if l.Tags != nil {
			t.Errorf("ListUsers %s: Tags %#v", *l.UserName, l.Tags)
		}
	}
	for _, l := range must[*iam.ListRolesOutput](t, "ListRoles")(c.ListRoles(ctx, &iam.ListRolesInput{})).Roles {
		if l.Tags != nil {
			t.Errorf("ListRoles %s: Tags %#v", *l.RoleName, l.Tags)
		}
	}
	for _, l := range must[*iam.ListPoliciesOutput](t, "ListPolicies")(c.ListPolicies(ctx, &iam.ListPoliciesInput{})).Policies {
		if l.Tags != nil {
			t.Errorf("ListPolicies %s: Tags %#v", *l.PolicyName, l.Tags)
		}
	}
	if u := must[*iam.GetUserOutput](t, "GetUser")(c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("tagged")})).User; tagString(u.Tags) != "k=v" {
		t.Errorf("tagged user: Tags %s", tagString(u.Tags))
	}
}
