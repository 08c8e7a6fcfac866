package policy

import (
	"testing"
)

// Principals used across the tests, in account 111122223333.
const (
	acct       = "111122223333"
	aliceARN   = "arn:aws:iam::111122223333:user/alice"
	bobARN     = "arn:aws:iam::111122223333:user/bob"
	roleARN    = "arn:aws:iam::111122223333:role/app"
	sessionARN = "arn:aws:sts::111122223333:assumed-role/app/s1"
	otherAcct  = "444455556666"
)

var (
	alice   = Principal{AWS: []string{aliceARN, acct}}
	bob     = Principal{AWS: []string{bobARN, acct}}
	session = Principal{AWS: []string{sessionARN, roleARN, acct}}
	anon    = Principal{Anonymous: true}
	root    = Principal{AWS: []string{"arn:aws:iam::111122223333:root", acct}}
)

func mustParse(t testing.TB, doc string, typ Type) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc), typ)
	if err != nil {
		t.Fatalf("Parse(%s): %v\n%s", typ, err, doc)
	}
	return p
}

// kv builds a Context from key, value pairs; a value "a|b" is a key with
// the two values a and b, and "" an empty string.
func kv(pairs ...string) *Context {
	var c Context
	for i := 0; i+1 < len(pairs); i += 2 {
		c.Set(pairs[i], splitBar(pairs[i+1])...)
	}
	return &c
}

func splitBar(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '|' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func named(t testing.TB, typ Type, prefix string, docs ...string) []Named {
	t.Helper()
	var ns []Named
	for i, d := range docs {
		ns = append(ns, Named{Name: prefix + string(rune('a'+i)), Policy: mustParse(t, d, typ)})
	}
	return ns
}
