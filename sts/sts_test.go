package sts_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/wicket-io/wicket/internal/oidctest"
	"github.com/wicket-io/wicket/internal/testenv"
)

var ctx = context.Background()

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func check(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := apiCode(err); got != code {
		t.Errorf("%s: %v, want %s", what, err, code)
	}
}

func read(env *testenv.Env, c aws.Credentials, bucket, key string) (string, error) {
	out, err := env.S3With(c).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return "", err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return string(b), err
}

func setup(t *testing.T) *testenv.Env {
	env := testenv.New(t)
	root := env.S3()
	_, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("data")})
	check(t, "CreateBucket", err)
	for _, k := range []string{"a/1", "b/2"} {
		_, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String(k), Body: strings.NewReader("v" + k)})
		check(t, "PutObject", err)
	}
	return env
}

// oidcEnv is a server that trusts idp's TLS, with the object data/ci/log.
func oidcEnv(t *testing.T, idp *oidctest.Provider) *testenv.Env {
	t.Helper()
	env := testenv.NewWith(t, testenv.Options{LoginClient: idp.Client()})
	root := env.S3()
	_, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("data")})
	check(t, "CreateBucket", err)
	_, err = root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String("ci/log"), Body: strings.NewReader("log")})
	check(t, "PutObject", err)
	return env
}

func TestAssumeRoleWithWebIdentityFromOIDCProvider(t *testing.T) {
	idp := oidctest.NewTLS(t)
	env := oidcEnv(t, idp)
	ic := env.IAM()
	prov, err := ic.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(idp.URL), ClientIDList: []string{idp.ClientID}})
	check(t, "CreateOpenIDConnectProvider", err)
	host := strings.TrimPrefix(idp.URL, "https://")
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":%q},
	  "Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"%s:aud":%q,"%s:sub":"repo:main"}}}]}`,
		*prov.OpenIDConnectProviderArn, host, idp.ClientID, host)
	r, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ci"), AssumeRolePolicyDocument: aws.String(trust)})
	check(t, "CreateRole", err)
	_, err = ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("ci"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/ci/*"}]}`)})
	check(t, "PutRolePolicy", err)

	s := env.STS()
	out, err := s.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: r.Role.Arn, RoleSessionName: aws.String("build-1"),
		WebIdentityToken: aws.String(idp.Token(map[string]any{"sub": "repo:main"})), DurationSeconds: aws.Int32(900)})
	check(t, "AssumeRoleWithWebIdentity", err)
	c := aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretAccessKey, SessionToken: *out.Credentials.SessionToken}
	if got, err := read(env, c, "data", "ci/log"); err != nil || got != "log" {
		t.Errorf("read with web identity credentials: %q, %v", got, err)
	}
	if *out.Provider != host || *out.SubjectFromWebIdentityToken != "repo:main" {
		t.Errorf("provider %s subject %s", *out.Provider, *out.SubjectFromWebIdentityToken)
	}
	_, err = s.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: r.Role.Arn, RoleSessionName: aws.String("xx"),
		WebIdentityToken: aws.String(idp.Token(map[string]any{"sub": "repo:fork"}))})
	wantCode(t, "another subject", err, "AccessDenied")
	// With several audiences, :aud is the client the token was issued to
	// (azp), not the first audience.
	out, err = s.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: r.Role.Arn, RoleSessionName: aws.String("multi"),
		WebIdentityToken: aws.String(idp.Token(map[string]any{"sub": "repo:main", "aud": []string{"another-api", idp.ClientID}, "azp": idp.ClientID}))})
	check(t, "AssumeRoleWithWebIdentity with two audiences", err)
	if *out.Audience != idp.ClientID {
		t.Errorf("Audience of a token for two = %s, want %s", *out.Audience, idp.ClientID)
	}
	_, err = s.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: r.Role.Arn, RoleSessionName: aws.String("xx"),
		WebIdentityToken: aws.String(idp.Token(map[string]any{"sub": "repo:main"})), DurationSeconds: aws.Int32(7200)})
	wantCode(t, "longer than the role allows", err, "ValidationError")
	_, err = s.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: r.Role.Arn, RoleSessionName: aws.String("xx"),
		WebIdentityToken: aws.String(idp.TokenWith(oidctest.TokenOptions{Alg: "none", Claims: map[string]any{"sub": "repo:main"}}))})
	wantCode(t, "alg none", err, "InvalidIdentityToken")

	// A session policy narrows the role.
	out, err = s.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: r.Role.Arn, RoleSessionName: aws.String("narrow"),
		WebIdentityToken: aws.String(idp.Token(map[string]any{"sub": "repo:main"})),
		Policy:           aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/other/*"}]}`)})
	check(t, "AssumeRoleWithWebIdentity with a session policy", err)
	c = aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretAccessKey, SessionToken: *out.Credentials.SessionToken}
	_, err = read(env, c, "data", "ci/log")
	wantCode(t, "read outside the session policy", err, "AccessDenied")
}

// A provider whose issuer ends in "/", as Auth0's and Azure AD v1's do, is
// registered with the slash, and its tokens are matched to it by their
// iss: the principal is the ARN with the slash, and the condition keys are
// named by the issuer without its scheme, slash included, as on AWS
// ("tenant.auth0.com/:sub"). The same URL without the slash is another
// provider, which those tokens do not come from.
func TestAssumeRoleWithWebIdentityIssuerWithSlash(t *testing.T) {
	idp := oidctest.NewTLS(t)
	idp.SetIssuer(idp.URL + "/")
	env := oidcEnv(t, idp)
	ic := env.IAM()
	mkRole := func(name, url string) *string {
		prov, err := ic.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(url), ClientIDList: []string{idp.ClientID}})
		check(t, "CreateOpenIDConnectProvider "+url, err)
		provider := strings.TrimPrefix(url, "https://")
		if want := "arn:aws:iam::000000000000:oidc-provider/" + provider; *prov.OpenIDConnectProviderArn != want {
			t.Errorf("provider ARN %s, want %s", *prov.OpenIDConnectProviderArn, want)
		}
		trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":%q},
		  "Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"%s:aud":%q,"%s:sub":"repo:main"}}}]}`,
			*prov.OpenIDConnectProviderArn, provider, idp.ClientID, provider)
		r, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
		check(t, "CreateRole "+name, err)
		_, err = ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("p"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/ci/*"}]}`)})
		check(t, "PutRolePolicy "+name, err)
		return r.Role.Arn
	}
	withSlash := mkRole("ci", idp.URL+"/")
	without := mkRole("bare", idp.URL)

	s := env.STS()
	tok := idp.Token(map[string]any{"sub": "repo:main"})
	out, err := s.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: withSlash, RoleSessionName: aws.String("build-1"),
		WebIdentityToken: aws.String(tok)})
	check(t, "AssumeRoleWithWebIdentity", err)
	c := aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretAccessKey, SessionToken: *out.Credentials.SessionToken}
	if got, err := read(env, c, "data", "ci/log"); err != nil || got != "log" {
		t.Errorf("read with web identity credentials: %q, %v", got, err)
	}
	if want := strings.TrimPrefix(idp.URL, "https://") + "/"; *out.Provider != want {
		t.Errorf("provider %s, want %s", *out.Provider, want)
	}
	_, err = s.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: without, RoleSessionName: aws.String("build-1"),
		WebIdentityToken: aws.String(tok)})
	wantCode(t, "role of the provider without the slash", err, "AccessDenied")
}

// A provider's token is accepted up to five minutes past its exp, as IAM
// documents, and refused after.
func TestWebIdentityClockSkew(t *testing.T) {
	idp := oidctest.NewTLS(t)
	env := testenv.NewWith(t, testenv.Options{LoginClient: idp.Client()})
	ic := env.IAM()
	prov, err := ic.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(idp.URL), ClientIDList: []string{idp.ClientID}})
	check(t, "CreateOpenIDConnectProvider", err)
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":%q},"Action":"sts:AssumeRoleWithWebIdentity"}]}`,
		*prov.OpenIDConnectProviderArn)
	r, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ci"), AssumeRolePolicyDocument: aws.String(trust)})
	check(t, "CreateRole", err)

	now := time.Now()
	for _, tc := range []struct {
		expired time.Duration // how long before now the token expired
		code    string        // "" for success
	}{
		{2 * time.Minute, ""},
		{4*time.Minute + 30*time.Second, ""},
		{6 * time.Minute, "ExpiredTokenException"},
	} {
		tok := idp.Token(map[string]any{"iat": now.Add(-time.Hour).Unix(), "exp": now.Add(-tc.expired).Unix()})
		_, err := env.STS().AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: r.Role.Arn,
			RoleSessionName: aws.String("s1"), WebIdentityToken: aws.String(tok)})
		if got := apiCode(err); got != tc.code || (tc.code == "" && err != nil) {
			t.Errorf("token expired %v ago: %v, want code %q", tc.expired, err, tc.code)
		}
	}
}

func TestUserSessions(t *testing.T) {
	env := setup(t)
	ic := env.IAM()
	_, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dev")})
	check(t, "CreateUser", err)
	_, err = ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/a/*"}]}`)})
	check(t, "PutUserPolicy", err)
	k, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dev")})
	check(t, "CreateAccessKey", err)
	dev := aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}

	who, err := env.STSWith(dev).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	check(t, "GetCallerIdentity", err)
	if *who.Arn != "arn:aws:iam::000000000000:user/dev" || *who.Account != "000000000000" || !strings.HasPrefix(*who.UserId, "AIDA") {
		t.Errorf("GetCallerIdentity = %s %s %s", *who.Arn, *who.Account, *who.UserId)
	}
	rootWho, err := env.STS().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	check(t, "GetCallerIdentity root", err)
	if *rootWho.Arn != "arn:aws:iam::000000000000:root" {
		t.Errorf("root GetCallerIdentity = %s", *rootWho.Arn)
	}

	// GetSessionToken: the user's own permissions, as temporary credentials.
	st, err := env.STSWith(dev).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	check(t, "GetSessionToken", err)
	sc := aws.Credentials{AccessKeyID: *st.Credentials.AccessKeyId, SecretAccessKey: *st.Credentials.SecretAccessKey, SessionToken: *st.Credentials.SessionToken}
	if got, err := read(env, sc, "data", "a/1"); err != nil || got != "va/1" {
		t.Errorf("session reads a/1: %q %v", got, err)
	}
	_, err = read(env, sc, "data", "b/2")
	wantCode(t, "session reads b/2", err, "AccessDenied")
	_, err = env.STSWith(sc).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	wantCode(t, "GetSessionToken with session credentials", err, "AccessDenied")
	// Nor can they call IAM (AWS: only with MFA): a leaked session token
	// must not make permanent keys.
	_, err = env.IAMWith(sc).CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dev")})
	wantCode(t, "user session calls IAM", err, "InvalidClientTokenId")

	// Root's session is root for S3, but it is a session: it cannot call
	// IAM or renew itself, and it lasts at most an hour.
	rst, err := env.STS().GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(7200)})
	check(t, "root GetSessionToken of two hours", err)
	if left := time.Until(*rst.Credentials.Expiration); left > time.Hour+time.Minute || left < 59*time.Minute {
		t.Errorf("root session lasts %s, want one hour", left)
	}
	rsc := aws.Credentials{AccessKeyID: *rst.Credentials.AccessKeyId, SecretAccessKey: *rst.Credentials.SecretAccessKey, SessionToken: *rst.Credentials.SessionToken}
	if got, err := read(env, rsc, "data", "b/2"); err != nil || got != "vb/2" {
		t.Errorf("root session reads b/2: %q %v", got, err)
	}
	_, err = env.STSWith(rsc).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	wantCode(t, "root session renews itself", err, "AccessDenied")
	_, err = env.IAMWith(rsc).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mallory")})
	wantCode(t, "root session calls IAM", err, "InvalidClientTokenId")
	_, err = env.STSWith(dev).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(129601)})
	wantCode(t, "GetSessionToken over 36 hours", err, "ValidationError")

	// AssumeRole: the trust policy names the user.
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/dev"},"Action":"sts:AssumeRole"}]}`
	r, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("reader-b"), AssumeRolePolicyDocument: aws.String(trust)})
	check(t, "CreateRole", err)
	_, err = ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("reader-b"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/b/*"}]}`)})
	check(t, "PutRolePolicy", err)
	ar, err := env.STSWith(dev).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: r.Role.Arn, RoleSessionName: aws.String("s1")})
	check(t, "AssumeRole", err)
	rc := aws.Credentials{AccessKeyID: *ar.Credentials.AccessKeyId, SecretAccessKey: *ar.Credentials.SecretAccessKey, SessionToken: *ar.Credentials.SessionToken}
	if got, err := read(env, rc, "data", "b/2"); err != nil || got != "vb/2" {
		t.Errorf("role reads b/2: %q %v", got, err)
	}
	_, err = read(env, rc, "data", "a/1")
	wantCode(t, "role reads a/1", err, "AccessDenied")
	rw, err := env.STSWith(rc).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	check(t, "GetCallerIdentity role", err)
	if *rw.Arn != "arn:aws:sts::000000000000:assumed-role/reader-b/s1" {
		t.Errorf("role GetCallerIdentity = %s", *rw.Arn)
	}
	_, err = env.STS().AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: r.Role.Arn, RoleSessionName: aws.String("s1")})
	wantCode(t, "root assumes a role", err, "AccessDenied")

	// Another user, not named by the trust policy, cannot.
	_, err = ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("eve")})
	check(t, "CreateUser eve", err)
	ek, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("eve")})
	check(t, "CreateAccessKey eve", err)
	_, err = env.STSWith(aws.Credentials{AccessKeyID: *ek.AccessKey.AccessKeyId, SecretAccessKey: *ek.AccessKey.SecretAccessKey}).AssumeRole(ctx,
		&sts.AssumeRoleInput{RoleArn: r.Role.Arn, RoleSessionName: aws.String("s1")})
	wantCode(t, "eve assumes dev's role", err, "AccessDenied")

	// Tampering with any part of a session token fails.
	bad := sc
	bad.SessionToken = sc.SessionToken[:10] + string(rune(sc.SessionToken[10]^1)) + sc.SessionToken[11:]
	if _, err := read(env, bad, "data", "a/1"); err == nil {
		t.Error("a tampered session token works")
	}
	bad = sc
	bad.AccessKeyID = "ASIA" + strings.Repeat("A", 16)
	if _, err := read(env, bad, "data", "a/1"); err == nil {
		t.Error("a session token works with another access key id")
	}
}

// A RoleSessionName out of bounds is refused naming the constraint STS
// names: the length, else the pattern.
func TestSessionNameValidation(t *testing.T) {
	env := testenv.New(t)
	if _, err := env.IAM().CreateUser(t.Context(), &iam.CreateUserInput{UserName: aws.String("namer")}); err != nil {
		t.Fatal(err)
	}
	k, err := env.IAM().CreateAccessKey(t.Context(), &iam.CreateAccessKeyInput{UserName: aws.String("namer")})
	if err != nil {
		t.Fatal(err)
	}
	s := env.STSWith(aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey})
	for name, want := range map[string]string{
		"s":                     "Member must have length greater than or equal to 2",
		strings.Repeat("n", 65): "Member must have length less than or equal to 64",
		"no spaces":             `Member must satisfy regular expression pattern: [\w+=,.@-]*`,
	} {
		_, err := s.AssumeRole(t.Context(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/none"), RoleSessionName: aws.String(name)})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationError" || !strings.HasSuffix(ae.ErrorMessage(), "failed to satisfy constraint: "+want) {
			t.Errorf("RoleSessionName %q: %v", name, err)
		}
	}
}

// Managed session policies (PolicyArns) limit a session as an inline one
// does: together, what any of them allows, within the role's permissions;
// a managed policy counts as its current default version.
func TestManagedSessionPolicies(t *testing.T) {
	env := setup(t)
	ic := env.IAM()
	dev := devSTS(t, env)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/dev"},"Action":"sts:AssumeRole"}]}`
	r, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("writer"), AssumeRolePolicyDocument: aws.String(trust)})
	check(t, "CreateRole", err)
	_, err = ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("writer"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::data/*"}]}`)})
	check(t, "PutRolePolicy", err)
	onlyA, err := ic.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("only-a"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/a/*"}]}`)})
	check(t, "CreatePolicy", err)

	assume := func(in *sts.AssumeRoleInput) (aws.Credentials, *sts.AssumeRoleOutput) {
		t.Helper()
		in.RoleArn, in.RoleSessionName = r.Role.Arn, aws.String("limited")
		out, err := dev.AssumeRole(ctx, in)
		check(t, "AssumeRole", err)
		return aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretAccessKey, SessionToken: *out.Credentials.SessionToken}, out
	}
	can := func(c aws.Credentials, op, key string) bool {
		t.Helper()
		var err error
		if op == "read" {
			_, err = read(env, c, "data", key)
		} else {
			_, err = env.S3With(c).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String(key), Body: strings.NewReader("w")})
		}
		if err != nil && apiCode(err) != "AccessDenied" {
			t.Fatalf("%s %s: %v", op, key, err)
		}
		return err == nil
	}

	ro, out := assume(&sts.AssumeRoleInput{PolicyArns: []types.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")}}})
	if !can(ro, "read", "b/2") || can(ro, "write", "b/new") {
		t.Error("a session limited to AmazonS3ReadOnlyAccess: want read and no write")
	}
	if n := packedPolicySize(out); n < 1 {
		t.Errorf("PackedPolicySize = %d, want the ARN counted", n)
	}
	// The inline policy and the managed ones allow together.
	both, _ := assume(&sts.AssumeRoleInput{PolicyArns: []types.PolicyDescriptorType{{Arn: onlyA.Policy.Arn}},
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::data/b/*"}]}`)})
	if !can(both, "read", "a/1") || can(both, "read", "b/2") || !can(both, "write", "b/new") || can(both, "write", "a/new") {
		t.Error("inline policy (write b/) with only-a (read a/): want exactly those")
	}
	// A new default version of the managed policy applies at once; once
	// deleted, it allows nothing.
	_, err = ic.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: onlyA.Policy.Arn, SetAsDefault: true,
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/b/*"}]}`)})
	check(t, "CreatePolicyVersion", err)
	managed, _ := assume(&sts.AssumeRoleInput{PolicyArns: []types.PolicyDescriptorType{{Arn: onlyA.Policy.Arn}}})
	if can(managed, "read", "a/1") || !can(managed, "read", "b/2") {
		t.Error("after the new default version: want b/ readable and a/ not")
	}
	_, err = ic.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: onlyA.Policy.Arn, VersionId: aws.String("v1")})
	check(t, "DeletePolicyVersion", err)
	_, err = ic.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: onlyA.Policy.Arn})
	check(t, "DeletePolicy", err)
	if can(managed, "read", "b/2") {
		t.Error("a session limited by a deleted managed policy still reads")
	}
	missing, _ := assume(&sts.AssumeRoleInput{PolicyArns: []types.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::000000000000:policy/never-made")}}})
	if can(missing, "read", "b/2") {
		t.Error("a session limited by a policy that does not exist reads")
	}

	var eleven []types.PolicyDescriptorType
	for i := range 11 {
		eleven = append(eleven, types.PolicyDescriptorType{Arn: aws.String(fmt.Sprintf("arn:aws:iam::000000000000:policy/p%d", i))})
	}
	for _, tc := range []struct {
		name string
		arns []types.PolicyDescriptorType
		code string
	}{
		{"eleven managed policies", eleven, "ValidationError"},
		{"not a policy ARN", []types.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::000000000000:role/writer")}}, "ValidationError"},
	} {
		_, err := dev.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: r.Role.Arn, RoleSessionName: aws.String("x1"), PolicyArns: tc.arns})
		wantCode(t, tc.name, err, tc.code)
	}
	_, err = dev.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: r.Role.Arn, RoleSessionName: aws.String("x1"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/` + strings.Repeat("x", 2100) + `"}]}`)})
	wantCode(t, "an inline policy over 2048 characters", err, "ValidationError")
	// The 2048 are characters, as STS counts; past them in bytes alone, the
	// packed size is what refuses it.
	_, err = dev.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: r.Role.Arn, RoleSessionName: aws.String("x1"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/` + strings.Repeat("é", 1100) + `"}]}`)})
	wantCode(t, "an inline policy of 1200 characters, 2300 bytes", err, "PackedPolicyTooLarge")
}

// Session tags passed to AssumeRole are the session's aws:PrincipalTag
// keys, when the trust policy allows sts:TagSession.
func TestAssumeRoleSessionTags(t *testing.T) {
	env := setup(t)
	ic := env.IAM()
	dev := devSTS(t, env)
	role := func(name, actions string) *string {
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/dev"},"Action":` + actions + `}]}`
		r, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
		check(t, "CreateRole", err)
		_, err = ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("p"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/${aws:PrincipalTag/team}/*"}]}`)})
		check(t, "PutRolePolicy", err)
		return r.Role.Arn
	}
	tagging := role("team-reader", `["sts:AssumeRole","sts:TagSession"]`)
	plain := role("plain-reader", `"sts:AssumeRole"`)
	teamA := []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}

	out, err := dev.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: tagging, RoleSessionName: aws.String("s1"), Tags: teamA})
	check(t, "AssumeRole with a session tag", err)
	c := aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretAccessKey, SessionToken: *out.Credentials.SessionToken}
	if got, err := read(env, c, "data", "a/1"); err != nil || got != "va/1" {
		t.Errorf("team a reads a/1: %q %v", got, err)
	}
	_, err = read(env, c, "data", "b/2")
	wantCode(t, "team a reads b/2", err, "AccessDenied")
	if n := packedPolicySize(out); n < 1 {
		t.Errorf("PackedPolicySize = %d, want the tag counted", n)
	}

	_, err = dev.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: plain, RoleSessionName: aws.String("s1"), Tags: teamA})
	wantCode(t, "session tags without sts:TagSession", err, "AccessDenied")
	var many []types.Tag
	for i := range 51 {
		many = append(many, types.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")})
	}
	for _, tc := range []struct {
		name string
		in   sts.AssumeRoleInput
		code string
	}{
		{"51 tags", sts.AssumeRoleInput{Tags: many}, "ValidationError"},
		{"keys differing in case", sts.AssumeRoleInput{Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}, {Key: aws.String("Team"), Value: aws.String("b")}}}, "InvalidParameterValue"},
		{"an aws: key", sts.AssumeRoleInput{Tags: []types.Tag{{Key: aws.String("aws:team"), Value: aws.String("a")}}}, "InvalidParameterValue"},
		{"a key of 128 letters over 128 bytes", sts.AssumeRoleInput{Tags: []types.Tag{{Key: aws.String(strings.Repeat("é", 128)), Value: aws.String("a")}}}, "ValidationError"},
		{"a transitive key not among the tags", sts.AssumeRoleInput{Tags: teamA, TransitiveTagKeys: []string{"project"}}, "InvalidParameterValue"},
	} {
		in := tc.in
		in.RoleArn, in.RoleSessionName = tagging, aws.String("s1")
		_, err := dev.AssumeRole(ctx, &in)
		wantCode(t, tc.name, err, tc.code)
	}
}

// devSTS makes the IAM user dev, with no policy of its own, and returns an
// STS client signing as dev.
func devSTS(t *testing.T, env *testenv.Env) *sts.Client {
	t.Helper()
	ic := env.IAM()
	_, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dev")})
	check(t, "CreateUser", err)
	k, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dev")})
	check(t, "CreateAccessKey", err)
	return env.STSWith(aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey})
}

// packedPolicySize reads AssumeRole's PackedPolicySize, which the SDK marks
// deprecated for a SessionTokenUtilization it has no field for yet.
func packedPolicySize(out *sts.AssumeRoleOutput) int32 {
	//lint:ignore SA1019 STS still sends it, and so does Wicket
	return aws.ToInt32(out.PackedPolicySize)
}
