package sigv4

import (
	"encoding/binary"
	"fmt"
	"hash"
	"math/rand/v2"
	"testing"
)

// xxhSanityBuffer is the input of the xxHash sanity checks
// (cli/xsum_sanity_check.c, XSUM_fillTestBuffer): each byte the top byte of
// a running product.
func xxhSanityBuffer(n int) []byte {
	const prime32, prime64 = 2654435761, 11400714785074694797
	b := make([]byte, n)
	gen := uint64(prime32)
	for i := range b {
		b[i] = byte(gen >> 56)
		gen *= prime64
	}
	return b
}

// The seed-0 vectors of xxHash's own sanity checks (cli/xsum_sanity_check.c
// at v0.8.3), one per code path: empty, 1-3, 4-8, 9-16, 17-128 and 129-240
// bytes, then one block with an overlapping last stripe, a block ending on a
// stripe, two blocks, and blocks with a partial or overlapping last one.
var xxhVectors = []struct {
	n        int
	xxh64    uint64 // 0: no vector for this length
	xxh3     uint64
	xxh128hi uint64
	xxh128lo uint64
}{
	{0, 0xEF46DB3751D8E999, 0x2D06800538D394C2, 0x99AA06D3014798D8, 0x6001C324468D497F},
	{1, 0xE934A84ADB052768, 0xC44BDFF4074EECDB, 0xA6CD5E9392000F6A, 0xC44BDFF4074EECDB},
	{4, 0x9136A0DCA57457EE, 0, 0, 0},
	{6, 0, 0x27B56A84CD2D7325, 0x082AFE0B8162D12A, 0x3E7039BDDA43CFC6},
	{12, 0, 0xA713DAF0DFBB77E7, 0x6E3EFD8FC7802B18, 0x061A192713F69AD9},
	{14, 0x8282DCC4994E35C8, 0, 0, 0},
	{24, 0, 0xA3FE70BF9D3510EB, 0x0CE966E4678D3761, 0x1E7044D28B1B901D},
	{48, 0, 0x397DA259ECBA1F11, 0xA002AC4E5478227E, 0xF942219AED80F67B},
	{80, 0, 0xBCDEFBBB2C47C90A, 0, 0},
	{81, 0, 0, 0x4952F58181AB0042, 0x5E8BAFB9F95FB803},
	{195, 0, 0xCD94217EE362EC3A, 0, 0},
	{222, 0xB641AE8CB691C174, 0, 0x337E09641B948717, 0xF1AEBD597CEC6B3A},
	{403, 0, 0xCDEB804D65C6DEA4, 0x1B6DE21E332DD73D, 0xCDEB804D65C6DEA4},
	{512, 0, 0x617E49599013CB6B, 0x18D2D110DCC9BCA1, 0x617E49599013CB6B},
	{2048, 0, 0xDD59E2C3A5F038E0, 0xF736557FD47073A5, 0xDD59E2C3A5F038E0},
	{2099, 0, 0xC6B9D9B3FC9AC765, 0, 0},
	{2240, 0, 0x6E73A90539CF2948, 0xCCB134FBFA7CE49D, 0x6E73A90539CF2948},
	{2367, 0, 0xCB37AEB9E5D361ED, 0xE89C0F6FF369B427, 0xCB37AEB9E5D361ED},
}

// writeSplit writes data to h in pieces of the sizes sizes cycles through.
func writeSplit(h hash.Hash, data []byte, sizes ...int) {
	h.Reset()
	for i := 0; len(data) > 0; i++ {
		n := min(sizes[i%len(sizes)], len(data))
		h.Write(data[:n])
		data = data[n:]
	}
}

func TestXXHashSanityVectors(t *testing.T) {
	buf := xxhSanityBuffer(2367)
	splits := [][]int{{1 << 20}, {1}, {3, 61, 64}, {255, 1, 256}, {100}, {256}, {257, 1023}}
	for _, v := range xxhVectors {
		data := buf[:v.n]
		check := func(name string, h hash.Hash, want []byte) {
			t.Helper()
			if want == nil {
				return
			}
			for _, s := range splits {
				writeSplit(h, data, s...)
				if got := h.Sum(nil); string(got) != string(want) {
					t.Errorf("%s of %d bytes in writes of %v: %x, want %x", name, v.n, s, got, want)
				}
			}
			// Sum does not change the state: summing again, and writing
			// on after a Sum, give what one pass gives.
			h.Reset()
			half := len(data) / 2
			h.Write(data[:half])
			h.Sum(nil)
			h.Write(data[half:])
			if got := h.Sum(nil); string(got) != string(want) {
				t.Errorf("%s of %d bytes with a Sum midway: %x, want %x", name, v.n, got, want)
			}
		}
		be64 := func(x uint64) []byte {
			if x == 0 {
				return nil
			}
			return binary.BigEndian.AppendUint64(nil, x)
		}
		check("XXH64", newXXH64(), be64(v.xxh64))
		check("XXH3", newXXH3(false), be64(v.xxh3))
		if v.xxh128hi != 0 {
			check("XXH128", newXXH3(true), append(be64(v.xxh128hi), be64(v.xxh128lo)...))
		}
	}
}

// Every split of an input into two writes, around the lengths where the
// algorithms change and where blocks end, gives the one-write digest.
func TestXXHashStreaming(t *testing.T) {
	buf := xxhSanityBuffer(3000)
	for _, n := range []int{16, 17, 128, 129, 240, 241, 255, 256, 257, 319, 320, 321, 1023, 1024, 1025, 1088, 1089, 2048, 2049, 2367} {
		for _, alg := range []ChecksumAlgorithm{ChecksumXXHASH64, ChecksumXXHASH3, ChecksumXXHASH128} {
			h, _ := NewChecksum(alg)
			h.Write(buf[:n])
			want := h.Sum(nil)
			for k := 0; k <= n; k++ {
				h.Reset()
				h.Write(buf[:k])
				h.Write(buf[k:n])
				if got := h.Sum(nil); string(got) != string(want) {
					t.Fatalf("%s of %d bytes split at %d: %x, want %x", alg, n, k, got, want)
				}
			}
		}
	}
	// Random writes over a long input.
	rng := rand.New(rand.NewPCG(3, 4))
	long := xxhSanityBuffer(1 << 16)
	for _, alg := range []ChecksumAlgorithm{ChecksumXXHASH64, ChecksumXXHASH3, ChecksumXXHASH128} {
		h, _ := NewChecksum(alg)
		h.Write(long)
		want := h.Sum(nil)
		for range 50 {
			h.Reset()
			for p := long; len(p) > 0; {
				k := min(len(p), rng.IntN(3000))
				h.Write(p[:k])
				p = p[k:]
			}
			if got := h.Sum(nil); string(got) != string(want) {
				t.Fatalf("%s of 64 KiB in random writes: %x, want %x", alg, got, want)
			}
		}
	}
}

func TestXXHashAllocs(t *testing.T) {
	buf := make([]byte, 64<<10)
	for _, alg := range []ChecksumAlgorithm{ChecksumXXHASH64, ChecksumXXHASH3, ChecksumXXHASH128} {
		h, _ := NewChecksum(alg)
		if n := testing.AllocsPerRun(10, func() { h.Write(buf) }); n != 0 {
			t.Errorf("%s: Write allocates %v times", alg, n)
		}
	}
}

func BenchmarkChecksum(b *testing.B) {
	buf := make([]byte, 1<<20)
	for _, alg := range ChecksumAlgorithms() {
		b.Run(string(alg), func(b *testing.B) {
			h, _ := NewChecksum(alg)
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				h.Write(buf)
			}
			_ = fmt.Sprint(h.Sum(nil))
		})
	}
}
