package iam_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/wicket-io/wicket/internal/testenv"
)

// TestAccessKeyLastUsed: every key reads as never used (Wicket does not
// record use): its user, "N/A" for service and region and no date, as
// AWS answers for an unused key. The call is authorized on the key's
// user.
func TestAccessKeyLastUsed(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	bob := newUser(t, env, "bob", `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":"iam:GetAccessKeyLastUsed","Resource":"arn:aws:iam::000000000000:user/${aws:username}"},
	  {"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)
	if _, err := env.S3With(bob).ListBuckets(ctx, nil); err != nil {
		t.Fatalf("bob lists buckets: %v", err)
	}
	out, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(bob.AccessKeyID)})
	if err != nil {
		t.Fatalf("GetAccessKeyLastUsed: %v", err)
	}
	if u := out.AccessKeyLastUsed; aws.ToString(out.UserName) != "bob" || u == nil || aws.ToString(u.ServiceName) != "N/A" ||
		aws.ToString(u.Region) != "N/A" || u.LastUsedDate != nil {
		t.Errorf("GetAccessKeyLastUsed = user %q, %+v", aws.ToString(out.UserName), out.AccessKeyLastUsed)
	}

	// Root about its own key, which ListAccessKeys shows without a user.
	out, err = c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(testenv.Root.AccessKeyID)})
	if err != nil || out.UserName != nil || aws.ToString(out.AccessKeyLastUsed.ServiceName) != "N/A" {
		t.Errorf("GetAccessKeyLastUsed of root's key = %+v, %v", out, err)
	}

	_, err = c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String("AKIAAAAAAAAAAAAAAAAA")})
	wantCode(t, "GetAccessKeyLastUsed of an unknown key", err, "NoSuchEntity")
	if m := apiMessage(err); m != "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found." {
		t.Errorf("unknown key: message %q", m)
	}
	for _, id := range []string{"AKIA", "AKIA-AAAAAAAAAAAAAAA"} {
		_, err = c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(id)})
		wantCode(t, "GetAccessKeyLastUsed "+id, err, "ValidationError")
	}

	// bob may ask about his own key, not about carol's or an unknown one;
	// mallory, with no permission, not even about her own.
	carol := newUser(t, env, "carol", "")
	mallory := newUser(t, env, "mallory", "")
	bi := env.IAMWith(bob)
	if _, err := bi.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(bob.AccessKeyID)}); err != nil {
		t.Errorf("bob about his key: %v", err)
	}
	_, err = bi.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(carol.AccessKeyID)})
	wantCode(t, "bob about carol's key", err, "AccessDenied")
	_, err = bi.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String("AKIAAAAAAAAAAAAAAAAA")})
	wantCode(t, "bob about an unknown key", err, "AccessDenied")
	_, err = env.IAMWith(mallory).GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(mallory.AccessKeyID)})
	wantCode(t, "mallory about her key", err, "AccessDenied")
}
