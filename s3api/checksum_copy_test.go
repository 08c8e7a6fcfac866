package s3api_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wicket-io/wicket/internal/testenv"
)

// CopyObject keeps the source's checksum, or computes the one asked for
// over the copy; UploadPartCopy computes the upload's algorithm over the
// range copied.
func TestChecksumCopy(t *testing.T) {
	env := testenv.New(t)
	c := env.S3(noSDKChecksums)
	ctx := t.Context()
	newBucket(t, c, "copies")
	data := randomBytes(100_000)
	crc32c := stdSum(types.ChecksumAlgorithmCrc32c, data)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("copies"), Key: aws.String("src"), Body: bytes.NewReader(data), ChecksumCRC32C: aws.String(crc32c)}); err != nil {
		t.Fatal(err)
	}
	head := func(key string) *s3.HeadObjectOutput {
		t.Helper()
		h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("copies"), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}

	kept, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("copies"), Key: aws.String("kept"), CopySource: aws.String("copies/src")})
	if err != nil {
		t.Fatal(err)
	}
	r := kept.CopyObjectResult
	if got := checksumsOf(r); len(got) != 1 || got[types.ChecksumAlgorithmCrc32c] != crc32c || r.ChecksumType != types.ChecksumTypeFullObject {
		t.Errorf("CopyObject returned %v %s, want the source's CRC32C", got, r.ChecksumType)
	}
	if h := head("kept"); aws.ToString(h.ChecksumCRC32C) != crc32c {
		t.Errorf("the copy has %v", checksumsOf(h))
	}

	sha := stdSum(types.ChecksumAlgorithmSha256, data)
	replaced, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("copies"), Key: aws.String("sha"), CopySource: aws.String("copies/src"),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256})
	if err != nil {
		t.Fatal(err)
	}
	r = replaced.CopyObjectResult
	if got := checksumsOf(r); len(got) != 1 || got[types.ChecksumAlgorithmSha256] != sha || r.ChecksumType != types.ChecksumTypeFullObject {
		t.Errorf("CopyObject with SHA256 returned %v %s, want %s", got, r.ChecksumType, sha)
	}
	if h := head("sha"); len(checksumsOf(h)) != 1 || aws.ToString(h.ChecksumSHA256) != sha {
		t.Errorf("the copy has %v", checksumsOf(h))
	}

	// Onto itself, changing only the algorithm.
	md5 := stdSum(types.ChecksumAlgorithmMd5, data)
	self, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("copies"), Key: aws.String("sha"), CopySource: aws.String("copies/sha"),
		ChecksumAlgorithm: types.ChecksumAlgorithmMd5})
	if err != nil {
		t.Fatalf("CopyObject onto itself with another checksum: %v", err)
	}
	if got := checksumsOf(self.CopyObjectResult); len(got) != 1 || got[types.ChecksumAlgorithmMd5] != md5 {
		t.Errorf("CopyObject onto itself returned %v, want MD5 %s", got, md5)
	}

	// A COMPOSITE checksum cannot describe the copy, one part: the copy
	// gets the same algorithm over its whole bytes, FULL_OBJECT, as S3's.
	create, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("copies"), Key: aws.String("mpu"), ChecksumAlgorithm: types.ChecksumAlgorithmSha1})
	if err != nil {
		t.Fatal(err)
	}
	parts := mpuParts()[1:]
	done := uploadParts(t, c, "copies", "mpu", aws.ToString(create.UploadId), types.ChecksumAlgorithmSha1, 1, parts)
	res, err := complete(c, t, "copies", "mpu", aws.ToString(create.UploadId), done)
	if err != nil {
		t.Fatal(err)
	}
	mcopy, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("copies"), Key: aws.String("mpu-copy"), CopySource: aws.String("copies/mpu")})
	if err != nil {
		t.Fatal(err)
	}
	r = mcopy.CopyObjectResult
	whole := stdSum(types.ChecksumAlgorithmSha1, bytes.Join(parts, nil))
	if aws.ToString(r.ChecksumSHA1) != whole || r.ChecksumType != types.ChecksumTypeFullObject || !strings.HasSuffix(aws.ToString(res.ChecksumSHA1), "-2") {
		t.Errorf("CopyObject of a COMPOSITE object (%s) returned %v %s, want FULL_OBJECT %s", aws.ToString(res.ChecksumSHA1), checksumsOf(r), r.ChecksumType, whole)
	}
	mhead, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("copies"), Key: aws.String("mpu-copy"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil || aws.ToString(mhead.ChecksumSHA1) != whole || mhead.ChecksumType != types.ChecksumTypeFullObject {
		t.Errorf("HEAD of the copy: %v %s %v, want FULL_OBJECT %s", aws.ToString(mhead.ChecksumSHA1), mhead.ChecksumType, err, whole)
	}

	// UploadPartCopy: the upload's algorithm over the range.
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("copies"), Key: aws.String("parts"), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("copies"), Key: aws.String("parts"), UploadId: up.UploadId, PartNumber: aws.Int32(1),
		CopySource: aws.String("copies/src"), CopySourceRange: aws.String("bytes=10-1009")})
	if err != nil {
		t.Fatal(err)
	}
	if got := checksumsOf(pc.CopyPartResult); len(got) != 1 || got[types.ChecksumAlgorithmCrc32] != stdSum(types.ChecksumAlgorithmCrc32, data[10:1010]) {
		t.Errorf("UploadPartCopy into a CRC32 upload returned %v", got)
	}
	// An upload without a checksum shows none for its parts.
	plain, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("copies"), Key: aws.String("plain")})
	if err != nil {
		t.Fatal(err)
	}
	pc, err = c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("copies"), Key: aws.String("plain"), UploadId: plain.UploadId, PartNumber: aws.Int32(1), CopySource: aws.String("copies/src")})
	if err != nil {
		t.Fatal(err)
	}
	if got := checksumsOf(pc.CopyPartResult); len(got) != 0 {
		t.Errorf("UploadPartCopy into an upload without a checksum returned %v", got)
	}
	fin, err := complete(c, t, "copies", "plain", aws.ToString(plain.UploadId), []types.CompletedPart{{ETag: pc.CopyPartResult.ETag, PartNumber: aws.Int32(1)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(fin.ChecksumCRC64NVME); got != stdSum(types.ChecksumAlgorithmCrc64nvme, data) {
		t.Errorf("an upload of a copied part completed with CRC64NVME %q", got)
	}
}
