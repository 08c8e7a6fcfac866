package iam_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/wicket-io/wicket/internal/testenv"
)

// paginator is what every SDK paginator offers.
type paginator[O any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*iam.Options)) (O, error)
}

// collect walks p to the end and returns the items of every page. A
// marker returned twice, an item listed twice or more pages than items
// fail the test: the SDK paginator would loop or lose items there.
func collect[O any](t *testing.T, what string, p paginator[O], items func(O) []string, marker func(O) *string) []string {
	t.Helper()
	var all []string
	seenMarker := map[string]bool{}
	seenItem := map[string]bool{}
	for pages := 0; p.HasMorePages(); pages++ {
		if pages > 50 {
			t.Fatalf("%s: more than 50 pages (%d items so far)", what, len(all))
		}
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("%s: page %d: %v", what, pages+1, err)
		}
		for _, it := range items(out) {
			if seenItem[it] {
				t.Fatalf("%s: %s listed twice", what, it)
			}
			seenItem[it] = true
			all = append(all, it)
		}
		if m := aws.ToString(marker(out)); m != "" {
			if seenMarker[m] {
				t.Fatalf("%s: marker %q returned twice", what, m)
			}
			seenMarker[m] = true
		}
	}
	return all
}

func wantList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v\nwant %v", what, got, want)
	}
}

// TestPaginationOrder pages every list whose items are kept in another
// order than their marker's (members in the order they joined, policies
// in the order they were attached, AWS managed policies beside customer
// ones) through the SDK's paginators with small pages: each must list
// every item once, in marker order.
func TestPaginationOrder(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	doc := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)

	// Members join out of alphabetical order, over several pages.
	users := []string{"uz", "bob", "uy", "Alice", "ux", "carol", "uw"}
	must[*iam.CreateGroupOutput](t, "CreateGroup")(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("team")}))
	for _, u := range users {
		must[*iam.CreateUserOutput](t, "CreateUser")(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}))
		must[*iam.AddUserToGroupOutput](t, "AddUserToGroup")(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("team"), UserName: aws.String(u)}))
	}
	t.Run("GetGroup", func(t *testing.T) {
		members := collect(t, "GetGroup", iam.NewGetGroupPaginator(c, &iam.GetGroupInput{GroupName: aws.String("team"), MaxItems: aws.Int32(2)}),
			func(o *iam.GetGroupOutput) []string {
				var n []string
				for _, u := range o.Users {
					n = append(n, *u.UserName)
				}
				return n
			}, func(o *iam.GetGroupOutput) *string { return o.Marker })
		wantList(t, "GetGroup members", members, []string{"Alice", "bob", "carol", "uw", "ux", "uy", "uz"})
	})

	// One user joins groups in reverse order.
	groups := []string{"gz", "gy", "gx", "gb", "ga"}
	for _, g := range groups {
		must[*iam.CreateGroupOutput](t, "CreateGroup")(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(g)}))
		must[*iam.AddUserToGroupOutput](t, "AddUserToGroup")(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String(g), UserName: aws.String("bob")}))
	}
	t.Run("ListGroupsForUser", func(t *testing.T) {
		joined := collect(t, "ListGroupsForUser", iam.NewListGroupsForUserPaginator(c, &iam.ListGroupsForUserInput{UserName: aws.String("bob"), MaxItems: aws.Int32(2)}),
			func(o *iam.ListGroupsForUserOutput) []string {
				var n []string
				for _, g := range o.Groups {
					n = append(n, *g.GroupName)
				}
				return n
			}, func(o *iam.ListGroupsForUserOutput) *string { return o.Marker })
		wantList(t, "ListGroupsForUser", joined, []string{"ga", "gb", "gx", "gy", "gz", "team"})
	})

	// Customer policies on two paths, attached with AWS managed ones in
	// no particular order.
	var arns []string
	for _, p := range []struct{ name, path string }{{"zeta", "/"}, {"alpha", "/team/"}, {"mid", "/"}, {"beta", "/a/"}} {
		out := must[*iam.CreatePolicyOutput](t, "CreatePolicy")(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(p.name), Path: aws.String(p.path), PolicyDocument: doc}))
		arns = append(arns, *out.Policy.Arn)
	}
	arns = append(arns, "arn:aws:iam::aws:policy/IAMReadOnlyAccess", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	must[*iam.CreateRoleOutput](t, "CreateRole")(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`)}))
	for _, a := range arns {
		must[*iam.AttachUserPolicyOutput](t, "AttachUserPolicy")(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: aws.String(a)}))
		must[*iam.AttachGroupPolicyOutput](t, "AttachGroupPolicy")(c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("team"), PolicyArn: aws.String(a)}))
		must[*iam.AttachRolePolicyOutput](t, "AttachRolePolicy")(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(a)}))
	}
	sortedARNs := slices.Sorted(slices.Values(arns))
	attached := func(ps []types.AttachedPolicy) []string {
		var n []string
		for _, p := range ps {
			n = append(n, *p.PolicyArn)
		}
		return n
	}
	t.Run("ListAttachedUserPolicies", func(t *testing.T) {
		wantList(t, "ListAttachedUserPolicies", collect(t, "ListAttachedUserPolicies",
			iam.NewListAttachedUserPoliciesPaginator(c, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("bob"), MaxItems: aws.Int32(2)}),
			func(o *iam.ListAttachedUserPoliciesOutput) []string { return attached(o.AttachedPolicies) },
			func(o *iam.ListAttachedUserPoliciesOutput) *string { return o.Marker }), sortedARNs)
	})
	t.Run("ListAttachedGroupPolicies", func(t *testing.T) {
		wantList(t, "ListAttachedGroupPolicies", collect(t, "ListAttachedGroupPolicies",
			iam.NewListAttachedGroupPoliciesPaginator(c, &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String("team"), MaxItems: aws.Int32(2)}),
			func(o *iam.ListAttachedGroupPoliciesOutput) []string { return attached(o.AttachedPolicies) },
			func(o *iam.ListAttachedGroupPoliciesOutput) *string { return o.Marker }), sortedARNs)
	})
	t.Run("ListAttachedRolePolicies", func(t *testing.T) {
		wantList(t, "ListAttachedRolePolicies", collect(t, "ListAttachedRolePolicies",
			iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("r"), MaxItems: aws.Int32(2)}),
			func(o *iam.ListAttachedRolePoliciesOutput) []string { return attached(o.AttachedPolicies) },
			func(o *iam.ListAttachedRolePoliciesOutput) *string { return o.Marker }), sortedARNs)
	})

	// ListPolicies: the customer policies and every AWS managed one, each
	// once, with pages that cross from one kind to the other.
	t.Run("ListPolicies", func(t *testing.T) {
		all := collect(t, "ListPolicies", iam.NewListPoliciesPaginator(c, &iam.ListPoliciesInput{MaxItems: aws.Int32(3)}),
			func(o *iam.ListPoliciesOutput) []string {
				var n []string
				for _, p := range o.Policies {
					n = append(n, *p.Arn)
				}
				return n
			}, func(o *iam.ListPoliciesOutput) *string { return o.Marker })
		if !slices.IsSorted(all) {
			t.Errorf("ListPolicies not in ARN order: %v", all)
		}
		var managed, customer int
		for _, a := range all {
			if strings.HasPrefix(a, "arn:aws:iam::aws:") {
				managed++
			} else {
				customer++
			}
		}
		if customer != 4 || managed < 2 {
			t.Errorf("ListPolicies: %d customer and %d AWS managed policies: %v", customer, managed, all)
		}
	})
}
