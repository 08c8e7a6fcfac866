package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/wicket-io/wicket/internal/oidctest"
	"github.com/wicket-io/wicket/internal/testenv"
)

// credsWorld is a test endpoint with a bucket "assets" (public/logo.png and
// secret/plan.txt) and an identity pool whose guests may read public/* and
// whose users, logged in with idp, may also write private/<identity>/*:
// identitypool's flow-test setup, reduced to what creds needs.
type credsWorld struct {
	env    *testenv.Env
	pool   string
	idp    *oidctest.Provider
	idpKey string
	cache  string // the identity cache file
}

func newCredsWorld(t *testing.T) *credsWorld {
	t.Helper()
	home := isolateAWS(t)
	cacheDir := filepath.Join(home, "cache")
	t.Setenv("XDG_CACHE_HOME", cacheDir) // os.UserCacheDir on Linux and the BSDs
	idp := oidctest.NewTLS(t)
	env := testenv.NewWith(t, testenv.Options{LoginClient: idp.Client()})
	w := &credsWorld{env: env, idp: idp, idpKey: strings.TrimPrefix(idp.URL, "https://")}
	ctx := t.Context()
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
	ic := env.IAM()
	prov, err := ic.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(idp.URL), ClientIDList: []string{idp.ClientID}})
	check("CreateOpenIDConnectProvider", err)
	out, err := env.CognitoIdentity().CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String("assets pool"),
		AllowUnauthenticatedIdentities: true, OpenIdConnectProviderARNs: []string{*prov.OpenIDConnectProviderArn}})
	check("CreateIdentityPool", err)
	w.pool = *out.IdentityPoolId
	roles := map[string]string{}
	for _, r := range []struct{ name, amr, doc string }{
		{"guest", "unauthenticated", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::assets/public/*"}]}`},
		{"user", "authenticated", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::assets/private/${cognito-identity.amazonaws.com:sub}/*"}]}`},
	} {
		trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},
		  "Action":"sts:AssumeRoleWithWebIdentity",
		  "Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":%q},"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":%q}}}]}`, w.pool, r.amr)
		role, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r.name), AssumeRolePolicyDocument: aws.String(trust)})
		check("CreateRole", err)
		_, err = ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(r.name), PolicyName: aws.String("access"), PolicyDocument: aws.String(r.doc)})
		check("PutRolePolicy", err)
		roles[r.amr] = *role.Role.Arn
	}
	_, err = env.CognitoIdentity().SetIdentityPoolRoles(ctx, &ci.SetIdentityPoolRolesInput{IdentityPoolId: aws.String(w.pool), Roles: roles})
	check("SetIdentityPoolRoles", err)
	w.cache = filepath.Join(cacheDir, "wicket", "identities.json")
	return w
}

// creds runs wicket creds against the world's pool with args.
func (w *credsWorld) creds(t *testing.T, args ...string) string {
	t.Helper()
	stdout, stderr, err := runWicket(t, "", append([]string{"creds", "--pool", w.pool, "--endpoint-url", w.env.URL}, args...)...)
	if err != nil {
		t.Fatalf("wicket creds %s: %v\nstderr: %s", strings.Join(args, " "), err, stderr)
	}
	if stderr != "" {
		t.Errorf("wicket creds %s: stderr %q", strings.Join(args, " "), stderr)
	}
	return stdout
}

// read GETs a key with creds, and returns the error.
func (w *credsWorld) read(t *testing.T, creds aws.CredentialsProvider, key string) error {
	t.Helper()
	c := s3.New(s3.Options{Region: testenv.Region, Credentials: creds, HTTPClient: w.env.Client(),
		BaseEndpoint: aws.String(w.env.URL), UsePathStyle: true})
	out, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("assets"), Key: aws.String(key)})
	if err == nil {
		out.Body.Close()
	}
	return err
}

type credsJSON struct {
	IdentityID      string `json:"IdentityId"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      string
	Version         int
}

func parseCredsJSON(t *testing.T, out string) credsJSON {
	t.Helper()
	var c credsJSON
	d := json.NewDecoder(strings.NewReader(out))
	d.DisallowUnknownFields()
	if err := d.Decode(&c); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if !strings.HasPrefix(c.AccessKeyID, "ASIA") || c.SecretAccessKey == "" || c.SessionToken == "" {
		t.Errorf("credentials = %+v", c)
	}
	exp, err := time.Parse(time.RFC3339, c.Expiration)
	if err != nil || !strings.HasSuffix(c.Expiration, "Z") {
		t.Errorf("Expiration %q is not ISO 8601 in UTC: %v", c.Expiration, err)
	}
	if d := time.Until(exp); d < 55*time.Minute || d > 61*time.Minute {
		t.Errorf("credentials expire in %v, want an hour", d)
	}
	return c
}

func (c credsJSON) provider() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
}

func TestCredsFormats(t *testing.T) {
	w := newCredsWorld(t)

	// json: the credentials and the identity.
	j := parseCredsJSON(t, w.creds(t, "--format", "json"))
	if !strings.HasPrefix(j.IdentityID, "us-east-1:") || j.Version != 0 {
		t.Errorf("json = %+v", j)
	}
	if err := w.read(t, j.provider(), "public/logo.png"); err != nil {
		t.Errorf("json credentials read public: %v", err)
	}
	if err := w.read(t, j.provider(), "secret/plan.txt"); err == nil {
		t.Errorf("json credentials read secret")
	}

	// process: exactly the fields credential_process takes, on one line.
	out := w.creds(t, "--format", "process")
	want := regexp.MustCompile(`^\{"Version":1,"AccessKeyId":"ASIA[A-Z0-9]+","SecretAccessKey":"[^"]+","SessionToken":"[^"]+","Expiration":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\}\n$`)
	if !want.MatchString(out) {
		t.Errorf("process output = %q", out)
	}
	p := parseCredsJSON(t, out)
	if err := w.read(t, p.provider(), "public/logo.png"); err != nil {
		t.Errorf("process credentials read public: %v", err)
	}

	// env: export lines, the default.
	out = w.creds(t)
	vars := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		kv, ok := strings.CutPrefix(line, "export ")
		k, v, ok2 := strings.Cut(kv, "=")
		if !ok || !ok2 {
			t.Fatalf("env line %q", line)
		}
		vars[k] = strings.Trim(v, "'")
	}
	keys := slices.Sorted(maps.Keys(vars))
	if want := []string{"AWS_ACCESS_KEY_ID", "AWS_CREDENTIAL_EXPIRATION", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}; !slices.Equal(keys, want) {
		t.Errorf("env sets %v, want %v", keys, want)
	}
	env := credentials.NewStaticCredentialsProvider(vars["AWS_ACCESS_KEY_ID"], vars["AWS_SECRET_ACCESS_KEY"], vars["AWS_SESSION_TOKEN"])
	if err := w.read(t, env, "public/logo.png"); err != nil {
		t.Errorf("env credentials read public: %v", err)
	}
}

func TestCredsCacheKeepsOneIdentity(t *testing.T) {
	w := newCredsWorld(t)
	first := parseCredsJSON(t, w.creds(t, "--format", "json"))
	second := parseCredsJSON(t, w.creds(t, "--format", "json"))
	if first.IdentityID != second.IdentityID {
		t.Errorf("two runs, two identities: %s, %s", first.IdentityID, second.IdentityID)
	}
	if first.AccessKeyID == second.AccessKeyID {
		t.Errorf("two runs, one set of credentials: each run should get fresh ones")
	}
	fi, err := os.Stat(w.cache)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", w.cache, fi.Mode().Perm())
	}
	b, _ := os.ReadFile(w.cache)
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil || m[w.env.URL+" "+w.pool] != first.IdentityID {
		t.Errorf("cache file = %s (%v)", b, err)
	}

	// --no-cache neither reads nor writes it.
	other := parseCredsJSON(t, w.creds(t, "--format", "json", "--no-cache"))
	if other.IdentityID == first.IdentityID {
		t.Errorf("--no-cache used the cached identity")
	}
	if after, _ := os.ReadFile(w.cache); string(after) != string(b) {
		t.Errorf("--no-cache changed the cache: %s", after)
	}

	// A file that is not JSON is warned of and replaced.
	if err := os.WriteFile(w.cache, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := runWicket(t, "", "creds", "--pool", w.pool, "--endpoint-url", w.env.URL, "--format", "json")
	if err != nil || !strings.Contains(stderr, "warning: identity cache") {
		t.Errorf("corrupt cache: err %v, stderr %q", err, stderr)
	}
	fresh := parseCredsJSON(t, stdout)
	if again := parseCredsJSON(t, w.creds(t, "--format", "json")); again.IdentityID != fresh.IdentityID {
		t.Errorf("after replacing a corrupt cache: %s, then %s", fresh.IdentityID, again.IdentityID)
	}
}

func TestCredsLogin(t *testing.T) {
	w := newCredsWorld(t)
	token := filepath.Join(t.TempDir(), "token.jwt")
	if err := os.WriteFile(token, []byte(w.idp.Token(map[string]any{"sub": "erin"})+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	user := parseCredsJSON(t, w.creds(t, "--format", "json", "--login", w.idpKey+"=@"+token))
	c := s3.New(s3.Options{Region: testenv.Region, Credentials: user.provider(), HTTPClient: w.env.Client(),
		BaseEndpoint: aws.String(w.env.URL), UsePathStyle: true})
	_, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("assets"), Key: aws.String("private/" + user.IdentityID + "/x"), Body: strings.NewReader("x")})
	if err != nil {
		t.Errorf("logged-in user writes her prefix: %v", err)
	}
	guest := parseCredsJSON(t, w.creds(t, "--format", "json"))
	if guest.IdentityID == user.IdentityID {
		t.Errorf("guest and user share identity %s", guest.IdentityID)
	}
	// The same login from the token itself, and the cache: the same user.
	again := parseCredsJSON(t, w.creds(t, "--format", "json", "--login", w.idpKey+"="+w.idp.Token(map[string]any{"sub": "erin"})))
	if again.IdentityID != user.IdentityID {
		t.Errorf("erin again = %s, want %s", again.IdentityID, user.IdentityID)
	}
}

// TestCredsHelperProcess is not a test: TestCredsAsCredentialProcess runs
// the test binary as a credential_process, and this is what the binary
// then does, as main would.
func TestCredsHelperProcess(t *testing.T) {
	if os.Getenv("WICKET_CREDS_HELPER") != "1" {
		t.Skip("runs only as a helper process")
	}
	i := slices.Index(os.Args, "--")
	root := newRootCmd()
	root.SetArgs(os.Args[i+1:])
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "wicket:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// TestCredsAsCredentialProcess: a profile whose credential_process is wicket
// creds makes the SDK's own configuration loader a guest of the pool.
func TestCredsAsCredentialProcess(t *testing.T) {
	w := newCredsWorld(t)
	t.Setenv("WICKET_CREDS_HELPER", "1")
	cfgFile := filepath.Join(t.TempDir(), "config")
	profile := fmt.Sprintf("[profile guest]\ncredential_process = %s -test.run=^TestCredsHelperProcess$ -- creds --pool %s --endpoint-url %s --format process\n",
		os.Args[0], w.pool, w.env.URL)
	if err := os.WriteFile(cfgFile, []byte(profile), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", cfgFile)
	load := func() aws.Config {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile("guest"), config.WithRegion(testenv.Region))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	cfg := load()
	if err := w.read(t, cfg.Credentials, "public/logo.png"); err != nil {
		t.Fatalf("credential_process guest reads public: %v", err)
	}
	if err := w.read(t, cfg.Credentials, "secret/plan.txt"); err == nil {
		t.Errorf("credential_process guest reads secret")
	}
	c, err := cfg.Credentials.Retrieve(t.Context())
	if err != nil || !c.CanExpire || time.Until(c.Expires) < 55*time.Minute {
		t.Errorf("credential_process credentials: %+v, %v", c, err)
	}
	// A second process (the next refresh) is the same identity: the cache
	// file holds one entry.
	if _, err := load().Credentials.Retrieve(t.Context()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(w.cache)
	var m map[string]string
	if err != nil || json.Unmarshal(b, &m) != nil || len(m) != 1 {
		t.Errorf("cache after two credential_process runs: %s, %v", b, err)
	}
}

func TestCredsBadInput(t *testing.T) {
	isolateAWS(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	// Nothing listens here: a mistake must be found before any call.
	const pool = "us-east-1:5b5b47a5-8d31-4f43-9a3c-3b2a1e0c1b2d"
	missing := filepath.Join(t.TempDir(), "missing.jwt")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"creds"}, "--pool is required"},
		{[]string{"creds", "--pool", "mypool"}, `invalid --pool "mypool"`},
		{[]string{"creds", "--pool", pool, "--format", "yaml"}, `invalid --format "yaml"`},
		{[]string{"creds", "--pool", pool, "--endpoint-url", "localhost:9000"}, "--endpoint-url"},
		{[]string{"creds", "--pool", pool, "--login", "accounts.google.com"}, `invalid --login "accounts.google.com"`},
		{[]string{"creds", "--pool", pool, "--login", "=token"}, "invalid --login"},
		{[]string{"creds", "--pool", pool, "--login", "a=1", "--login", "a=2"}, "--login a given twice"},
		{[]string{"creds", "--pool", pool, "--login", "a=@" + missing}, "--login a: open"},
		{[]string{"creds", "--pool", pool, "extra"}, "unknown command"},
	} {
		stdout, _, err := runWicket(t, "", tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want an error with %q", tt.args, err, tt.want)
		}
		if stdout != "" {
			t.Errorf("%q: stdout %q", tt.args, stdout)
		}
	}
	// A refusal of the endpoint is one line, with Cognito's code.
	srv := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(400)
		io.WriteString(w, `{"__type":"NotAuthorizedException","message":"Unauthenticated access is not supported for this identity pool."}`)
	})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	_, _, err := runWicket(t, "", "creds", "--pool", pool, "--endpoint-url", hs.URL)
	if err == nil || !strings.Contains(err.Error(), "NotAuthorizedException: Unauthenticated access is not supported") || strings.Contains(err.Error(), "\n") {
		t.Errorf("refused: %v", err)
	}
}

func TestCredsShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"ASIAEXAMPLE":          "ASIAEXAMPLE",
		"a+b/c==":              "a+b/c==",
		"":                     "''",
		"it's $HOME `x` \"y\"": `'it'\''s $HOME ` + "`x`" + ` "y"'`,
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
