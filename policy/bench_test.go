package policy

import (
	"testing"
)

// benchPolicy is five statements of the kind a role's policy holds:
// variables in resources and conditions, a Deny with conditions, IP and
// date conditions, and a NotResource.
const benchPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ListOwnPrefix",
      "Effect": "Allow",
      "Action": "s3:ListBucket",
      "Resource": "arn:aws:s3:::storage-bucket",
      "Condition": {"StringLike": {"s3:prefix": ["public/", "public/*", "private/${cognito-identity.amazonaws.com:sub}/*"]}}
    },
    {
      "Sid": "OwnObjects",
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      "Resource": [
        "arn:aws:s3:::storage-bucket/private/${cognito-identity.amazonaws.com:sub}/*",
        "arn:aws:s3:::storage-bucket/protected/${cognito-identity.amazonaws.com:sub}/*"
      ],
      "Condition": {
        "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32"]},
        "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}
      }
    },
    {
      "Sid": "ReadShared",
      "Effect": "Allow",
      "Action": "s3:Get*",
      "Resource": ["arn:aws:s3:::storage-bucket/public/*", "arn:aws:s3:::storage-bucket/protected/*"]
    },
    {
      "Sid": "DenyInsecure",
      "Effect": "Deny",
      "Action": "s3:*",
      "Resource": "*",
      "Condition": {"Bool": {"aws:SecureTransport": "false"}, "StringNotEqualsIfExists": {"aws:PrincipalTag/team": "${aws:PrincipalTag/team}"}}
    },
    {
      "Sid": "DenyOtherBuckets",
      "Effect": "Deny",
      "Action": "s3:*",
      "NotResource": ["arn:aws:s3:::storage-bucket", "arn:aws:s3:::storage-bucket/*"]
    }
  ]
}`

func benchSetup(tb testing.TB) (*Set, *Request) {
	p := mustParse(tb, benchPolicy, Identity)
	s := &Set{Identity: []Named{{Name: "role/app inline policy storage", Policy: p}}}
	var ctx Context
	ctx.Set("aws:SourceIp", "192.0.2.44")
	ctx.Set("aws:CurrentTime", "2025-03-14T15:09:26Z")
	ctx.Set("aws:SecureTransport", "true")
	ctx.Set("aws:username", "alice")
	ctx.Set("aws:userid", "AIDAEXAMPLE:alice")
	ctx.Set("aws:PrincipalTag/team", "blue")
	ctx.Set("cognito-identity.amazonaws.com:sub", "us-east-1:0f5e8a6e-1111-4c1e-9a49-aaaaaaaaaaaa")
	ctx.Set("cognito-identity.amazonaws.com:aud", "us-east-1:pool")
	ctx.Set("cognito-identity.amazonaws.com:amr", "authenticated", "cognito-idp.us-east-1.amazonaws.com/us-east-1_pool")
	r := &Request{
		Principal: session,
		Action:    "s3:PutObject",
		Resource:  "arn:aws:s3:::storage-bucket/private/us-east-1:0f5e8a6e-1111-4c1e-9a49-aaaaaaaaaaaa/photos/2025/cat.jpg",
		Context:   &ctx,
	}
	if d := Evaluate(s, r); d != Allow {
		tb.Fatalf("benchmark request: %v, want Allow: %s", d, Explain(s, r))
	}
	return s, r
}

func BenchmarkEvaluate(b *testing.B) {
	s, r := benchSetup(b)
	b.ReportAllocs()
	for b.Loop() {
		if Evaluate(s, r) != Allow {
			b.Fatal("not allowed")
		}
	}
}

// BenchmarkEvaluateDenied is the request that reaches every statement and
// matches none: another user's prefix.
func BenchmarkEvaluateDenied(b *testing.B) {
	s, r := benchSetup(b)
	r.Resource = "arn:aws:s3:::storage-bucket/private/us-east-1:0f5e8a6e-2222-4c1e-9a49-bbbbbbbbbbbb/photos/2025/cat.jpg"
	b.ReportAllocs()
	for b.Loop() {
		if Evaluate(s, r) != Deny {
			b.Fatal("not denied")
		}
	}
}

func BenchmarkExplain(b *testing.B) {
	s, r := benchSetup(b)
	b.ReportAllocs()
	for b.Loop() {
		Explain(s, r)
	}
}

func BenchmarkParse(b *testing.B) {
	doc := []byte(benchPolicy)
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := Parse(doc, Identity); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkContext is a server's per-request work on a reused Context.
func BenchmarkContext(b *testing.B) {
	var ctx Context
	b.ReportAllocs()
	for b.Loop() {
		ctx.Reset()
		ctx.Set("aws:SourceIp", "192.0.2.44")
		ctx.Set("aws:CurrentTime", "2025-03-14T15:09:26Z")
		ctx.Set("aws:SecureTransport", "true")
		ctx.Set("aws:PrincipalTag/Team", "blue")
		ctx.Set("cognito-identity.amazonaws.com:amr", "authenticated", "cognito-idp.us-east-1.amazonaws.com/us-east-1_pool")
		if _, ok := ctx.Get("AWS:SOURCEIP"); !ok {
			b.Fatal("no aws:SourceIp")
		}
	}
}

// TestAllocs holds Evaluate, and a reused Context, to zero allocations.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	s, r := benchSetup(t)
	denied := *r
	denied.Resource = "arn:aws:s3:::storage-bucket/private/someone-else/x"
	insecure := *r
	insecure.Context = &Context{}
	insecure.Context.Set("aws:SecureTransport", "false")
	for _, c := range []struct {
		name string
		r    *Request
	}{{"allowed", r}, {"denied", &denied}, {"explicitly denied", &insecure}} {
		if n := testing.AllocsPerRun(100, func() { Evaluate(s, c.r) }); n != 0 {
			t.Errorf("Evaluate (%s) allocates %v times, want 0", c.name, n)
		}
	}
	// Every condition family, at evaluation.
	all := mustParse(t, stmt(`"Effect":"Allow","Action":"*","Resource":"*","Condition":{
		"NumericLessThan":{"s3:max-keys":"100"},"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00+01:00"},
		"IpAddress":{"aws:SourceIp":"2001:db8::/32"},"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:${aws:username}-*"},
		"BinaryEquals":{"x:bin":"AAEC"},"ForAllValues:StringEqualsIgnoreCase":{"aws:TagKeys":["A","B"]},"Null":{"aws:TokenIssueTime":"true"}}`), Identity)
	ctx := kv("s3:max-keys", "50", "aws:CurrentTime", "2025-01-01T00:00:00-05:00", "aws:SourceIp", "2001:db8::7",
		"aws:username", "alice", "aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:alice-topic", "x:bin", "\x00\x01\x02", "aws:TagKeys", "a|b")
	rs := &Set{Identity: []Named{{Policy: all}}}
	rr := &Request{Action: "sns:Publish", Resource: "arn:aws:sns:us-east-1:111122223333:t", Context: ctx}
	if d := Evaluate(rs, rr); d != Allow {
		t.Fatalf("every operator: %v, want Allow: %s", d, Explain(rs, rr))
	}
	if n := testing.AllocsPerRun(100, func() { Evaluate(rs, rr) }); n != 0 {
		t.Errorf("Evaluate (every operator) allocates %v times, want 0", n)
	}

	var c Context
	setKeys := func() {
		c.Reset()
		c.Set("aws:SourceIp", "192.0.2.44")
		c.Set("aws:PrincipalTag/Team", "blue")
		c.Set("aws:TagKeys", "a", "b")
	}
	setKeys()
	if n := testing.AllocsPerRun(100, setKeys); n != 0 {
		t.Errorf("Reset and Set on a reused Context allocate %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { c.Get("AWS:PRINCIPALTAG/TEAM") }); n != 0 {
		t.Errorf("Get allocates %v times, want 0", n)
	}
}
