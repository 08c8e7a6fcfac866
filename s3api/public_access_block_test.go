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

// TestPublicAccessBlock: a bucket's Block Public Access settings are put,
// read and deleted as on S3; BlockPublicPolicy refuses a public bucket
// policy with S3's message and lets a non-public one through;
// RestrictPublicBuckets takes a public policy's grant away from anonymous
// callers while users of the account keep it.
func TestPublicAccessBlock(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := context.Background()
	newBucket(t, c, "pab")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("pab"), Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("pab")}); apiCode(err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Fatalf("GetPublicAccessBlock of a bucket without one: %v", err)
	}
	put := func(block, restrict bool) {
		t.Helper()
		if _, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("pab"), PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(false), BlockPublicPolicy: aws.Bool(block), RestrictPublicBuckets: aws.Bool(restrict)}}); err != nil {
			t.Fatalf("PutPublicAccessBlock: %v", err)
		}
	}
	put(true, false)
	got, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("pab")})
	if err != nil {
		t.Fatal(err)
	}
	if g := got.PublicAccessBlockConfiguration; !aws.ToBool(g.BlockPublicAcls) || aws.ToBool(g.IgnorePublicAcls) || !aws.ToBool(g.BlockPublicPolicy) || aws.ToBool(g.RestrictPublicBuckets) {
		t.Errorf("GetPublicAccessBlock = %+v", g)
	}

	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pab/*"}]}`
	_, err = c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("pab"), Policy: aws.String(public)})
	want := `User: arn:aws:iam::000000000000:root is not authorized to perform: s3:PutBucketPolicy on resource: "arn:aws:s3:::pab" because public policies are blocked by the BlockPublicPolicy block public access setting.`
	if apiCode(err) != "AccessDenied" || apiMessage(err) != want {
		t.Errorf("a public policy under BlockPublicPolicy: %v\nwant AccessDenied %q", err, want)
	}
	if _, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("pab")}); apiCode(err) != "NoSuchBucketPolicy" {
		t.Errorf("the refused policy was stored: %v", err)
	}
	vpce := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pab/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("pab"), Policy: aws.String(vpce)}); err != nil {
		t.Errorf("a policy held to one VPC endpoint under BlockPublicPolicy: %v", err)
	}

	// Without the block the public policy goes in, and anonymous callers
	// read through it until RestrictPublicBuckets is on.
	if _, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("pab")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("pab")}); apiCode(err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Errorf("GetPublicAccessBlock after the delete: %v", err)
	}
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("pab"), Policy: aws.String(public)}); err != nil {
		t.Fatal(err)
	}
	anonymous := func() int {
		t.Helper()
		req, err := http.NewRequest("GET", env.URL+"/pab/k", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, _ := do(t, req)
		return resp.StatusCode
	}
	if code := anonymous(); code != 200 {
		t.Errorf("anonymous GET through the public policy: %d", code)
	}
	user := env.S3With(iamUser(t, env, "insider", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`))
	put(false, true)
	if code := anonymous(); code != 403 {
		t.Errorf("anonymous GET under RestrictPublicBuckets: %d, want 403", code)
	}
	if _, err := user.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("pab"), Key: aws.String("k")}); err != nil {
		t.Errorf("a user of the account reading through the public policy under RestrictPublicBuckets: %v", err)
	}
	put(false, false)
	if code := anonymous(); code != 200 {
		t.Errorf("anonymous GET once RestrictPublicBuckets is off: %d", code)
	}
	body := []byte(`<PublicAccessBlockConfiguration><BlockPublicPolicy>maybe</BlockPublicPolicy></PublicAccessBlockConfiguration>`)
	resp, out := signedRequest(t, env, "PUT", "/pab?publicAccessBlock", body, http.Header{"Content-Md5": {md5Base64(body)}})
	if resp.StatusCode != 400 || !strings.Contains(string(out), "<Code>MalformedXML</Code>") {
		t.Errorf("a malformed configuration: %d %s", resp.StatusCode, out)
	}
}

// TestBucketPolicyStatus: GetBucketPolicyStatus says whether the bucket
// policy is public as Block Public Access judges it.
func TestBucketPolicyStatus(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := context.Background()
	newBucket(t, c, "status")
	if _, err := c.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String("status")}); apiCode(err) != "NoSuchBucketPolicy" {
		t.Errorf("GetBucketPolicyStatus without a policy: %v", err)
	}
	for _, tc := range []struct {
		policy string
		public bool
	}{
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::status/*"}]}`, true},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::status/*"}]}`, false},
	} {
		if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("status"), Policy: aws.String(tc.policy)}); err != nil {
			t.Fatal(err)
		}
		out, err := c.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String("status")})
		if err != nil || aws.ToBool(out.PolicyStatus.IsPublic) != tc.public {
			t.Errorf("GetBucketPolicyStatus of %s: %+v, %v; want IsPublic %v", tc.policy, out, err, tc.public)
		}
	}
	if _, err := c.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String("missing")}); apiCode(err) != "NoSuchBucket" {
		t.Errorf("GetBucketPolicyStatus of a missing bucket: %v", err)
	}
}
