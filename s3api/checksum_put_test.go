package s3api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc64"
	"io"
	"math/bits"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wicket-io/wicket/internal/testenv"
	"github.com/wicket-io/wicket/sigv4"
)

// testData and its checksums as S3 computes them, from the S3 conformance
// suite of versitygw (PostObject_checksums_success): an oracle independent
// of Wicket's own hashes.
const testData = "test data"

var testDataChecksums = map[types.ChecksumAlgorithm]string{
	types.ChecksumAlgorithmCrc32:     "0wiusg==",
	types.ChecksumAlgorithmCrc32c:    "M3m0yg==",
	types.ChecksumAlgorithmCrc64nvme: "rsrzr5yYqFU=",
	types.ChecksumAlgorithmSha1:      "9I3YU4IIYIFsddVND1hNyGMyenw=",
	types.ChecksumAlgorithmSha256:    "kW8AJ6V1B0znKjMXd8NHjWUT94alkb2JLaGld78jNfk=",
	types.ChecksumAlgorithmSha512:    "Dh4h7PEF7IU9JNcohnrXBhPCFmOkaTB0sqNhnBvTnWa1iMM3I7tGbHJCToDjymPCSQeKs0e6uUKFAOfuQwWdDQ==",
	types.ChecksumAlgorithmMd5:       "63M6AMDJ0zbmVpGjerVCkw==",
	types.ChecksumAlgorithmXxhash64:  "+lb36/ER8bo=",
	types.ChecksumAlgorithmXxhash3:   "jw+pSh/pbMQ=",
	types.ChecksumAlgorithmXxhash128: "8BLDqqIWji+ITOsp/JjN/Q==",
}

// checksumField returns the Checksum<ALG> field of an SDK input or output
// (or result) struct, which every algorithm has under the same pattern.
func checksumField(v any, alg types.ChecksumAlgorithm) reflect.Value {
	f := reflect.ValueOf(v).Elem().FieldByName("Checksum" + string(alg))
	if !f.IsValid() {
		panic("no field Checksum" + string(alg))
	}
	return f
}

func setChecksum(v any, alg types.ChecksumAlgorithm, value string) {
	checksumField(v, alg).Set(reflect.ValueOf(aws.String(value)))
}

func getChecksum(v any, alg types.ChecksumAlgorithm) string {
	return aws.ToString(checksumField(v, alg).Interface().(*string))
}

// checksumsOf returns the Checksum<ALG> fields that are set, by algorithm.
func checksumsOf(v any) map[types.ChecksumAlgorithm]string {
	m := map[types.ChecksumAlgorithm]string{}
	for _, a := range types.ChecksumAlgorithmCrc32.Values() {
		if s := getChecksum(v, a); s != "" {
			m[a] = s
		}
	}
	return m
}

// crc64NVME is CRC-64/NVME from the standard library, independent of
// sigv4's tables.
func crc64NVME(data []byte) string {
	sum := crc64.Checksum(data, crc64.MakeTable(bits.Reverse64(0xad93d23594c93659)))
	return base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint64(nil, sum))
}

// noSDKChecksums makes a client send no checksum of its own.
func noSDKChecksums(o *s3.Options) {
	o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
}

// Every algorithm, sent as a header with the right value, is stored and
// returned by PutObject, HeadObject and GetObject (asked for it), and
// listed; a well-formed wrong value is BadDigest.
func TestChecksumPutHeader(t *testing.T) {
	env := testenv.New(t)
	c := env.S3(noSDKChecksums)
	ctx := t.Context()
	newBucket(t, c, "sums")
	for _, alg := range types.ChecksumAlgorithmCrc32.Values() {
		want := testDataChecksums[alg]
		key := "k-" + string(alg)
		in := &s3.PutObjectInput{Bucket: aws.String("sums"), Key: aws.String(key), Body: strings.NewReader(testData)}
		setChecksum(in, alg, want)
		put, err := c.PutObject(ctx, in)
		if err != nil {
			t.Fatalf("%s: PutObject: %v", alg, err)
		}
		if got := checksumsOf(put); len(got) != 1 || got[alg] != want || put.ChecksumType != types.ChecksumTypeFullObject {
			t.Errorf("%s: PutObject returned %v %s, want %s FULL_OBJECT", alg, got, put.ChecksumType, want)
		}
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("sums"), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Fatal(err)
		}
		if got := checksumsOf(head); len(got) != 1 || got[alg] != want || head.ChecksumType != types.ChecksumTypeFullObject {
			t.Errorf("%s: HeadObject returned %v %s", alg, got, head.ChecksumType)
		}
		// Not asked for, not sent.
		plain, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sums"), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		plain.Body.Close()
		if got := checksumsOf(plain); len(got) != 0 {
			t.Errorf("%s: GetObject without x-amz-checksum-mode returned %v", alg, got)
		}

		wrong := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, len(mustDecode(t, want))))
		setChecksum(in, alg, wrong)
		in.Body = strings.NewReader(testData)
		_, err = c.PutObject(ctx, in)
		if apiCode(err) != "BadDigest" || apiMessage(err) != "The "+string(alg)+" you specified did not match the calculated checksum." {
			t.Errorf("%s: a wrong value: %v", alg, err)
		}
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("sums")})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range list.Contents {
		alg := types.ChecksumAlgorithm(strings.TrimPrefix(aws.ToString(o.Key), "k-"))
		if len(o.ChecksumAlgorithm) != 1 || o.ChecksumAlgorithm[0] != alg || o.ChecksumType != types.ChecksumTypeFullObject {
			t.Errorf("listed %s with %v %s", aws.ToString(o.Key), o.ChecksumAlgorithm, o.ChecksumType)
		}
	}
}

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every algorithm works as an aws-chunked trailer, signed or not; a body
// that does not match its trailer is BadDigest.
func TestChecksumPutTrailer(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	newBucket(t, c, "stream")
	for _, alg := range types.ChecksumAlgorithmCrc32.Values() {
		name := "x-amz-checksum-" + strings.ToLower(string(alg))
		for _, mode := range []string{sigv4.StreamingUnsignedPayloadTrailer, sigv4.StreamingPayloadTrailer} {
			resp := chunkedPut(t, env, "t-"+string(alg), mode, []string{name}, []byte(testData), -1)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get(name) != testDataChecksums[alg] || resp.Header.Get("x-amz-checksum-type") != "FULL_OBJECT" {
				t.Fatalf("%s %s: %d %s=%q type %q: %s", alg, mode, resp.StatusCode, name, resp.Header.Get(name), resp.Header.Get("x-amz-checksum-type"), body)
			}
		}
		head, err := c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String("stream"), Key: aws.String("t-" + string(alg)), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil || getChecksum(head, alg) != testDataChecksums[alg] {
			t.Fatalf("%s: HeadObject %v: %v", alg, checksumsOf(head), err)
		}
		// The last byte of the data, which comes before the CRLF that
		// ends its chunk and the final chunk.
		data := []byte(testData)
		enc := chunkedBody(t, data, name)
		resp := chunkedPut(t, env, "bad-"+string(alg), sigv4.StreamingUnsignedPayloadTrailer, []string{name}, data, bytes.Index(enc, data)+len(data)-1)
		if code := errorCode(t, resp); code != "BadDigest" {
			t.Errorf("%s: a corrupt body with a trailer: %d %s", alg, resp.StatusCode, code)
		}
	}
}

// chunkedBody is the unsigned aws-chunked encoding of data with a checksum
// trailer, to find offsets in it.
func chunkedBody(t *testing.T, data []byte, trailer string) []byte {
	var buf bytes.Buffer
	w := sigv4.NewChunkWriter(&buf, sigv4.ChunkOptions{DecodedLength: int64(len(data)), Trailers: []string{trailer}}, 64<<10)
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Without a checksum from the client, S3 stores CRC64NVME as FULL_OBJECT,
// for small bodies and for bodies large enough to be hashed in a pipeline.
func TestChecksumDefaultCRC64NVME(t *testing.T) {
	env := testenv.New(t)
	c := env.S3(noSDKChecksums)
	ctx := t.Context()
	newBucket(t, c, "dflt")
	for _, n := range []int{0, 100, 3<<20 + 17} {
		data := randomBytes(n)
		key := "k" + strings.Repeat("x", n%7)
		put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("dflt"), Key: aws.String(key), Body: bytes.NewReader(data)})
		if err != nil {
			t.Fatal(err)
		}
		want := crc64NVME(data)
		if got := checksumsOf(put); len(got) != 1 || got[types.ChecksumAlgorithmCrc64nvme] != want || put.ChecksumType != types.ChecksumTypeFullObject {
			t.Errorf("%d bytes: PutObject returned %v %s, want CRC64NVME %s FULL_OBJECT", n, got, put.ChecksumType, want)
		}
		get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("dflt"), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, get.Body) // the SDK checks the checksum as it reads
		get.Body.Close()
		if aws.ToString(get.ChecksumCRC64NVME) != want || get.ChecksumType != types.ChecksumTypeFullObject {
			t.Errorf("%d bytes: GetObject returned %s %s", n, aws.ToString(get.ChecksumCRC64NVME), get.ChecksumType)
		}
	}
	// A range that is not the whole object has no checksum; one that is
	// has the object's.
	data := randomBytes(1000)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("dflt"), Key: aws.String("r"), Body: bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
	for rng, want := range map[string]string{"bytes=0-998": "", "bytes=0-999": crc64NVME(data), "bytes=0-": crc64NVME(data)} {
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("dflt"), Key: aws.String("r"), Range: aws.String(rng), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(head.ChecksumCRC64NVME); got != want {
			t.Errorf("HeadObject %s: checksum %q, want %q", rng, got, want)
		}
	}
}

// The checks of the checksum headers of a write, and their errors, with
// the messages S3 sends.
func TestChecksumRequestErrors(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	newBucket(t, c, "errs")
	body := []byte(testData)
	crc32 := testDataChecksums[types.ChecksumAlgorithmCrc32]
	for _, tt := range []struct {
		name   string
		method string
		path   string
		hdr    http.Header
		code   string
		msg    string
	}{
		{"two checksums", "PUT", "/errs/k", http.Header{"X-Amz-Checksum-Crc32": {crc32}, "X-Amz-Checksum-Sha1": {testDataChecksums[types.ChecksumAlgorithmSha1]}},
			"InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."},
		{"a checksum and a trailer", "PUT", "/errs/k", http.Header{"X-Amz-Checksum-Crc32": {crc32}, "X-Amz-Trailer": {"x-amz-checksum-crc32"}},
			"InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."},
		{"unknown algorithm", "PUT", "/errs/k", http.Header{"X-Amz-Checksum-Crc16": {"AAA="}},
			"InvalidRequest", "The algorithm type you specified in x-amz-checksum- header is invalid."},
		{"malformed value", "PUT", "/errs/k", http.Header{"X-Amz-Checksum-Crc32": {"zz"}},
			"InvalidRequest", "Value for x-amz-checksum-crc32 header is invalid."},
		{"padding bits set", "PUT", "/errs/k", http.Header{"X-Amz-Checksum-Crc32": {"0wiush=="}},
			"InvalidRequest", "Value for x-amz-checksum-crc32 header is invalid."},
		{"sdk algorithm of another", "PUT", "/errs/k", http.Header{"X-Amz-Checksum-Crc32": {crc32}, "X-Amz-Sdk-Checksum-Algorithm": {"SHA1"}},
			"InvalidRequest", "Value for x-amz-sdk-checksum-algorithm header is invalid."},
		{"sdk algorithm unknown", "PUT", "/errs/k", http.Header{"X-Amz-Checksum-Crc32": {crc32}, "X-Amz-Sdk-Checksum-Algorithm": {"CRC16"}},
			"InvalidRequest", "Value for x-amz-sdk-checksum-algorithm header is invalid."},
		{"sdk algorithm alone", "PUT", "/errs/k", http.Header{"X-Amz-Sdk-Checksum-Algorithm": {"CRC32"}},
			"InvalidRequest", "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found."},
		{"malformed sha256", "PUT", "/errs/k", http.Header{"X-Amz-Checksum-Sha256": {testDataChecksums[types.ChecksumAlgorithmSha1] + "AAAAAAAAAAAAAAAA"}},
			"InvalidRequest", "Value for x-amz-checksum-sha256 header is invalid."},
		{"upload algorithm unknown", "POST", "/errs/k?uploads", http.Header{"X-Amz-Checksum-Algorithm": {"CRC16"}},
			"InvalidRequest", "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, MD5, SHA1, SHA256, SHA512, XXHASH128, XXHASH3, XXHASH64]"},
		{"upload algorithms", "POST", "/errs/k?uploads", http.Header{"X-Amz-Checksum-Algorithm": {"CRC32,CRC32C"}},
			"InvalidRequest", "Invalid types are specified in x-amz-checksum-algorithm header."},
		{"upload type unknown", "POST", "/errs/k?uploads", http.Header{"X-Amz-Checksum-Algorithm": {"CRC32"}, "X-Amz-Checksum-Type": {"PARTIAL"}},
			"InvalidRequest", "Value for x-amz-checksum-type header is invalid."},
		{"upload type alone", "POST", "/errs/k?uploads", http.Header{"X-Amz-Checksum-Type": {"COMPOSITE"}},
			"InvalidRequest", "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header."},
		{"full object SHA1", "POST", "/errs/k?uploads", http.Header{"X-Amz-Checksum-Algorithm": {"SHA1"}, "X-Amz-Checksum-Type": {"FULL_OBJECT"}},
			"InvalidRequest", "The FULL_OBJECT checksum type cannot be used with the sha1 checksum algorithm."},
		{"composite CRC64NVME", "POST", "/errs/k?uploads", http.Header{"X-Amz-Checksum-Algorithm": {"CRC64NVME"}, "X-Amz-Checksum-Type": {"COMPOSITE"}},
			"InvalidRequest", "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm."},
		{"copy algorithm unknown", "PUT", "/errs/copy", http.Header{"X-Amz-Copy-Source": {"errs/none"}, "X-Amz-Checksum-Algorithm": {"CRC16"}},
			"InvalidRequest", "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, MD5, SHA1, SHA256, SHA512, XXHASH128, XXHASH3, XXHASH64]"},
		{"checksum mode", "GET", "/errs/k", http.Header{"X-Amz-Checksum-Mode": {"DISABLED"}},
			"InvalidRequest", "Value for x-amz-checksum-mode header is invalid."},
	} {
		var b []byte
		if tt.method == "PUT" && !strings.Contains(tt.name, "copy") {
			b = body
		}
		resp, data := signedRequest(t, env, tt.method, tt.path, b, tt.hdr)
		if resp.StatusCode != 400 || between(string(data), "<Code>", "</Code>") != tt.code || between(string(data), "<Message>", "</Message>") != tt.msg {
			t.Errorf("%s: %d %s", tt.name, resp.StatusCode, data)
		}
	}
	// None of them stored anything.
	if _, err := c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String("errs"), Key: aws.String("k")}); apiCode(err) != "NotFound" {
		t.Errorf("HeadObject after refused writes: %v", err)
	}
}
