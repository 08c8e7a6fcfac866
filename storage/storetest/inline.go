package storetest

import (
	"strings"
	"testing"

	"github.com/wicket-io/wicket"
)

// testInlineData: a segment that carries its bytes (Segment.Data) round
// trips byte for byte, binary and empty alike; it is no blob, so Blobs
// never reports it and replacing or deleting its object drops nothing,
// while replacing an inline object by a blob object and back drops only
// the blob.
func testInlineData(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "b")
	binary := string([]byte{0, 1, 2, 0xff, 0xfe, '"', '\\', 0x80}) + strings.Repeat("x", 5000)
	for _, data := range []string{binary, ""} {
		o := &wicket.Object{Bucket: "b", Key: "small", Size: int64(len(data)), ETag: "e", Modified: testTime,
			Segments: []wicket.Segment{{Data: data, Size: int64(len(data))}}}
		if dropped := putObject(t, s, o); len(dropped) != 0 {
			t.Fatalf("replacing an inline object dropped %v", dropped)
		}
		got, err := s.GetObject(ctx, "b", "small")
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Segments) != 1 || got.Segments[0].Data != data || got.Segments[0].Blob != "" || got.Segments[0].Size != int64(len(data)) {
			t.Fatalf("inline segment of %d bytes read back as %d bytes, blob %q", len(data), len(got.Segments[0].Data), got.Segments[0].Blob)
		}
	}
	if err := s.Blobs(ctx, func(id string) error {
		t.Errorf("Blobs reported %q for an inline object", id)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Inline → blob → inline: only the blob is dropped.
	big := object("b", "small")
	if dropped := putObject(t, s, big); len(dropped) != 0 {
		t.Fatalf("replacing inline data by a blob dropped %v", dropped)
	}
	back := &wicket.Object{Bucket: "b", Key: "small", Size: 1, ETag: "e", Modified: testTime,
		Segments: []wicket.Segment{{Data: "z", Size: 1}}}
	dropped := putObject(t, s, back)
	if len(dropped) != 1 || dropped[0].Blob != big.Segments[0].Blob {
		t.Fatalf("replacing a blob by inline data dropped %v, want the blob", dropped)
	}
	dropped, err := s.DeleteObject(ctx, "b", "small", wicket.Precondition{})
	if err != nil || len(dropped) != 0 {
		t.Fatalf("deleting an inline object: dropped %v, %v", dropped, err)
	}
}
