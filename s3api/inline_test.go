package s3api_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wicket-io/wicket/internal/testenv"
)

// Objects up to inlineMax (16 KiB) are kept in the metadata, from a PUT or
// a copy: no blob is written, and every read path serves them like any
// other object: whole, ranged, by part number, with checksums, as a copy
// source (a part copied from one is a blob, as every part is). Replacing
// one by a large object and back writes and drops exactly one blob.
func TestInlineObjects(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := context.Background()
	newBucket(t, c, "inline")
	blobs := func() int {
		n := 0
		env.Blobs.Walk(ctx, time.Now().Add(-time.Hour), func(string) error { n++; return nil })
		return n
	}
	small := []byte(strings.Repeat("0123456789", 1638)) // 16380 bytes
	put := func(key string, body []byte) {
		t.Helper()
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("inline"), Key: aws.String(key),
			Body: bytes.NewReader(body), ChecksumAlgorithm: types.ChecksumAlgorithmSha256}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(in *s3.GetObjectInput) (*s3.GetObjectOutput, []byte) {
		t.Helper()
		in.Bucket = aws.String("inline")
		out, err := c.GetObject(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		return out, b
	}
	put("k", small)
	put("empty", nil)
	if n := blobs(); n != 0 {
		t.Fatalf("%d blobs written for objects of up to 16 KiB", n)
	}
	if _, b := get(&s3.GetObjectInput{Key: aws.String("k")}); !bytes.Equal(b, small) {
		t.Fatalf("GET read %d bytes, want %d", len(b), len(small))
	}
	if _, b := get(&s3.GetObjectInput{Key: aws.String("empty")}); len(b) != 0 {
		t.Fatalf("GET of an empty object read %d bytes", len(b))
	}
	out, b := get(&s3.GetObjectInput{Key: aws.String("k"), Range: aws.String("bytes=10005-10014")})
	if string(b) != "5678901234" || aws.ToString(out.ContentRange) != "bytes 10005-10014/16380" {
		t.Fatalf("ranged GET: %q, %s", b, aws.ToString(out.ContentRange))
	}
	out, b = get(&s3.GetObjectInput{Key: aws.String("k"), PartNumber: aws.Int32(1), ChecksumMode: types.ChecksumModeEnabled})
	if !bytes.Equal(b, small) || aws.ToString(out.ChecksumSHA256) == "" {
		t.Fatalf("GET partNumber=1 with checksums: %d bytes, SHA-256 %q", len(b), aws.ToString(out.ChecksumSHA256))
	}

	// A copy of an inline source, and a part copied from one.
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("inline"), Key: aws.String("copy"),
		CopySource: aws.String("inline/k")}); err != nil {
		t.Fatal(err)
	}
	if _, b := get(&s3.GetObjectInput{Key: aws.String("copy")}); !bytes.Equal(b, small) {
		t.Fatal("copy of an inline object differs")
	}
	if n := blobs(); n != 0 {
		t.Fatalf("a copy of 16380 bytes wrote %d blobs; it is kept inline too", n)
	}
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("inline"), Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("inline"), Key: aws.String("mp"),
		UploadId: up.UploadId, PartNumber: aws.Int32(1), CopySource: aws.String("inline/k"), CopySourceRange: aws.String("bytes=0-99")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("inline"), Key: aws.String("mp"),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: pc.CopyPartResult.ETag}}}}); err != nil {
		t.Fatal(err)
	}
	if _, b := get(&s3.GetObjectInput{Key: aws.String("mp")}); !bytes.Equal(b, small[:100]) {
		t.Fatalf("part copied from an inline object: %q", b)
	}
	if n := blobs(); n != 1 {
		t.Fatalf("%d blobs after a part copied from an inline object, want 1 (parts are blobs)", n)
	}
	for _, k := range []string{"copy", "mp"} {
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("inline"), Key: aws.String(k)}); err != nil {
			t.Fatal(err)
		}
	}
	if n := blobs(); n != 0 {
		t.Fatalf("%d blobs after deleting the copy and the upload's object, want 0", n)
	}

	// Inline → blob → inline.
	large := bytes.Repeat([]byte("L"), 16385)
	put("k", large)
	if n := blobs(); n != 1 {
		t.Fatalf("%d blobs after replacing inline data by 16385 bytes, want 1", n)
	}
	if _, b := get(&s3.GetObjectInput{Key: aws.String("k")}); !bytes.Equal(b, large) {
		t.Fatal("GET of the large object differs")
	}
	put("k", small)
	if n := blobs(); n != 0 {
		t.Fatalf("%d blobs after replacing a blob by inline data, want 0", n)
	}
	if _, b := get(&s3.GetObjectInput{Key: aws.String("k")}); !bytes.Equal(b, small) {
		t.Fatal("GET after the second replacement differs")
	}
}
