package s3api_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wicket-io/wicket/internal/testenv"
)

func TestObjectTagging(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	newBucket(t, c, "bkt")
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("x"), Tagging: aws.String("from=put")})
	if err != nil {
		t.Fatal(err)
	}
	get := func() []types.Tag {
		t.Helper()
		out, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
		if err != nil {
			t.Fatalf("GetObjectTagging: %v", err)
		}
		return out.TagSet
	}
	if got, want := get(), tagSet("from", "put"); !reflect.DeepEqual(got, want) {
		t.Fatalf("tags from PutObject = %v, want %v", got, want)
	}
	if _, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: tagSet("b", "2", "a", "1")}}); err != nil {
		t.Fatalf("PutObjectTagging: %v", err)
	}
	if got, want := get(), tagSet("a", "1", "b", "2"); !reflect.DeepEqual(got, want) {
		t.Fatalf("tags after PutObjectTagging = %v, want %v", got, want)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil || aws.ToString(head.ETag) != aws.ToString(put.ETag) {
		t.Fatalf("HeadObject after tagging: %v %v; the object must be untouched", head, err)
	}
	obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil || aws.ToInt32(obj.TagCount) != 2 {
		t.Fatalf("GetObject tag count: %v, %v", obj, err)
	}
	obj.Body.Close()
	if _, err := c.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k")}); err != nil {
		t.Fatalf("DeleteObjectTagging: %v", err)
	}
	if got := get(); len(got) != 0 {
		t.Fatalf("tags after DeleteObjectTagging = %v", got)
	}

	for _, tc := range []struct {
		name          string
		bucket, key   string
		tags          []types.Tag
		code, message string
	}{
		{"missing key", "bkt", "nothere", tagSet("a", "1"), "NoSuchKey", ""},
		{"missing bucket", "nothere", "k", tagSet("a", "1"), "NoSuchBucket", ""},
		{"11 tags", "bkt", "k", manyTags(11), "BadRequest", "Object tags cannot be greater than 10"},
		{"duplicate key", "bkt", "k", tagSet("a", "1", "a", "2"), "InvalidTag", "Cannot provide multiple Tags with the same key"},
		{"empty key", "bkt", "k", tagSet("", "1"), "InvalidTag", "The TagKey you have provided is invalid"},
		{"key of 129", "bkt", "k", tagSet(strings.Repeat("k", 129), "1"), "InvalidTag", "The TagKey you have provided is invalid"},
		{"value of 257", "bkt", "k", tagSet("k", strings.Repeat("v", 257)), "InvalidTag", "The TagValue you have provided is invalid"},
		{"key with ?", "bkt", "k", tagSet("key?", "1"), "InvalidTag", "The TagKey you have provided is invalid"},
		{"value with *", "bkt", "k", tagSet("k", "val*"), "InvalidTag", "The TagValue you have provided is invalid"},
		{"aws: key", "bkt", "k", tagSet("aws:foo", "x"), "InvalidTag", "Your TagKey cannot be prefixed with aws:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(tc.bucket), Key: aws.String(tc.key), Tagging: &types.Tagging{TagSet: tc.tags}})
			if apiCode(err) != tc.code || tc.message != "" && apiMessage(err) != tc.message {
				t.Fatalf("PutObjectTagging: %v; want %s %q", err, tc.code, tc.message)
			}
		})
	}
	// x-amz-tagging is a URL query: bad encoding, an empty or repeated name
	// is InvalidArgument; a character AWS does not allow in tags, InvalidTag.
	const badQuery = "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates."
	for _, tc := range []struct{ tagging, code, message string }{
		{"=", "InvalidArgument", badQuery},
		{"key%", "InvalidArgument", badQuery},
		{"key=val&key=val", "InvalidArgument", badQuery},
		{"key(=val", "InvalidTag", "The TagKey you have provided is invalid"},
		{"key=val#", "InvalidTag", "The TagValue you have provided is invalid"},
		{"aws%3Afoo=x", "InvalidTag", "Your TagKey cannot be prefixed with aws:"},
		{"key@-_.:/+1=val%20%2B@", "", ""},
		{"key&&", "", ""},
	} {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("t"), Body: strings.NewReader("x"), Tagging: aws.String(tc.tagging)})
		if apiCode(err) != tc.code || apiMessage(err) != tc.message {
			t.Errorf("PutObject tagged %q: %v; want %s %q", tc.tagging, err, tc.code, tc.message)
		}
	}
	if _, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("nothere")}); apiCode(err) != "NoSuchKey" {
		t.Fatalf("GetObjectTagging of a missing key: %v, want NoSuchKey", err)
	}
	if _, err := c.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("nothere")}); apiCode(err) != "NoSuchKey" {
		t.Fatalf("DeleteObjectTagging of a missing key: %v, want NoSuchKey", err)
	}
}
