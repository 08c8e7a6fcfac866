package s3api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/wicket-io/wicket/internal/testenv"
)

// TestExpectedBucketOwner: x-amz-expected-bucket-owner (and a copy's
// x-amz-source-expected-bucket-owner) lets a request through only when it
// names the account that owns the bucket; another account is AccessDenied
// and a value that is not an account id InvalidBucketOwnerAWSAccountID.
// A refused write writes nothing.
func TestExpectedBucketOwner(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := context.Background()
	newBucket(t, c, "owned")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("owned"), Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
		t.Fatal(err)
	}
	const mine, other = "000000000000", "111122223333"
	for _, tc := range []struct {
		owner, code, message string
	}{
		{mine, "", ""},
		{other, "AccessDenied", "Access Denied"},
		{"AKIAEXAMPLE", "InvalidBucketOwnerAWSAccountID", "The value of the expected bucket owner parameter must be an AWS Account ID... [AKIAEXAMPLE]"},
		{"0000000000000", "InvalidBucketOwnerAWSAccountID", "The value of the expected bucket owner parameter must be an AWS Account ID... [0000000000000]"},
	} {
		_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("owned"), Key: aws.String("k"), ExpectedBucketOwner: aws.String(tc.owner)})
		if apiCode(err) != tc.code || tc.code != "" && apiMessage(err) != tc.message {
			t.Errorf("GET expecting owner %s: %v, want %q %q", tc.owner, err, tc.code, tc.message)
		}
		_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("owned"), ExpectedBucketOwner: aws.String(tc.owner)})
		if apiCode(err) != tc.code {
			t.Errorf("ListObjectsV2 expecting owner %s: %v, want %q", tc.owner, err, tc.code)
		}
	}
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("owned"), Key: aws.String("new"), Body: strings.NewReader("x"), ExpectedBucketOwner: aws.String(other)})
	if apiCode(err) != "AccessDenied" {
		t.Errorf("PUT expecting another owner: %v, want AccessDenied", err)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("owned"), Key: aws.String("copy"), CopySource: aws.String("owned/k"),
		ExpectedSourceBucketOwner: aws.String(other)})
	if apiCode(err) != "AccessDenied" {
		t.Errorf("copy expecting another source owner: %v, want AccessDenied", err)
	}
	for _, k := range []string{"new", "copy"} {
		if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("owned"), Key: aws.String(k)}); apiCode(err) != "NotFound" {
			t.Errorf("HEAD %s after the refused write: %v, want NotFound", k, err)
		}
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("owned"), Key: aws.String("copy"), CopySource: aws.String("owned/k"),
		ExpectedBucketOwner: aws.String(mine), ExpectedSourceBucketOwner: aws.String(mine)}); err != nil {
		t.Errorf("copy expecting the owner: %v", err)
	}
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("owned"), ExpectedBucketOwner: aws.String(other)})
	if apiCode(err) != "AccessDenied" {
		t.Errorf("DeleteBucket expecting another owner: %v, want AccessDenied", err)
	}
}
