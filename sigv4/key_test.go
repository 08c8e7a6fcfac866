package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// TestSigningKey checks the key derivation against AWS's published keys:
// the IAM example of "Examples of how to derive a signing key" and the key
// of the S3 documentation's examples.
func TestSigningKey(t *testing.T) {
	for _, tc := range []struct{ secret, date, region, service, want string }{
		{"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam", "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"},
		{"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3", "dbb893acc010964918f1fd433add87c70e8b0db6be30c1fbeafefa5ec6ba8378"},
	} {
		if got := hex.EncodeToString(SigningKey(tc.secret, tc.date, tc.region, tc.service)); got != tc.want {
			t.Errorf("%s %s %s: %s, want %s", tc.date, tc.region, tc.service, got, tc.want)
		}
		var c keyCache
		if got := hex.EncodeToString(c.signingKey(tc.secret, tc.date, tc.region, tc.service).key[:]); got != tc.want {
			t.Errorf("cached %s %s %s: %s", tc.date, tc.region, tc.service, got)
		}
	}
}

// TestKeyCacheHit checks that a hit derives nothing and allocates nothing.
func TestKeyCacheHit(t *testing.T) {
	var c keyCache
	first := c.signingKey("secret", "20250304", "us-east-1", "s3")
	if again := c.signingKey("secret", "20250304", "us-east-1", "s3"); again != first {
		t.Error("a hit derived the key again")
	}
	if raceEnabled {
		return // the race detector allocates
	}
	if n := testing.AllocsPerRun(1000, func() { c.signingKey("secret", "20250304", "us-east-1", "s3") }); n != 0 {
		t.Errorf("a hit allocates %v times", n)
	}
}

// TestKeyCacheConcurrent signs from many goroutines with more secrets and
// dates than the cache has slots, so that slots are replaced while others
// read them; every key must still be right. Run it with -race.
func TestKeyCacheConcurrent(t *testing.T) {
	var c keyCache
	const secrets, dates = 40, 30 // 1200 keys for 512 slots
	var secret [secrets]string
	var date [dates]string
	var want [secrets][dates][]byte
	for s := range secrets {
		secret[s] = fmt.Sprint("secret-", s)
		for d := range dates {
			date[d] = fmt.Sprintf("202501%02d", d+1)
			want[s][d] = SigningKey(secret[s], date[d], "us-east-1", "s3")
		}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(g), 1))
			for range scaled(5000) {
				s, d := rnd.IntN(secrets), rnd.IntN(dates)
				if got := c.signingKey(secret[s], date[d], "us-east-1", "s3"); string(got.key[:]) != string(want[s][d]) {
					t.Errorf("wrong key for secret %d, date %d", s, d)
					return
				}
			}
		})
	}
	wg.Wait()
	// The parts of the cache key cannot run into each other.
	a := c.signingKey("ab", "20250101", "c", "s3")
	b := c.signingKey("a", "20250101", "bc", "s3")
	if a.key == b.key {
		t.Error("(ab, c) and (a, bc) share a key")
	}
}

// TestMacer checks the allocation-free HMACs against crypto/hmac.
func TestMacer(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	m := newMacer()
	for range 200 {
		var key [sha256.Size]byte
		for i := range key {
			key[i] = byte(rnd.Uint32())
		}
		msg := make([]byte, rnd.IntN(300))
		for i := range msg {
			msg[i] = byte(rnd.Uint32())
		}
		h := hmac.New(sha256.New, key[:])
		h.Write(msg)
		want := h.Sum(nil)
		if got := m.mac(&key, msg); !hmac.Equal(got[:], want) {
			t.Fatalf("mac differs for a %d-byte message", len(msg))
		}
		pads := newHMACPads(&key)
		if got := m.macPads(&pads, msg); !hmac.Equal(got[:], want) {
			t.Fatalf("macPads differs for a %d-byte message", len(msg))
		}
	}
}
