package oidctest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wicket-io/wicket/internal/oidctest"
	"github.com/wicket-io/wicket/oidc"
)

// decode returns a token's header and payload.
func decode(t *testing.T, token string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("%d parts", len(parts))
	}
	for i, dst := range []*map[string]any{&header, &payload} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, payload
}

func get(t *testing.T, c *http.Client, url string) map[string]any {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s: %s, %s", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	body, _ := io.ReadAll(resp.Body)
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func kids(t *testing.T, p *oidctest.Provider) []string {
	t.Helper()
	var ks []string
	for _, k := range get(t, p.Client(), p.URL+oidctest.JWKSPath)["keys"].([]any) {
		ks = append(ks, k.(map[string]any)["kid"].(string))
	}
	return ks
}

func TestProvider(t *testing.T) {
	p := oidctest.New(t)
	doc := get(t, p.Client(), p.URL+oidctest.DiscoveryPath)
	if doc["issuer"] != p.URL || doc["jwks_uri"] != p.URL+oidctest.JWKSPath {
		t.Errorf("discovery %v", doc)
	}
	if got := fmt.Sprint(kids(t, p)); got != "[k1 es256 es384 es512 eddsa]" {
		t.Errorf("kids %s", got)
	}
	if p.Fetches() != 1 || p.DiscoveryFetches() != 1 {
		t.Errorf("fetches %d, discovery fetches %d", p.Fetches(), p.DiscoveryFetches())
	}

	now := time.Unix(1_700_000_000, 0)
	p.Now = func() time.Time { return now }
	header, claims := decode(t, p.Token(map[string]any{"email": "a@example.com", "sub": "u1"}))
	if header["alg"] != "RS256" || header["kid"] != "k1" || header["typ"] != "JWT" {
		t.Errorf("header %v", header)
	}
	want := map[string]any{"iss": p.URL, "sub": "u1", "aud": oidctest.ClientID, "iat": 1.7e9, "exp": 1.7e9 + 3600, "email": "a@example.com"}
	if fmt.Sprint(claims) != fmt.Sprint(want) {
		t.Errorf("claims %v, want %v", claims, want)
	}

	header, claims = decode(t, p.TokenWith(oidctest.TokenOptions{
		Alg: "ES384", NoKID: true, Header: map[string]any{"typ": nil, "x5u": "https://evil"}, Claims: map[string]any{"aud": nil},
	}))
	if fmt.Sprint(header) != "map[alg:ES384 x5u:https://evil]" {
		t.Errorf("header %v", header)
	}
	if _, ok := claims["aud"]; ok {
		t.Errorf("aud not removed: %v", claims)
	}

	p.RotateKey()
	p.RotateKey()
	if p.KID() != "k3" {
		t.Errorf("KID = %s", p.KID())
	}
	p.RemoveKey("k1")
	p.RemoveKey("k2")
	if got := fmt.Sprint(kids(t, p)); got != "[es256 es384 es512 eddsa k3]" {
		t.Errorf("kids after rotations %s", got)
	}

	p.SetDiscovery(map[string]any{"issuer": "https://other.example", "jwks_uri": nil})
	doc = get(t, p.Client(), p.URL+oidctest.DiscoveryPath)
	if doc["issuer"] != "https://other.example" || doc["jwks_uri"] != nil {
		t.Errorf("discovery after SetDiscovery %v", doc)
	}

	p.Override(oidctest.JWKSPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"keys":[]}`))
	}))
	if n := len(get(t, p.Client(), p.URL+oidctest.JWKSPath)["keys"].([]any)); n != 0 {
		t.Errorf("overridden JWKS has %d keys", n)
	}
	if p.Fetches() != 3 {
		t.Errorf("%d fetches; overridden ones count too", p.Fetches())
	}
}

// Every token TokenWith makes for an allowed algorithm verifies; every
// attack it makes fails.
func TestTokensVerify(t *testing.T) {
	p := oidctest.New(t)
	v := oidc.NewVerifier(oidc.Options{AllowHTTP: true})
	extra, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p.AddKey("extra", extra)
	for _, o := range []oidctest.TokenOptions{
		{}, {Alg: "RS384"}, {Alg: "RS512"}, {Alg: "PS256"}, {Alg: "PS384"}, {Alg: "PS512"},
		{Alg: "ES256"}, {Alg: "ES384"}, {Alg: "ES512"}, {Alg: "EdDSA"},
		{Alg: "ES256", Key: extra, KID: "extra"},
	} {
		if _, err := v.Verify(context.Background(), p.URL, []string{p.ClientID}, p.TokenWith(o)); err != nil {
			t.Errorf("%+v: %v", o, err)
		}
	}
	for _, o := range []oidctest.TokenOptions{{Alg: "none"}, {Alg: "HS256"}, {Alg: "ES256", Key: extra}} {
		if _, err := v.Verify(context.Background(), p.URL, []string{p.ClientID}, p.TokenWith(o)); err == nil {
			t.Errorf("%+v passed", o)
		}
	}
}

func TestKeyConfusionToken(t *testing.T) {
	p := oidctest.New(t)
	tok := p.TokenWith(oidctest.TokenOptions{Alg: "HS256"})
	i := strings.LastIndexByte(tok, '.')
	m := hmac.New(sha256.New, p.PublicKeyPEM())
	m.Write([]byte(tok[:i]))
	if want := base64.RawURLEncoding.EncodeToString(m.Sum(nil)); tok[i+1:] != want {
		t.Error("HS256 token not signed with the PEM public key")
	}
	if !strings.HasPrefix(string(p.PublicKeyPEM()), "-----BEGIN PUBLIC KEY-----\n") {
		t.Errorf("PublicKeyPEM:\n%s", p.PublicKeyPEM())
	}
	if tok := p.TokenWith(oidctest.TokenOptions{Alg: "none"}); !strings.HasSuffix(tok, ".") {
		t.Errorf("alg none token %q has a signature", tok)
	}
}

func TestNewTLS(t *testing.T) {
	p := oidctest.NewTLS(t)
	if !strings.HasPrefix(p.URL, "https://") {
		t.Fatalf("URL %s", p.URL)
	}
	v := oidc.NewVerifier(oidc.Options{HTTPClient: p.Client()})
	if _, err := v.Verify(context.Background(), p.URL, []string{p.ClientID}, p.Token(nil)); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(kids(t, p), "") {
		t.Error("a key without kid")
	}
}

// A provider whose issuer ends in "/", as Auth0's does, names it in its
// discovery document and its tokens, and is verified as that issuer only.
func TestIssuerWithSlash(t *testing.T) {
	p := oidctest.New(t)
	p.SetIssuer(p.URL + "/")
	if p.Issuer() != p.URL+"/" {
		t.Fatalf("Issuer() = %s", p.Issuer())
	}
	if doc := get(t, p.Client(), p.URL+oidctest.DiscoveryPath); doc["issuer"] != p.URL+"/" || doc["jwks_uri"] != p.URL+oidctest.JWKSPath {
		t.Errorf("discovery %v", doc)
	}
	if _, claims := decode(t, p.Token(nil)); claims["iss"] != p.URL+"/" {
		t.Errorf("iss %v", claims["iss"])
	}
	v := oidc.NewVerifier(oidc.Options{AllowHTTP: true})
	if _, err := v.Verify(context.Background(), p.URL+"/", []string{p.ClientID}, p.Token(nil)); err != nil {
		t.Errorf("verified as %s/: %v", p.URL, err)
	}
	if _, err := v.Verify(context.Background(), p.URL, []string{p.ClientID}, p.Token(nil)); err == nil {
		t.Errorf("verified as %s", p.URL)
	}
}

// TestImports holds the package to the standard library, so that any
// package's tests can use it without pulling in Wicket.
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
			if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}
