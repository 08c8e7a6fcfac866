package s3api

import "net/http"

// operation serves one S3 operation.
type operation func(h *Handler, q *request) error

// op is an operation with the IAM action that authorizes it, as AWS's
// "Actions, resources, and condition keys for Amazon S3" maps them (HEAD
// Bucket is s3:ListBucket, deleting a CORS or tagging configuration is
// its Put action). Operations that need more than one permission (a copy
// reads its source, DeleteObjects checks every key) check the rest
// themselves, and so does a write or delete that asks to bypass GOVERNANCE
// retention (x-amz-bypass-governance-retention), which takes
// s3:BypassGovernanceRetention (object_lock.go lockCondition).
type op struct {
	fn     operation
	action string
	// self is set on operations that authorize themselves once they have
	// read what they act on: a form upload learns its signer and key from
	// its body, DeleteObjects checks s3:DeleteObject on every key.
	self bool
	// prepare, if set, runs before authorization: it reads what the
	// condition keys need from the body (PutObjectTagging's tags).
	prepare operation
}

// The copies read their source's blobs as a GET does: a source replaced
// between reading it and opening its blobs is read again.
var (
	copyObjectOp     = retryingGone((*Handler).copyObject)
	uploadPartCopyOp = retryingGone((*Handler).uploadPartCopy)
)

// route picks the operation from the method, whether a bucket and a key are
// named, and the subresource in the query string: S3's own dispatch. A
// zero result is an operation Wicket does not implement.
func route(q *request) op {
	has := func(k string) bool { _, ok := q.query[k]; return ok }
	m := q.r.Method
	switch {
	case q.bucket == "":
		if m == http.MethodGet || m == http.MethodHead {
			return op{fn: (*Handler).listBuckets, action: "s3:ListAllMyBuckets"}
		}
		return op{fn: methodNotAllowed}
	case q.key == "":
		return routeBucket(q, m, has)
	default:
		o := routeObject(q, m, has)
		if v, ok := versionActions[o.action]; ok && has("versionId") {
			o.action = v
		}
		return o
	}
}

// versionActions are the actions S3 authorizes instead when a request on
// an object names a version (?versionId=, "null" too): reading, deleting,
// tagging a version, its ACL or attributes each has its own permission
// (the Service Authorization Reference; API_GetObject: "To return a
// different version, you need the s3:GetObjectVersion permission";
// API_DeleteObject: s3:DeleteObjectVersion). A policy that allows
// s3:GetObject but not s3:GetObjectVersion keeps versions out of reach.
var versionActions = map[string]string{
	"s3:GetObject":           "s3:GetObjectVersion",
	"s3:DeleteObject":        "s3:DeleteObjectVersion",
	"s3:GetObjectTagging":    "s3:GetObjectVersionTagging",
	"s3:PutObjectTagging":    "s3:PutObjectVersionTagging",
	"s3:DeleteObjectTagging": "s3:DeleteObjectVersionTagging",
	"s3:GetObjectAcl":        "s3:GetObjectVersionAcl",
	"s3:PutObjectAcl":        "s3:PutObjectVersionAcl",
	"s3:GetObjectAttributes": "s3:GetObjectVersionAttributes",
}

// bucketSubresources are the bucket subresources S3 has and Wicket does not
// implement; naming one answers NotImplemented rather than falling through
// to a listing or a bucket creation.
var bucketSubresources = []string{
	"accelerate", "acl", "analytics", "encryption", "intelligent-tiering",
	"inventory", "lifecycle", "logging", "metrics", "notification",
	"ownershipControls",
	"replication", "requestPayment", "website", "versions", "session",
	"metadataTable", "metadataConfiguration",
}

func routeBucket(q *request, m string, has func(string) bool) op {
	// ACLs and ownership controls are read, and set to what Wicket has
	// (acl.go); their other methods are not implemented.
	switch {
	case has("acl") && m == http.MethodGet:
		return op{fn: (*Handler).getBucketACL, action: "s3:GetBucketAcl"}
	case has("acl") && m == http.MethodPut:
		return op{fn: (*Handler).putBucketACL, action: "s3:PutBucketAcl"}
	case has("ownershipControls") && m == http.MethodGet:
		return op{fn: (*Handler).getBucketOwnershipControls, action: "s3:GetBucketOwnershipControls"}
	case has("ownershipControls") && m == http.MethodPut:
		return op{fn: (*Handler).putBucketOwnershipControls, action: "s3:PutBucketOwnershipControls"}
	case has("versions") && m == http.MethodGet:
		return op{fn: (*Handler).listObjectVersions, action: "s3:ListBucketVersions"}
	case has("encryption"):
		// Wicket keeps no default encryption (bytes are stored as they
		// came): read as none, deleted as none, and not set.
		switch m {
		case http.MethodGet:
			return op{fn: (*Handler).getBucketEncryption, action: "s3:GetEncryptionConfiguration"}
		case http.MethodDelete:
			return op{fn: (*Handler).deleteBucketEncryption, action: "s3:PutEncryptionConfiguration"}
		}
		return op{}
	case has("policyStatus"):
		if m == http.MethodGet {
			return op{fn: (*Handler).getBucketPolicyStatus, action: "s3:GetBucketPolicyStatus"}
		}
		return op{fn: methodNotAllowed}
	case has("publicAccessBlock"):
		switch m {
		case http.MethodGet:
			return op{fn: (*Handler).getPublicAccessBlock, action: "s3:GetBucketPublicAccessBlock"}
		case http.MethodPut:
			return op{fn: (*Handler).putPublicAccessBlock, action: "s3:PutBucketPublicAccessBlock"}
		case http.MethodDelete:
			return op{fn: (*Handler).deletePublicAccessBlock, action: "s3:PutBucketPublicAccessBlock"}
		}
		return op{fn: methodNotAllowed}
	}
	for _, s := range bucketSubresources {
		if has(s) {
			return op{}
		}
	}
	switch m {
	case http.MethodGet:
		switch {
		case has("location"):
			return op{fn: (*Handler).getBucketLocation, action: "s3:GetBucketLocation"}
		case has("versioning"):
			return op{fn: (*Handler).getBucketVersioning, action: "s3:GetBucketVersioning"}
		case has("policy"):
			return op{fn: (*Handler).getBucketPolicy, action: "s3:GetBucketPolicy"}
		case has("cors"):
			return op{fn: (*Handler).getBucketCors, action: "s3:GetBucketCORS"}
		case has("tagging"):
			return op{fn: (*Handler).getBucketTagging, action: "s3:GetBucketTagging"}
		case has("object-lock"):
			return op{fn: (*Handler).getObjectLockConfiguration, action: "s3:GetBucketObjectLockConfiguration"}
		case has("uploads"):
			return op{fn: (*Handler).listMultipartUploads, action: "s3:ListBucketMultipartUploads"}
		case q.query.Get("list-type") == "2":
			return op{fn: (*Handler).listObjectsV2, action: "s3:ListBucket"}
		default:
			return op{fn: (*Handler).listObjectsV1, action: "s3:ListBucket"}
		}
	case http.MethodHead:
		return op{fn: (*Handler).headBucket, action: "s3:ListBucket"}
	case http.MethodPut:
		switch {
		case has("policy"):
			return op{fn: (*Handler).putBucketPolicy, action: "s3:PutBucketPolicy"}
		case has("cors"):
			return op{fn: (*Handler).putBucketCors, action: "s3:PutBucketCORS"}
		case has("tagging"):
			return op{fn: (*Handler).putBucketTagging, action: "s3:PutBucketTagging"}
		case has("object-lock"):
			return op{fn: (*Handler).putObjectLockConfiguration, action: "s3:PutBucketObjectLockConfiguration"}
		case has("versioning"):
			return op{}
		default:
			return op{fn: (*Handler).createBucket, action: "s3:CreateBucket"}
		}
	case http.MethodDelete:
		switch {
		case has("policy"):
			return op{fn: (*Handler).deleteBucketPolicy, action: "s3:DeleteBucketPolicy"}
		case has("cors"):
			return op{fn: (*Handler).deleteBucketCors, action: "s3:PutBucketCORS"}
		case has("tagging"):
			return op{fn: (*Handler).deleteBucketTagging, action: "s3:PutBucketTagging"}
		default:
			return op{fn: (*Handler).deleteBucket, action: "s3:DeleteBucket"}
		}
	case http.MethodPost:
		switch {
		case has("delete"):
			return op{fn: (*Handler).deleteObjects, action: "s3:DeleteObject", self: true}
		default:
			return op{fn: (*Handler).postObject, action: "s3:PutObject", self: true}
		}
	}
	return op{fn: methodNotAllowed}
}

var objectSubresources = []string{"acl", "attributes", "restore", "select", "torrent", "renameObject"}

func routeObject(q *request, m string, has func(string) bool) op {
	switch {
	case has("acl") && m == http.MethodGet:
		return op{fn: (*Handler).getObjectACL, action: "s3:GetObjectAcl"}
	case has("acl") && m == http.MethodPut:
		return op{fn: (*Handler).putObjectACL, action: "s3:PutObjectAcl"}
	case has("attributes") && m == http.MethodGet:
		return op{fn: (*Handler).getObjectAttributes, action: "s3:GetObjectAttributes"}
	}
	for _, s := range objectSubresources {
		if has(s) {
			return op{}
		}
	}
	switch m {
	case http.MethodGet:
		switch {
		case has("tagging"):
			return op{fn: (*Handler).getObjectTagging, action: "s3:GetObjectTagging"}
		case has("retention"):
			return op{fn: (*Handler).getObjectRetention, action: "s3:GetObjectRetention"}
		case has("legal-hold"):
			return op{fn: (*Handler).getObjectLegalHold, action: "s3:GetObjectLegalHold"}
		case has("uploadId"):
			return op{fn: (*Handler).listParts, action: "s3:ListMultipartUploadParts"}
		default:
			return op{fn: (*Handler).getObject, action: "s3:GetObject"}
		}
	case http.MethodHead:
		return op{fn: (*Handler).headObject, action: "s3:GetObject"}
	case http.MethodPut:
		switch {
		case has("tagging"):
			return op{fn: (*Handler).putObjectTagging, prepare: (*Handler).readObjectTagging, action: "s3:PutObjectTagging"}
		case has("retention"):
			return op{fn: (*Handler).putObjectRetention, action: "s3:PutObjectRetention"}
		case has("legal-hold"):
			return op{fn: (*Handler).putObjectLegalHold, action: "s3:PutObjectLegalHold"}
		case has("uploadId") || has("partNumber"):
			if q.r.Header.Get("X-Amz-Copy-Source") != "" {
				return op{fn: uploadPartCopyOp, action: "s3:PutObject"}
			}
			return op{fn: (*Handler).uploadPart, action: "s3:PutObject"}
		case q.r.Header.Get("X-Amz-Copy-Source") != "":
			return op{fn: copyObjectOp, action: "s3:PutObject"}
		default:
			return op{fn: (*Handler).putObject, action: "s3:PutObject"}
		}
	case http.MethodDelete:
		switch {
		case has("tagging"):
			return op{fn: (*Handler).deleteObjectTagging, action: "s3:DeleteObjectTagging"}
		case has("uploadId"):
			return op{fn: (*Handler).abortMultipartUpload, action: "s3:AbortMultipartUpload"}
		default:
			return op{fn: (*Handler).deleteObject, action: "s3:DeleteObject"}
		}
	case http.MethodPost:
		switch {
		case has("uploads"):
			return op{fn: (*Handler).createMultipartUpload, action: "s3:PutObject"}
		case has("uploadId"):
			return op{fn: (*Handler).completeMultipartUpload, action: "s3:PutObject"}
		}
	}
	return op{fn: methodNotAllowed}
}

func methodNotAllowed(h *Handler, q *request) error { return errCode("MethodNotAllowed") }
