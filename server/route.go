package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/wicket-io/wicket"
)

// api names the API that a request reached. Its String is the "api" label of
// the metrics and the log, and for the four AWS APIs it is also the service
// name that a SigV4 credential scope must carry to reach that API.
type api uint8

const (
	apiS3 api = iota
	apiSTS
	apiIAM
	apiIdentityPool
	apiQuery  // a Query-protocol request that names no API Wicket serves
	apiWicket // Wicket's own endpoints under /_wicket/
	apiCount
)

var apiNames = [apiCount]string{
	apiS3:           "s3",
	apiSTS:          "sts",
	apiIAM:          "iam",
	apiIdentityPool: "cognito-identity",
	apiQuery:        "query",
	apiWicket:       "wicket",
}

func (a api) String() string { return apiNames[a] }

const (
	// The Query APIs are told apart by their Version parameter, as on AWS
	// where both share the same protocol.
	stsVersion = "2011-06-15"
	iamVersion = "2010-05-08"

	// maxQueryBody bounds the form body the router reads to find Action and
	// Version. The largest legitimate Query request is an IAM policy
	// document (6 KiB for a role's inline policies, 10 KiB managed) or an
	// STS session policy, URL-encoded; 64 KiB is well above those.
	maxQueryBody = 64 << 10

	// queryBodyTimeout bounds the wait for that body: the server has no
	// overall read timeout (object bodies stream), so without it a client
	// could hold a goroutine by sending a form body one byte at a time.
	queryBodyTimeout = 30 * time.Second

	wicketPrefix = "/_wicket/"
	// wellKnownPrefix holds the OpenID issuer's documents. Bucket names
	// cannot start with '.', so no S3 request is taken for them.
	wellKnownPrefix = "/.well-known/"
)

// route picks the API of r and the handler that serves it, the way AWS
// endpoints do, from the request alone:
//
//   - a path under /_wicket/ is Wicket's own: bucket names cannot contain
//     '_', so no S3 request is ever taken for one;
//   - POST / with an X-Amz-Target header is the JSON protocol, and the only
//     JSON API here is the Cognito Identity API: it answers a target of any
//     other service with UnknownOperationException, as an AWS endpoint does;
//   - a request to / whose URL query holds Action and a known Version is a
//     Query request (STS accepts GET, which presigned GetCallerIdentity
//     URLs rely on); S3 has no Action parameter, so nothing is lost;
//   - POST / with a urlencoded form body is a Query request, STS or IAM by
//     its Version. S3 never takes a urlencoded POST (its browser uploads
//     are multipart/form-data), so a form that names no known Version is
//     still answered as Query, with the error AWS gives for it
//     (MissingAction, MissingParameter, InvalidAction), rather than with a
//     confusing S3 error;
//   - anything else is S3.
//
// To read the form, route consumes up to maxQueryBody bytes of r.Body and
// replaces r.Body with a reader that yields the whole body again.
func (s *Server) route(r *http.Request) (api, http.Handler) {
	path := r.URL.Path
	if strings.HasPrefix(path, wicketPrefix) || path == strings.TrimSuffix(wicketPrefix, "/") || strings.HasPrefix(path, wellKnownPrefix) {
		return apiWicket, s.wicket
	}
	if path != "/" {
		return apiS3, s.handlers[apiS3]
	}
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") == http.MethodPost {
		// A browser's preflight of a call to the identity-pool or STS API
		// (a page getting guest credentials). S3 has no POST on "/".
		if strings.Contains(strings.ToLower(r.Header.Get("Access-Control-Request-Headers")), "x-amz-target") {
			return apiIdentityPool, http.HandlerFunc(apiPreflight)
		}
		return apiSTS, http.HandlerFunc(apiPreflight)
	}
	if r.Method == http.MethodPost && r.Header.Get("X-Amz-Target") != "" {
		return apiIdentityPool, s.handlers[apiIdentityPool]
	}
	query := r.URL.Query()
	if query.Get("Action") != "" {
		if a, ok := queryAPI(query.Get("Version")); ok {
			return a, s.handlers[a]
		}
	}
	if r.Method != http.MethodPost || !isForm(r.Header) {
		return apiS3, s.handlers[apiS3]
	}

	const op = "route"
	form, complete, err := peekForm(r)
	get := func(key string) string {
		if v := form.Get(key); v != "" {
			return v
		}
		return query.Get(key)
	}
	action, version := get("Action"), get("Version")
	a, known := queryAPI(version)
	if !known {
		a = apiQuery
	}
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return a, errorHandler{a, &wicket.Error{Op: op, Kind: wicket.Invalid, Code: "RequestTimeout",
			Message: "The request body was not received within the time allowed.", Err: err}}
	case err != nil:
		return a, errorHandler{a, wicket.E(op, wicket.Invalid, "The request body could not be read.", err)}
	case !complete:
		return a, errorHandler{a, wicket.E(op, wicket.TooLarge,
			fmt.Sprintf("The request body exceeds the maximum of %d bytes.", maxQueryBody))}
	case known:
		return a, s.handlers[a]
	case action == "":
		return a, errorHandler{a, &wicket.Error{Op: op, Kind: wicket.Invalid, Code: "MissingAction",
			Message: "The request must contain the parameter Action."}}
	case version == "":
		return a, errorHandler{a, &wicket.Error{Op: op, Kind: wicket.Invalid, Code: "MissingParameter",
			Message: "The request must contain the parameter Version."}}
	default:
		return a, errorHandler{a, wicket.E(op, wicket.NotImplemented,
			fmt.Sprintf("Could not find operation %s for version %s", action, version))}
	}
}

// queryAPI returns the Query API whose Version is version.
func queryAPI(version string) (api, bool) {
	switch version {
	case stsVersion:
		return apiSTS, true
	case iamVersion:
		return apiIAM, true
	}
	return apiQuery, false
}

func isForm(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// peekForm reads r's form body, at most maxQueryBody bytes and for at most
// queryBodyTimeout, and parses what it read. complete is false when the body
// is longer; the values then come from the part that was read, which still
// tells the API so that even "too large" is answered in that API's shape.
//
// r.Body is replaced so that the API's handler reads the body from its first
// byte, exactly as the client sent it (its signature covers those bytes).
func peekForm(r *http.Request) (form url.Values, complete bool, err error) {
	// The body bounds its reads (ServeHTTP made it a stallBody); the whole
	// form must also be in within queryBodyTimeout. After a failure the
	// bound stays, so that net/http, which discards an unread body before
	// it answers, gives up at once and closes the connection.
	body := r.Body
	sb, _ := body.(*stallBody)
	if sb != nil {
		sb.limit(time.Now().Add(queryBodyTimeout))
	}
	buf, err := io.ReadAll(io.LimitReader(body, maxQueryBody+1))
	r.Body = replayBody{io.MultiReader(bytes.NewReader(buf), body), body}
	if err != nil {
		return url.Values{}, false, err
	}
	if sb != nil {
		sb.limit(time.Time{})
	}
	complete = len(buf) <= maxQueryBody
	if !complete {
		// The last pair may be cut in the middle; drop it.
		buf = buf[:max(bytes.LastIndexByte(buf, '&'), 0)]
	}
	// A malformed pair is the API handler's to report; routing only needs
	// Action and Version, and ParseQuery keeps the pairs that did parse.
	form, _ = url.ParseQuery(string(buf))
	return form, complete, nil
}

// replayBody yields the bytes the router read, then the rest of the body,
// and closes the original body.
type replayBody struct {
	io.Reader
	io.Closer
}
