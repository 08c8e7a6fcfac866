package policy

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/wicket-io/wicket/arn"
)

// TestPatternAgainstGlob: a compiled pattern without variables matches as
// arn.Glob (or GlobFold) matches its text, and a pattern with variables
// matches as Glob matches the substituted text, when the values hold no
// wildcard.
func TestPatternAgainstGlob(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", "b", "A", "*", "?", "é", "É", "/", ":"}
	word := func(n int, wild bool) string {
		var b strings.Builder
		for range rng.IntN(n + 1) {
			c := pick(rng, alphabet)
			if !wild && (c == "*" || c == "?") {
				c = "a"
			}
			b.WriteString(c)
		}
		return b.String()
	}
	n := 20000
	if raceEnabled {
		n = 2000
	}
	for range n {
		pat, s := word(6, true), word(8, false)
		p, err := compilePattern(pat, true, true)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := p.match(s, nil, false), arn.Glob(pat, s); got != want {
			t.Fatalf("pattern %q on %q: %v, Glob %v", pat, s, got, want)
		}
		if got, want := p.match(s, nil, true), arn.GlobFold(pat, s); got != want {
			t.Fatalf("pattern %q on %q folded: %v, GlobFold %v", pat, s, got, want)
		}
		// The same with variables.
		v1, v2 := word(3, false), word(3, false)
		withVars := pick(rng, []string{"${x:one}", "*"}) + pat + "${x:two}" + pick(rng, []string{"", "*", "?"})
		p, err = compilePattern(withVars, true, true)
		if err != nil {
			t.Fatal(err)
		}
		subst := strings.NewReplacer("${x:one}", v1, "${x:two}", v2).Replace(withVars)
		ctx := kv("X:ONE", v1, "x:Two", v2)
		if got, want := p.match(s, ctx, false), arn.Glob(subst, s); got != want {
			t.Fatalf("pattern %q (%q, %q) on %q: %v, Glob(%q) %v", withVars, v1, v2, s, got, subst, want)
		}
	}
}

// TestARNPattern checks the component-wise matching of Resource entries,
// and that it agrees with arn.Match.
func TestARNPattern(t *testing.T) {
	for _, c := range []struct {
		pattern, value string
		want           bool
	}{
		{"*", "anything", true},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/k", true},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/a:b/c", true},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::c/k", false},
		{"arn:aws:s3:::b", "arn:aws:s3:::b", true},
		{"arn:aws:s3:::b", "arn:aws:s3:::b/", false},
		{"arn:aws:s3:::*", "arn:aws:s3:::b/k", true},
		{"arn:aws:*:*:*:*", "arn:aws:s3:::b/k", true},
		{"arn:aws:dynamodb:*:*:table/Thread", "arn:aws:dynamodb:us-east-1:111122223333:table/Thread", true},
		{"arn:aws:someservice:*:111122223333:finance/*", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt", false},
		{"arn:aws:s?:::b", "arn:aws:s3:::b", true},
		{"arn:aws:s3:::b", "arn:aws:s3::", false},
		{"arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*", true},
		{"arn:aws:s3:::b/${*}", "arn:aws:s3:::b/x", false},
		{"arn:${*}:s3:::b", "arn:*:s3:::b", true},
	} {
		ap, err := compileARN(c.pattern, true, true)
		if err != nil {
			t.Fatalf("%q: %v", c.pattern, err)
		}
		if got := ap.match(c.value, nil); got != c.want {
			t.Errorf("%q on %q: %v, want %v", c.pattern, c.value, got, c.want)
		}
		if !strings.Contains(c.pattern, "${") {
			if got := arn.Match(c.pattern, c.value); got != c.want {
				t.Errorf("arn.Match(%q, %q) = %v, want %v", c.pattern, c.value, got, c.want)
			}
		}
	}
}

func TestParseVariable(t *testing.T) {
	for _, c := range []struct {
		in       string
		key, def string
		hasDef   bool
		n        int
		bad      bool
	}{
		{in: "${aws:username}", key: "aws:username", n: 15},
		{in: "${ aws:username }rest", key: "aws:username", n: 17},
		{in: "${aws:username, 'x'}", key: "aws:username", def: "x", hasDef: true, n: 20},
		{in: "${aws:username,'x'}", key: "aws:username", def: "x", hasDef: true, n: 19},
		{in: "${a:b, 'it''s'}", key: "a:b", def: "it's", hasDef: true, n: 15},
		{in: "${a:b, ''}", key: "a:b", def: "", hasDef: true, n: 10},
		{in: "${a:b, '}'}", key: "a:b", def: "}", hasDef: true, n: 11},
		{in: "${a:b, '${c:d}'}", key: "a:b", def: "${c:d}", hasDef: true, n: 16},
		{in: "${a:b", bad: true},
		{in: "${}", bad: true},
		{in: "${a:b, x}", bad: true},
		{in: "${a:b, 'x}", bad: true},
		{in: "${a:b, 'x' y}", bad: true},
	} {
		key, def, hasDef, n, err := parseVariable(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("%q: no error", c.in)
			}
			continue
		}
		if err != nil || key != c.key || def != c.def || hasDef != c.hasDef || n != c.n {
			t.Errorf("%q: %q %q %v %d %v, want %q %q %v %d", c.in, key, def, hasDef, n, err, c.key, c.def, c.hasDef, c.n)
		}
	}
}

func TestParseDate(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // RFC 3339 with nanoseconds, or "" for an error
	}{
		{"2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z"},
		{"2020-01-01T00:00:00.123456789Z", "2020-01-01T00:00:00.123456789Z"},
		{"2020-01-01T00:00:00.1234567891Z", "2020-01-01T00:00:00.123456789Z"},
		{"2020-01-01T12:30:00+05:30", "2020-01-01T07:00:00Z"},
		{"2020-01-01T12:30:00-0800", "2020-01-01T20:30:00Z"},
		{"2020-01-01T12:30Z", "2020-01-01T12:30:00Z"},
		{"2020-01-01T12:30:15", "2020-01-01T12:30:15Z"},
		{"2020-01-01", "2020-01-01T00:00:00Z"},
		{"2020-02", "2020-02-01T00:00:00Z"},
		{"2024-02-29", "2024-02-29T00:00:00Z"},
		{"1900-03-01", "1900-03-01T00:00:00Z"},
		{"0001-01-01", "0001-01-01T00:00:00Z"},
		{"9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"},
		{"1700000000", "2023-11-14T22:13:20Z"},
		{"0", "1970-01-01T00:00:00Z"},
		{"-86400", "1969-12-31T00:00:00Z"},
		{"", ""},
		{"2020", "1970-01-01T00:33:40Z"}, // digits alone are epoch seconds
		{"2023-02-29", ""},
		{"2020-00-01", ""},
		{"2020-01-32", ""},
		{"2020-01-01T24:00:00Z", ""},
		{"2020-01-01T10:60:00Z", ""},
		{"2020-01-01T10:00:00.Z", ""},
		{"2020-01-01T10:00:00+25:00", ""},
		{"2020-01-01 10:00:00Z", ""},
		{"20-01-01", ""},
		{"2020-1-1", ""},
		{"now", ""},
		{"1e9", ""},
	} {
		d, ok := parseDate(c.in)
		if c.want == "" {
			if ok {
				t.Errorf("parseDate(%q) = %v, want an error", c.in, d)
			}
			continue
		}
		want, err := time.Parse(time.RFC3339Nano, c.want)
		if err != nil {
			t.Fatal(err)
		}
		if !ok || d.sec != want.Unix() || int(d.nsec) != want.Nanosecond() {
			t.Errorf("parseDate(%q) = %v %v, want %v (%d)", c.in, d, ok, c.want, want.Unix())
		}
	}
}

func TestParseNumber(t *testing.T) {
	for in, want := range map[string]float64{"10": 10, "-3.5": -3.5, "+2": 2, "1e3": 1000, ".5": 0.5, "5.": 5, "007": 7} {
		if got, ok := parseNumber(in); !ok || got != want {
			t.Errorf("parseNumber(%q) = %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-", ".", "1e", "0x10", "1_000", "NaN", "Inf", "1e400", " 1", "1 "} {
		if got, ok := parseNumber(in); ok {
			t.Errorf("parseNumber(%q) = %v, want an error", in, got)
		}
	}
}

func TestContext(t *testing.T) {
	var c Context
	if _, ok := c.Get("aws:username"); ok {
		t.Error("zero Context has a key")
	}
	var nilCtx *Context
	if _, ok := nilCtx.Get("aws:username"); ok || nilCtx.Len() != 0 {
		t.Error("nil Context has a key")
	}
	c.Set("aws:SourceIp", "10.0.0.1")
	c.Set("AWS:USERNAME", "alice")
	c.Set("aws:TagKeys", "a", "b")
	c.Set("aws:Empty")
	c.Set("aws:PrincipalTag/Ünïcode", "x")
	for key, want := range map[string]string{"aws:sourceip": "10.0.0.1", "AWS:SOURCEIP": "10.0.0.1", "aws:username": "alice", "aws:tagkeys": "a|b", "aws:empty": "", "aws:principaltag/üNÏCODE": "x"} {
		got, ok := c.Get(key)
		if !ok || strings.Join(got, "|") != want {
			t.Errorf("Get(%q) = %q %v, want %q", key, got, ok, want)
		}
	}
	if _, ok := c.Get("aws:userid"); ok {
		t.Error("Get of a missing key succeeded")
	}
	// The condition side: an empty key is not present.
	if _, ok := c.values(keyHash("aws:empty"), "aws:empty"); ok {
		t.Error("a key with no values is present to conditions")
	}
	if v, ok := c.single(keyHash("aws:tagkeys"), "aws:tagkeys"); ok {
		t.Errorf("a multivalued key is a variable's value: %q", v)
	}
	// Replacing.
	c.Set("aws:username", "bob")
	if got, _ := c.Get("aws:username"); len(got) != 1 || got[0] != "bob" || c.Len() != 5 {
		t.Errorf("after replacing: %q, %d keys", got, c.Len())
	}
	// A caller's slice is copied, not kept.
	vals := []string{"x", "y"}
	c.Set("aws:TagKeys", vals...)
	vals[0] = "changed"
	if got, _ := c.Get("aws:tagkeys"); got[0] != "x" {
		t.Errorf("Set kept the caller's slice: %q", got)
	}
	// Reset, and reuse with different keys in the same places.
	c.Reset()
	if c.Len() != 0 {
		t.Errorf("after Reset: %d keys", c.Len())
	}
	c.Set("aws:username", "carol")
	c.Set("aws:SourceIp", "10.0.0.2")
	if got, _ := c.Get("aws:sourceip"); len(got) != 1 || got[0] != "10.0.0.2" {
		t.Errorf("after reuse: %q", got)
	}
	if got, _ := c.Get("aws:username"); len(got) != 1 || got[0] != "carol" {
		t.Errorf("after reuse: %q", got)
	}
}

func TestKeyHashFold(t *testing.T) {
	for _, s := range []string{"aws:SourceIp", "AWS:PRINCIPALTAG/ÄÖÜ", "x:\xff\xfe", "x:ǅ", "x:K", ""} {
		if got, want := keyHashFold(s), keyHash(strings.ToLower(s)); got != want {
			t.Errorf("keyHashFold(%q) = %x, keyHash(ToLower) = %x", s, got, want)
		}
	}
}
