package s3api_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/wicket-io/wicket/internal/testenv"
)

// denied is S3's access-denied message for a caller within the account, as
// the S3 User Guide's "Access denied message examples" give it.
func denied(arn, action, resource, reason string) string {
	return "User: " + arn + " is not authorized to perform: " + action + ` on resource: "` + resource + `" ` + reason
}

// TestAccessDeniedMessages: a denial tells a caller of the account who it
// is, what it may not do on what, and which type of policy refused:
// identity-based, resource-based (the bucket policy) or session policy,
// explicitly or for want of an Allow. An anonymous caller learns nothing
// but "Access Denied".
func TestAccessDeniedMessages(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := context.Background()
	newBucket(t, c, "den")
	for _, k := range []string{"open/a", "open/secret", "open/blocked", "closed/b"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("den"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	creds := iamUser(t, env, "reader", `{
		"Version": "2012-10-17",
		"Statement": [
			{"Effect": "Allow", "Action": ["s3:GetObject", "sts:AssumeRole"], "Resource": ["arn:aws:s3:::den/open/*", "arn:aws:iam::000000000000:role/*"]},
			{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::den/open/secret"}]}`)
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("den"), Policy: aws.String(`{
		"Version": "2012-10-17",
		"Statement": [{"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::000000000000:user/reader"},
			"Action": "s3:GetObject", "Resource": "arn:aws:s3:::den/open/blocked"}]}`)}); err != nil {
		t.Fatal(err)
	}
	u := env.S3With(creds)
	ic := env.IAM()
	const user = "arn:aws:iam::000000000000:user/reader"

	// A role the user may assume, which may read the whole bucket; the
	// session policy of its session allows only open/.
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + user + `"},"Action":"sts:AssumeRole"}]}`
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("all"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("all"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::den/*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	ar, err := env.STSWith(creds).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/all"), RoleSessionName: aws.String("s1"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::den/open/*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	role := env.S3With(aws.Credentials{AccessKeyID: *ar.Credentials.AccessKeyId, SecretAccessKey: *ar.Credentials.SecretAccessKey, SessionToken: *ar.Credentials.SessionToken})
	session := aws.ToString(ar.AssumedRoleUser.Arn)
	if session != "arn:aws:sts::000000000000:assumed-role/all/s1" {
		t.Fatalf("assumed role ARN %q", session)
	}

	for _, tc := range []struct {
		name string
		c    *s3.Client
		key  string
		want string
	}{
		{"no identity policy allows", u, "closed/b", denied(user, "s3:GetObject", "arn:aws:s3:::den/closed/b",
			"because no identity-based policy allows the s3:GetObject action")},
		{"identity policy denies", u, "open/secret", denied(user, "s3:GetObject", "arn:aws:s3:::den/open/secret",
			"with an explicit deny in an identity-based policy")},
		{"bucket policy denies", u, "open/blocked", denied(user, "s3:GetObject", "arn:aws:s3:::den/open/blocked",
			"with an explicit deny in a resource-based policy")},
		// A missing key the caller may read, in a bucket it may not
		// list: refused for the listing, so that it learns nothing.
		{"missing key without s3:ListBucket", u, "open/missing", denied(user, "s3:ListBucket", "arn:aws:s3:::den",
			"because no identity-based policy allows the s3:ListBucket action")},
		{"session policy does not allow", role, "closed/b", denied(session, "s3:GetObject", "arn:aws:s3:::den/closed/b",
			"because no session policy allows the s3:GetObject action")},
	} {
		_, err := tc.c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("den"), Key: aws.String(tc.key)})
		if apiCode(err) != "AccessDenied" || apiMessage(err) != tc.want {
			t.Errorf("%s: %v\nwant AccessDenied %q", tc.name, err, tc.want)
		}
	}
	// What each may do still works.
	for name, cl := range map[string]*s3.Client{"user": u, "session": role} {
		out, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("den"), Key: aws.String("open/a")})
		if err != nil {
			t.Errorf("%s reads open/a: %v", name, err)
			continue
		}
		b, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if string(b) != "open/a" {
			t.Errorf("%s reads open/a: %q", name, b)
		}
	}

	// Anonymous: the bare message.
	req, err := http.NewRequest("GET", env.URL+"/den/closed/b", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, body := do(t, req)
	if resp.StatusCode != 403 || !strings.Contains(string(body), "<Message>Access Denied</Message>") {
		t.Errorf("anonymous GET: %d %s", resp.StatusCode, body)
	}

	// DeleteObjects: each key's error says the same.
	out, err := u.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("den"),
		Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("open/a")}, {Key: aws.String("closed/b")}}}})
	if err != nil || len(out.Deleted) != 0 || len(out.Errors) != 2 {
		t.Fatalf("DeleteObjects = %+v, %v", out, err)
	}
	for i, key := range []string{"open/a", "closed/b"} {
		e := out.Errors[i]
		want := denied(user, "s3:DeleteObject", "arn:aws:s3:::den/"+key, "because no identity-based policy allows the s3:DeleteObject action")
		if aws.ToString(e.Key) != key || aws.ToString(e.Code) != "AccessDenied" || aws.ToString(e.Message) != want {
			t.Errorf("DeleteObjects error %d: %s %s %q, want %s AccessDenied %q", i, aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message), key, want)
		}
	}

	// IAM's own API names the action the same way, without the quotes.
	_, err = env.IAMWith(creds).ListUsers(ctx, &iam.ListUsersInput{})
	want := "User: " + user + " is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::000000000000:user/ because no identity-based policy allows the iam:ListUsers action"
	if apiCode(err) != "AccessDenied" || apiMessage(err) != want {
		t.Errorf("IAM ListUsers: %v\nwant AccessDenied %q", err, want)
	}
}
