package policy

import (
	"errors"
	"testing"

	"github.com/wicket-io/wicket"
)

// FuzzParse feeds Parse arbitrary documents: it must never panic, must
// reject with a MalformedPolicyDocument *wicket.Error, and a policy it
// accepts must evaluate, and explain, without panicking and with the two
// agreeing. The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, doc := range []string{
		benchPolicy, amplifyAuthRead, homeDirectory, publicReadHTTPSOnly, denyAllExceptListedIfNoMFA, ipPolicy, dateWindow,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}}`,
	} {
		f.Add([]byte(doc))
	}
	ctx := kv("aws:username", "alice", "aws:SourceIp", "10.1.2.3", "aws:CurrentTime", "2024-01-01T00:00:00Z", "aws:SecureTransport", "true",
		"s3:prefix", "home/alice/", "aws:TagKeys", "a|b", "cognito-identity.amazonaws.com:sub", "us-east-1:1", "s3:max-keys", "5")
	requests := []*Request{
		{Principal: alice, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/home/alice/x", Context: ctx},
		{Principal: anon, Action: "s3:ListBucket", Resource: "arn:aws:s3:::b"},
		{Principal: session, Action: "sts:AssumeRole", Resource: roleARN, Context: ctx},
		{Principal: Principal{Federated: "cognito-identity.amazonaws.com"}, Action: "sts:AssumeRoleWithWebIdentity", Resource: "not an ARN", Context: ctx},
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, typ := range []Type{Identity, Resource, Trust} {
			p, err := Parse(doc, typ)
			if err != nil {
				var e *wicket.Error
				if !errors.As(err, &e) || e.Kind != wicket.Invalid || e.Code != CodeMalformed || e.Message == "" {
					t.Fatalf("Parse(%s): %#v", typ, err)
				}
				continue
			}
			n := Named{Name: "fuzz", Policy: p}
			for _, s := range []*Set{{Identity: []Named{n}}, {Limits: [][]Named{{n}}}, {Resource: []Named{n}}} {
				for _, r := range requests {
					d := Evaluate(s, r)
					if e := Explain(s, r); e.Decision != d {
						t.Fatalf("Explain %v, Evaluate %v", e.Decision, d)
					}
				}
			}
		}
	})
}
