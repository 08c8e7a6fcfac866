package policy_test

import (
	"testing"

	"github.com/wicket-io/wicket/policy"
)

// TestPublic: which bucket policies S3's Block Public Access calls public.
func TestPublic(t *testing.T) {
	stmt := func(s string) string {
		return `{"Version":"2012-10-17","Statement":[` + s + `]}`
	}
	for _, tc := range []struct {
		name   string
		doc    string
		public bool
	}{
		{"everyone may read", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`), true},
		{"AWS * may do anything", stmt(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}`), true},
		{"an account", stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`), false},
		{"a service", stmt(`{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`), false},
		{"everyone but one", stmt(`{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`), true},
		{"a deny of everyone", stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}`), false},
		{"no bad action", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:CreateBucket","Resource":"arn:aws:s3:::b"}`), false},
		{"s3:Get* reads", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetBucketLocation","Resource":"arn:aws:s3:::b"}`), true},
		{"a prefix that can reach s3:Get*", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:G*","Resource":"arn:aws:s3:::b/*"}`), true},
		{"s3:Abort*", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:Abort*","Resource":"arn:aws:s3:::b/*"}`), true},
		{"NotAction", stmt(`{"Effect":"Allow","Principal":"*","NotAction":"s3:DeleteObject","Resource":"arn:aws:s3:::b/*"}`), true},
		{"a fixed VPC endpoint", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}`), false},
		{"a network", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:db8::/32"]}}}`), false},
		{"every address", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}}`), true},
		{"a wildcard ARN", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/*"}}}`), true},
		{"a fixed ARN", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/E1"}}}`), false},
		{"a variable", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:PrincipalAccount":"${aws:username}"}}}`), true},
		{"a negated condition", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringNotEquals":{"aws:SourceAccount":"111122223333"}}}`), true},
		{"IfExists", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEqualsIfExists":{"aws:SourceAccount":"111122223333"}}}`), true},
		{"a key that confines nobody", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}`), true},
		{"one public statement of two", stmt(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"},
			{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/public/*"}`), true},
	} {
		p, err := policy.Parse([]byte(tc.doc), policy.Resource)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := p.Public(); got != tc.public {
			t.Errorf("%s: Public() = %v, want %v", tc.name, got, tc.public)
		}
	}
}
