package keyring

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
)

// maxClaims returns claims with every field at its largest.
func maxClaims() Claims {
	long := func(c byte, n int) string { return strings.Repeat(string(rune(c)), n) }
	c := Claims{
		Role:       long('r', MaxStringLen),
		RoleID:     long('i', MaxStringLen),
		Session:    long('s', MaxStringLen),
		Subject:    long('u', MaxStringLen),
		Pool:       long('p', MaxStringLen),
		Provider:   long('v', MaxStringLen),
		Audience:   long('a', MaxStringLen),
		User:       long('n', MaxStringLen),
		SourceUser: long('o', MaxStringLen),
		Policy:     long('y', MaxPolicyLen),
		ScopeDown:  long('d', MaxStringLen),
		Tags:       map[string]string{},
		Issued:     t0,
		Expires:    t0.Add(MaxLifetime),
	}
	for i := range MaxAMR {
		c.AMR = append(c.AMR, fmt.Sprintf("%04d", i)+long('m', MaxStringLen-4))
	}
	for i := range MaxTags {
		c.Tags[fmt.Sprintf("%03d", i)+long('k', MaxTagKeyLen-3)] = long('w', MaxTagValueLen)
	}
	for i := range MaxPolicyARNs {
		c.PolicyARNs = append(c.PolicyARNs, fmt.Sprintf("%02d", i)+long('a', MaxStringLen-2))
	}
	return c
}

func TestClaimsRoundTrip(t *testing.T) {
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/public/*"}]}`
	tests := []struct {
		name string
		c    Claims
	}{
		{"empty", Claims{Issued: t0, Expires: t0.Add(time.Second)}},
		{"guest", guest()},
		{"authenticated", Claims{
			Role:      "arn:aws:iam::000000000000:role/Cognito_PhotosAuth_Role",
			RoleID:    "AROAEXAMPLEEXAMPLE34",
			Session:   "CognitoIdentityCredentials",
			Subject:   "eu-west-3:00000000-0000-0000-0000-000000000000",
			Pool:      "eu-west-3:ffffffff-ffff-ffff-ffff-ffffffffffff",
			AMR:       []string{"authenticated", "accounts.google.com", "accounts.google.com:12345"},
			Provider:  "cognito-identity.amazonaws.com",
			Audience:  "eu-west-3:ffffffff-ffff-ffff-ffff-ffffffffffff",
			Policy:    policy,
			ScopeDown: "guest-scope-down",
			Tags:      map[string]string{"team": "photos", "tier": ""},
			Issued:    t0,
			Expires:   t0.Add(12 * time.Hour),
		}},
		{"managed session policies", Claims{
			Role:       "arn:aws:iam::000000000000:role/writer",
			RoleID:     "AROAEXAMPLEEXAMPLE78",
			Session:    "ro",
			SourceUser: "arn:aws:iam::000000000000:user/dev",
			Policy:     policy,
			PolicyARNs: []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "arn:aws:iam::000000000000:policy/team/read-photos"},
			Issued:     t0,
			Expires:    t0.Add(time.Hour),
		}},
		{"web identity", Claims{
			Role:     "arn:aws:iam::000000000000:role/web/Reader",
			RoleID:   "AROAEXAMPLEEXAMPLE56",
			Session:  "app-session-1",
			Subject:  "1234567890",
			AMR:      []string{"authenticated", "https://issuer.example.com", "https://issuer.example.com:1234567890"},
			Provider: "issuer.example.com",
			Audience: "client-id-123",
			Issued:   t0.Add(-time.Minute),
			Expires:  t0.Add(time.Hour),
		}},
		{"user session", Claims{
			User:       "alice",
			SourceUser: "arn:aws:iam::000000000000:user/team/alice",
			Issued:     t0,
			Expires:    t0.Add(MaxLifetime),
		}},
		{"assumed role", Claims{
			Role:       "arn:aws:iam::123456789012:role/Other",
			RoleID:     "AROA",
			Session:    "arn:aws:iam::000000000000:role/", // a prefix with nothing after it
			User:       "bob",
			SourceUser: "arn:aws:iam::000000000000:user/bob",
			Policy:     policy,
			Tags:       map[string]string{"k": "v"},
			Issued:     t0,
			Expires:    t0.Add(15 * time.Minute),
		}},
		{"near misses of the compact forms", Claims{
			Role:     "arn:aws:iam::000000000000:role",                                              // shorter than the prefix
			RoleID:   "us-east-1:4F6A3C1E-9B0D-4D8E-A2F1-7C5B9E0D3A61",                              // an uppercase UUID
			Session:  "CognitoIdentityCredentials ",                                                 // a dictionary word and more
			Subject:  ":4f6a3c1e-9b0d-4d8e-a2f1-7c5b9e0d3a61",                                       // no region
			Pool:     "us-east-1:4f6a3c1e-9b0d-4d8e-a2f1-7c5b9e0d3a6",                               // one digit short
			Provider: "us-east-1:4f6a3c1e-9b0d-4d8e-a2f1-7c5b9e0d3a61x",                             // one too many
			Audience: "us-east-1:4f6a3c1e+9b0d-4d8e-a2f1-7c5b9e0d3a61",                              // not a dash
			User:     "x:4f6a3c1e-9b0d-4d8e-a2f1-7c5b9e0d3a61",                                      // a UUID after a short region
			AMR:      []string{"", "unauthenticated", "", "x:4f6a3c1e-9b0d-4d8e-a2f1-7c5b9e0d3a61"}, // a repeat
			Tags:     map[string]string{"unauthenticated": "unauthenticated"},
			Issued:   t0,
			Expires:  t0.Add(time.Hour),
		}},
		{"unicode and bytes", Claims{
			Subject: "ünïcödé ✓ \x00\xff",
			Policy:  "\n\t{}",
			Tags:    map[string]string{"ключ": "значение", "\x00": "\x00"},
			Issued:  t0,
			Expires: t0.Add(time.Hour),
		}},
		{"every reference slot", func() Claims {
			c := Claims{Issued: t0, Expires: t0.Add(time.Hour)}
			for i := range MaxAMR {
				c.AMR = append(c.AMR, fmt.Sprintf("amr entry %d", i%5))
			}
			c.Tags = map[string]string{}
			for i := range 20 {
				c.Tags[fmt.Sprintf("amr entry %d", i)] = fmt.Sprintf("amr entry %d", i%3)
			}
			return c
		}()},
		{"largest", maxClaims()},
		{"sub-second times", Claims{Issued: t0.Add(999 * time.Millisecond), Expires: t0.Add(time.Hour + time.Millisecond)}},
		{"oldest", Claims{Issued: time.Unix(0, 0), Expires: time.Unix(1, 0)}},
	}
	k := newKeyring(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cr := issue(t, k, tt.c)
			want := tt.c
			want.Issued = want.Issued.Truncate(time.Second).UTC()
			want.Expires = want.Expires.Truncate(time.Second).UTC()
			if len(want.AMR) == 0 {
				want.AMR = nil
			}
			if len(want.Tags) == 0 {
				want.Tags = nil
			}
			if !cr.Expiration.Equal(want.Expires) {
				t.Errorf("Expiration = %v, want %v", cr.Expiration, want.Expires)
			}
			checkCredentialShape(t, cr)
			for _, pass := range []string{"cold", "cached"} {
				got, secret, err := k.Open(cr.AccessKeyID, cr.SessionToken, want.Issued)
				if err != nil {
					t.Fatalf("%s: %v", pass, err)
				}
				if secret != cr.SecretAccessKey {
					t.Errorf("%s: secret %q, want %q", pass, secret, cr.SecretAccessKey)
				}
				if !reflect.DeepEqual(*got, want) {
					t.Errorf("%s: claims\n%+v\nwant\n%+v", pass, *got, want)
				}
			}
			c, ok := decodeClaims(string(appendClaims(nil, &want)))
			if !ok || !reflect.DeepEqual(*c, want) {
				t.Errorf("decode(encode(c)) = %+v, %v", c, ok)
			}
		})
	}
}

func checkCredentialShape(t *testing.T, cr Credentials) {
	t.Helper()
	if len(cr.AccessKeyID) != 20 || !strings.HasPrefix(cr.AccessKeyID, "ASIA") ||
		strings.Trim(cr.AccessKeyID, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
		t.Errorf("access key id %q", cr.AccessKeyID)
	}
	if len(cr.SecretAccessKey) != 40 || strings.Trim(cr.SecretAccessKey,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") != "" {
		t.Errorf("secret access key %q", cr.SecretAccessKey)
	}
	if _, err := base64.StdEncoding.Strict().DecodeString(cr.SessionToken); err != nil || len(cr.SessionToken) > MaxTokenLen {
		t.Errorf("session token of %d characters: %v", len(cr.SessionToken), err)
	}
}

func TestIssueRefuses(t *testing.T) {
	k := newKeyring(t)
	longer := func(f func(c *Claims)) Claims {
		c := maxClaims()
		f(&c)
		return c
	}
	tests := []struct {
		name string
		c    Claims
		kind wicket.Kind
	}{
		{"no expiry", Claims{Issued: t0}, wicket.Invalid},
		{"expires when issued", Claims{Issued: t0, Expires: t0}, wicket.Invalid},
		{"expires within the same second", Claims{Issued: t0, Expires: t0.Add(time.Second - 1)}, wicket.Invalid},
		{"expired", Claims{Issued: t0, Expires: t0.Add(-time.Hour)}, wicket.Invalid},
		{"too long a lifetime", Claims{Issued: t0, Expires: t0.Add(MaxLifetime + time.Second)}, wicket.Invalid},
		{"before 1970", Claims{Issued: time.Unix(-10, 0), Expires: time.Unix(10, 0)}, wicket.Invalid},
		{"far future", Claims{Issued: time.Unix(1<<40, 0), Expires: time.Unix(1<<40+10, 0)}, wicket.Invalid},
		{"long role", longer(func(c *Claims) { c.Role += "x" }), wicket.TooLarge},
		{"long scope-down", longer(func(c *Claims) { c.ScopeDown += "x" }), wicket.TooLarge},
		{"long policy", longer(func(c *Claims) { c.Policy += "x" }), wicket.TooLarge},
		{"long AMR entry", longer(func(c *Claims) { c.AMR[3] += "x" }), wicket.TooLarge},
		{"many AMR entries", longer(func(c *Claims) { c.AMR = append(c.AMR, "x") }), wicket.TooLarge},
		{"many tags", longer(func(c *Claims) { c.Tags["x"] = "y" }), wicket.TooLarge},
		{"empty tag key", Claims{Tags: map[string]string{"": "v"}, Expires: t0.Add(time.Hour)}, wicket.TooLarge},
		{"long tag key", Claims{Tags: map[string]string{strings.Repeat("k", MaxTagKeyLen+1): "v"}, Expires: t0.Add(time.Hour)}, wicket.TooLarge},
		{"long tag value", Claims{Tags: map[string]string{"k": strings.Repeat("v", MaxTagValueLen+1)}, Expires: t0.Add(time.Hour)}, wicket.TooLarge},
	}
	for _, tt := range tests {
		if _, err := k.Issue(tt.c); wicket.KindOf(err) != tt.kind {
			t.Errorf("%s: Issue = %v, want kind %v", tt.name, err, tt.kind)
		}
	}
}

func TestIssueDefaultsIssuedToNow(t *testing.T) {
	k := newKeyring(t)
	cr := issue(t, k, Claims{Expires: t0.Add(time.Hour)})
	c, _, err := k.Open(cr.AccessKeyID, cr.SessionToken, t0)
	if err != nil || !c.Issued.Equal(t0) {
		t.Errorf("Issued = %v, %v; want the clock's %v", c, err, t0)
	}
}

func TestTokenSize(t *testing.T) {
	k := newKeyring(t)
	for _, tt := range []struct {
		name string
		c    Claims
		max  int
	}{
		{"guest", guest(), 400},
		{"largest", maxClaims(), MaxTokenLen},
	} {
		cr := issue(t, k, tt.c)
		t.Logf("%s: %d characters", tt.name, len(cr.SessionToken))
		if len(cr.SessionToken) > tt.max {
			t.Errorf("%s: token of %d characters, want at most %d", tt.name, len(cr.SessionToken), tt.max)
		}
	}
}

// base64Chars holds the characters a replacement can take, and a few more.
const base64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n -_."

func TestTamperedTokenFails(t *testing.T) {
	k := newKeyring(t)
	c := guest()
	c.Policy = `{"Statement":[]}`
	cr := issue(t, k, c)
	// Open it once, so that the cache holds the genuine token.
	if _, _, err := k.Open(cr.AccessKeyID, cr.SessionToken, t0); err != nil {
		t.Fatal(err)
	}
	fails := func(what, akid, token string) {
		t.Helper()
		if got, secret, err := k.Open(akid, token, t0); !errors.Is(err, ErrInvalidToken) || wicket.KindOf(err) != wicket.Unauthenticated || got != nil || secret != "" {
			t.Fatalf("%s: Open = %v, %q, %v; want ErrInvalidToken", what, got, secret, err)
		}
	}

	// Every character of the token, replaced by every other one.
	tok := cr.SessionToken
	for i := range len(tok) {
		for _, r := range base64Chars {
			if byte(r) == tok[i] {
				continue
			}
			fails(fmt.Sprintf("token[%d] = %q", i, r), cr.AccessKeyID, tok[:i]+string(r)+tok[i+1:])
		}
		fails(fmt.Sprintf("token without [%d]", i), cr.AccessKeyID, tok[:i]+tok[i+1:])
	}
	// Every bit of the bytes it encodes.
	raw, _ := base64.StdEncoding.DecodeString(tok)
	for i := range raw {
		for bit := range 8 {
			b := []byte(string(raw))
			b[i] ^= 1 << bit
			fails(fmt.Sprintf("byte %d bit %d", i, bit), cr.AccessKeyID, base64.StdEncoding.EncodeToString(b))
		}
	}
	for n := range len(raw) {
		fails(fmt.Sprintf("truncated to %d bytes", n), cr.AccessKeyID, base64.StdEncoding.EncodeToString(raw[:n]))
	}
	fails("a byte more", cr.AccessKeyID, base64.StdEncoding.EncodeToString(append(raw, 0)))
	fails("unpadded", cr.AccessKeyID, strings.TrimRight(tok, "="))
	fails("URL encoding", cr.AccessKeyID, base64.URLEncoding.EncodeToString(raw)+"-_") // never a valid spelling
	fails("surrounding space", cr.AccessKeyID, " "+tok)
	fails("a newline inside", cr.AccessKeyID, tok[:40]+"\n"+tok[40:])
	fails("a newline inside, padding off", cr.AccessKeyID, tok[:40]+"\n"+tok[40:len(tok)-1])

	// Every character of the access key id.
	for i := range len(cr.AccessKeyID) {
		for _, r := range "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567a" {
			if byte(r) == cr.AccessKeyID[i] {
				continue
			}
			fails(fmt.Sprintf("akid[%d] = %q", i, r), cr.AccessKeyID[:i]+string(r)+cr.AccessKeyID[i+1:], tok)
		}
	}
	fails("empty access key id", "", tok)
	fails("long access key id", cr.AccessKeyID+"A", tok)
	other := issue(t, k, guest())
	fails("another token's access key id", other.AccessKeyID, tok)
	fails("this access key id with another token", cr.AccessKeyID, other.SessionToken)
	fails("empty token", cr.AccessKeyID, "")
	fails("huge token", cr.AccessKeyID, strings.Repeat("A", MaxTokenLen+4))

	// And the genuine one still opens.
	if _, _, err := k.Open(cr.AccessKeyID, cr.SessionToken, t0); err != nil {
		t.Error(err)
	}
}

func TestWrongMasterKeyFails(t *testing.T) {
	k1, k2 := newKeyring(t), newKeyring(t)
	cr := issue(t, k1, guest())
	if _, _, err := k2.Open(cr.AccessKeyID, cr.SessionToken, t0); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("another keyring's token: %v", err)
	}
	// The same key id with another key (forced, since ids are 32 bits).
	k3 := newKeyring(t)
	gens := *k2.master.Load()
	g := newGeneration(gens[0].master, time.Time{})
	g.id = (*k1.master.Load())[0].id
	k3.master.Store(&[]*generation{g})
	if _, _, err := k3.Open(cr.AccessKeyID, cr.SessionToken, t0); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("a token whose key id matches another key: %v", err)
	}
}

func TestExpiry(t *testing.T) {
	for _, cached := range []bool{false, true} {
		t.Run(fmt.Sprint("cached=", cached), func(t *testing.T) {
			o := Options{CacheEntries: -1}
			if cached {
				o.CacheEntries = 0
			}
			k := open(t, t.TempDir(), o)
			cr := issue(t, k, guest())
			exp := cr.Expiration
			if !exp.Equal(guest().Expires) {
				t.Fatalf("Expiration %v", exp)
			}
			for _, tt := range []struct {
				now  time.Time
				want error
			}{
				{t0, nil},
				{exp.Add(-time.Nanosecond), nil},
				{exp, ErrExpiredToken},
				{exp.Add(time.Nanosecond), ErrExpiredToken},
				{exp.Add(time.Hour), ErrExpiredToken},
				{exp.Add(-time.Nanosecond), nil}, // a cached entry is not dropped by a late clock
			} {
				c, secret, err := k.Open(cr.AccessKeyID, cr.SessionToken, tt.now)
				if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
					t.Errorf("at %v: %v, want %v", tt.now, err, tt.want)
				}
				if tt.want != nil && (c != nil || secret != "" || wicket.KindOf(err) != wicket.Expired) {
					t.Errorf("at %v: expired token gave %v, %q, kind %v", tt.now, c, secret, wicket.KindOf(err))
				}
			}
			// An expired token that is not cached is not put in the cache.
			cr2 := issue(t, k, guest())
			k.Open(cr2.AccessKeyID, cr2.SessionToken, cr2.Expiration)
			if k.cache != nil {
				if _, ok := k.cache.get(cr2.SessionToken); ok {
					t.Error("an expired token was cached")
				}
			}
		})
	}
}

func TestCacheBounds(t *testing.T) {
	k := open(t, t.TempDir(), Options{CacheEntries: 32})
	var creds []Credentials
	for range 500 {
		cr := issue(t, k, guest())
		creds = append(creds, cr)
		if _, _, err := k.Open(cr.AccessKeyID, cr.SessionToken, t0); err != nil {
			t.Fatal(err)
		}
	}
	if n := k.cache.len(); n > 32+cacheShards || n == 0 {
		t.Errorf("cache of 32 holds %d entries", n)
	}
	for _, cr := range creds {
		if _, _, err := k.Open(cr.AccessKeyID, cr.SessionToken, t0); err != nil {
			t.Fatal(err)
		}
	}

	// A token too big for the byte budget is not cached, and still opens.
	k1 := open(t, t.TempDir(), Options{CacheEntries: 1})
	c := guest()
	c.Policy = strings.Repeat("x", 4096)
	cr := issue(t, k1, c)
	for range 2 {
		if _, _, err := k1.Open(cr.AccessKeyID, cr.SessionToken, t0); err != nil {
			t.Fatal(err)
		}
	}
	if n := k1.cache.len(); n != 0 {
		t.Errorf("a token over the byte budget was cached (%d entries)", n)
	}

	// Expired entries go first.
	s := &shard{m: map[string]*entry{}, maxEntries: 4, maxBytes: 1 << 20}
	for i := range 4 {
		exp := t0.Add(time.Hour)
		if i == 2 {
			exp = t0
		}
		s.m[fmt.Sprint(i)] = &entry{claims: &Claims{Expires: exp}}
	}
	s.evict(t0)
	if _, ok := s.m["2"]; ok || len(s.m) != 3 {
		t.Errorf("eviction kept the expired entry: %v", slicesOf(s.m))
	}
}

func slicesOf(m map[string]*entry) []string {
	return slices.Sorted(maps.Keys(m))
}

func TestCachedClaimsAreCopies(t *testing.T) {
	k := newKeyring(t)
	c := guest()
	c.Tags = map[string]string{"a": "b"}
	cr := issue(t, k, c)
	for range 3 {
		got, _, err := k.Open(cr.AccessKeyID, cr.SessionToken, t0)
		if err != nil {
			t.Fatal(err)
		}
		if got.AMR[0] != "unauthenticated" || got.Tags["a"] != "b" || got.Role != c.Role {
			t.Fatalf("claims changed by an earlier caller: %+v", got)
		}
		got.AMR[0] = "authenticated"
		got.Tags["a"] = "changed"
		got.Role = "changed"
	}
}

func TestSecretsDiffer(t *testing.T) {
	k := newKeyring(t)
	seen := map[string]bool{}
	for range 100 {
		cr := issue(t, k, guest())
		for _, s := range []string{cr.AccessKeyID, cr.SecretAccessKey, cr.SessionToken} {
			if seen[s] {
				t.Fatalf("%q issued twice", s)
			}
			seen[s] = true
		}
	}
}

// The managed session policies are an optional last section: claims
// without them encode as before, so tokens issued before it existed still
// read, and an empty section, which is never written, is refused.
func TestPolicyARNsSection(t *testing.T) {
	c := guest()
	before := appendClaims(nil, &c)
	if got, ok := decodeClaims(string(before)); !ok || got.PolicyARNs != nil {
		t.Fatalf("claims without managed policies: %+v %v", got, ok)
	}
	if _, ok := decodeClaims(string(append(before, 0))); ok {
		t.Error("an empty managed policy section was taken")
	}
	c.PolicyARNs = []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}
	with := appendClaims(nil, &c)
	if !bytes.HasPrefix(with, before) {
		t.Error("managed policies changed the encoding of the other claims")
	}
	if got, ok := decodeClaims(string(with)); !ok || !slices.Equal(got.PolicyARNs, c.PolicyARNs) {
		t.Fatalf("claims with a managed policy: %+v %v", got, ok)
	}
}
