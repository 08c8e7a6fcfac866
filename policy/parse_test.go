package policy

import (
	"errors"
	"strings"
	"testing"

	"github.com/wicket-io/wicket"
)

// stmt wraps statement members in a 2012-10-17 document.
func stmt(members string) string {
	return `{"Version":"2012-10-17","Statement":[{` + members + `}]}`
}

const (
	okIdentity = `"Effect":"Allow","Action":"s3:GetObject","Resource":"*"`
	okResource = `"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"`
	okTrust    = `"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"`
)

func TestParseRejects(t *testing.T) {
	for _, c := range []struct {
		name string
		doc  string
		typ  Type
		want string // the message, exactly
	}{
		// The document.
		{"empty", ``, Identity, `Syntax errors in policy. Invalid JSON at line 1, column 1.`},
		{"not JSON", `{"Version":`, Identity, `Syntax errors in policy. Invalid JSON at line 1, column 12.`},
		{"trailing text", `{"Statement":[]} x`, Identity, `Syntax errors in policy. Invalid JSON at line 1, column 18.`},
		{"bad JSON on line 3", "{\n\"Version\": \"2012-10-17\",\n\"Statement\": [}", Identity, `Syntax errors in policy. Invalid JSON at line 3, column 15.`},
		{"not UTF-8", "{\"Statement\":\"\xff\"}", Identity, `Syntax errors in policy. Document is not valid UTF-8.`},
		{"not an object", `["Statement"]`, Identity, `Syntax errors in policy. The document is not a JSON object.`},
		{"duplicate member", `{"Version":"2012-10-17","Version":"2012-10-17"}`, Identity, `Syntax errors in policy. Duplicate member "Version".`},
		{"too deep", strings.Repeat("[", 40) + strings.Repeat("]", 40), Identity, `Syntax errors in policy. Nesting deeper than 16.`},
		{"too large", `{"Id":"` + strings.Repeat("x", MaxSize) + `"}`, Identity, `policy document longer than 131072 bytes`},
		{"unknown top-level element", `{"Version":"2012-10-17","Statements":[]}`, Identity, `Syntax errors in policy. Unknown element "Statements".`},
		{"bad version", `{"Version":"2013-01-01","Statement":[{` + okIdentity + `}]}`, Identity, `Version: Invalid Version "2013-01-01": want 2012-10-17 (or 2008-10-17)`},
		{"version not a string", `{"Version":2012,"Statement":[{` + okIdentity + `}]}`, Identity, `Version: Invalid Version 2012: want 2012-10-17 (or 2008-10-17)`},
		{"no statement", `{"Version":"2012-10-17"}`, Identity, `Missing required field Statement`},
		{"empty statement list", `{"Version":"2012-10-17","Statement":[]}`, Identity, `Statement: no statements`},
		{"statement a string", `{"Version":"2012-10-17","Statement":"x"}`, Identity, `Statement: must be an object or an array, not a string`},
		{"statement element a string", `{"Version":"2012-10-17","Statement":["x"]}`, Identity, `Statement[0]: must be an object, not a string`},
		{"Id not a string", `{"Id":1,"Statement":[{` + okIdentity + `}]}`, Identity, `Id: must be a string, not a number`},

		// Statement elements.
		{"unknown element", stmt(okIdentity + `,"Actions":"s3:*"`), Identity, `Statement[0]: Syntax errors in policy. Unknown element "Actions".`},
		{"no effect", stmt(`"Action":"s3:*","Resource":"*"`), Identity, `Statement[0]: Missing required field Effect`},
		{"bad effect", stmt(`"Effect":"allow","Action":"s3:*","Resource":"*"`), Identity, `Statement[0].Effect: Invalid effect: "allow" (want "Allow" or "Deny")`},
		{"second statement", `{"Version":"2012-10-17","Statement":[{` + okIdentity + `},{"Effect":"Allow","Resource":"*"}]}`, Identity, `Statement[1]: Missing required field Action`},
		{"single statement object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":"*"}}`, Identity, `Statement: Missing required field Action`},
		{"Action and NotAction", stmt(okIdentity + `,"NotAction":"s3:*"`), Identity, `Statement[0]: a statement cannot have both Action and NotAction`},
		{"no resource", stmt(`"Effect":"Allow","Action":"s3:*"`), Identity, `Statement[0]: Missing required field Resource`},
		{"Resource and NotResource", stmt(okIdentity + `,"NotResource":"*"`), Identity, `Statement[0]: a statement cannot have both Resource and NotResource`},
		{"empty action list", stmt(`"Effect":"Allow","Action":[],"Resource":"*"`), Identity, `Statement[0].Action: is empty`},
		{"action a number", stmt(`"Effect":"Allow","Action":[1],"Resource":"*"`), Identity, `Statement[0].Action[0]: must be a string, not a number`},
		{"action an object", stmt(`"Effect":"Allow","Action":{"s3":"x"},"Resource":"*"`), Identity, `Statement[0].Action: must be a string or an array of strings, not an object`},

		// Sids.
		{"sid not alphanumeric", stmt(`"Sid":"my-sid",` + okIdentity), Identity, `Statement[0].Sid: Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*`},
		{"duplicate sid", `{"Version":"2012-10-17","Statement":[{"Sid":"A",` + okIdentity + `},{"Sid":"A",` + okIdentity + `}]}`, Identity, `Statement[1].Sid: Statement IDs (SID) in a single policy must be unique. "A" is used twice.`},
		{"duplicate sid in a bucket policy", `{"Version":"2012-10-17","Statement":[{"Sid":"Read it",` + okResource + `},{"Sid":"Read it",` + okResource + `}]}`, Resource, `Statement[1].Sid: Statement IDs (SID) in a single policy must be unique. "Read it" is used twice.`},
		{"sid not a string", stmt(`"Sid":1,` + okIdentity), Identity, `Statement[0].Sid: must be a string, not a number`},

		// Principals by policy type.
		{"principal in an identity policy", stmt(okResource), Identity, `Statement[0]: Policy document should not specify a principal.`},
		{"NotPrincipal in an identity policy", stmt(`"NotPrincipal":"*",` + okIdentity), Identity, `Statement[0]: Policy document should not specify a principal.`},
		{"no principal in a bucket policy", stmt(okIdentity), Resource, `Statement[0]: Missing required field Principal`},
		{"no principal in a trust policy", stmt(`"Effect":"Allow","Action":"sts:AssumeRole"`), Trust, `Statement[0]: Missing required field Principal`},
		{"NotPrincipal in a trust policy", stmt(`"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"`), Trust, `Statement[0]: NotPrincipal is not allowed in a trust policy`},
		{"Principal and NotPrincipal", stmt(`"Principal":"*","NotPrincipal":"*","Effect":"Allow","Action":"s3:*","Resource":"*"`), Resource, `Statement[0]: a statement cannot have both Principal and NotPrincipal`},
		{"principal string", stmt(`"Effect":"Allow","Principal":"111122223333","Action":"s3:*","Resource":"*"`), Resource, `Statement[0].Principal: Invalid principal in policy: "111122223333" (a principal is "*" or an object such as {"AWS": ...})`},
		{"principal empty object", stmt(`"Effect":"Allow","Principal":{},"Action":"s3:*","Resource":"*"`), Resource, `Statement[0].Principal: Invalid principal in policy: must be "*" or an object such as {"AWS": ...}`},
		{"principal wildcard ARN", stmt(`"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"s3:*","Resource":"*"`), Resource, `Statement[0].Principal.AWS: Invalid principal in policy: "arn:aws:iam::111122223333:user/*"`},
		{"principal bad account", stmt(`"Effect":"Allow","Principal":{"AWS":["111122223333","1234"]},"Action":"s3:*","Resource":"*"`), Resource, `Statement[0].Principal.AWS[1]: Invalid principal in policy: "1234"`},
		{"principal of another service", stmt(`"Effect":"Allow","Principal":{"AWS":"arn:aws:s3:::bucket"},"Action":"s3:*","Resource":"*"`), Resource, `Statement[0].Principal.AWS: Invalid principal in policy: "arn:aws:s3:::bucket"`},
		{"principal type unknown", stmt(`"Effect":"Allow","Principal":{"Group":"admins"},"Action":"s3:*","Resource":"*"`), Resource, `Statement[0].Principal: Invalid principal in policy: unknown principal type "Group"`},
		{"principal wildcard service", stmt(`"Effect":"Allow","Principal":{"Service":"*"},"Action":"s3:*","Resource":"*"`), Resource, `Statement[0].Principal.Service: Invalid principal in policy: "*"`},

		// Trust policies.
		{"trust with a resource", stmt(okTrust + `,"Resource":"*"`), Trust, `Statement[0]: Has prohibited field Resource`},
		{"trust with an s3 action", stmt(`"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"s3:GetObject"`), Trust, `Statement[0].Action: AssumeRole policy may only specify STS AssumeRole actions. "s3:GetObject" is not one.`},
		{"trust with NotAction", stmt(`"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"NotAction":"sts:AssumeRole"`), Trust, `Statement[0].NotAction: AssumeRole policy may only specify STS AssumeRole actions.`},

		// Actions.
		{"action without vendor", stmt(`"Effect":"Allow","Action":"GetObject","Resource":"*"`), Identity, `Statement[0].Action: Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. ("GetObject")`},
		{"action with two colons", stmt(`"Effect":"Allow","Action":["s3:*","s3:Get:Object"],"Resource":"*"`), Identity, `Statement[0].Action[1]: Actions/Condition can contain only one colon. ("s3:Get:Object")`},
		{"action empty vendor", stmt(`"Effect":"Allow","Action":":GetObject","Resource":"*"`), Identity, `Statement[0].Action: Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. (":GetObject")`},
		{"action bad vendor", stmt(`"Effect":"Allow","Action":"s 3:GetObject","Resource":"*"`), Identity, `Statement[0].Action: Vendor "s 3" is not valid`},
		{"action without name", stmt(`"Effect":"Allow","Action":"s3:","Resource":"*"`), Identity, `Statement[0].Action: action "s3:" has no name after the vendor`},
		{"action with a space", stmt(`"Effect":"Allow","Action":"s3:Get Object","Resource":"*"`), Identity, `Statement[0].Action: action "s3:Get Object" contains a space or control character`},

		// Resources.
		{"resource not an ARN", stmt(`"Effect":"Allow","Action":"s3:*","Resource":"bucket/*"`), Identity, `Statement[0].Resource: Resource bucket/* must be in ARN format or "*".`},
		{"resource short ARN", stmt(`"Effect":"Allow","Action":"s3:*","Resource":["*","arn:aws:s3"]`), Identity, `Statement[0].Resource[1]: Resource arn:aws:s3 must be in ARN format or "*".`},
		{"resource variable in account", stmt(`"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:iam::${aws:PrincipalAccount}:user/x"`), Identity, `Statement[0].Resource: Resource "arn:aws:iam::${aws:PrincipalAccount}:user/x" may hold policy variables only in its resource part, after the fifth colon`},
		{"resource unterminated variable", stmt(`"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username"`), Identity, `Statement[0].Resource: Resource "arn:aws:s3:::b/${aws:username" unterminated policy variable`},
		{"resource empty variable", stmt(`"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${ }"`), Identity, `Statement[0].Resource: Resource "arn:aws:s3:::b/${ }" empty policy variable`},
		{"resource bad default", stmt(`"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username, guest}"`), Identity, `Statement[0].Resource: Resource "arn:aws:s3:::b/${aws:username, guest}" invalid default value in policy variable (want ${key, 'default'})`},
		{"resource too long", stmt(`"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/` + strings.Repeat("k", MaxValueLen) + `"`), Identity, `Statement[0].Resource: longer than 4096 bytes`},

		// Conditions.
		{"unknown operator", `{"Version":"2012-10-17","Statement":[{` + okIdentity + `},{` + okIdentity + `,"Condition":{"StringEqualz":{"aws:username":"x"}}}]}`, Identity, `Statement[1].Condition: unknown operator "StringEqualz"`},
		{"NullIfExists", stmt(okIdentity + `,"Condition":{"NullIfExists":{"aws:username":"true"}}`), Identity, `Statement[0].Condition: unknown operator "NullIfExists"`},
		{"ForAnyValue:Null", stmt(okIdentity + `,"Condition":{"ForAnyValue:Null":{"aws:username":"true"}}`), Identity, `Statement[0].Condition: unknown operator "ForAnyValue:Null"`},
		{"unknown set operator", stmt(okIdentity + `,"Condition":{"ForSomeValues:StringEquals":{"aws:username":"x"}}`), Identity, `Statement[0].Condition: unknown operator "ForSomeValues:StringEquals"`},
		{"condition not an object", stmt(okIdentity + `,"Condition":[]`), Identity, `Statement[0].Condition: must be an object, not an array`},
		{"operator block not an object", stmt(okIdentity + `,"Condition":{"StringEquals":"x"}`), Identity, `Statement[0].Condition.StringEquals: must be an object of condition keys, not a string`},
		{"key without vendor", stmt(okIdentity + `,"Condition":{"StringEquals":{"username":"x"}}`), Identity, `Statement[0].Condition.StringEquals["username"]: Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.`},
		{"no values", stmt(okIdentity + `,"Condition":{"StringEquals":{"aws:username":[]}}`), Identity, `Statement[0].Condition.StringEquals["aws:username"]: has no values`},
		{"null value", stmt(okIdentity + `,"Condition":{"StringEquals":{"aws:username":null}}`), Identity, `Statement[0].Condition.StringEquals["aws:username"]: a condition value is a string, number or boolean, not null`},
		{"nested value", stmt(okIdentity + `,"Condition":{"StringEquals":{"aws:username":[["x"]]}}`), Identity, `Statement[0].Condition.StringEquals["aws:username"][0]: a condition value is a string, number or boolean, not an array`},
		{"bad CIDR", stmt(okIdentity + `,"Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","10.0.0.0/33"]}}`), Identity, `Statement[0].Condition.IpAddress["aws:SourceIp"][1]: "10.0.0.0/33" is not an IP address or CIDR block`},
		{"bad address", stmt(okIdentity + `,"Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.256"}}`), Identity, `Statement[0].Condition.NotIpAddress["aws:SourceIp"]: "10.0.0.256" is not an IP address or CIDR block`},
		{"bad date", stmt(okIdentity + `,"Condition":{"DateLessThan":{"aws:CurrentTime":"2020-13-01T00:00:00Z"}}`), Identity, `Statement[0].Condition.DateLessThan["aws:CurrentTime"]: "2020-13-01T00:00:00Z" is not a date (ISO 8601, as 2012-10-17T00:00:00Z, or seconds since 1970)`},
		{"February 30", stmt(okIdentity + `,"Condition":{"DateLessThan":{"aws:CurrentTime":"2021-02-29"}}`), Identity, `Statement[0].Condition.DateLessThan["aws:CurrentTime"]: "2021-02-29" is not a date (ISO 8601, as 2012-10-17T00:00:00Z, or seconds since 1970)`},
		{"bad number", stmt(okIdentity + `,"Condition":{"NumericLessThan":{"s3:max-keys":"ten"}}`), Identity, `Statement[0].Condition.NumericLessThan["s3:max-keys"]: "ten" is not a number`},
		{"variable in a number", stmt(okIdentity + `,"Condition":{"NumericLessThan":{"s3:max-keys":"${aws:x}"}}`), Identity, `Statement[0].Condition.NumericLessThan["s3:max-keys"]: "${aws:x}" is not a number`},
		{"bad bool", stmt(okIdentity + `,"Condition":{"Bool":{"aws:SecureTransport":"yes"}}`), Identity, `Statement[0].Condition.Bool["aws:SecureTransport"]: "yes" is not "true" or "false"`},
		{"bad null", stmt(okIdentity + `,"Condition":{"Null":{"aws:TokenIssueTime":"maybe"}}`), Identity, `Statement[0].Condition.Null["aws:TokenIssueTime"]: "maybe" is not "true" or "false"`},
		{"bad base64", stmt(okIdentity + `,"Condition":{"BinaryEquals":{"x:key":"not base64!"}}`), Identity, `Statement[0].Condition.BinaryEquals["x:key"]: "not base64!" is not base64`},
		{"ArnLike not an ARN", stmt(okIdentity + `,"Condition":{"ArnLike":{"aws:SourceArn":"topic"}}`), Identity, `Statement[0].Condition.ArnLike["aws:SourceArn"]: "topic" must be in ARN format or "*"`},
		{"bad variable in a condition", stmt(okIdentity + `,"Condition":{"StringLike":{"s3:prefix":"${aws:username"}}`), Identity, `Statement[0].Condition.StringLike["s3:prefix"]: "${aws:username" unterminated policy variable`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse([]byte(c.doc), c.typ)
			if err == nil {
				t.Fatalf("Parse succeeded (%d statements), want %q", len(p.stmts), c.want)
			}
			var e *wicket.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v, want a *wicket.Error", err, err)
			}
			if e.Kind != wicket.Invalid || e.Code != "MalformedPolicyDocument" || e.Op != "policy.Parse" {
				t.Errorf("Kind %v, Code %q, Op %q; want invalid, MalformedPolicyDocument, policy.Parse", e.Kind, e.Code, e.Op)
			}
			if got := wicket.MessageOf(err); got != c.want {
				t.Errorf("message\n got: %s\nwant: %s", got, c.want)
			}
		})
	}
}

// TestParseAccepts holds Parse to what AWS accepts.
func TestParseAccepts(t *testing.T) {
	for _, c := range []struct {
		name string
		doc  string
		typ  Type
	}{
		{"statement object", `{"Version":"2012-10-17","Statement":{` + okIdentity + `}}`, Identity},
		{"no version", `{"Statement":[{` + okIdentity + `}]}`, Identity},
		{"version 2008", `{"Version":"2008-10-17","Id":"x","Statement":[{` + okIdentity + `}]}`, Identity},
		{"white space", " \n\t{ \"Statement\" : [ { " + okIdentity + " } ] } \n", Identity},
		{"escapes", `{"Statement":[{"Effect":"Allow","Action":"s3:\u0047etObject","Resource":"arn:aws:s3:::b\/k"}]}`, Identity},
		{"empty sid", stmt(`"Sid":"",` + okIdentity), Identity},
		{"two empty sids", `{"Version":"2012-10-17","Statement":[{"Sid":"",` + okIdentity + `},{"Sid":"",` + okIdentity + `}]}`, Identity},
		{"bucket policy sid with spaces", stmt(`"Sid":"Allow get requests from example.com",` + okResource), Resource},
		{"numbers and bools as condition values", stmt(okIdentity + `,"Condition":{"NumericLessThanEquals":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":true},"StringEquals":{"x:n":[1,2.5,-3e2]}}`), Identity},
		{"every operator", stmt(okIdentity + `,"Condition":{
			"StringEquals":{"a:a":"x"},"StringNotEquals":{"a:a":"x"},"StringEqualsIgnoreCase":{"a:a":"x"},"StringNotEqualsIgnoreCase":{"a:a":"x"},
			"StringLike":{"a:a":"x*"},"StringNotLike":{"a:a":"x?"},
			"NumericEquals":{"a:a":"1"},"NumericNotEquals":{"a:a":"1"},"NumericLessThan":{"a:a":"1"},"NumericLessThanEquals":{"a:a":"1"},"NumericGreaterThan":{"a:a":"1"},"NumericGreaterThanEquals":{"a:a":"1.5"},
			"DateEquals":{"a:a":"2020-01-01"},"DateNotEquals":{"a:a":"2020-01-01T00:00Z"},"DateLessThan":{"a:a":"2020-01-01T00:00:00Z"},"DateLessThanEquals":{"a:a":"2020-01-01T00:00:00.123+01:00"},
			"DateGreaterThan":{"a:a":"1577836800"},"DateGreaterThanEquals":{"a:a":"2020-01"},
			"Bool":{"a:a":"True"},"BinaryEquals":{"a:a":"AAEC"},"IpAddress":{"a:a":"10.0.0.0/8"},"NotIpAddress":{"a:a":"::1"},
			"ArnEquals":{"a:a":"arn:aws:s3:::b"},"ArnLike":{"a:a":"arn:aws:s3:::*"},"ArnNotEquals":{"a:a":"*"},"ArnNotLike":{"a:a":"arn:*:*:*:*:*"},
			"Null":{"a:a":"false"},
			"StringEqualsIfExists":{"a:a":"x"},"ForAnyValue:StringLike":{"a:a":"x"},"ForAllValues:NumericLessThanIfExists":{"a:a":"3"},
			"stringequals":{"a:b":"operators are case-insensitive"}}`), Identity},
		{"principal forms", stmt(`"Effect":"Allow","Principal":{"AWS":["*","111122223333","arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:user/a","arn:aws:sts::111122223333:assumed-role/r/s","AIDAJQABLZS4A3QDU576Q"],
			"Federated":"cognito-identity.amazonaws.com","Service":["s3.amazonaws.com"],"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"s3:*","Resource":"*"`), Resource},
		{"trust policy", stmt(okTrust), Trust},
		{"trust policy sts:*", stmt(`"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:*"`), Trust},
		{"variables in 2008 are text", `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:iam::${x:y}:user/${unterminated"}]}`, Identity},
		{"NotPrincipal in a bucket policy", stmt(`"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"`), Resource},
		{"wildcard vendor", stmt(`"Effect":"Allow","Action":"*:Get*","Resource":"*"`), Identity},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse([]byte(c.doc), c.typ)
			if err != nil {
				t.Fatal(err)
			}
			if p.Type() != c.typ || p.String() != c.doc {
				t.Errorf("Type %v, String %q", p.Type(), p.String())
			}
		})
	}
}
