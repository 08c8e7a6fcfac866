package iam_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/wicket-io/wicket/internal/testenv"
	"github.com/wicket-io/wicket/sigv4"
)

// rawGet signs a GET of a raw (already escaped) path with creds and
// returns the status and body, so that paths an SDK would tidy up reach
// the server as written.
func rawGet(t *testing.T, env *testenv.Env, creds aws.Credentials, rawPath string) (int, string) {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, env.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.URL.Opaque = ""
	r.URL.RawPath = rawPath
	r.URL.Path, err = urlUnescape(rawPath)
	if err != nil {
		t.Fatal(err)
	}
	err = sigv4.NewSigner().Sign(r, sigv4.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey},
		sigv4.Params{Region: testenv.Region, Service: "s3", Time: time.Now(), PayloadHash: sigv4.EmptyPayloadHash})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := env.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func urlUnescape(p string) (string, error) {
	u, err := http.NewRequest(http.MethodGet, "http://x"+p, nil)
	if err != nil {
		return "", err
	}
	return u.URL.Path, nil
}

// TestPrivilegeEscalation tries the ways a user might get more than its
// policies give; every one must be denied.
func TestPrivilegeEscalation(t *testing.T) {
	env := testenv.New(t)
	root := env.S3()
	c := env.IAM()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vault")}))
	for _, k := range []string{"secret", "public/ok", "Public/upper", "a/b"} {
		if err := put(t, root, "vault", k, "content of "+k); err != nil {
			t.Fatal(err)
		}
	}

	// mallory may read vault/public/* and manage her own inline
	// policies' names only through the IAM actions she is given below.
	creds := newUser(t, env, "mallory", `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::vault/public/*"},
	  {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::vault/a/*"},
	  {"Effect":"Allow","Action":["iam:GetUser","iam:ListAttachedUserPolicies"],"Resource":"arn:aws:iam::000000000000:user/${aws:username}"}]}`)
	mi := env.IAMWith(creds)
	ms := env.S3With(creds)

	if _, err := mi.GetUser(ctx, &iam.GetUserInput{}); err != nil {
		t.Errorf("mallory reads herself: %v", err)
	}
	iamCases := []struct {
		name string
		call func() error
	}{
		{"attach AdministratorAccess to herself", func() error {
			_, err := mi.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("mallory"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
			return err
		}},
		{"put an inline policy on herself", func() error {
			_, err := mi.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("mallory"), PolicyName: aws.String("x"),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
			return err
		}},
		{"create a key for root's user", func() error {
			_, err := mi.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("admin")})
			return err
		}},
		{"create a second key for herself", func() error {
			_, err := mi.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
			return err
		}},
		{"create a user", func() error {
			_, err := mi.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("sock")})
			return err
		}},
		{"create a role she could assume", func() error {
			_, err := mi.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"),
				AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`)})
			return err
		}},
		{"read another user", func() error {
			_, err := mi.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("admin")})
			return err
		}},
		{"add herself to a group", func() error {
			_, err := mi.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("administrators"), UserName: aws.String("mallory")})
			return err
		}},
	}
	must[*iam.CreateUserOutput](t, "CreateUser admin")(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("admin")}))
	must[*iam.CreateGroupOutput](t, "CreateGroup")(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("administrators")}))
	for _, tc := range iamCases {
		if err := tc.call(); apiCode(err) != "AccessDenied" {
			t.Errorf("%s: %v, want AccessDenied", tc.name, err)
		}
	}
	at := must[*iam.ListAttachedUserPoliciesOutput](t, "ListAttachedUserPolicies")(c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("mallory")}))
	if len(at.AttachedPolicies) != 0 {
		t.Errorf("mallory has attached policies: %+v", at.AttachedPolicies)
	}

	// Keys are not paths and resources are case-sensitive: no spelling of
	// a key reaches another object.
	for _, p := range []string{
		"/vault/public/../secret",
		"/vault/public%2F..%2Fsecret",
		"/vault/public/%2E%2E/secret",
		"/vault/a/../secret",
		"/vault/a/./b/../../secret",
		"/vault/Public/upper",
		"/vault/PUBLIC/ok",
		"/vault/public",
		"/VAULT/public/ok",
		"/vault//public/ok",
		"/vault/public/ok/",
	} {
		status, body := rawGet(t, env, creds, p)
		if status == http.StatusOK || strings.Contains(body, "content of") {
			t.Errorf("GET %s = %d %q: the path reached an object it names only by trickery", p, status, body)
		}
	}
	// The honest spellings work, including percent-encoding of ordinary
	// characters, which names the same key.
	for p, want := range map[string]string{
		"/vault/public/ok":   "content of public/ok",
		"/vault/%70ublic/ok": "content of public/ok",
		"/vault/a/b":         "content of a/b",
	} {
		if status, body := rawGet(t, env, creds, p); status != http.StatusOK || body != want {
			t.Errorf("GET %s = %d %q, want %q", p, status, body, want)
		}
	}
	if _, err := get(ms, "vault", "secret"); apiCode(err) != "AccessDenied" {
		t.Errorf("mallory reads secret: %v", err)
	}

	// The NotAction trap: "everything but IAM" does not include IAM, and
	// a Deny with NotAction leaves only the named action.
	trap := newUser(t, env, "trudy", `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","NotAction":"iam:*","Resource":"*"},
	  {"Effect":"Deny","NotAction":["s3:GetObject","s3:ListAllMyBuckets"],"Resource":"*"}]}`)
	if _, err := get(env.S3With(trap), "vault", "secret"); err != nil {
		t.Errorf("trudy reads (allowed by NotAction): %v", err)
	}
	if err := put(t, env.S3With(trap), "vault", "x", "y"); apiCode(err) != "AccessDenied" {
		t.Errorf("trudy writes despite Deny NotAction: %v", err)
	}
	if _, err := env.IAMWith(trap).AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("trudy"),
		PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}); apiCode(err) != "AccessDenied" {
		t.Errorf("trudy attaches AdministratorAccess: %v", err)
	}
}

// TestDelegatedAdministration: a user allowed iam:* under a path may
// manage users there and nowhere else.
func TestDelegatedAdministration(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	must[*iam.CreateUserOutput](t, "CreateUser")(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("outsider")}))
	admin := env.IAMWith(newUser(t, env, "teamlead", `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":["iam:CreateUser","iam:DeleteUser","iam:GetUser","iam:PutUserPolicy"],"Resource":"arn:aws:iam::000000000000:user/team/*"}]}`))
	// Creating is authorized on the ARN with the request's path.
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("member"), Path: aws.String("/team/")}); err != nil {
		t.Errorf("teamlead creates /team/member: %v", err)
	}
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("stray")}); apiCode(err) != "AccessDenied" {
		t.Errorf("teamlead creates /stray: %v", err)
	}
	if _, err := admin.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("member")}); err != nil {
		t.Errorf("teamlead reads /team/member: %v", err)
	}
	if _, err := admin.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("outsider")}); apiCode(err) != "AccessDenied" {
		t.Errorf("teamlead reads /outsider: %v", err)
	}
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("outsider"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}); apiCode(err) != "AccessDenied" {
		t.Errorf("teamlead writes a policy on /outsider: %v", err)
	}
}
