package sigv4

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"hash/crc32"
	"strconv"
	"strings"
	"sync"
)

// ChecksumAlgorithm is one of S3's additional checksums, spelled as in the
// x-amz-sdk-checksum-algorithm and x-amz-checksum-algorithm headers. A
// request carries the value in x-amz-checksum-<lower-case name>, as a
// header or as an aws-chunked trailer, base64 of the big-endian digest.
type ChecksumAlgorithm string

// The checksums S3 accepts.
const (
	ChecksumCRC32     ChecksumAlgorithm = "CRC32"     // IEEE
	ChecksumCRC32C    ChecksumAlgorithm = "CRC32C"    // Castagnoli
	ChecksumCRC64NVME ChecksumAlgorithm = "CRC64NVME" // CRC-64/NVME
	ChecksumMD5       ChecksumAlgorithm = "MD5"
	ChecksumSHA1      ChecksumAlgorithm = "SHA1"
	ChecksumSHA256    ChecksumAlgorithm = "SHA256"
	ChecksumSHA512    ChecksumAlgorithm = "SHA512"
	ChecksumXXHASH64  ChecksumAlgorithm = "XXHASH64"  // XXH64, seed 0
	ChecksumXXHASH3   ChecksumAlgorithm = "XXHASH3"   // XXH3-64, seed 0
	ChecksumXXHASH128 ChecksumAlgorithm = "XXHASH128" // XXH3-128, seed 0
)

// checksumAlgorithms lists them in S3's order, by name, as its messages do.
var checksumAlgorithms = []ChecksumAlgorithm{
	ChecksumCRC32, ChecksumCRC32C, ChecksumCRC64NVME, ChecksumMD5, ChecksumSHA1,
	ChecksumSHA256, ChecksumSHA512, ChecksumXXHASH128, ChecksumXXHASH3, ChecksumXXHASH64,
}

// ChecksumAlgorithms returns every algorithm S3 accepts, in the order of
// S3's messages that list them: "[CRC32, CRC32C, CRC64NVME, MD5, SHA1,
// SHA256, SHA512, XXHASH128, XXHASH3, XXHASH64]".
func ChecksumAlgorithms() []ChecksumAlgorithm {
	return append([]ChecksumAlgorithm(nil), checksumAlgorithms...)
}

// maxChecksumSize is the largest digest, SHA-512's.
const maxChecksumSize = sha512.Size

// checksumHeaderPrefix starts the name of every checksum header and trailer.
const checksumHeaderPrefix = "x-amz-checksum-"

var crc32CTable = crc32.MakeTable(crc32.Castagnoli)

// ParseChecksumAlgorithm returns the algorithm named by the value of an
// x-amz-sdk-checksum-algorithm or x-amz-checksum-algorithm header. Case does
// not matter: SDKs send upper case, some tools lower.
func ParseChecksumAlgorithm(s string) (ChecksumAlgorithm, bool) {
	a := ChecksumAlgorithm(strings.ToUpper(s))
	return a, a.Size() > 0
}

// ChecksumAlgorithmForHeader returns the algorithm whose value the header or
// trailer named name carries, as "x-amz-checksum-crc32" carries CRC32. Case
// does not matter.
func ChecksumAlgorithmForHeader(name string) (ChecksumAlgorithm, bool) {
	if len(name) <= len(checksumHeaderPrefix) || !strings.EqualFold(name[:len(checksumHeaderPrefix)], checksumHeaderPrefix) {
		return "", false
	}
	// "x-amz-checksum-mode", "-type" and "-algorithm" share the prefix; Size
	// rejects them.
	return ParseChecksumAlgorithm(name[len(checksumHeaderPrefix):])
}

// Header returns the lower-case name of the header or trailer that carries
// a's value.
func (a ChecksumAlgorithm) Header() string {
	return checksumHeaderPrefix + strings.ToLower(string(a))
}

// Size returns the length in bytes of a's digest, or 0 when a is not one of
// the algorithms above.
func (a ChecksumAlgorithm) Size() int {
	switch a {
	case ChecksumCRC32, ChecksumCRC32C:
		return crc32.Size
	case ChecksumCRC64NVME, ChecksumXXHASH64, ChecksumXXHASH3:
		return 8
	case ChecksumMD5, ChecksumXXHASH128:
		return md5.Size
	case ChecksumSHA1:
		return sha1.Size
	case ChecksumSHA256:
		return sha256.Size
	case ChecksumSHA512:
		return sha512.Size
	}
	return 0
}

// CRC reports whether a is a CRC, whose value over a whole object S3 can
// compute from the values of its parts: the algorithms of FULL_OBJECT
// multipart checksums.
func (a ChecksumAlgorithm) CRC() bool {
	return a == ChecksumCRC32 || a == ChecksumCRC32C || a == ChecksumCRC64NVME
}

// EncodedLen returns the length of a's value on the wire, base64 with
// padding.
func (a ChecksumAlgorithm) EncodedLen() int { return base64.StdEncoding.EncodedLen(a.Size()) }

// Valid reports whether value is well formed for a: canonical standard
// base64 of a digest of the right size. S3 answers a malformed value with
// InvalidRequest and a well-formed wrong one with BadDigest, so the two are
// told apart. Like S3, Valid refuses padding bits that are not zero
// ("y/Q5Jh==" for "y/Q5Jg=="), which a lenient decoder would accept as the
// same digest.
func (a ChecksumAlgorithm) Valid(value string) bool {
	_, ok := a.decode(value)
	return ok
}

// decode returns the digest value encodes, if Valid.
func (a ChecksumAlgorithm) decode(value string) ([]byte, bool) {
	n := a.Size()
	if n == 0 || len(value) != a.EncodedLen() {
		return nil, false
	}
	buf := make([]byte, maxChecksumSize)
	m, err := base64.StdEncoding.Strict().Decode(buf, []byte(value))
	return buf[:m], err == nil && m == n
}

// Checksum computes one checksum over what is written to it. Its Sum is the
// big-endian digest, as S3 encodes it; Base64 is the value of the header.
type Checksum struct {
	hash.Hash
	alg ChecksumAlgorithm
}

var errUnknownChecksum = errors.New("sigv4: unknown checksum algorithm")

// NewChecksum returns a Checksum computing a.
func NewChecksum(a ChecksumAlgorithm) (*Checksum, error) {
	var h hash.Hash
	switch a {
	case ChecksumCRC32:
		h = crc32.NewIEEE()
	case ChecksumCRC32C:
		h = crc32.New(crc32CTable)
	case ChecksumCRC64NVME:
		h = new(crc64NVME)
	case ChecksumMD5:
		h = md5.New()
	case ChecksumSHA1:
		h = sha1.New()
	case ChecksumSHA256:
		h = sha256.New()
	case ChecksumSHA512:
		h = sha512.New()
	case ChecksumXXHASH64:
		h = newXXH64()
	case ChecksumXXHASH3:
		h = newXXH3(false)
	case ChecksumXXHASH128:
		h = newXXH3(true)
	default:
		return nil, errUnknownChecksum
	}
	return &Checksum{Hash: h, alg: a}, nil
}

// Algorithm returns the algorithm c computes.
func (c *Checksum) Algorithm() ChecksumAlgorithm { return c.alg }

// Base64 returns the checksum of what was written so far, encoded as S3
// sends it in x-amz-checksum-* headers.
func (c *Checksum) Base64() string {
	var buf [maxChecksumSize]byte
	return base64.StdEncoding.EncodeToString(c.Sum(buf[:0]))
}

// badDigest is S3's answer to a checksum that does not match the data.
func badDigest(a ChecksumAlgorithm) *Error {
	return newError(400, CodeBadDigest, "The "+string(a)+" you specified did not match the calculated checksum.")
}

// invalidChecksumTrailer is S3's answer to a checksum trailer whose value is
// not base64 of a digest of the right size.
func invalidChecksumTrailer(name string) *Error {
	return newError(400, CodeInvalidRequest, "Value for "+name+" trailing header is invalid.")
}

// crc64NVMEPoly is the CRC-64/NVME polynomial 0xad93d23594c93659, bit
// reversed because the CRC is computed least significant bit first.
const crc64NVMEPoly = 0x9a6c9329ac4bc9b5

// crc64NVMETables are the slicing-by-8 tables of CRC-64/NVME, built on first
// use. hash/crc64 computes the same CRC given this polynomial, but for any
// table other than ISO and ECMA it rebuilds a 16 KiB helper table on every
// write of 2 KiB or more, which would make a streaming upload allocate in
// proportion to its size.
var crc64NVMETables = sync.OnceValue(func() *[8][256]uint64 {
	t := new([8][256]uint64)
	for i := range 256 {
		crc := uint64(i)
		for range 8 {
			if crc&1 == 1 {
				crc = crc>>1 ^ crc64NVMEPoly
			} else {
				crc >>= 1
			}
		}
		t[0][i] = crc
	}
	for i := range 256 {
		crc := t[0][i]
		for j := 1; j < 8; j++ {
			crc = t[0][crc&0xff] ^ crc>>8
			t[j][i] = crc
		}
	}
	return t
})

// crc64NVME is CRC-64/NVME (reflected, initial value and final xor all
// ones), as S3 computes it for x-amz-checksum-crc64nvme.
type crc64NVME struct{ crc uint64 }

func (d *crc64NVME) Size() int      { return 8 }
func (d *crc64NVME) BlockSize() int { return 1 }
func (d *crc64NVME) Reset()         { d.crc = 0 }
func (d *crc64NVME) Sum64() uint64  { return d.crc }

// Sum appends the CRC big-endian, the byte order S3 encodes.
func (d *crc64NVME) Sum(b []byte) []byte { return binary.BigEndian.AppendUint64(b, d.crc) }

func (d *crc64NVME) Write(p []byte) (int, error) {
	n := len(p)
	t := crc64NVMETables()
	crc := ^d.crc
	for len(p) >= 8 {
		crc ^= binary.LittleEndian.Uint64(p)
		crc = t[7][crc&0xff] ^ t[6][crc>>8&0xff] ^ t[5][crc>>16&0xff] ^ t[4][crc>>24&0xff] ^
			t[3][crc>>32&0xff] ^ t[2][crc>>40&0xff] ^ t[1][crc>>48&0xff] ^ t[0][crc>>56]
		p = p[8:]
	}
	for _, b := range p {
		crc = t[0][byte(crc)^b] ^ crc>>8
	}
	d.crc = ^crc
	return n, nil
}

// Multipart checksums. S3 computes the checksum of an object uploaded in
// parts in one of two ways, its ChecksumType: COMPOSITE, the algorithm over
// the concatenated digests of the parts, encoded with the number of parts
// ("base64-N"); or FULL_OBJECT, the checksum of the whole object, which for
// a CRC follows from the parts' CRCs and lengths alone.

// CompositeChecksum returns S3's COMPOSITE checksum of an object whose parts
// have the checksums parts (base64, in part order): a over their
// concatenated digests, base64, then "-" and the number of parts.
func CompositeChecksum(a ChecksumAlgorithm, parts []string) (string, error) {
	c, err := NewChecksum(a)
	if err != nil {
		return "", err
	}
	for _, v := range parts {
		d, ok := a.decode(v)
		if !ok {
			return "", errors.New("sigv4: malformed " + string(a) + " part checksum " + strconv.Quote(v))
		}
		c.Write(d)
	}
	return c.Base64() + "-" + strconv.Itoa(len(parts)), nil
}

// PartChecksum is the checksum (base64) of a part of Size bytes.
type PartChecksum struct {
	Value string
	Size  int64
}

// FullObjectChecksum returns S3's FULL_OBJECT checksum of an object made of
// parts, in order: the CRC a of their concatenation, computed from the
// parts' CRCs alone. a must be a CRC.
func FullObjectChecksum(a ChecksumAlgorithm, parts []PartChecksum) (string, error) {
	var g *crcGF2
	switch a {
	case ChecksumCRC32:
		g = crc32IEEEGF2()
	case ChecksumCRC32C:
		g = crc32CGF2()
	case ChecksumCRC64NVME:
		g = crc64NVMEGF2()
	default:
		return "", errors.New("sigv4: " + string(a) + " is not a CRC")
	}
	var crc, op uint64
	opSize := int64(-1) // parts mostly share a size, and so an operator
	for i, p := range parts {
		d, ok := a.decode(p.Value)
		if !ok || p.Size < 0 {
			return "", errors.New("sigv4: malformed " + string(a) + " part checksum " + strconv.Quote(p.Value))
		}
		var v uint64
		if len(d) == 8 {
			v = binary.BigEndian.Uint64(d)
		} else {
			v = uint64(binary.BigEndian.Uint32(d))
		}
		if i == 0 {
			crc = v
			continue
		}
		if p.Size != opSize {
			op, opSize = g.x8n(p.Size), p.Size
		}
		crc = g.mult(op, crc) ^ v
	}
	var out []byte
	if a == ChecksumCRC64NVME {
		out = binary.BigEndian.AppendUint64(nil, crc)
	} else {
		out = binary.BigEndian.AppendUint32(nil, uint32(crc))
	}
	return base64.StdEncoding.EncodeToString(out), nil
}

// crcGF2 combines CRCs in GF(2)[x] modulo a reflected CRC polynomial, as
// zlib's crc32_combine does since 1.2.12: the CRC of A followed by B is
// crc(A)·x^(8·len(B)) + crc(B) mod P, for CRCs whose initial value and
// final xor are equal (all ones here). It is the GF(2) matrix method with
// the operator for len(B) zero bytes, a power of x, kept as a polynomial:
// squaring a w×w matrix costs w² steps where multiplying polynomials costs
// w, which matters for 10,000 parts.
//
// A polynomial is held reflected in w bits: the most significant bit is
// the coefficient of x^0.
type crcGF2 struct {
	poly uint64 // reflected, as in the CRC's table
	one  uint64 // x^0: 1<<(w-1)
	x2n  [67]uint64
}

func newCRCGF2(poly uint64, width int) *crcGF2 {
	g := &crcGF2{poly: poly, one: 1 << (width - 1)}
	g.x2n[0] = g.one >> 1 // x^1
	for k := 1; k < len(g.x2n); k++ {
		g.x2n[k] = g.mult(g.x2n[k-1], g.x2n[k-1]) // x^(2^k)
	}
	return g
}

var (
	crc32IEEEGF2 = sync.OnceValue(func() *crcGF2 { return newCRCGF2(crc32.IEEE, 32) })
	crc32CGF2    = sync.OnceValue(func() *crcGF2 { return newCRCGF2(crc32.Castagnoli, 32) })
	crc64NVMEGF2 = sync.OnceValue(func() *crcGF2 { return newCRCGF2(crc64NVMEPoly, 64) })
)

// mult returns a·b mod P.
func (g *crcGF2) mult(a, b uint64) uint64 {
	var p uint64
	for m := g.one; m != 0 && a != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
			a &^= m
		}
		if b&1 != 0 {
			b = b>>1 ^ g.poly
		} else {
			b >>= 1
		}
	}
	return p
}

// x8n returns x^(8n) mod P, the operator that appends n zero bytes: the
// CRC of A followed by B is mult(x8n(len(B)), crc(A)) ^ crc(B).
func (g *crcGF2) x8n(n int64) uint64 {
	p := g.one
	for k := 3; n != 0; n, k = n>>1, k+1 {
		if n&1 != 0 {
			p = g.mult(g.x2n[k], p)
		}
	}
	return p
}
