package server

import (
	"cmp"
	"encoding/json"
	"encoding/xml"
	"net/http"

	"github.com/wicket-io/wicket"
)

// wireError is how one API spells an error kind on the wire.
type wireError struct {
	status  int
	code    string
	message string // used when the error carries no message of its own
}

// The router's tables from kind to wire error, one per protocol. They cover
// only what the router and the placeholder handlers produce (a request it
// cannot place, a body that is too large, a panic); each API's own package
// owns the full table for its operations. A kind missing from a table is
// answered as Internal, since it means an error escaped where none should.
var (
	s3Errors = map[wicket.Kind]wireError{
		wicket.Invalid:        {http.StatusBadRequest, "InvalidRequest", "The request is not valid."},
		wicket.NotImplemented: {http.StatusNotImplemented, "NotImplemented", "A header you provided implies functionality that is not implemented"},
		wicket.TooLarge:       {http.StatusBadRequest, "MaxMessageLengthExceeded", "Your request was too big."},
		wicket.Internal:       {http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again."},
	}
	// Query errors follow the AWS common errors of STS and IAM; a Query
	// front end answers an oversized body 413.
	queryErrors = map[wicket.Kind]wireError{
		wicket.Invalid:        {http.StatusBadRequest, "InvalidParameterValue", "An invalid or out-of-range value was supplied for the input parameter."},
		wicket.NotImplemented: {http.StatusBadRequest, "InvalidAction", "The action or operation requested is invalid."},
		wicket.TooLarge:       {http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The request body is too large."},
		wicket.Internal:       {http.StatusInternalServerError, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure."},
	}
	// JSON errors use the Cognito Identity API's exception names.
	jsonErrors = map[wicket.Kind]wireError{
		wicket.Invalid:        {http.StatusBadRequest, "InvalidParameterException", "The request is not valid."},
		wicket.NotImplemented: {http.StatusBadRequest, "UnknownOperationException", "Unknown operation."},
		wicket.TooLarge:       {http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The request body is too large."},
		wicket.Internal:       {http.StatusInternalServerError, "InternalErrorException", "An internal error occurred."},
	}
)

// XML namespaces of the Query APIs' responses. A Query request that names
// no API is answered in STS's, the Query API that guests talk to.
const (
	stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
	iamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
)

// errorHandler answers every request with err, in the shape of api.
type errorHandler struct {
	api api
	err error
}

func (h errorHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, h.api, h.err)
}

// writeError answers r with err in the error shape of a: S3's REST-XML
// <Error>, the Query APIs' <ErrorResponse>, or JSON 1.1's __type. Only the
// client-safe parts of err (its kind, code and message) reach the client.
func writeError(w http.ResponseWriter, r *http.Request, a api, err error) {
	var table map[wicket.Kind]wireError
	switch a {
	case apiSTS, apiIAM, apiQuery:
		table = queryErrors
	case apiIdentityPool:
		table = jsonErrors
	default:
		table = s3Errors
	}
	we, ok := table[wicket.KindOf(err)]
	if !ok {
		we = table[wicket.Internal]
	}
	code := cmp.Or(wicket.CodeOf(err), we.code)
	message := cmp.Or(wicket.MessageOf(err), we.message)
	requestID := wicket.RequestID(r.Context())

	switch a {
	case apiSTS, apiIAM, apiQuery:
		writeQueryError(w, a, we.status, code, message, requestID)
	case apiIdentityPool:
		writeJSONError(w, we.status, code, message)
	default:
		writeS3Error(w, r, we.status, code, message, requestID)
	}
}

type s3ErrorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string
	Message   string
	Resource  string
	RequestID string `xml:"RequestId"`
	HostID    string `xml:"HostId"`
}

func writeS3Error(w http.ResponseWriter, r *http.Request, status int, code, message, requestID string) {
	body := s3ErrorBody{
		Code:      code,
		Message:   message,
		Resource:  r.URL.Path, // never the query: it may hold a presigned signature
		RequestID: requestID,
		HostID:    w.Header().Get("X-Amz-Id-2"),
	}
	// A HEAD response has no body; the client sees only the status.
	writeXML(w, status, "application/xml", xml.Header, body, r.Method != http.MethodHead)
}

type queryErrorBody struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Namespace string   `xml:"xmlns,attr"`
	Error     struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string `xml:"RequestId"`
}

func writeQueryError(w http.ResponseWriter, a api, status int, code, message, requestID string) {
	body := queryErrorBody{Namespace: stsNamespace, RequestID: requestID}
	if a == apiIAM {
		body.Namespace = iamNamespace
	}
	body.Error.Type = "Sender"
	if status >= 500 {
		body.Error.Type = "Receiver"
	}
	body.Error.Code = code
	body.Error.Message = message
	writeXML(w, status, "text/xml", "", body, true)
}

func writeXML(w http.ResponseWriter, status int, contentType, prolog string, body any, withBody bool) {
	out, err := xml.Marshal(body)
	if err != nil {
		// Only strings go into these bodies; this cannot happen.
		panic("server: marshalling an error body: " + err.Error())
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	if !withBody {
		return
	}
	_, _ = w.Write(append([]byte(prolog), out...))
}

func writeJSONError(w http.ResponseWriter, status int, code, message string) {
	out, err := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{code, message})
	if err != nil {
		panic("server: marshalling an error body: " + err.Error())
	}
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	// The JS and Go SDKs read the error code from this header before the
	// body, and some read only this header.
	h.Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_, _ = w.Write(out)
}
