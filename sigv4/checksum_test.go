package sigv4

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc64"
	"math/rand/v2"
	"strings"
	"testing"
)

var allChecksums = ChecksumAlgorithms()

// Known answers for "123456789" (the CRC catalogue's check input) and for
// the empty input, as big-endian hex.
func TestChecksumVectors(t *testing.T) {
	tests := []struct {
		alg        ChecksumAlgorithm
		check      string // of "123456789"
		empty      string
		header     string
		encodedLen int
	}{
		{ChecksumCRC32, "cbf43926", "00000000", "x-amz-checksum-crc32", 8},
		{ChecksumCRC32C, "e3069283", "00000000", "x-amz-checksum-crc32c", 8},
		{ChecksumCRC64NVME, "ae8b14860a799888", "0000000000000000", "x-amz-checksum-crc64nvme", 12},
		{ChecksumMD5, "25f9e794323b453885f5181f1b624d0b", "d41d8cd98f00b204e9800998ecf8427e", "x-amz-checksum-md5", 24},
		{ChecksumSHA1, "f7c3bc1d808e04732adf679965ccc34ca7ae3441", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "x-amz-checksum-sha1", 28},
		{ChecksumSHA256, "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225", EmptyPayloadHash, "x-amz-checksum-sha256", 44},
	}
	for _, tt := range tests {
		t.Run(string(tt.alg), func(t *testing.T) {
			for input, want := range map[string]string{"123456789": tt.check, "": tt.empty} {
				c, err := NewChecksum(tt.alg)
				if err != nil {
					t.Fatal(err)
				}
				c.Write([]byte(input))
				if got := string(appendHex(nil, c.Sum(nil))); got != want {
					t.Errorf("%q: sum %s, want %s", input, got, want)
				}
				raw := make([]byte, len(want)/2)
				for i := range raw {
					hi, _ := unhex(want[2*i])
					lo, _ := unhex(want[2*i+1])
					raw[i] = hi<<4 | lo
				}
				if got, want := c.Base64(), base64.StdEncoding.EncodeToString(raw); got != want {
					t.Errorf("%q: Base64 %s, want %s", input, got, want)
				}
				if !tt.alg.Valid(c.Base64()) {
					t.Errorf("Valid(%s) = false", c.Base64())
				}
			}
			if got := tt.alg.Header(); got != tt.header {
				t.Errorf("Header = %s, want %s", got, tt.header)
			}
			if got := tt.alg.EncodedLen(); got != tt.encodedLen {
				t.Errorf("EncodedLen = %d, want %d", got, tt.encodedLen)
			}
			if a, ok := ChecksumAlgorithmForHeader(tt.header); !ok || a != tt.alg {
				t.Errorf("ChecksumAlgorithmForHeader(%s) = %s, %v", tt.header, a, ok)
			}
		})
	}
}

// S3's own example: CRC32C of 66,560 'a's, from the trailing-header example
// of the SigV4 streaming documentation.
func TestChecksumS3Example(t *testing.T) {
	c, _ := NewChecksum(ChecksumCRC32C)
	c.Write(bytes.Repeat([]byte("a"), 66560))
	if got := c.Base64(); got != "sOO8/Q==" {
		t.Errorf("got %s, want sOO8/Q==", got)
	}
}

// The table-driven CRC-64/NVME must agree with hash/crc64 given the same
// polynomial, whatever the write sizes, and must not allocate per write.
func TestCRC64NVMEMatchesHashCRC64(t *testing.T) {
	tab := crc64.MakeTable(crc64NVMEPoly)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		data := make([]byte, rng.IntN(10000))
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		c, _ := NewChecksum(ChecksumCRC64NVME)
		for p := data; len(p) > 0; {
			n := min(len(p), rng.IntN(3000)+1)
			c.Write(p[:n])
			p = p[n:]
		}
		want := crc64.Checksum(data, tab)
		if got := binary.BigEndian.Uint64(c.Sum(nil)); got != want {
			t.Fatalf("len %d: %016x, want %016x", len(data), got, want)
		}
	}
	c, _ := NewChecksum(ChecksumCRC64NVME)
	buf := make([]byte, 64<<10)
	if n := testing.AllocsPerRun(10, func() { c.Write(buf) }); n != 0 {
		t.Errorf("Write allocates %v times", n)
	}
}

func TestChecksumNames(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want ChecksumAlgorithm
		ok   bool
	}{
		{"CRC32", ChecksumCRC32, true},
		{"crc32c", ChecksumCRC32C, true},
		{"Crc64Nvme", ChecksumCRC64NVME, true},
		{"SHA1", ChecksumSHA1, true},
		{"sha256", ChecksumSHA256, true},
		{"md5", ChecksumMD5, true},
		{"Sha512", ChecksumSHA512, true},
		{"XXHASH64", ChecksumXXHASH64, true},
		{"xxhash3", ChecksumXXHASH3, true},
		{"XXHASH128", ChecksumXXHASH128, true},
		{"MD4", "", false},
		{"XXHASH32", "", false},
		{"CRC32,CRC32C", "", false},
		{"", "", false},
		{"CRC32 ", "", false},
	} {
		a, ok := ParseChecksumAlgorithm(tt.in)
		if ok != tt.ok || ok && a != tt.want {
			t.Errorf("ParseChecksumAlgorithm(%q) = %q, %v", tt.in, a, ok)
		}
	}
	for _, tt := range []struct {
		in   string
		want ChecksumAlgorithm
		ok   bool
	}{
		{"x-amz-checksum-crc32", ChecksumCRC32, true},
		{"X-Amz-Checksum-Crc32c", ChecksumCRC32C, true},
		{"x-amz-checksum-crc64nvme", ChecksumCRC64NVME, true},
		{"x-amz-checksum-sha256", ChecksumSHA256, true},
		{"x-amz-checksum-xxhash128", ChecksumXXHASH128, true},
		{"X-Amz-Checksum-Md5", ChecksumMD5, true},
		{"x-amz-checksum-mode", "", false},
		{"x-amz-checksum-algorithm", "", false},
		{"x-amz-checksum-type", "", false},
		{"x-amz-checksum-", "", false},
		{"x-amz-crc32", "", false},
		{"content-md5", "", false},
	} {
		a, ok := ChecksumAlgorithmForHeader(tt.in)
		if ok != tt.ok || ok && a != tt.want {
			t.Errorf("ChecksumAlgorithmForHeader(%q) = %q, %v", tt.in, a, ok)
		}
	}
	if _, err := NewChecksum("MD4"); err == nil {
		t.Error("NewChecksum(MD4) succeeded")
	}
	if ChecksumAlgorithm("MD4").Valid("AAAAAAAAAAAAAAAAAAAAAA==") {
		t.Error("an unknown algorithm has valid values")
	}
}

func TestChecksumValid(t *testing.T) {
	for _, tt := range []struct {
		alg   ChecksumAlgorithm
		value string
		want  bool
	}{
		{ChecksumCRC32, "AAAAAA==", true},
		{ChecksumCRC32, "sOO8/Q==", true},
		{ChecksumCRC32, "AAAAAA", false},     // padding is required
		{ChecksumCRC32, "AAAAAAA=", false},   // 5 bytes
		{ChecksumCRC32, "AAAA", false},       // 3 bytes
		{ChecksumCRC32, "AA-_AA==", false},   // URL alphabet
		{ChecksumCRC32, "AAAAAA==\n", false}, // trailing newline
		{ChecksumCRC32, " AAAAAA=", false},   // space
		{ChecksumCRC64NVME, "AAAAAAAAAAA=", true},
		{ChecksumCRC64NVME, "AAAAAA==", false},
		{ChecksumSHA256, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", true},
		{ChecksumSHA256, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF==", false},
		{ChecksumSHA1, "2jmj7l5rSw0yVb/vlWAYkK/YBwk=", true},
		// Padding bits that are not zero: S3 refuses them (the invalid
		// value of OpenStack Swift's tests, checked against AWS).
		{ChecksumCRC32, "y/Q5Jg==", true},
		{ChecksumCRC32, "y/Q5Jh==", false},
		{ChecksumMD5, "1B2M2Y8AsgTpgAmY7PhCfg==", true},
		{ChecksumSHA512, "z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==", true},
		{ChecksumSHA512, "z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=", false},
		{ChecksumXXHASH64, "70bbN1HY6Zk=", true},
		{ChecksumXXHASH128, "maoG0wFHmNhgAcMkRo1Jfw==", true},
		{ChecksumXXHASH3, "c2RhZnNhZGZzZGFm", false}, // 12 bytes
	} {
		if got := tt.alg.Valid(tt.value); got != tt.want {
			t.Errorf("%s.Valid(%q) = %v, want %v", tt.alg, tt.value, got, tt.want)
		}
	}
}

// S3's values for inputs of the S3 conformance suite of versitygw
// (tests/integration: PutObject_dir_object_checksums_success for the empty
// input, UnsignedStreamingPayloadTrailer_no_payload_trailer_only_headers for
// "abcdefg", PostObject_checksums_success for "test data").
func TestChecksumS3KnownAnswers(t *testing.T) {
	for _, tt := range []struct {
		alg   ChecksumAlgorithm
		input string
		want  string
	}{
		{ChecksumCRC32, "", "AAAAAA=="},
		{ChecksumCRC64NVME, "", "AAAAAAAAAAA="},
		{ChecksumSHA512, "", "z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="},
		{ChecksumMD5, "", "1B2M2Y8AsgTpgAmY7PhCfg=="},
		{ChecksumXXHASH64, "", "70bbN1HY6Zk="},
		{ChecksumXXHASH3, "", "LQaABTjTlMI="},
		{ChecksumXXHASH128, "", "maoG0wFHmNhgAcMkRo1Jfw=="},
		{ChecksumSHA512, "abcdefg", "1xakGIVptoqxtt+sF45XARTN8Oo6HMDjFIbD5BJBvGp2Qk6MN6sm8Jb8he+YhsjLY0GH9P3f9kX7CZ8f9UxrjA=="},
		{ChecksumMD5, "abcdefg", "esZsDxSN6VGbi9JkMSxNZA=="},
		{ChecksumXXHASH64, "abcdefg", "GGCUDikCgi0="},
		{ChecksumXXHASH3, "abcdefg", "WkDcP9RMBS8="},
		{ChecksumXXHASH128, "abcdefg", "Kq/YOGmlnDE/55jA7aptxg=="},
		{ChecksumCRC32, "test data", "0wiusg=="},
		{ChecksumCRC32C, "test data", "M3m0yg=="},
		{ChecksumCRC64NVME, "test data", "rsrzr5yYqFU="},
		{ChecksumSHA1, "test data", "9I3YU4IIYIFsddVND1hNyGMyenw="},
		{ChecksumSHA256, "test data", "kW8AJ6V1B0znKjMXd8NHjWUT94alkb2JLaGld78jNfk="},
		{ChecksumSHA512, "test data", "Dh4h7PEF7IU9JNcohnrXBhPCFmOkaTB0sqNhnBvTnWa1iMM3I7tGbHJCToDjymPCSQeKs0e6uUKFAOfuQwWdDQ=="},
		{ChecksumMD5, "test data", "63M6AMDJ0zbmVpGjerVCkw=="},
		{ChecksumXXHASH64, "test data", "+lb36/ER8bo="},
		{ChecksumXXHASH3, "test data", "jw+pSh/pbMQ="},
		{ChecksumXXHASH128, "test data", "8BLDqqIWji+ITOsp/JjN/Q=="},
	} {
		c, err := NewChecksum(tt.alg)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte(tt.input))
		if got := c.Base64(); got != tt.want {
			t.Errorf("%s(%q) = %s, want %s", tt.alg, tt.input, got, tt.want)
		}
		if c.Size() != tt.alg.Size() || !tt.alg.Valid(tt.want) {
			t.Errorf("%s: Size %d, algorithm Size %d, Valid(%s) %v", tt.alg, c.Size(), tt.alg.Size(), tt.want, tt.alg.Valid(tt.want))
		}
	}
}

func TestChecksumAlgorithmsList(t *testing.T) {
	var names []string
	for _, a := range ChecksumAlgorithms() {
		names = append(names, string(a))
		if a.Size() == 0 {
			t.Errorf("%s has no size", a)
		}
		if _, err := NewChecksum(a); err != nil {
			t.Errorf("NewChecksum(%s): %v", a, err)
		}
	}
	// The list of S3's message for an unsupported algorithm.
	if got, want := "["+strings.Join(names, ", ")+"]", "[CRC32, CRC32C, CRC64NVME, MD5, SHA1, SHA256, SHA512, XXHASH128, XXHASH3, XXHASH64]"; got != want {
		t.Errorf("ChecksumAlgorithms = %s, want %s", got, want)
	}
	for _, a := range ChecksumAlgorithms() {
		if want := a == ChecksumCRC32 || a == ChecksumCRC32C || a == ChecksumCRC64NVME; a.CRC() != want {
			t.Errorf("%s.CRC() = %v", a, a.CRC())
		}
	}
}

func checksumOf(t *testing.T, a ChecksumAlgorithm, data []byte) string {
	t.Helper()
	c, err := NewChecksum(a)
	if err != nil {
		t.Fatal(err)
	}
	c.Write(data)
	return c.Base64()
}

// A FULL_OBJECT checksum combined from the parts' CRCs equals the CRC of
// the whole, for any part sizes, empty parts included.
func TestFullObjectChecksum(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for _, a := range []ChecksumAlgorithm{ChecksumCRC32, ChecksumCRC32C, ChecksumCRC64NVME} {
		for range 30 {
			var parts []PartChecksum
			n := rng.IntN(len(data))
			whole := data[:n]
			for p := whole; ; {
				k := min(len(p), rng.IntN(n/3+2))
				if rng.IntN(10) == 0 {
					k = 0
				}
				parts = append(parts, PartChecksum{checksumOf(t, a, p[:k]), int64(k)})
				p = p[k:]
				if len(p) == 0 {
					break
				}
			}
			got, err := FullObjectChecksum(a, parts)
			if err != nil {
				t.Fatal(err)
			}
			if want := checksumOf(t, a, whole); got != want {
				t.Fatalf("%s of %d bytes in %d parts: %s, want %s", a, n, len(parts), got, want)
			}
		}
	}
	// OpenStack Swift's multipart test (checked against AWS): two parts
	// of 5 MiB of zeros with CRC32C.
	zeros := make([]byte, 5<<20)
	p := PartChecksum{checksumOf(t, ChecksumCRC32C, zeros), int64(len(zeros))}
	got, err := FullObjectChecksum(ChecksumCRC32C, []PartChecksum{p, p})
	if err != nil {
		t.Fatal(err)
	}
	if want := checksumOf(t, ChecksumCRC32C, make([]byte, 10<<20)); got != want {
		t.Errorf("two 5 MiB zero parts: %s, want %s", got, want)
	}
	if got, _ := FullObjectChecksum(ChecksumCRC64NVME, nil); got != "AAAAAAAAAAA=" {
		t.Errorf("no parts: %s", got)
	}
	if _, err := FullObjectChecksum(ChecksumSHA256, []PartChecksum{{"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", 0}}); err == nil {
		t.Error("SHA256 combined")
	}
	if _, err := FullObjectChecksum(ChecksumCRC32, []PartChecksum{{"AAAA", 0}}); err == nil {
		t.Error("a malformed part checksum combined")
	}
}

// Combining 10,000 parts, S3's most, stays cheap: about 30 ms (on the 2-core
// machine of the first measurement) when every part has a size of its own,
// 4 ms when they share one, as clients' parts do.
func BenchmarkFullObjectChecksum(b *testing.B) {
	for _, same := range []bool{true, false} {
		b.Run(map[bool]string{true: "same-size", false: "distinct-sizes"}[same], func(b *testing.B) {
			parts := make([]PartChecksum, 10000)
			for i := range parts {
				parts[i] = PartChecksum{"rsrzr5yYqFU=", 5 << 20}
				if !same {
					parts[i].Size += int64(i)
				}
			}
			for b.Loop() {
				if _, err := FullObjectChecksum(ChecksumCRC64NVME, parts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The COMPOSITE values of OpenStack Swift's tests, checked against AWS: one
// part "123456789", whose checksum the algorithm hashes again.
func TestCompositeChecksum(t *testing.T) {
	for _, tt := range []struct {
		alg  ChecksumAlgorithm
		part string
		want string
	}{
		{ChecksumCRC32, "y/Q5Jg==", "7kxlUA==-1"},
		{ChecksumCRC32C, "4waSgw==", "pzJFoA==-1"},
		{ChecksumSHA1, "98O8HYCOBHMq32eZZczDTKeuNEE=", "zGcEPHvP9e6lVmvZsfPHT9mlz10=-1"},
		{ChecksumSHA256, "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=", "KSsNAHVmgy25S/rmic1w0at3KBH9RLn0nYVQ7p6mpJQ=-1"},
	} {
		if got := checksumOf(t, tt.alg, []byte("123456789")); got != tt.part {
			t.Errorf("%s of 123456789: %s, want %s", tt.alg, got, tt.part)
		}
		got, err := CompositeChecksum(tt.alg, []string{tt.part})
		if err != nil || got != tt.want {
			t.Errorf("composite %s: %s, %v, want %s", tt.alg, got, err, tt.want)
		}
	}
	// Several parts: the digest of the concatenated digests.
	for _, a := range ChecksumAlgorithms() {
		p1, p2 := checksumOf(t, a, []byte("one")), checksumOf(t, a, []byte("two"))
		d1, _ := base64.StdEncoding.DecodeString(p1)
		d2, _ := base64.StdEncoding.DecodeString(p2)
		want := checksumOf(t, a, append(d1, d2...)) + "-2"
		if got, err := CompositeChecksum(a, []string{p1, p2}); err != nil || got != want {
			t.Errorf("composite %s of two parts: %s, %v, want %s", a, got, err, want)
		}
	}
	if _, err := CompositeChecksum(ChecksumSHA1, []string{"y/Q5Jg=="}); err == nil {
		t.Error("a part checksum of the wrong size was accepted")
	}
}
