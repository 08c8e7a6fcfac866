package arn

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want ARN
		err  error
	}{
		{in: "arn:aws:s3:::bucket", want: ARN{"aws", "s3", "", "", "bucket"}},
		{in: "arn:aws:s3:::bucket/key/with:colons", want: ARN{"aws", "s3", "", "", "bucket/key/with:colons"}},
		{in: "arn:aws:iam::123456789012:user/alice", want: ARN{"aws", "iam", "", "123456789012", "user/alice"}},
		{in: "arn:aws:sts::123456789012:assumed-role/app/session", want: ARN{"aws", "sts", "", "123456789012", "assumed-role/app/session"}},
		{in: "arn:aws-cn:sqs:cn-north-1:123456789012:queue", want: ARN{"aws-cn", "sqs", "cn-north-1", "123456789012", "queue"}},
		{in: "arn:aws:iam::aws:policy/AdministratorAccess", want: ARN{"aws", "iam", "", "aws", "policy/AdministratorAccess"}},
		{in: "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:*", want: ARN{"aws", "logs", "us-east-1", "123456789012", "log-group:/aws/lambda/f:*"}},
		{in: "arn:aws:cognito-identity:us-east-1:123456789012:identitypool/us-east-1:1", want: ARN{"aws", "cognito-identity", "us-east-1", "123456789012", "identitypool/us-east-1:1"}},
		{in: "arn:aws:s3:::*", want: ARN{"aws", "s3", "", "", "*"}},
		{in: "", err: ErrPrefix},
		{in: "ARN:aws:s3:::b", err: ErrPrefix},
		{in: "urn:aws:s3:::b", err: ErrPrefix},
		{in: "arn:aws:s3::", err: ErrSections},
		{in: "arn:aws:s3:b", err: ErrSections},
		{in: "arn::s3:::b", err: ErrPartition},
		{in: "arn:AWS:s3:::b", err: ErrPartition},
		{in: "arn:aws::::b", err: ErrService},
		{in: "arn:aws:s 3:::b", err: ErrService},
		{in: "arn:aws:s3:us_east_1::b", err: ErrRegion},
		{in: "arn:aws:s3::12 34:b", err: ErrAccount},
		{in: "arn:aws:s3:::", err: ErrResource},
		{in: "arn:aws:s3:::" + strings.Repeat("k", MaxLen), err: ErrTooLong},
	} {
		got, err := Parse(c.in)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("Parse(%.40q) = %v, %v; want %v", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %#v, %v; want %#v", c.in, got, err, c.want)
			continue
		}
		if s := got.String(); s != c.in {
			t.Errorf("Parse(%q).String() = %q", c.in, s)
		}
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := Parse("urn:x")
	if err == nil || err.Error() != `arn: does not begin with "arn:": "urn:x"` {
		t.Errorf("error: %v", err)
	}
	_, err = Parse("urn:" + strings.Repeat("x", 200))
	if err == nil || len(err.Error()) > 150 {
		t.Errorf("long input makes a long error: %d bytes", len(err.Error()))
	}
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, value string
		want           bool
	}{
		{"*", "arn:aws:s3:::b/k", true},
		{"*", "not an arn", true},
		{"arn:aws:s3:::b/k", "arn:aws:s3:::b/k", true},
		{"arn:aws:s3:::b/k", "arn:aws:s3:::b/K", false}, // case-sensitive
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/", true},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b", false},
		{"arn:aws:s3:::b*", "arn:aws:s3:::b/a/b:c", true}, // the resource takes the rest, colons too
		{"arn:aws:s3:::b/?", "arn:aws:s3:::b/é", true},    // ? is one character, not one byte
		{"arn:aws:s3:::b/??", "arn:aws:s3:::b/é", false},
		{"arn:aws:*:*:*:*", "arn:aws:iam::123456789012:user/a", true},
		{"arn:*:iam::*:user/*", "arn:aws-cn:iam::123456789012:user/a", true},
		{"arn:aws:iam::*:user/*", "arn:aws:iam::123456789012:role/a", false},
		// AWS's example: ArnLike matches component by component, so the
		// first * cannot swallow the account.
		{"arn:aws:someservice:*:111122223333:finance/*", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt", false},
		{"arn:aws:someservice:*:111122223333:finance/*", "arn:aws:someservice:us-east-2:111122223333:finance/document.txt", true},
		{"arn:aws:s3:*", "arn:aws:s3:::b", false}, // a pattern needs six components
		{"arn:aws:s3:::b", "arn:aws:s3", false},
		{"", "", false},
	} {
		if got := Match(c.pattern, c.value); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, c.value, got, c.want)
		}
	}
}

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		pattern, value string
		want, fold     bool
	}{
		{"", "", true, true},
		{"", "a", false, false},
		{"*", "", true, true},
		{"*", "anything", true, true},
		{"**", "x", true, true},
		{"a*", "abc", true, true},
		{"a*c", "abc", true, true},
		{"a*c", "abcd", false, false},
		{"*c", "abcabc", true, true},
		{"a?c", "abc", true, true},
		{"a?c", "ac", false, false},
		{"?", "日", true, true},
		{"a*b*c", "aXbYbZc", true, true},
		{"a*b*c", "aXbYbZ", false, false},
		{"*a*a*a*a*b", strings.Repeat("a", 40), false, false},
		{"s3:Get*", "s3:GetObject", true, true},
		{"s3:get*", "S3:GetObject", false, true},
		{"S3:GETOBJECT", "s3:getobject", false, true},
		{"s3:?etobject", "S3:GETOBJECT", false, true},
		{"ÉCOLE", "école", false, true},
		{"É", "ê", false, false}, // same lead byte, different rune
		{"k", "K", false, true},  // Kelvin sign folds to k
		{"*é", "xÉ", false, true},
		{"a", "\xff", false, false},
	} {
		if got := Glob(c.pattern, c.value); got != c.want {
			t.Errorf("Glob(%q, %q) = %v, want %v", c.pattern, c.value, got, c.want)
		}
		if got := GlobFold(c.pattern, c.value); got != c.fold {
			t.Errorf("GlobFold(%q, %q) = %v, want %v", c.pattern, c.value, got, c.fold)
		}
	}
}

func TestGlobAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() {
		Glob("arn:aws:s3:::b/*/x?z", "arn:aws:s3:::b/a/b/c/xyz")
		GlobFold("s3:get*", "S3:GetObject")
		Match("arn:aws:s3:::b/*", "arn:aws:s3:::b/k")
	}); n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
}

func BenchmarkMatch(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Match("arn:aws:s3:::bucket/private/*/photos/*", "arn:aws:s3:::bucket/private/us-east-1:1234/photos/2025/cat.jpg")
	}
}

// FuzzParse: Parse must not panic; what it accepts must format back to
// the same text, and, as a pattern, match itself (a '*' or '?' in the
// pattern matches the same character in the value). The seed corpus is in
// testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"arn:aws:s3:::bucket/key", "arn:aws:iam::123456789012:user/a", "arn:aws:s3:::*", "arn:aws", "arn:a:b:c:d:e:f:g"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			return
		}
		if a.String() != s {
			t.Fatalf("Parse(%q).String() = %q", s, a.String())
		}
		if !Match(s, s) {
			t.Fatalf("Match(%q, itself) is false", s)
		}
		Glob(s, s)
		GlobFold(a.Resource, s)
	})
}
