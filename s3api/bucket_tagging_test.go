package s3api_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wicket-io/wicket/internal/testenv"
)

func tagSet(kv ...string) []types.Tag {
	tags := []types.Tag{}
	for i := 0; i < len(kv); i += 2 {
		tags = append(tags, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return tags
}

func manyTags(n int) []types.Tag {
	var kv []string
	for i := range n {
		kv = append(kv, fmt.Sprintf("k%02d", i), "v")
	}
	return tagSet(kv...)
}

func TestBucketTagging(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	newBucket(t, c, "bkt")

	if _, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("bkt")}); apiCode(err) != "NoSuchTagSet" {
		t.Fatalf("GetBucketTagging before a put: %v, want NoSuchTagSet", err)
	}
	put := func(tags []types.Tag) error {
		_, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("bkt"), Tagging: &types.Tagging{TagSet: tags}})
		return err
	}
	if err := put(tagSet("team", "web", "cost-centre", "42", "empty", "")); err != nil {
		t.Fatalf("PutBucketTagging: %v", err)
	}
	got, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("bkt")})
	if err != nil {
		t.Fatalf("GetBucketTagging: %v", err)
	}
	if want := tagSet("cost-centre", "42", "empty", "", "team", "web"); !reflect.DeepEqual(got.TagSet, want) {
		t.Fatalf("GetBucketTagging = %v, want %v", got.TagSet, want)
	}
	if err := put(manyTags(50)); err != nil {
		t.Fatalf("PutBucketTagging with 50 tags: %v", err)
	}
	if got, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("bkt")}); err != nil || len(got.TagSet) != 50 {
		t.Fatalf("GetBucketTagging after a replace: %d tags, %v", len(got.TagSet), err)
	}
	if _, err := c.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatalf("DeleteBucketTagging: %v", err)
	}
	if _, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("bkt")}); apiCode(err) != "NoSuchTagSet" {
		t.Fatalf("GetBucketTagging after delete: %v, want NoSuchTagSet", err)
	}
	// An empty tag set removes the tags.
	if err := put(tagSet("a", "b")); err != nil {
		t.Fatal(err)
	}
	if err := put(tagSet()); err != nil {
		t.Fatalf("PutBucketTagging with no tags: %v", err)
	}
	if _, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("bkt")}); apiCode(err) != "NoSuchTagSet" {
		t.Fatalf("GetBucketTagging after an empty put: %v, want NoSuchTagSet", err)
	}
	if _, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("nothere")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("GetBucketTagging on a missing bucket: %v, want NoSuchBucket", err)
	}

	for _, tc := range []struct {
		name          string
		tags          []types.Tag
		code, message string
	}{
		{"51 tags", manyTags(51), "BadRequest", "Bucket tag count cannot be greater than 50"},
		{"duplicate key", tagSet("a", "1", "a", "2"), "InvalidTag", "Cannot provide multiple Tags with the same key"},
		{"empty key", tagSet("", "v"), "InvalidTag", "The TagKey you have provided is invalid"},
		{"key of 129", tagSet(strings.Repeat("k", 129), "v"), "InvalidTag", "The TagKey you have provided is invalid"},
		{"value of 257", tagSet("k", strings.Repeat("v", 257)), "InvalidTag", "The TagValue you have provided is invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := put(tc.tags); apiCode(err) != tc.code || apiMessage(err) != tc.message {
				t.Fatalf("PutBucketTagging: %v; want %s %q", err, tc.code, tc.message)
			}
		})
	}
	// Limits count characters, not bytes.
	if err := put(tagSet(strings.Repeat("ключ", 32), strings.Repeat("é", 256))); err != nil {
		t.Fatalf("PutBucketTagging with 128-character key and 256-character value: %v", err)
	}
}
