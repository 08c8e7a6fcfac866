package keyring

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
)

// t0 is the time the tests issue credentials at.
var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

func open(t testing.TB, dir string, o Options) *Keyring {
	t.Helper()
	if o.Clock == nil {
		o.Clock = fixedClock{t0}
	}
	k, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newKeyring(t testing.TB) *Keyring {
	t.Helper()
	return open(t, filepath.Join(t.TempDir(), "keyring"), Options{})
}

func guest() Claims {
	return Claims{
		Role:     "arn:aws:iam::000000000000:role/Cognito_PhotosUnauth_Role",
		RoleID:   "AROAEXAMPLEEXAMPLE12",
		Session:  "CognitoIdentityCredentials",
		Subject:  "us-east-1:4f6a3c1e-9b0d-4d8e-a2f1-7c5b9e0d3a61",
		Pool:     "us-east-1:0c2b7d4a-5e6f-4a8b-9c1d-2e3f4a5b6c7d",
		AMR:      []string{"unauthenticated"},
		Provider: "cognito-identity.amazonaws.com",
		Audience: "us-east-1:0c2b7d4a-5e6f-4a8b-9c1d-2e3f4a5b6c7d",
		Issued:   t0,
		Expires:  t0.Add(time.Hour),
	}
}

func issue(t testing.TB, k *Keyring, c Claims) Credentials {
	t.Helper()
	cr, err := k.Issue(c)
	if err != nil {
		t.Fatal(err)
	}
	return cr
}

func TestOpenCreatesDirectory(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	dir := filepath.Join(t.TempDir(), "a", "keyring")
	open(t, dir, Options{})
	check := func(path string, want os.FileMode) {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", path, got, want)
		}
	}
	check(dir, 0o700)
	check(filepath.Join(dir, masterFile), 0o600)
	check(filepath.Join(dir, signingFile), 0o600)
	names, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 2 {
		t.Errorf("directory holds %v, want only the two key files", names)
	}

	k := open(t, dir, Options{})
	k.RotateMasterKey()
	k.RotateSigningKey()
	check(filepath.Join(dir, masterFile), 0o600)
	check(filepath.Join(dir, signingFile), 0o600)
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	k := open(t, dir, Options{})
	cr := issue(t, k, guest())
	jwt, err := k.SignJWT(map[string]any{"sub": "x", "exp": t0.Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := k.JWKS()

	k2 := open(t, dir, Options{})
	if !slices.Equal(k.MasterKeys(), k2.MasterKeys()) {
		t.Errorf("master keys after reopening: %v, before: %v", k2.MasterKeys(), k.MasterKeys())
	}
	if jwks2, _ := k2.JWKS(); string(jwks2) != string(jwks) {
		t.Errorf("JWKS after reopening:\n%s\nbefore:\n%s", jwks2, jwks)
	}
	c, secret, err := k2.Open(cr.AccessKeyID, cr.SessionToken, t0)
	if err != nil {
		t.Fatal(err)
	}
	if secret != cr.SecretAccessKey || c.Subject != guest().Subject {
		t.Errorf("reopened keyring opened %+v, %q", c, secret)
	}
	if _, err := k2.VerifyJWT(jwt, t0); err != nil {
		t.Errorf("a JWT signed before reopening: %v", err)
	}
}

func TestOpenRefusesDamagedFiles(t *testing.T) {
	for _, name := range []string{masterFile, signingFile} {
		for _, content := range []string{"", "garbage", `{"format":1,"keys":[]}`, `{"format":2,"keys":[{"key":"AAAA"}]}`} {
			dir := t.TempDir()
			open(t, dir, Options{})
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(dir, Options{})
			if wicket.KindOf(err) != wicket.Internal {
				t.Errorf("%s holding %q: Open = %v, want an Internal error", name, content, err)
			}
			if b, _ := os.ReadFile(path); string(b) != content {
				t.Errorf("%s was overwritten", name)
			}
		}
	}
}

func TestOpenSameNewDirectoryTwice(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keyring")
	var ks [2]*Keyring
	var wg sync.WaitGroup
	for i := range ks {
		wg.Go(func() { ks[i] = open(t, dir, Options{}) })
	}
	wg.Wait()
	if !slices.Equal(ks[0].MasterKeys(), ks[1].MasterKeys()) {
		t.Errorf("two processes opening a new directory got different master keys: %v, %v", ks[0].MasterKeys(), ks[1].MasterKeys())
	}
	a, _ := ks[0].JWKS()
	b, _ := ks[1].JWKS()
	if string(a) != string(b) {
		t.Error("two processes opening a new directory got different signing keys")
	}
}

func testMasterKey(b byte) string {
	return base64.StdEncoding.EncodeToString([]byte(strings.Repeat(string(rune(b)), 32)))
}

func TestOptionsMasterKey(t *testing.T) {
	k1 := open(t, t.TempDir(), Options{MasterKey: testMasterKey('a')})
	dir2 := t.TempDir()
	k2 := open(t, dir2, Options{MasterKey: testMasterKey('a')})
	if _, err := os.Stat(filepath.Join(dir2, masterFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a configured master key was written to the directory (%v)", err)
	}
	cr := issue(t, k1, guest())
	if _, _, err := k2.Open(cr.AccessKeyID, cr.SessionToken, t0); err != nil {
		t.Errorf("a node with the same master key: %v", err)
	}
	if k1.MasterKeys()[0].ID != k2.MasterKeys()[0].ID {
		t.Error("the same master key has two key ids")
	}

	// Cluster rotation: "old,new", then "new,old".
	k3 := open(t, t.TempDir(), Options{MasterKey: testMasterKey('a') + "," + testMasterKey('b')})
	if _, _, err := k3.Open(cr.AccessKeyID, cr.SessionToken, t0); err != nil {
		t.Errorf("old,new: %v", err)
	}
	k4 := open(t, t.TempDir(), Options{MasterKey: testMasterKey('b') + ", " + testMasterKey('a')})
	cr4 := issue(t, k4, guest())
	if _, _, err := k3.Open(cr4.AccessKeyID, cr4.SessionToken, t0); err != nil {
		t.Errorf("a token of new,old on a node with old,new: %v", err)
	}
	if _, _, err := k4.Open(cr.AccessKeyID, cr.SessionToken, t0); err != nil {
		t.Errorf("a token of the old key on a node with new,old: %v", err)
	}
	if _, _, err := k1.Open(cr4.AccessKeyID, cr4.SessionToken, t0); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("a token of the new key on a node with the old only: %v", err)
	}
	if ks := k4.MasterKeys(); len(ks) != 2 || !ks[1].Current || ks[1].ID == ks[0].ID {
		t.Errorf("MasterKeys = %+v", ks)
	}

	if err := k1.RotateMasterKey(); wicket.KindOf(err) != wicket.Conflict {
		t.Errorf("RotateMasterKey with a configured key = %v, want a Conflict", err)
	}
	if _, err := k1.RetireMasterKeys(t0); wicket.KindOf(err) != wicket.Conflict {
		t.Errorf("RetireMasterKeys with a configured key = %v, want a Conflict", err)
	}

	for _, bad := range []string{
		"not base64!",
		base64.StdEncoding.EncodeToString(make([]byte, 16)),
		testMasterKey('a') + "," + testMasterKey('a'),
		testMasterKey('a') + "," + testMasterKey('b') + "," + testMasterKey('c'),
		testMasterKey('a') + ",",
	} {
		if _, err := Open(t.TempDir(), Options{MasterKey: bad}); wicket.KindOf(err) != wicket.Invalid {
			t.Errorf("Open with master key %q = %v, want an Invalid error", bad, err)
		}
	}
}

func TestMasterKeyRotation(t *testing.T) {
	dir := t.TempDir()
	k := open(t, dir, Options{})
	old := issue(t, k, guest())
	if _, _, err := k.Open(old.AccessKeyID, old.SessionToken, t0); err != nil { // now cached
		t.Fatal(err)
	}
	if err := k.RotateMasterKey(); err != nil {
		t.Fatal(err)
	}
	keys := k.MasterKeys()
	if len(keys) != 2 || keys[0].Current || !keys[1].Current {
		t.Fatalf("after one rotation: %+v", keys)
	}
	if tokenKeyID(t, old.SessionToken) != keys[0].ID {
		t.Errorf("the old token names key %s, want %s", tokenKeyID(t, old.SessionToken), keys[0].ID)
	}
	cur := issue(t, k, guest())
	if tokenKeyID(t, cur.SessionToken) != keys[1].ID {
		t.Errorf("a new token names key %s, want the new %s", tokenKeyID(t, cur.SessionToken), keys[1].ID)
	}
	for _, cr := range []Credentials{old, cur} {
		if _, _, err := k.Open(cr.AccessKeyID, cr.SessionToken, t0); err != nil {
			t.Errorf("after one rotation: %v", err)
		}
	}
	// Reopening finds both generations.
	if k2 := open(t, dir, Options{}); !slices.Equal(k2.MasterKeys(), keys) {
		t.Errorf("reopened: %+v, want %+v", k2.MasterKeys(), keys)
	}

	// A second rotation drops the first key: its token fails, cached or not.
	if err := k.RotateMasterKey(); err != nil {
		t.Fatal(err)
	}
	if keys2 := k.MasterKeys(); len(keys2) != 2 || keys2[0].ID != keys[1].ID {
		t.Errorf("after two rotations: %+v", keys2)
	}
	if _, _, err := k.Open(old.AccessKeyID, old.SessionToken, t0); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("a token of a dropped key: %v, want ErrInvalidToken", err)
	}
	if _, _, err := open(t, dir, Options{}).Open(old.AccessKeyID, old.SessionToken, t0); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("a token of a dropped key, reopened: %v, want ErrInvalidToken", err)
	}
	if _, _, err := k.Open(cur.AccessKeyID, cur.SessionToken, t0); err != nil {
		t.Errorf("a token of the previous key: %v", err)
	}
}

func TestRetireMasterKeys(t *testing.T) {
	dir := t.TempDir()
	clock := fixedClock{t0}
	k := open(t, dir, Options{Clock: clock})
	cr := issue(t, k, guest())
	k.Open(cr.AccessKeyID, cr.SessionToken, t0) // cached
	if n, err := k.RetireMasterKeys(t0.Add(time.Hour)); n != 0 || err != nil {
		t.Errorf("retiring with only the current key = %d, %v", n, err)
	}
	k.clock = fixedClock{t0.Add(time.Minute)}
	if err := k.RotateMasterKey(); err != nil {
		t.Fatal(err)
	}
	if n, err := k.RetireMasterKeys(t0); n != 0 || err != nil {
		t.Errorf("retiring keys created before the first = %d, %v", n, err)
	}
	if n, err := k.RetireMasterKeys(t0.Add(time.Second)); n != 1 || err != nil {
		t.Errorf("retiring the previous key = %d, %v", n, err)
	}
	if _, _, err := k.Open(cr.AccessKeyID, cr.SessionToken, t0); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("a token of a retired key: %v", err)
	}
	if n := len(open(t, dir, Options{}).MasterKeys()); n != 1 {
		t.Errorf("reopened after retiring: %d keys", n)
	}
}

// tokenKeyID returns the key id a token names, in hex.
func tokenKeyID(t *testing.T, token string) string {
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		t.Fatal(err)
	}
	const hexdigits = "0123456789abcdef"
	var b []byte
	for _, c := range raw[1 : 1+idLen] {
		b = append(b, hexdigits[c>>4], hexdigits[c&15])
	}
	return string(b)
}

func TestConcurrentUse(t *testing.T) {
	k := open(t, t.TempDir(), Options{CacheEntries: 64})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := k.RotateMasterKey(); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(time.Millisecond)
		}
	})
	var workers sync.WaitGroup
	for w := range 8 {
		workers.Go(func() {
			c := guest()
			c.Subject = "worker" + string(rune('0'+w))
			for range 200 {
				cr, err := k.Issue(c)
				if err != nil {
					t.Error(err)
					return
				}
				for range 3 {
					got, secret, err := k.Open(cr.AccessKeyID, cr.SessionToken, t0)
					if errors.Is(err, ErrInvalidToken) {
						break // two rotations happened meanwhile
					}
					if err != nil || secret != cr.SecretAccessKey || got.Subject != c.Subject {
						t.Errorf("Open = %+v, %v", got, err)
						return
					}
					got.AMR[0] = "changed" // must not reach another caller
				}
			}
		})
	}
	workers.Wait()
	close(stop)
	wg.Wait()
}
