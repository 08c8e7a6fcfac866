package oidc

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDecodeObject(t *testing.T) {
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{`{}`, true},
		{` {"a":1, "b":[1,{"a":2,"a":3}]} `, true}, // only top-level names must be unique
		{`{"a":1,"a":1}`, false},
		{`{"a":1,"\u0061":2}`, false}, // the same name, spelled another way
		{`{"a":1}{"a":2}`, false},
		{`{"a":1} x`, false},
		{`{"a":1`, false},
		{`[]`, false},
		{`"a"`, false},
		{`null`, false},
		{``, false},
		{"{\"a\":\"\xff\"}", false},
	} {
		_, err := decodeObject([]byte(tt.in))
		if (err == nil) != tt.ok {
			t.Errorf("decodeObject(%q): %v", tt.in, err)
		}
	}
}

func TestNumericDate(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want time.Time
		ok   bool
	}{
		{json.Number("1700000000"), time.Unix(1700000000, 0), true},
		{json.Number("1700000000.25"), time.Unix(1700000000, 250_000_000), true},
		{json.Number("0"), time.Unix(0, 0), true},
		{json.Number("1e9"), time.Unix(1e9, 0), true},
		{json.Number("-1"), time.Time{}, false},
		{json.Number("253402300800"), time.Time{}, false},
		{json.Number("1e400"), time.Time{}, false},
		{"1700000000", time.Time{}, false},
		{nil, time.Time{}, false},
		{true, time.Time{}, false},
	} {
		got, ok := numericDate(tt.in)
		if ok != tt.ok || ok && !got.Equal(tt.want) {
			t.Errorf("numericDate(%#v) = %v, %v", tt.in, got, ok)
		}
	}
}

// Google's tokens may say iss "accounts.google.com", which its discovery
// document does not; Verify takes it for the https issuer, and for no
// other.
func TestGoogleIssuer(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	v := NewVerifier(Options{Clock: fixedClock(now)})
	payload := func(iss string) []byte {
		return fmt.Appendf(nil, `{"iss":%q,"sub":"1","aud":"c","azp":"android","iat":%d,"exp":%d}`, iss, now.Unix(), now.Unix()+60)
	}
	for _, tt := range []struct {
		issuer, iss string
		ok          bool
	}{
		{"https://accounts.google.com", "https://accounts.google.com", true},
		{"https://accounts.google.com", "accounts.google.com", true},
		{"https://idp.example", "idp.example", false},
		{"https://accounts.google.com/", "accounts.google.com", false},
	} {
		_, err := v.checkClaims(tt.issuer, []string{"c"}, payload(tt.iss))
		if (err == nil) != tt.ok {
			t.Errorf("issuer %s, iss %s: %v", tt.issuer, tt.iss, err)
		}
	}
}

func TestDefaultClientRedirects(t *testing.T) {
	req := func(u string) *http.Request {
		r, err := http.NewRequest("GET", u, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	strict, lax := defaultClient(false), defaultClient(true)
	if strict.Timeout != FetchTimeout {
		t.Errorf("Timeout = %v", strict.Timeout)
	}
	via := []*http.Request{req("https://idp.example/")}
	for _, tt := range []struct {
		c   *http.Client
		to  string
		via int
		ok  bool
	}{
		{strict, "https://keys.example/jwks", 1, true},
		{strict, "http://keys.example/jwks", 1, false},
		{strict, "file:///etc/passwd", 1, false},
		{lax, "http://keys.example/jwks", 1, true},
		{lax, "ftp://keys.example/jwks", 1, false},
		{strict, "https://keys.example/jwks", maxRedirects, true},
		{strict, "https://keys.example/jwks", maxRedirects + 1, false},
	} {
		err := tt.c.CheckRedirect(req(tt.to), append(via, make([]*http.Request, tt.via-1)...))
		if (err == nil) != tt.ok {
			t.Errorf("redirect to %s after %d: %v", tt.to, tt.via, err)
		}
	}
}

func TestErrorCauses(t *testing.T) {
	err := reject(msgSignature, ErrSignature, "kid %s", quote(strings.Repeat("k", 1000)))
	if !errors.Is(err, ErrSignature) {
		t.Errorf("%v does not wrap ErrSignature", err)
	}
	if len(err.Error()) > 200 {
		t.Errorf("an attacker's kid floods the log line: %d bytes", len(err.Error()))
	}
	if msgTooLarge != "Invalid login token. Token is larger than "+strconv.Itoa(MaxTokenSize)+" bytes." {
		t.Errorf("msgTooLarge %q does not say MaxTokenSize", msgTooLarge)
	}
}

// TestImports holds the package to the standard library and the root
// package, so that it can be reused and reviewed alone.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") && path != "github.com/wicket-io/wicket" {
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}
