package s3api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/authn"
	"github.com/wicket-io/wicket/policy"
)

// Authorizer decides what principals other than root may do: the iam
// service, which knows each principal's identity policies. The S3 API
// supplies the request and the bucket policy.
type Authorizer interface {
	Authorize(ctx context.Context, p *wicket.Principal, r *policy.Request, resource []policy.Named) (policy.Decision, error)
	Explain(ctx context.Context, p *wicket.Principal, r *policy.Request, resource []policy.Named) (policy.Explanation, error)
	// BindPrincipals binds the users and roles a policy names to their
	// unique ids (policy.Named.Bound), or returns one that does not exist.
	BindPrincipals(ctx context.Context, p *policy.Policy) (bound map[string]string, missing string, err error)
}

// bucketARN and objectARN name S3 resources as policies do.
func bucketARN(bucket string) string { return "arn:aws:s3:::" + bucket }

func objectARN(bucket, key string) string { return "arn:aws:s3:::" + bucket + "/" + key }

// resourceARN is the resource a request acts on.
func (q *request) resourceARN() string {
	switch {
	case q.bucket == "":
		return "arn:aws:s3:::*"
	case q.key == "":
		return bucketARN(q.bucket)
	default:
		return objectARN(q.bucket, q.key)
	}
}

// parseBucketPolicy is the policy cache's parser of a stored policy
// record (see encodePolicyRecord). A stored policy that no longer parses
// (it was stored by an older, laxer version) grants nothing, rather than
// failing every request on the bucket.
func (h *Handler) parseBucketPolicy(rec []byte) (policy.Named, error) {
	bound, doc, ok := decodePolicyRecord(rec)
	p, err := policy.Parse(doc, policy.Resource)
	if !ok || err != nil {
		h.log.Error("stored bucket policy does not parse; it grants nothing", "err", err)
		return policy.Named{}, nil
	}
	return policy.Named{Policy: p, Bound: bound}, nil
}

// authorize decides whether the request's principal may perform action on
// resource (an ARN), with the bucket's policy. Root may do everything, as
// on AWS, and costs nothing here. A denial is AccessDenied to the caller,
// saying which type of policy denied it, and, at debug level, the
// explanation in the log.
func (h *Handler) authorize(q *request, action, resource string) error {
	p := q.principal
	if p.Type == wicket.Root {
		return nil
	}
	ctx := q.r.Context()
	var named []policy.Named
	if q.bucket != "" {
		bp, _, err := h.policies.get(ctx, h, q.bucket)
		if err != nil {
			return err
		}
		if bp.Policy != nil {
			bp.Name = "bucket policy of " + q.bucket
			named = []policy.Named{bp}
			if p.Type == wicket.Anonymous {
				// RestrictPublicBuckets takes a public policy away from
				// callers outside the account (public_access_block.go).
				restricted, err := h.restrictsPublic(q, q.bucket, bp.Policy)
				if err != nil {
					return err
				}
				if restricted {
					named = nil
				}
			}
		}
	}
	req := &policy.Request{Action: action, Resource: resource, Context: h.policyContext(q)}
	if err := h.existingObjectTags(q, req.Context, action, resource); err != nil {
		return err
	}
	var d policy.Decision
	if h.authz != nil {
		var err error
		if d, err = h.authz.Authorize(ctx, p, req, named); err != nil {
			return err
		}
	} else {
		// Without IAM only root and anonymous callers exist; anonymous
		// ones are evaluated against the bucket policy alone.
		req.Principal = policy.Principal{Anonymous: p.Type == wicket.Anonymous}
		d = policy.Evaluate(&policy.Set{Resource: named}, req)
	}
	if d.Allowed() {
		return nil
	}
	if p.Type == wicket.Anonymous && !h.log.Enabled(ctx, slog.LevelDebug) {
		return errCode("AccessDenied")
	}
	ex, err := h.explain(ctx, p, req, named)
	if err != nil {
		return err
	}
	h.log.Debug("s3 request denied", "request_id", q.id, "principal", p.ARN, "action", action,
		"resource", resource, "explanation", ex.String())
	if p.Type == wicket.Anonymous {
		return errCode("AccessDenied")
	}
	return errCode("AccessDenied", deniedMessage(p.ARN, action, resource, ex.Reason(action)))
}

// explain says why req was denied: the IAM service's explanation or,
// without IAM, the bucket policy's alone (as authorize evaluated it).
func (h *Handler) explain(ctx context.Context, p *wicket.Principal, req *policy.Request, named []policy.Named) (policy.Explanation, error) {
	if h.authz != nil {
		return h.authz.Explain(ctx, p, req, named)
	}
	return policy.Explain(&policy.Set{Resource: named}, req), nil
}

// deniedMessage is S3's access-denied message for a request within the
// account, which names the caller, the action, the resource and the type
// of policy that denied it ("Access denied message examples",
// troubleshoot-403-errors in the S3 User Guide). An anonymous caller gets
// the bare "Access Denied", as from outside the account.
func deniedMessage(arn, action, resource, reason string) string {
	return "User: " + arn + " is not authorized to perform: " + action + ` on resource: "` + resource + `" ` + reason
}

// existingTagActions are the actions whose requests carry the tags of the
// object they act on as s3:ExistingObjectTag/<key>: S3's reads and tag,
// ACL and lock changes of an existing object, but not PutObject or
// DeleteObject ("When granting permissions for the PUT Object and DELETE
// Object operations, this condition key is not supported", Tagging and
// access control policies; the Service Authorization Reference's table).
var existingTagActions = setOf(
	"s3:getobject", "s3:getobjectversion", "s3:getobjectacl", "s3:getobjectversionacl",
	"s3:getobjectattributes", "s3:getobjectversionattributes", "s3:getobjecttagging",
	"s3:getobjectversiontagging", "s3:putobjecttagging", "s3:putobjectversiontagging",
	"s3:deleteobjecttagging", "s3:deleteobjectversiontagging", "s3:putobjectacl",
	"s3:putobjectversionacl", "s3:getobjectretention", "s3:putobjectretention",
	"s3:getobjectlegalhold", "s3:putobjectlegalhold",
)

// existingObjectTags sets s3:ExistingObjectTag/<key> for each tag of the
// object that resource names, when action is one that carries them. A
// missing object has no tags (its request fails on its own later). The
// object is read from the metadata store's cache for a hot key; root, who
// is never evaluated, never pays for it.
func (h *Handler) existingObjectTags(q *request, c *policy.Context, action, resource string) error {
	if !existingTagActions[strings.ToLower(action)] {
		return nil
	}
	path, ok := strings.CutPrefix(resource, "arn:aws:s3:::")
	bucket, key, ok2 := strings.Cut(path, "/")
	if !ok || !ok2 || key == "" {
		return nil
	}
	o, err := h.meta.GetObject(q.r.Context(), bucket, key)
	switch {
	case err == nil:
	case wicket.KindOf(err) == wicket.NotFound:
		return nil
	default:
		return err
	}
	if bucket == q.bucket && key == q.key {
		q.object = o // the handler's own lookup, done (requestObject)
	}
	for k, v := range o.Tags {
		c.Set("s3:ExistingObjectTag/"+k, v)
	}
	return nil
}

// requestObject returns the request's object: the one authorization read
// for its tags, once, else the store's.
func (h *Handler) requestObject(q *request) (*wicket.Object, error) {
	if o := q.object; o != nil {
		q.object = nil
		return o, nil
	}
	return h.meta.GetObject(q.r.Context(), q.bucket, q.key)
}

// policyContext holds the condition keys of an S3 request: the global ones
// and S3's own (s3:prefix, s3:x-amz-acl …) as AWS documents them.
func (h *Handler) policyContext(q *request) *policy.Context {
	c := &policy.Context{}
	r := q.r
	now := h.clock.Now()
	authn.RequestKeys(c, r, now)
	if q.auth != nil {
		c.Set("s3:signatureversion", "AWS4-HMAC-SHA256")
		if q.auth.Presigned {
			c.Set("s3:authType", "REST-QUERY-STRING")
		} else {
			c.Set("s3:authType", "REST-HEADER")
		}
		if t, err := time.Parse("20060102T150405Z", q.auth.AmzDate()); err == nil {
			c.Set("s3:signatureAge", strconv.FormatInt(max(now.Sub(t).Milliseconds(), 0), 10))
		}
	}
	if v := r.Header.Get("X-Amz-Content-Sha256"); v != "" {
		c.Set("s3:x-amz-content-sha256", v)
	}
	if v, ok := q.query["versionId"]; ok && q.key != "" {
		c.Set("s3:versionid", v[0])
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		// Conditional writes and deletes, which a policy may require
		// (conditional-writes-enforce, conditional-delete-enforce).
		if v := r.Header.Get("If-Match"); v != "" {
			c.Set("s3:if-match", v)
		}
		if v := r.Header.Get("If-None-Match"); v != "" {
			c.Set("s3:if-none-match", v)
		}
	}
	if q.key == "" {
		// Listings: a parameter sent, even empty, is its key; one not sent
		// is no key, so that a condition on s3:prefix holds a bare listing
		// back (StringLike "home/*" does not match a missing key).
		for _, k := range []string{"prefix", "delimiter", "max-keys"} {
			if v, ok := q.query[k]; ok {
				c.Set("s3:"+k, v[0])
			}
		}
	}
	// A form upload's keys come from its fields, never from the POST's own
	// headers, which a client could set to anything beside the form.
	header := r.Header.Get
	if q.form != nil {
		c.Set("s3:authType", "POST")
		header = func(name string) string { return q.form[formField(name)] }
	}
	for hdr, key := range conditionHeaders {
		if v := header(hdr); v != "" {
			c.Set(key, v)
		}
	}
	if tags := requestTags(q); tags != nil {
		keys := make([]string, 0, len(tags))
		for k, val := range tags {
			c.Set("s3:RequestObjectTag/"+k, val)
			keys = append(keys, k)
		}
		c.Set("s3:RequestObjectTagKeys", keys...)
	}
	return c
}

// formField is the form field that stands for a request header: its
// lower-case name, "acl" for x-amz-acl.
func formField(header string) string {
	if strings.EqualFold(header, "X-Amz-Acl") {
		return "acl"
	}
	return strings.ToLower(header)
}

// requestTags are the tags a request sets: a PutObjectTagging document's,
// a form's tagging field, or the x-amz-tagging header; nil for none or
// for tags that do not parse (the operation refuses them).
func requestTags(q *request) map[string]string {
	switch {
	case q.tags != nil:
		return q.tags
	case q.form != nil:
		if t := q.form["tagging"]; t != "" {
			if tags, err := parseTagging([]byte(t), objectTags); err == nil {
				return tags
			}
		}
		return nil
	}
	if v := q.r.Header.Get("X-Amz-Tagging"); v != "" {
		if tags, err := parseTagQuery(v); err == nil {
			return tags
		}
	}
	return nil
}

// authorizeTagging checks s3:PutObjectTagging for a write that sets tags
// (API_PutObject: "To specify tags on an object, the requester must have
// s3:PutObjectTagging"): a PUT, a multipart upload or a form upload with
// tags, and a copy that replaces the source's tags with some.
func (h *Handler) authorizeTagging(q *request, action, resource string) error {
	if action != "s3:PutObject" || q.principal.Type == wicket.Root {
		return nil
	}
	var tagged bool
	switch {
	case q.form != nil:
		tagged = q.form["tagging"] != ""
	case q.r.Header.Get("X-Amz-Copy-Source") != "" && q.query.Get("uploadId") == "":
		tagged = strings.EqualFold(q.r.Header.Get("X-Amz-Tagging-Directive"), "REPLACE") && q.r.Header.Get("X-Amz-Tagging") != ""
	case q.query.Has("partNumber") || q.query.Has("uploadId") && q.r.Method == http.MethodPut:
		// UploadPart and UploadPartCopy set no tags: the upload has them.
	default:
		tagged = q.r.Header.Get("X-Amz-Tagging") != ""
	}
	if !tagged {
		return nil
	}
	return h.authorize(q, "s3:PutObjectTagging", resource)
}

// conditionHeaders are the request headers S3 exposes as condition keys.
var conditionHeaders = map[string]string{
	"X-Amz-Acl":                           "s3:x-amz-acl",
	"X-Amz-Copy-Source":                   "s3:x-amz-copy-source",
	"X-Amz-Metadata-Directive":            "s3:x-amz-metadata-directive",
	"X-Amz-Server-Side-Encryption":        "s3:x-amz-server-side-encryption",
	"X-Amz-Storage-Class":                 "s3:x-amz-storage-class",
	"X-Amz-Website-Redirect-Location":     "s3:x-amz-website-redirect-location",
	"X-Amz-Object-Lock-Mode":              "s3:object-lock-mode",
	"X-Amz-Object-Lock-Retain-Until-Date": "s3:object-lock-retain-until-date",
	"X-Amz-Object-Lock-Legal-Hold":        "s3:object-lock-legal-hold",
	"X-Amz-Grant-Read":                    "s3:x-amz-grant-read",
	"X-Amz-Grant-Full-Control":            "s3:x-amz-grant-full-control",
}

// authorizeCopySource checks that the principal may read a copy's source.
func (h *Handler) authorizeCopySource(q *request) error {
	v := q.r.Header.Get("X-Amz-Copy-Source")
	if v == "" || q.principal.Type == wicket.Root {
		return nil
	}
	sb, sk, err := copySource(v)
	if err != nil {
		return nil // the operation reports the malformed header itself
	}
	// The source bucket's policy is what governs reading it; a source
	// that names its version is read as that version.
	action := "s3:GetObject"
	if _, version, _ := strings.Cut(v, "?"); version != "" {
		action = "s3:GetObjectVersion"
	}
	src := *q
	src.bucket, src.key = sb, sk
	return h.authorize(&src, action, objectARN(sb, sk))
}
