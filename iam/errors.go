package iam

import (
	"net/http"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/internal/queryapi"
)

// errorTable is IAM's table from kind to wire error. Precise codes
// (NoSuchEntity, EntityAlreadyExists, DeleteConflict, LimitExceeded,
// MalformedPolicyDocument, ValidationError) ride on the error itself.
var errorTable = map[wicket.Kind]queryapi.WireError{
	wicket.Invalid:         {Status: http.StatusBadRequest, Code: "ValidationError", Message: "The request is not valid."},
	wicket.NotFound:        {Status: http.StatusNotFound, Code: "NoSuchEntity", Message: "The request was rejected because it referenced an entity that does not exist."},
	wicket.Conflict:        {Status: http.StatusConflict, Code: "EntityAlreadyExists", Message: "The request was rejected because it attempted to create a resource that already exists."},
	wicket.AccessDenied:    {Status: http.StatusForbidden, Code: "AccessDenied", Message: "Access denied."},
	wicket.Unauthenticated: {Status: http.StatusForbidden, Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid."},
	wicket.Expired:         {Status: http.StatusBadRequest, Code: "ExpiredToken", Message: "The security token included in the request is expired"},
	wicket.NotImplemented:  {Status: http.StatusBadRequest, Code: "InvalidAction", Message: "The action or operation requested is invalid."},
	wicket.TooLarge:        {Status: http.StatusRequestEntityTooLarge, Code: "RequestEntityTooLarge", Message: "The request body is too large."},
	wicket.Unavailable:     {Status: http.StatusServiceUnavailable, Code: "ServiceUnavailable", Message: "The request has failed due to a temporary failure of the server."},
	wicket.Internal:        {Status: http.StatusInternalServerError, Code: "ServiceFailure", Message: "The request processing has failed because of an unknown error, exception or failure."},
}

func coded(op string, kind wicket.Kind, code, msg string) error {
	return &wicket.Error{Op: op, Kind: kind, Code: code, Message: msg}
}

func validation(op, msg string) error { return coded(op, wicket.Invalid, "ValidationError", msg) }
func invalidInput(op, msg string) error {
	return coded(op, wicket.Invalid, "InvalidInput", msg)
}
func noSuchEntity(op, msg string) error { return coded(op, wicket.NotFound, "NoSuchEntity", msg) }
func alreadyExists(op, msg string) error {
	return coded(op, wicket.Conflict, "EntityAlreadyExists", msg)
}
func deleteConflict(op, msg string) error { return coded(op, wicket.Conflict, "DeleteConflict", msg) }
func limitExceeded(op, msg string) error  { return coded(op, wicket.Conflict, "LimitExceeded", msg) }
func malformedPolicy(op, msg string) error {
	return coded(op, wicket.Invalid, "MalformedPolicyDocument", msg)
}
