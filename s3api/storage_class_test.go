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

// TestStorageClass: a class S3 takes is taken, and the object kept and
// reported in Wicket's one class, STANDARD; a class S3 does not take is
// InvalidStorageClass and nothing is stored; a copy onto itself that
// changes the class is allowed, as on S3.
func TestStorageClass(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := context.Background()
	newBucket(t, c, "bkt")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("ia"), Body: strings.NewReader("x"),
		StorageClass: types.StorageClassStandardIa}); err != nil {
		t.Fatalf("PUT with STANDARD_IA: %v", err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("ia")})
	if err != nil || head.StorageClass != "" {
		t.Errorf("HEAD of an object put as STANDARD_IA: class %q, %v; want none (STANDARD)", head.StorageClass, err)
	}
	for _, class := range []types.StorageClass{"FOO", types.StorageClassExpressOnezone, types.StorageClassOutposts} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("bad"), Body: strings.NewReader("x"),
			StorageClass: class}); apiCode(err) != "InvalidStorageClass" || apiMessage(err) != "The storage class you specified is not valid" {
			t.Errorf("PUT with %s: %v, want InvalidStorageClass", class, err)
		}
	}
	if _, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("bad"), StorageClass: "FOO"}); apiCode(err) != "InvalidStorageClass" {
		t.Errorf("CreateMultipartUpload with FOO: %v, want InvalidStorageClass", err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("ia"), CopySource: aws.String("bkt/ia"),
		StorageClass: types.StorageClassGlacierIr}); err != nil {
		t.Errorf("copy onto itself changing the class: %v", err)
	}
	formRefused(t, env, "x-amz-storage-class", "FOO", http.StatusBadRequest, "InvalidStorageClass")
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("bad")}); apiCode(err) != "NotFound" {
		t.Errorf("a refused upload was stored: %v", err)
	}
}
