package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/wicket-io/wicket/internal/testenv"
)

// newEndpoint starts Wicket with a bucket "assets" holding public/logo.png
// and secret/plan.txt, and a pool whose guests may read public/*, as the
// app's owner would set it up; it returns the endpoint and the pool id.
func newEndpoint(t *testing.T) (*testenv.Env, string) {
	t.Helper()
	ctx := t.Context()
	env := testenv.New(t)
	check := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	root := env.S3()
	_, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("assets")})
	check("CreateBucket", err)
	for _, k := range []string{"public/logo.png", "secret/plan.txt"} {
		_, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("assets"), Key: aws.String(k), Body: strings.NewReader("bytes of " + k)})
		check("PutObject", err)
	}
	pool, err := env.CognitoIdentity().CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String("external apps"), AllowUnauthenticatedIdentities: true})
	check("CreateIdentityPool", err)
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},
	  "Action":"sts:AssumeRoleWithWebIdentity",
	  "Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":%q},"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"unauthenticated"}}}]}`, *pool.IdentityPoolId)
	role, err := env.IAM().CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("guest"), AssumeRolePolicyDocument: aws.String(trust)})
	check("CreateRole", err)
	_, err = env.IAM().PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("guest"), PolicyName: aws.String("public"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::assets/public/*"}]}`)})
	check("PutRolePolicy", err)
	_, err = env.CognitoIdentity().SetIdentityPoolRoles(ctx, &ci.SetIdentityPoolRolesInput{IdentityPoolId: pool.IdentityPoolId,
		Roles: map[string]string{"unauthenticated": *role.Role.Arn}})
	check("SetIdentityPoolRoles", err)
	return env, *pool.IdentityPoolId
}

var report = regexp.MustCompile(`^(\d+) bytes of assets/public/logo.png; the URL works until (\S+)\n$`)

func TestExampleAppDownloadsAsGuest(t *testing.T) {
	env, pool := newEndpoint(t)
	out := filepath.Join(t.TempDir(), "logo.png")
	for _, tt := range []struct {
		expires string
		want    time.Duration // how long the URL should work
	}{
		{"15m", 15 * time.Minute},
		// Longer than the guest's credentials last: the URL dies with them.
		{"24h", time.Hour},
	} {
		var stdout bytes.Buffer
		err := run(t.Context(), []string{"-endpoint", env.URL, "-pool", pool, "-bucket", "assets", "-key", "public/logo.png",
			"-out", out, "-expires", tt.expires}, &stdout)
		if err != nil {
			t.Fatal(err)
		}
		m := report.FindStringSubmatch(stdout.String())
		if m == nil {
			t.Fatalf("stdout = %q", stdout.String())
		}
		if m[1] != "24" {
			t.Errorf("%s bytes, want 24", m[1])
		}
		until, err := time.Parse(time.RFC3339, m[2])
		if d := time.Until(until); err != nil || d < tt.want-time.Minute || d > tt.want {
			t.Errorf("-expires %s: the URL works until %s, in %v; want about %v", tt.expires, m[2], d, tt.want)
		}
		if b, _ := os.ReadFile(out); string(b) != "bytes of public/logo.png" {
			t.Errorf("-out holds %q", b)
		}
	}
}

func TestExampleAppRefusedOutsideGuestPolicy(t *testing.T) {
	env, pool := newEndpoint(t)
	out := filepath.Join(t.TempDir(), "plan.txt")
	var stdout bytes.Buffer
	err := run(t.Context(), []string{"-endpoint", env.URL, "-pool", pool, "-bucket", "assets", "-key", "secret/plan.txt", "-out", out}, &stdout)
	if err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("secret/plan.txt: %v, want a 403", err)
	}
	if _, statErr := os.Stat(out); !os.IsNotExist(statErr) {
		t.Errorf("a refused download left %s", out)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q", stdout.String())
	}
}

func TestExampleAppFlags(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-pool", "us-east-1:x", "-bucket", "assets"},
		{"-nonsense"},
	} {
		if err := run(t.Context(), args, new(bytes.Buffer)); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
