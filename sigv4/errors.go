package sigv4

import (
	"errors"
	"time"
)

// Error is a failed verification, shaped as S3 reports it: an AWS error
// code, its message and the details S3 puts in the error body. Other
// services map the code to their own (STS says InvalidClientTokenId where S3
// says InvalidAccessKeyId).
type Error struct {
	Code    string // e.g. SignatureDoesNotMatch
	Message string
	Status  int // the HTTP status S3 answers with

	// Details, set where S3 includes them in its error body.
	AccessKeyID       string
	CanonicalRequest  string // SignatureDoesNotMatch
	StringToSign      string // SignatureDoesNotMatch
	SignatureProvided string // SignatureDoesNotMatch
	Region            string // wrong region in the credential: the region expected
	RequestTime       string // RequestTimeTooSkewed, presigned URL not yet valid
	ServerTime        string // RequestTimeTooSkewed, presigned URL expired or not yet valid
	MaxSkew           time.Duration
	Expires           string // presigned URL expired or not yet valid: when it expires
	AmzExpires        string // presigned URL expired: its X-Amz-Expires
	HeadersNotSigned  string // AccessDenied for unsigned x-amz-* headers
	ArgumentName      string // InvalidArgument
	ArgumentValue     string // InvalidArgument
	Err               error  // an underlying cause, such as a lookup failure
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func (e *Error) Unwrap() error { return e.Err }

// AWS error codes this package produces.
const (
	CodeAccessDenied                      = "AccessDenied"
	CodeAuthorizationHeaderMalformed      = "AuthorizationHeaderMalformed"
	CodeAuthorizationQueryParametersError = "AuthorizationQueryParametersError"
	CodeIncompleteBody                    = "IncompleteBody"
	CodeInvalidAccessKeyID                = "InvalidAccessKeyId"
	CodeInvalidArgument                   = "InvalidArgument"
	CodeInvalidRequest                    = "InvalidRequest"
	CodeInvalidToken                      = "InvalidToken"
	CodeExpiredToken                      = "ExpiredToken"
	CodeMissingSecurityHeader             = "MissingSecurityHeader"
	CodeRequestTimeTooSkewed              = "RequestTimeTooSkewed"
	CodeSignatureDoesNotMatch             = "SignatureDoesNotMatch"
	CodeBadDigest                         = "BadDigest"
	CodeInvalidChunkSize                  = "InvalidChunkSizeError"
	CodeMalformedTrailer                  = "MalformedTrailerError"
)

// Errors a credential lookup returns (wrapped or not) to say why it has no
// secret; Verify turns them into the matching AWS error.
var (
	ErrUnknownAccessKey = errors.New("unknown access key id")
	ErrInvalidToken     = errors.New("invalid session token")
	ErrExpiredToken     = errors.New("expired session token")
)

func newError(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

// AsError returns err as an *Error when it is or wraps one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
