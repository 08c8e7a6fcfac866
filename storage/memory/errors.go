package memory

import (
	"errors"
	"fmt"

	"github.com/wicket-io/wicket"
)

// coded builds an error with S3's precise code: only the store can tell
// NoSuchBucket from NoSuchKey atomically, so it names the code itself. The
// messages are S3's own; detail names what was missing, for logs.
func coded(op string, kind wicket.Kind, code, message, detail string) error {
	return &wicket.Error{Op: op, Kind: kind, Code: code, Message: message, Err: errors.New(detail)}
}

func noSuchBucket(op, bucket string) error {
	return coded(op, wicket.NotFound, "NoSuchBucket", "The specified bucket does not exist", "bucket "+bucket)
}

func noSuchKey(op, bucket, key string) error {
	return coded(op, wicket.NotFound, "NoSuchKey", "The specified key does not exist.", "object "+bucket+"/"+key)
}

func noSuchUpload(op, bucket, key, id string) error {
	return coded(op, wicket.NotFound, "NoSuchUpload",
		"The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
		fmt.Sprintf("upload %s of %s/%s", id, bucket, key))
}

func preconditionFailed(op, bucket, key string) error {
	return coded(op, wicket.Conflict, "PreconditionFailed",
		"At least one of the pre-conditions you specified did not hold", "object "+bucket+"/"+key)
}

func objectLocked(op, bucket, key string) error {
	return coded(op, wicket.AccessDenied, "AccessDenied",
		"Access Denied because object protected by object lock.", "object "+bucket+"/"+key)
}
