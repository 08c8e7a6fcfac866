package s3api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wicket-io/wicket/internal/testenv"
)

// TestServerSideEncryption: SSE-S3 (AES256), S3's default, is taken; what
// Wicket cannot give — a KMS key, a customer-provided key — is
// NotImplemented and nothing is stored, rather than kept in the clear; an
// unknown method is InvalidArgument. The same holds for a form upload's
// fields.
func TestServerSideEncryption(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := context.Background()
	newBucket(t, c, "bkt")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("aes"), Body: strings.NewReader("x"),
		ServerSideEncryption: types.ServerSideEncryptionAes256}); err != nil {
		t.Fatalf("PUT with SSE-S3: %v", err)
	}
	key := strings.Repeat("k", 32)
	for _, tc := range []struct {
		name string
		in   *s3.PutObjectInput
		code string
	}{
		{"SSE-KMS", &s3.PutObjectInput{ServerSideEncryption: types.ServerSideEncryptionAwsKms}, "NotImplemented"},
		{"SSE-KMS with a key", &s3.PutObjectInput{ServerSideEncryption: types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String("alias/x")}, "NotImplemented"},
		{"DSSE-KMS", &s3.PutObjectInput{ServerSideEncryption: types.ServerSideEncryptionAwsKmsDsse}, "NotImplemented"},
		{"SSE-C", &s3.PutObjectInput{SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(key)}, "NotImplemented"},
		{"unknown method", &s3.PutObjectInput{ServerSideEncryption: "DES"}, "InvalidArgument"},
		{"a KMS key with AES256", &s3.PutObjectInput{ServerSideEncryption: types.ServerSideEncryptionAes256, SSEKMSKeyId: aws.String("alias/x")}, "InvalidArgument"},
	} {
		in := tc.in
		in.Bucket, in.Key, in.Body = aws.String("bkt"), aws.String("refused"), strings.NewReader("secret")
		if _, err := c.PutObject(ctx, in); apiCode(err) != tc.code {
			t.Errorf("PUT with %s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if _, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("refused"),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms}); apiCode(err) != "NotImplemented" {
		t.Errorf("CreateMultipartUpload with SSE-KMS: %v, want NotImplemented", err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("refused"), CopySource: aws.String("bkt/aes"),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms}); apiCode(err) != "NotImplemented" {
		t.Errorf("CopyObject to SSE-KMS: %v, want NotImplemented", err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("aes"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(key)}); apiCode(err) != "NotImplemented" {
		t.Errorf("GET with a customer key: %v, want NotImplemented", err)
	}
	formRefused(t, env, "x-amz-server-side-encryption", "aws:kms", http.StatusNotImplemented, "NotImplemented")
}

// formRefused posts a form upload of "refused" to bkt with one more field,
// which its policy allows, and checks that it is refused with status and
// code and stores nothing.
func formRefused(t *testing.T, env *testenv.Env, field, value string, status int, code string) {
	t.Helper()
	resp, body := do(t, postUpload{
		conditions: []any{map[string]string{"key": "refused"}, map[string]string{field: value}},
		fields:     [][2]string{{"key", "refused"}, {field, value}},
		file:       "x",
		filename:   "f",
	}.request(t, env))
	if resp.StatusCode != status || !strings.Contains(string(body), "<Code>"+code+"</Code>") {
		t.Errorf("form upload with %s %s: %d %s, want %d %s", field, value, resp.StatusCode, body, status, code)
	}
	_, err := env.S3().HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("refused")})
	if apiCode(err) != "NotFound" {
		t.Errorf("a refused form upload was stored: %v", err)
	}
}

// A bucket's default encryption reads as none (S3's answer for a bucket
// without one): Wicket stores bytes as they came. Deleting it does
// nothing; setting one is NotImplemented.
func TestBucketEncryption(t *testing.T) {
	env := testenv.New(t)
	ctx, c := t.Context(), env.S3()
	newBucket(t, c, "enc")
	if _, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("enc")}); apiCode(err) != "ServerSideEncryptionConfigurationNotFoundError" ||
		apiMessage(err) != "The server side encryption configuration was not found" {
		t.Errorf("GetBucketEncryption: %v", err)
	}
	if _, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("nope")}); apiCode(err) != "NoSuchBucket" {
		t.Errorf("GetBucketEncryption of a missing bucket: %v", err)
	}
	if _, err := c.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: aws.String("enc")}); err != nil {
		t.Errorf("DeleteBucketEncryption: %v", err)
	}
	_, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("enc"), ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
		Rules: []types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256}}}}})
	if apiCode(err) != "NotImplemented" {
		t.Errorf("PutBucketEncryption: %v", err)
	}
}
