package s3api_test

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wicket-io/wicket/internal/testenv"
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// The transfer manager splits a 64 MiB body into parts uploaded in
// parallel; the object reads back identical with a multipart ETag.
func TestTransferManagerUpload(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	newBucket(t, c, "big")
	body := randomBytes(64 << 20)
	tm := transfermanager.New(c, func(o *transfermanager.Options) { o.PartSizeBytes = 8 << 20; o.Concurrency = 4 })
	res, err := tm.UploadObject(ctx, &transfermanager.UploadObjectInput{Bucket: aws.String("big"), Key: aws.String("blob.bin"), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if !strings.HasSuffix(aws.ToString(res.ETag), `-8"`) {
		t.Fatalf("ETag %s: want a multipart ETag of 8 parts", aws.ToString(res.ETag))
	}
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("big"), Key: aws.String("blob.bin")})
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(got.Body)
	got.Body.Close()
	if err != nil || !bytes.Equal(data, body) {
		t.Fatalf("read back %d bytes (err %v), equal=%v", len(data), err, bytes.Equal(data, body))
	}
	// A range across a part boundary, and one part by number.
	rng, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("big"), Key: aws.String("blob.bin"), Range: aws.String("bytes=8388600-8388615")})
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(rng.Body)
	if !bytes.Equal(part, body[8388600:8388616]) {
		t.Fatal("range across a part boundary read wrong bytes")
	}
	p3, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("big"), Key: aws.String("blob.bin"), PartNumber: aws.Int32(3)})
	if err != nil {
		t.Fatal(err)
	}
	part, _ = io.ReadAll(p3.Body)
	if !bytes.Equal(part, body[16<<20:24<<20]) || aws.ToInt32(p3.PartsCount) != 8 {
		t.Fatalf("partNumber=3: %d bytes, parts count %d", len(part), aws.ToInt32(p3.PartsCount))
	}
}

func TestMultipartAPI(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	newBucket(t, c, "mpu")
	create, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("k"), ContentType: aws.String("video/mp4")})
	if err != nil {
		t.Fatal(err)
	}
	id := create.UploadId
	part1, part2 := randomBytes(5<<20), []byte("tail")
	var etags []string
	for i, p := range [][]byte{part1, part2} {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("k"), UploadId: id, PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
		etags = append(etags, aws.ToString(out.ETag))
	}
	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String("k"), UploadId: id})
	if err != nil || len(lp.Parts) != 2 || aws.ToInt64(lp.Parts[1].Size) != 4 {
		t.Fatalf("ListParts = %+v, %v", lp, err)
	}
	lu, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mpu")})
	if err != nil || len(lu.Uploads) != 1 || aws.ToString(lu.Uploads[0].UploadId) != aws.ToString(id) {
		t.Fatalf("ListMultipartUploads = %+v, %v", lu, err)
	}
	complete := func(parts ...types.CompletedPart) error {
		_, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("k"), UploadId: id,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
		return err
	}
	cp := func(n int32, etag string) types.CompletedPart {
		return types.CompletedPart{PartNumber: aws.Int32(n), ETag: aws.String(etag)}
	}
	// Each part's fields are checked before the order of the list.
	if err := complete(cp(2, etags[1]), cp(-4, etags[0])); apiCode(err) != "InvalidArgument" || apiMessage(err) != "PartNumber must be >= 1" {
		t.Fatalf("part number -4: %v", err)
	}
	path := "/mpu/k?uploadId=" + aws.ToString(id)
	for _, body := range []string{
		`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>`,
		`<CompleteMultipartUpload><Part><ETag>` + etags[0] + `</ETag></Part></CompleteMultipartUpload>`,
	} {
		if resp, data := signedRequest(t, env, "POST", path, []byte(body), nil); resp.StatusCode != 400 || !strings.Contains(string(data), "<Code>MalformedXML</Code>") {
			t.Fatalf("%s: %d %s", body, resp.StatusCode, data)
		}
	}
	if err := complete(cp(2, etags[1]), cp(1, etags[0])); apiCode(err) != "InvalidPartOrder" {
		t.Fatalf("parts out of order: %v", err)
	}
	unordered := `<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>` + etags[1] + `</ETag></Part>` +
		`<Part><PartNumber>1</PartNumber><ETag>` + etags[0] + `</ETag></Part></CompleteMultipartUpload>`
	if _, data := signedRequest(t, env, "POST", path, []byte(unordered), nil); !strings.Contains(string(data), "<UploadId>"+aws.ToString(id)+"</UploadId>") {
		t.Errorf("InvalidPartOrder does not name the upload: %s", data)
	}
	// No document at all (an SDK given no parts) is not MalformedXML.
	if resp, data := signedRequest(t, env, "POST", path, nil, nil); resp.StatusCode != 400 ||
		!strings.Contains(string(data), "<Code>InvalidRequest</Code><Message>You must specify at least one part</Message>") {
		t.Errorf("Complete without a body: %d %s", resp.StatusCode, data)
	}
	for _, n := range []string{"-1", "0", "10001", "x"} {
		resp, data := signedRequest(t, env, "PUT", "/mpu/k?partNumber="+n+"&uploadId="+aws.ToString(id), []byte("part"), nil)
		if resp.StatusCode != 400 || !strings.Contains(string(data), "<ArgumentName>partNumber</ArgumentName><ArgumentValue>"+n+"</ArgumentValue>") {
			t.Errorf("UploadPart partNumber=%s: %d %s", n, resp.StatusCode, data)
		}
	}
	if err := complete(cp(1, etags[0]), cp(3, etags[1])); apiCode(err) != "InvalidPart" {
		t.Fatalf("missing part: %v", err)
	}
	if err := complete(cp(1, `"0000"`)); apiCode(err) != "InvalidPart" {
		t.Fatalf("wrong etag: %v", err)
	}
	// x-amz-mp-object-size, when sent, must be the sum of the parts.
	size := int64(len(part1) + len(part2))
	for _, tc := range []struct {
		size    int64
		message string
	}{
		{-1, "Value for x-amz-mp-object-size header is less than zero: '-1'"},
		{size + 1, fmt.Sprintf("The provided 'x-amz-mp-object-size' header value %d does not match what was computed: %d", size+1, size)},
	} {
		_, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("k"), UploadId: id, MpuObjectSize: aws.Int64(tc.size),
			MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{cp(1, etags[0]), cp(2, etags[1])}}})
		if apiCode(err) != "InvalidRequest" || apiMessage(err) != tc.message {
			t.Fatalf("x-amz-mp-object-size %d: %v", tc.size, err)
		}
	}
	done, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("k"), UploadId: id, MpuObjectSize: aws.Int64(size),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{cp(1, etags[0]), cp(2, etags[1])}}})
	if err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	if got := aws.ToString(done.Location); got != env.URL+"/mpu/k" {
		t.Fatalf("Location %q, want the object's URL %q", got, env.URL+"/mpu/k")
	}
	s1, s2 := md5.Sum(part1), md5.Sum(part2)
	whole := md5.Sum(append(s1[:], s2[:]...))
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("mpu"), Key: aws.String("k")})
	if err != nil || aws.ToString(head.ETag) != `"`+hex.EncodeToString(whole[:])+`-2"` || aws.ToString(head.ContentType) != "video/mp4" {
		t.Fatalf("HeadObject after complete: %+v %v", head, err)
	}
	for _, tc := range []struct{ key, count string }{{"k", "2"}, {"simple", "1"}} {
		if tc.key == "simple" {
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("mpu"), Key: aws.String("simple"), Body: strings.NewReader("v")}); err != nil {
				t.Fatal(err)
			}
		}
		resp, data := signedRequest(t, env, "GET", "/mpu/"+tc.key+"?partNumber=3", nil, nil)
		if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable ||
			!strings.Contains(string(data), "<ActualPartCount>"+tc.count+"</ActualPartCount><PartNumberRequested>3</PartNumberRequested>") {
			t.Errorf("partNumber=3 of %s: %d %s", tc.key, resp.StatusCode, data)
		}
	}
	if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("k"), UploadId: id, PartNumber: aws.Int32(1), Body: strings.NewReader("x")}); apiCode(err) != "NoSuchUpload" {
		t.Fatalf("UploadPart after complete: %v", err)
	}

	// Small parts other than the last are refused; abort forgets the upload.
	c2, _ := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("small")})
	var small []types.CompletedPart
	for n := int32(1); n <= 2; n++ {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("small"), UploadId: c2.UploadId, PartNumber: aws.Int32(n), Body: strings.NewReader("tiny")})
		if err != nil {
			t.Fatal(err)
		}
		small = append(small, cp(n, aws.ToString(out.ETag)))
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("small"), UploadId: c2.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: small}})
	if apiCode(err) != "EntityTooSmall" || apiMessage(err) != "Your proposed upload is smaller than the minimum allowed size" {
		t.Fatalf("small parts: %v", err)
	}
	xml := `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>` + aws.ToString(small[0].ETag) + `</ETag></Part>` +
		`<Part><PartNumber>2</PartNumber><ETag>` + aws.ToString(small[1].ETag) + `</ETag></Part></CompleteMultipartUpload>`
	_, data := signedRequest(t, env, "POST", "/mpu/small?uploadId="+aws.ToString(c2.UploadId), []byte(xml), nil)
	for _, want := range []string{"<ProposedSize>4</ProposedSize>", "<MinSizeAllowed>5242880</MinSizeAllowed>", "<PartNumber>1</PartNumber>",
		"<ETag>" + strings.Trim(aws.ToString(small[0].ETag), `"`) + "</ETag>"} { // unquoted, as S3's
		if !strings.Contains(string(data), want) {
			t.Errorf("EntityTooSmall body lacks %s: %s", want, data)
		}
	}

	// An upload-id-marker beside a key-marker must name an upload of that key.
	for _, marker := range []string{"nope", aws.ToString(id)} {
		_, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mpu"), KeyMarker: aws.String("small"), UploadIdMarker: aws.String(marker)})
		if apiCode(err) != "InvalidArgument" || apiMessage(err) != "Invalid uploadId marker" {
			t.Fatalf("upload-id-marker %s: %v", marker, err)
		}
	}
	if _, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mpu"), KeyMarker: aws.String("small"), UploadIdMarker: c2.UploadId}); err != nil {
		t.Fatalf("upload-id-marker of the key: %v", err)
	}
	// The last page names its last upload, as S3's does; an
	// upload-id-marker without a key-marker is ignored and echoed empty.
	all, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mpu"), UploadIdMarker: aws.String("ignored")})
	if err != nil || aws.ToBool(all.IsTruncated) || len(all.Uploads) != 1 || aws.ToString(all.NextKeyMarker) != "small" ||
		aws.ToString(all.NextUploadIdMarker) != aws.ToString(c2.UploadId) || aws.ToString(all.UploadIdMarker) != "" {
		t.Fatalf("ListMultipartUploads of one page: %+v %v", all, err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("small"), UploadId: c2.UploadId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String("small"), UploadId: c2.UploadId}); apiCode(err) != "NoSuchUpload" {
		t.Fatalf("ListParts after abort: %v", err)
	}
	if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("k"), UploadId: aws.String("nope"), PartNumber: aws.Int32(10001), Body: strings.NewReader("x")}); apiCode(err) != "InvalidArgument" {
		t.Fatalf("part number 10001: %v", err)
	}
}

func TestCopy(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	newBucket(t, c, "src")
	newBucket(t, c, "dst")
	body := randomBytes(6 << 20)
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("src"), Key: aws.String("a b/c"), Body: bytes.NewReader(body),
		ContentType: aws.String("image/png"), Metadata: map[string]string{"m": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy"), CopySource: aws.String("src/a%20b/c")})
	if err != nil {
		t.Fatalf("CopyObject: %v", err)
	}
	if aws.ToString(cp.CopyObjectResult.ETag) != aws.ToString(put.ETag) {
		t.Fatalf("copy ETag %s, source %s", aws.ToString(cp.CopyObjectResult.ETag), aws.ToString(put.ETag))
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy")})
	if err != nil || aws.ToString(head.ContentType) != "image/png" || head.Metadata["m"] != "1" {
		t.Fatalf("copied metadata: %+v %v", head, err)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy"), CopySource: aws.String("src/a%20b/c"),
		MetadataDirective: types.MetadataDirectiveReplace, ContentType: aws.String("text/plain")})
	if err != nil {
		t.Fatal(err)
	}
	head, _ = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy")})
	if aws.ToString(head.ContentType) != "text/plain" || len(head.Metadata) != 0 {
		t.Fatalf("REPLACE directive: type %q meta %v", aws.ToString(head.ContentType), head.Metadata)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("src"), Key: aws.String("a b/c"), CopySource: aws.String("src/a%20b/c")}); apiCode(err) != "InvalidRequest" {
		t.Fatalf("copy onto itself: %v", err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("x"), CopySource: aws.String("src/a%20b/c"), CopySourceIfMatch: aws.String(`"zzz"`)}); apiCode(err) != "PreconditionFailed" {
		t.Fatalf("copy-source-if-match: %v", err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("x"), CopySource: aws.String("src/missing")}); apiCode(err) != "NoSuchKey" {
		t.Fatalf("missing source: %v", err)
	}

	// UploadPartCopy with ranges rebuilds the object from two halves.
	mpu, _ := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("dst"), Key: aws.String("rebuilt")})
	var parts []types.CompletedPart
	for i, r := range []string{"bytes=0-5242879", "bytes=5242880-6291455"} {
		out, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("dst"), Key: aws.String("rebuilt"), UploadId: mpu.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), CopySource: aws.String("src/a%20b/c"), CopySourceRange: aws.String(r)})
		if err != nil {
			t.Fatalf("UploadPartCopy %s: %v", r, err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.CopyPartResult.ETag})
	}
	// A copy source that does not decode is refused before the source or
	// the upload is looked up, but after the bucket.
	if _, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("nothere"), Key: aws.String("x"), UploadId: aws.String("nope"),
		PartNumber: aws.Int32(1), CopySource: aws.String("Copy-Source")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("UploadPartCopy to a missing bucket: %v", err)
	}
	for src, msg := range map[string]string{
		"bucket/%ZZ":      "Invalid copy source encoding",
		"100%/foo":        "Invalid copy source encoding",
		"bucket/%C3%":     "Invalid copy source encoding",
		"192.168.1.1/foo": "Invalid copy source bucket name",
		"my-buc@k&()t/o":  "Invalid copy source bucket name",
		"bucket/":         "Invalid copy source object key",
	} {
		if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("x"), CopySource: aws.String(src)}); apiCode(err) != "InvalidArgument" ||
			apiMessage(err) != msg {
			t.Fatalf("CopyObject from %s: %v, want %s", src, err, msg)
		}
		if _, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("dst"), Key: aws.String("x"), UploadId: aws.String("nope"),
			PartNumber: aws.Int32(1), CopySource: aws.String(src)}); apiCode(err) != "InvalidArgument" {
			t.Fatalf("UploadPartCopy from %s: %v", src, err)
		}
	}
	// S3's answers to bad copy ranges (LocalStack's test_upload_part_copy_range,
	// recorded against S3): the header named with its value, except for a
	// range that starts past the source.
	for _, tc := range []struct{ rng, code, msg, value string }{
		{"bytes=0-99999999", "InvalidArgument", "Range specified is not valid for source object of size: 6291456", "bytes=0-99999999"},
		{"bytes=6291456-6291460", "InvalidRequest", "The specified copy range is invalid for the source object size", ""},
		{"bytes=1-0", "InvalidArgument", "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy", "bytes=1-0"},
		{"0-8", "InvalidArgument", "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy", "0-8"},
	} {
		resp, data := signedRequest(t, env, "PUT", "/dst/rebuilt?partNumber=3&uploadId="+aws.ToString(mpu.UploadId), nil,
			http.Header{"X-Amz-Copy-Source": {"src/a%20b/c"}, "X-Amz-Copy-Source-Range": {tc.rng}})
		var e struct{ Code, Message, ArgumentName, ArgumentValue string }
		xml.Unmarshal(data, &e)
		want := e
		want.Code, want.Message, want.ArgumentValue = tc.code, tc.msg, tc.value
		if want.ArgumentName = ""; tc.value != "" {
			want.ArgumentName = "x-amz-copy-source-range"
		}
		if resp.StatusCode != http.StatusBadRequest || e != want {
			t.Errorf("copy range %s: %d %+v, want 400 %+v", tc.rng, resp.StatusCode, e, want)
		}
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("dst"), Key: aws.String("rebuilt"), UploadId: mpu.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("dst"), Key: aws.String("rebuilt")})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(got.Body)
	if !bytes.Equal(data, body) {
		t.Fatalf("rebuilt object differs (%d bytes)", len(data))
	}
}

// Uploads in progress do not keep a bucket alive: on AWS a general purpose
// bucket is deleted with them.
func TestDeleteBucketWithUpload(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	newBucket(t, c, "pending")
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("pending"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("pending"), Key: aws.String("k"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("part")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("pending")}); err != nil {
		t.Fatalf("DeleteBucket with an upload in progress: %v", err)
	}
	var blobs int
	env.Blobs.Walk(ctx, time.Now().Add(-time.Hour), func(string) error { blobs++; return nil })
	if blobs != 0 {
		t.Fatalf("%d blobs left after the bucket went", blobs)
	}
}

// A Complete retried after it succeeded, or sent several times at once,
// answers the first one's result, as S3 does (adobe/S3Mock#2586 shows S3
// doing so); an upload ID that was never completed stays NoSuchUpload.
func TestCompleteMultipartUploadRetry(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	newBucket(t, c, "mpu")
	newUpload := func(key string, bodies ...[]byte) (*string, []types.CompletedPart) {
		up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		var parts []types.CompletedPart
		for i, body := range bodies {
			n := aws.Int32(int32(i + 1))
			p, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String(key), UploadId: up.UploadId,
				PartNumber: n, Body: bytes.NewReader(body)})
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, types.CompletedPart{ETag: p.ETag, PartNumber: n})
		}
		return up.UploadId, parts
	}
	complete := func(key string, id *string, parts []types.CompletedPart) (*s3.CompleteMultipartUploadOutput, error) {
		return c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String(key), UploadId: id,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	}

	id, parts := newUpload("again", randomBytes(5<<20), []byte("tail"))
	first, err := complete("again", id, parts)
	if err != nil {
		t.Fatal(err)
	}
	second, err := complete("again", id, parts)
	if err != nil {
		t.Fatalf("second Complete: %v", err)
	}
	if aws.ToString(second.ETag) != aws.ToString(first.ETag) || aws.ToString(second.Location) != aws.ToString(first.Location) ||
		aws.ToString(second.ChecksumCRC64NVME) != aws.ToString(first.ChecksumCRC64NVME) || aws.ToString(second.Key) != "again" {
		t.Fatalf("second Complete = %+v, first %+v", second, first)
	}
	// Other parts than those the object was made of are no retry.
	if _, err := complete("again", id, parts[:1]); apiCode(err) != "NoSuchUpload" {
		t.Fatalf("Complete of a completed upload with other parts: %v, want NoSuchUpload", err)
	}

	// Concurrent Completes lose the race at any step: looking the upload
	// up, listing its parts, or committing.
	for range 20 {
		id, parts := newUpload("racing", randomBytes(1<<10))
		const n = 5
		etags := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				out, err := complete("racing", id, parts)
				errs[i] = err
				if err == nil {
					etags[i] = aws.ToString(out.ETag)
				}
			})
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil || etags[i] != etags[0] {
				t.Fatalf("concurrent Complete %d: %q, %v (first %q)", i, etags[i], errs[i], etags[0])
			}
		}
	}
}

// S3 measures the metadata headers a copy sends even when it keeps the
// source's metadata.
func TestCopyMetadataTooLarge(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	newBucket(t, c, "bkt")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("src"), Body: strings.NewReader("data")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dst"), CopySource: aws.String("bkt/src"),
		Metadata: map[string]string{strings.Repeat("m", 2048): "v"}})
	if apiCode(err) != "MetadataTooLarge" {
		t.Fatalf("CopyObject with 2 KB of metadata: %v, want MetadataTooLarge", err)
	}
}
