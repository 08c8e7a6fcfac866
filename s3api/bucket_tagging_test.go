package s3api_test

import (
	"fmt"
	"net/http"
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
		// AWS keeps the aws: namespace for its own tags.
		{"aws: key", tagSet("team", "web", "aws:cloudformation:stack-name", "s"), "InvalidTag", "System tags cannot be added/updated by requester"},
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

// CreateBucket's Tags have their own words for the aws: namespace.
func TestCreateBucketReservedTag(t *testing.T) {
	env := testenv.New(t)
	_, err := env.S3().CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("bkt"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{Tags: tagSet("aws:x", "y")}})
	const want = `User-defined tag keys can't start with "aws:". This prefix is reserved for system tags. Remove "aws:" from your tag keys and try again.`
	if apiCode(err) != "InvalidTag" || apiMessage(err) != want {
		t.Fatalf("CreateBucket with an aws: tag: %v", err)
	}
	if _, err := env.S3().HeadBucket(t.Context(), &s3.HeadBucketInput{Bucket: aws.String("bkt")}); apiCode(err) != "NotFound" {
		t.Fatalf("bucket created all the same: %v", err)
	}
}

// A Tag without its Value is MalformedXML (the SDKs refuse to send one).
func TestTagWithoutValue(t *testing.T) {
	env := testenv.New(t)
	newBucket(t, env.S3(), "bkt")
	if _, err := env.S3().PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	body := []byte(`<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>`)
	for _, path := range []string{"/bkt?tagging", "/bkt/k?tagging"} {
		resp, err := http.DefaultClient.Do(signed(t, "PUT", env.URL+path, body, map[string]string{"Content-Md5": md5Base64(body)}))
		if err != nil {
			t.Fatal(err)
		}
		if code := errorCode(t, resp); resp.StatusCode != 400 || code != "MalformedXML" {
			t.Errorf("PUT %s with a Tag without Value: %d %s", path, resp.StatusCode, code)
		}
	}
}
