package policy

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestExplain renders the explanation of a range of decisions and
// compares them with testdata/explain.golden (rewrite it with -update).
func TestExplain(t *testing.T) {
	const sessionGet = `{"Version":"2012-10-17","Statement":{"Sid":"SessionGet","Effect":"Allow","Action":"s3:Get*","Resource":"*"}}`
	const sessionPut = `{"Version":"2012-10-17","Statement":{"Sid":"SessionPut","Effect":"Allow","Action":"s3:Put*","Resource":"*"}}`
	const roleBucket = `{"Version":"2012-10-17","Statement":{"Sid":"RoleRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`
	const accountBucket = `{"Version":"2012-10-17","Statement":{"Sid":"Account","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`
	get := func(p Principal, ctx *Context) (Principal, string, string, *Context) {
		return p, "s3:GetObject", "arn:aws:s3:::b/k", ctx
	}
	cases := []struct {
		name string
		c    evalCase
	}{
		{"nothing matches", evalCase{}},
		{"identity allows", evalCase{identity: []string{allowAllS3}}},
		{"two identity statements allow", evalCase{identity: []string{allowAllS3, sessionGet}}},
		{"identity denies", evalCase{identity: []string{allowAllS3, denyAllExceptListedIfNoMFA}}},
		{"identity allows, session policy does not", evalCase{identity: []string{allowAllS3}, limits: [][]string{{sessionPut}}}},
		{"identity and session policy allow", evalCase{identity: []string{allowAllS3}, limits: [][]string{{sessionPut, sessionGet}}}},
		{"second limit layer does not allow", evalCase{identity: []string{allowAllS3}, limits: [][]string{{sessionGet}, {sessionPut}}}},
		{"session policy allows, identity does not", evalCase{limits: [][]string{{sessionGet}}}},
		{"bucket policy denies over HTTP", evalCase{identity: []string{allowAllS3}, resource: []string{publicReadHTTPSOnly}, ctx: kv("aws:SecureTransport", "false")}},
		{"bucket policy allows the public", evalCase{resource: []string{publicReadHTTPSOnly}, principal: anon}},
		{"bucket policy names the role, session policy does not allow", evalCase{resource: []string{roleBucket}, limits: [][]string{{sessionPut}}}},
		{"bucket policy names the role, session policy allows", evalCase{resource: []string{roleBucket}, limits: [][]string{{sessionGet}}}},
		{"bucket policy names the account only", evalCase{resource: []string{accountBucket}}},
		{"bucket policy names the account, identity allows", evalCase{resource: []string{accountBucket}, identity: []string{allowAllS3}}},
		{"trust policy does not allow", evalCase{identity: []string{allowAllS3}, trust: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`}},
	}
	var out strings.Builder
	for _, c := range cases {
		ec := c.c
		if ec.principal.AWS == nil && !ec.principal.Anonymous {
			ec.principal = session
		}
		ec.principal, ec.action, ec.res, ec.ctx = get(ec.principal, ec.ctx)
		s := ec.set(t)
		r := &Request{Principal: ec.principal, Action: ec.action, Resource: ec.res, Context: ec.ctx}
		e := Explain(s, r)
		if d := Evaluate(s, r); d != e.Decision {
			t.Errorf("%s: Evaluate %v, Explain %v", c.name, d, e.Decision)
		}
		fmt.Fprintf(&out, "%s\n\t%v: %s\n", c.name, e.Decision, e)
		if r := e.Reason(ec.action); r != "" {
			fmt.Fprintf(&out, "\treason: %s\n", r)
		}
	}
	golden := filepath.Join("testdata", "explain.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got := out.String(); got != string(want) {
		t.Errorf("explanations differ from %s (go test -update rewrites it):\n%s", golden, got)
	}
}

func TestDecisionString(t *testing.T) {
	for d, want := range map[Decision]string{Deny: "implicit deny", Allow: "allow", ExplicitDeny: "explicit deny", 9: "unknown decision"} {
		if d.String() != want || d.Allowed() != (d == Allow) {
			t.Errorf("%d: %q %v", d, d.String(), d.Allowed())
		}
	}
	for typ, want := range map[Type]string{Identity: "identity", Resource: "resource", Trust: "trust", 9: "unknown"} {
		if typ.String() != want {
			t.Errorf("%d: %q", typ, typ.String())
		}
	}
	if Evaluate(nil, &Request{}) != Deny || Evaluate(&Set{}, nil) != Deny {
		t.Error("nil Set or Request not denied")
	}
	if _, err := Parse([]byte(`{}`), 7); err == nil {
		t.Error("Parse of an unknown Type succeeded")
	}
}
