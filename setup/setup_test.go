package setup_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/wicket-io/wicket/internal/testenv"
	"github.com/wicket-io/wicket/setup"
)

var ctx = context.Background()

func clients(env *testenv.Env) setup.Clients {
	return setup.Clients{S3: env.S3(), IAM: env.IAM(), Identity: env.CognitoIdentity()}
}

func check(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// statuses renders items as "status kind name" lines, for comparing.
func statuses(items []setup.Item) string {
	var b strings.Builder
	for _, it := range items {
		fmt.Fprintf(&b, "%s %s %s\n", it.Status, it.Kind, it.Name)
	}
	return b.String()
}

func wantStatuses(t *testing.T, what string, items []setup.Item, want string) {
	t.Helper()
	if got := statuses(items); got != want {
		t.Errorf("%s:\n%s\nwant:\n%s", what, got, want)
	}
}

// guest returns a fresh guest's credentials from pool.
func guest(t *testing.T, env *testenv.Env, pool string) aws.Credentials {
	t.Helper()
	c := env.CognitoIdentity()
	id, err := c.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(pool)})
	check(t, "GetId", err)
	out, err := c.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: id.IdentityId})
	check(t, "GetCredentialsForIdentity", err)
	k := out.Credentials
	return aws.Credentials{AccessKeyID: *k.AccessKeyId, SecretAccessKey: *k.SecretKey, SessionToken: *k.SessionToken}
}

func read(env *testenv.Env, c aws.Credentials, bucket, key string) error {
	out, err := env.S3With(c).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return err
	}
	io.Copy(io.Discard, out.Body)
	return out.Body.Close()
}

func put(t *testing.T, env *testenv.Env, bucket, key string) {
	t.Helper()
	_, err := env.S3().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("x")})
	check(t, "PutObject "+key, err)
}

const firstRun = `created bucket photos
created bucket CORS rule photos wicket-guest-assets
created identity pool photos guests
created role photos-guest
created role policy photos-guest/guest-assets
created role photos-user
created role policy photos-user/guest-assets
created identity pool roles POOL
created group administrators
created group policy administrators/AdministratorAccess
`

func TestApplyIsIdempotent(t *testing.T) {
	env := testenv.New(t)
	c := clients(env)
	p := setup.Preset{Preset: setup.GuestAssets, Bucket: "photos", Prefix: "public/"}
	first, err := setup.Apply(ctx, c, p)
	check(t, "first Apply", err)
	wantStatuses(t, "first Apply", first.Items, strings.ReplaceAll(firstRun, "POOL", first.IdentityPoolID))
	if !strings.HasPrefix(first.IdentityPoolID, testenv.Region+":") || first.Region != testenv.Region ||
		first.UnauthenticatedRoleARN != "arn:aws:iam::000000000000:role/photos-guest" ||
		first.AuthenticatedRoleARN != "arn:aws:iam::000000000000:role/photos-user" {
		t.Errorf("first Apply = %+v", first)
	}
	second, err := setup.Apply(ctx, c, p)
	check(t, "second Apply", err)
	if second.Changed() {
		t.Errorf("second Apply changed:\n%s", statuses(second.Items))
	}
	if second.IdentityPoolID != first.IdentityPoolID || len(second.Items) != len(first.Items) {
		t.Errorf("second Apply: pool %s, %d items; first %s, %d", second.IdentityPoolID, len(second.Items), first.IdentityPoolID, len(first.Items))
	}

	put(t, env, "photos", "public/cat.jpg")
	put(t, env, "photos", "secret.txt")
	g := guest(t, env, first.IdentityPoolID)
	check(t, "guest reads public/", read(env, g, "photos", "public/cat.jpg"))
	if err := read(env, g, "photos", "secret.txt"); apiCode(err) != "AccessDenied" {
		t.Errorf("guest reads outside the prefix: %v", err)
	}
}

func TestApplyRepairsDrift(t *testing.T) {
	env := testenv.New(t)
	c := clients(env)
	p := setup.Preset{Preset: setup.GuestAssets, Bucket: "photos"}
	res, err := setup.Apply(ctx, c, p)
	check(t, "Apply", err)
	pool := res.IdentityPoolID

	// Someone widens the guests' policy, loosens the trust of the user
	// role, turns guests off, adds a provider of their own, a role mapping
	// and a CORS rule, and changes the preset's CORS rule.
	_, err = c.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("photos-guest"), PolicyName: aws.String("guest-assets"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)})
	check(t, "PutRolePolicy", err)
	_, err = c.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("photos-guest"), PolicyName: aws.String("mine"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/extra/*"}]}`)})
	check(t, "PutRolePolicy mine", err)
	_, err = c.IAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("photos-user"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`)})
	check(t, "UpdateAssumeRolePolicy", err)
	_, err = c.Identity.UpdateIdentityPool(ctx, &ci.UpdateIdentityPoolInput{IdentityPoolId: aws.String(pool),
		IdentityPoolName: aws.String("photos guests"), AllowUnauthenticatedIdentities: false, DeveloperProviderName: aws.String("login.myapp")})
	check(t, "UpdateIdentityPool", err)
	_, err = c.S3.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String("photos"), CORSConfiguration: &s3types.CORSConfiguration{
		CORSRules: []s3types.CORSRule{
			{ID: aws.String("wicket-guest-assets"), AllowedOrigins: []string{"https://one.example"}, AllowedMethods: []string{"GET"}},
			{ID: aws.String("mine"), AllowedOrigins: []string{"https://app.example"}, AllowedMethods: []string{"PUT"}},
		}}})
	check(t, "PutBucketCors", err)

	res, err = setup.Apply(ctx, c, p)
	check(t, "Apply again", err)
	wantStatuses(t, "Apply again", res.Items, `exists bucket photos
updated bucket CORS rule photos wicket-guest-assets
updated identity pool photos guests
exists role photos-guest
updated role policy photos-guest/guest-assets
updated role photos-user
exists role policy photos-user/guest-assets
exists identity pool roles `+pool+`
exists group administrators
exists group policy administrators/AdministratorAccess
`)
	if res.IdentityPoolID != pool {
		t.Errorf("pool %s, was %s", res.IdentityPoolID, pool)
	}
	d, err := c.Identity.DescribeIdentityPool(ctx, &ci.DescribeIdentityPoolInput{IdentityPoolId: aws.String(pool)})
	check(t, "DescribeIdentityPool", err)
	if !d.AllowUnauthenticatedIdentities || aws.ToString(d.DeveloperProviderName) != "login.myapp" {
		t.Errorf("pool after repair: guests %v, developer provider %q (kept)", d.AllowUnauthenticatedIdentities, aws.ToString(d.DeveloperProviderName))
	}
	cors, err := c.S3.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("photos")})
	check(t, "GetBucketCors", err)
	var ids []string
	for _, r := range cors.CORSRules {
		ids = append(ids, aws.ToString(r.ID))
	}
	if strings.Join(ids, " ") != "mine wicket-guest-assets" {
		t.Errorf("CORS rules after repair: %v", ids)
	}
	// The policy of our own is kept; the guest is back to the prefix.
	if _, err := c.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("photos-guest"), PolicyName: aws.String("mine")}); err != nil {
		t.Errorf("a policy the preset does not own was touched: %v", err)
	}
	put(t, env, "photos", "other.txt")
	if err := read(env, guest(t, env, pool), "photos", "other.txt"); apiCode(err) != "AccessDenied" {
		t.Errorf("guest reads outside the prefix after repair: %v", err)
	}

	res, err = setup.Apply(ctx, c, p)
	check(t, "third Apply", err)
	if res.Changed() {
		t.Errorf("third Apply changed:\n%s", statuses(res.Items))
	}
}

func TestApplyChangesPreset(t *testing.T) {
	env := testenv.New(t)
	c := clients(env)
	_, err := setup.Apply(ctx, c, setup.Preset{Preset: setup.GuestAssets, Bucket: "media"})
	check(t, "guest-assets", err)
	res, err := setup.Apply(ctx, c, setup.Preset{Preset: setup.AmplifyStorage, Bucket: "media"})
	check(t, "amplify-storage", err)
	wantStatuses(t, "amplify-storage over guest-assets", res.Items, `exists bucket media
removed bucket CORS rule media wicket-guest-assets
created bucket CORS rule media wicket-amplify-storage
exists identity pool media guests
exists role media-guest
created role policy media-guest/Public_policy
created role policy media-guest/read_policy
removed role policy media-guest/guest-assets
exists role media-user
created role policy media-user/Public_policy
created role policy media-user/Protected_policy
created role policy media-user/Private_policy
created role policy media-user/read_policy
removed role policy media-user/guest-assets
exists identity pool roles `+res.IdentityPoolID+`
exists group administrators
exists group policy administrators/AdministratorAccess
`)
}

func TestApplyRefuses(t *testing.T) {
	env := testenv.New(t)
	c := clients(env)
	for _, tt := range []struct {
		p    setup.Preset
		want string
	}{
		{setup.Preset{Bucket: "photos"}, "no preset"},
		{setup.Preset{Preset: "public-bucket", Bucket: "photos"}, `unknown preset "public-bucket"`},
		{setup.Preset{Preset: setup.GuestAssets, Bucket: "Photos"}, `bucket "Photos"`},
		{setup.Preset{Preset: setup.GuestAssets, Bucket: "photos", Prefix: "a/*/"}, `prefix "a/*/"`},
		{setup.Preset{Preset: setup.GuestAssets, Bucket: "photos", Prefix: "${aws:username}/"}, "without *, ? or $"},
		{setup.Preset{Preset: setup.AmplifyStorage, Bucket: "photos", Prefix: "x/"}, "takes no prefix"},
		{setup.Preset{Preset: setup.GuestAssets, Bucket: strings.Repeat("b", 60)}, "longer than IAM's 64 characters"},
		{setup.Preset{Preset: setup.GuestAssets, Bucket: "photos", Name: "my photos"}, "IAM role names allow"},
		{setup.Preset{Preset: setup.GuestAssets, Bucket: "photos", OIDCProviders: []string{"accounts.example.com"}}, "want an IAM OIDC provider ARN"},
		{setup.Preset{Preset: setup.GuestAssets, Bucket: "photos", OIDCProviders: []string{"https://nobody.example"}}, "no IAM OIDC provider has issuer https://nobody.example"},
	} {
		res, err := setup.Apply(ctx, c, tt.p)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Apply(%+v) = %v, want an error with %q", tt.p, err, tt.want)
		}
		if res != nil && len(res.Items) > 0 {
			t.Errorf("Apply(%+v) did %v before failing", tt.p, res.Items)
		}
	}
	// Two pools of the preset's name: which is ours cannot be told.
	for range 2 {
		_, err := c.Identity.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String("twice guests"), AllowUnauthenticatedIdentities: true})
		check(t, "CreateIdentityPool", err)
	}
	_, err := setup.Apply(ctx, c, setup.Preset{Preset: setup.GuestAssets, Bucket: "twice"})
	if err == nil || !strings.Contains(err.Error(), `2 identity pools are named "twice guests"`) {
		t.Errorf("Apply with two pools of its name: %v", err)
	}
}

func TestParseConfig(t *testing.T) {
	good := `{
	  "buckets": ["logs"],
	  "oidcProviders": [{"url": "https://accounts.example.com", "clientIds": ["app"]}],
	  "presets": [
	    {"preset": "guest-assets", "bucket": "photos", "prefix": "public/"},
	    {"preset": "amplify-storage", "bucket": "media", "oidcProviders": ["https://accounts.example.com"]}
	  ]
	}`
	cfg, err := setup.ParseConfig([]byte(good))
	check(t, "ParseConfig", err)
	if len(cfg.Buckets) != 1 || len(cfg.OIDCProviders) != 1 || len(cfg.Presets) != 2 || cfg.Presets[1].OIDCProviders[0] != "https://accounts.example.com" {
		t.Errorf("ParseConfig = %+v", cfg)
	}
	if _, err := setup.ParseConfig([]byte(`{}`)); err != nil {
		t.Errorf("empty object: %v", err)
	}
	for _, tt := range []struct{ doc, want string }{
		{``, "empty"},
		{`{"presets": [`, "ends in the middle"},
		{"{\n\"presets\": [\n{\"preset\": \"guest-assets\" \"bucket\": \"x\"}]}", "line 3: invalid character"},
		{`{"preset": "guest-assets"}`, `unknown field "preset"`},
		{`{"presets": [{"preset": "guest-assets", "bucket": "photos", "perfix": "a/"}]}`, `unknown field "perfix"`},
		{"{\n\"presets\": {\"preset\": \"guest-assets\"}}", "line 2: presets: want []setup.Preset, not object"},
		{`{} {}`, "more after the configuration object"},
		{`{"buckets": ["a_b"]}`, `buckets[0]: "a_b" is not a bucket name`},
		{`{"oidcProviders": [{"url": "http://x", "clientIds": ["a"]}]}`, "oidcProviders[0]: url"},
		{`{"oidcProviders": [{"url": "https://x"}]}`, "oidcProviders[0]: no clientIds"},
		{`{"presets": [{"bucket": "photos"}]}`, "presets[0]: no preset"},
		{`{"presets": [{"preset": "guest-assets", "bucket": "ab1"}, {"preset": "amplify-storage", "bucket": "ab1"}]}`, "presets[1]: same name ab1 as presets[0]"},
		{`{"presets": [{"preset": "guest-assets", "bucket": "ab1"}, {"preset": "amplify-storage", "bucket": "ab1", "name": "b"}]}`, "presets[1]: same bucket ab1 as presets[0]"},
	} {
		_, err := setup.ParseConfig([]byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseConfig(%q) = %v, want an error with %q", tt.doc, err, tt.want)
		}
	}
}

func TestReconcile(t *testing.T) {
	env := testenv.New(t)
	c := clients(env)
	cfg, err := setup.ParseConfig([]byte(`{
	  "buckets": ["logs"],
	  "oidcProviders": [{"url": "https://accounts.example.com", "clientIds": ["app"]}],
	  "presets": [
	    {"preset": "guest-assets", "bucket": "photos", "prefix": "public/"},
	    {"preset": "amplify-storage", "bucket": "media", "oidcProviders": ["https://accounts.example.com"]}
	  ]}`))
	check(t, "ParseConfig", err)
	rep, err := setup.Reconcile(ctx, c, cfg)
	check(t, "Reconcile", err)
	if len(rep.Results) != 2 || rep.Items[0] != (setup.Item{Kind: "bucket", Name: "logs", Status: setup.Created}) ||
		rep.Items[1] != (setup.Item{Kind: "OIDC provider", Name: "arn:aws:iam::000000000000:oidc-provider/accounts.example.com", Status: setup.Created}) {
		t.Fatalf("Reconcile: %d results\n%s", len(rep.Results), statuses(rep.Items))
	}
	media := rep.Results[1].IdentityPoolID
	d, err := c.Identity.DescribeIdentityPool(ctx, &ci.DescribeIdentityPoolInput{IdentityPoolId: aws.String(media)})
	check(t, "DescribeIdentityPool", err)
	if len(d.OpenIdConnectProviderARNs) != 1 || d.OpenIdConnectProviderARNs[0] != rep.Items[1].Name {
		t.Errorf("media pool's providers: %v", d.OpenIdConnectProviderARNs)
	}

	again, err := setup.Reconcile(ctx, c, cfg)
	check(t, "Reconcile again", err)
	for _, it := range again.Items {
		if it.Status != setup.Exists {
			t.Errorf("Reconcile again: %s %s %s", it.Status, it.Kind, it.Name)
		}
	}
	if again.Results[0].IdentityPoolID != rep.Results[0].IdentityPoolID || again.Results[1].IdentityPoolID != media {
		t.Errorf("pools changed: %s %s, were %s %s", again.Results[0].IdentityPoolID, again.Results[1].IdentityPoolID, rep.Results[0].IdentityPoolID, media)
	}

	// A client id added to the file is added to the provider.
	cfg.OIDCProviders[0].ClientIDs = append(cfg.OIDCProviders[0].ClientIDs, "second-app")
	third, err := setup.Reconcile(ctx, c, cfg)
	check(t, "Reconcile with a new client id", err)
	if third.Items[1].Status != setup.Updated {
		t.Errorf("provider with a new client id: %s", third.Items[1].Status)
	}
	p, err := c.IAM.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(third.Items[1].Name)})
	check(t, "GetOpenIDConnectProvider", err)
	if strings.Join(p.ClientIDList, " ") != "app second-app" {
		t.Errorf("client ids %v", p.ClientIDList)
	}

	// A failure names the preset, and the report holds what was done.
	bad := &setup.Config{Presets: []setup.Preset{{Preset: setup.GuestAssets, Bucket: "other", OIDCProviders: []string{"arn:aws:iam::000000000000:oidc-provider/nowhere.example"}}}}
	rep, err = setup.Reconcile(ctx, c, bad)
	if err == nil || !strings.Contains(err.Error(), "presets[0] (guest-assets of bucket other)") {
		t.Errorf("Reconcile with an unknown provider: %v", err)
	}
	if len(rep.Items) == 0 || rep.Items[0].Name != "other" {
		t.Errorf("report of a failed Reconcile:\n%s", statuses(rep.Items))
	}
}

// An issuer that ends in "/" (Auth0's) names its provider with the slash,
// and a second Reconcile finds that provider rather than making another.
func TestReconcileIssuerWithSlash(t *testing.T) {
	env := testenv.New(t)
	c := clients(env)
	cfg, err := setup.ParseConfig([]byte(`{
	  "oidcProviders": [{"url": "https://tenant.auth0.example/", "clientIds": ["app"]}],
	  "presets": [{"preset": "amplify-storage", "bucket": "media", "oidcProviders": ["https://tenant.auth0.example/"]}]}`))
	check(t, "ParseConfig", err)
	const arn = "arn:aws:iam::000000000000:oidc-provider/tenant.auth0.example/"
	rep, err := setup.Reconcile(ctx, c, cfg)
	check(t, "Reconcile", err)
	if rep.Items[0] != (setup.Item{Kind: "OIDC provider", Name: arn, Status: setup.Created}) {
		t.Fatalf("Reconcile:\n%s", statuses(rep.Items))
	}
	again, err := setup.Reconcile(ctx, c, cfg)
	check(t, "Reconcile again", err)
	for _, it := range again.Items {
		if it.Status != setup.Exists {
			t.Errorf("Reconcile again: %s %s %s", it.Status, it.Kind, it.Name)
		}
	}
	d, err := c.Identity.DescribeIdentityPool(ctx, &ci.DescribeIdentityPoolInput{IdentityPoolId: aws.String(again.Results[0].IdentityPoolID)})
	check(t, "DescribeIdentityPool", err)
	if len(d.OpenIdConnectProviderARNs) != 1 || d.OpenIdConnectProviderARNs[0] != arn {
		t.Errorf("pool's providers: %v", d.OpenIdConnectProviderARNs)
	}
}
