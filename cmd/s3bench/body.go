package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"math/rand/v2"
)

const (
	// blockSize is the period of a generated body: one random block,
	// repeated, each repetition stamped with its index in its first 8
	// bytes so that no two blocks of a body are equal.
	blockSize = 1 << 20
	// maxHeldBodies bounds the memory of the bodies held for PUTs. A
	// larger body is generated as it is sent and hashed once beforehand.
	maxHeldBodies = 256 << 20
	// maxVariants is how many different bodies a PUT run cycles through.
	maxVariants = 64
)

// body is one object's content, with its SHA-256 computed once so that a
// signed PUT costs the client no hashing.
type body struct {
	size   int64
	sha256 string // hex
	data   []byte // the content, or nil when it is generated as it is sent
	block  []byte
}

// newBody makes the content of variant seed and hashes it; it holds the
// bytes unless hold is false.
func newBody(size int64, seed uint64, hold bool) *body {
	b := &body{size: size, block: randomBlock(seed, size)}
	h := sha256.New()
	if hold {
		b.data = make([]byte, size)
		io.ReadFull(b.generate(), b.data)
		h.Write(b.data)
		b.block = nil
	} else {
		buf := make([]byte, 256<<10)
		io.CopyBuffer(h, b.generate(), buf)
	}
	b.sha256 = hex.EncodeToString(h.Sum(nil))
	return b
}

// bodies returns the variants a PUT run uses: see variants.
func bodies(size int64) []*body {
	n, hold := variants(size)
	out := make([]*body, n)
	for i := range out {
		out[i] = newBody(size, uint64(i), hold)
	}
	return out
}

// variants says how many bodies of size a run cycles through, and whether
// they are held in memory: up to maxVariants within maxHeldBodies, or one
// body generated as it is sent when one alone is larger.
func variants(size int64) (n int, hold bool) {
	if size > maxHeldBodies {
		return 1, false
	}
	return int(min(max(maxHeldBodies/size, 1), maxVariants)), true
}

// reader returns the content from its first byte.
func (b *body) reader() io.Reader {
	if b.data != nil {
		return bytes.NewReader(b.data)
	}
	return b.generate()
}

func (b *body) generate() *genReader { return &genReader{block: b.block, size: b.size} }

// randomBlock returns the block of variant seed, cut short for a body
// smaller than one block.
func randomBlock(seed uint64, size int64) []byte {
	block := make([]byte, (min(size, blockSize)+7)&^7)
	r := rand.New(rand.NewPCG(seed, 0xb0d1))
	for i := 0; i < len(block); i += 8 {
		binary.LittleEndian.PutUint64(block[i:], r.Uint64())
	}
	return block
}

// genReader yields a generated body: byte i is block[i % blockSize],
// except that the first 8 bytes of each block hold the block's index.
type genReader struct {
	block []byte
	size  int64
	off   int64
}

func (r *genReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && r.off < r.size {
		k, o := r.off/blockSize, int(r.off%blockSize)
		m := int(min(int64(len(p)-n), int64(blockSize-o), r.size-r.off))
		copy(p[n:n+m], r.block[o:o+m])
		if o < 8 {
			var stamp [8]byte
			binary.LittleEndian.PutUint64(stamp[:], uint64(k))
			copy(p[n:n+min(m, 8-o)], stamp[o:])
		}
		n += m
		r.off += int64(m)
	}
	return n, nil
}
