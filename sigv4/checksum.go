package sigv4

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"hash/crc32"
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
	ChecksumSHA1      ChecksumAlgorithm = "SHA1"
	ChecksumSHA256    ChecksumAlgorithm = "SHA256"
)

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
	// "x-amz-checksum-mode" and "-algorithm" share the prefix; Size rejects them.
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
	case ChecksumCRC64NVME:
		return 8
	case ChecksumSHA1:
		return sha1.Size
	case ChecksumSHA256:
		return sha256.Size
	}
	return 0
}

// EncodedLen returns the length of a's value on the wire, base64 with
// padding.
func (a ChecksumAlgorithm) EncodedLen() int { return base64.StdEncoding.EncodedLen(a.Size()) }

// Valid reports whether value is well formed for a: standard base64 of a
// digest of the right size. S3 answers a malformed value with InvalidRequest
// and a well-formed wrong one with BadDigest, so the two are told apart.
func (a ChecksumAlgorithm) Valid(value string) bool {
	n := a.Size()
	if n == 0 || len(value) != a.EncodedLen() {
		return false
	}
	var buf [sha256.Size]byte
	m, err := base64.StdEncoding.Decode(buf[:], []byte(value))
	return err == nil && m == n
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
	case ChecksumSHA1:
		h = sha1.New()
	case ChecksumSHA256:
		h = sha256.New()
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
	var buf [sha256.Size]byte
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
