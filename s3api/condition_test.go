package s3api_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/wicket-io/wicket/internal/testenv"
)

// TestPreconditionFailedCondition: every failed condition is 412
// PreconditionFailed with S3's message (no final period) and names the
// header that failed in <Condition>, as S3's error bodies do: reads,
// conditional writes (the store's refusal), copy sources, multipart
// completions.
func TestPreconditionFailedCondition(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := context.Background()
	newBucket(t, c, "cond")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
		t.Fatal(err)
	}
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("cond"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("cond"), Key: aws.String("k"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
	if err != nil {
		t.Fatal(err)
	}
	complete := `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>` + aws.ToString(part.ETag) + `</ETag></Part></CompleteMultipartUpload>`
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	now := time.Now().UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		name, method, path, body string
		hdr                      map[string]string
		condition                string
	}{
		{"GET If-Match", "GET", "/cond/k", "", map[string]string{"If-Match": `"nope"`}, "If-Match"},
		{"GET If-Unmodified-Since", "GET", "/cond/k", "", map[string]string{"If-Unmodified-Since": past}, "If-Unmodified-Since"},
		{"PUT If-None-Match *", "PUT", "/cond/k", "new", map[string]string{"If-None-Match": "*"}, "If-None-Match"},
		{"PUT If-Match", "PUT", "/cond/k", "new", map[string]string{"If-Match": `"nope"`}, "If-Match"},
		{"copy source If-Match", "PUT", "/cond/c", "", map[string]string{"X-Amz-Copy-Source": "cond/k", "X-Amz-Copy-Source-If-Match": `"nope"`}, "x-amz-copy-source-If-Match"},
		{"copy source If-None-Match", "PUT", "/cond/c", "", map[string]string{"X-Amz-Copy-Source": "cond/k", "X-Amz-Copy-Source-If-None-Match": "*"}, "x-amz-copy-source-If-None-Match"},
		{"copy source If-Unmodified-Since", "PUT", "/cond/c", "", map[string]string{"X-Amz-Copy-Source": "cond/k", "X-Amz-Copy-Source-If-Unmodified-Since": past}, "x-amz-copy-source-If-Unmodified-Since"},
		{"copy source If-Modified-Since", "PUT", "/cond/c", "", map[string]string{"X-Amz-Copy-Source": "cond/k", "X-Amz-Copy-Source-If-Modified-Since": now}, "x-amz-copy-source-If-Modified-Since"},
		{"complete If-None-Match *", "POST", "/cond/k?uploadId=" + aws.ToString(up.UploadId), complete, map[string]string{"If-None-Match": "*"}, "If-None-Match"},
	} {
		hdr := http.Header{}
		for k, v := range tc.hdr {
			hdr.Set(k, v)
		}
		resp, body := signedRequest(t, env, tc.method, tc.path, []byte(tc.body), hdr)
		var e struct{ Code, Message, Condition string }
		if err := xml.Unmarshal(body, &e); err != nil {
			t.Errorf("%s: %d %s: %v", tc.name, resp.StatusCode, body, err)
			continue
		}
		if resp.StatusCode != http.StatusPreconditionFailed || e.Code != "PreconditionFailed" ||
			e.Message != "At least one of the pre-conditions you specified did not hold" || e.Condition != tc.condition {
			t.Errorf("%s: %d %+v, want 412 PreconditionFailed naming %s", tc.name, resp.StatusCode, e, tc.condition)
		}
	}
	// Nothing was replaced or created.
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("cond"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	out.Body.Close()
	if aws.ToInt64(out.ContentLength) != 1 {
		t.Errorf("k was replaced: %d bytes", aws.ToInt64(out.ContentLength))
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("cond"), Key: aws.String("c")}); apiCode(err) != "NotFound" {
		t.Errorf("HEAD of the refused copy: %v, want NotFound", err)
	}
}
