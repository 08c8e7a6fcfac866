// Package authn turns an HTTP request into the Principal that made it: it
// verifies the SigV4 signature (header or presigned query) against the
// credentials it knows, or finds the request anonymous. Handlers never check
// signatures themselves.
package authn

import (
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/sigv4"
)

// Account is the account id in the ARNs Wicket makes, as LocalStack and
// MinIO use a fixed one.
const Account = "000000000000"

// Options configure an Authenticator.
type Options struct {
	Root    wicket.RootCredentials
	Region  string
	Service string // the API this authenticator guards: s3, sts, iam, cognito-identity
	Clock   wicket.Clock
}

// Authenticator verifies requests for one API.
type Authenticator struct {
	root     wicket.RootCredentials
	clock    wicket.Clock
	verifier *sigv4.Verifier
}

// New returns an Authenticator.
func New(o Options) *Authenticator {
	a := &Authenticator{root: o.Root, clock: o.Clock}
	if a.clock == nil {
		a.clock = wicket.SystemClock{}
	}
	a.verifier = sigv4.NewVerifier(sigv4.VerifierOptions{
		Secret:  a.secret,
		Region:  o.Region,
		Service: o.Service,
	})
	return a
}

// secret is the verifier's credential lookup. The access key id is compared
// in constant time as well, so that response timing does not reveal how
// much of a guessed key id matched.
func (a *Authenticator) secret(accessKeyID, sessionToken string) (string, error) {
	if subtle.ConstantTimeCompare([]byte(accessKeyID), []byte(a.root.AccessKeyID)) == 1 {
		if sessionToken != "" {
			return "", sigv4.ErrInvalidToken
		}
		return a.root.SecretAccessKey, nil
	}
	return "", sigv4.ErrUnknownAccessKey
}

// Authenticate verifies r. payloadHash is as for sigv4.Verifier.Verify. An
// unsigned request yields the anonymous principal and a nil Auth.
func (a *Authenticator) Authenticate(r *http.Request, payloadHash string) (*wicket.Principal, *sigv4.Auth, error) {
	if !sigv4.IsSigned(r) {
		return &wicket.Principal{Type: wicket.Anonymous, ARN: "*"}, nil, nil
	}
	auth, err := a.verifier.Verify(r, a.clock.Now(), payloadHash)
	if err != nil {
		return nil, nil, err
	}
	return &wicket.Principal{
		Type:        wicket.Root,
		ARN:         "arn:aws:iam::" + Account + ":root",
		AccessKeyID: auth.AccessKeyID,
	}, auth, nil
}

// SigningKey returns the SigV4 signing key of an access key for one date
// (YYYYMMDD), region and service, and the principal the key belongs to. It
// serves signatures made over something other than the HTTP request, such
// as the policy of a browser POST upload, which S3 verifies itself. It
// fails with sigv4.ErrUnknownAccessKey, ErrInvalidToken or ErrExpiredToken
// (possibly wrapped) when the key cannot sign.
//
// Dangerous: the key is as sensitive as the secret for that day, region
// and service. Use it at once; never log it or keep it.
func (a *Authenticator) SigningKey(accessKeyID, sessionToken, date, region, service string) ([]byte, *wicket.Principal, error) {
	secret, err := a.secret(accessKeyID, sessionToken)
	if err != nil {
		return nil, nil, err
	}
	p := &wicket.Principal{Type: wicket.Root, ARN: "arn:aws:iam::" + Account + ":root", AccessKeyID: accessKeyID}
	return sigv4.SigningKey(secret, date, region, service), p, nil
}

// Now returns the authenticator's time, for callers that check expiries
// consistently with it.
func (a *Authenticator) Now() time.Time { return a.clock.Now() }
