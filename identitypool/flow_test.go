package identitypool_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	citypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/wicket-io/wicket/internal/oidctest"
	"github.com/wicket-io/wicket/internal/testenv"
	"github.com/wicket-io/wicket/sigv4"
)

var ctx = context.Background()

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := apiCode(err); got != code {
		t.Errorf("%s: error %v, want code %s", what, err, code)
	}
}

func check(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// world is an endpoint with a bucket of assets, an identity pool, and its
// two roles written as Amplify and AWS's console write them.
type world struct {
	env    *testenv.Env
	pool   string
	ci     *ci.Client
	guest  string // role ARNs
	user   string
	idp    *oidctest.Provider
	idpKey string // the provider's name in Logins maps
}

func trustFor(pool, amr string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},
	  "Action":"sts:AssumeRoleWithWebIdentity",
	  "Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":%q},"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":%q}}}]}`, pool, amr)
}

func newWorld(t *testing.T, classic bool) *world {
	t.Helper()
	return newWorldWith(t, classic, oidctest.NewTLS(t))
}

// newWorldWith is newWorld with the pool's OpenID provider idp, whose
// issuer is also the IAM provider's URL.
func newWorldWith(t *testing.T, classic bool, idp *oidctest.Provider) *world {
	t.Helper()
	env := testenv.NewWith(t, testenv.Options{LoginClient: idp.Client()})
	w := &world{env: env, ci: env.CognitoIdentity(), idp: idp, idpKey: strings.TrimPrefix(idp.Issuer(), "https://")}
	root := env.S3()
	_, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("assets")})
	check(t, "CreateBucket", err)
	for _, k := range []string{"public/logo.png", "secret/plan.txt"} {
		_, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("assets"), Key: aws.String(k), Body: strings.NewReader("bytes of " + k)})
		check(t, "PutObject", err)
	}
	ic := env.IAM()
	prov, err := ic.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(idp.Issuer()), ClientIDList: []string{idp.ClientID}})
	check(t, "CreateOpenIDConnectProvider", err)
	out, err := w.ci.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String("assets pool"),
		AllowUnauthenticatedIdentities: true, AllowClassicFlow: aws.Bool(classic),
		OpenIdConnectProviderARNs: []string{*prov.OpenIDConnectProviderArn}, DeveloperProviderName: aws.String("login.myapp")})
	check(t, "CreateIdentityPool", err)
	w.pool = *out.IdentityPoolId
	mkRole := func(name, amr, doc string) string {
		r, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trustFor(w.pool, amr))})
		check(t, "CreateRole "+name, err)
		_, err = ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("access"), PolicyDocument: aws.String(doc)})
		check(t, "PutRolePolicy "+name, err)
		return *r.Role.Arn
	}
	// The guest role allows more than the pool's ceiling (iam:*), which
	// the scope-down policy must take away.
	w.guest = mkRole("guest", "unauthenticated", `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::assets/public/*"},
	  {"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)
	w.user = mkRole("user", "authenticated", `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::assets/public/*","arn:aws:s3:::assets/private/${cognito-identity.amazonaws.com:sub}/*"]},
	  {"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::assets/private/${cognito-identity.amazonaws.com:sub}/*"}]}`)
	_, err = w.ci.SetIdentityPoolRoles(ctx, &ci.SetIdentityPoolRolesInput{IdentityPoolId: aws.String(w.pool),
		Roles: map[string]string{"unauthenticated": w.guest, "authenticated": w.user}})
	check(t, "SetIdentityPoolRoles", err)
	return w
}

// creds runs the enhanced flow: GetId, then GetCredentialsForIdentity.
func (w *world) creds(t *testing.T, logins map[string]string) (string, aws.Credentials) {
	t.Helper()
	id, err := w.ci.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(w.pool), Logins: logins})
	check(t, "GetId", err)
	return *id.IdentityId, w.credsFor(t, *id.IdentityId, logins)
}

func (w *world) credsFor(t *testing.T, id string, logins map[string]string) aws.Credentials {
	t.Helper()
	out, err := w.ci.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: aws.String(id), Logins: logins})
	check(t, "GetCredentialsForIdentity", err)
	if *out.IdentityId != id {
		t.Fatalf("GetCredentialsForIdentity answered for %s, asked for %s", *out.IdentityId, id)
	}
	c := out.Credentials
	return aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretKey, SessionToken: *c.SessionToken, CanExpire: true, Expires: *c.Expiration}
}

func (w *world) get(c aws.Credentials, key string) (string, error) {
	out, err := w.env.S3With(c).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("assets"), Key: aws.String(key)})
	if err != nil {
		return "", err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return string(b), err
}

func (w *world) put(c aws.Credentials, key string) error {
	_, err := w.env.S3With(c).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("assets"), Key: aws.String(key), Body: strings.NewReader("mine")})
	return err
}

// presign makes a presigned GET of key with c, the way aws4 and the SDKs do.
func (w *world) presign(t *testing.T, c aws.Credentials, key string) string {
	t.Helper()
	r, _ := http.NewRequest(http.MethodGet, w.env.URL+"/assets/"+key, nil)
	u, err := sigv4.NewSigner().Presign(r, sigv4.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken},
		sigv4.Params{Region: testenv.Region, Service: "s3", Time: time.Now(), Expires: 15 * time.Minute})
	check(t, "Presign", err)
	return u
}

func (w *world) fetch(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := w.env.Client().Get(u)
	check(t, "GET", err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// wicketCall makes a signed call of one of Wicket's own Cognito operations,
// which the SDK does not know.
func (w *world) wicketCall(t *testing.T, op, body string) int {
	t.Helper()
	r, _ := http.NewRequest(http.MethodPost, w.env.URL+"/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "AWSCognitoIdentityService."+op)
	err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: testenv.Root.AccessKeyID, SecretAccessKey: testenv.Root.SecretAccessKey},
		r, hashHex(body), "cognito-identity", testenv.Region, time.Now())
	check(t, "sign", err)
	resp, err := w.env.Client().Do(r)
	check(t, op, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestGuestFlow(t *testing.T) {
	w := newWorld(t, false)
	id, guest := w.creds(t, nil)
	if !strings.HasPrefix(id, "us-east-1:") || !strings.HasPrefix(guest.AccessKeyID, "ASIA") {
		t.Errorf("identity %s, key %s", id, guest.AccessKeyID)
	}
	if d := time.Until(guest.Expires); d < 55*time.Minute || d > 61*time.Minute {
		t.Errorf("credentials expire in %v, want an hour", d)
	}
	if got, err := w.get(guest, "public/logo.png"); err != nil || got != "bytes of public/logo.png" {
		t.Errorf("guest reads public: %q, %v", got, err)
	}
	_, err := w.get(guest, "secret/plan.txt")
	wantCode(t, "guest reads secret", err, "AccessDenied")
	wantCode(t, "guest writes", w.put(guest, "public/x"), "AccessDenied")

	// The pool's ceiling takes away what the role grants beyond it.
	_, err = w.env.IAMWith(guest).ListUsers(ctx, &iam.ListUsersInput{})
	wantCode(t, "guest calls IAM", err, "AccessDenied")

	who, err := w.env.STSWith(guest).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	check(t, "GetCallerIdentity", err)
	if *who.Arn != "arn:aws:sts::000000000000:assumed-role/guest/CognitoIdentityCredentials" {
		t.Errorf("GetCallerIdentity = %s", *who.Arn)
	}

	// A presigned URL made with the guest's credentials: loads; tampered,
	// unsigned or for a key outside the policy, refused; after the
	// identity is revoked, refused too.
	u := w.presign(t, guest, "public/logo.png")
	if code, body := w.fetch(t, u); code != 200 || body != "bytes of public/logo.png" {
		t.Errorf("presigned GET = %d %q", code, body)
	}
	if code, _ := w.fetch(t, w.env.URL+"/assets/public/logo.png"); code != 403 {
		t.Errorf("unsigned GET = %d", code)
	}
	if code, _ := w.fetch(t, w.presign(t, guest, "secret/plan.txt")); code != 403 {
		t.Errorf("presigned GET outside the policy = %d", code)
	}
	tampered := strings.Replace(u, "X-Amz-Security-Token=", "X-Amz-Security-Token=A", 1)
	if code, _ := w.fetch(t, tampered); code != 400 && code != 403 {
		t.Errorf("presigned GET with a tampered token = %d", code)
	}
	if code := w.wicketCall(t, "WicketRevokeIdentity", `{"IdentityId":"`+id+`"}`); code != 200 {
		t.Fatalf("WicketRevokeIdentity = %d", code)
	}
	if code, _ := w.fetch(t, u); code == 200 {
		t.Errorf("presigned GET after revocation = %d", code)
	}
	_, err = w.get(guest, "public/logo.png")
	if err == nil {
		t.Errorf("credentials work after revocation")
	}
	// New credentials for the same identity work again.
	fresh := w.credsFor(t, id, nil)
	if _, err := w.get(fresh, "public/logo.png"); err != nil {
		t.Errorf("fresh credentials after revocation: %v", err)
	}
	// Revoking the whole pool ends those too.
	if code := w.wicketCall(t, "WicketRevokePool", `{"IdentityPoolId":"`+w.pool+`"}`); code != 200 {
		t.Fatalf("WicketRevokePool = %d", code)
	}
	if _, err := w.get(fresh, "public/logo.png"); err == nil {
		t.Errorf("credentials work after the pool was revoked")
	}
}

func TestAuthenticatedUsersKeepToThemselves(t *testing.T) {
	w := newWorld(t, false)
	alice := map[string]string{w.idpKey: w.idp.Token(map[string]any{"sub": "alice"})}
	bob := map[string]string{w.idpKey: w.idp.Token(map[string]any{"sub": "bob"})}
	aid, ac := w.creds(t, alice)
	bid, bc := w.creds(t, bob)
	if aid == bid {
		t.Fatal("alice and bob share an identity")
	}
	check(t, "alice writes her private prefix", w.put(ac, "private/"+aid+"/notes.txt"))
	check(t, "bob writes his private prefix", w.put(bc, "private/"+bid+"/notes.txt"))
	if got, err := w.get(ac, "private/"+aid+"/notes.txt"); err != nil || got != "mine" {
		t.Errorf("alice reads her own: %q, %v", got, err)
	}
	_, err := w.get(ac, "private/"+bid+"/notes.txt")
	wantCode(t, "alice reads bob's", err, "AccessDenied")
	wantCode(t, "alice writes bob's", w.put(ac, "private/"+bid+"/x"), "AccessDenied")
	// The app's administrators (an IAM group with full access) read both.
	ic := w.env.IAM()
	_, err = ic.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("administrators")})
	check(t, "CreateGroup", err)
	_, err = ic.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("administrators"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
	check(t, "AttachGroupPolicy", err)
	_, err = ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ops")})
	check(t, "CreateUser", err)
	_, err = ic.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("administrators"), UserName: aws.String("ops")})
	check(t, "AddUserToGroup", err)
	k, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ops")})
	check(t, "CreateAccessKey", err)
	ops := aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}
	for _, key := range []string{"private/" + aid + "/notes.txt", "private/" + bid + "/notes.txt"} {
		if got, err := w.get(ops, key); err != nil || got != "mine" {
			t.Errorf("administrator reads %s: %q, %v", key, got, err)
		}
	}

	// GetId with the same login finds the same identity.
	again, err := w.ci.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(w.pool), Logins: alice})
	check(t, "GetId again", err)
	if *again.IdentityId != aid {
		t.Errorf("GetId for alice again = %s, want %s", *again.IdentityId, aid)
	}
	// An authenticated identity needs its login: without it, refused.
	_, err = w.ci.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: aws.String(aid)})
	wantCode(t, "alice's identity without logins", err, "NotAuthorizedException")
	// Bob's login on alice's identity: refused, not merged.
	_, err = w.ci.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: aws.String(aid), Logins: bob})
	if c := apiCode(err); c != "NotAuthorizedException" && c != "ResourceConflictException" {
		t.Errorf("bob's login on alice's identity: %v", err)
	}

	// A guest who logs in keeps its identity id.
	gid, _ := w.creds(t, nil)
	carol := map[string]string{w.idpKey: w.idp.Token(map[string]any{"sub": "carol"})}
	cc := w.credsFor(t, gid, carol)
	check(t, "carol writes under her guest id", w.put(cc, "private/"+gid+"/x"))
	again, err = w.ci.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(w.pool), Logins: carol})
	check(t, "GetId for carol", err)
	if *again.IdentityId != gid {
		t.Errorf("carol's identity = %s, want her guest id %s", *again.IdentityId, gid)
	}
	d, err := w.ci.DescribeIdentity(ctx, &ci.DescribeIdentityInput{IdentityId: aws.String(gid)})
	check(t, "DescribeIdentity", err)
	if len(d.Logins) != 1 || d.Logins[0] != w.idpKey {
		t.Errorf("DescribeIdentity logins = %v", d.Logins)
	}
	// Her login is now linked: another guest identity cannot take it.
	other, _ := w.creds(t, nil)
	_, err = w.ci.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: aws.String(other), Logins: carol})
	wantCode(t, "carol's login on another identity", err, "ResourceConflictException")
}

// A provider whose issuer ends in "/", as Auth0's and Azure AD v1's do, is
// registered with its URL as given and logs in under its name, the issuer
// without its scheme, final "/" included.
func TestIssuerWithSlash(t *testing.T) {
	idp := oidctest.NewTLS(t)
	idp.SetIssuer(idp.URL + "/")
	w := newWorldWith(t, false, idp)
	if !strings.HasSuffix(w.idpKey, "/") {
		t.Fatalf("login name %s", w.idpKey)
	}
	id, c := w.creds(t, map[string]string{w.idpKey: idp.Token(map[string]any{"sub": "dana"})})
	check(t, "dana writes her private prefix", w.put(c, "private/"+id+"/notes.txt"))
	who, err := w.env.STSWith(c).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	check(t, "GetCallerIdentity", err)
	if !strings.Contains(*who.Arn, ":assumed-role/user/") {
		t.Errorf("dana is %s, want the authenticated role", *who.Arn)
	}
}

func TestBadLoginTokens(t *testing.T) {
	w := newWorld(t, false)
	p := w.idp
	now := time.Now()
	for name, tok := range map[string]string{
		// "expired 2 min ago" passes STS, which allows five minutes past exp,
		// but not Cognito, seen refusing a token 146 s past it.
		"expired":            p.TokenWith(oidctest.TokenOptions{Claims: map[string]any{"exp": now.Add(-time.Hour).Unix(), "iat": now.Add(-2 * time.Hour).Unix()}}),
		"expired 2 min ago":  p.TokenWith(oidctest.TokenOptions{Claims: map[string]any{"exp": now.Add(-2 * time.Minute).Unix(), "iat": now.Add(-time.Hour).Unix()}}),
		"wrong issuer":       p.TokenWith(oidctest.TokenOptions{Claims: map[string]any{"iss": "https://evil.example.com"}}),
		"wrong audience":     p.TokenWith(oidctest.TokenOptions{Claims: map[string]any{"aud": "someone-else"}}),
		"alg none":           p.TokenWith(oidctest.TokenOptions{Alg: "none"}),
		"HS256 with the key": p.TokenWith(oidctest.TokenOptions{Alg: "HS256"}),
		"unknown kid":        p.TokenWith(oidctest.TokenOptions{KID: "nobody"}),
		"tampered payload":   tamper(p.Token(map[string]any{"sub": "mallory"})),
		"not a JWT":          "hello",
		"future iat and nbf": p.TokenWith(oidctest.TokenOptions{Claims: map[string]any{"nbf": now.Add(time.Hour).Unix(), "iat": now.Add(time.Hour).Unix()}}),
	} {
		_, err := w.ci.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(w.pool), Logins: map[string]string{w.idpKey: tok}})
		if c := apiCode(err); c != "NotAuthorizedException" {
			t.Errorf("%s: %v, want NotAuthorizedException", name, err)
		}
	}
	_, err := w.ci.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(w.pool), Logins: map[string]string{"accounts.unknown.example": p.Token(nil)}})
	wantCode(t, "a provider the pool does not have", err, "NotAuthorizedException")
}

// tamper changes one character of a JWT's payload.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	b := []byte(parts[1])
	if b[5] == 'A' {
		b[5] = 'B'
	} else {
		b[5] = 'A'
	}
	parts[1] = string(b)
	return strings.Join(parts, ".")
}

func TestPoolSettings(t *testing.T) {
	w := newWorld(t, false)
	c := w.ci
	d, err := c.DescribeIdentityPool(ctx, &ci.DescribeIdentityPoolInput{IdentityPoolId: aws.String(w.pool)})
	check(t, "DescribeIdentityPool", err)
	if *d.IdentityPoolName != "assets pool" || !d.AllowUnauthenticatedIdentities || *d.DeveloperProviderName != "login.myapp" {
		t.Errorf("DescribeIdentityPool = %+v", d)
	}
	_, err = c.DescribeIdentityPool(ctx, &ci.DescribeIdentityPoolInput{IdentityPoolId: aws.String("us-east-1:00000000-0000-0000-0000-000000000000")})
	wantCode(t, "missing pool", err, "ResourceNotFoundException")
	_, err = c.DescribeIdentityPool(ctx, &ci.DescribeIdentityPoolInput{IdentityPoolId: aws.String("not a pool id")})
	wantCode(t, "malformed pool id", err, "InvalidParameterException")

	for i := 0; i < 3; i++ {
		_, err := c.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String(fmt.Sprintf("p%d", i)), AllowUnauthenticatedIdentities: false})
		check(t, "CreateIdentityPool", err)
	}
	var all []string
	var next *string
	for {
		out, err := c.ListIdentityPools(ctx, &ci.ListIdentityPoolsInput{MaxResults: aws.Int32(2), NextToken: next})
		check(t, "ListIdentityPools", err)
		for _, p := range out.IdentityPools {
			all = append(all, *p.IdentityPoolId)
		}
		if next = out.NextToken; next == nil {
			break
		}
	}
	if len(all) != 4 {
		t.Errorf("ListIdentityPools paged through %d pools, want 4", len(all))
	}

	// Guests are off unless the pool allows them.
	_, err = c.UpdateIdentityPool(ctx, &ci.UpdateIdentityPoolInput{IdentityPoolId: aws.String(w.pool), IdentityPoolName: aws.String("assets pool"),
		AllowUnauthenticatedIdentities: false, DeveloperProviderName: aws.String("login.myapp")})
	check(t, "UpdateIdentityPool", err)
	_, err = c.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(w.pool)})
	wantCode(t, "GetId of a guest where guests are off", err, "NotAuthorizedException")

	// A role that trusts every pool is refused.
	ic := w.env.IAM()
	_, err = ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("open"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`)})
	check(t, "CreateRole open", err)
	_, err = c.SetIdentityPoolRoles(ctx, &ci.SetIdentityPoolRolesInput{IdentityPoolId: aws.String(w.pool),
		Roles: map[string]string{"unauthenticated": "arn:aws:iam::000000000000:role/open"}})
	wantCode(t, "SetIdentityPoolRoles with a role trusting every pool", err, "InvalidIdentityPoolConfigurationException")

	tags, err := c.ListTagsForResource(ctx, &ci.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:cognito-identity:us-east-1:000000000000:identitypool/" + w.pool)})
	check(t, "ListTagsForResource", err)
	if len(tags.Tags) != 0 {
		t.Errorf("tags = %v", tags.Tags)
	}
	_, err = c.DeleteIdentityPool(ctx, &ci.DeleteIdentityPoolInput{IdentityPoolId: aws.String(w.pool)})
	check(t, "DeleteIdentityPool", err)
	_, err = c.DescribeIdentityPool(ctx, &ci.DescribeIdentityPoolInput{IdentityPoolId: aws.String(w.pool)})
	wantCode(t, "deleted pool", err, "ResourceNotFoundException")
}

func TestRoleFromAnotherPoolRefused(t *testing.T) {
	w := newWorld(t, false)
	ic := w.env.IAM()
	_, err := ic.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("guest"),
		PolicyDocument: aws.String(trustFor("us-east-1:11111111-1111-1111-1111-111111111111", "unauthenticated"))})
	check(t, "UpdateAssumeRolePolicy", err)
	id, err := w.ci.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(w.pool)})
	check(t, "GetId", err)
	_, err = w.ci.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: id.IdentityId})
	wantCode(t, "credentials of a role trusting another pool", err, "InvalidIdentityPoolConfigurationException")
}

func TestBasicFlow(t *testing.T) {
	w := newWorld(t, true)
	id, err := w.ci.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(w.pool)})
	check(t, "GetId", err)
	tok, err := w.ci.GetOpenIdToken(ctx, &ci.GetOpenIdTokenInput{IdentityId: id.IdentityId})
	check(t, "GetOpenIdToken", err)
	out, err := w.env.STS().AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(w.guest),
		RoleSessionName: aws.String("basic"), WebIdentityToken: tok.Token})
	check(t, "AssumeRoleWithWebIdentity", err)
	if *out.SubjectFromWebIdentityToken != *id.IdentityId || *out.AssumedRoleUser.Arn != "arn:aws:sts::000000000000:assumed-role/guest/basic" {
		t.Errorf("AssumeRoleWithWebIdentity = subject %s, arn %s", *out.SubjectFromWebIdentityToken, *out.AssumedRoleUser.Arn)
	}
	c := aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretAccessKey, SessionToken: *out.Credentials.SessionToken}
	if _, err := w.get(c, "public/logo.png"); err != nil {
		t.Errorf("basic-flow credentials read public: %v", err)
	}
	// The guest token cannot assume the authenticated role.
	_, err = w.env.STS().AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(w.user),
		RoleSessionName: aws.String("basic"), WebIdentityToken: tok.Token})
	wantCode(t, "guest token on the authenticated role", err, "AccessDenied")
	_, err = w.env.STS().AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(w.guest),
		RoleSessionName: aws.String("basic"), WebIdentityToken: aws.String(tamper(*tok.Token))})
	wantCode(t, "tampered token", err, "InvalidIdentityToken")

	// Nor can it be laundered into a login: a guest's own token, given
	// back as a Cognito login, neither gets credentials (of the
	// authenticated role, the trust policies would admit) nor a new token.
	guestLogin := map[string]string{"cognito-identity.amazonaws.com": *tok.Token}
	_, err = w.ci.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: id.IdentityId, Logins: guestLogin})
	wantCode(t, "guest token as a login", err, "NotAuthorizedException")
	_, err = w.ci.GetOpenIdToken(ctx, &ci.GetOpenIdTokenInput{IdentityId: id.IdentityId, Logins: guestLogin})
	wantCode(t, "guest token as a login for a new token", err, "NotAuthorizedException")

	// A token outstanding when its identity is revoked or deleted makes no
	// more credentials; a token issued after the revocation does.
	assume := func(tok *string) error {
		_, err := w.env.STS().AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(w.guest),
			RoleSessionName: aws.String("basic"), WebIdentityToken: tok})
		return err
	}
	if code := w.wicketCall(t, "WicketRevokeIdentity", `{"IdentityId":"`+*id.IdentityId+`"}`); code != 200 {
		t.Fatalf("WicketRevokeIdentity: %d", code)
	}
	wantCode(t, "a token of before the revocation", assume(tok.Token), "ExpiredTokenException")
	fresh, err := w.ci.GetOpenIdToken(ctx, &ci.GetOpenIdTokenInput{IdentityId: id.IdentityId})
	check(t, "GetOpenIdToken after the revocation", err)
	check(t, "a token of after the revocation", assume(fresh.Token))
	_, err = w.ci.DeleteIdentities(ctx, &ci.DeleteIdentitiesInput{IdentityIdsToDelete: []string{*id.IdentityId}})
	check(t, "DeleteIdentities", err)
	wantCode(t, "a token of a deleted identity", assume(fresh.Token), "InvalidIdentityToken")
}

func TestClassicFlowOff(t *testing.T) {
	w := newWorld(t, false)
	id, err := w.ci.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(w.pool)})
	check(t, "GetId", err)
	_, err = w.ci.GetOpenIdToken(ctx, &ci.GetOpenIdTokenInput{IdentityId: id.IdentityId})
	wantCode(t, "GetOpenIdToken with the classic flow off", err, "NotAuthorizedException")
}

func TestDeveloperIdentities(t *testing.T) {
	w := newWorld(t, false)
	out, err := w.ci.GetOpenIdTokenForDeveloperIdentity(ctx, &ci.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: aws.String(w.pool),
		Logins: map[string]string{"login.myapp": "user-42"}})
	check(t, "GetOpenIdTokenForDeveloperIdentity", err)
	creds := w.credsFor(t, *out.IdentityId, map[string]string{"cognito-identity.amazonaws.com": *out.Token})
	check(t, "developer user writes its private prefix", w.put(creds, "private/"+*out.IdentityId+"/a"))
	look, err := w.ci.LookupDeveloperIdentity(ctx, &ci.LookupDeveloperIdentityInput{IdentityPoolId: aws.String(w.pool), DeveloperUserIdentifier: aws.String("user-42")})
	check(t, "LookupDeveloperIdentity", err)
	if *look.IdentityId != *out.IdentityId {
		t.Errorf("LookupDeveloperIdentity = %s, want %s", *look.IdentityId, *out.IdentityId)
	}
	again, err := w.ci.GetOpenIdTokenForDeveloperIdentity(ctx, &ci.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: aws.String(w.pool),
		Logins: map[string]string{"login.myapp": "user-42"}})
	check(t, "GetOpenIdTokenForDeveloperIdentity again", err)
	if *again.IdentityId != *out.IdentityId {
		t.Errorf("same developer user, new identity %s", *again.IdentityId)
	}
	// A developer token outstanding when its identity is revoked is
	// revoked too; one minted after works.
	if code := w.wicketCall(t, "WicketRevokeIdentity", `{"IdentityId":"`+*out.IdentityId+`"}`); code != 200 {
		t.Fatalf("WicketRevokeIdentity: %d", code)
	}
	_, err = w.ci.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: out.IdentityId,
		Logins: map[string]string{"cognito-identity.amazonaws.com": *out.Token}})
	wantCode(t, "a developer token of before the revocation", err, "NotAuthorizedException")
	out, err = w.ci.GetOpenIdTokenForDeveloperIdentity(ctx, &ci.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: aws.String(w.pool),
		Logins: map[string]string{"login.myapp": "user-42"}})
	check(t, "GetOpenIdTokenForDeveloperIdentity after the revocation", err)
	creds = w.credsFor(t, *out.IdentityId, map[string]string{"cognito-identity.amazonaws.com": *out.Token})

	// Wicket's own token is no login to link to a developer user.
	_, err = w.ci.GetOpenIdTokenForDeveloperIdentity(ctx, &ci.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: aws.String(w.pool),
		Logins: map[string]string{"login.myapp": "user-44", "cognito-identity.amazonaws.com": *out.Token}})
	wantCode(t, "a developer user with Wicket's own token as a login", err, "InvalidParameterException")

	// The token is for its identity only.
	other, _ := w.creds(t, nil)
	_, err = w.ci.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: aws.String(other),
		Logins: map[string]string{"cognito-identity.amazonaws.com": *out.Token}})
	wantCode(t, "developer token on another identity", err, "NotAuthorizedException")
	// Only authorized callers may vouch for developer users.
	ic := w.env.IAM()
	_, err = ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("nobody")})
	check(t, "CreateUser", err)
	k, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("nobody")})
	check(t, "CreateAccessKey", err)
	nobody := w.env.CognitoIdentityWith(aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey})
	_, err = nobody.GetOpenIdTokenForDeveloperIdentity(ctx, &ci.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: aws.String(w.pool),
		Logins: map[string]string{"login.myapp": "user-43"}})
	wantCode(t, "unauthorized developer call", err, "NotAuthorizedException")
	// Listing and deleting identities.
	ids, err := w.ci.ListIdentities(ctx, &ci.ListIdentitiesInput{IdentityPoolId: aws.String(w.pool), MaxResults: aws.Int32(60)})
	check(t, "ListIdentities", err)
	if len(ids.Identities) != 2 {
		t.Errorf("ListIdentities = %d identities, want 2", len(ids.Identities))
	}
	del, err := w.ci.DeleteIdentities(ctx, &ci.DeleteIdentitiesInput{IdentityIdsToDelete: []string{*out.IdentityId}})
	check(t, "DeleteIdentities", err)
	if len(del.UnprocessedIdentityIds) != 0 {
		t.Errorf("DeleteIdentities unprocessed = %+v", del.UnprocessedIdentityIds)
	}
	if err := w.put(creds, "private/"+*out.IdentityId+"/b"); err == nil {
		t.Error("credentials of a deleted identity still work")
	}
	_ = citypes.AmbiguousRoleResolutionTypeDeny
}

func TestGuestRateLimit(t *testing.T) {
	env := testenv.NewWith(t, testenv.Options{GuestLimits: identitypoolLimits(1, 3)})
	// No retries: the SDK retries throttling errors, which would wait the
	// limit out.
	c := env.CognitoIdentity(func(o *ci.Options) { o.RetryMaxAttempts = 1 })
	out, err := c.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String("limited"), AllowUnauthenticatedIdentities: true})
	check(t, "CreateIdentityPool", err)
	var last error
	for i := 0; i < 5; i++ {
		_, last = c.GetId(ctx, &ci.GetIdInput{IdentityPoolId: out.IdentityPoolId})
		if last != nil {
			break
		}
	}
	wantCode(t, "GetId beyond the burst", last, "TooManyRequestsException")
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestAuditLog: issuing pool credentials and every request made with them
// are logged with the identity, how it authenticated, the pool, the role
// and the source address — and never with the secret or the token.
func TestAuditLog(t *testing.T) {
	var logs syncBuffer
	env := testenv.NewWith(t, testenv.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	c := env.CognitoIdentity()
	pool, err := c.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String("audited"), AllowUnauthenticatedIdentities: true})
	check(t, "CreateIdentityPool", err)
	ic := env.IAM()
	r, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("g"), AssumeRolePolicyDocument: aws.String(trustFor(*pool.IdentityPoolId, "unauthenticated"))})
	check(t, "CreateRole", err)
	_, err = c.SetIdentityPoolRoles(ctx, &ci.SetIdentityPoolRolesInput{IdentityPoolId: pool.IdentityPoolId, Roles: map[string]string{"unauthenticated": *r.Role.Arn}})
	check(t, "SetIdentityPoolRoles", err)
	id, err := c.GetId(ctx, &ci.GetIdInput{IdentityPoolId: pool.IdentityPoolId})
	check(t, "GetId", err)
	out, err := c.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: id.IdentityId})
	check(t, "GetCredentialsForIdentity", err)
	guest := aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretKey, SessionToken: *out.Credentials.SessionToken}
	env.S3With(guest).ListBuckets(ctx, &s3.ListBucketsInput{}) // denied, and still audited

	var issued, request bool
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if strings.Contains(line, *out.Credentials.SecretKey) || strings.Contains(line, *out.Credentials.SessionToken) {
			t.Fatalf("a secret reached the log: %s", line)
		}
		switch e["msg"] {
		case "identity pool credentials issued":
			issued = e["identity_id"] == *id.IdentityId && e["pool"] == *pool.IdentityPoolId && e["role"] == *r.Role.Arn && e["source_ip"] == "127.0.0.1"
		case "request with identity pool credentials":
			request = e["identity_id"] == *id.IdentityId && e["pool"] == *pool.IdentityPoolId && e["api"] == "s3" && e["source_ip"] == "127.0.0.1" &&
				fmt.Sprint(e["amr"]) == "[unauthenticated]"
		}
	}
	if !issued || !request {
		t.Errorf("audit lines: issued %v, request %v; log:\n%s", issued, request, logs.String())
	}
}

func TestRoleMappings(t *testing.T) {
	w := newWorld(t, false)
	ic := w.env.IAM()
	admin, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("admin"), AssumeRolePolicyDocument: aws.String(trustFor(w.pool, "authenticated"))})
	check(t, "CreateRole admin", err)
	_, err = ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("admin"), PolicyName: aws.String("all"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::assets/*"}]}`)})
	check(t, "PutRolePolicy admin", err)
	adminARN := *admin.Role.Arn
	set := func(m citypes.RoleMapping) {
		t.Helper()
		_, err := w.ci.SetIdentityPoolRoles(ctx, &ci.SetIdentityPoolRolesInput{IdentityPoolId: aws.String(w.pool),
			Roles: map[string]string{"unauthenticated": w.guest, "authenticated": w.user}, RoleMappings: map[string]citypes.RoleMapping{w.idpKey: m}})
		check(t, "SetIdentityPoolRoles", err)
	}
	roleOf := func(claims map[string]any) (string, error) {
		logins := map[string]string{w.idpKey: w.idp.Token(claims)}
		id, err := w.ci.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(w.pool), Logins: logins})
		if err != nil {
			return "", err
		}
		out, err := w.ci.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: id.IdentityId, Logins: logins})
		if err != nil {
			return "", err
		}
		c := aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretKey, SessionToken: *out.Credentials.SessionToken}
		who, err := w.env.STSWith(c).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return "", err
		}
		return *who.Arn, nil
	}
	const adminSession = "arn:aws:sts::000000000000:assumed-role/admin/CognitoIdentityCredentials"
	const userSession = "arn:aws:sts::000000000000:assumed-role/user/CognitoIdentityCredentials"

	set(citypes.RoleMapping{Type: citypes.RoleMappingTypeRules, AmbiguousRoleResolution: citypes.AmbiguousRoleResolutionTypeAuthenticatedRole,
		RulesConfiguration: &citypes.RulesConfigurationType{Rules: []citypes.MappingRule{
			{Claim: aws.String("groups"), MatchType: citypes.MappingRuleMatchTypeContains, Value: aws.String("admins"), RoleARN: aws.String(adminARN)}}}})
	if arn, err := roleOf(map[string]any{"sub": "ada", "groups": []string{"staff", "admins"}}); err != nil || arn != adminSession {
		t.Errorf("Rules, matching claim: %s, %v", arn, err)
	}
	if arn, err := roleOf(map[string]any{"sub": "bea", "groups": []string{"staff"}}); err != nil || arn != userSession {
		t.Errorf("Rules, no match, AuthenticatedRole: %s, %v", arn, err)
	}
	set(citypes.RoleMapping{Type: citypes.RoleMappingTypeRules, AmbiguousRoleResolution: citypes.AmbiguousRoleResolutionTypeDeny,
		RulesConfiguration: &citypes.RulesConfigurationType{Rules: []citypes.MappingRule{
			{Claim: aws.String("email"), MatchType: citypes.MappingRuleMatchTypeStartsWith, Value: aws.String("boss@"), RoleARN: aws.String(adminARN)}}}})
	if _, err := roleOf(map[string]any{"sub": "cal", "email": "cal@example.com"}); apiCode(err) != "NotAuthorizedException" {
		t.Errorf("Rules, no match, Deny: %v", err)
	}
	set(citypes.RoleMapping{Type: citypes.RoleMappingTypeToken, AmbiguousRoleResolution: citypes.AmbiguousRoleResolutionTypeAuthenticatedRole})
	if arn, err := roleOf(map[string]any{"sub": "dee", "cognito:preferred_role": adminARN}); err != nil || arn != adminSession {
		t.Errorf("Token, preferred role: %s, %v", arn, err)
	}
	if arn, err := roleOf(map[string]any{"sub": "eve"}); err != nil || arn != userSession {
		t.Errorf("Token, no role claim: %s, %v", arn, err)
	}
	// A mapping for a provider the pool does not have is refused.
	_, err = w.ci.SetIdentityPoolRoles(ctx, &ci.SetIdentityPoolRolesInput{IdentityPoolId: aws.String(w.pool),
		Roles: map[string]string{"authenticated": w.user}, RoleMappings: map[string]citypes.RoleMapping{"accounts.google.com": {
			Type: citypes.RoleMappingTypeToken, AmbiguousRoleResolution: citypes.AmbiguousRoleResolutionTypeDeny}}})
	wantCode(t, "mapping for a foreign provider", err, "InvalidParameterException")
}

func TestUnlinkAndMerge(t *testing.T) {
	w := newWorld(t, false)
	login := map[string]string{w.idpKey: w.idp.Token(map[string]any{"sub": "fay"})}
	id, _ := w.creds(t, login)
	_, err := w.ci.UnlinkIdentity(ctx, &ci.UnlinkIdentityInput{IdentityId: aws.String(id), Logins: map[string]string{w.idpKey: w.idp.Token(map[string]any{"sub": "other"})},
		LoginsToRemove: []string{w.idpKey}})
	wantCode(t, "UnlinkIdentity with someone else's login", err, "NotAuthorizedException")
	_, err = w.ci.UnlinkIdentity(ctx, &ci.UnlinkIdentityInput{IdentityId: aws.String(id), Logins: login, LoginsToRemove: []string{w.idpKey}})
	check(t, "UnlinkIdentity", err)
	d, err := w.ci.DescribeIdentity(ctx, &ci.DescribeIdentityInput{IdentityId: aws.String(id)})
	check(t, "DescribeIdentity", err)
	if len(d.Logins) != 0 {
		t.Errorf("logins after unlink: %v", d.Logins)
	}
	// The login is free again: GetId makes a new identity for it.
	again, err := w.ci.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(w.pool), Logins: login})
	check(t, "GetId after unlink", err)
	if *again.IdentityId == id {
		t.Error("the unlinked login still finds its old identity")
	}

	// Developer identities: merge two users' identities, then unlink.
	a, err := w.ci.GetOpenIdTokenForDeveloperIdentity(ctx, &ci.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: aws.String(w.pool), Logins: map[string]string{"login.myapp": "u1"}})
	check(t, "developer u1", err)
	b, err := w.ci.GetOpenIdTokenForDeveloperIdentity(ctx, &ci.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: aws.String(w.pool), Logins: map[string]string{"login.myapp": "u2"}})
	check(t, "developer u2", err)
	m, err := w.ci.MergeDeveloperIdentities(ctx, &ci.MergeDeveloperIdentitiesInput{IdentityPoolId: aws.String(w.pool), DeveloperProviderName: aws.String("login.myapp"),
		SourceUserIdentifier: aws.String("u1"), DestinationUserIdentifier: aws.String("u2")})
	check(t, "MergeDeveloperIdentities", err)
	if *m.IdentityId != *b.IdentityId {
		t.Errorf("merged into %s, want %s", *m.IdentityId, *b.IdentityId)
	}
	look, err := w.ci.LookupDeveloperIdentity(ctx, &ci.LookupDeveloperIdentityInput{IdentityPoolId: aws.String(w.pool), DeveloperUserIdentifier: aws.String("u1")})
	check(t, "LookupDeveloperIdentity u1", err)
	if *look.IdentityId != *b.IdentityId {
		t.Errorf("u1 after merge finds %s, want %s", *look.IdentityId, *b.IdentityId)
	}
	_, err = w.ci.DescribeIdentity(ctx, &ci.DescribeIdentityInput{IdentityId: a.IdentityId})
	wantCode(t, "the merged-away identity", err, "ResourceNotFoundException")
	_, err = w.ci.UnlinkDeveloperIdentity(ctx, &ci.UnlinkDeveloperIdentityInput{IdentityPoolId: aws.String(w.pool), IdentityId: b.IdentityId,
		DeveloperProviderName: aws.String("login.myapp"), DeveloperUserIdentifier: aws.String("u2")})
	check(t, "UnlinkDeveloperIdentity", err)
	_, err = w.ci.LookupDeveloperIdentity(ctx, &ci.LookupDeveloperIdentityInput{IdentityPoolId: aws.String(w.pool), DeveloperUserIdentifier: aws.String("u2")})
	wantCode(t, "lookup after unlink", err, "ResourceNotFoundException")
}

func TestIdentityCap(t *testing.T) {
	env := testenv.NewWith(t, testenv.Options{GuestLimits: identitypoolCap(2)})
	c := env.CognitoIdentity()
	out, err := c.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String("capped"), AllowUnauthenticatedIdentities: true})
	check(t, "CreateIdentityPool", err)
	var ids []string
	for i := 0; i < 2; i++ {
		id, err := c.GetId(ctx, &ci.GetIdInput{IdentityPoolId: out.IdentityPoolId})
		check(t, "GetId", err)
		ids = append(ids, *id.IdentityId)
	}
	_, err = c.GetId(ctx, &ci.GetIdInput{IdentityPoolId: out.IdentityPoolId})
	wantCode(t, "GetId past the cap", err, "LimitExceededException")
	_, err = c.DeleteIdentities(ctx, &ci.DeleteIdentitiesInput{IdentityIdsToDelete: ids[:1]})
	check(t, "DeleteIdentities", err)
	_, err = c.GetId(ctx, &ci.GetIdInput{IdentityPoolId: out.IdentityPoolId})
	check(t, "GetId after a deletion made room", err)
}

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

// An authenticated identity asked for without logins is forbidden, in
// AWS's words; logins given but not the identity's "don't match".
func TestAuthenticatedIdentityWithoutLogins(t *testing.T) {
	w := newWorld(t, true)
	alice := map[string]string{w.idpKey: w.idp.Token(map[string]any{"sub": "alice"})}
	bob := map[string]string{w.idpKey: w.idp.Token(map[string]any{"sub": "bob"})}
	aid, _ := w.creds(t, alice)
	w.creds(t, bob)
	forbidden := fmt.Sprintf("Access to Identity '%s' is forbidden.", aid)
	mismatch := "Logins don't match. Please include at least one valid login for this identity or identity pool."
	for _, c := range []struct {
		what   string
		logins map[string]string
		msg    string
	}{
		{"no logins", nil, forbidden},
		{"bob's login", bob, mismatch},
	} {
		_, err := w.ci.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: aws.String(aid), Logins: c.logins})
		if apiCode(err) != "NotAuthorizedException" || apiMessage(err) != c.msg {
			t.Errorf("GetCredentialsForIdentity with %s: %v, want NotAuthorizedException %q", c.what, err, c.msg)
		}
		_, err = w.ci.GetOpenIdToken(ctx, &ci.GetOpenIdTokenInput{IdentityId: aws.String(aid), Logins: c.logins})
		if apiCode(err) != "NotAuthorizedException" || apiMessage(err) != c.msg {
			t.Errorf("GetOpenIdToken with %s: %v, want NotAuthorizedException %q", c.what, err, c.msg)
		}
	}
}

// GetId with a developer identity's token answers that identity, as the
// identity pool credential providers expect, and links the token to
// nothing.
func TestGetIdWithWicketToken(t *testing.T) {
	w := newWorld(t, false)
	dev, err := w.ci.GetOpenIdTokenForDeveloperIdentity(ctx, &ci.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: aws.String(w.pool),
		Logins: map[string]string{"login.myapp": "user-7"}})
	check(t, "GetOpenIdTokenForDeveloperIdentity", err)
	token := map[string]string{"cognito-identity.amazonaws.com": *dev.Token}
	id, creds := w.creds(t, token)
	if id != *dev.IdentityId {
		t.Fatalf("GetId with the token = %s, want its identity %s", id, *dev.IdentityId)
	}
	check(t, "the developer user writes its private prefix", w.put(creds, "private/"+id+"/a"))
	ids, err := w.ci.ListIdentities(ctx, &ci.ListIdentitiesInput{IdentityPoolId: aws.String(w.pool), MaxResults: aws.Int32(60)})
	check(t, "ListIdentities", err)
	if len(ids.Identities) != 1 || len(ids.Identities[0].Logins) != 1 || ids.Identities[0].Logins[0] != "login.myapp" {
		t.Errorf("identities after GetId with the token: %+v, want the developer identity alone", ids.Identities)
	}

	// Beside another login, the token says which identity that login joins.
	dora := map[string]string{w.idpKey: w.idp.Token(map[string]any{"sub": "dora"})}
	both := map[string]string{"cognito-identity.amazonaws.com": *dev.Token, w.idpKey: dora[w.idpKey]}
	got, err := w.ci.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(w.pool), Logins: both})
	check(t, "GetId with the token and dora's login", err)
	if *got.IdentityId != id {
		t.Errorf("GetId with the token and dora's login = %s, want %s", *got.IdentityId, id)
	}
	got, err = w.ci.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(w.pool), Logins: dora})
	check(t, "GetId with dora's login", err)
	if *got.IdentityId != id {
		t.Errorf("dora's login finds %s, want the identity it was linked to, %s", *got.IdentityId, id)
	}
	w.credsFor(t, id, dora) // at once: no cached copy of the identity without dora

	// A token of another pool is no login here.
	other, err := w.ci.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String("other"), AllowUnauthenticatedIdentities: true})
	check(t, "CreateIdentityPool", err)
	_, err = w.ci.GetId(ctx, &ci.GetIdInput{IdentityPoolId: other.IdentityPoolId, Logins: token})
	wantCode(t, "GetId of another pool with the token", err, "NotAuthorizedException")

	// The token of a deleted identity was revoked with it, and makes
	// nothing.
	_, err = w.ci.DeleteIdentities(ctx, &ci.DeleteIdentitiesInput{IdentityIdsToDelete: []string{id}})
	check(t, "DeleteIdentities", err)
	_, err = w.ci.GetId(ctx, &ci.GetIdInput{IdentityPoolId: aws.String(w.pool), Logins: token})
	wantCode(t, "GetId with the token of a deleted identity", err, "NotAuthorizedException")
	ids, err = w.ci.ListIdentities(ctx, &ci.ListIdentitiesInput{IdentityPoolId: aws.String(w.pool), MaxResults: aws.Int32(60)})
	check(t, "ListIdentities", err)
	if len(ids.Identities) != 0 {
		t.Errorf("identities after GetId with a deleted identity's token: %+v", ids.Identities)
	}
}

// developer registers a developer user (and other logins) and returns its
// identity and token.
func (w *world) developer(t *testing.T, user string, logins map[string]string) (string, string) {
	t.Helper()
	all := map[string]string{"login.myapp": user}
	for k, v := range logins {
		all[k] = v
	}
	out, err := w.ci.GetOpenIdTokenForDeveloperIdentity(ctx, &ci.GetOpenIdTokenForDeveloperIdentityInput{IdentityPoolId: aws.String(w.pool), Logins: all})
	check(t, "GetOpenIdTokenForDeveloperIdentity "+user, err)
	return *out.IdentityId, *out.Token
}

func (w *world) merge(source, dest string) (string, error) {
	out, err := w.ci.MergeDeveloperIdentities(ctx, &ci.MergeDeveloperIdentitiesInput{IdentityPoolId: aws.String(w.pool),
		DeveloperProviderName: aws.String("login.myapp"), SourceUserIdentifier: aws.String(source), DestinationUserIdentifier: aws.String(dest)})
	if err != nil {
		return "", err
	}
	return *out.IdentityId, nil
}

// lookupAll pages through the developer users of an identity, max at a
// time.
func (w *world) lookupAll(t *testing.T, id string, max int32) []string {
	t.Helper()
	var users []string
	var next *string
	for pages := 0; ; pages++ {
		out, err := w.ci.LookupDeveloperIdentity(ctx, &ci.LookupDeveloperIdentityInput{IdentityPoolId: aws.String(w.pool),
			IdentityId: aws.String(id), MaxResults: aws.Int32(max), NextToken: next})
		check(t, "LookupDeveloperIdentity", err)
		if *out.IdentityId != id || len(out.DeveloperUserIdentifierList) > int(max) || pages > 20 {
			t.Fatalf("LookupDeveloperIdentity %s = %s, %q", id, *out.IdentityId, out.DeveloperUserIdentifierList)
		}
		users = append(users, out.DeveloperUserIdentifierList...)
		if next = out.NextToken; next == nil {
			return users
		}
	}
}

// MergeDeveloperIdentities associates the source user with the
// destination identity: both users then log in to it, and it lists both.
func TestMergeKeepsBothUsers(t *testing.T) {
	w := newWorld(t, false)
	bobsLogin := map[string]string{w.idpKey: w.idp.Token(map[string]any{"sub": "bobby"})}
	aid, _ := w.developer(t, "alice", nil)
	bid, _ := w.developer(t, "bob", bobsLogin)
	got, err := w.merge("bob", "alice")
	check(t, "MergeDeveloperIdentities", err)
	if got != aid {
		t.Fatalf("merged into %s, want alice's identity %s", got, aid)
	}
	_, err = w.ci.DescribeIdentity(ctx, &ci.DescribeIdentityInput{IdentityId: aws.String(bid)})
	wantCode(t, "the source identity", err, "ResourceNotFoundException")

	// Both users log in to the destination identity, and get credentials.
	for _, user := range []string{"alice", "bob"} {
		id, token := w.developer(t, user, nil)
		if id != aid {
			t.Errorf("%s's token is for %s, want %s", user, id, aid)
		}
		w.credsFor(t, aid, map[string]string{"cognito-identity.amazonaws.com": token})
	}
	// So does bob's other login, which came along.
	if id, _ := w.creds(t, bobsLogin); id != aid {
		t.Errorf("bob's other login finds %s, want %s", id, aid)
	}
	d, err := w.ci.DescribeIdentity(ctx, &ci.DescribeIdentityInput{IdentityId: aws.String(aid)})
	check(t, "DescribeIdentity", err)
	if want := []string{w.idpKey, "login.myapp"}; !slices.Equal(d.Logins, want) {
		t.Errorf("DescribeIdentity logins = %q, want %q", d.Logins, want)
	}

	// The identity lists both users, a page at a time.
	for _, max := range []int32{1, 2, 60} {
		if users := w.lookupAll(t, aid, max); !slices.Equal(users, []string{"alice", "bob"}) {
			t.Errorf("LookupDeveloperIdentity by %d = %q, want alice and bob", max, users)
		}
	}
	look, err := w.ci.LookupDeveloperIdentity(ctx, &ci.LookupDeveloperIdentityInput{IdentityPoolId: aws.String(w.pool), DeveloperUserIdentifier: aws.String("bob")})
	check(t, "LookupDeveloperIdentity bob", err)
	if *look.IdentityId != aid {
		t.Errorf("bob's identity = %s, want %s", *look.IdentityId, aid)
	}
	_, err = w.ci.LookupDeveloperIdentity(ctx, &ci.LookupDeveloperIdentityInput{IdentityPoolId: aws.String(w.pool), IdentityId: aws.String(aid), MaxResults: aws.Int32(61)})
	wantCode(t, "LookupDeveloperIdentity of 61", err, "InvalidParameterException")
	_, err = w.ci.LookupDeveloperIdentity(ctx, &ci.LookupDeveloperIdentityInput{IdentityPoolId: aws.String(w.pool), IdentityId: aws.String(aid), NextToken: aws.String("not base64!")})
	wantCode(t, "LookupDeveloperIdentity with a bad token", err, "InvalidParameterException")

	// Merging two users of one identity changes nothing.
	if got, err := w.merge("alice", "bob"); err != nil || got != aid {
		t.Errorf("merging alice into bob, both of %s: %s, %v", aid, got, err)
	}
	if users := w.lookupAll(t, aid, 60); !slices.Equal(users, []string{"alice", "bob"}) {
		t.Errorf("users after merging them again = %q", users)
	}

	// Users with logins of one provider, different accounts, do not merge.
	w.developer(t, "carol", map[string]string{w.idpKey: w.idp.Token(map[string]any{"sub": "carol"})})
	_, err = w.merge("carol", "alice")
	wantCode(t, "merging two accounts of one provider", err, "ResourceConflictException")

	// Unlinking one user leaves the other.
	_, err = w.ci.UnlinkDeveloperIdentity(ctx, &ci.UnlinkDeveloperIdentityInput{IdentityPoolId: aws.String(w.pool), IdentityId: aws.String(aid),
		DeveloperProviderName: aws.String("login.myapp"), DeveloperUserIdentifier: aws.String("alice")})
	check(t, "UnlinkDeveloperIdentity alice", err)
	if users := w.lookupAll(t, aid, 60); !slices.Equal(users, []string{"bob"}) {
		t.Errorf("users after unlinking alice = %q, want bob", users)
	}
	if id, _ := w.developer(t, "bob", nil); id != aid {
		t.Errorf("bob after alice was unlinked finds %s, want %s", id, aid)
	}
	if id, _ := w.developer(t, "alice", nil); id == aid {
		t.Error("alice, unlinked, still finds the identity")
	}

	// An identity holds 20 logins at most, as Cognito's merge allows.
	for i := range 18 {
		w.developer(t, fmt.Sprint("user-", i), nil)
		_, err := w.merge(fmt.Sprint("user-", i), "bob")
		check(t, "MergeDeveloperIdentities "+fmt.Sprint("user-", i), err)
	}
	w.developer(t, "one-too-many", nil)
	_, err = w.merge("one-too-many", "bob")
	wantCode(t, "a merge past 20 logins", err, "InvalidParameterException")
}

// LookupDeveloperIdentity given both an identity and a user checks that
// they belong together, and answers the request back.
func TestLookupDeveloperIdentityBoth(t *testing.T) {
	w := newWorld(t, false)
	aid, _ := w.developer(t, "alice", nil)
	bid, _ := w.developer(t, "bob", nil)
	look := func(id, user string) (*ci.LookupDeveloperIdentityOutput, error) {
		return w.ci.LookupDeveloperIdentity(ctx, &ci.LookupDeveloperIdentityInput{IdentityPoolId: aws.String(w.pool),
			IdentityId: aws.String(id), DeveloperUserIdentifier: aws.String(user)})
	}
	out, err := look(aid, "alice")
	check(t, "LookupDeveloperIdentity alice's identity and alice", err)
	if *out.IdentityId != aid || !slices.Equal(out.DeveloperUserIdentifierList, []string{"alice"}) {
		t.Errorf("LookupDeveloperIdentity alice's identity and alice = %s, %q", *out.IdentityId, out.DeveloperUserIdentifierList)
	}
	_, err = look(aid, "bob")
	wantCode(t, "alice's identity and bob", err, "ResourceConflictException")
	_, err = look(bid, "nobody")
	wantCode(t, "bob's identity and an unknown user", err, "ResourceConflictException")
}
