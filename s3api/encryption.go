package s3api

import (
	"net/http"
	"strings"
)

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
