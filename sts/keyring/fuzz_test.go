package keyring

import (
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fuzzMasterKey is the master key of the fuzz targets' keyring, fixed so
// that the seed corpus in testdata/fuzz keeps meaning the same thing. No
// seed is a genuine token: FuzzOpen fails if one opens.
var fuzzMasterKey = base64.StdEncoding.EncodeToString([]byte("wicket keyring fuzz master key!!"))

// FuzzOpen feeds Open garbage tokens and access key ids: it must never
// panic and never accept one. Seeds include tokens one edit away from
// genuine ones.
func FuzzOpen(f *testing.F) {
	k := open(f, f.TempDir(), Options{MasterKey: fuzzMasterKey})
	cr := issue(f, k, guest())
	raw, _ := base64.StdEncoding.DecodeString(cr.SessionToken)
	flip := func(i int) string {
		b := []byte(string(raw))
		b[i%len(b)] ^= 0x20
		return base64.StdEncoding.EncodeToString(b)
	}
	f.Add(cr.AccessKeyID, flip(0))
	f.Add(cr.AccessKeyID, flip(3))
	f.Add(cr.AccessKeyID, flip(len(raw)-1))
	f.Add(cr.AccessKeyID, cr.SessionToken[:len(cr.SessionToken)-4])
	f.Add("ASIAAAAAAAAAAAAAAAAA", cr.SessionToken)
	f.Add(cr.AccessKeyID, "")
	f.Add("", "AQ==")
	genuine := cr.SessionToken
	f.Fuzz(func(t *testing.T, akid, token string) {
		if token == genuine && akid == cr.AccessKeyID {
			return // the one pair that should open
		}
		c, secret, err := k.Open(akid, token, t0)
		if err == nil || c != nil || secret != "" {
			t.Fatalf("Open(%q, %q) = %+v, %q, %v", akid, token, c, secret, err)
		}
	})
}

// FuzzDecodeClaims feeds the claims decoder garbage, as if a seal had been
// broken: it must never panic, and whatever it accepts must encode back to
// the same claims.
func FuzzDecodeClaims(f *testing.F) {
	auth := guest()
	auth.AMR = []string{"authenticated", "accounts.google.com", "accounts.google.com:12345"}
	auth.Tags = map[string]string{"team": "photos", "tier": "gold"}
	auth.SourceUser = "arn:aws:iam::000000000000:user/alice"
	managed := auth
	managed.PolicyARNs = []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "arn:aws:iam::000000000000:policy/team"}
	for _, c := range []Claims{guest(), auth, managed, {Issued: t0, Expires: t0.Add(time.Second)}} {
		f.Add(appendClaims(nil, &c))
	}
	f.Add([]byte{strEmpty})
	f.Add([]byte{strRef, 0})
	f.Add([]byte{strRegionUUID, 3, 'a', 'b'})
	f.Add([]byte(strings.Repeat("\x05\x00\x7f", 20)))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, ok := decodeClaims(string(b))
		if !ok {
			return
		}
		if msg := c.validate(); msg != "" {
			t.Fatalf("decoded claims out of bounds: %s", msg)
		}
		d, ok := decodeClaims(string(appendClaims(nil, c)))
		if !ok || !reflect.DeepEqual(c, d) {
			t.Fatalf("decode(encode(%+v)) = %+v, %v", c, d, ok)
		}
	})
}

// FuzzVerifyJWT feeds VerifyJWT garbage: it must never panic and never
// accept a token the keyring did not sign.
func FuzzVerifyJWT(f *testing.F) {
	k := newKeyring(f)
	tok, err := k.SignJWT(map[string]any{"sub": "x", "exp": t0.Add(time.Hour).Unix()})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok[:len(tok)-2] + "AA")
	f.Add(tok + ".")
	f.Add("eyJhbGciOiJub25lIn0.eyJleHAiOjF9.")
	f.Add("..")
	f.Fuzz(func(t *testing.T, s string) {
		if s == tok {
			return
		}
		if claims, err := k.VerifyJWT(s, t0); err == nil || claims != nil {
			t.Fatalf("VerifyJWT(%q) = %v, %v", s, claims, err)
		}
	})
}
