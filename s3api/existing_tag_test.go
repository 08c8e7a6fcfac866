package s3api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wicket-io/wicket/internal/testenv"
)

// s3:ExistingObjectTag/<key> carries the tags of the object a read (or a
// tag change) acts on: a bucket policy opens to anonymous callers only the
// objects tagged public=yes, an IAM user's policy only those tagged
// team=blue, and a copy is judged by its source's tags. PutObject does not
// carry them (S3 does not support the key there), so a policy conditioned
// on them does not allow an overwrite.
func TestExistingObjectTag(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := context.Background()
	newBucket(t, c, "tagged")
	for key, tagging := range map[string]string{"pub": "public=yes", "priv": "public=no", "none": "", "blue": "team=blue", "red": "team=red"} {
		in := &s3.PutObjectInput{Bucket: aws.String("tagged"), Key: aws.String(key), Body: strings.NewReader("data of " + key)}
		if tagging != "" {
			in.Tagging = aws.String(tagging)
		}
		if _, err := c.PutObject(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("tagged"), Policy: aws.String(`{
		"Version": "2012-10-17",
		"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
			"Resource": "arn:aws:s3:::tagged/*",
			"Condition": {"StringEquals": {"s3:ExistingObjectTag/public": "yes"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]int{"pub": 200, "priv": 403, "none": 403, "missing": 403} {
		resp, err := env.Client().Get(env.URL + "/tagged/" + key)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("anonymous GET %s: %d, want %d", key, resp.StatusCode, want)
		}
	}

	// An IAM user who may read and copy objects of team blue.
	u := env.S3With(iamUser(t, env, "bluey", `{
		"Version": "2012-10-17",
		"Statement": [
			{"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectTagging", "s3:PutObject"], "Resource": "arn:aws:s3:::tagged/*",
			 "Condition": {"StringEquals": {"s3:ExistingObjectTag/team": "blue"}}},
			{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::tagged/copies/*"}]}`))
	code := func(err error) string {
		if err == nil {
			return "ok"
		}
		return apiCode(err)
	}
	for key, want := range map[string]string{"blue": "ok", "red": "AccessDenied", "none": "AccessDenied"} {
		_, err := u.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tagged"), Key: aws.String(key)})
		if got := code(err); got != want {
			t.Errorf("bluey GET %s: %s, want %s", key, got, want)
		}
		_, err = u.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("tagged"), Key: aws.String(key)})
		if got := code(err); got != want {
			t.Errorf("bluey GetObjectTagging %s: %s, want %s", key, got, want)
		}
		_, err = u.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("tagged"), Key: aws.String("copies/" + key),
			CopySource: aws.String("tagged/" + key), TaggingDirective: types.TaggingDirectiveReplace})
		if got := code(err); got != want {
			t.Errorf("bluey copy of %s: %s, want %s", key, got, want)
		}
	}
	// The condition does not apply to PutObject: the tagged allow does not
	// cover an overwrite of a blue object.
	_, err := u.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tagged"), Key: aws.String("blue"), Body: strings.NewReader("x")})
	if got := code(err); got != "AccessDenied" {
		t.Errorf("bluey overwrite of blue: %s, want AccessDenied", got)
	}
}
