package keyring

import (
	"testing"
)

// BenchmarkOpenCold opens a guest's token with the cache off: the cost of
// the first request with new credentials.
func BenchmarkOpenCold(b *testing.B) {
	k := open(b, b.TempDir(), Options{CacheEntries: -1})
	cr := issue(b, k, guest())
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := k.Open(cr.AccessKeyID, cr.SessionToken, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenCached opens a guest's token that the cache holds: the cost
// of every later request with the same credentials.
func BenchmarkOpenCached(b *testing.B) {
	k := newKeyring(b)
	cr := issue(b, k, guest())
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := k.Open(cr.AccessKeyID, cr.SessionToken, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenCachedParallel is BenchmarkOpenCached from every core, over
// many tokens, to show the cache's locks.
func BenchmarkOpenCachedParallel(b *testing.B) {
	k := newKeyring(b)
	var creds []Credentials
	for range 1024 {
		creds = append(creds, issue(b, k, guest()))
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			cr := creds[i%len(creds)]
			if _, _, err := k.Open(cr.AccessKeyID, cr.SessionToken, t0); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// BenchmarkIssue issues a guest's credentials.
func BenchmarkIssue(b *testing.B) {
	k := newKeyring(b)
	c := guest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Issue(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignJWT(b *testing.B) {
	k := newKeyring(b)
	claims := openIDClaims()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.SignJWT(claims); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyJWT(b *testing.B) {
	k := newKeyring(b)
	tok, err := k.SignJWT(openIDClaims())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.VerifyJWT(tok, t0); err != nil {
			b.Fatal(err)
		}
	}
}
