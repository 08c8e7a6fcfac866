package identitypool

import (
	"net/http"

	"github.com/wicket-io/wicket"
)

// wireError is how the Cognito Identity API spells an error: a JSON body
// {"__type": code, "message": …} with this status.
type wireError struct {
	status  int
	code    string
	message string
}

// errorTable turns kinds into the API's exceptions; precise codes ride on
// the errors themselves. Cognito answers nearly every client error 400.
var errorTable = map[wicket.Kind]wireError{
	wicket.Invalid:         {http.StatusBadRequest, "InvalidParameterException", "The request is not valid."},
	wicket.NotFound:        {http.StatusBadRequest, "ResourceNotFoundException", "The resource does not exist."},
	wicket.Conflict:        {http.StatusBadRequest, "ResourceConflictException", "The resource is in a conflicting state."},
	wicket.AccessDenied:    {http.StatusBadRequest, "NotAuthorizedException", "Access to the resource is denied."},
	wicket.Unauthenticated: {http.StatusBadRequest, "NotAuthorizedException", "The request is not authorized."},
	wicket.Expired:         {http.StatusBadRequest, "NotAuthorizedException", "Token expired."},
	wicket.NotImplemented:  {http.StatusBadRequest, "InvalidParameterException", "This feature is not supported."},
	wicket.TooLarge:        {http.StatusRequestEntityTooLarge, "InvalidParameterException", "The request is too large."},
	wicket.Unavailable:     {http.StatusBadRequest, "ExternalServiceException", "An external service could not be reached."},
	wicket.Internal:        {http.StatusInternalServerError, "InternalErrorException", "An internal error occurred."},
}

func coded(op string, kind wicket.Kind, code, msg string) error {
	return &wicket.Error{Op: op, Kind: kind, Code: code, Message: msg}
}

func invalidParameter(op, msg string) error {
	return coded(op, wicket.Invalid, "InvalidParameterException", msg)
}
func notFound(op, msg string) error {
	return coded(op, wicket.NotFound, "ResourceNotFoundException", msg)
}
func notAuthorized(op, msg string) error {
	return coded(op, wicket.Unauthenticated, "NotAuthorizedException", msg)
}
func conflict(op, msg string) error {
	return coded(op, wicket.Conflict, "ResourceConflictException", msg)
}
func badConfig(op string) error {
	return coded(op, wicket.Invalid, "InvalidIdentityPoolConfigurationException",
		"Invalid identity pool configuration. Check assigned IAM roles for this pool.")
}
func tooMany(op, msg string) error {
	return coded(op, wicket.Unavailable, "TooManyRequestsException", msg)
}
func limitExceeded(op, msg string) error {
	return coded(op, wicket.Conflict, "LimitExceededException", msg)
}
