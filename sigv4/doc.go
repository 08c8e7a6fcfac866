// Package sigv4 signs, presigns and verifies HTTP requests with AWS
// Signature Version 4, and reads and writes the aws-chunked bodies of
// streaming uploads. It is the Go counterpart of the npm package aws4: it
// works for any AWS service and any AWS-compatible one, against real AWS as
// against Wicket, and it imports nothing but the standard library.
//
// A client signs a request in its Authorization header, or presigns its URL
// so that anyone holding the URL (a browser's <img src>) can make it:
//
//	signer := sigv4.NewSigner() // one for the program: it caches signing keys
//	p := sigv4.Params{Region: "us-east-1", Service: "s3", Time: time.Now()}
//
//	r, _ := http.NewRequest("GET", "https://bucket.s3.us-east-1.amazonaws.com/key", nil)
//	err := signer.Sign(r, creds, p) // sets Authorization, X-Amz-Date, ...
//
//	p.Expires = time.Hour
//	r, _ = http.NewRequest("GET", "https://bucket.s3.us-east-1.amazonaws.com/key", nil)
//	url, err := signer.Presign(r, creds, p)
//
// A server verifies what it receives, with a function that finds the secret
// of an access key:
//
//	v := sigv4.NewVerifier(sigv4.VerifierOptions{Region: "us-east-1", Service: "s3", Secret: lookup})
//	auth, err := v.Verify(r, time.Now(), "")
//
// A failure is an *Error that holds S3's error code, HTTP status and
// message; a signature mismatch also holds the canonical request and
// string to sign the server computed, as S3 returns them, so that a client
// can see where it went wrong.
//
// The steps are named as in AWS's documentation: canonical request, string
// to sign, signing key, signature. Canonicalisation follows AWS exactly: an
// S3 path is its decoded bytes encoded once and never normalised; any
// other service's path is normalised (dot segments, repeated slashes) and
// its escaped form encoded again; query parameters are sorted by key, then
// value; header values are trimmed, with inner runs of spaces folded to
// one, and a repeated header's values joined by commas. Signing matches
// aws-sdk-go-v2 byte for byte (see the tests), except where the SDK does
// not do what AWS does: it neither normalises non-S3 paths nor re-encodes
// S3 paths, and it signs without a default port that it then leaves in the
// URL. Verify accepts both forms, so requests signed by the SDK verify.
//
// Time and payload hashes are passed in, never read inside, so that a test
// pins an exact signature. Signers and verifiers are safe for concurrent
// use and cache signing keys per secret, date, region and service; a
// signature is compared in constant time.
package sigv4
