package s3api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/wicket-io/wicket/internal/testenv"
	"github.com/wicket-io/wicket/sigv4"
)

// apiMessage is the message of an S3 error the SDK returned.
func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

// signedRequest sends a request signed with the root credentials, for what
// the SDK cannot send (a body without a digest, a bad digest, an Origin).
func signedRequest(t *testing.T, env *testenv.Env, method, path string, body []byte, hdr http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, env.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	sum := sha256.Sum256(body)
	creds := sigv4.Credentials{AccessKeyID: testenv.Root.AccessKeyID, SecretAccessKey: testenv.Root.SecretAccessKey}
	if err := sigv4.NewSigner().Sign(req, creds, sigv4.Params{Region: testenv.Region, Service: "s3", Time: time.Now(), PayloadHash: hex.EncodeToString(sum[:])}); err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

// client follows no redirect, so that a test sees the 303 of a form upload.
var client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// do sends req and reads the whole response.
func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}
