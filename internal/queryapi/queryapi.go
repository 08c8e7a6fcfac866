// Package queryapi is the AWS Query protocol that IAM and STS share: a
// form-encoded request (POST body or URL query) naming an Action and a
// Version, answered with <ActionResponse><ActionResult>…</ActionResult>
// <ResponseMetadata><RequestId/></ResponseMetadata></ActionResponse>, or
// with <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>.
// It reads and bounds the form, hashes it for SigV4, and renders both shapes;
// the services own their actions and their error tables.
package queryapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/sigv4"
)

// MaxBody bounds a Query request body, as the router does: the largest
// legitimate one is a URL-encoded policy document.
const MaxBody = 64 << 10

// Request is a parsed Query request.
type Request struct {
	Action string
	Form   url.Values // the body's pairs, then the URL query's
	// PayloadHash is the hex SHA-256 of the body, which SigV4 signs.
	PayloadHash string
}

// Read parses r as a Query request: the form body (at most MaxBody bytes)
// and the URL query. The body is hashed exactly as sent.
func Read(r *http.Request) (*Request, error) {
	const op = "queryapi.Read"
	var body []byte
	if r.Body != nil && r.Method == http.MethodPost {
		if ct := r.Header.Get("Content-Type"); ct != "" {
			if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/x-www-form-urlencoded" {
				return nil, &wicket.Error{Op: op, Kind: wicket.Invalid, Code: "InvalidParameterValue",
					Message: "The request body must be application/x-www-form-urlencoded."}
			}
		}
		b, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
		if err != nil {
			return nil, wicket.E(op, wicket.Invalid, "The request body could not be read.", err)
		}
		if len(b) > MaxBody {
			return nil, wicket.E(op, wicket.TooLarge, "The request body exceeds the maximum of "+strconv.Itoa(MaxBody)+" bytes.")
		}
		body = b
	}
	sum := sha256.Sum256(body)
	q := &Request{PayloadHash: hex.EncodeToString(sum[:])}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, &wicket.Error{Op: op, Kind: wicket.Invalid, Code: "MalformedQueryString", Message: "The request body is not a valid form.", Err: err}
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, &wicket.Error{Op: op, Kind: wicket.Invalid, Code: "MalformedQueryString", Message: "The query string is not valid.", Err: err}
	}
	for k, v := range query {
		if _, ok := form[k]; !ok {
			form[k] = v
		}
	}
	q.Form = form
	q.Action = form.Get("Action")
	return q, nil
}

// Get returns a parameter's value.
func (q *Request) Get(name string) string { return q.Form.Get(name) }

// Has says whether a parameter was sent, even empty.
func (q *Request) Has(name string) bool { _, ok := q.Form[name]; return ok }

// List returns the values of a list parameter, Name.member.1, Name.member.2
// … in order, stopping at the first gap, as AWS reads them. At most max
// are read; more is reported by ok = false.
func (q *Request) List(name string, max int) (values []string, ok bool) {
	return q.ListOf(name, "", max)
}

// ListOf is List for a list of structures, of which it reads the member
// field: Name.member.1.Field … (field "" reads the members themselves).
func (q *Request) ListOf(name, field string, max int) (values []string, ok bool) {
	if field != "" {
		field = "." + field
	}
	for i := 1; ; i++ {
		v, has := q.Form[name+".member."+strconv.Itoa(i)+field]
		if !has {
			return values, true
		}
		if len(values) == max {
			return values, false
		}
		values = append(values, v[0])
	}
}

// Tags returns Name.member.N.Key / .Value pairs in order.
func (q *Request) Tags(name string, max int) (tags []Tag, ok bool) {
	for i := 1; ; i++ {
		p := name + ".member." + strconv.Itoa(i)
		k, has := q.Form[p+".Key"]
		if !has {
			return tags, true
		}
		if len(tags) == max {
			return tags, false
		}
		tags = append(tags, Tag{Key: k[0], Value: q.Form.Get(p + ".Value")})
	}
}

// Tag is a key-value pair as the Query APIs spell it.
type Tag struct {
	Key   string
	Value string
}

// responseMetadata closes every Query response.
type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

// WriteResult answers action with result inside the Query envelope. A nil
// result writes an empty response (actions with no output, as DeleteUser).
func WriteResult(w http.ResponseWriter, namespace, action, requestID string, result any) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString("<" + action + `Response xmlns="` + namespace + `">`)
	if result != nil {
		var out strings.Builder
		enc := xml.NewEncoder(&out)
		err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}})
		if err == nil {
			err = enc.Flush()
		}
		if err != nil {
			WriteError(w, namespace, http.StatusInternalServerError, "InternalFailure",
				"The request processing has failed because of an unknown error, exception or failure.", requestID)
			return
		}
		b.WriteString(out.String())
	}
	meta, _ := xml.Marshal(struct {
		XMLName xml.Name `xml:"ResponseMetadata"`
		responseMetadata
	}{responseMetadata: responseMetadata{RequestID: requestID}})
	b.Write(meta)
	b.WriteString("</" + action + "Response>")
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, b.String())
}

type errorBody struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Namespace string   `xml:"xmlns,attr"`
	Error     struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string `xml:"RequestId"`
}

// WriteError writes the Query error document.
func WriteError(w http.ResponseWriter, namespace string, status int, code, message, requestID string) {
	body := errorBody{Namespace: namespace, RequestID: requestID}
	body.Error.Type = "Sender"
	if status >= 500 {
		body.Error.Type = "Receiver"
	}
	body.Error.Code, body.Error.Message = code, message
	out, _ := xml.Marshal(body)
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	io.WriteString(w, xml.Header)
	w.Write(out)
}

// WireError is how a Query API spells an error.
type WireError struct {
	Status  int
	Code    string
	Message string
}

// authErrors turns SigV4's codes, which are S3's, into the Query APIs'.
var authErrors = map[string]WireError{
	sigv4.CodeInvalidAccessKeyID:                {403, "InvalidClientTokenId", "The security token included in the request is invalid."},
	sigv4.CodeInvalidToken:                      {403, "InvalidClientTokenId", "The security token included in the request is invalid."},
	sigv4.CodeExpiredToken:                      {400, "ExpiredToken", "The security token included in the request is expired"},
	sigv4.CodeSignatureDoesNotMatch:             {403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
	sigv4.CodeRequestTimeTooSkewed:              {403, "SignatureDoesNotMatch", "Signature expired: the request time is too far from the server's time."},
	sigv4.CodeAuthorizationHeaderMalformed:      {400, "IncompleteSignature", ""},
	sigv4.CodeAuthorizationQueryParametersError: {400, "IncompleteSignature", ""},
	sigv4.CodeAccessDenied:                      {403, "AccessDenied", ""},
	sigv4.CodeInvalidRequest:                    {400, "InvalidRequest", ""},
	sigv4.CodeMissingSecurityHeader:             {400, "MissingAuthenticationToken", "Request is missing Authentication Token"},
}

// Render turns err into the wire error of a Query API: a SigV4 failure by
// the table above, anything else by table (the service's, by kind), with
// the error's own code and message overriding the table's.
func Render(err error, table map[wicket.Kind]WireError) WireError {
	if se, ok := sigv4.AsError(err); ok {
		we, known := authErrors[se.Code]
		if !known {
			we = WireError{se.Status, se.Code, ""}
		}
		if we.Message == "" {
			we.Message = se.Message
		}
		if se.Code == sigv4.CodeRequestTimeTooSkewed {
			we.Message = se.Message
		}
		return we
	}
	we, ok := table[wicket.KindOf(err)]
	if !ok {
		we = WireError{http.StatusInternalServerError, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure."}
	}
	if c := wicket.CodeOf(err); c != "" {
		we.Code = c
	}
	if m := wicket.MessageOf(err); m != "" {
		we.Message = m
	}
	return we
}
