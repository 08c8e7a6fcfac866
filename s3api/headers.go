package s3api

import (
	"net/http"
	"strings"

	"github.com/wicket-io/wicket/authn"
)

// checkHeaders applies, before routing, the headers S3 checks whatever the
// operation: the expected bucket owner, server-side encryption, the storage
// class. Each is refused with S3's code rather than ignored, so that a
// client is never told yes to what Wicket would not do.
func checkHeaders(q *request) error {
	if err := checkExpectedOwner(q); err != nil {
		return err
	}
	if err := checkEncryption(q.r.Header); err != nil {
		return err
	}
	return checkStorageClass(q.r.Header.Get("X-Amz-Storage-Class"))
}

// checkExpectedOwner applies x-amz-expected-bucket-owner, and for a copy
// x-amz-source-expected-bucket-owner: a value that is not an account id is
// InvalidBucketOwnerAWSAccountID, and one that is not the account owning
// the bucket AccessDenied, so that a client that names its account never
// reads from or writes to a bucket someone else owns (bucket-owner-condition
// in the S3 User Guide: "the request fails with an HTTP 403 (Access Denied)
// error"; the 400 and its text as LocalStack records them). Wicket's one
// account owns every bucket.
func checkExpectedOwner(q *request) error {
	if q.bucket == "" {
		return nil
	}
	for _, name := range []string{"X-Amz-Expected-Bucket-Owner", "X-Amz-Source-Expected-Bucket-Owner"} {
		v := q.r.Header.Get(name)
		switch {
		case v == "":
		case !isAccountID(v):
			return errCode("InvalidBucketOwnerAWSAccountID", "The value of the expected bucket owner parameter must be an AWS Account ID... ["+v+"]")
		case v != authn.Account:
			return errCode("AccessDenied")
		}
	}
	return nil
}

// storageClasses are the classes S3 takes for an object in a general
// purpose bucket. Wicket has one, STANDARD: every object is kept and
// reported in it, whichever of these the client named; a client that asks
// for a colder class gets the same bytes, readable at once.
var storageClasses = setOf("STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA",
	"INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR")

// checkStorageClass refuses an x-amz-storage-class S3 does not take for
// such a bucket, with S3's InvalidStorageClass.
func checkStorageClass(v string) error {
	if v == "" || storageClasses[v] {
		return nil
	}
	return errCode("InvalidStorageClass")
}

// checkEncryption refuses server-side encryption Wicket cannot give, rather
// than keep in the clear what a client asked to have encrypted under a key:
// SSE-KMS and DSSE-KMS (x-amz-server-side-encryption: aws:kms, aws:kms:dsse)
// and SSE-C (x-amz-server-side-encryption-customer-*, and
// x-amz-copy-source-server-side-encryption-customer-* for a copy's source)
// are NotImplemented. SSE-S3 (AES256), which S3 applies to every object
// whether asked or not, is taken; an unknown method is InvalidArgument, as
// S3 answers ("The encryption method specified is not supported"), and a
// KMS key without aws:kms too. Wicket stores object bytes as they came
// (README); encryption at rest is the disk's.
func checkEncryption(hdr http.Header) error {
	seen := false
	for name := range hdr {
		if strings.Contains(name, "Server-Side-Encryption") {
			seen = true
			if strings.Contains(name, "-Customer-") {
				return errCode("NotImplemented")
			}
		}
	}
	if !seen {
		return nil
	}
	switch v := hdr.Get("X-Amz-Server-Side-Encryption"); v {
	case "", "AES256":
	case "aws:kms", "aws:kms:dsse":
		return errCode("NotImplemented")
	default:
		return errCodeDetail("InvalidArgument", func(e *errorBody) {
			e.Message = "The encryption method specified is not supported"
			e.ArgumentName, e.ArgumentValue = "x-amz-server-side-encryption", v
		})
	}
	if v := hdr.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"); v != "" {
		return errCodeDetail("InvalidArgument", func(e *errorBody) {
			e.Message = "Server Side Encryption with KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms"
			e.ArgumentName, e.ArgumentValue = "x-amz-server-side-encryption-aws-kms-key-id", v
		})
	}
	return nil
}

// directoryOnly refuses a request that carries one of headers, features S3
// has only for directory buckets (appends, conditions on size, times of
// modification or initiation): NotImplemented naming the header, as S3
// answers a header whose feature it lacks. Ignoring it would append by
// overwriting, or delete or abort whatever the condition said.
func directoryOnly(hdr http.Header, headers ...string) error {
	for _, name := range headers {
		if hdr.Get(name) != "" {
			return errCodeDetail("NotImplemented", func(e *errorBody) { e.Header = name })
		}
	}
	return nil
}
