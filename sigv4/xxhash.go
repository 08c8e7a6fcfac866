package sigv4

import (
	"encoding/binary"
	"math/bits"
)

// XXH64, XXH3-64 and XXH3-128 with seed 0 and the default secret, as S3
// computes x-amz-checksum-xxhash64, -xxhash3 and -xxhash128. They follow
// the xxHash specification (doc/xxhash_spec.md of github.com/Cyan4973/xxHash,
// v0.2.0); the names of the steps below are the specification's. Each is a
// streaming hash.Hash whose Sum appends the canonical big-endian digest.

const (
	prime32_1 = 0x9E3779B1
	prime32_2 = 0x85EBCA77
	prime32_3 = 0xC2B2AE3D
	prime64_1 = 0x9E3779B185EBCA87
	prime64_2 = 0xC2B2AE3D27D4EB4F
	prime64_3 = 0x165667B19E3779F9
	prime64_4 = 0x85EBCA77C2B2AE63
	prime64_5 = 0x27D4EB2F165667C5
	primeMx1  = 0x165667919E3779F9
	primeMx2  = 0x9FB21C651E98DF25
)

func u64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
func u32(b []byte) uint64 { return uint64(binary.LittleEndian.Uint32(b)) }

// xxh64 is XXH64 with seed 0.
type xxh64 struct {
	acc   [4]uint64
	buf   [32]byte // a stripe not yet consumed
	n     int      // bytes in buf
	total uint64
}

func newXXH64() *xxh64 { d := new(xxh64); d.Reset(); return d }

func (d *xxh64) Size() int      { return 8 }
func (d *xxh64) BlockSize() int { return 32 }

func (d *xxh64) Reset() {
	p1 := uint64(prime64_1) // a variable: the sums wrap around
	d.acc = [4]uint64{p1 + prime64_2, prime64_2, 0, -p1}
	d.n, d.total = 0, 0
}

func xxh64Round(acc, lane uint64) uint64 {
	acc += lane * prime64_2
	return bits.RotateLeft64(acc, 31) * prime64_1
}

func (d *xxh64) stripes(p []byte) {
	for ; len(p) >= 32; p = p[32:] {
		d.acc[0] = xxh64Round(d.acc[0], u64(p))
		d.acc[1] = xxh64Round(d.acc[1], u64(p[8:]))
		d.acc[2] = xxh64Round(d.acc[2], u64(p[16:]))
		d.acc[3] = xxh64Round(d.acc[3], u64(p[24:]))
	}
}

func (d *xxh64) Write(p []byte) (int, error) {
	n := len(p)
	d.total += uint64(n)
	if d.n > 0 {
		k := copy(d.buf[d.n:], p)
		d.n += k
		p = p[k:]
		if d.n < len(d.buf) {
			return n, nil
		}
		d.stripes(d.buf[:])
		d.n = 0
	}
	full := len(p) &^ 31
	d.stripes(p[:full])
	d.n = copy(d.buf[:], p[full:])
	return n, nil
}

func (d *xxh64) Sum64() uint64 {
	var acc uint64
	if d.total >= 32 {
		a := d.acc
		acc = bits.RotateLeft64(a[0], 1) + bits.RotateLeft64(a[1], 7) + bits.RotateLeft64(a[2], 12) + bits.RotateLeft64(a[3], 18)
		for _, v := range a {
			acc ^= xxh64Round(0, v)
			acc = acc*prime64_1 + prime64_4
		}
	} else {
		acc = prime64_5
	}
	acc += d.total
	p := d.buf[:d.n]
	for ; len(p) >= 8; p = p[8:] {
		acc ^= xxh64Round(0, u64(p))
		acc = bits.RotateLeft64(acc, 27)*prime64_1 + prime64_4
	}
	if len(p) >= 4 {
		acc ^= u32(p) * prime64_1
		acc = bits.RotateLeft64(acc, 23)*prime64_2 + prime64_3
		p = p[4:]
	}
	for _, b := range p {
		acc ^= uint64(b) * prime64_5
		acc = bits.RotateLeft64(acc, 11) * prime64_1
	}
	return avalancheXXH64(acc)
}

func (d *xxh64) Sum(b []byte) []byte { return binary.BigEndian.AppendUint64(b, d.Sum64()) }

func avalancheXXH64(x uint64) uint64 {
	x ^= x >> 33
	x *= prime64_2
	x ^= x >> 29
	x *= prime64_3
	x ^= x >> 32
	return x
}

func avalancheXXH3(x uint64) uint64 {
	x ^= x >> 37
	x *= primeMx1
	x ^= x >> 32
	return x
}

// xxh3Secret is the specification's default secret.
var xxh3Secret = [192]byte{
	0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
	0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
	0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
	0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
	0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
	0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
	0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
	0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
	0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
	0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
	0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
	0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
}

// Sizes of XXH3's large-input algorithm with the default secret.
const (
	xxh3StripeLen       = 64
	xxh3StripesPerBlock = (len(xxh3Secret) - 64) / 8 // 16
	xxh3MidMax          = 240                        // longest input of the small and medium algorithms
	xxh3BufLen          = 4 * xxh3StripeLen
)

// xxh3 is XXH3-64, or XXH3-128 when wide. Inputs of up to xxh3MidMax bytes
// have algorithms of their own that need the whole input, so nothing is
// consumed before the buffer overflows; after that, stripes are accumulated
// as soon as more input follows them (the last stripe of the input is
// special) and the accumulators scrambled after each full block.
type xxh3 struct {
	wide    bool
	acc     [8]uint64
	stripes int                 // stripes accumulated in the current block
	buf     [xxh3BufLen]byte    // input not yet consumed, never empty once anything was consumed
	n       int                 // bytes in buf
	prev    [xxh3StripeLen]byte // the last stripe consumed, for a short final buffer
	total   uint64
}

func newXXH3(wide bool) *xxh3 { d := &xxh3{wide: wide}; d.Reset(); return d }

func (d *xxh3) Size() int {
	if d.wide {
		return 16
	}
	return 8
}

func (d *xxh3) BlockSize() int { return xxh3StripeLen }

func (d *xxh3) Reset() {
	d.acc = [8]uint64{prime32_3, prime64_1, prime64_2, prime64_3, prime64_4, prime32_2, prime64_5, prime32_1}
	d.stripes, d.n, d.total = 0, 0, 0
}

// accumulate is the specification's accumulation step for one stripe.
func xxh3Accumulate(acc *[8]uint64, stripe []byte, secretOffset int) {
	secret := xxh3Secret[secretOffset : secretOffset+64]
	stripe = stripe[:64]
	for i := range 8 {
		lane := u64(stripe[8*i:])
		v := lane ^ u64(secret[8*i:])
		acc[i^1] += lane
		acc[i] += (v & 0xFFFFFFFF) * (v >> 32)
	}
}

func xxh3Scramble(acc *[8]uint64) {
	secret := xxh3Secret[len(xxh3Secret)-64:]
	for i := range 8 {
		a := acc[i]
		a ^= a >> 47
		a ^= u64(secret[8*i:])
		acc[i] = a * prime32_1
	}
}

// consume accumulates whole stripes, each of which more input follows.
func (d *xxh3) consume(p []byte) {
	for s := p; len(s) >= xxh3StripeLen; s = s[xxh3StripeLen:] {
		xxh3Accumulate(&d.acc, s, 8*d.stripes)
		if d.stripes++; d.stripes == xxh3StripesPerBlock {
			xxh3Scramble(&d.acc)
			d.stripes = 0
		}
	}
	copy(d.prev[:], p[len(p)-xxh3StripeLen:])
}

func (d *xxh3) Write(p []byte) (int, error) {
	n := len(p)
	d.total += uint64(n)
	if d.n+len(p) <= len(d.buf) {
		d.n += copy(d.buf[d.n:], p)
		return n, nil
	}
	// More input follows the buffer's: all of it can be consumed. The
	// buffer is consumed whole, and so is p in multiples of its size: the
	// stripes counted so far stay a multiple of four, which is what keeps
	// the last block's stripes within one block in sum.
	if d.n > 0 {
		k := copy(d.buf[d.n:], p)
		p = p[k:]
		d.consume(d.buf[:])
	}
	if len(p) > len(d.buf) {
		m := (len(p) - 1) / len(d.buf) * len(d.buf)
		d.consume(p[:m])
		p = p[m:]
	}
	d.n = copy(d.buf[:], p)
	return n, nil
}

// sum128 returns the 128-bit result of XXH3 over what was written.
func (d *xxh3) sum128() (hi, lo uint64) {
	if d.total <= xxh3MidMax {
		return xxh3Short(d.buf[:d.n], d.wide)
	}
	acc := d.acc
	stripes := d.stripes
	tail := d.buf[:d.n]
	for s := tail; len(s) > xxh3StripeLen; s = s[xxh3StripeLen:] {
		xxh3Accumulate(&acc, s, 8*stripes)
		stripes++
	}
	var last [xxh3StripeLen]byte
	if len(tail) >= xxh3StripeLen {
		copy(last[:], tail[len(tail)-xxh3StripeLen:])
	} else {
		k := copy(last[:], d.prev[len(tail):])
		copy(last[k:], tail)
	}
	xxh3Accumulate(&acc, last[:], len(xxh3Secret)-71)
	lo = xxh3Merge(&acc, d.total*prime64_1, 11)
	if d.wide {
		hi = xxh3Merge(&acc, ^(d.total * prime64_2), len(xxh3Secret)-75)
	}
	return hi, lo
}

func xxh3Merge(acc *[8]uint64, init uint64, secretOffset int) uint64 {
	secret := xxh3Secret[secretOffset:]
	r := init
	for i := range 4 {
		hi, lo := bits.Mul64(acc[2*i]^u64(secret[16*i:]), acc[2*i+1]^u64(secret[16*i+8:]))
		r += lo ^ hi
	}
	return avalancheXXH3(r)
}

func (d *xxh3) Sum64() uint64 { _, lo := d.sum128(); return lo }

func (d *xxh3) Sum(b []byte) []byte {
	hi, lo := d.sum128()
	if d.wide {
		b = binary.BigEndian.AppendUint64(b, hi)
	}
	return binary.BigEndian.AppendUint64(b, lo)
}

// xxh3Short is XXH3 of an input of at most xxh3MidMax bytes: the
// specification's algorithms for small (0-16 bytes) and medium inputs.
func xxh3Short(p []byte, wide bool) (hi, lo uint64) {
	s := xxh3Secret[:]
	n := uint64(len(p))
	switch {
	case n == 0:
		if !wide {
			return 0, avalancheXXH64(u64(s[56:]) ^ u64(s[64:]))
		}
		return avalancheXXH64(u64(s[80:]) ^ u64(s[88:])), avalancheXXH64(u64(s[64:]) ^ u64(s[72:]))
	case n <= 3:
		combined := uint32(p[n-1]) | uint32(n)<<8 | uint32(p[0])<<16 | uint32(p[n>>1])<<24
		lo = avalancheXXH64((u32(s[0:]) ^ u32(s[4:])) ^ uint64(combined))
		if wide {
			hi = avalancheXXH64((u32(s[8:]) ^ u32(s[12:])) ^ uint64(bits.RotateLeft32(bits.ReverseBytes32(combined), 13)))
		}
		return hi, lo
	case n <= 8:
		first, last := u32(p), u32(p[n-4:])
		if !wide {
			v := (u64(s[8:]) ^ u64(s[16:])) ^ (last | first<<32)
			v ^= bits.RotateLeft64(v, 49) ^ bits.RotateLeft64(v, 24)
			v *= primeMx2
			v ^= (v >> 35) + n
			v *= primeMx2
			v ^= v >> 28
			return 0, v
		}
		v := (u64(s[16:]) ^ u64(s[24:])) ^ (first | last<<32)
		mh, ml := bits.Mul64(v, prime64_1+n<<2)
		mh += ml << 1
		ml ^= mh >> 3
		ml ^= ml >> 35
		ml *= primeMx2
		ml ^= ml >> 28
		return avalancheXXH3(mh), ml
	case n <= 16:
		first, last := u64(p), u64(p[n-8:])
		if !wide {
			l := (u64(s[24:]) ^ u64(s[32:])) ^ first
			h := (u64(s[40:]) ^ u64(s[48:])) ^ last
			mh, ml := bits.Mul64(l, h)
			return 0, avalancheXXH3(n + bits.ReverseBytes64(l) + h + (ml ^ mh))
		}
		v1 := (u64(s[32:]) ^ u64(s[40:])) ^ first ^ last
		v2 := (u64(s[48:]) ^ u64(s[56:])) ^ last
		mh, ml := bits.Mul64(v1, prime64_1)
		ml += (n - 1) << 54
		mh += v2 + (v2&0xFFFFFFFF)*(prime32_2-1)
		ml ^= bits.ReverseBytes64(mh)
		h2, l2 := bits.Mul64(ml, prime64_2)
		h2 += mh * prime64_2
		return avalancheXXH3(h2), avalancheXXH3(l2)
	}
	// 17 to 240 bytes.
	var acc [2]uint64
	acc[0] = n * prime64_1
	mix := func(data []byte, off int, seed uint64) uint64 {
		h, l := bits.Mul64(u64(data)^(u64(s[off:])+seed), u64(data[8:])^(u64(s[off+8:])-seed))
		return l ^ h
	}
	mixTwo := func(d1, d2 []byte, off int, seed uint64) {
		acc[0] += mix(d1, off, seed)
		acc[1] += mix(d2, off+16, seed)
		acc[0] ^= u64(d2) + u64(d2[8:])
		acc[1] ^= u64(d1) + u64(d1[8:])
	}
	if n <= 128 {
		rounds := int((n-1)>>5) + 1
		for i := rounds - 1; i >= 0; i-- {
			start, end := p[16*i:], p[len(p)-16*i-16:]
			if wide {
				mixTwo(start, end, 32*i, 0)
			} else {
				acc[0] += mix(start, 32*i, 0)
				acc[0] += mix(end, 32*i+16, 0)
			}
		}
	} else if !wide {
		chunks := len(p) >> 4
		for i := range 8 {
			acc[0] += mix(p[16*i:], 16*i, 0)
		}
		acc[0] = avalancheXXH3(acc[0])
		for i := 8; i < chunks; i++ {
			acc[0] += mix(p[16*i:], 16*(i-8)+3, 0)
		}
		acc[0] += mix(p[len(p)-16:], 119, 0)
	} else {
		chunks := len(p) >> 5
		for i := range 4 {
			mixTwo(p[32*i:], p[32*i+16:], 32*i, 0)
		}
		acc[0], acc[1] = avalancheXXH3(acc[0]), avalancheXXH3(acc[1])
		for i := 4; i < chunks; i++ {
			mixTwo(p[32*i:], p[32*i+16:], 32*(i-4)+3, 0)
		}
		mixTwo(p[len(p)-16:], p[len(p)-32:], 103, 0)
	}
	if !wide {
		return 0, avalancheXXH3(acc[0])
	}
	lo = avalancheXXH3(acc[0] + acc[1])
	hi = -avalancheXXH3(acc[0]*prime64_1 + acc[1]*prime64_4 + n*prime64_2)
	return hi, lo
}
