package setup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Each ensure… looks first and changes only what differs, so that a second
// run makes no write at all.

func (a *applier) ensureBucket(ctx context.Context, bucket string) error {
	s, err := EnsureBucket(ctx, a.c.S3, bucket)
	if err != nil {
		return err
	}
	a.add("bucket", bucket, s)
	return nil
}

// EnsureBucket creates bucket unless it exists.
func EnsureBucket(ctx context.Context, c *s3.Client, bucket string) (Status, error) {
	_, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	if err == nil {
		return Exists, nil
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return "", failed("look for bucket "+bucket, err) // no answer at all
	}
	// The answer to a HEAD has no body: a 403 or 400 cannot tell a bucket
	// of someone else's from a bad signature or region. CreateBucket's
	// error will say which, and on a 404 it is what is wanted anyway.
	in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
	// AWS wants the region named, except its first one.
	if r := c.Options().Region; r != "" && r != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(r)}
	}
	_, err = c.CreateBucket(ctx, in)
	switch apiCode(err) {
	case "":
		return Created, nil
	case "BucketAlreadyOwnedByYou": // made meanwhile
		return Exists, nil
	}
	return "", failed("create bucket "+bucket, err)
}

// ensureCORS makes want one of the bucket's CORS rules, matched by ID, and
// takes off the rule of the other preset. Rules of the bucket's own are kept.
func (a *applier) ensureCORS(ctx context.Context, bucket string, want s3types.CORSRule) error {
	name := bucket + " " + aws.ToString(want.ID)
	out, err := a.c.S3.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String(bucket)})
	var rules []s3types.CORSRule
	switch code := apiCode(err); {
	case code == "NoSuchCORSConfiguration":
	case err != nil:
		return failed("get the CORS rules of bucket "+bucket, err)
	default:
		rules = out.CORSRules
	}
	var found *s3types.CORSRule
	var removed []string // rules of the other preset
	var kept []s3types.CORSRule
	for _, r := range rules {
		switch id := aws.ToString(r.ID); {
		case id == aws.ToString(want.ID):
			found = &r
		case isPresetRule(id):
			removed = append(removed, id)
		default:
			kept = append(kept, r)
		}
	}
	var status Status
	switch {
	case found == nil:
		status = Created
	case !sameRule(*found, want):
		status = Updated
	case len(removed) > 0:
		status = Exists // the rules are rewritten without the other preset's
	default:
		a.add("bucket CORS rule", name, Exists)
		return nil
	}
	_, err = a.c.S3.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String(bucket),
		CORSConfiguration: &s3types.CORSConfiguration{CORSRules: append(kept, want)}})
	if err != nil {
		return failed("set the CORS rules of bucket "+bucket, err)
	}
	for _, id := range removed {
		a.add("bucket CORS rule", bucket+" "+id, Removed)
	}
	a.add("bucket CORS rule", name, status)
	return nil
}

// isPresetRule reports whether a CORS rule id is one a preset writes.
func isPresetRule(id string) bool {
	for _, v := range corsRuleIDs {
		if v == id {
			return true
		}
	}
	return false
}

func sameRule(a, b s3types.CORSRule) bool {
	return slices.Equal(a.AllowedOrigins, b.AllowedOrigins) && slices.Equal(a.AllowedMethods, b.AllowedMethods) &&
		slices.Equal(a.AllowedHeaders, b.AllowedHeaders) && slices.Equal(a.ExposeHeaders, b.ExposeHeaders) &&
		aws.ToInt32(a.MaxAgeSeconds) == aws.ToInt32(b.MaxAgeSeconds)
}

// FindPool returns the id of the identity pool named name, "" if there is
// none. Pool names need not be unique; several of one name is an error,
// since the set-up could not tell which is its own.
func FindPool(ctx context.Context, c *ci.Client, name string) (string, error) {
	var ids []string
	p := ci.NewListIdentityPoolsPaginator(c, &ci.ListIdentityPoolsInput{MaxResults: aws.Int32(60)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return "", failed("list identity pools", err)
		}
		for _, ip := range out.IdentityPools {
			if aws.ToString(ip.IdentityPoolName) == name {
				ids = append(ids, aws.ToString(ip.IdentityPoolId))
			}
		}
	}
	switch len(ids) {
	case 0:
		return "", nil
	case 1:
		return ids[0], nil
	}
	return "", fmt.Errorf("%d identity pools are named %q (%s): delete the extra ones", len(ids), name, strings.Join(ids, ", "))
}

// ensurePool finds the pool by name or creates it, with guests allowed and
// the providers among its OpenID Connect providers.
func (a *applier) ensurePool(ctx context.Context, name string, providers []string) (string, error) {
	id, err := FindPool(ctx, a.c.Identity, name)
	if err != nil {
		return "", err
	}
	if id == "" {
		out, err := a.c.Identity.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{
			IdentityPoolName:               aws.String(name),
			AllowUnauthenticatedIdentities: true,
			AllowClassicFlow:               aws.Bool(false),
			OpenIdConnectProviderARNs:      providers,
		})
		if err != nil {
			return "", failed("create identity pool "+name, err)
		}
		a.add("identity pool", name, Created)
		return aws.ToString(out.IdentityPoolId), nil
	}
	cur, err := a.c.Identity.DescribeIdentityPool(ctx, &ci.DescribeIdentityPoolInput{IdentityPoolId: aws.String(id)})
	if err != nil {
		return "", failed("describe identity pool "+id, err)
	}
	missing := slices.DeleteFunc(slices.Clone(providers), func(p string) bool { return slices.Contains(cur.OpenIdConnectProviderARNs, p) })
	if cur.AllowUnauthenticatedIdentities && len(missing) == 0 {
		a.add("identity pool", name, Exists)
		return id, nil
	}
	// UpdateIdentityPool replaces the whole configuration: send it all.
	_, err = a.c.Identity.UpdateIdentityPool(ctx, &ci.UpdateIdentityPoolInput{
		IdentityPoolId:                 aws.String(id),
		IdentityPoolName:               cur.IdentityPoolName,
		AllowUnauthenticatedIdentities: true,
		AllowClassicFlow:               cur.AllowClassicFlow,
		SupportedLoginProviders:        cur.SupportedLoginProviders,
		DeveloperProviderName:          cur.DeveloperProviderName,
		OpenIdConnectProviderARNs:      append(cur.OpenIdConnectProviderARNs, missing...),
		CognitoIdentityProviders:       cur.CognitoIdentityProviders,
		SamlProviderARNs:               cur.SamlProviderARNs,
		IdentityPoolTags:               cur.IdentityPoolTags,
	})
	if err != nil {
		return "", failed("update identity pool "+id, err)
	}
	a.add("identity pool", name, Updated)
	return id, nil
}

// ensureRole makes the role with its trust policy and exactly the preset's
// inline policies among those presets own, and returns its ARN.
func (a *applier) ensureRole(ctx context.Context, name, trust, description string, policies []rolePolicy) (string, error) {
	var arn string
	got, err := a.c.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	switch code := apiCode(err); {
	case code == "NoSuchEntity":
		out, err := a.c.IAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name),
			AssumeRolePolicyDocument: aws.String(trust), Description: aws.String(description)})
		if err != nil {
			return "", failed("create role "+name, err)
		}
		arn = aws.ToString(out.Role.Arn)
		a.add("role", name, Created)
	case err != nil:
		return "", failed("get role "+name, err)
	default:
		arn = aws.ToString(got.Role.Arn)
		if sameJSON(aws.ToString(got.Role.AssumeRolePolicyDocument), trust) {
			a.add("role", name, Exists)
			break
		}
		if _, err := a.c.IAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(name),
			PolicyDocument: aws.String(trust)}); err != nil {
			return "", failed("update the trust policy of role "+name, err)
		}
		a.add("role", name, Updated)
	}

	want := map[string]bool{}
	for _, p := range policies {
		want[p.name] = true
		if err := a.ensureRolePolicy(ctx, name, p); err != nil {
			return "", err
		}
	}
	var names []string
	pages := iam.NewListRolePoliciesPaginator(a.c.IAM, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return "", failed("list the policies of role "+name, err)
		}
		names = append(names, out.PolicyNames...)
	}
	for _, n := range names {
		if want[n] || !slices.Contains(ownedPolicies, n) {
			continue
		}
		if _, err := a.c.IAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(n)}); err != nil {
			return "", failed("delete policy "+n+" of role "+name, err)
		}
		a.add("role policy", name+"/"+n, Removed)
	}
	return arn, nil
}

func (a *applier) ensureRolePolicy(ctx context.Context, role string, p rolePolicy) error {
	item := role + "/" + p.name
	status := Created
	got, err := a.c.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(p.name)})
	switch code := apiCode(err); {
	case code == "NoSuchEntity":
	case err != nil:
		return failed("get policy "+item, err)
	case sameJSON(aws.ToString(got.PolicyDocument), p.doc):
		a.add("role policy", item, Exists)
		return nil
	default:
		status = Updated
	}
	if _, err := a.c.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role),
		PolicyName: aws.String(p.name), PolicyDocument: aws.String(p.doc)}); err != nil {
		return failed("put policy "+item, err)
	}
	a.add("role policy", item, status)
	return nil
}

// sameJSON reports whether a policy document IAM returned (URL-encoded, as
// IAM returns them) means the same as want.
func sameJSON(got, want string) bool {
	if s, err := url.PathUnescape(got); err == nil {
		got = s
	}
	var g, w any
	if json.Unmarshal([]byte(got), &g) != nil || json.Unmarshal([]byte(want), &w) != nil {
		return false
	}
	return reflect.DeepEqual(g, w)
}

// ensurePoolRoles sets the pool's guest and user roles, keeping its role
// mappings (SetIdentityPoolRoles replaces them too).
func (a *applier) ensurePoolRoles(ctx context.Context, pool, guest, user string) error {
	cur, err := a.c.Identity.GetIdentityPoolRoles(ctx, &ci.GetIdentityPoolRolesInput{IdentityPoolId: aws.String(pool)})
	if err != nil {
		return failed("get the roles of identity pool "+pool, err)
	}
	if cur.Roles["unauthenticated"] == guest && cur.Roles["authenticated"] == user {
		a.add("identity pool roles", pool, Exists)
		return nil
	}
	status := Updated
	if len(cur.Roles) == 0 {
		status = Created
	}
	roles := map[string]string{}
	for k, v := range cur.Roles {
		roles[k] = v
	}
	roles["unauthenticated"], roles["authenticated"] = guest, user
	if _, err := a.c.Identity.SetIdentityPoolRoles(ctx, &ci.SetIdentityPoolRolesInput{IdentityPoolId: aws.String(pool),
		Roles: roles, RoleMappings: cur.RoleMappings}); err != nil {
		return failed("set the roles of identity pool "+pool, err)
	}
	a.add("identity pool roles", pool, status)
	return nil
}

// ensureAdminGroup makes the administrators group with AdministratorAccess.
func (a *applier) ensureAdminGroup(ctx context.Context) error {
	_, err := a.c.IAM.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String(AdminGroup)})
	switch code := apiCode(err); {
	case err == nil:
		a.add("group", AdminGroup, Exists)
	case code == "NoSuchEntity":
		_, err := a.c.IAM.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(AdminGroup)})
		switch apiCode(err) {
		case "":
			a.add("group", AdminGroup, Created)
		case "EntityAlreadyExists":
			a.add("group", AdminGroup, Exists)
		default:
			return failed("create group "+AdminGroup, err)
		}
	default:
		return failed("get group "+AdminGroup, err)
	}
	item := AdminGroup + "/AdministratorAccess"
	pages := iam.NewListAttachedGroupPoliciesPaginator(a.c.IAM, &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String(AdminGroup)})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return failed("list the policies of group "+AdminGroup, err)
		}
		for _, p := range out.AttachedPolicies {
			if aws.ToString(p.PolicyArn) == AdministratorAccess {
				a.add("group policy", item, Exists)
				return nil
			}
		}
	}
	if _, err := a.c.IAM.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String(AdminGroup),
		PolicyArn: aws.String(AdministratorAccess)}); err != nil {
		return failed("attach AdministratorAccess to group "+AdminGroup, err)
	}
	a.add("group policy", item, Created)
	return nil
}

// resolveProviders turns the issuer URLs among refs into the ARNs of
// their IAM OIDC providers.
func (a *applier) resolveProviders(ctx context.Context, refs []string) ([]string, error) {
	var arns []string
	var known []string
	listed := false
	for _, ref := range refs {
		if strings.HasPrefix(ref, "arn:") {
			arns = append(arns, ref)
			continue
		}
		if !listed {
			var err error
			if known, err = listOIDCProviders(ctx, a.c.IAM); err != nil {
				return nil, err
			}
			listed = true
		}
		arn := providerByURL(known, ref)
		if arn == "" {
			return nil, fmt.Errorf("no IAM OIDC provider has issuer %s: create it first (IAM CreateOpenIDConnectProvider, or oidcProviders in the config file)", ref)
		}
		arns = append(arns, arn)
	}
	return arns, nil
}

func listOIDCProviders(ctx context.Context, c *iam.Client) ([]string, error) {
	out, err := c.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	if err != nil {
		return nil, failed("list OIDC providers", err)
	}
	var arns []string
	for _, p := range out.OpenIDConnectProviderList {
		arns = append(arns, aws.ToString(p.Arn))
	}
	return arns, nil
}

// providerByURL finds the provider of an issuer among ARNs, which end in
// :oidc-provider/<issuer without https://>. A final "/" is part of the
// issuer, as it is of the ARN: "https://host/" and "https://host" are two
// providers.
func providerByURL(arns []string, issuer string) string {
	want := strings.TrimPrefix(issuer, "https://")
	// An issuer written with a final "/" was stored without it before
	// Wicket kept the slash: that provider is still the one meant.
	for _, name := range []string{want, strings.TrimSuffix(want, "/")} {
		for _, arn := range arns {
			if _, n, ok := strings.Cut(arn, ":oidc-provider/"); ok && n == name {
				return arn
			}
		}
	}
	return ""
}
