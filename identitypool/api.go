package identitypool

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/authn"
	"github.com/wicket-io/wicket/policy"
	"github.com/wicket-io/wicket/sigv4"
)

// Authorizer decides what signed callers may do; the iam service is one.
type Authorizer interface {
	Authorize(ctx context.Context, p *wicket.Principal, r *policy.Request, resource []policy.Named) (policy.Decision, error)
}

// HandlerOptions configure the API.
type HandlerOptions struct {
	Service    *Service
	Auth       *authn.Authenticator
	Authorizer Authorizer
	Logger     *slog.Logger
}

// Handler serves the Cognito Identity API: JSON 1.1, X-Amz-Target
// AWSCognitoIdentityService.<Operation>.
type Handler struct {
	svc   *Service
	auth  *authn.Authenticator
	authz Authorizer
	log   *slog.Logger
}

// NewHandler returns the API handler.
func NewHandler(o HandlerOptions) *Handler {
	h := &Handler{svc: o.Service, auth: o.Auth, authz: o.Authorizer, log: o.Logger}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h
}

// maxBody bounds a request body: the largest is a pool's configuration or
// a Logins map of ten tokens.
const maxBody = 256 << 10

const targetPrefix = "AWSCognitoIdentityService."

// call is one request being served.
type call struct {
	ctx       context.Context
	r         *http.Request
	body      []byte
	principal *wicket.Principal // nil for the unsigned operations
	sourceIP  string
}

func (c *call) decode(v any) error {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return coded("identitypool", wicket.Invalid, "SerializationException", "The request body is not valid JSON for this operation: "+jsonProblem(err))
	}
	return nil
}

func jsonProblem(err error) string {
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		return fmt.Sprintf("field %s should be %s", te.Field, te.Type)
	}
	return "malformed JSON"
}

type operation struct {
	fn func(h *Handler, c *call) (any, error)
	// unsigned operations are open to anyone, as on AWS: the pool's
	// settings decide.
	unsigned bool
	// pool returns the pool the operation acts on, for authorization.
	pool func(c *call) string
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) { h.writeError(w, r, err) }
	if r.Method != http.MethodPost {
		fail(coded("identitypool", wicket.Invalid, "UnknownOperationException", "Only POST is supported."))
		return
	}
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, targetPrefix)
	op, known := operations[name]
	if !ok || !known {
		fail(coded("identitypool", wicket.NotImplemented, "UnknownOperationException", fmt.Sprintf("Unknown operation %s.", target)))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		fail(wicket.E("identitypool", wicket.Invalid, "The request body could not be read.", err))
		return
	}
	if len(body) > maxBody {
		fail(wicket.E("identitypool", wicket.TooLarge, fmt.Sprintf("The request body exceeds %d bytes.", maxBody)))
		return
	}
	c := &call{ctx: r.Context(), r: r, body: body, sourceIP: authn.SourceIP(r)}
	if !op.unsigned {
		sum := sha256.Sum256(body)
		p, _, err := h.auth.Authenticate(r, hex.EncodeToString(sum[:]))
		if err != nil {
			fail(authError(err))
			return
		}
		if p.Type == wicket.Anonymous {
			fail(coded("identitypool", wicket.Unauthenticated, "MissingAuthenticationTokenException", "Missing Authentication Token"))
			return
		}
		c.principal = p
		authn.Audit(h.log, r, "cognito-identity", p)
		if err := h.authorize(c, name, op); err != nil {
			fail(err)
			return
		}
	}
	out, err := op.fn(h, c)
	if err != nil {
		fail(err)
		return
	}
	if out == nil {
		out = struct{}{}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(out)
}

func (h *Handler) authorize(c *call, name string, op operation) error {
	if c.principal.Type == wicket.Root {
		return nil
	}
	res := "*"
	if op.pool != nil {
		if id := op.pool(c); id != "" {
			res = h.svc.PoolARN(id)
		}
	}
	req := &policy.Request{Action: "cognito-identity:" + name, Resource: res, Context: &policy.Context{}}
	authn.RequestKeys(req.Context, c.r, h.svc.clock.Now())
	if h.authz != nil {
		d, err := h.authz.Authorize(c.ctx, c.principal, req, nil)
		if err != nil {
			return err
		}
		if d.Allowed() {
			return nil
		}
	}
	return coded("identitypool", wicket.AccessDenied, "NotAuthorizedException",
		fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", c.principal.ARN, req.Action, res))
}

// PoolARN is the ARN of an identity pool.
func (s *Service) PoolARN(id string) string {
	region, _, _ := strings.Cut(id, ":")
	return "arn:aws:cognito-identity:" + region + ":" + s.account + ":identitypool/" + id
}

// authError turns a failed signature check into the API's exceptions.
func authError(err error) error {
	code, msg := "NotAuthorizedException", "The security token included in the request is invalid."
	if se, ok := sigv4.AsError(err); ok {
		switch se.Code {
		case sigv4.CodeSignatureDoesNotMatch:
			code, msg = "InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
		case sigv4.CodeExpiredToken:
			code, msg = "ExpiredTokenException", "The security token included in the request is expired"
		case sigv4.CodeInvalidAccessKeyID, sigv4.CodeInvalidToken:
			code = "UnrecognizedClientException"
		case sigv4.CodeRequestTimeTooSkewed:
			code, msg = "InvalidSignatureException", "Signature expired: the request time is too far from the server's time."
		case sigv4.CodeAuthorizationHeaderMalformed, sigv4.CodeAuthorizationQueryParametersError:
			code, msg = "IncompleteSignatureException", se.Message
		}
	}
	return &wicket.Error{Op: "identitypool", Kind: wicket.Unauthenticated, Code: code, Message: msg, Err: err}
}

func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	we, ok := errorTable[wicket.KindOf(err)]
	if !ok {
		we = errorTable[wicket.Internal]
	}
	if c := wicket.CodeOf(err); c != "" {
		we.code = c
	}
	if m := wicket.MessageOf(err); m != "" {
		we.message = m
	}
	if we.status >= 500 {
		h.log.Error("identity pool request failed", "request_id", wicket.RequestID(r.Context()), "err", err)
	} else {
		h.log.Debug("identity pool request refused", "request_id", wicket.RequestID(r.Context()), "code", we.code, "err", err)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", we.code)
	w.WriteHeader(we.status)
	json.NewEncoder(w).Encode(map[string]string{"__type": we.code, "message": we.message})
}
