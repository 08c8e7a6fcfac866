package iam_test

import (
	"fmt"
	"strings"
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

// TestModelConstraints: parameters the model constrains answer its
// ValidationError, checked before the entity is looked up, naming the
// parameter as AWS names it: a VersionId not of v1, v2 … shape, a missing
// AssumeRolePolicyDocument, more TagKeys than the model's 50. The
// thumbprint and client-id limits, which the model leaves open, answer as
// IAM does: InvalidInput and the LimitExceeded quota.
func TestModelConstraints(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	doc := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)
	p := must[*iam.CreatePolicyOutput](t, "CreatePolicy")(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: doc}))
	must[*iam.CreateUserOutput](t, "CreateUser")(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}))
	missing := aws.String("arn:aws:iam::000000000000:policy/missing")
	var keys []string
	for i := range 51 {
		keys = append(keys, fmt.Sprintf("k%d", i))
	}
	tps := func(n int) []string {
		var l []string
		for i := range n {
			l = append(l, strings.Repeat(fmt.Sprint(i%10), 40))
		}
		return l
	}
	oidc := must[*iam.CreateOpenIDConnectProviderOutput](t, "CreateOpenIDConnectProvider")(c.CreateOpenIDConnectProvider(ctx,
		&iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://idp.example.com"), ThumbprintList: tps(5)}))
	var ids []string
	for i := range 101 {
		ids = append(ids, fmt.Sprint("client", i))
	}
	for _, tc := range []struct {
		name, code, msg string
		call            func() error
	}{
		{"GetPolicyVersion 2", "ValidationError",
			`1 validation error detected: Value '2' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`,
			func() error {
				_, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: p.Policy.Arn, VersionId: aws.String("2")})
				return err
			}},
		{"GetPolicyVersion v0 of a missing policy", "ValidationError", "", func() error {
			_, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: missing, VersionId: aws.String("v0")})
			return err
		}},
		{"GetPolicyVersion v9", "NoSuchEntity", "", func() error {
			_, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: p.Policy.Arn, VersionId: aws.String("v9")})
			return err
		}},
		{"GetPolicyVersion v1", "", "", func() error {
			_, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: p.Policy.Arn, VersionId: aws.String("v1")})
			return err
		}},
		{"DeletePolicyVersion 1", "ValidationError", "", func() error {
			_, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: p.Policy.Arn, VersionId: aws.String("1")})
			return err
		}},
		{"SetDefaultPolicyVersion empty", "ValidationError",
			"1 validation error detected: Value null at 'versionId' failed to satisfy constraint: Member must not be null",
			func() error {
				_, err := c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: p.Policy.Arn, VersionId: aws.String("")})
				return err
			}},
		{"CreateRole without a trust policy", "ValidationError",
			"1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null",
			func() error {
				_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String("")})
				return err
			}},
		{"UntagUser with 51 keys", "ValidationError",
			"1 validation error detected: Value '[" + strings.Join(keys, ", ") + "]' at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to 50",
			func() error {
				_, err := c.UntagUser(ctx, &iam.UntagUserInput{UserName: aws.String("u"), TagKeys: keys})
				return err
			}},
		{"UntagPolicy with 51 keys", "ValidationError", "", func() error {
			_, err := c.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: p.Policy.Arn, TagKeys: keys})
			return err
		}},
		{"UntagOpenIDConnectProvider with 51 keys", "ValidationError", "", func() error {
			_, err := c.UntagOpenIDConnectProvider(ctx, &iam.UntagOpenIDConnectProviderInput{OpenIDConnectProviderArn: oidc.OpenIDConnectProviderArn, TagKeys: keys})
			return err
		}},
		{"CreateOpenIDConnectProvider with 6 thumbprints", "InvalidInput", "Thumbprint list must contain fewer than 5 entries.", func() error {
			_, err := c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://other.example.com"), ThumbprintList: tps(6)})
			return err
		}},
		{"UpdateOpenIDConnectProviderThumbprint with 6", "InvalidInput", "", func() error {
			_, err := c.UpdateOpenIDConnectProviderThumbprint(ctx, &iam.UpdateOpenIDConnectProviderThumbprintInput{
				OpenIDConnectProviderArn: oidc.OpenIDConnectProviderArn, ThumbprintList: tps(6)})
			return err
		}},
		{"CreateOpenIDConnectProvider with 101 client ids", "LimitExceeded", "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100", func() error {
			_, err := c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://third.example.com"), ClientIDList: ids})
			return err
		}},
	} {
		err := tc.call()
		if apiCode(err) != tc.code {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.code)
		} else if tc.msg != "" && apiMessage(err) != tc.msg {
			t.Errorf("%s: message %q\nwant %q", tc.name, apiMessage(err), tc.msg)
		}
	}
}

// TestRangeMessages: an integer out of the model's range is refused with
// the one-sided message of the bound it crosses, as AWS's model
// validation words it, and the value as sent.
func TestRangeMessages(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	trust := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	must[*iam.CreateRoleOutput](t, "CreateRole")(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: trust}))
	const prefix = "1 validation error detected: "
	for _, tc := range []struct {
		name, msg string
		call      func() error
	}{
		{"MaxItems 0", "Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1", func() error {
			_, err := c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(0)})
			return err
		}},
		{"MaxItems 1001", "Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000", func() error {
			_, err := c.ListRoles(ctx, &iam.ListRolesInput{MaxItems: aws.Int32(1001)})
			return err
		}},
		{"CreateRole MaxSessionDuration 0", "Value '0' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r0"), AssumeRolePolicyDocument: trust, MaxSessionDuration: aws.Int32(0)})
			return err
		}},
		{"CreateRole MaxSessionDuration 60", "Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600", func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r1"), AssumeRolePolicyDocument: trust, MaxSessionDuration: aws.Int32(60)})
			return err
		}},
		{"UpdateRole MaxSessionDuration 43201", "Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200", func() error {
			_, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("r"), MaxSessionDuration: aws.Int32(43201)})
			return err
		}},
	} {
		err := tc.call()
		if apiCode(err) != "ValidationError" || apiMessage(err) != prefix+tc.msg {
			t.Errorf("%s: %v\nwant ValidationError %q", tc.name, err, prefix+tc.msg)
		}
	}
}
