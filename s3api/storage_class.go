package s3api

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
