package identitypool

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/oidc"
	"github.com/wicket-io/wicket/policy"
	"github.com/wicket-io/wicket/sts/keyring"
)

// Directory is what identity pools need of IAM: a role's trust policy and
// limits, and the registered OpenID Connect providers. The iam service is
// one.
type Directory interface {
	// RoleTrust returns a role's unique id, name, trust policy and maximum
	// session duration (seconds), or a NotFound error.
	RoleTrust(ctx context.Context, arn string) (id, name string, trust policy.Named, maxDuration int, err error)
	// OIDCProvider returns the issuer URL and client ids of a registered
	// provider, or a NotFound error.
	OIDCProvider(ctx context.Context, arn string) (issuer string, clientIDs []string, err error)
}

// Keyring issues temporary credentials and signs Wicket's OpenID tokens;
// sts/keyring's Keyring is one.
type Keyring interface {
	Issue(c keyring.Claims) (keyring.Credentials, error)
	SignJWT(claims map[string]any) (string, error)
	VerifyJWT(token string, now time.Time) (map[string]any, error)
}

// LoginVerifier checks ID tokens of external OpenID providers; oidc's
// Verifier is one.
type LoginVerifier interface {
	Verify(ctx context.Context, issuer string, audiences []string, token string) (*oidc.Token, error)
}

// Options configure a Service.
type Options struct {
	Docs      wicket.DocStore
	IAM       Directory
	Keyring   Keyring
	Logins    LoginVerifier
	Clock     wicket.Clock
	Logger    *slog.Logger
	Region    string // the region of pool ids: region:uuid
	Account   string
	Issuer    string // Wicket's OpenID issuer URL (iss of its tokens)
	Limits    Limits
	ScopeDown *policy.Policy // the guest ceiling of the enhanced flow; nil: DefaultScopeDown
}

// Limits are the guest abuse controls.
type Limits struct {
	// GetIDRate bounds GetId calls per second from one source address
	// (with a burst of GetIDBurst); 0 means no bound.
	GetIDRate  float64
	GetIDBurst int
	// MaxIdentitiesPerPool caps a pool's identities; 0 means no cap.
	MaxIdentitiesPerPool int
}

// Service is the Cognito Identity API's logic: pools, identities, logins,
// role resolution and credentials.
type Service struct {
	docs      wicket.DocStore
	iam       Directory
	keys      Keyring
	logins    LoginVerifier
	clock     wicket.Clock
	log       *slog.Logger
	region    string
	account   string
	issuer    string
	limits    Limits
	scopeDown *policy.Policy
	limiter   *limiter

	counts        counts
	poolCache     docCache[Pool]
	identityCache docCache[Identity]

	revMu   sync.RWMutex
	revoked map[string]time.Time // "pool/<id>", "identity/<id>" → not before
	revLoad sync.Once
	revErr  error
}

// New returns a Service.
func New(o Options) *Service {
	s := &Service{docs: o.Docs, iam: o.IAM, keys: o.Keyring, logins: o.Logins, clock: o.Clock, log: o.Logger,
		region: o.Region, account: o.Account, issuer: o.Issuer, limits: o.Limits, scopeDown: o.ScopeDown}
	if s.clock == nil {
		s.clock = wicket.SystemClock{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.scopeDown == nil {
		s.scopeDown = DefaultScopeDown
	}
	s.limiter = newLimiter(o.Limits.GetIDRate, o.Limits.GetIDBurst)
	return s
}

// ScopeDownName names the guest ceiling in session claims and
// explanations.
const ScopeDownName = "identity pool guest scope-down policy"

// ScopeDown returns the guest ceiling policy, for the authorizer.
func (s *Service) ScopeDown() *policy.Policy { return s.scopeDown }

// DefaultScopeDown is AWS's ceiling for unauthenticated identities in the
// enhanced flow: whatever the role allows, a guest's credentials reach
// only these services (AWS's documented list, of which Wicket serves S3;
// the rest deny nothing here since Wicket has no such APIs). IAM, STS and
// the Cognito Identity API itself are not on it.
var DefaultScopeDown = mustParse(`{"Version":"2012-10-17","Statement":[{"Sid":"GuestServices","Effect":"Allow","Action":[
 "appsync:*","cognito-sync:*","comprehend:*","dynamodb:*","ec2:CreateTags","firehose:*","gamelift:*","iot:*",
 "kinesis:*","kms:*","lambda:InvokeFunction","lex:*","logs:*","mobileanalytics:*","mobiletargeting:*",
 "personalize:*","polly:*","rekognition:*","s3:*","sagemaker:InvokeEndpoint","sdb:*","ses:*","sns:*","sqs:*",
 "textract:*","transcribe:*","translate:*","geo:*","execute-api:*","sts:GetCallerIdentity"],"Resource":"*"}]}`)

func mustParse(doc string) *policy.Policy {
	p, err := policy.Parse([]byte(doc), policy.Identity)
	if err != nil {
		panic(err)
	}
	return p
}

func (s *Service) now() time.Time { return s.clock.Now().UTC() }
