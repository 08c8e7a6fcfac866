package s3api_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"math/bits"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wicket-io/wicket/internal/testenv"
)

// stdSum is the checksum alg of data computed with the standard library
// alone, independently of sigv4's.
func stdSum(alg types.ChecksumAlgorithm, data []byte) string {
	var h hash.Hash
	switch alg {
	case types.ChecksumAlgorithmCrc32:
		h = crc32.NewIEEE()
	case types.ChecksumAlgorithmCrc32c:
		h = crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case types.ChecksumAlgorithmCrc64nvme:
		sum := crc64.Checksum(data, crc64.MakeTable(bits.Reverse64(0xad93d23594c93659)))
		return base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint64(nil, sum))
	case types.ChecksumAlgorithmMd5:
		h = md5.New()
	case types.ChecksumAlgorithmSha1:
		h = sha1.New()
	case types.ChecksumAlgorithmSha256:
		h = sha256.New()
	case types.ChecksumAlgorithmSha512:
		h = sha512.New()
	default:
		panic("no standard library hash for " + alg)
	}
	h.Write(data)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func mpuParts() [][]byte {
	return [][]byte{randomBytes(5 << 20), randomBytes(5 << 20), randomBytes(1234)}
}

// uploadParts uploads parts, numbered from first, with their checksum alg
// (none for "") and returns what CompleteMultipartUpload takes, with the
// checksums.
func uploadParts(t *testing.T, c *s3.Client, bucket, key, id string, alg types.ChecksumAlgorithm, first int, parts [][]byte) []types.CompletedPart {
	t.Helper()
	var done []types.CompletedPart
	for i, p := range parts {
		n := int32(first + i)
		in := &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(id), PartNumber: aws.Int32(n), Body: bytes.NewReader(p)}
		sum := ""
		if alg != "" {
			sum = stdSum(alg, p)
			setChecksum(in, alg, sum)
		}
		out, err := c.UploadPart(t.Context(), in)
		if err != nil {
			t.Fatalf("UploadPart %d: %v", n, err)
		}
		if alg != "" && getChecksum(out, alg) != sum {
			t.Fatalf("UploadPart %d returned %v, want %s %s", n, checksumsOf(out), alg, sum)
		}
		cp := types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(n)}
		if alg != "" {
			setChecksum(&cp, alg, sum)
		}
		done = append(done, cp)
	}
	return done
}

func complete(c *s3.Client, t *testing.T, bucket, key, id string, parts []types.CompletedPart, opt ...func(*s3.CompleteMultipartUploadInput)) (*s3.CompleteMultipartUploadOutput, error) {
	in := &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(id),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}
	for _, o := range opt {
		o(in)
	}
	return c.CompleteMultipartUpload(t.Context(), in)
}

// A COMPOSITE upload: its parts must carry its algorithm, ListParts and
// ListMultipartUploads show it, CompleteMultipartUpload checks the parts'
// checksums and the final one, and the object's checksum is the algorithm
// over the parts' digests, "-N", returned whole and per part.
func TestChecksumMultipartComposite(t *testing.T) {
	env := testenv.New(t)
	c := env.S3(noSDKChecksums)
	ctx := t.Context()
	newBucket(t, c, "mpc")
	parts := mpuParts()
	for _, alg := range []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc32c, types.ChecksumAlgorithmSha256, types.ChecksumAlgorithmMd5} {
		lower := strings.ToLower(string(alg))
		key := "c-" + string(alg)
		create, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpc"), Key: aws.String(key), ChecksumAlgorithm: alg})
		if err != nil {
			t.Fatal(err)
		}
		if create.ChecksumAlgorithm != alg || create.ChecksumType != types.ChecksumTypeComposite {
			t.Fatalf("%s: CreateMultipartUpload returned %s %s, want COMPOSITE by default", alg, create.ChecksumAlgorithm, create.ChecksumType)
		}
		id := aws.ToString(create.UploadId)

		// A part without a checksum, or with another algorithm's.
		_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpc"), Key: aws.String(key), UploadId: create.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(parts[2])})
		if want := "Checksum Type mismatch occurred, expected checksum Type: " + lower + ", actual checksum Type: null"; apiMessage(err) != want {
			t.Errorf("%s: UploadPart without a checksum: %v", alg, err)
		}
		_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpc"), Key: aws.String(key), UploadId: create.UploadId, PartNumber: aws.Int32(1),
			Body: bytes.NewReader(parts[2]), ChecksumSHA1: aws.String(stdSum(types.ChecksumAlgorithmSha1, parts[2]))})
		if want := "Checksum Type mismatch occurred, expected checksum Type: " + lower + ", actual checksum Type: sha1"; apiMessage(err) != want {
			t.Errorf("%s: UploadPart with SHA1: %v", alg, err)
		}

		done := uploadParts(t, c, "mpc", key, id, alg, 1, parts)
		var digests []byte
		for _, p := range parts {
			digests = append(digests, mustDecode(t, stdSum(alg, p))...)
		}
		want := stdSum(alg, digests) + "-3"

		lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpc"), Key: aws.String(key), UploadId: create.UploadId})
		if err != nil {
			t.Fatal(err)
		}
		if lp.ChecksumAlgorithm != alg || lp.ChecksumType != types.ChecksumTypeComposite || len(lp.Parts) != 3 {
			t.Fatalf("%s: ListParts %s %s, %d parts", alg, lp.ChecksumAlgorithm, lp.ChecksumType, len(lp.Parts))
		}
		for i, p := range lp.Parts {
			if got := checksumsOf(&p); len(got) != 1 || got[alg] != stdSum(alg, parts[i]) {
				t.Errorf("%s: ListParts part %d: %v", alg, i+1, got)
			}
		}
		lu, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mpc"), Prefix: aws.String(key)})
		if err != nil || len(lu.Uploads) != 1 || lu.Uploads[0].ChecksumAlgorithm != alg || lu.Uploads[0].ChecksumType != types.ChecksumTypeComposite {
			t.Fatalf("%s: ListMultipartUploads %+v, %v", alg, lu.Uploads, err)
		}

		// CompleteMultipartUpload's checks, in S3's words.
		missing := append([]types.CompletedPart(nil), done...)
		missing[1] = types.CompletedPart{ETag: done[1].ETag, PartNumber: done[1].PartNumber}
		_, err = complete(c, t, "mpc", key, id, missing)
		if want := "The upload was created using a " + lower + " checksum. The complete request must include the checksum for each part. It was missing for part 2 in the request."; apiMessage(err) != want {
			t.Errorf("%s: a part without its checksum: %v", alg, err)
		}
		other := append([]types.CompletedPart(nil), done...)
		other[0] = types.CompletedPart{ETag: done[0].ETag, PartNumber: done[0].PartNumber, ChecksumCRC32: aws.String("AAAAAA==")}
		_, err = complete(c, t, "mpc", key, id, other)
		if apiCode(err) != "BadDigest" || apiMessage(err) != "The crc32 you specified for part 1 did not match what we received." {
			t.Errorf("%s: a part with another algorithm's checksum: %v", alg, err)
		}
		wrong := append([]types.CompletedPart(nil), done...)
		wrong[2] = types.CompletedPart{ETag: done[2].ETag, PartNumber: done[2].PartNumber}
		setChecksum(&wrong[2], alg, stdSum(alg, parts[0]))
		if _, err := complete(c, t, "mpc", key, id, wrong); apiCode(err) != "InvalidPart" {
			t.Errorf("%s: a part with a wrong checksum: %v", alg, err)
		}
		_, err = complete(c, t, "mpc", key, id, done, func(in *s3.CompleteMultipartUploadInput) { setChecksum(in, alg, stdSum(alg, parts[0])+"-3") })
		if apiCode(err) != "BadDigest" || apiMessage(err) != "The "+lower+" you specified did not match the calculated checksum." {
			t.Errorf("%s: a wrong final checksum: %v", alg, err)
		}
		_, err = complete(c, t, "mpc", key, id, done, func(in *s3.CompleteMultipartUploadInput) { in.ChecksumType = types.ChecksumTypeFullObject })
		if apiMessage(err) != "The upload was created using the COMPOSITE checksum mode. The complete request must use the same checksum mode." {
			t.Errorf("%s: another checksum type: %v", alg, err)
		}

		res, err := complete(c, t, "mpc", key, id, done, func(in *s3.CompleteMultipartUploadInput) { setChecksum(in, alg, want) })
		if err != nil {
			t.Fatalf("%s: CompleteMultipartUpload: %v", alg, err)
		}
		if got := checksumsOf(res); len(got) != 1 || got[alg] != want || res.ChecksumType != types.ChecksumTypeComposite {
			t.Errorf("%s: CompleteMultipartUpload returned %v %s, want %s COMPOSITE", alg, got, res.ChecksumType, want)
		}
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("mpc"), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil || getChecksum(head, alg) != want || head.ChecksumType != types.ChecksumTypeComposite {
			t.Errorf("%s: HeadObject %v %s, %v", alg, checksumsOf(head), head.ChecksumType, err)
		}
		// A part has its own checksum; a range has none.
		for pn, p := range parts {
			get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mpc"), Key: aws.String(key), PartNumber: aws.Int32(int32(pn + 1)), ChecksumMode: types.ChecksumModeEnabled})
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, get.Body)
			get.Body.Close()
			if got := checksumsOf(get); len(got) != 1 || got[alg] != stdSum(alg, p) {
				t.Errorf("%s: GetObject part %d: %v", alg, pn+1, got)
			}
		}
		rng, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("mpc"), Key: aws.String(key), Range: aws.String("bytes=1-"), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil || len(checksumsOf(rng)) != 0 {
			t.Errorf("%s: HeadObject of a range: %v, %v", alg, checksumsOf(rng), err)
		}
	}
}

// A FULL_OBJECT upload: the object's checksum is the CRC of the whole,
// combined from the parts' CRCs; a part sent without one gets it computed.
func TestChecksumMultipartFullObject(t *testing.T) {
	env := testenv.New(t)
	c := env.S3(noSDKChecksums)
	ctx := t.Context()
	newBucket(t, c, "mpf")
	parts := mpuParts()
	whole := bytes.Join(parts, nil)
	for _, alg := range []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmCrc32c, types.ChecksumAlgorithmCrc64nvme} {
		key := "f-" + string(alg)
		create, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpf"), Key: aws.String(key),
			ChecksumAlgorithm: alg, ChecksumType: types.ChecksumTypeFullObject})
		if err != nil {
			t.Fatal(err)
		}
		if create.ChecksumType != types.ChecksumTypeFullObject {
			t.Fatalf("%s: CreateMultipartUpload returned type %s", alg, create.ChecksumType)
		}
		id := aws.ToString(create.UploadId)
		done := uploadParts(t, c, "mpf", key, id, alg, 1, parts[:2])
		// The last part without a checksum: S3 computes it.
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpf"), Key: aws.String(key), UploadId: create.UploadId, PartNumber: aws.Int32(3), Body: bytes.NewReader(parts[2])})
		if err != nil {
			t.Fatal(err)
		}
		if got := getChecksum(out, alg); got != stdSum(alg, parts[2]) {
			t.Errorf("%s: a part without a checksum got %q", alg, got)
		}
		done = append(done, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(3)}) // FULL_OBJECT needs no part checksums

		want := stdSum(alg, whole)
		_, err = complete(c, t, "mpf", key, id, done, func(in *s3.CompleteMultipartUploadInput) { setChecksum(in, alg, stdSum(alg, parts[0])) })
		if apiCode(err) != "BadDigest" || apiMessage(err) != "The "+strings.ToLower(string(alg))+" you specified did not match the calculated checksum." {
			t.Errorf("%s: a wrong final checksum: %v", alg, err)
		}
		res, err := complete(c, t, "mpf", key, id, done, func(in *s3.CompleteMultipartUploadInput) {
			setChecksum(in, alg, want)
			in.ChecksumType = types.ChecksumTypeFullObject
		})
		if err != nil {
			t.Fatalf("%s: CompleteMultipartUpload: %v", alg, err)
		}
		if got := checksumsOf(res); len(got) != 1 || got[alg] != want || res.ChecksumType != types.ChecksumTypeFullObject {
			t.Errorf("%s: CompleteMultipartUpload returned %v %s, want %s FULL_OBJECT", alg, got, res.ChecksumType, want)
		}
		get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mpf"), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(get.Body) // the SDK checks the full-object CRC as it reads
		get.Body.Close()
		if err != nil || !bytes.Equal(body, whole) || getChecksum(get, alg) != want || get.ChecksumType != types.ChecksumTypeFullObject {
			t.Errorf("%s: GetObject %v %s, %v", alg, checksumsOf(get), get.ChecksumType, err)
		}
	}
}

// An upload created without a checksum gets the default: CRC64NVME of the
// whole object, FULL_OBJECT. Its parts show no checksum of their own, a
// checksum of the object in the completion is ignored (or refused for the
// newer algorithms), and part checksums in it do not match.
func TestChecksumMultipartDefault(t *testing.T) {
	env := testenv.New(t)
	c := env.S3(noSDKChecksums)
	ctx := t.Context()
	newBucket(t, c, "mpd")
	parts := mpuParts()
	create, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpd"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if create.ChecksumAlgorithm != "" || create.ChecksumType != "" {
		t.Errorf("CreateMultipartUpload returned %s %s", create.ChecksumAlgorithm, create.ChecksumType)
	}
	id := aws.ToString(create.UploadId)
	// A part may carry any checksum, checked and returned, not kept.
	done := uploadParts(t, c, "mpd", "k", id, types.ChecksumAlgorithmSha1, 1, parts[:1])
	done = append(done, uploadParts(t, c, "mpd", "k", id, "", 2, parts[1:])...)
	done[0].ChecksumSHA1 = nil

	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpd"), Key: aws.String("k"), UploadId: create.UploadId})
	if err != nil {
		t.Fatal(err)
	}
	if lp.ChecksumAlgorithm != "null" || lp.ChecksumType != "null" {
		t.Errorf("ListParts: %s %s, want null null", lp.ChecksumAlgorithm, lp.ChecksumType)
	}
	for _, p := range lp.Parts {
		if got := checksumsOf(&p); len(got) != 0 {
			t.Errorf("ListParts part %d: %v", aws.ToInt32(p.PartNumber), got)
		}
	}

	withPartSum := append([]types.CompletedPart(nil), done...)
	withPartSum[0].ChecksumSHA1 = aws.String(stdSum(types.ChecksumAlgorithmSha1, parts[0]))
	if _, err := complete(c, t, "mpd", "k", id, withPartSum); apiCode(err) != "InvalidPart" {
		t.Errorf("a part checksum in the completion: %v", err)
	}
	_, err = complete(c, t, "mpd", "k", id, done, func(in *s3.CompleteMultipartUploadInput) { in.ChecksumXXHASH3 = aws.String("LQaABTjTlMI=") })
	if apiMessage(err) != "Checksum Type mismatch occurred, expected checksum Type: null, actual checksum Type: xxhash3" {
		t.Errorf("an XXHASH3 object checksum: %v", err)
	}
	res, err := complete(c, t, "mpd", "k", id, done, func(in *s3.CompleteMultipartUploadInput) { in.ChecksumCRC64NVME = aws.String("vqf3hRLTlJw=") })
	if err != nil {
		t.Fatalf("CompleteMultipartUpload with a CRC64NVME to ignore: %v", err)
	}
	want := stdSum(types.ChecksumAlgorithmCrc64nvme, bytes.Join(parts, nil))
	if got := checksumsOf(res); len(got) != 1 || got[types.ChecksumAlgorithmCrc64nvme] != want || res.ChecksumType != types.ChecksumTypeFullObject {
		t.Errorf("CompleteMultipartUpload returned %v %s, want CRC64NVME %s FULL_OBJECT", got, res.ChecksumType, want)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("mpd"), Key: aws.String("k"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil || aws.ToString(head.ChecksumCRC64NVME) != want || head.ChecksumType != types.ChecksumTypeFullObject {
		t.Errorf("HeadObject %v %s, %v", checksumsOf(head), head.ChecksumType, err)
	}
	part, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("mpd"), Key: aws.String("k"), PartNumber: aws.Int32(1), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil || len(checksumsOf(part)) != 0 {
		t.Errorf("HeadObject of part 1: %v, %v", checksumsOf(part), err)
	}
}
