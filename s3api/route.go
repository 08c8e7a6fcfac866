package s3api

import "net/http"

// operation serves one S3 operation.
type operation func(h *Handler, q *request) error

// route picks the operation from the method, whether a bucket and a key are
// named, and the subresource in the query string: S3's own dispatch. A nil
// result is an operation Wicket does not implement.
func route(q *request) operation {
	has := func(k string) bool { _, ok := q.query[k]; return ok }
	m := q.r.Method
	switch {
	case q.bucket == "":
		if m == http.MethodGet || m == http.MethodHead {
			return (*Handler).listBuckets
		}
		return methodNotAllowed
	case q.key == "":
		return routeBucket(q, m, has)
	default:
		return routeObject(q, m, has)
	}
}

// bucketSubresources are the bucket subresources S3 has and Wicket does not
// implement; naming one answers NotImplemented rather than falling through
// to a listing or a bucket creation.
var bucketSubresources = []string{
	"accelerate", "acl", "analytics", "encryption", "intelligent-tiering",
	"inventory", "lifecycle", "logging", "metrics", "notification",
	"object-lock", "ownershipControls", "policyStatus", "publicAccessBlock",
	"replication", "requestPayment", "website", "versions", "session",
	"metadataTable", "metadataConfiguration",
}

func routeBucket(q *request, m string, has func(string) bool) operation {
	for _, s := range bucketSubresources {
		if has(s) {
			return nil
		}
	}
	switch m {
	case http.MethodGet:
		switch {
		case has("location"):
			return (*Handler).getBucketLocation
		case has("versioning"):
			return (*Handler).getBucketVersioning
		case has("policy"):
			return (*Handler).getBucketPolicy
		case has("cors"):
			return (*Handler).getBucketCors
		case has("tagging"):
			return (*Handler).getBucketTagging
		case has("uploads"):
			return (*Handler).listMultipartUploads
		case q.query.Get("list-type") == "2":
			return (*Handler).listObjectsV2
		default:
			return (*Handler).listObjectsV1
		}
	case http.MethodHead:
		return (*Handler).headBucket
	case http.MethodPut:
		switch {
		case has("policy"):
			return (*Handler).putBucketPolicy
		case has("cors"):
			return (*Handler).putBucketCors
		case has("tagging"):
			return (*Handler).putBucketTagging
		case has("versioning"):
			return nil
		default:
			return (*Handler).createBucket
		}
	case http.MethodDelete:
		switch {
		case has("policy"):
			return (*Handler).deleteBucketPolicy
		case has("cors"):
			return (*Handler).deleteBucketCors
		case has("tagging"):
			return (*Handler).deleteBucketTagging
		default:
			return (*Handler).deleteBucket
		}
	case http.MethodPost:
		switch {
		case has("delete"):
			return (*Handler).deleteObjects
		default:
			return (*Handler).postObject
		}
	}
	return methodNotAllowed
}

var objectSubresources = []string{"acl", "attributes", "legal-hold", "retention", "restore", "select", "torrent", "renameObject"}

func routeObject(q *request, m string, has func(string) bool) operation {
	for _, s := range objectSubresources {
		if has(s) {
			return nil
		}
	}
	switch m {
	case http.MethodGet:
		switch {
		case has("tagging"):
			return (*Handler).getObjectTagging
		case has("uploadId"):
			return (*Handler).listParts
		default:
			return (*Handler).getObject
		}
	case http.MethodHead:
		return (*Handler).headObject
	case http.MethodPut:
		switch {
		case has("tagging"):
			return (*Handler).putObjectTagging
		case has("uploadId") || has("partNumber"):
			if q.r.Header.Get("X-Amz-Copy-Source") != "" {
				return (*Handler).uploadPartCopy
			}
			return (*Handler).uploadPart
		case q.r.Header.Get("X-Amz-Copy-Source") != "":
			return (*Handler).copyObject
		default:
			return (*Handler).putObject
		}
	case http.MethodDelete:
		switch {
		case has("tagging"):
			return (*Handler).deleteObjectTagging
		case has("uploadId"):
			return (*Handler).abortMultipartUpload
		default:
			return (*Handler).deleteObject
		}
	case http.MethodPost:
		switch {
		case has("uploads"):
			return (*Handler).createMultipartUpload
		case has("uploadId"):
			return (*Handler).completeMultipartUpload
		}
	}
	return methodNotAllowed
}

func methodNotAllowed(h *Handler, q *request) error { return errCode("MethodNotAllowed") }
