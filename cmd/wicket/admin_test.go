package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/wicket-io/wicket/internal/testenv"
)

// initPool runs init --preset guest-assets for bucket and returns the pool
// id.
func initPool(t *testing.T, env *testenv.Env, bucket string) string {
	t.Helper()
	var s struct {
		Pool string `json:"identityPoolId"`
	}
	out := admin(t, env, "init", "--preset", "guest-assets", "--bucket", bucket, "--output", "json")
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	if err := putObject(env, root, bucket, "assets/logo.png"); err != nil {
		t.Fatal(err)
	}
	return s.Pool
}

func TestRevokeCommands(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "")
	env := testenv.New(t)
	pool := initPool(t, env, "photos")
	g := signIn(t, env, pool, nil)
	other := signIn(t, env, pool, nil)
	readable := func(c aws.Credentials) bool { return getObject(env, c, "photos", "assets/logo.png") == nil }
	if !readable(g.creds) || !readable(other.creds) {
		t.Fatal("guests cannot read before any revocation")
	}

	if out := admin(t, env, "identity", "revoke", g.id); out != "revoked "+g.id+"\n" {
		t.Errorf("identity revoke printed %q", out)
	}
	if readable(g.creds) {
		t.Error("revoked identity's credentials still work")
	}
	if !readable(other.creds) {
		t.Error("another identity's credentials stopped working")
	}
	fresh := credsFor(t, env, g.id, nil)
	if !readable(fresh) {
		t.Error("new credentials after revocation do not work")
	}

	// By name, as every POOL argument may be.
	admin(t, env, "pool", "revoke", "photos guests")
	if readable(fresh) || readable(other.creds) {
		t.Error("credentials work after the pool was revoked")
	}
	if !readable(signIn(t, env, pool, nil).creds) {
		t.Error("a new guest cannot read after the pool was revoked")
	}

	wicketFails(t, env, "WicketRevokePool: ResourceNotFoundException", "pool", "revoke", "us-east-1:00000000-0000-0000-0000-000000000000")
	wicketFails(t, env, `no identity pool is named "nobody"`, "pool", "revoke", "nobody")
	_, _, err := runWicket(t, "", "identity", "revoke", g.id, "--region", testenv.Region,
		"--access-key", testenv.Root.AccessKeyID, "--secret-key", testenv.Root.SecretAccessKey)
	if err == nil || !strings.Contains(err.Error(), "WicketRevokeIdentity is Wicket's own operation") {
		t.Errorf("identity revoke without an endpoint: %v", err)
	}
	// A guest's own credentials may not revoke.
	_, _, err = runWicket(t, "", "identity", "revoke", other.id, "--endpoint-url", env.URL, "--region", testenv.Region,
		"--access-key", g.creds.AccessKeyID, "--secret-key", g.creds.SecretAccessKey, "--session-token", g.creds.SessionToken)
	if err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("identity revoke by a guest: %v", err)
	}
}

func TestPoolAndIdentityCommands(t *testing.T) {
	env := testenv.New(t)
	var created struct {
		ID   string `json:"identityPoolId"`
		Name string `json:"identityPoolName"`
	}
	if err := json.Unmarshal([]byte(admin(t, env, "pool", "create", "extra pool", "--allow-unauthenticated", "--output", "json")), &created); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.ID, "us-east-1:") || created.Name != "extra pool" {
		t.Errorf("pool create: %+v", created)
	}
	if out := admin(t, env, "pool", "list"); !strings.Contains(out, created.ID+"  extra pool") {
		t.Errorf("pool list:\n%s", out)
	}
	var d poolJSON
	if err := json.Unmarshal([]byte(admin(t, env, "pool", "describe", "extra pool", "--output", "json")), &d); err != nil {
		t.Fatal(err)
	}
	if d.ID != created.ID || !d.AllowUnauthenticated || d.AllowClassicFlow || len(d.Roles) != 0 {
		t.Errorf("pool describe: %+v", d)
	}
	if out := admin(t, env, "pool", "describe", created.ID); !strings.Contains(out, "guests allowed:  true") {
		t.Errorf("pool describe:\n%s", out)
	}

	a := signIn(t, env, initPool(t, env, "photos"), nil)
	ids := []string{a.id}
	// Identities of the new pool: GetId needs no roles.
	for range 2 {
		out, err := env.CognitoIdentity().GetId(context.Background(), &ci.GetIdInput{IdentityPoolId: aws.String(created.ID)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, *out.IdentityId)
	}
	out := admin(t, env, "identity", "list", "--pool", created.ID)
	if n := strings.Count(out, "\n"); n != 2 || strings.Count(out, "  guest  ") != 2 || strings.Contains(out, a.id) {
		t.Errorf("identity list:\n%s", out)
	}
	var listed []identityJSON
	if err := json.Unmarshal([]byte(admin(t, env, "identity", "list", "--pool", "extra pool", "--output", "json")), &listed); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 2 || listed[0].Created.IsZero() || len(listed[0].Logins) != 0 {
		t.Errorf("identity list -o json: %+v", listed)
	}
	if out := admin(t, env, "identity", "describe", ids[1]); !strings.Contains(out, "id:             "+ids[1]) || !strings.Contains(out, "logins:         guest") {
		t.Errorf("identity describe:\n%s", out)
	}
	if out := admin(t, env, "identity", "delete", ids[1], ids[2]); out != "deleted "+ids[1]+"\ndeleted "+ids[2]+"\n" {
		t.Errorf("identity delete printed %q", out)
	}
	if out := admin(t, env, "identity", "list", "--pool", created.ID); out != "" {
		t.Errorf("identity list after delete:\n%s", out)
	}
	wicketFails(t, env, "describe identity "+ids[1]+": ResourceNotFoundException", "identity", "describe", ids[1])

	admin(t, env, "pool", "delete", created.ID)
	if out := admin(t, env, "pool", "list"); strings.Contains(out, created.ID) || !strings.Contains(out, "photos guests") {
		t.Errorf("pool list after delete:\n%s", out)
	}
	wicketFails(t, env, `no identity pool is named "extra pool"`, "pool", "describe", "extra pool")
	wicketFails(t, env, "ResourceNotFoundException", "pool", "delete", created.ID)
}

func TestRoleCommands(t *testing.T) {
	env := testenv.New(t)
	dir := t.TempDir()
	write := func(name, doc string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	trust := write("trust.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`)
	read := write("read-assets.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]}`)

	if out := admin(t, env, "role", "create", "viewer", "--trust", trust, "--description", "looks"); out != "arn:aws:iam::000000000000:role/viewer\n" {
		t.Errorf("role create printed %q", out)
	}
	admin(t, env, "role", "attach", "viewer", "--policy-arn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	if out := admin(t, env, "role", "attach", "viewer", "--policy", read); out != "put policy read-assets on viewer\n" {
		t.Errorf("role attach --policy printed %q", out)
	}
	out, stderr, err := runWicket(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}`,
		adminArgs(env, "role", "attach", "viewer", "--policy", "-", "--policy-name", "no-deletes")...)
	if err != nil || out != "put policy no-deletes on viewer\n" {
		t.Errorf("role attach --policy -: %q, %v %s", out, err, stderr)
	}
	ic := env.IAM()
	ctx := context.Background()
	inline, err := ic.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("viewer")})
	if err != nil || strings.Join(inline.PolicyNames, " ") != "no-deletes read-assets" {
		t.Errorf("inline policies: %v, %v", inline, err)
	}
	attached, err := ic.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("viewer")})
	if err != nil || len(attached.AttachedPolicies) != 1 {
		t.Errorf("attached policies: %v, %v", attached, err)
	}
	if out := admin(t, env, "role", "list"); out != "viewer  arn:aws:iam::000000000000:role/viewer\n" {
		t.Errorf("role list:\n%s", out)
	}
	var roles []map[string]string
	if err := json.Unmarshal([]byte(admin(t, env, "role", "list", "--output", "json")), &roles); err != nil || len(roles) != 1 || roles[0]["description"] != "looks" {
		t.Errorf("role list -o json: %v, %v", roles, err)
	}

	wicketFails(t, env, "give one of --policy-arn and --policy", "role", "attach", "viewer")
	wicketFails(t, env, "give one of --policy-arn and --policy", "role", "attach", "viewer", "--policy", read, "--policy-arn", "x")
	wicketFails(t, env, "not a JSON document", "role", "create", "broken", "--trust", write("bad.json", "{"))
	wicketFails(t, env, "create role viewer: EntityAlreadyExists", "role", "create", "viewer", "--trust", trust)
	wicketFails(t, env, `required flag(s) "trust" not set`, "role", "create", "x")

	if out := admin(t, env, "role", "delete", "viewer"); out != "deleted viewer\n" {
		t.Errorf("role delete printed %q", out)
	}
	if _, err := ic.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("viewer")}); apiCodeOf(err) != "NoSuchEntity" {
		t.Errorf("GetRole after delete: %v", err)
	}
	wicketFails(t, env, "NoSuchEntity", "role", "delete", "viewer")
}

func TestBucketCommands(t *testing.T) {
	env := testenv.New(t)
	if out := admin(t, env, "bucket", "create", "logs"); out != "created logs\n" {
		t.Errorf("bucket create printed %q", out)
	}
	if out := admin(t, env, "bucket", "create", "logs"); out != "exists logs\n" {
		t.Errorf("bucket create again printed %q", out)
	}
	admin(t, env, "bucket", "create", "empty")
	var buckets []struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal([]byte(admin(t, env, "bucket", "list", "--output", "json")), &buckets); err != nil || len(buckets) != 2 || buckets[0].Name != "empty" {
		t.Errorf("bucket list -o json: %v, %v", buckets, err)
	}
	if out := admin(t, env, "bucket", "list"); !strings.HasPrefix(out, "empty  20") || strings.Count(out, "\n") != 2 {
		t.Errorf("bucket list:\n%s", out)
	}
	for _, k := range []string{"a", "b/c"} {
		if err := putObject(env, root, "logs", k); err != nil {
			t.Fatal(err)
		}
	}
	wicketFails(t, env, "delete bucket logs: BucketNotEmpty: The bucket you tried to delete is not empty. (--force deletes its objects first)", "bucket", "delete", "logs")
	if out := admin(t, env, "bucket", "delete", "logs", "--force"); out != "deleted 2 objects\ndeleted logs\n" {
		t.Errorf("bucket delete --force printed %q", out)
	}
	admin(t, env, "bucket", "delete", "empty")
	if out := admin(t, env, "bucket", "list"); out != "" {
		t.Errorf("bucket list after deletes:\n%s", out)
	}
	wicketFails(t, env, "NoSuchBucket", "bucket", "delete", "logs")
	wicketFails(t, env, "create bucket Bad_Name: InvalidBucketName", "bucket", "create", "Bad_Name")
}
