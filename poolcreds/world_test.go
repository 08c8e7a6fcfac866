package poolcreds_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/wicket-io/wicket/internal/oidctest"
	"github.com/wicket-io/wicket/internal/testenv"
	"github.com/wicket-io/wicket/poolcreds"
)

// The setup of identitypool's flow tests, reduced to what a client sees: a
// bucket "assets" with public/logo.png and secret/plan.txt, and a pool
// whose guests may read public/* and whose logged-in users may also read
// and write private/<their identity id>/*.

const bucket = "assets"

var assets = []string{"public/logo.png", "secret/plan.txt"}

func trustFor(pool, amr string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},
	  "Action":"sts:AssumeRoleWithWebIdentity",
	  "Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":%q},"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":%q}}}]}`, pool, amr)
}

// setUp makes the bucket, roles and pool on the endpoint with root's
// credentials and returns the pool id. idpURL, when set, is an OpenID
// provider (and clientID its audience) that the pool accepts logins of.
// It returns errors rather than failing a test, for the examples.
func setUp(ctx context.Context, endpoint string, hc *http.Client, idpURL, clientID string) (string, error) {
	cfg := aws.Config{Region: testenv.Region, HTTPClient: hc,
		Credentials: credentials.NewStaticCredentialsProvider(testenv.Root.AccessKeyID, testenv.Root.SecretAccessKey, "")}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint, o.UsePathStyle = aws.String(endpoint), true })
	ic := iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(endpoint) })
	cc := ci.NewFromConfig(cfg, func(o *ci.Options) { o.BaseEndpoint = aws.String(endpoint) })

	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return "", err
	}
	for _, k := range assets {
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader("bytes of " + k)}); err != nil {
			return "", err
		}
	}
	in := &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String("assets pool"), AllowUnauthenticatedIdentities: true}
	if idpURL != "" {
		prov, err := ic.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(idpURL), ClientIDList: []string{clientID}})
		if err != nil {
			return "", err
		}
		in.OpenIdConnectProviderARNs = []string{*prov.OpenIDConnectProviderArn}
	}
	out, err := cc.CreateIdentityPool(ctx, in)
	if err != nil {
		return "", err
	}
	pool := *out.IdentityPoolId
	roles := map[string]string{}
	for _, r := range []struct{ name, amr, doc string }{
		{"guest", "unauthenticated", `{"Version":"2012-10-17","Statement":[
		  {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::assets/public/*"}]}`},
		{"user", "authenticated", `{"Version":"2012-10-17","Statement":[
		  {"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::assets/public/*","arn:aws:s3:::assets/private/${cognito-identity.amazonaws.com:sub}/*"]},
		  {"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::assets/private/${cognito-identity.amazonaws.com:sub}/*"}]}`},
	} {
		role, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r.name), AssumeRolePolicyDocument: aws.String(trustFor(pool, r.amr))})
		if err != nil {
			return "", err
		}
		_, err = ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(r.name), PolicyName: aws.String("access"), PolicyDocument: aws.String(r.doc)})
		if err != nil {
			return "", err
		}
		roles[r.amr] = *role.Role.Arn
	}
	_, err = cc.SetIdentityPoolRoles(ctx, &ci.SetIdentityPoolRolesInput{IdentityPoolId: aws.String(pool), Roles: roles})
	return pool, err
}

// world is a test endpoint set up as setUp says, with an OpenID provider.
type world struct {
	env    *testenv.Env
	pool   string
	idp    *oidctest.Provider
	idpKey string // the provider's name in Logins maps
	calls  *counter
}

func newWorld(t *testing.T) *world {
	t.Helper()
	idp := oidctest.NewTLS(t)
	env := testenv.NewWith(t, testenv.Options{LoginClient: idp.Client()})
	pool, err := setUp(t.Context(), env.URL, env.Client(), idp.URL, idp.ClientID)
	if err != nil {
		t.Fatalf("set up: %v", err)
	}
	return &world{env: env, pool: pool, idp: idp, idpKey: strings.TrimPrefix(idp.URL, "https://"),
		calls: &counter{next: env.Client().Transport}}
}

// provider returns a Provider of the world's pool whose calls w.calls
// counts, with o's other options.
func (w *world) provider(o poolcreds.Options) *poolcreds.Provider {
	o.IdentityPoolID = w.pool
	o.Endpoint = w.env.URL
	o.HTTPClient = &http.Client{Transport: w.calls}
	return poolcreds.New(o)
}

// s3 returns an S3 client that signs with creds.
func (w *world) s3(creds aws.CredentialsProvider) *s3.Client {
	return s3.New(s3.Options{Region: testenv.Region, Credentials: creds, HTTPClient: w.env.Client(),
		BaseEndpoint: aws.String(w.env.URL), UsePathStyle: true})
}

// counter is an http.RoundTripper that counts Cognito Identity calls by
// operation, and can hold them back or fail them.
type counter struct {
	next http.RoundTripper

	mu   sync.Mutex
	n    map[string]int
	fail bool          // answer every call with a network error
	gate chan struct{} // when set, calls wait until it is closed
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSCognitoIdentityService.")
	c.mu.Lock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[op]++
	fail, gate := c.fail, c.gate
	c.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if fail {
		return nil, fmt.Errorf("test: %s refused", op)
	}
	return c.next.RoundTrip(r)
}

func (c *counter) count(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[op]
}

func (c *counter) set(fail bool, gate chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fail, c.gate = fail, gate
}

// wantCalls checks how many GetId and GetCredentialsForIdentity calls
// were made.
func (w *world) wantCalls(t *testing.T, getID, getCreds int) {
	t.Helper()
	if g, c := w.calls.count("GetId"), w.calls.count("GetCredentialsForIdentity"); g != getID || c != getCreds {
		t.Errorf("%d GetId and %d GetCredentialsForIdentity calls, want %d and %d", g, c, getID, getCreds)
	}
}

// fakeClock is a Clock that moves when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
