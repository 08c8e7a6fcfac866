package s3api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/wicket-io/wicket/internal/testenv"
)

// A bucket policy that names the account, by its id or its root ARN,
// names every identity in it: its Deny reaches users and role sessions
// (IAM's Principal reference: the account ARN "does not limit permissions
// to only the root user"). The caller's principals lacked the account, so
// a user with s3:* read and deleted what the account was denied. An Allow
// naming the account still needs the identity's own Allow (delegation).
func TestAccountPrincipal(t *testing.T) {
	env := testenv.New(t)
	ctx, c := t.Context(), env.S3()
	newBucket(t, c, "acct")
	for _, k := range []string{"secret", "open"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("acct"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("acct"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Deny","Principal":{"AWS":"000000000000"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::acct/secret"},
		{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"s3:DeleteObject","Resource":"arn:aws:s3:::acct/secret"},
		{"Effect":"Allow","Principal":{"AWS":"000000000000"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::acct/open"}]}`)}); err != nil {
		t.Fatal(err)
	}
	aliceKey := iamUser(t, env, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},
		{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	alice := env.S3With(aliceKey)
	nobody := env.S3With(iamUser(t, env, "nobody", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`))
	get := func(c *s3.Client, key string) error {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("acct"), Key: aws.String(key)})
		if err == nil {
			out.Body.Close()
		}
		return err
	}
	if err := get(alice, "secret"); apiCode(err) != "AccessDenied" {
		t.Errorf("user GET under the account's Deny: %v", err)
	}
	if _, err := alice.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("acct"), Key: aws.String("secret")}); apiCode(err) != "AccessDenied" {
		t.Errorf("user DELETE under the account root's Deny: %v", err)
	}
	if err := get(alice, "open"); err != nil {
		t.Errorf("user GET allowed by both: %v", err)
	}
	if err := get(nobody, "open"); apiCode(err) != "AccessDenied" {
		t.Errorf("an Allow naming the account granted a user without an identity Allow: %v", err)
	}

	// A role trusting the account (the usual same-account trust policy):
	// alice may assume it, and its session is under the account's Deny.
	ic := env.IAM()
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	out, err := env.STSWith(aliceKey).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/reader"), RoleSessionName: aws.String("sess")})
	if err != nil {
		t.Fatalf("AssumeRole of a role trusting the account: %v", err)
	}
	session := env.S3With(aws.Credentials{AccessKeyID: aws.ToString(out.Credentials.AccessKeyId),
		SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey), SessionToken: aws.ToString(out.Credentials.SessionToken)})
	if err := get(session, "secret"); apiCode(err) != "AccessDenied" {
		t.Errorf("role session GET under the account's Deny: %v", err)
	}
	if err := get(session, "open"); err != nil {
		t.Errorf("role session GET allowed by both: %v", err)
	}
}

// A user's session (GetSessionToken) belongs to that user, not to its name:
// after the user is deleted and another made under the same name, the old
// session gets nothing of the new user's permissions.
func TestSessionOfRecreatedUser(t *testing.T) {
	env := testenv.New(t)
	ctx, c := t.Context(), env.S3()
	newBucket(t, c, "rec")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("rec"), Key: aws.String("k"), Body: strings.NewReader("k")}); err != nil {
		t.Fatal(err)
	}
	const weak = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`
	key := iamUser(t, env, "frank", weak)
	tok, err := env.STSWith(key).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	old := env.S3With(aws.Credentials{AccessKeyID: aws.ToString(tok.Credentials.AccessKeyId),
		SecretAccessKey: aws.ToString(tok.Credentials.SecretAccessKey), SessionToken: aws.ToString(tok.Credentials.SessionToken)})
	if _, err := old.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("the session before: %v", err)
	}
	deleteIAMUser(t, env, "frank")
	time.Sleep(1100 * time.Millisecond) // the new user is made a second after the session
	iamUser(t, env, "frank", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	out, err := old.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("rec"), Key: aws.String("k")})
	if err == nil {
		out.Body.Close()
	}
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("the old session under the new user's name: %v", err)
	}
}

// GetObjectAttributes tells an object's ETag, size and checksums: S3 wants
// s3:GetObject besides s3:GetObjectAttributes (API_GetObjectAttributes).
func TestObjectAttributesNeedGetObject(t *testing.T) {
	env := testenv.New(t)
	ctx, c := t.Context(), env.S3()
	newBucket(t, c, "attr")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("attr"), Key: aws.String("k"), Body: strings.NewReader("k")}); err != nil {
		t.Fatal(err)
	}
	in := &s3.GetObjectAttributesInput{Bucket: aws.String("attr"), Key: aws.String("k"), ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesEtag}}
	only := env.S3With(iamUser(t, env, "attronly", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObjectAttributes","Resource":"*"}]}`))
	if _, err := only.GetObjectAttributes(ctx, in); apiCode(err) != "AccessDenied" || !strings.Contains(apiMessage(err), "s3:GetObject ") {
		t.Errorf("attributes without s3:GetObject: %v", err)
	}
	both := env.S3With(iamUser(t, env, "attrboth", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObjectAttributes","s3:GetObject"],"Resource":"*"}]}`))
	if _, err := both.GetObjectAttributes(ctx, in); err != nil {
		t.Errorf("attributes with both: %v", err)
	}
}

// Setting tags is s3:PutObjectTagging, whichever way the tags come (a PUT's
// x-amz-tagging, a multipart upload's, a form's tagging field), and the
// s3:RequestObjectTag keys are the tags set: a PutObjectTagging document's,
// a form's field — never a form POST's own headers.
func TestTaggingAuthorization(t *testing.T) {
	env := testenv.New(t)
	ctx, c := t.Context(), env.S3()
	newBucket(t, c, "tag")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tag"), Key: aws.String("k"), Body: strings.NewReader("k")}); err != nil {
		t.Fatal(err)
	}
	putOnly := env.S3With(iamUser(t, env, "putonly", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`))
	if _, err := putOnly.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tag"), Key: aws.String("plain"), Body: strings.NewReader("x")}); err != nil {
		t.Fatalf("PUT without tags: %v", err)
	}
	_, err := putOnly.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tag"), Key: aws.String("tagged"), Body: strings.NewReader("x"), Tagging: aws.String("public=yes")})
	if apiCode(err) != "AccessDenied" || !strings.Contains(apiMessage(err), "s3:PutObjectTagging") {
		t.Errorf("PUT with tags and no s3:PutObjectTagging: %v", err)
	}
	if _, err := putOnly.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("tag"), Key: aws.String("mp"), Tagging: aws.String("public=yes")}); apiCode(err) != "AccessDenied" {
		t.Errorf("multipart upload with tags and no s3:PutObjectTagging: %v", err)
	}

	const policy = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:PutObject","s3:PutObjectTagging"],"Resource":"*","Condition":{"ForAllValues:StringEquals":{"s3:RequestObjectTagKeys":["project","classification"]}}},
		{"Effect":"Deny","Action":["s3:PutObject","s3:PutObjectTagging"],"Resource":"*","Condition":{"StringEquals":{"s3:RequestObjectTag/classification":"public"}}}]}`
	carolKey := iamUser(t, env, "carol", policy)
	carol := env.S3With(carolKey)
	for _, tc := range []struct {
		tags []types.Tag
		ok   bool
	}{
		{tagSet("project", "x"), true},
		{tagSet("classification", "public"), false},
		{tagSet("project", "x", "owner", "mallory"), false},
	} {
		_, err := carol.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("tag"), Key: aws.String("k"), Tagging: &types.Tagging{TagSet: tc.tags}})
		if tc.ok && err != nil || !tc.ok && apiCode(err) != "AccessDenied" {
			t.Errorf("PutObjectTagging %v: %v", tc.tags, err)
		}
	}
	got, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("tag"), Key: aws.String("k")})
	if err != nil || len(got.TagSet) != 1 || aws.ToString(got.TagSet[0].Key) != "project" {
		t.Errorf("tags after: %v %v", got, err)
	}

	// A form upload: its tagging field decides, whatever header the POST
	// carries.
	form := func(tagging string, header string) int {
		u := postUpload{bucket: "tag", accessKey: carolKey.AccessKeyID, secret: carolKey.SecretAccessKey,
			conditions: []any{map[string]string{"bucket": "tag"}, []any{"starts-with", "$key", ""}, []any{"starts-with", "$tagging", ""}},
			fields:     [][2]string{{"key", "form"}, {"tagging", tagging}}, file: "x", filename: "x.txt"}
		req := u.request(t, env)
		if header != "" {
			req.Header.Set("X-Amz-Tagging", header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	const public = "<Tagging><TagSet><Tag><Key>classification</Key><Value>public</Value></Tag></TagSet></Tagging>"
	const project = "<Tagging><TagSet><Tag><Key>project</Key><Value>x</Value></Tag></TagSet></Tagging>"
	if code := form(public, "project=x"); code != 403 {
		t.Errorf("form tagged public, with a project header: %d", code)
	}
	if code := form(project, "classification=public"); code != 204 {
		t.Errorf("form tagged project, with a public header: %d", code)
	}
}
