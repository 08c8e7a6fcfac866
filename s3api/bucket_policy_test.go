package s3api_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/wicket-io/wicket/internal/testenv"
)

func TestBucketPolicy(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	newBucket(t, c, "bkt")

	if _, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("bkt")}); apiCode(err) != "NoSuchBucketPolicy" {
		t.Fatalf("GetBucketPolicy before a put: %v, want NoSuchBucketPolicy", err)
	}
	// Kept byte for byte, whitespace and all.
	doc := `{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
    "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::bkt/public/*"
  }, {
    "Effect": "Deny", "Principal": {"AWS": ["arn:aws:iam::000000000000:root", "123456789012"]},
    "NotAction": "s3:Get*", "Resource": ["arn:aws:s3:::bkt", "arn:aws:s3:::bkt/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}}
  }]
}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("bkt"), Policy: aws.String(doc)}); err != nil {
		t.Fatalf("PutBucketPolicy: %v", err)
	}
	got, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("bkt")})
	if err != nil || aws.ToString(got.Policy) != doc {
		t.Fatalf("GetBucketPolicy = %q, %v; want the document as put", aws.ToString(got.Policy), err)
	}
	if _, err := c.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatalf("DeleteBucketPolicy: %v", err)
	}
	if _, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("bkt")}); apiCode(err) != "NoSuchBucketPolicy" {
		t.Fatalf("GetBucketPolicy after delete: %v, want NoSuchBucketPolicy", err)
	}
	if _, err := c.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatalf("DeleteBucketPolicy without a policy: %v", err)
	}
	for name, call := range map[string]func() error{
		"Get": func() error {
			_, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("nothere")})
			return err
		},
		"Put": func() error {
			_, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("nothere"), Policy: aws.String(doc)})
			return err
		},
		"Delete": func() error {
			_, err := c.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("nothere")})
			return err
		},
	} {
		if err := call(); apiCode(err) != "NoSuchBucket" {
			t.Errorf("%sBucketPolicy on a missing bucket: %v, want NoSuchBucket", name, err)
		}
	}
}

func TestBucketPolicyMalformed(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	newBucket(t, c, "bkt")
	stmt := func(s string) string { return `{"Version":"2012-10-17","Statement":` + s + `}` }
	const ok = `"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"`
	for _, tc := range []struct {
		name, doc, message string
	}{
		{"not an object", `["Statement"]`, "Policies must be valid JSON and the first byte must be '{'"},
		{"not JSON", `{"Version": "2012-10-17",`, "This policy contains invalid Json"},
		{"too large", `{"Id":"` + strings.Repeat("x", 20<<10) + `"}`, "Policy exceeds the maximum allowed document size."},
		{"unknown version", `{"Version":"2020-01-01","Statement":{` + ok + `}}`, "The policy must contain a valid version string"},
		{"no statement", `{"Version":"2012-10-17"}`, "Missing required field Statement"},
		{"empty statement list", stmt(`[]`), "Could not parse the policy: Statement is empty!"},
		{"statement not an object", stmt(`"Allow"`), "Invalid policy syntax."},
		{"unknown top-level field", `{"Version":"2012-10-17","Statements":[{` + ok + `}]}`, "Unknown field Statements"},
		{"unknown statement field", stmt(`{` + ok + `,"Actions":"s3:*"}`), "Unknown field Actions"},
		{"duplicate field", stmt(`{` + ok + `,"Effect":"Deny"}`), "Statement/policy already has instance of Effect"},
		{"no effect", stmt(`{"Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bkt"}`), "Missing required field Effect"},
		{"bad effect", stmt(`{"Effect":"Permit","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bkt"}`), "Invalid effect: Permit"},
		{"no principal", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bkt"}`), "Missing required field Principal"},
		{"bad principal", stmt(`{"Effect":"Allow","Principal":"everyone","Action":"s3:*","Resource":"arn:aws:s3:::bkt"}`), "Invalid principal in policy"},
		{"bad principal type", stmt(`{"Effect":"Allow","Principal":{"Users":"*"},"Action":"s3:*","Resource":"arn:aws:s3:::bkt"}`), "Invalid principal in policy"},
		{"bad AWS principal", stmt(`{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3:*","Resource":"arn:aws:s3:::bkt"}`), "Invalid principal in policy"},
		{"no action", stmt(`{"Effect":"Allow","Principal":"*","Resource":"arn:aws:s3:::bkt"}`), "Missing required field Action"},
		{"bad action", stmt(`{"Effect":"Allow","Principal":"*","Action":"iam:PassRole","Resource":"arn:aws:s3:::bkt"}`), "Policy has invalid action"},
		{"action and not-action", stmt(`{` + ok + `,"NotAction":"s3:PutObject"}`), "Statement/policy already has instance of Action"},
		{"no resource", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:*"}`), "Missing required field Resource"},
		{"another bucket", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::other/*"}`), "Policy has invalid resource"},
		{"a bucket with this prefix", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bkt2"}`), "Policy has invalid resource"},
		{"every bucket", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}`), "Policy has invalid resource"},
		{"not an ARN", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"bkt/*"}`), "Policy has invalid resource"},
		{"bad condition", stmt(`{` + ok + `,"Condition":["Bool"]}`), "Invalid policy syntax."},
		{"unknown condition operator", stmt(`{` + ok + `,"Condition":{"NotARealOperator":{"aws:SourceIp":"1.2.3.4/32"}}}`), "Invalid Condition type : NotARealOperator"},
		{"operator in lower case", stmt(`{` + ok + `,"Condition":{"stringequals":{"aws:UserAgent":"foo"}}}`), "Invalid Condition type : stringequals"},
		{"Null with IfExists", stmt(`{` + ok + `,"Condition":{"NullIfExists":{"aws:UserAgent":"true"}}}`), "Invalid Condition type : NullIfExists"},
		{"unknown set qualifier", stmt(`{` + ok + `,"Condition":{"ForSomeValues:StringEquals":{"aws:UserAgent":"foo"}}}`), "Invalid Condition type : ForSomeValues:StringEquals"},
		{"not an IP", stmt(`{` + ok + `,"Condition":{"IpAddress":{"aws:SourceIp":"not-an-ip"}}}`), "Invalid IP address in Conditions"},
		{"bad CIDR in a list", stmt(`{` + ok + `,"Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","300.1.1.1/40"]}}}`), "Invalid IP address in Conditions"},
		{"IP key under Null", stmt(`{` + ok + `,"Condition":{"Null":{"aws:SourceIp":"true"}}}`), "Invalid IP address in Conditions"},
		{"unknown S3 key", stmt(`{` + ok + `,"Condition":{"StringEquals":{"s3:FakeKey":"foo"}}}`), "Policy has an invalid condition key"},
		{"unknown global key", stmt(`{` + ok + `,"Condition":{"StringEquals":{"aws:NotARealGlobalKey":"foo"}}}`), "Policy has an invalid condition key"},
		{"tag key without a tag", stmt(`{` + ok + `,"Condition":{"StringEquals":{"s3:ExistingObjectTag/":"foo"}}}`), "Policy has an invalid condition key"},
		{"listing key on GetObject", stmt(`{` + ok + `,"Condition":{"StringEquals":{"s3:prefix":"foo"}}}`),
			"Conditions do not apply to combination of actions and resources in statement"},
		{"listing key on ListBucketMultipartUploads", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:ListBucketMultipartUploads","Resource":"arn:aws:s3:::bkt","Condition":{"StringEquals":{"s3:prefix":"foo"}}}`),
			"Conditions do not apply to combination of actions and resources in statement"},
		{"ACL key on one of two actions", stmt(`{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::bkt/*","Condition":{"StringEquals":{"s3:x-amz-acl":"private"}}}`),
			"Conditions do not apply to combination of actions and resources in statement"},
		{"version key on GetObject", stmt(`{` + ok + `,"Condition":{"StringEquals":{"s3:VersionId":"abc"}}}`),
			"Conditions do not apply to combination of actions and resources in statement"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.PutBucketPolicy(t.Context(), &s3.PutBucketPolicyInput{Bucket: aws.String("bkt"), Policy: aws.String(tc.doc)})
			if apiCode(err) != "MalformedPolicy" || apiMessage(err) != tc.message {
				t.Fatalf("PutBucketPolicy: %v; want MalformedPolicy %q", err, tc.message)
			}
		})
	}
	if _, err := c.GetBucketPolicy(t.Context(), &s3.GetBucketPolicyInput{Bucket: aws.String("bkt")}); apiCode(err) != "NoSuchBucketPolicy" {
		t.Fatalf("a refused policy was stored: %v", err)
	}
	conds := stmt(`{` + ok + `,"Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32","192.0.2.1"]},` +
		`"ForAnyValue:StringLikeIfExists":{"aws:UserAgent":["curl*"]},"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"},"Null":{"aws:TokenIssueTime":"true"}}}`)
	if _, err := c.PutBucketPolicy(t.Context(), &s3.PutBucketPolicyInput{Bucket: aws.String("bkt"), Policy: aws.String(conds)}); err != nil {
		t.Fatalf("valid conditions refused: %v", err)
	}
	// Keys of S3's that apply to the actions named, names in any case, tag
	// keys, keys of other services, and wildcard actions are taken.
	for _, doc := range []string{
		stmt(`{"Effect":"Allow","Principal":"*","Action":["s3:ListBucket","s3:ListBucketVersions"],"Resource":"arn:aws:s3:::bkt","Condition":{"StringLike":{"S3:Prefix":"home/*"},"NumericLessThanEquals":{"s3:max-keys":"10"}}}`),
		stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"StringEquals":{"s3:x-amz-acl":"private","s3:RequestObjectTag/team":"a"},"ForAllValues:StringEquals":{"s3:RequestObjectTagKeys":["team"]}}}`),
		stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:Get*","Resource":"arn:aws:s3:::bkt/*","Condition":{"StringEquals":{"s3:VersionId":"abc","s3:ExistingObjectTag/env":"prod","aws:PrincipalTag/dept":"x"}}}`),
		stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bkt/*","Condition":{"Bool":{"aws:SecureTransport":"false"},"NumericLessThan":{"s3:TlsVersion":"1.2"}}}`),
		stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"StringEquals":{"s3:authType":"REST-QUERY-STRING"},"NumericLessThan":{"s3:signatureAge":"600000"}}}`),
	} {
		if _, err := c.PutBucketPolicy(t.Context(), &s3.PutBucketPolicyInput{Bucket: aws.String("bkt"), Policy: aws.String(doc)}); err != nil {
			t.Errorf("valid conditions refused: %v\n%s", err, doc)
		}
	}
}
