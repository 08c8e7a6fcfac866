package s3api_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wicket-io/wicket/internal/testenv"
)

// GetObjectAttributes answers the attributes asked for: a simple object's
// ETag (unquoted), size, storage class and checksum; a multipart object's
// parts, paged; and S3's errors for a missing or unknown attribute name
// (checked before the object is looked up) and a missing key.
func TestGetObjectAttributes(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := context.Background()
	newBucket(t, c, "attrs")
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("attrs"), Key: aws.String("simple"),
		Body: strings.NewReader("some bytes"), ChecksumAlgorithm: types.ChecksumAlgorithmSha256})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String("attrs"), Key: aws.String("simple"),
		ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesEtag, types.ObjectAttributesObjectSize,
			types.ObjectAttributesStorageClass, types.ObjectAttributesChecksum, types.ObjectAttributesObjectParts}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.ETag) != strings.Trim(aws.ToString(put.ETag), `"`) || aws.ToInt64(out.ObjectSize) != 10 ||
		out.StorageClass != types.StorageClassStandard || out.LastModified == nil {
		t.Fatalf("simple object: ETag %q, size %d, class %q, modified %v", aws.ToString(out.ETag), aws.ToInt64(out.ObjectSize), out.StorageClass, out.LastModified)
	}
	if out.Checksum == nil || aws.ToString(out.Checksum.ChecksumSHA256) != aws.ToString(put.ChecksumSHA256) || out.Checksum.ChecksumType != types.ChecksumTypeFullObject {
		t.Fatalf("simple object checksum: %+v, want SHA-256 %s", out.Checksum, aws.ToString(put.ChecksumSHA256))
	}
	if out.ObjectParts != nil {
		t.Fatalf("a simple object has parts: %+v", out.ObjectParts)
	}
	only, err := c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String("attrs"), Key: aws.String("simple"),
		ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesObjectSize}})
	if err != nil || only.ETag != nil || only.Checksum != nil || aws.ToInt64(only.ObjectSize) != 10 {
		t.Fatalf("asking for the size alone: %+v, %v", only, err)
	}

	// A multipart object of three parts with CRC32 checksums.
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("attrs"), Key: aws.String("mp"),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatal(err)
	}
	var parts []types.CompletedPart
	for i, size := range []int{5 << 20, 5 << 20, 100} {
		p, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("attrs"), Key: aws.String("mp"), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(bytes.Repeat([]byte{byte('a' + i)}, size)),
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: p.ETag, ChecksumCRC32: p.ChecksumCRC32})
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("attrs"), Key: aws.String("mp"),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	// The composite checksum comes without the part count GET and HEAD
	// append, as S3 gives it.
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("attrs"), Key: aws.String("mp"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil || !strings.HasSuffix(aws.ToString(head.ChecksumCRC32), "-3") {
		t.Fatalf("HEAD of the multipart object: %v %v, want a composite CRC32 ending -3", aws.ToString(head.ChecksumCRC32), err)
	}
	sum, err := c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String("attrs"), Key: aws.String("mp"),
		ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesChecksum}})
	if want := strings.TrimSuffix(aws.ToString(head.ChecksumCRC32), "-3"); err != nil || sum.Checksum == nil ||
		aws.ToString(sum.Checksum.ChecksumCRC32) != want || sum.Checksum.ChecksumType != types.ChecksumTypeComposite {
		t.Fatalf("GetObjectAttributes Checksum of the multipart object: %+v %v, want COMPOSITE %s", sum.Checksum, err, want)
	}
	mp, err := c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String("attrs"), Key: aws.String("mp"),
		ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesObjectParts}, MaxParts: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	op := mp.ObjectParts
	if op == nil || aws.ToInt32(op.TotalPartsCount) != 3 || !aws.ToBool(op.IsTruncated) || len(op.Parts) != 2 ||
		aws.ToString(op.NextPartNumberMarker) != "2" || aws.ToInt64(op.Parts[1].Size) != 5<<20 ||
		aws.ToString(op.Parts[0].ChecksumCRC32) != aws.ToString(parts[0].ChecksumCRC32) {
		t.Fatalf("first page of parts: %+v", op)
	}
	mp, err = c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String("attrs"), Key: aws.String("mp"),
		ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesObjectParts}, PartNumberMarker: op.NextPartNumberMarker})
	if err != nil || len(mp.ObjectParts.Parts) != 1 || aws.ToInt32(mp.ObjectParts.Parts[0].PartNumber) != 3 || aws.ToBool(mp.ObjectParts.IsTruncated) {
		t.Fatalf("second page of parts: %+v, %v", mp.ObjectParts, err)
	}

	for _, tc := range []struct {
		name  string
		key   string
		attrs []types.ObjectAttributes
		want  string
	}{
		{"unknown attribute", "simple", []types.ObjectAttributes{"ETag", "Colour"}, "InvalidArgument"},
		{"unknown attribute of a missing key", "missing", []types.ObjectAttributes{"Colour"}, "InvalidArgument"},
		{"missing key", "missing", []types.ObjectAttributes{"ETag"}, "NoSuchKey"},
	} {
		_, err := c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String("attrs"), Key: aws.String(tc.key), ObjectAttributes: tc.attrs})
		if apiCode(err) != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}
	// Without the header (the SDK refuses to send that).
	resp, err := env.Client().Do(signed(t, "GET", env.URL+"/attrs/simple?attributes", nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if code := errorCode(t, resp); resp.StatusCode != 400 || code != "InvalidRequest" {
		t.Errorf("no x-amz-object-attributes: %d %s, want 400 InvalidRequest", resp.StatusCode, code)
	}
}
