package s3api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wicket-io/wicket/internal/testenv"
)

// TestConditionalDelete: DeleteObject's If-Match and a DeleteObjects
// entry's ETag delete only the object they name (or any object, for "*"),
// as S3 does for general purpose buckets: another ETag is 412 and keeps
// the object, no object is NoSuchKey. Naming an ETag takes s3:GetObject
// besides s3:DeleteObject, and a bucket policy can require If-Match with
// s3:if-match.
func TestConditionalDelete(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := context.Background()
	newBucket(t, c, "conddel")
	put := func(key string) string {
		t.Helper()
		out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("conddel"), Key: aws.String(key), Body: strings.NewReader("v of " + key)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.ETag)
	}
	exists := func(key string) bool {
		_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("conddel"), Key: aws.String(key)})
		return err == nil
	}
	etag := put("k")
	const other = `"ffffffffffffffffffffffffffffffff"`
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("conddel"), Key: aws.String("k"), IfMatch: aws.String(other)}); apiCode(err) != "PreconditionFailed" || !exists("k") {
		t.Fatalf("DeleteObject If-Match another ETag: %v (still there: %v), want PreconditionFailed", err, exists("k"))
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("conddel"), Key: aws.String("k"), IfMatch: aws.String(etag)}); err != nil || exists("k") {
		t.Fatalf("DeleteObject If-Match its ETag: %v (still there: %v)", err, exists("k"))
	}
	for _, m := range []string{etag, "*"} {
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("conddel"), Key: aws.String("k"), IfMatch: aws.String(m)}); apiCode(err) != "NoSuchKey" {
			t.Errorf("DeleteObject If-Match %s of no object: %v, want NoSuchKey", m, err)
		}
	}
	put("k")
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("conddel"), Key: aws.String("k"), IfMatch: aws.String("*")}); err != nil || exists("k") {
		t.Fatalf("DeleteObject If-Match *: %v (still there: %v)", err, exists("k"))
	}

	a := put("a")
	put("b")
	out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("conddel"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("a"), ETag: aws.String(a)}, {Key: aws.String("b"), ETag: aws.String(other)}, {Key: aws.String("gone"), ETag: aws.String("*")}}}})
	if err != nil || len(out.Deleted) != 1 || aws.ToString(out.Deleted[0].Key) != "a" || len(out.Errors) != 2 ||
		aws.ToString(out.Errors[0].Code) != "PreconditionFailed" || aws.ToString(out.Errors[1].Code) != "NoSuchKey" {
		t.Fatalf("DeleteObjects with ETags: %+v, %v", out, err)
	}
	if exists("a") || !exists("b") {
		t.Errorf("after DeleteObjects: a there %v (want false), b there %v (want true)", exists("a"), exists("b"))
	}

	// Permissions: an ETag needs s3:GetObject too; "*" does not.
	u := env.S3With(iamUser(t, env, "deleter", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::conddel/*"}]}`))
	etag = put("k")
	_, err = u.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("conddel"), Key: aws.String("k"), IfMatch: aws.String(etag)})
	if apiCode(err) != "AccessDenied" || !strings.Contains(apiMessage(err), "s3:GetObject") || !exists("k") {
		t.Errorf("conditional delete by ETag without s3:GetObject: %v, want AccessDenied naming s3:GetObject", err)
	}
	if _, err := u.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("conddel"), Key: aws.String("k"), IfMatch: aws.String("*")}); err != nil || exists("k") {
		t.Errorf("conditional delete with * by s3:DeleteObject alone: %v", err)
	}

	// A bucket policy that denies deletes without If-Match.
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("conddel"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::conddel/*","Condition":{"Null":{"s3:if-match":"true"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	put("k")
	if _, err := u.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("conddel"), Key: aws.String("k")}); apiCode(err) != "AccessDenied" || !exists("k") {
		t.Errorf("unconditional delete under a policy requiring If-Match: %v, want AccessDenied", err)
	}
	if _, err := u.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("conddel"), Key: aws.String("k"), IfMatch: aws.String("*")}); err != nil || exists("k") {
		t.Errorf("conditional delete under a policy requiring If-Match: %v", err)
	}
}

// TestDirectoryBucketHeaders: appends and the size and time conditions S3
// has only for directory buckets are NotImplemented, naming the header, and
// change nothing — ignoring them would overwrite instead of append, or
// delete and abort whatever the condition said.
func TestDirectoryBucketHeaders(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := context.Background()
	newBucket(t, c, "dirhdr")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("dirhdr"), Key: aws.String("k"), Body: strings.NewReader("0123456789")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("dirhdr"), Key: aws.String("k"), Body: strings.NewReader("more"),
		WriteOffsetBytes: aws.Int64(10)}); apiCode(err) != "NotImplemented" {
		t.Errorf("PUT with x-amz-write-offset-bytes: %v, want NotImplemented", err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("dirhdr"), Key: aws.String("k"), IfMatchSize: aws.Int64(3)}); apiCode(err) != "NotImplemented" {
		t.Errorf("DELETE with x-amz-if-match-size: %v, want NotImplemented", err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("dirhdr"), Key: aws.String("k")})
	if err != nil || aws.ToInt64(head.ContentLength) != 10 {
		t.Errorf("the object after the refused append and delete: %v, %v", head, err)
	}
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("dirhdr"), Key: aws.String("u")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("dirhdr"), Key: aws.String("u"), UploadId: up.UploadId,
		IfMatchInitiatedTime: aws.Time(time.Now())}); apiCode(err) != "NotImplemented" {
		t.Errorf("abort with x-amz-if-match-initiated-time: %v, want NotImplemented", err)
	}
	if _, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("dirhdr"), Key: aws.String("u"), UploadId: up.UploadId}); err != nil {
		t.Errorf("the upload after the refused abort: %v", err)
	}
	resp, body := signedRequest(t, env, "DELETE", "/dirhdr/k", nil, http.Header{"X-Amz-If-Match-Last-Modified-Time": {time.Now().UTC().Format(http.TimeFormat)}})
	if resp.StatusCode != http.StatusNotImplemented || !strings.Contains(string(body), "<Header>x-amz-if-match-last-modified-time</Header>") {
		t.Errorf("DELETE with x-amz-if-match-last-modified-time: %d %s", resp.StatusCode, body)
	}
}
