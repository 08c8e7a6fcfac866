package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"
)

// TestGeneratedBody checks that a generated body yields the same bytes,
// and so the same precomputed SHA-256, however it is read.
func TestGeneratedBody(t *testing.T) {
	size := int64(3*blockSize + 12345)
	held, streamed := newBody(size, 5, true), newBody(size, 5, false)
	if held.sha256 != streamed.sha256 {
		t.Fatalf("held and streamed bodies hash differently: %s, %s", held.sha256, streamed.sha256)
	}
	odd, err := io.ReadAll(io.LimitReader(struct{ io.Reader }{streamed.reader()}, size+10))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(odd)
	if int64(len(odd)) != size || hex.EncodeToString(sum[:]) != held.sha256 {
		t.Fatalf("read %d bytes hashing %x; want %d hashing %s", len(odd), sum, size, held.sha256)
	}
	if !bytes.Equal(odd, held.data) {
		t.Fatal("streamed bytes differ from held bytes")
	}
	// Blocks are stamped: the first 8 bytes of block 0 and 1 differ.
	if bytes.Equal(odd[:blockSize], odd[blockSize:2*blockSize]) {
		t.Fatal("two blocks of one body are equal")
	}
	if newBody(size, 6, true).sha256 == held.sha256 {
		t.Fatal("two variants hash alike")
	}
}

func TestVariantsBounded(t *testing.T) {
	tests := []struct {
		size int64
		n    int
		hold bool
	}{
		{4 << 10, maxVariants, true},
		{64 << 20, 4, true}, // 256 MiB held
		{256 << 20, 1, true},
		{2 << 30, 1, false},
	}
	for _, tt := range tests {
		if n, hold := variants(tt.size); n != tt.n || hold != tt.hold {
			t.Errorf("variants(%d) = %d, %v; want %d, %v", tt.size, n, hold, tt.n, tt.hold)
		}
	}
	if got := len(bodies(4 << 10)); got != maxVariants {
		t.Errorf("bodies(4 KiB) made %d, want %d", got, maxVariants)
	}
}
