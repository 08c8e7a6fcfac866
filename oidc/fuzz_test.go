package oidc

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/internal/oidctest"
)

var update = flag.Bool("update", false, "rewrite the seed corpus of FuzzVerify in testdata/fuzz")

// The fuzzed verifier holds the keys of testdata/fuzzkeys.pem for
// fzIssuer, at fzNow, so that seeds signed with them reach the claim
// checks. It never fetches: its cache is fresh and a refresh is not due.
const (
	fzIssuer   = "https://idp.fuzz.example"
	fzAudience = "fuzz-client"
)

var (
	fzNow  = time.Unix(1_700_000_000, 0)
	fzKIDs = []string{"fuzz-es256", "fuzz-eddsa", "fuzz-rs256"} // the keys of fuzzkeys.pem, in order
)

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// noNetwork fails every request: the fuzzed verifier must not fetch.
type noNetwork struct{}

func (noNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network while fuzzing")
}

func fzKeys(t testing.TB) []crypto.Signer {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "fuzzkeys.pem"))
	if err != nil {
		t.Fatal(err)
	}
	var keys []crypto.Signer
	for {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			break
		}
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(crypto.Signer))
	}
	if len(keys) != len(fzKIDs) {
		t.Fatalf("%d keys in fuzzkeys.pem", len(keys))
	}
	return keys
}

func fzVerifier(t testing.TB) *Verifier {
	t.Helper()
	var jwks struct {
		Keys []map[string]any `json:"keys"`
	}
	for i, k := range fzKeys(t) {
		jwks.Keys = append(jwks.Keys, oidctest.JWK(fzKIDs[i], k.Public()))
	}
	body, _ := json.Marshal(jwks)
	keys, err := parseJWKS(body)
	if err != nil || len(keys) != len(fzKIDs) {
		t.Fatalf("parseJWKS: %d keys, %v", len(keys), err)
	}
	v := NewVerifier(Options{Clock: fixedClock(fzNow), HTTPClient: &http.Client{Transport: noNetwork{}}})
	st := v.issuerState(fzIssuer)
	st.set, st.fetchedAt, st.triedAt = &keySet{keys: keys}, fzNow, fzNow
	return v
}

// fzSeeds are the seed corpus: good tokens of each key, and the bad
// tokens closest to them. Names with "good" must pass.
func fzSeeds(t testing.TB) map[string]string {
	p := oidctest.New(t)
	p.Now = func() time.Time { return fzNow }
	keys := fzKeys(t)
	tok := func(o oidctest.TokenOptions) string {
		if o.Key == nil && !strings.HasPrefix(o.Alg, "HS") && o.Alg != "none" {
			i := 0
			switch o.Alg {
			case "EdDSA":
				i = 1
			case "", "RS256", "PS256":
				i = 2
			}
			o.Key = keys[i]
			if o.KID == "" {
				o.KID = fzKIDs[i]
			}
		}
		claims := map[string]any{"iss": fzIssuer, "aud": fzAudience}
		for k, v := range o.Claims {
			claims[k] = v
		}
		o.Claims = claims
		return p.TokenWith(o)
	}
	now := fzNow.Unix()
	good := tok(oidctest.TokenOptions{Alg: "ES256"})
	return map[string]string{
		"es256-good":          good,
		"eddsa-good":          tok(oidctest.TokenOptions{Alg: "EdDSA"}),
		"rs256-good":          tok(oidctest.TokenOptions{}),
		"ps256-good":          tok(oidctest.TokenOptions{Alg: "PS256"}),
		"nokid-good":          tok(oidctest.TokenOptions{Alg: "ES256", NoKID: true}),
		"claims-good":         tok(oidctest.TokenOptions{Alg: "ES256", Claims: map[string]any{"aud": []string{"x", fzAudience}, "azp": fzAudience, "nbf": now, "groups": []string{"a", "b"}, "n": 1.5e300}}),
		"expired":             tok(oidctest.TokenOptions{Alg: "ES256", Claims: map[string]any{"exp": now - 3600}}),
		"wrong-issuer":        tok(oidctest.TokenOptions{Alg: "ES256", Claims: map[string]any{"iss": "https://evil.example"}}),
		"wrong-audience":      tok(oidctest.TokenOptions{Alg: "ES256", Claims: map[string]any{"aud": "other"}}),
		"azp-other":           tok(oidctest.TokenOptions{Alg: "ES256", Claims: map[string]any{"aud": []string{"x", fzAudience}, "azp": "x"}}),
		"alg-none":            tok(oidctest.TokenOptions{Alg: "none"}),
		"hs256-confusion":     tok(oidctest.TokenOptions{Alg: "HS256"}),
		"unknown-kid":         tok(oidctest.TokenOptions{Alg: "ES256", KID: "k9"}),
		"alg-key-mismatch":    tok(oidctest.TokenOptions{Alg: "ES256", KID: "fuzz-rs256"}),
		"alg-twice":           tok(oidctest.TokenOptions{Alg: "ES256", RawHeader: []byte(`{"alg":"ES256","kid":"fuzz-es256","alg":"none"}`)}),
		"sub-twice":           tok(oidctest.TokenOptions{Alg: "ES256", RawPayload: []byte(`{"iss":"` + fzIssuer + `","aud":"` + fzAudience + `","sub":"a","sub":"b","iat":` + strconv.FormatInt(now, 10) + `,"exp":` + strconv.FormatInt(now+60, 10) + `}`)}),
		"exp-string":          tok(oidctest.TokenOptions{Alg: "ES256", Claims: map[string]any{"exp": "soon"}}),
		"crit":                tok(oidctest.TokenOptions{Alg: "ES256", Header: map[string]any{"crit": []string{"b64"}, "b64": false}}),
		"truncated":           good[:len(good)-1],
		"two-parts":           good[:strings.LastIndexByte(good, '.')],
		"four-parts":          good + ".e30",
		"empty-parts":         "..",
		"header-only":         strings.SplitN(good, ".", 2)[0],
		"padded":              good + "=",
		"nested-json-good":    tok(oidctest.TokenOptions{Alg: "ES256", Claims: map[string]any{"x": [][][]any{{{map[string]any{"y": nil}}}}}}),
		"header-array":        tok(oidctest.TokenOptions{Alg: "ES256", RawHeader: []byte(`[]`)}),
		"header-trailing":     tok(oidctest.TokenOptions{Alg: "ES256", RawHeader: []byte(`{"alg":"ES256"} x`)}),
		"payload-bad-utf8":    tok(oidctest.TokenOptions{Alg: "ES256", RawPayload: []byte("{\"sub\":\"\xff\"}")}),
		"signature-too-short": good[:strings.LastIndexByte(good, '.')+1] + "AAAA",
	}
}

func FuzzVerify(f *testing.F) {
	v := fzVerifier(f)
	for _, s := range fzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		tok, err := v.Verify(context.Background(), fzIssuer, []string{fzAudience}, token)
		if err != nil {
			if tok != nil {
				t.Fatalf("a token and an error: %v", err)
			}
			if k := wicket.KindOf(err); k != wicket.Unauthenticated {
				t.Fatalf("kind %v: %v", k, err)
			}
			if msg := wicket.MessageOf(err); !strings.HasPrefix(msg, "Invalid login token. ") {
				t.Fatalf("message %q", msg)
			}
			return
		}
		if len(token) > MaxTokenSize || strings.Count(token, ".") != 2 {
			t.Fatalf("passed a token of %d bytes with %d dots", len(token), strings.Count(token, "."))
		}
		if tok.Issuer != fzIssuer || !slices.Contains(tok.Audience, fzAudience) || tok.Subject == "" {
			t.Fatalf("passed %+v", tok)
		}
		if !fzNow.Before(tok.Expiry.Add(DefaultSkew)) {
			t.Fatalf("passed a token that expired at %v", tok.Expiry)
		}
	})
}

// TestFuzzSeeds checks that the committed seed corpus still says what its
// names say (with -update, it writes it first): the good seeds pass, the
// others fail.
func TestFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzVerify")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, s := range fzSeeds(t) {
			body := "go test fuzz v1\nstring(" + strconv.Quote(s) + ")\n"
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("%d seeds in %s; run go test -run TestFuzzSeeds -update", len(files), dir)
	}
	v := fzVerifier(t)
	for _, file := range files {
		b, err := os.ReadFile(filepath.Join(dir, file.Name()))
		if err != nil {
			t.Fatal(err)
		}
		_, quoted, ok := strings.Cut(strings.TrimSpace(string(b)), "\nstring(")
		token, err := strconv.Unquote(strings.TrimSuffix(quoted, ")"))
		if !ok || err != nil {
			t.Fatalf("%s: not a fuzz seed of one string", file.Name())
		}
		_, err = v.Verify(context.Background(), fzIssuer, []string{fzAudience}, token)
		if good := strings.Contains(file.Name(), "good"); good != (err == nil) {
			t.Errorf("%s: %v", file.Name(), err)
		}
	}
}
