package s3api_test

import (
	"bytes"
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/wicket-io/wicket/internal/testenv"
	"github.com/wicket-io/wicket/s3api"
)

// A bucket or trust policy naming a user by ARN names the user of that
// name when it was saved: one deleted and made again under the name is
// another principal and inherits none of its grants, until a policy naming
// it is saved again (AWS binds the ARN to the unique id on save;
// reference_policies_elements_principal).
func TestPrincipalRecreatedUnderTheSameName(t *testing.T) {
	env := testenv.New(t)
	c, ic, ctx := env.S3(), env.IAM(), t.Context()
	newBucket(t, c, "shared")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
		t.Fatal(err)
	}
	const alice = "arn:aws:iam::000000000000:user/alice"
	noPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}]}`
	putPolicy := func() {
		t.Helper()
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + alice + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]}`
		if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("shared"), Policy: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + alice + `"},"Action":"sts:AssumeRole"}]}`
	reads := func(creds aws.Credentials) bool {
		t.Helper()
		out, err := env.S3With(creds).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("shared"), Key: aws.String("k")})
		if err != nil {
			if apiCode(err) != "AccessDenied" {
				t.Fatal(err)
			}
			return false
		}
		out.Body.Close()
		return true
	}
	assumes := func(creds aws.Credentials) bool {
		t.Helper()
		_, err := env.STSWith(creds).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/helper"), RoleSessionName: aws.String("s1")})
		if err != nil && apiCode(err) != "AccessDenied" {
			t.Fatal(err)
		}
		return err == nil
	}

	first := iamUser(t, env, "alice", noPolicy)
	putPolicy()
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("helper"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	if !reads(first) || !assumes(first) {
		t.Fatal("the user named by the bucket and trust policies is refused")
	}

	// Deleted and made again: another alice.
	deleteIAMUser(t, env, "alice")
	second := iamUser(t, env, "alice", noPolicy)
	if reads(second) {
		t.Error("a user made again under a deleted user's name reads through the deleted user's bucket policy grant")
	}
	if assumes(second) {
		t.Error("a user made again under a deleted user's name assumes the deleted user's role")
	}

	// Saving the policies again names the new alice.
	putPolicy()
	if _, err := ic.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("helper"), PolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	if !reads(second) || !assumes(second) {
		t.Error("the new user is refused after the policies naming it were saved again")
	}
	got, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("shared")})
	if err != nil || !strings.HasPrefix(aws.ToString(got.Policy), `{"Version"`) {
		t.Errorf("GetBucketPolicy = %q, %v; want the document as given", aws.ToString(got.Policy), err)
	}
}

// A bucket policy naming a user or role that does not exist is refused, as
// S3 refuses it, rather than stored to grant nothing.
func TestBucketPolicyNamingNoOne(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	newBucket(t, c, "shared")
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:role/ghost"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]}`
	_, err := c.PutBucketPolicy(t.Context(), &s3.PutBucketPolicyInput{Bucket: aws.String("shared"), Policy: aws.String(doc)})
	if apiCode(err) != "MalformedPolicy" || apiMessage(err) != "Invalid principal in policy" {
		t.Fatalf("a policy naming no one: %v", err)
	}
}

// Bucket policies stored before bindings were kept (the document alone)
// still read, unbound; a record whose bindings do not read is refused.
func TestPolicyRecord(t *testing.T) {
	doc := []byte(`{"Version":"2012-10-17","Statement":[]}`)
	if bound, got, ok := s3api.DecodePolicyRecord(doc); !ok || bound != nil || !bytes.Equal(got, doc) {
		t.Errorf("a document stored alone: %v %q %v", bound, got, ok)
	}
	want := map[string]string{"arn:aws:iam::000000000000:user/alice": "AIDAEXAMPLE"}
	if bound, got, ok := s3api.DecodePolicyRecord(s3api.EncodePolicyRecord(want, doc)); !ok || !maps.Equal(bound, want) || !bytes.Equal(got, doc) {
		t.Errorf("a record: %v %q %v", bound, got, ok)
	}
	if _, _, ok := s3api.DecodePolicyRecord([]byte("wicket-policy-bound {oops\n" + string(doc))); ok {
		t.Error("a record with unreadable bindings was taken")
	}
}
