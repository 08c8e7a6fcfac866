package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/wicket-io/wicket/internal/oidctest"
	"github.com/wicket-io/wicket/internal/testenv"
)

// adminArgs is a command line of an administration command against env,
// with its root credentials.
func adminArgs(env *testenv.Env, args ...string) []string {
	return append(args, "--endpoint-url", env.URL, "--region", testenv.Region,
		"--access-key", testenv.Root.AccessKeyID, "--secret-key", testenv.Root.SecretAccessKey)
}

// admin runs an administration command against env and fails the test if
// it fails.
func admin(t *testing.T, env *testenv.Env, args ...string) string {
	t.Helper()
	out, stderr, err := runWicket(t, "", adminArgs(env, args...)...)
	if err != nil {
		t.Fatalf("wicket %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return out
}

// wicketFails runs a command that must fail with an error containing want.
func wicketFails(t *testing.T, env *testenv.Env, want string, args ...string) {
	t.Helper()
	_, _, err := runWicket(t, "", adminArgs(env, args...)...)
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("wicket %s: %v, want one line with %q", strings.Join(args, " "), err, want)
	}
}

func apiCodeOf(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// identity is a caller of a pool: its id and credentials.
type identity struct {
	id    string
	creds aws.Credentials
}

// signIn runs the enhanced flow for a guest (no logins) or a user.
func signIn(t *testing.T, env *testenv.Env, pool string, logins map[string]string) identity {
	t.Helper()
	c := env.CognitoIdentity()
	id, err := c.GetId(context.Background(), &ci.GetIdInput{IdentityPoolId: aws.String(pool), Logins: logins})
	if err != nil {
		t.Fatalf("GetId: %v", err)
	}
	return identity{*id.IdentityId, credsFor(t, env, *id.IdentityId, logins)}
}

func credsFor(t *testing.T, env *testenv.Env, id string, logins map[string]string) aws.Credentials {
	t.Helper()
	out, err := env.CognitoIdentity().GetCredentialsForIdentity(context.Background(),
		&ci.GetCredentialsForIdentityInput{IdentityId: aws.String(id), Logins: logins})
	if err != nil {
		t.Fatalf("GetCredentialsForIdentity: %v", err)
	}
	k := out.Credentials
	return aws.Credentials{AccessKeyID: *k.AccessKeyId, SecretAccessKey: *k.SecretKey, SessionToken: *k.SessionToken}
}

func getObject(env *testenv.Env, c aws.Credentials, bucket, key string) error {
	out, err := env.S3With(c).GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return err
	}
	io.Copy(io.Discard, out.Body)
	return out.Body.Close()
}

func putObject(env *testenv.Env, c aws.Credentials, bucket, key string) error {
	_, err := env.S3With(c).PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: strings.NewReader("bytes of " + key)})
	return err
}

func listObjects(env *testenv.Env, c aws.Credentials, bucket, prefix string) error {
	_, err := env.S3With(c).ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	return err
}

var root = aws.Credentials{AccessKeyID: testenv.Root.AccessKeyID, SecretAccessKey: testenv.Root.SecretAccessKey}

// access is one row of an access table: who does what, and whether they
// may.
type access struct {
	who   string
	creds aws.Credentials
	op    string // get, put or list
	key   string // the key, or the prefix of a list
	ok    bool
}

func checkAccess(t *testing.T, env *testenv.Env, bucket string, rows []access) {
	t.Helper()
	for _, a := range rows {
		var err error
		switch a.op {
		case "get":
			err = getObject(env, a.creds, bucket, a.key)
		case "put":
			err = putObject(env, a.creds, bucket, a.key)
		case "list":
			err = listObjects(env, a.creds, bucket, a.key)
		}
		switch {
		case a.ok && err != nil:
			t.Errorf("%s %s %s: %v, want allowed", a.who, a.op, a.key, err)
		case !a.ok && apiCodeOf(err) != "AccessDenied":
			t.Errorf("%s %s %s: %v, want AccessDenied", a.who, a.op, a.key, err)
		}
	}
}

var poolIDRE = regexp.MustCompile(`us-east-1:[0-9a-f-]{36}`)

func TestInitGuestAssets(t *testing.T) {
	env := testenv.New(t)
	first := admin(t, env, "init", "--preset", "guest-assets", "--bucket", "photos")
	pool := poolIDRE.FindString(first)
	if pool == "" {
		t.Fatalf("no pool id in:\n%s", first)
	}
	scrub := func(s string) []byte {
		return []byte(poolIDRE.ReplaceAllString(strings.ReplaceAll(s, env.URL, "http://ENDPOINT"), "POOL_ID"))
	}
	checkGolden(t, "init-guest-assets", scrub(first))

	// Again: the same pool, and nothing changed.
	second := admin(t, env, "init", "--preset", "guest-assets", "--bucket", "photos")
	checkGolden(t, "init-guest-assets-again", scrub(second))
	if got := poolIDRE.FindString(second); got != pool {
		t.Errorf("second run: pool %s, first %s", got, pool)
	}

	// --output json: the client's settings and nothing else.
	var settings map[string]any
	out := admin(t, env, "init", "--preset", "guest-assets", "--bucket", "photos", "--output", "json")
	if err := json.Unmarshal([]byte(out), &settings); err != nil {
		t.Fatalf("--output json: %v\n%s", err, out)
	}
	want := map[string]any{
		"endpoint": env.URL, "region": testenv.Region, "bucket": "photos", "identityPoolId": pool,
		"unauthenticatedRoleArn": "arn:aws:iam::000000000000:role/photos-guest",
		"authenticatedRoleArn":   "arn:aws:iam::000000000000:role/photos-user",
	}
	if len(settings) != len(want) {
		t.Errorf("--output json has keys %v, want %d", slices.Sorted(maps.Keys(settings)), len(want))
	}
	for k, v := range want {
		if settings[k] != v {
			t.Errorf("--output json: %s = %v, want %v", k, settings[k], v)
		}
	}

	ctx := context.Background()
	for _, k := range []string{"assets/logo.png", "secret/plan.txt", "private/x"} {
		if err := putObject(env, root, "photos", k); err != nil {
			t.Fatal(err)
		}
	}
	guest := signIn(t, env, pool, nil)
	checkAccess(t, env, "photos", []access{
		{"guest", guest.creds, "get", "assets/logo.png", true},
		{"guest", guest.creds, "get", "secret/plan.txt", false},
		{"guest", guest.creds, "get", "private/x", false},
		{"guest", guest.creds, "get", "private/" + guest.id + "/x", false},
		{"guest", guest.creds, "put", "assets/new.png", false},
		{"guest", guest.creds, "put", "private/" + guest.id + "/x", false},
		{"guest", guest.creds, "list", "assets/", false},
	})

	// A browser's preflight for a presigned GET from another origin.
	r, _ := http.NewRequest(http.MethodOptions, env.URL+"/photos/assets/logo.png", nil)
	r.Header.Set("Origin", "https://other.example")
	r.Header.Set("Access-Control-Request-Method", "GET")
	resp, err := env.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("CORS preflight: %d, Access-Control-Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}

	ps, err := env.IAM().ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String("administrators")})
	if err != nil || len(ps.AttachedPolicies) != 1 || aws.ToString(ps.AttachedPolicies[0].PolicyArn) != "arn:aws:iam::aws:policy/AdministratorAccess" {
		t.Errorf("administrators' policies: %v, %v", ps, err)
	}
}

func TestInitAmplifyStorage(t *testing.T) {
	idp := oidctest.NewTLS(t)
	env := testenv.NewWith(t, testenv.Options{LoginClient: idp.Client()})
	prov, err := env.IAM().CreateOpenIDConnectProvider(context.Background(), &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String(idp.URL), ClientIDList: []string{idp.ClientID}})
	if err != nil {
		t.Fatal(err)
	}
	var settings struct {
		Pool string `json:"identityPoolId"`
	}
	out := admin(t, env, "init", "--preset", "amplify-storage", "--bucket", "media",
		"--oidc-provider", *prov.OpenIDConnectProviderArn, "--output", "json")
	if err := json.Unmarshal([]byte(out), &settings); err != nil {
		t.Fatal(err)
	}
	login := func(sub string) map[string]string {
		return map[string]string{strings.TrimPrefix(idp.URL, "https://"): idp.Token(map[string]any{"sub": sub})}
	}
	alice := signIn(t, env, settings.Pool, login("alice"))
	bob := signIn(t, env, settings.Pool, login("bob"))
	guest := signIn(t, env, settings.Pool, nil)
	if err := putObject(env, root, "media", "public/welcome.txt"); err != nil {
		t.Fatal(err)
	}
	a, b, g := alice.creds, bob.creds, guest.creds
	checkAccess(t, env, "media", []access{
		// Each user writes their own levels and public/.
		{"alice", a, "put", "private/" + alice.id + "/diary.txt", true},
		{"alice", a, "put", "protected/" + alice.id + "/avatar.png", true},
		{"alice", a, "put", "public/alice.txt", true},
		{"bob", b, "put", "private/" + bob.id + "/diary.txt", true},
		{"bob", b, "put", "protected/" + bob.id + "/avatar.png", true},
		// … not the other's.
		{"alice", a, "put", "private/" + bob.id + "/x", false},
		{"alice", a, "put", "protected/" + bob.id + "/x", false},
		{"bob", b, "put", "protected/" + alice.id + "/x", false},
		// protected/ is for everyone to read, private/ for its owner.
		{"alice", a, "get", "protected/" + bob.id + "/avatar.png", true},
		{"alice", a, "get", "private/" + alice.id + "/diary.txt", true},
		{"alice", a, "get", "private/" + bob.id + "/diary.txt", false},
		{"bob", b, "get", "private/" + alice.id + "/diary.txt", false},
		{"bob", b, "get", "public/welcome.txt", true},
		// Listing, as Amplify's list() does, within the same bounds.
		{"alice", a, "list", "private/" + alice.id + "/", true},
		{"alice", a, "list", "protected/", true},
		{"alice", a, "list", "private/" + bob.id + "/", false},
		{"alice", a, "list", "", false},
		// Guests read public/ and protected/, write nothing.
		{"guest", g, "get", "public/welcome.txt", true},
		{"guest", g, "get", "protected/" + alice.id + "/avatar.png", true},
		{"guest", g, "get", "private/" + alice.id + "/diary.txt", false},
		{"guest", g, "list", "public/", true},
		{"guest", g, "list", "private/", false},
		{"guest", g, "put", "public/x", false},
		{"guest", g, "put", "protected/" + guest.id + "/x", false},
		{"guest", g, "put", "private/" + guest.id + "/x", false},
	})
}

func TestInitErrors(t *testing.T) {
	env := testenv.New(t)
	wicketFails(t, env, `required flag(s) "bucket" not set`, "init", "--preset", "guest-assets")
	wicketFails(t, env, `unknown preset "bogus": want one of guest-assets, amplify-storage`, "init", "--preset", "bogus", "--bucket", "photos")
	wicketFails(t, env, `invalid --output "yaml"`, "init", "--preset", "guest-assets", "--bucket", "photos", "--output", "yaml")
	wicketFails(t, env, "Invalid OpenIdConnectProviderARN", "init", "--preset", "guest-assets", "--bucket", "photos",
		"--oidc-provider", "arn:aws:iam::000000000000:oidc-provider/nowhere.example")
	// A wrong secret: the endpoint's own error, on one line.
	_, _, err := runWicket(t, "", "init", "--preset", "guest-assets", "--bucket", "photos", "--endpoint-url", env.URL,
		"--region", testenv.Region, "--access-key", testenv.Root.AccessKeyID, "--secret-key", "wrong")
	if err == nil || !strings.Contains(err.Error(), "create bucket photos: SignatureDoesNotMatch") || strings.Contains(err.Error(), "\n") {
		t.Errorf("init with a wrong secret: %v", err)
	}
	// A region the endpoint does not serve: HeadBucket's bodiless 400
	// would say only "Bad Request"; init says what is wrong.
	_, _, err = runWicket(t, "", "init", "--preset", "guest-assets", "--bucket", "photos", "--endpoint-url", env.URL,
		"--region", "eu-west-1", "--access-key", testenv.Root.AccessKeyID, "--secret-key", testenv.Root.SecretAccessKey)
	if err == nil || !strings.Contains(err.Error(), "eu-west-1") || strings.Contains(err.Error(), "\n") {
		t.Errorf("init with the wrong region: %v", err)
	}
}
