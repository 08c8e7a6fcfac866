package sigv4

import (
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestEncodeURI(t *testing.T) {
	for _, tc := range []struct {
		in        string
		keepSlash bool
		want      string
	}{
		{"", false, ""},
		{"AZaz09-_.~", false, "AZaz09-_.~"},
		{"a b+c%d", false, "a%20b%2Bc%25d"},
		{"a/b", false, "a%2Fb"},
		{"a/b", true, "a/b"},
		{"ሴ€", true, "%E1%88%B4%E2%82%AC"},
		{"!$&'()*,;=:@?#[]", true, "%21%24%26%27%28%29%2A%2C%3B%3D%3A%40%3F%23%5B%5D"},
		{"\x00\x7f\xff", false, "%00%7F%FF"},
	} {
		if got := EncodeURI(tc.in, tc.keepSlash); got != tc.want {
			t.Errorf("EncodeURI(%q, %v) = %q, want %q", tc.in, tc.keepSlash, got, tc.want)
		}
	}
}

// TestCanonicalQuery covers the query rules: sorted by key then value,
// each decoded as a form decodes it and encoded the SigV4 way.
func TestCanonicalQuery(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"", ""},
		{"b=2&a=1", "a=1&b=2"},
		{"a=2&a=10&a=1", "a=1&a=10&a=2"},
		{"lifecycle", "lifecycle="},
		{"a=&&b", "a=&b="},
		{"=v&k=", "=v&k="},
		{"a=x+y&b=x%20y&c=%2b&d=%2B", "a=x%20y&b=x%20y&c=%2B&d=%2B"},
		{"%7Ea=%7e&~b=~", "~a=~&~b=~"},
		{"a=%zz&b=%&c=%4", "a=%25zz&b=%25&c=%254"},
		{"B=1&a=2&A=3", "A=3&B=1&a=2"},
		{"k=a/b?c=d;e", "k=a%2Fb%3Fc%3Dd%3Be"},
		{"ሴ=€", "%E1%88%B4=%E2%82%AC"},
		{"a=%2F&b=%E2%82%AC&c", "a=%2F&b=%E2%82%AC&c="},
		{"c=%2F&b=1&a", "a=&b=1&c=%2F"},
		{"a=%2f&a=%2F", "a=%2F&a=%2F"},
		{"b=%41&a=%7E", "a=~&b=A"},
		{"a=2&a=1&b", "a=1&a=2&b="},
	} {
		s := getScratch()
		s.addRawQuery(tc.raw)
		s.sortParams()
		if got := string(s.appendCanonicalQuery(nil)); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.raw, got, tc.want)
		}
		putScratch(s)
	}
	// Past the insertion sort's range too.
	var raw, want []string
	for c := 'z'; c >= 'a'; c-- {
		raw = append(raw, string(c)+"=1")
	}
	for c := 'a'; c <= 'z'; c++ {
		want = append(want, string(c)+"=1")
	}
	s := getScratch()
	defer putScratch(s)
	s.addRawQuery(strings.Join(raw, "&"))
	s.sortParams()
	if got := string(s.appendCanonicalQuery(nil)); got != strings.Join(want, "&") {
		t.Errorf("long query: %q", got)
	}
}

func TestHeaderValue(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"   ", ""},
		{" a ", "a"},
		{"\t a \t", "a"},
		{"a   b    c", "a b c"},
		{"a \t  b", "a \t b"},
		{`"a   b"`, `"a b"`},
	} {
		if got := string(appendHeaderValue(nil, tc.in)); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCanonicalHeaders covers repeated headers, names that differ only in
// case in a hand-built map, and the headers never signed.
func TestCanonicalHeaders(t *testing.T) {
	r, _ := http.NewRequest("PUT", "https://h.example/", strings.NewReader("12345"))
	r.Header = http.Header{
		"X-B":               {" 1 ", "2"},
		"x-b":               {"3"},
		"X-A":               {"a  b"},
		"User-Agent":        {"ua"},
		"Expect":            {"100-continue"},
		"Authorization":     {"old"},
		"X-Amzn-Trace-Id":   {"t"},
		"Transfer-Encoding": {"chunked"},
		"Host":              {"other.example"},
		"Content-Length":    {"999"},
	}
	var d Debug
	if err := NewSigner().Sign(r, vtCreds, Params{Region: "r", Service: "svc", Time: vtTime, Debug: &d}); err != nil {
		t.Fatal(err)
	}
	if d.SignedHeaders != "content-length;host;x-a;x-amz-date;x-b" {
		t.Errorf("signed %q", d.SignedHeaders)
	}
	for _, want := range []string{"\ncontent-length:5\nhost:h.example\nx-a:a b\n", "\nx-b:1,2,3\n", "\nx-b:3,1,2\n"} {
		if strings.Contains(d.CanonicalRequest, want) {
			return
		}
	}
	t.Errorf("canonical request:\n%s", d.CanonicalRequest)
}

func TestNormalizePath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"//", "/"},
		{"/a/b", "/a/b"},
		{"/a/b/", "/a/b/"},
		{"/a//b", "/a/b"},
		{"/./a", "/a"},
		{"/a/.", "/a/"},
		{"/a/..", "/"},
		{"/a/b/..", "/a/"},
		{"/a/b/../../..", "/"},
		{"/a/.b/..c", "/a/.b/..c"},
		{"/%2E%2E/a", "/%2E%2E/a"},
	} {
		if got := normalizePath(tc.in); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCanonicalURI covers both path rules, from the client's URL and from
// the path a server received.
func TestCanonicalURI(t *testing.T) {
	for _, tc := range []struct{ url, s3, other string }{
		{"https://h", "/", "/"},
		{"https://h/a b/ሴ", "/a%20b/%E1%88%B4", "/a%2520b/%25E1%2588%25B4"},
		{"https://h/a%2Fb/c", "/a/b/c", "/a%252Fb/c"},
		{"https://h/a+b$c", "/a%2Bb%24c", "/a%2Bb%24c"},
		{"https://h//a/./b/../c/", "//a/./b/../c/", "/a/c/"},
		{"https://h/%7Eu", "/~u", "/%257Eu"}, // the wire form, escaped again
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(appendClientURI(nil, u, "s3")); got != tc.s3 {
			t.Errorf("%s s3: %s, want %s", tc.url, got, tc.s3)
		}
		if got := string(appendClientURI(nil, u, "sts")); got != tc.other {
			t.Errorf("%s sts: %s, want %s", tc.url, got, tc.other)
		}
	}
	// A server's wire path: S3 decodes and re-encodes it; its alternative
	// is the path as sent. A malformed escape stays a literal '%'.
	for _, tc := range []struct{ wire, s3, alt string }{
		{"/test$file.text", "/test%24file.text", "/test$file.text"},
		{"/a%2fb%7e", "/a/b~", "/a%2fb%7e"},
		{"/100%/%zz", "/100%25/%25zz", "/100%/%zz"},
		// S3 reads a literal '+' as a space; %2B is the '+'.
		{"/a+b/c%2Bd", "/a%20b/c%2Bd", "/a+b/c%2Bd"},
	} {
		if got := string(appendServerURI(nil, tc.wire, "s3")); got != tc.s3 {
			t.Errorf("%s: %s, want %s", tc.wire, got, tc.s3)
		}
		if got := string(appendServerURIAlt(nil, tc.wire, "s3")); got != tc.alt {
			t.Errorf("%s alt: %s, want %s", tc.wire, got, tc.alt)
		}
	}
}

func TestServerTarget(t *testing.T) {
	for _, tc := range []struct{ uri, path, query string }{
		{"/a?b=c", "/a", "b=c"},
		{"/a%20b?", "/a%20b", ""},
		{"/?x", "/", "x"},
		{"http://h.example/p?q", "/p", "q"},
		{"http://h.example?q", "/", "q"},
		{"http://h.example", "/", ""},
		{"*", "*", ""},
		{"0?x", "0", "x"},
	} {
		r := &http.Request{RequestURI: tc.uri, URL: &url.URL{Path: "/ignored"}}
		if p, q := serverTarget(r); p != tc.path || q != tc.query {
			t.Errorf("%q: %q %q, want %q %q", tc.uri, p, q, tc.path, tc.query)
		}
	}
	r := &http.Request{URL: &url.URL{Path: "/a b", RawQuery: "x=1"}}
	if p, q := serverTarget(r); p != "/a%20b" || q != "x=1" {
		t.Errorf("without RequestURI: %q %q", p, q)
	}
}

func TestStripDefaultPort(t *testing.T) {
	for _, tc := range []struct {
		host, scheme, want string
		stripped           bool
	}{
		{"h", "https", "h", false},
		{"h:443", "https", "h", true},
		{"h:443", "HTTPS", "h", true},
		{"h:80", "https", "h:80", false},
		{"h:80", "http", "h", true},
		{"h:", "http", "h", true},
		{"h:8080", "http", "h:8080", false},
		{"[::1]", "https", "[::1]", false},
		{"[::1]:443", "https", "[::1]", true},
		{"[::1]:8443", "https", "[::1]:8443", false},
	} {
		got, stripped := stripDefaultPort(tc.host, tc.scheme)
		if got != tc.want || stripped != tc.stripped {
			t.Errorf("%s %s: %q %v", tc.scheme, tc.host, got, stripped)
		}
	}
}

func TestParseAmzDate(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"20250304T050607Z", true},
		{"20240229T235959Z", true},
		{"20250229T000000Z", false},
		{"21000229T000000Z", false},
		{"20000229T000000Z", true},
		{"20251301T000000Z", false},
		{"20250100T000000Z", false},
		{"20250101T240000Z", false},
		{"20250101T006000Z", false},
		{"20250101T000060Z", false},
		{"20250101 000000Z", false},
		{"20250101T000000", false},
		{"2025010T0000000Z", false},
		{"+2025010T000000Z", false},
	} {
		got, ok := parseAmzDate(tc.in)
		if ok != tc.ok {
			t.Errorf("%s: %v", tc.in, ok)
		}
		if ok {
			if want, _ := time.Parse(TimeFormat, tc.in); !got.Equal(want) {
				t.Errorf("%s: %v, want %v", tc.in, got, want)
			}
		}
		if ok && !parseScopeDate(tc.in[:8]) {
			t.Errorf("%s: scope date refused", tc.in[:8])
		}
	}
}

func TestQueryUnescape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"abc", "abc"},
		{"a+b", "a b"},
		{"a%2Fb%2f", "a/b/"},
		{"%", "%"},
		{"%4", "%4"},
		{"%zz%41", "%zzA"},
		{"x%2", "x%2"},
		{"%E2%82%AC+", "€ "},
	} {
		if got := queryUnescape(tc.in); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
		if got := string(appendQueryUnescape(nil, tc.in)); got != tc.want {
			t.Errorf("append %q: %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCredentialParts(t *testing.T) {
	for _, tc := range []struct {
		in      string
		escaped bool
		want    string // parts joined by '|', or "" when refused
	}{
		{"AK/20250304/us-east-1/s3/aws4_request", false, "AK|20250304|us-east-1|s3|aws4_request"},
		{"AK%2F20250304%2fus-east-1/s3%2Faws4_request", true, "AK|20250304|us-east-1|s3|aws4_request"},
		{"A%4B%2F1%2Fr+x%2Fs%2Ft", true, "AK|1|r x|s|t"},
		{"AK%2F1%2Fr%2Fs", true, ""},
		{"a/b/c/d/e/f", false, ""},
		{"a%2Fb%2Fc%2Fd%2Fe", false, ""},
		{"////", false, "||||"},
	} {
		parts, ok := credentialParts(tc.in, tc.escaped)
		got := ""
		if ok {
			got = strings.Join(parts[:], "|")
		}
		if got != tc.want {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCanonicalComponent(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"", true},
		{"AZaz09-_.~", true},
		{"a%2Fb%E2%82%AC", true},
		{"a%2fb", false},
		{"%41", false},
		{"%7E", false},
		{"a+b", false},
		{"a b", false},
		{"%", false},
		{"%2", false},
		{"%ZZ", false},
		{"a/b", false},
	} {
		if got := canonicalComponent(tc.in); got != tc.ok {
			t.Errorf("%q: %v", tc.in, got)
		}
	}
}

func TestDecodeLowerHex(t *testing.T) {
	var b [2]byte
	for _, tc := range []struct {
		in string
		ok bool
	}{{"00ff", true}, {"a1b2", true}, {"A1b2", false}, {"a1b", false}, {"a1b2c", false}, {"g1b2", false}, {"a1 2", false}} {
		if ok := decodeLowerHex(b[:], tc.in); ok != tc.ok || (ok && hex.EncodeToString(b[:]) != tc.in) {
			t.Errorf("%q: %v %x", tc.in, ok, b)
		}
	}
}
