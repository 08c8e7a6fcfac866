package policy

import (
	"testing"
)

// evalCase is one request against a set of policies. identity, limits and
// resource hold documents; a resource document whose type is Trust goes in
// trust.
type evalCase struct {
	name      string
	identity  []string
	limits    [][]string
	resource  []string
	trust     string
	principal Principal
	action    string
	res       string
	ctx       *Context
	want      Decision
}

func (c *evalCase) set(t testing.TB) *Set {
	s := &Set{
		Identity: named(t, Identity, "identity policy ", c.identity...),
		Resource: named(t, Resource, "bucket policy ", c.resource...),
	}
	for i, l := range c.limits {
		s.Limits = append(s.Limits, named(t, Identity, "limit "+string(rune('1'+i))+" policy ", l...))
	}
	if c.trust != "" {
		s.Resource = append(s.Resource, Named{Name: "trust policy", Policy: mustParse(t, c.trust, Trust)})
	}
	return s
}

func runEvalCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := c.set(t)
			r := &Request{Principal: c.principal, Action: c.action, Resource: c.res, Context: c.ctx}
			got := Evaluate(s, r)
			e := Explain(s, r)
			if got != c.want {
				t.Errorf("Evaluate = %v, want %v (%s)", got, c.want, e)
			}
			if e.Decision != got {
				t.Errorf("Explain = %v, Evaluate = %v", e.Decision, got)
			}
		})
	}
}

const allowAllS3 = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`

// TestAWSExamples evaluates examples from AWS's IAM documentation: the
// policy evaluation logic, the Condition operators, NotAction, NotResource,
// policy variables and the Principal element.
func TestAWSExamples(t *testing.T) {
	runEvalCases(t, []evalCase{
		// Policy evaluation logic: default deny, explicit allow, explicit deny wins.
		{name: "no policies: implicit deny", principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/k", want: Deny},
		{name: "identity allow", identity: []string{allowAllS3}, principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/k", want: Allow},
		{
			name: "explicit deny overrides allow",
			identity: []string{allowAllS3, `{"Version":"2012-10-17","Statement":[
				{"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::b/*"}]}`},
			principal: alice, action: "s3:DeleteObject", res: "arn:aws:s3:::b/k", want: ExplicitDeny,
		},
		{
			name:      "explicit deny in a bucket policy overrides an identity allow",
			identity:  []string{allowAllS3},
			resource:  []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}`},
			principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/k", want: ExplicitDeny,
		},
		{
			name:      "an allow in either the identity or the resource policy is enough",
			resource:  []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`},
			principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/k", want: Allow,
		},

		// NotAction: Allow NotAction does not grant what it names.
		{
			name:      "Allow NotAction iam:* grants s3",
			identity:  []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`},
			principal: alice, action: "s3:ListAllMyBuckets", res: "*", want: Allow,
		},
		{
			name:      "Allow NotAction iam:* does not grant iam",
			identity:  []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`},
			principal: alice, action: "iam:CreateUser", res: "arn:aws:iam::111122223333:user/x", want: Deny,
		},
		{
			name:      "Allow NotAction iam:* does not grant iam, whatever the case",
			identity:  []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`},
			principal: alice, action: "IAM:createuser", res: "arn:aws:iam::111122223333:user/x", want: Deny,
		},
		// Deny NotAction: deny everything but the listed actions without MFA
		// (AWS's "DenyAllExceptListedIfNoMFA").
		{
			name:      "Deny NotAction without MFA denies the unlisted",
			identity:  []string{allowAllS3, denyAllExceptListedIfNoMFA},
			principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/k", ctx: kv("aws:MultiFactorAuthPresent", "false"), want: ExplicitDeny,
		},
		{
			name:      "Deny NotAction without MFA spares the listed",
			identity:  []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:ListMFADevices","Resource":"*"}}`, denyAllExceptListedIfNoMFA},
			principal: alice, action: "iam:ListMFADevices", res: "arn:aws:iam::111122223333:user/alice", want: Allow,
		},
		{
			name:      "Deny NotAction with MFA denies nothing",
			identity:  []string{allowAllS3, denyAllExceptListedIfNoMFA},
			principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/k", ctx: kv("aws:MultiFactorAuthPresent", "true"), want: Allow,
		},
		{
			name:      "BoolIfExists: missing MFA key (long-term keys) is denied",
			identity:  []string{allowAllS3, denyAllExceptListedIfNoMFA},
			principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/k", want: ExplicitDeny,
		},
		{
			name: "Bool without IfExists: a missing MFA key escapes the deny",
			identity: []string{allowAllS3, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*",
				"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}}`},
			principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/k", want: Allow,
		},

		// NotResource.
		{
			name: "Deny NotResource: everything but the named bucket",
			identity: []string{allowAllS3, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*",
				"NotResource":["arn:aws:s3:::HRBucket/Payroll","arn:aws:s3:::HRBucket/Payroll/*"]}}`},
			principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::other/k", want: ExplicitDeny,
		},
		{
			name: "Deny NotResource spares the named bucket",
			identity: []string{allowAllS3, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*",
				"NotResource":["arn:aws:s3:::HRBucket/Payroll","arn:aws:s3:::HRBucket/Payroll/*"]}}`},
			principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::HRBucket/Payroll/jan.csv", want: Allow,
		},
		{
			name:      "Allow NotResource does not grant the named resource",
			identity:  []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}}`},
			principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::secret/k", want: Deny,
		},

		// IfExists (the ec2:InstanceType example).
		{name: "StringLikeIfExists: key missing", identity: []string{runInstances}, principal: alice, action: "ec2:RunInstances", res: "arn:aws:ec2:us-east-1:111122223333:key-pair/k", want: Allow},
		{name: "StringLikeIfExists: key matches", identity: []string{runInstances}, principal: alice, action: "ec2:RunInstances", res: "*", ctx: kv("ec2:InstanceType", "t2.micro"), want: Allow},
		{name: "StringLikeIfExists: key does not match", identity: []string{runInstances}, principal: alice, action: "ec2:RunInstances", res: "*", ctx: kv("ec2:InstanceType", "m5.large"), want: Deny},
		{name: "StringLike without IfExists: key missing", identity: []string{runInstancesNoIfExists}, principal: alice, action: "ec2:RunInstances", res: "*", want: Deny},

		// ForAllValues and ForAnyValue.
		{name: "ForAllValues on a missing key is true", identity: []string{forAllTagKeys}, principal: alice, action: "ec2:CreateTags", res: "*", want: Allow},
		{name: "ForAllValues on an empty set is true", identity: []string{forAllTagKeys}, principal: alice, action: "ec2:CreateTags", res: "*", ctx: kv("aws:TagKeys", ""), want: Allow},
		{name: "ForAllValues: every value listed", identity: []string{forAllTagKeys}, principal: alice, action: "ec2:CreateTags", res: "*", ctx: kv("aws:TagKeys", "environment|costcenter"), want: Allow},
		{name: "ForAllValues: one value not listed", identity: []string{forAllTagKeys}, principal: alice, action: "ec2:CreateTags", res: "*", ctx: kv("aws:TagKeys", "environment|owner"), want: Deny},
		{name: "ForAnyValue on a missing key is false", identity: []string{forAnyTagKeys}, principal: alice, action: "ec2:CreateTags", res: "*", want: Deny},
		{name: "ForAnyValue: one value listed", identity: []string{forAnyTagKeys}, principal: alice, action: "ec2:CreateTags", res: "*", ctx: kv("aws:TagKeys", "owner|costcenter"), want: Allow},
		{name: "ForAnyValue: no value listed", identity: []string{forAnyTagKeys}, principal: alice, action: "ec2:CreateTags", res: "*", ctx: kv("aws:TagKeys", "owner"), want: Deny},
		{
			name: "ForAnyValue deny on DynamoDB attributes",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"*"}}`,
				`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:*:*:table/Thread",
				"Condition":{"ForAnyValue:StringEquals":{"dynamodb:Attributes":["ID","PostDateTime"]}}}}`},
			principal: alice, action: "dynamodb:PutItem", res: "arn:aws:dynamodb:us-east-1:111122223333:table/Thread",
			ctx: kv("dynamodb:Attributes", "PostDateTime|Message"), want: ExplicitDeny,
		},
		{
			name: "ForAllValues:StringNotEquals: no value may be listed",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*",
				"Condition":{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret","admin"]}}}}`},
			principal: alice, action: "ec2:CreateTags", res: "*", ctx: kv("aws:TagKeys", "env|admin"), want: Deny,
		},
		{
			name: "ForAnyValue:StringNotEquals: one unlisted value is enough",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*",
				"Condition":{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["secret","admin"]}}}}`},
			principal: alice, action: "ec2:CreateTags", res: "*", ctx: kv("aws:TagKeys", "env|admin"), want: Allow,
		},

		// IP addresses, v4 and v6.
		{name: "IpAddress: inside the IPv4 block", identity: []string{ipPolicy}, principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:SourceIp", "203.0.113.77"), want: Allow},
		{name: "IpAddress: outside the IPv4 block", identity: []string{ipPolicy}, principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:SourceIp", "198.51.100.7"), want: Deny},
		{name: "IpAddress: inside the IPv6 block", identity: []string{ipPolicy}, principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:SourceIp", "2001:db8:1234:5678::99"), want: Allow},
		{name: "IpAddress: outside the IPv6 block", identity: []string{ipPolicy}, principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:SourceIp", "2001:db8:1234:9999::1"), want: Deny},
		{name: "IpAddress: a bare address is /32", identity: []string{ipPolicy}, principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:SourceIp", "192.0.2.10"), want: Allow},
		{name: "IpAddress: next to the bare address", identity: []string{ipPolicy}, principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:SourceIp", "192.0.2.11"), want: Deny},
		{name: "IpAddress: IPv4-mapped IPv6 is IPv4", identity: []string{ipPolicy}, principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:SourceIp", "::ffff:203.0.113.1"), want: Allow},
		{name: "IpAddress: no source IP", identity: []string{ipPolicy}, principal: alice, action: "s3:GetObject", res: "*", want: Deny},
		{name: "IpAddress: not an address", identity: []string{ipPolicy}, principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:SourceIp", "localhost"), want: Deny},
		{
			name:      "Deny NotIpAddress from outside",
			identity:  []string{allowAllS3, denyOutsideIP},
			principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:SourceIp", "198.51.100.7"), want: ExplicitDeny,
		},
		{
			name:      "Deny NotIpAddress from inside",
			identity:  []string{allowAllS3, denyOutsideIP},
			principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:SourceIp", "192.0.2.200"), want: Allow,
		},

		// Dates: aws:CurrentTime between two dates; aws:EpochTime.
		{name: "DateLessThan: inside the window", identity: []string{dateWindow}, principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:CurrentTime", "2020-05-15T12:00:00Z"), want: Allow},
		{name: "DateLessThan: after the window", identity: []string{dateWindow}, principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:CurrentTime", "2020-07-01T00:00:00Z"), want: Deny},
		{name: "DateGreaterThan: before the window", identity: []string{dateWindow}, principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:CurrentTime", "2020-03-31T23:59:59Z"), want: Deny},
		{name: "Date with a zone offset", identity: []string{dateWindow}, principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:CurrentTime", "2020-07-01T01:00:00+02:00"), want: Allow},
		{name: "Date with fractional seconds at the edge", identity: []string{dateWindow}, principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:CurrentTime", "2020-06-30T23:59:59.5Z"), want: Deny},
		{name: "Date: no current time", identity: []string{dateWindow}, principal: alice, action: "s3:GetObject", res: "*", want: Deny},
		{
			name: "DateLessThan with epoch seconds",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*",
				"Condition":{"DateLessThan":{"aws:EpochTime":"1700000000"}}}}`},
			principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:EpochTime", "1699999999"), want: Allow,
		},
		{
			name: "DateLessThan: an epoch value against an ISO policy date",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*",
				"Condition":{"DateLessThan":{"aws:EpochTime":"2023-11-14T22:13:20Z"}}}}`},
			principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:EpochTime", "1700000000"), want: Deny,
		},
		{
			name: "DateNotEquals with a missing key is true",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*",
				"Condition":{"DateNotEquals":{"aws:TokenIssueTime":"2020-01-01"}}}}`},
			principal: alice, action: "s3:GetObject", res: "*", want: Allow,
		},

		// Null.
		{name: "Null true: long-term credentials", identity: []string{nullTokenIssueTime}, principal: alice, action: "ec2:DescribeInstances", res: "*", want: Allow},
		{name: "Null true: temporary credentials", identity: []string{nullTokenIssueTime}, principal: alice, action: "ec2:DescribeInstances", res: "*", ctx: kv("aws:TokenIssueTime", "2024-01-01T00:00:00Z"), want: Deny},
		{
			name: "Null false requires the key",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:PutObject","Resource":"*",
				"Condition":{"Null":{"s3:x-amz-server-side-encryption":"false"}}}}`},
			principal: alice, action: "s3:PutObject", res: "*", ctx: kv("s3:x-amz-server-side-encryption", "AES256"), want: Allow,
		},

		// Bool aws:SecureTransport in a bucket policy.
		{name: "SecureTransport false is denied", resource: []string{publicReadHTTPSOnly}, principal: anon, action: "s3:GetObject", res: "arn:aws:s3:::b/k", ctx: kv("aws:SecureTransport", "false"), want: ExplicitDeny},
		{name: "SecureTransport true is allowed", resource: []string{publicReadHTTPSOnly}, principal: anon, action: "s3:GetObject", res: "arn:aws:s3:::b/k", ctx: kv("aws:SecureTransport", "true"), want: Allow},
		{name: "SecureTransport: Bool is case-insensitive", resource: []string{publicReadHTTPSOnly}, principal: anon, action: "s3:GetObject", res: "arn:aws:s3:::b/k", ctx: kv("aws:SecureTransport", "FALSE"), want: ExplicitDeny},

		// Policy variables: the home-directory policy.
		{name: "${aws:username}: list own prefix", identity: []string{homeDirectory}, principal: alice, action: "s3:ListBucket", res: "arn:aws:s3:::b", ctx: kv("aws:username", "alice", "s3:prefix", "home/alice/photos"), want: Allow},
		{name: "${aws:username}: list another's prefix", identity: []string{homeDirectory}, principal: alice, action: "s3:ListBucket", res: "arn:aws:s3:::b", ctx: kv("aws:username", "alice", "s3:prefix", "home/bob/"), want: Deny},
		{name: "${aws:username}: list the root", identity: []string{homeDirectory}, principal: alice, action: "s3:ListBucket", res: "arn:aws:s3:::b", ctx: kv("aws:username", "alice", "s3:prefix", ""), want: Allow},
		{name: "${aws:username}: own object", identity: []string{homeDirectory}, principal: alice, action: "s3:PutObject", res: "arn:aws:s3:::b/home/alice/x.txt", ctx: kv("aws:username", "alice"), want: Allow},
		{name: "${aws:username}: another's object", identity: []string{homeDirectory}, principal: alice, action: "s3:PutObject", res: "arn:aws:s3:::b/home/bob/x.txt", ctx: kv("aws:username", "alice"), want: Deny},
		{name: "${aws:username}: no user name", identity: []string{homeDirectory}, principal: session, action: "s3:PutObject", res: "arn:aws:s3:::b/home//x.txt", want: Deny},
		{name: "${aws:username}: key names are case-insensitive", identity: []string{homeDirectory}, principal: alice, action: "s3:PutObject", res: "arn:aws:s3:::b/home/alice/x.txt", ctx: kv("AWS:UserName", "alice"), want: Allow},
		{name: "${aws:username}: a multivalued key is no value", identity: []string{homeDirectory}, principal: alice, action: "s3:PutObject", res: "arn:aws:s3:::b/home/alice/x.txt", ctx: kv("aws:username", "alice|bob"), want: Deny},
		{
			name: "default value of a missing variable",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*",
				"Resource":"arn:aws:s3:::bucket-${aws:PrincipalTag/team, 'company-wide'}/*"}}`},
			principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::bucket-company-wide/k", want: Allow,
		},
		{
			name: "default value of a present variable",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*",
				"Resource":"arn:aws:s3:::bucket-${aws:PrincipalTag/team, 'company-wide'}/*"}}`},
			principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::bucket-company-wide/k", ctx: kv("aws:PrincipalTag/team", "yellow"), want: Deny,
		},
		{
			name: "a variable with no value: StringEquals does not match",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
				"Condition":{"StringEquals":{"s3:ExistingObjectTag/Team":"${aws:PrincipalTag/Team}"}}}}`},
			principal: alice, action: "s3:GetObject", res: "*", ctx: kv("s3:ExistingObjectTag/Team", "red"), want: Deny,
		},
		{
			name: "a variable with no value: StringNotEquals matches",
			identity: []string{allowAllS3, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:GetObject","Resource":"*",
				"Condition":{"StringNotEquals":{"s3:ExistingObjectTag/Team":"${aws:PrincipalTag/Team}"}}}}`},
			principal: alice, action: "s3:GetObject", res: "*", ctx: kv("s3:ExistingObjectTag/Team", "red"), want: ExplicitDeny,
		},
		{
			name: "a variable comparing two keys",
			identity: []string{allowAllS3, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:GetObject","Resource":"*",
				"Condition":{"StringNotEquals":{"s3:ExistingObjectTag/Team":"${aws:PrincipalTag/Team}"}}}}`},
			principal: alice, action: "s3:GetObject", res: "*", ctx: kv("s3:ExistingObjectTag/Team", "red", "aws:PrincipalTag/Team", "red"), want: Allow,
		},

		// Several keys are ANDed, several values ORed, and negated
		// operators need every value to miss.
		{name: "two keys: both hold", identity: []string{twoKeys}, principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:PrincipalTag/department", "HR", "aws:PrincipalTag/role", "audit"), want: Allow},
		{name: "two keys: one fails", identity: []string{twoKeys}, principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:PrincipalTag/department", "hr", "aws:PrincipalTag/role", "dev"), want: Deny},
		{name: "two keys: one missing", identity: []string{twoKeys}, principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:PrincipalTag/department", "legal"), want: Deny},
		{
			name: "StringNotEquals with two values: one listed",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*",
				"Condition":{"StringNotEquals":{"aws:PrincipalAccount":["111122223333","444455556666"]}}}}`},
			principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:PrincipalAccount", "444455556666"), want: Deny,
		},
		{
			name: "StringNotEquals with two values: none listed",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*",
				"Condition":{"StringNotEquals":{"aws:PrincipalAccount":["111122223333","444455556666"]}}}}`},
			principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:PrincipalAccount", "777788889999"), want: Allow,
		},
		{
			name: "StringNotEquals with a missing key is true",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*",
				"Condition":{"StringNotEquals":{"aws:PrincipalAccount":"111122223333"}}}}`},
			principal: alice, action: "s3:GetObject", res: "*", want: Allow,
		},
		{
			name: "StringNotEqualsIfExists with a missing key is still true",
			identity: []string{allowAllS3, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*",
				"Condition":{"StringNotEqualsIfExists":{"aws:ResourceTag/team":"blue"}}}}`},
			principal: alice, action: "s3:GetObject", res: "*", want: ExplicitDeny,
		},
		{
			name: "StringEqualsIgnoreCase",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*",
				"Condition":{"StringEqualsIgnoreCase":{"aws:username":"JohnDoe"}}}}`},
			principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:username", "johndoe"), want: Allow,
		},
		{
			name: "StringEquals is case-sensitive",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*",
				"Condition":{"StringEquals":{"aws:username":"johndoe"}}}}`},
			principal: alice, action: "s3:GetObject", res: "*", ctx: kv("aws:username", "JohnDoe"), want: Deny,
		},
		{
			name: "StringEquals: a * is literal",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*",
				"Condition":{"StringEquals":{"s3:prefix":"a*"}}}}`},
			principal: alice, action: "s3:ListBucket", res: "*", ctx: kv("s3:prefix", "abc"), want: Deny,
		},

		// Numeric.
		{name: "NumericLessThanEquals: 10 keys", identity: []string{maxKeys}, principal: alice, action: "s3:ListBucket", res: "arn:aws:s3:::example_bucket", ctx: kv("s3:max-keys", "10"), want: Allow},
		{name: "NumericLessThanEquals: 11 keys", identity: []string{maxKeys}, principal: alice, action: "s3:ListBucket", res: "arn:aws:s3:::example_bucket", ctx: kv("s3:max-keys", "11"), want: Deny},
		{name: "NumericLessThanEquals: a decimal", identity: []string{maxKeys}, principal: alice, action: "s3:ListBucket", res: "arn:aws:s3:::example_bucket", ctx: kv("s3:max-keys", "9.5"), want: Allow},
		{name: "NumericLessThanEquals: not a number", identity: []string{maxKeys}, principal: alice, action: "s3:ListBucket", res: "arn:aws:s3:::example_bucket", ctx: kv("s3:max-keys", "ten"), want: Deny},

		// ARN operators: components are matched separately.
		{name: "ArnLike matches", identity: []string{arnLikeSource}, principal: alice, action: "sqs:SendMessage", res: "*", ctx: kv("aws:SourceArn", "arn:aws:someservice:us-east-2:111122223333:finance/doc.txt"), want: Allow},
		{name: "ArnLike: a * does not span colons", identity: []string{arnLikeSource}, principal: alice, action: "sqs:SendMessage", res: "*", ctx: kv("aws:SourceArn", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"), want: Deny},
		{name: "StringLike: a * spans colons", identity: []string{stringLikeSource}, principal: alice, action: "sqs:SendMessage", res: "*", ctx: kv("aws:SourceArn", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"), want: Allow},
		{
			name: "ArnNotEquals spares the named ARN",
			resource: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"},
				{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::444455556666:user/user-name"}}}]}`},
			principal: Principal{AWS: []string{"arn:aws:iam::444455556666:user/user-name"}}, action: "s3:GetObject", res: "arn:aws:s3:::b/k",
			ctx: kv("aws:PrincipalArn", "arn:aws:iam::444455556666:user/user-name"), want: Allow,
		},
		{
			name: "ArnLike with a variable",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:PassRole","Resource":"*",
				"Condition":{"ArnLike":{"iam:AssociatedResourceArn":"arn:aws:ec2:*:111122223333:instance/${aws:username}-*"}}}}`},
			principal: alice, action: "iam:PassRole", res: "*", ctx: kv("aws:username", "alice", "iam:AssociatedResourceArn", "arn:aws:ec2:us-east-1:111122223333:instance/alice-1"), want: Allow,
		},

		// Binary.
		{
			name: "BinaryEquals",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*",
				"Condition":{"BinaryEquals":{"test:key":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}}}`},
			principal: alice, action: "s3:GetObject", res: "*", ctx: kv("test:key", "BinaryValueInBase64"), want: Allow,
		},
	})
}

const (
	denyAllExceptListedIfNoMFA = `{"Version":"2012-10-17","Statement":[{
		"Sid":"DenyAllExceptListedIfNoMFA","Effect":"Deny",
		"NotAction":["iam:CreateVirtualMFADevice","iam:EnableMFADevice","iam:GetUser","iam:ListMFADevices","iam:ListVirtualMFADevices","iam:ResyncMFADevice","sts:GetSessionToken"],
		"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}`
	runInstances = `{"Version":"2012-10-17","Statement":{"Sid":"RunInstance","Effect":"Allow","Action":"ec2:RunInstances","Resource":"*",
		"Condition":{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}}}`
	runInstancesNoIfExists = `{"Version":"2012-10-17","Statement":{"Sid":"THISPOLICYDOESNOTWORK","Effect":"Allow","Action":"ec2:RunInstances","Resource":"*",
		"Condition":{"StringLike":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}}}`
	forAllTagKeys = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*",
		"Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","costcenter"]}}}}`
	forAnyTagKeys = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*",
		"Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment","costcenter"]}}}}`
	ipPolicy = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*",
		"Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64","192.0.2.10"]}}}}`
	denyOutsideIP = `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*",
		"Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}}}`
	dateWindow = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*",
		"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2020-06-30T23:59:59Z"}}}}`
	nullTokenIssueTime  = `{"Version":"2012-10-17","Statement":{"Action":"ec2:*","Effect":"Allow","Resource":"*","Condition":{"Null":{"aws:TokenIssueTime":"true"}}}}`
	publicReadHTTPSOnly = `{"Version":"2012-10-17","Statement":[
		{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
		{"Sid":"HTTPSOnly","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],
		 "Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	homeDirectory = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/*"]}}},
		{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b/home/${aws:username}","arn:aws:s3:::b/home/${aws:username}/*"]}]}`
	twoKeys = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{
		"StringEqualsIgnoreCase":{"aws:PrincipalTag/department":["finance","hr","legal"],"aws:PrincipalTag/role":["audit","security"]}}}}`
	maxKeys = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket",
		"Condition":{"NumericLessThanEquals":{"s3:max-keys":"10"}}}}`
	arnLikeSource = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*",
		"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}}}`
	stringLikeSource = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*",
		"Condition":{"StringLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}}}`
)

// TestPrincipals evaluates bucket and trust policies for the principal
// forms AWS documents.
func TestPrincipals(t *testing.T) {
	bucket := func(effect, principal string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"` + effect + `",` + principal + `,"Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}]}`
	}
	getB := func(c evalCase) evalCase {
		c.action, c.res = "s3:GetObject", "arn:aws:s3:::b/k"
		return c
	}
	cases := []evalCase{
		// Who "*" reaches.
		getB(evalCase{name: `"*" admits the anonymous`, resource: []string{bucket("Allow", `"Principal":"*"`)}, principal: anon, want: Allow}),
		getB(evalCase{name: `{"AWS":"*"} admits the anonymous`, resource: []string{bucket("Allow", `"Principal":{"AWS":"*"}`)}, principal: anon, want: Allow}),
		getB(evalCase{name: `"*" admits a user with no policy of its own`, resource: []string{bucket("Allow", `"Principal":"*"`)}, principal: alice, want: Allow}),
		getB(evalCase{name: `"*" admits a web identity`, resource: []string{bucket("Allow", `"Principal":"*"`)}, principal: Principal{Federated: "cognito-identity.amazonaws.com"}, want: Allow}),
		getB(evalCase{name: "anonymous is not in an account", resource: []string{bucket("Allow", `"Principal":{"AWS":"111122223333"}`)}, principal: anon, want: Deny}),
		getB(evalCase{name: "anonymous is not a named user", resource: []string{bucket("Allow", `"Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"}`)}, principal: anon, want: Deny}),

		// A named user or session: the grant stands alone.
		getB(evalCase{name: "user ARN", resource: []string{bucket("Allow", `"Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"}`)}, principal: alice, want: Allow}),
		getB(evalCase{name: "another user's ARN", resource: []string{bucket("Allow", `"Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"}`)}, principal: bob, want: Deny}),
		getB(evalCase{name: "user ARNs are case-sensitive", resource: []string{bucket("Allow", `"Principal":{"AWS":"arn:aws:iam::111122223333:user/Alice"}`)}, principal: alice, want: Deny}),
		getB(evalCase{name: "user ARN in a list", resource: []string{bucket("Allow", `"Principal":{"AWS":["arn:aws:iam::111122223333:user/bob","arn:aws:iam::111122223333:user/alice"]}`)}, principal: alice, want: Allow}),
		getB(evalCase{
			name: "user ARN is not limited by a permissions boundary", resource: []string{bucket("Allow", `"Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"}`)},
			limits: [][]string{{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:*","Resource":"*"}}`}}, principal: alice, want: Allow,
		}),
		getB(evalCase{
			name: "session ARN is not limited by a session policy", resource: []string{bucket("Allow", `"Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/app/s1"}`)},
			limits: [][]string{{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:*","Resource":"*"}}`}}, principal: session, want: Allow,
		}),

		// A named role: the grant is limited by the session policy.
		getB(evalCase{name: "role ARN, no session policy", resource: []string{bucket("Allow", `"Principal":{"AWS":"arn:aws:iam::111122223333:role/app"}`)}, principal: session, want: Allow}),
		getB(evalCase{
			name: "role ARN, session policy allows", resource: []string{bucket("Allow", `"Principal":{"AWS":"arn:aws:iam::111122223333:role/app"}`)},
			limits: [][]string{{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}}`}}, principal: session, want: Allow,
		}),
		getB(evalCase{
			name: "role ARN, session policy does not allow", resource: []string{bucket("Allow", `"Principal":{"AWS":"arn:aws:iam::111122223333:role/app"}`)},
			limits: [][]string{{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Put*","Resource":"*"}}`}}, principal: session, want: Deny,
		}),

		// An account: delegation to the account's identity policies.
		getB(evalCase{name: "account id alone grants nothing", resource: []string{bucket("Allow", `"Principal":{"AWS":"111122223333"}`)}, principal: alice, want: Deny}),
		getB(evalCase{name: "account root ARN alone grants nothing", resource: []string{bucket("Allow", `"Principal":{"AWS":"arn:aws:iam::111122223333:root"}`)}, principal: alice, want: Deny}),
		getB(evalCase{name: "account id with an identity allow", resource: []string{bucket("Allow", `"Principal":{"AWS":"111122223333"}`)}, identity: []string{allowAllS3}, principal: alice, want: Allow}),
		getB(evalCase{name: "account root ARN reaches the root user itself", resource: []string{bucket("Allow", `"Principal":{"AWS":"arn:aws:iam::111122223333:root"}`)}, principal: root, want: Allow}),
		getB(evalCase{name: "account id deny reaches every user", identity: []string{allowAllS3}, resource: []string{bucket("Deny", `"Principal":{"AWS":"111122223333"}`)}, principal: alice, want: ExplicitDeny}),
		getB(evalCase{name: "account root ARN deny reaches a session", identity: []string{allowAllS3}, resource: []string{bucket("Deny", `"Principal":{"AWS":"arn:aws:iam::111122223333:root"}`)}, principal: session, want: ExplicitDeny}),
		getB(evalCase{name: "another account's deny", identity: []string{allowAllS3}, resource: []string{bucket("Deny", `"Principal":{"AWS":"444455556666"}`)}, principal: alice, want: Allow}),

		// NotPrincipal with Deny: the caller's whole chain must be listed.
		getB(evalCase{
			name: "NotPrincipal: user and account listed", identity: []string{allowAllS3},
			resource: []string{bucket("Deny", `"NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/alice","arn:aws:iam::111122223333:root"]}`)}, principal: alice, want: Allow,
		}),
		getB(evalCase{
			name: "NotPrincipal: another user is denied", identity: []string{allowAllS3},
			resource: []string{bucket("Deny", `"NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/alice","arn:aws:iam::111122223333:root"]}`)}, principal: bob, want: ExplicitDeny,
		}),
		getB(evalCase{
			name: "NotPrincipal: user listed without its account", identity: []string{allowAllS3},
			resource: []string{bucket("Deny", `"NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"}`)}, principal: alice, want: ExplicitDeny,
		}),
		getB(evalCase{
			name: "NotPrincipal: session, role and account listed", identity: []string{allowAllS3},
			resource: []string{bucket("Deny", `"NotPrincipal":{"AWS":["arn:aws:sts::111122223333:assumed-role/app/s1","arn:aws:iam::111122223333:role/app","111122223333"]}`)}, principal: session, want: Allow,
		}),
		getB(evalCase{
			name: "NotPrincipal: session listed without its role", identity: []string{allowAllS3},
			resource: []string{bucket("Deny", `"NotPrincipal":{"AWS":["arn:aws:sts::111122223333:assumed-role/app/s1","111122223333"]}`)}, principal: session, want: ExplicitDeny,
		}),
		getB(evalCase{
			name: "NotPrincipal: the anonymous are never listed", resource: []string{bucket("Allow", `"Principal":"*"`), bucket("Deny", `"NotPrincipal":{"AWS":"111122223333"}`)},
			principal: anon, want: ExplicitDeny,
		}),
		getB(evalCase{name: "NotPrincipal with Allow admits the unlisted", resource: []string{bucket("Allow", `"NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/bob"}`)}, principal: anon, want: Allow}),
		getB(evalCase{name: "NotPrincipal with Allow excludes the listed", resource: []string{bucket("Allow", `"NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/bob","111122223333"]}`)}, principal: bob, want: Deny}),

		// Services and web identities.
		getB(evalCase{name: "service principal", resource: []string{bucket("Allow", `"Principal":{"Service":"logging.s3.amazonaws.com"}`)}, principal: Principal{Service: "logging.s3.amazonaws.com"}, want: Allow}),
		getB(evalCase{name: "another service", resource: []string{bucket("Allow", `"Principal":{"Service":"logging.s3.amazonaws.com"}`)}, principal: Principal{Service: "cloudtrail.amazonaws.com"}, want: Deny}),
		getB(evalCase{name: "CanonicalUser never matches", resource: []string{bucket("Allow", `"Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}`)}, principal: alice, want: Deny}),
	}
	runEvalCases(t, cases)

	// Trust policies.
	const cognitoTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},
		"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"],
		"Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-1:12345678-abcd-abcd-abcd-123456789012"},
		"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}}]}`
	const accountTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`
	const userTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole"}]}`
	const mayAssume = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111122223333:role/app"}}`
	web := Principal{Federated: "cognito-identity.amazonaws.com"}
	aud := "us-east-1:12345678-abcd-abcd-abcd-123456789012"
	runEvalCases(t, []evalCase{
		{name: "web identity, authenticated", trust: cognitoTrust, principal: web, action: "sts:AssumeRoleWithWebIdentity", res: roleARN,
			ctx: kv("cognito-identity.amazonaws.com:aud", aud, "cognito-identity.amazonaws.com:amr", "authenticated|cognito-idp.us-east-1.amazonaws.com/pool"), want: Allow},
		{name: "web identity, unauthenticated", trust: cognitoTrust, principal: web, action: "sts:AssumeRoleWithWebIdentity", res: roleARN,
			ctx: kv("cognito-identity.amazonaws.com:aud", aud, "cognito-identity.amazonaws.com:amr", "unauthenticated"), want: Deny},
		{name: "web identity, another pool", trust: cognitoTrust, principal: web, action: "sts:AssumeRoleWithWebIdentity", res: roleARN,
			ctx: kv("cognito-identity.amazonaws.com:aud", "us-east-1:other", "cognito-identity.amazonaws.com:amr", "authenticated"), want: Deny},
		{name: "web identity, another provider", trust: cognitoTrust, principal: Principal{Federated: "accounts.google.com"}, action: "sts:AssumeRoleWithWebIdentity", res: roleARN,
			ctx: kv("cognito-identity.amazonaws.com:aud", aud, "cognito-identity.amazonaws.com:amr", "authenticated"), want: Deny},
		{name: "web identity, tag session", trust: cognitoTrust, principal: web, action: "sts:TagSession", res: roleARN,
			ctx: kv("cognito-identity.amazonaws.com:aud", aud, "cognito-identity.amazonaws.com:amr", "authenticated"), want: Allow},
		{name: "trust names the account: identity must allow", trust: accountTrust, principal: alice, action: "sts:AssumeRole", res: roleARN, want: Deny},
		{name: "trust names the account, identity allows", trust: accountTrust, identity: []string{mayAssume}, principal: alice, action: "sts:AssumeRole", res: roleARN, want: Allow},
		{name: "trust names the user", trust: userTrust, principal: alice, action: "sts:AssumeRole", res: roleARN, want: Allow},
		{name: "trust names another user, identity allows", trust: userTrust, identity: []string{mayAssume}, principal: bob, action: "sts:AssumeRole", res: roleARN, want: Deny},
		{name: "trust names the user, identity denies", trust: userTrust, identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"sts:*","Resource":"*"}}`},
			principal: alice, action: "sts:AssumeRole", res: roleARN, want: ExplicitDeny},
	})
}

// TestVariables covers what is particular to policy variables.
func TestVariables(t *testing.T) {
	const home2008 = `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/home/${aws:username}/*"}}`
	const homeNoVersion = `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/home/${aws:username}/*"}}`
	const home2012 = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/home/${aws:username}/*"}}`
	const escapes = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${*}/${?}/${$}{x}"}}`
	const like = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringLike":{"s3:prefix":"${aws:username}/*"}}}}`
	const quoteDefault = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username, 'it''s'}"}}`
	const twoVars = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/*/${aws:PrincipalTag/a}-${aws:PrincipalTag/b}/*"}}`
	runEvalCases(t, []evalCase{
		{name: "2008-10-17: ${...} is literal text", identity: []string{home2008}, principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/home/${aws:username}/k", ctx: kv("aws:username", "alice"), want: Allow},
		{name: "2008-10-17: ${...} is not substituted", identity: []string{home2008}, principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/home/alice/k", ctx: kv("aws:username", "alice"), want: Deny},
		{name: "no Version is 2008-10-17", identity: []string{homeNoVersion}, principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/home/alice/k", ctx: kv("aws:username", "alice"), want: Deny},
		{name: "2012-10-17: substituted", identity: []string{home2012}, principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/home/alice/k", ctx: kv("aws:username", "alice"), want: Allow},
		{name: "2012-10-17: not literal", identity: []string{home2012}, principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/home/${aws:username}/k", ctx: kv("aws:username", "alice"), want: Deny},
		{name: "a * in a value is not a wildcard", identity: []string{home2012}, principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/home/bob/k", ctx: kv("aws:username", "*"), want: Deny},
		{name: "a * in a value matches a *", identity: []string{home2012}, principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/home/*/k", ctx: kv("aws:username", "*"), want: Allow},
		{name: "a ? in a value is not a wildcard", identity: []string{home2012}, principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/home/x/k", ctx: kv("aws:username", "?"), want: Deny},
		{name: "a * in a StringLike value is not a wildcard", identity: []string{like}, principal: alice, action: "s3:ListBucket", res: "arn:aws:s3:::b", ctx: kv("aws:username", "*", "s3:prefix", "bob/x"), want: Deny},
		{name: "StringLike with a variable", identity: []string{like}, principal: alice, action: "s3:ListBucket", res: "arn:aws:s3:::b", ctx: kv("aws:username", "alice", "s3:prefix", "alice/x/y"), want: Allow},
		{name: "escapes are literal characters", identity: []string{escapes}, principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/*/?/${x}", want: Allow},
		{name: "escapes are not wildcards", identity: []string{escapes}, principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/a/b/${x}", want: Deny},
		{name: "a default with a quote", identity: []string{quoteDefault}, principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/it's", want: Allow},
		{name: "two variables", identity: []string{twoVars}, principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/x/y/red-blue/k", ctx: kv("aws:PrincipalTag/a", "red", "aws:PrincipalTag/b", "blue"), want: Allow},
		{name: "two variables, one missing", identity: []string{twoVars}, principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/x/y/red-/k", ctx: kv("aws:PrincipalTag/a", "red"), want: Deny},
		{name: "an empty value is a value", identity: []string{home2012}, principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/home//k", ctx: kv("aws:username", ""), want: Allow},
	})
}

// TestCase: actions match without regard to case, resources with.
func TestCase(t *testing.T) {
	const p = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:GetObject","S3:list*","s3:Put?bject"],"Resource":"arn:aws:s3:::Bucket/*"}}`
	runEvalCases(t, []evalCase{
		{name: "action, exact case", identity: []string{p}, principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::Bucket/k", want: Allow},
		{name: "action, other case", identity: []string{p}, principal: alice, action: "S3:GETOBJECT", res: "arn:aws:s3:::Bucket/k", want: Allow},
		{name: "action prefix, other case", identity: []string{p}, principal: alice, action: "s3:ListBucket", res: "arn:aws:s3:::Bucket/k", want: Allow},
		{name: "action ?, other case", identity: []string{p}, principal: alice, action: "s3:PUTOBJECT", res: "arn:aws:s3:::Bucket/k", want: Allow},
		{name: "action ? needs one character", identity: []string{p}, principal: alice, action: "s3:Putbject", res: "arn:aws:s3:::Bucket/k", want: Deny},
		{name: "resource, other case", identity: []string{p}, principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::bucket/k", want: Deny},
		{name: "resource wildcard spans slashes and colons", identity: []string{p}, principal: alice, action: "s3:GetObject", res: "arn:aws:s3:::Bucket/a/b:c", want: Allow},
		{name: "resource is not an ARN", identity: []string{p}, principal: alice, action: "s3:GetObject", res: "Bucket/k", want: Deny},
	})
}

// TestSetShapes covers what a Set's shape means: empty layers, nil
// policies, and policies of one type in another's slot.
func TestSetShapes(t *testing.T) {
	allow := mustParse(t, allowAllS3, Identity)
	bucket := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"s3:*","Resource":"*"}}`, Resource)
	r := &Request{Principal: alice, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}
	for _, c := range []struct {
		name string
		set  Set
		want Decision
	}{
		{"no limit layers", Set{Identity: []Named{{Policy: allow}}}, Allow},
		{"an empty limit layer allows nothing", Set{Identity: []Named{{Policy: allow}}, Limits: [][]Named{{}}}, Deny},
		{"nil policies are skipped", Set{Identity: []Named{{Policy: nil}, {Policy: allow}}, Limits: [][]Named{{{Policy: nil}, {Policy: allow}}}, Resource: []Named{{Policy: nil}}}, Allow},
		{"a bucket policy on the identity side ignores its Principal", Set{Identity: []Named{{Policy: bucket}}}, Allow},
		{"an identity policy on the resource side names nobody", Set{Resource: []Named{{Policy: allow}}}, Deny},
	} {
		if got := Evaluate(&c.set, r); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// A user or role named by ARN in a resource or trust policy is the one it
// was bound to on save: one deleted and made again under the name (another
// unique id) is another principal, for Allow, Deny and NotPrincipal alike,
// as AWS binds the ARN to the unique id. Accounts and session ARNs are not
// bound; a policy stored without bindings matches by name.
func TestPrincipalBoundAtSave(t *testing.T) {
	const aliceARN, roleARN = "arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:role/app"
	bound := map[string]string{aliceARN: "AIDAOLDALICE", roleARN: "AROAOLDAPP"}
	doc := func(effect, principal string) *Policy {
		return mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"`+effect+`",`+principal+`,"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, Resource)
	}
	user := func(id string) Principal {
		return Principal{AWS: []string{aliceARN, "111122223333"}, ID: id, IDOf: aliceARN}
	}
	role := func(id string) Principal {
		return Principal{AWS: []string{"arn:aws:sts::111122223333:assumed-role/app/s1", roleARN, "111122223333"}, ID: id, IDOf: roleARN}
	}
	const aliciaARN = "arn:aws:iam::111122223333:user/alicia"
	renamed := Principal{AWS: []string{aliciaARN, "111122223333"}, ID: "AIDAOLDALICE", IDOf: aliciaARN}
	allowIdentity := []Named{{Name: "own", Policy: mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, Identity)}}
	for _, tc := range []struct {
		name      string
		policy    *Policy
		bound     map[string]string
		principal Principal
		identity  []Named
		want      Decision
	}{
		{"the user bound", doc("Allow", `"Principal":{"AWS":"`+aliceARN+`"}`), bound, user("AIDAOLDALICE"), nil, Allow},
		{"another user of the name", doc("Allow", `"Principal":{"AWS":"`+aliceARN+`"}`), bound, user("AIDANEWALICE"), nil, Deny},
		{"the user bound, renamed since", doc("Allow", `"Principal":{"AWS":"`+aliceARN+`"}`), bound, renamed, nil, Allow},
		{"a Deny of the user bound, renamed since", doc("Deny", `"Principal":{"AWS":"`+aliceARN+`"}`), bound, renamed, allowIdentity, ExplicitDeny},
		{"an unbound name does not follow a rename", doc("Allow", `"Principal":{"AWS":"`+aliceARN+`"}`), nil, renamed, nil, Deny},
		{"a policy stored without bindings", doc("Allow", `"Principal":{"AWS":"`+aliceARN+`"}`), nil, user("AIDANEWALICE"), nil, Allow},
		{"another role of the name", doc("Allow", `"Principal":{"AWS":"`+roleARN+`"}`), bound, role("AROANEWAPP"), nil, Deny},
		{"the role bound", doc("Allow", `"Principal":{"AWS":"`+roleARN+`"}`), bound, role("AROAOLDAPP"), nil, Allow},
		{"session ARN is not bound", doc("Allow", `"Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/app/s1"}`), bound, role("AROANEWAPP"), nil, Allow},
		{"account is not bound", doc("Allow", `"Principal":{"AWS":"111122223333"}`), bound, user("AIDANEWALICE"), allowIdentity, Allow},
		{"a Deny of the old user spares the new one", doc("Deny", `"Principal":{"AWS":"`+aliceARN+`"}`), bound, user("AIDANEWALICE"), allowIdentity, Allow},
		{"a Deny of the user bound", doc("Deny", `"Principal":{"AWS":"`+aliceARN+`"}`), bound, user("AIDAOLDALICE"), allowIdentity, ExplicitDeny},
		{"NotPrincipal sparing the old user denies the new one", doc("Deny", `"NotPrincipal":{"AWS":["`+aliceARN+`","111122223333"]}`), bound, user("AIDANEWALICE"), allowIdentity, ExplicitDeny},
		{"NotPrincipal spares the user bound", doc("Deny", `"NotPrincipal":{"AWS":["`+aliceARN+`","111122223333"]}`), bound, user("AIDAOLDALICE"), allowIdentity, Allow},
	} {
		got := Evaluate(&Set{Identity: tc.identity, Resource: []Named{{Name: "bucket policy", Policy: tc.policy, Bound: tc.bound}}},
			&Request{Principal: tc.principal, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"})
		if got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A tag sent with an empty value is null (AWS: "it is possible to include
// an empty string. In this case, the value in the request context is
// null"): a Null check requiring it holds, and a variable of it has no
// value. Other keys keep "" as a value (s3:prefix "" is the bucket's root
// in AWS's own examples).
func TestEmptyTagIsNull(t *testing.T) {
	requireOwner := []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"},
	  {"Effect":"Deny","Action":"s3:PutObject","Resource":"*","Condition":{"Null":{"s3:RequestObjectTag/Owner":"true"}}}]}`}
	byDept := []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*",
	  "Condition":{"StringLike":{"s3:prefix":"${aws:PrincipalTag/dept}*"}}}]}`}
	root := []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*",
	  "Condition":{"StringEquals":{"s3:prefix":["","home/"]}}}]}`}
	put, list := "s3:PutObject", "s3:ListBucket"
	runEvalCases(t, []evalCase{
		{name: "tag sent empty is null to Null", identity: requireOwner, principal: alice, action: put, res: "*", ctx: kv("s3:RequestObjectTag/Owner", ""), want: ExplicitDeny},
		{name: "tag sent with a value", identity: requireOwner, principal: alice, action: put, res: "*", ctx: kv("s3:RequestObjectTag/Owner", "bob"), want: Allow},
		{name: "empty tag in a variable matches nothing", identity: byDept, principal: alice, action: list, res: "*",
			ctx: kv("aws:PrincipalTag/dept", "", "s3:prefix", "other-dept/secret"), want: Deny},
		{name: "tag in a variable", identity: byDept, principal: alice, action: list, res: "*",
			ctx: kv("aws:PrincipalTag/dept", "eng", "s3:prefix", "eng/plans"), want: Allow},
		{name: "an empty s3:prefix is a value", identity: root, principal: alice, action: list, res: "*", ctx: kv("s3:prefix", ""), want: Allow},
	})
}
