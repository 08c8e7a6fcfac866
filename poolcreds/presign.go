package poolcreds

// The presign helpers sign with Wicket's sigv4 package rather than the
// SDK's s3.PresignClient: sigv4 makes the URL aws-sdk-go-v2 makes (its tests
// hold it to that, byte for byte) without an s3.Client and its endpoint
// resolution, and without the SDK's checksum middleware, whose parameters
// and headers in presigned requests have changed between SDK versions and
// made presigned uploads fail more than once; and it takes the signing
// time as an argument, so that the URL's own expiry and the one reported
// here come from the same instant.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/wicket-io/wicket/sigv4"
)

// Object names an S3 object and where it is served.
type Object struct {
	// Endpoint is the base URL of an S3-compatible endpoint, such as
	// Wicket's (http://localhost:9000); URLs are then path-style,
	// Endpoint/bucket/key. Empty means AWS: https://bucket.s3.region.amazonaws.com/key,
	// or path-style on s3.region.amazonaws.com for a bucket whose name is
	// no host label.
	Endpoint string
	// Region is the region to sign for. Empty means us-east-1.
	Region string
	Bucket string
	Key    string
}

// signer is shared by the helpers, for its cache of signing keys.
var signer = sigv4.NewSigner()

// PresignGet returns a URL that lets anyone who holds it GET obj, signed with
// creds (a Provider, or any other), and the time the URL stops working:
// now + expires, or the credentials' expiry if that is earlier, since a URL
// made with temporary credentials dies with them; with a Provider, that is
// normally no sooner than its expiry window. expires is 1s to 7 days, in whole
// seconds.
func PresignGet(ctx context.Context, creds aws.CredentialsProvider, obj Object, expires time.Duration) (string, time.Time, error) {
	return presign(ctx, http.MethodGet, creds, obj, expires, time.Now())
}

// PresignPut is PresignGet for a PUT that uploads obj. No header is
// signed: the uploader may send any Content-Type.
func PresignPut(ctx context.Context, creds aws.CredentialsProvider, obj Object, expires time.Duration) (string, time.Time, error) {
	return presign(ctx, http.MethodPut, creds, obj, expires, time.Now())
}

func presign(ctx context.Context, method string, creds aws.CredentialsProvider, obj Object, expires time.Duration, now time.Time) (string, time.Time, error) {
	if creds == nil {
		return "", time.Time{}, errors.New("poolcreds: presign: no credentials provider")
	}
	if obj.Bucket == "" || obj.Key == "" {
		return "", time.Time{}, errors.New("poolcreds: presign: bucket and key are required")
	}
	region := obj.Region
	if region == "" {
		region = "us-east-1"
	}
	rawURL, err := objectURL(obj, region)
	if err != nil {
		return "", time.Time{}, err
	}
	c, err := creds.Retrieve(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	// X-Amz-Date counts whole seconds, and so does X-Amz-Expires: the
	// expiry reported is the one the URL states.
	now = now.UTC().Truncate(time.Second)
	expires = expires.Truncate(time.Second)
	if c.CanExpire && !now.Before(c.Expires) {
		return "", time.Time{}, fmt.Errorf("poolcreds: presign: the credentials expired at %s", c.Expires.UTC().Format(time.RFC3339))
	}
	r, err := http.NewRequestWithContext(ctx, method, rawURL, nil)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("poolcreds: presign: %w", err)
	}
	u, err := signer.Presign(r, sigv4.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken},
		sigv4.Params{Region: region, Service: "s3", Time: now, Expires: expires})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("poolcreds: presign: %w", err)
	}
	until := now.Add(expires)
	if c.CanExpire && c.Expires.Before(until) {
		until = c.Expires
	}
	return u, until, nil
}

// objectURL is the unsigned URL of obj.
func objectURL(obj Object, region string) (string, error) {
	key := sigv4.EncodeURI(obj.Key, true)
	if obj.Endpoint != "" {
		base := strings.TrimSuffix(obj.Endpoint, "/")
		if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
			return "", fmt.Errorf("poolcreds: presign: endpoint %q is not an http:// or https:// URL", obj.Endpoint)
		}
		return base + "/" + sigv4.EncodeURI(obj.Bucket, false) + "/" + key, nil
	}
	if hostLabel(obj.Bucket) {
		return "https://" + obj.Bucket + ".s3." + region + ".amazonaws.com/" + key, nil
	}
	return "https://s3." + region + ".amazonaws.com/" + sigv4.EncodeURI(obj.Bucket, false) + "/" + key, nil
}

// hostLabel reports whether a bucket name can be the first label of a host
// name under TLS: lower-case letters, digits and inner hyphens, no dots
// (which a wildcard certificate does not cover).
func hostLabel(b string) bool {
	if len(b) < 3 || len(b) > 63 || b[0] == '-' || b[len(b)-1] == '-' {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
