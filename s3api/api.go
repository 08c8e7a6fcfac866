// Package s3api is the S3 REST API: one route table, the XML types, the S3
// error table and the handlers. It authenticates every request through
// authn and keeps metadata and bytes through the MetaStore and BlobStore
// ports; it never writes an error body outside render.
package s3api

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/authn"
	"github.com/wicket-io/wicket/policy"
	"github.com/wicket-io/wicket/sigv4"
)

// Options configure the S3 API.
type Options struct {
	Meta   wicket.MetaStore
	Blobs  wicket.BlobStore
	Auth   *authn.Authenticator
	Region string
	// Domain, when set, enables virtual-host style: a request to
	// bucket.<Domain> addresses that bucket.
	Domain string
	Logger *slog.Logger
	Clock  wicket.Clock
	// Authorizer decides for principals other than root and anonymous
	// (IAM users, sessions). Without one, only root is authorized by
	// identity, and anonymous requests by bucket policies.
	Authorizer Authorizer
}

// Handler serves the S3 API.
type Handler struct {
	meta   wicket.MetaStore
	blobs  wicket.BlobStore
	auth   *authn.Authenticator
	region string
	domain string
	log    *slog.Logger
	clock  wicket.Clock
	authz  Authorizer
	// Each bucket's parsed CORS rules and policy (config_cache.go).
	cors     configCache[[]corsRule]
	policies configCache[policy.Named]
	buckets  configCache[struct{}] // which buckets exist (checkBucket)
	locks    configCache[*bucketLock]
	blocks   configCache[*publicAccessBlock]
}

// New returns the S3 API handler.
func New(o Options) *Handler {
	h := &Handler{meta: o.Meta, blobs: o.Blobs, auth: o.Auth, region: o.Region, domain: strings.ToLower(o.Domain), log: o.Logger, clock: o.Clock, authz: o.Authorizer}
	h.cors = configCache[[]corsRule]{kind: configCORS, parse: func(doc []byte) ([]corsRule, error) {
		_, rules, err := parseCORS(doc)
		return rules, err
	}}
	h.policies = configCache[policy.Named]{kind: configPolicy, parse: h.parseBucketPolicy}
	h.locks = configCache[*bucketLock]{kind: configObjectLock, parse: parseLockConfiguration}
	h.blocks = configCache[*publicAccessBlock]{kind: configPublicAccessBlock, parse: parsePublicAccessBlock}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.clock == nil {
		h.clock = wicket.SystemClock{}
	}
	return h
}

// request is one S3 request being served.
type request struct {
	w         http.ResponseWriter
	r         *http.Request
	bucket    string
	key       string
	query     url.Values
	principal *wicket.Principal
	auth      *sigv4.Auth // nil when anonymous
	// object is the request's object as authorization read it for its
	// tags (existingObjectTags); requestObject hands it to the handler once.
	object *wicket.Object
	id     string
	// tags are the tags a request sets when they come in its body (a
	// PutObjectTagging document), read before authorization: the
	// s3:RequestObjectTag condition keys are theirs. Nil otherwise.
	tags map[string]string
	// form is a form upload's fields (lower-case names): its condition
	// keys come from them, not from the POST's headers.
	form map[string]string
}

// resource is the path S3 names in its error bodies.
func (q *request) resource() string {
	if q.bucket == "" {
		return "/"
	}
	if q.key == "" {
		return "/" + q.bucket
	}
	return "/" + q.bucket + "/" + q.key
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := &request{w: w, r: r, id: wicket.RequestID(r.Context())}
	if q.id != "" && w.Header().Get("x-amz-request-id") == "" {
		w.Header().Set("x-amz-request-id", q.id)
	}
	var err error
	q.query, err = url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		h.fail(q, errCode("InvalidArgument", "The query string is malformed."))
		return
	}
	q.bucket, q.key = h.split(r)
	if r.Method == http.MethodOptions {
		h.fail(q, h.preflight(q))
		return
	}
	// Before authentication: refusals carry CORS headers too (cors.go).
	if err := h.corsHeaders(q); err != nil {
		h.fail(q, err)
		return
	}
	q.principal, q.auth, err = h.auth.Authenticate(r, "")
	if err != nil {
		h.fail(q, err)
		return
	}
	authn.Audit(h.log, r, "s3", q.principal)
	if err := h.checkTrailerUse(q); err != nil {
		h.fail(q, err)
		return
	}
	if err := checkHeaders(q); err != nil {
		h.fail(q, err)
		return
	}
	op := route(q)
	if op.fn == nil {
		h.fail(q, errCode("NotImplemented"))
		return
	}
	if op.prepare != nil {
		if err := op.prepare(h, q); err != nil {
			h.fail(q, err)
			return
		}
	}
	if !op.self {
		arn := q.resourceARN()
		if err := h.authorize(q, op.action, arn); err != nil {
			h.fail(q, err)
			return
		}
		if err := h.authorizeTagging(q, op.action, arn); err != nil {
			h.fail(q, err)
			return
		}
		if err := h.authorizeCopySource(q); err != nil {
			h.fail(q, err)
			return
		}
	}
	err = op.fn(h, q)
	if err != nil && (op.action == "s3:GetObject" || op.action == "s3:GetObjectVersion") && q.principal.Type != wicket.Root && isNoSuchKey(err) {
		// S3 tells a caller that a key does not exist only if it may list
		// the bucket; anyone else learns nothing from a guess, and is told
		// it lacks s3:ListBucket.
		if denied := h.authorize(q, "s3:ListBucket", bucketARN(q.bucket)); denied != nil {
			err = denied
		}
	}
	h.fail(q, err)
}

// checkTrailerUse refuses a request signed over a payload hash that
// announces trailing checksums unless it uploads an object or a part, the
// only operations whose aws-chunked body S3 reads: S3 answers InvalidRequest
// to any other, a bucket's configuration, a listing, a delete, an object's
// tagging alike, once its signature verifies and its bucket exists, and
// before the operation's own checks (brekkylab/backlot's S3 router,
// measured against S3; versitygw's REST tests against S3). It is checked
// before routing, so that it comes before NotImplemented too.
func (h *Handler) checkTrailerUse(q *request) error {
	if q.auth == nil {
		return nil
	}
	switch q.auth.PayloadHash {
	case sigv4.StreamingPayloadTrailer, sigv4.StreamingUnsignedPayloadTrailer:
	default:
		return nil
	}
	if isUpload(q) {
		return nil
	}
	if q.bucket != "" {
		if _, err := h.meta.GetBucket(q.r.Context(), q.bucket); err != nil {
			return err // NoSuchBucket first
		}
	}
	return errCode("InvalidRequest", "The value of x-amz-content-sha256 header is invalid.")
}

// isUpload reports whether q is a PutObject or an UploadPart, the
// operations whose body is an object's data.
func isUpload(q *request) bool {
	if q.key == "" || q.r.Method != http.MethodPut || q.r.Header.Get("X-Amz-Copy-Source") != "" {
		return false
	}
	if _, ok := q.query["tagging"]; ok {
		return false
	}
	for _, s := range objectSubresources {
		if _, ok := q.query[s]; ok {
			return false
		}
	}
	return true
}

// isNoSuchKey reports whether err says the key does not exist, however it
// was made.
func isNoSuchKey(err error) bool {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.code == "NoSuchKey"
	}
	return wicket.CodeOf(err) == "NoSuchKey"
}

// split finds the bucket and key, from the Host in virtual-host style and
// from the path otherwise. The key is the decoded path, exactly as sent:
// S3 keys are not paths, so "a//b" and "../x" are left alone.
func (h *Handler) split(r *http.Request) (bucket, key string) {
	path := decodedPath(r.URL)
	if h.domain != "" {
		host := strings.ToLower(r.Host)
		if hh, _, err := net.SplitHostPort(host); err == nil {
			host = hh
		}
		if b, ok := strings.CutSuffix(host, "."+h.domain); ok && b != "" {
			return b, strings.TrimPrefix(path, "/")
		}
	}
	path = strings.TrimPrefix(path, "/")
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, key
}

// drained reports whether a request body is known to have been read to
// its end (the server's body says so; any other may not have been).
func drained(body io.Reader) bool {
	d, ok := body.(interface{ Drained() bool })
	return ok && d.Drained()
}

// decodedPath is the path as S3 decodes it: %XX is the byte, and a literal
// '+' is a space (the SDKs send a key's '+' as %2B; a "/a+b" written by
// hand means "a b" on S3). Go's URL.Path keeps '+': when RawPath is empty
// the wire path was Path's own escaping, where every '+' was literal.
func decodedPath(u *url.URL) string {
	if u.RawPath == "" {
		if strings.IndexByte(u.Path, '+') < 0 {
			return u.Path
		}
		return strings.ReplaceAll(u.Path, "+", " ")
	}
	if p, err := url.PathUnescape(strings.ReplaceAll(u.RawPath, "+", "%20")); err == nil {
		return p
	}
	return u.Path
}

// fail writes err as S3's error document; a nil err writes nothing.
func (h *Handler) fail(q *request, err error) {
	if err == nil {
		return
	}
	if errors.Is(err, context.Canceled) && q.r.Context().Err() != nil {
		// The client went away (or a shutdown gave up on it): nobody
		// reads an answer, and it is not the server's failure. Cut the
		// connection, which the log and metrics count as status 0.
		panic(http.ErrAbortHandler)
	}
	status, body := render(err, q.resource(), q.id)
	// S3 names the missing key or bucket: the copy source's, for a copy.
	bucket, key := q.bucket, q.key
	var src *sourceError
	if errors.As(err, &src) {
		bucket, key = src.bucket, src.key
	}
	switch body.Code {
	case "NoSuchKey":
		body.Key = xmlText(key)
	case "NoSuchBucket":
		body.BucketName = bucket
	}
	if q.r.ContentLength != 0 && !drained(q.r.Body) {
		// The body may be unread: net/http would read it to its end (up
		// to 256 KiB) before it sent this answer, and a client that
		// declared a body and sends none would never get it. Closing the
		// connection after the answer is what lets it go out at once.
		q.w.Header().Set("Connection", "close")
	}
	if hid := q.w.Header().Get("X-Amz-Id-2"); hid != "" {
		body.HostID = hid
	}
	if status >= 500 {
		h.log.Error("s3 request failed", "request_id", q.id, "method", q.r.Method, "resource", q.resource(), "err", err)
	} else {
		h.log.Debug("s3 request refused", "request_id", q.id, "code", body.Code, "err", err)
	}
	if status == http.StatusNotModified || q.r.Method == http.MethodHead {
		// HEAD responses have no body; S3 puts the code in a header instead.
		q.w.Header().Set("x-amz-error-code", body.Code)
		q.w.WriteHeader(status)
		return
	}
	writeXML(q.w, status, body)
}

// writeXML writes an XML document with S3's declaration.
func writeXML(w http.ResponseWriter, status int, v any) {
	out, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, "internal error encoding the response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	io.WriteString(w, xml.Header)
	w.Write(out)
}

// maxXMLBody bounds the XML documents S3 accepts in a request body. AWS's
// largest are DeleteObjects (1000 keys of 1024 bytes) and
// CompleteMultipartUpload (10,000 parts), both about 2 MiB at most.
const maxXMLBody = 4 << 20

// readXML decodes a bounded XML body into v, after checking the digests
// the request carries (Content-MD5, a signed x-amz-content-sha256, checksum
// headers or trailers); anything malformed or too large is MalformedXML.
func (h *Handler) readXML(q *request, v any) error {
	body, err := h.readBody(q, maxXMLBody, errCode("MalformedXML"))
	if err != nil {
		return err
	}
	if err := xml.Unmarshal(body, v); err != nil {
		return errCode("MalformedXML")
	}
	return nil
}
