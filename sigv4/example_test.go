package sigv4_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/wicket-io/wicket/sigv4"
)

// The examples use the credentials and time of the S3 documentation's
// worked examples, so their signatures are the ones printed there.
var (
	creds = sigv4.Credentials{
		AccessKeyID:     "AKIAIOSFODNN7EXAMPLE",
		SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	}
	signedAt = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
)

func ExampleSigner_Sign() {
	r, _ := http.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/test.txt", nil)
	r.Header.Set("Range", "bytes=0-9")

	signer := sigv4.NewSigner() // share one: it caches signing keys
	err := signer.Sign(r, creds, sigv4.Params{
		Region:      "us-east-1",
		Service:     "s3",
		Time:        signedAt,
		PayloadHash: sigv4.EmptyPayloadHash,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Header.Get("X-Amz-Date"))
	fmt.Println(r.Header.Get("Authorization"))
	// Output:
	// 20130524T000000Z
	// AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41
}

func ExampleSigner_Presign() {
	r, _ := http.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/test.txt", nil)
	url, err := sigv4.NewSigner().Presign(r, creds, sigv4.Params{
		Region:  "us-east-1",
		Service: "s3",
		Time:    signedAt,
		Expires: 24 * time.Hour,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(url)
	// Output:
	// https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404
}

func ExampleVerifier_Verify() {
	verifier := sigv4.NewVerifier(sigv4.VerifierOptions{
		Region:  "us-east-1",
		Service: "s3",
		// Look the key up; a temporary key is good only with its token.
		Secret: func(accessKeyID, sessionToken string) (string, error) {
			if accessKeyID != creds.AccessKeyID || sessionToken != "" {
				return "", sigv4.ErrUnknownAccessKey
			}
			return creds.SecretAccessKey, nil
		},
	})
	check := func(r *http.Request, now time.Time) {
		auth, err := verifier.Verify(r, now, "")
		if e, ok := sigv4.AsError(err); ok {
			fmt.Println(e.Status, e.Code+":", e.Message)
			return
		}
		fmt.Println(auth.AccessKeyID, "until", auth.Expires.Format(time.RFC3339))
	}

	// A server hands Verify the request it received; here, the presigned
	// URL of the S3 documentation.
	url := "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
	check(httptest.NewRequest("GET", url, nil), signedAt.Add(time.Hour))
	check(httptest.NewRequest("GET", url, nil), signedAt.Add(48*time.Hour))
	check(httptest.NewRequest("GET", url+"&x-id=GetObject", nil), signedAt.Add(time.Hour))
	// Output:
	// AKIAIOSFODNN7EXAMPLE until 2013-05-25T00:00:00Z
	// 403 AccessDenied: Request has expired
	// 403 SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided. Check your key and signing method.
}
