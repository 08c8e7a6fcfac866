package s3api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wicket-io/wicket/internal/testenv"
	"github.com/wicket-io/wicket/sigv4"
)

// chunkedPut uploads data as an aws-chunked body in the given payload mode,
// optionally corrupting one byte of the encoded body.
func chunkedPut(t *testing.T, env *testenv.Env, key, mode string, trailers []string, data []byte, corrupt int) *http.Response {
	t.Helper()
	now := time.Now().UTC()
	opts := sigv4.ChunkOptions{DecodedLength: int64(len(data)), Trailers: trailers}
	if mode != sigv4.StreamingUnsignedPayloadTrailer {
		opts.SigningKey = sigv4.SigningKey(rootCreds.SecretAccessKey, now.Format("20060102"), testenv.Region, "s3")
	}
	length, err := sigv4.EncodedLength(opts.DecodedLength, 64<<10, opts)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("PUT", env.URL+"/stream/"+key, nil)
	req.ContentLength = length
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
	for _, tr := range trailers {
		req.Header.Set("X-Amz-Trailer", tr)
	}
	var d sigv4.Debug
	if err := sigv4.NewSigner().Sign(req, rootCreds, sigv4.Params{Region: testenv.Region, Service: "s3", Time: now, PayloadHash: mode, Debug: &d}); err != nil {
		t.Fatal(err)
	}
	opts.AmzDate = req.Header.Get("X-Amz-Date")
	opts.Scope = sigv4.Scope{Date: now.Format("20060102"), Region: testenv.Region, Service: "s3"}
	opts.SeedSignature = d.Signature
	var body bytes.Buffer
	w := sigv4.NewChunkWriter(&body, opts, 64<<10)
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b := body.Bytes()
	if corrupt >= 0 {
		b[corrupt] ^= 1
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestStreamingUploads(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	newBucket(t, c, "stream")
	// Over 1 MiB, so the pipelined copy handles it (and its errors).
	data := randomBytes(1_500_000)
	for _, tc := range []struct {
		name, mode string
		trailers   []string
	}{
		{"signed", sigv4.StreamingPayload, nil},
		{"signed-trailer", sigv4.StreamingPayloadTrailer, []string{"x-amz-checksum-crc32c"}},
		{"unsigned-trailer", sigv4.StreamingUnsignedPayloadTrailer, []string{"x-amz-checksum-crc64nvme"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := chunkedPut(t, env, tc.name, tc.mode, tc.trailers, data, -1)
			if resp.StatusCode != 200 {
				t.Fatalf("PUT: %d %s", resp.StatusCode, errorCode(t, resp))
			}
			resp.Body.Close()
			got, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("stream"), Key: aws.String(tc.name), ChecksumMode: types.ChecksumModeEnabled})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(got.Body)
			if !bytes.Equal(b, data) {
				t.Fatalf("read back %d different bytes", len(b))
			}
			if len(tc.trailers) > 0 && aws.ToString(got.ChecksumCRC32C)+aws.ToString(got.ChecksumCRC64NVME) == "" {
				t.Fatal("the trailer checksum was not stored")
			}
			// One flipped byte anywhere in the data fails the upload and
			// stores nothing.
			key := tc.name + "-bad"
			resp = chunkedPut(t, env, key, tc.mode, tc.trailers, data, 100_000)
			code := errorCode(t, resp)
			if resp.StatusCode < 400 || resp.StatusCode >= 500 {
				t.Fatalf("corrupted body: %d %s", resp.StatusCode, code)
			}
			if _, err := c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String("stream"), Key: aws.String(key)}); apiCode(err) != "NotFound" {
				t.Fatalf("a corrupted upload left an object: %v", err)
			}
		})
	}
}

// Over TLS, asked for a checksum, the SDK sends an aws-chunked body with
// unsigned chunks and the checksum in a trailer.
func TestSDKChecksumTrailerUpload(t *testing.T) {
	env := testenv.NewTLS(t)
	c := env.S3()
	ctx := context.Background()
	newBucket(t, c, "tls")
	data := randomBytes(1 << 20)
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tls"), Key: aws.String("k"), Body: io.MultiReader(bytes.NewReader(data)),
		ContentLength: aws.Int64(int64(len(data))), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(put.ChecksumCRC32) == "" {
		t.Fatalf("PutObject returned no CRC32: %+v", put)
	}
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tls"), Key: aws.String("k"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(got.Body)
	if !bytes.Equal(b, data) || aws.ToString(got.ChecksumCRC32) != aws.ToString(put.ChecksumCRC32) {
		t.Fatalf("round trip: %d bytes, CRC32 %s vs %s", len(b), aws.ToString(got.ChecksumCRC32), aws.ToString(put.ChecksumCRC32))
	}
}

// TestTrailerHashOnlyForUploads: a payload hash announcing trailing
// checksums is for PutObject and UploadPart; S3 refuses it on any other
// operation, once the bucket is known to exist.
func TestTrailerHashOnlyForUploads(t *testing.T) {
	env := testenv.New(t)
	newBucket(t, env.S3(), "trail")
	const invalid = "The value of x-amz-content-sha256 header is invalid."
	send := func(method, path, hash string) (*http.Response, []byte) {
		req, err := http.NewRequestWithContext(t.Context(), method, env.URL+path, bytes.NewReader([]byte("5\r\nabcde\r\n0\r\n\r\n")))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Amz-Decoded-Content-Length", "5")
		creds := sigv4.Credentials{AccessKeyID: testenv.Root.AccessKeyID, SecretAccessKey: testenv.Root.SecretAccessKey}
		if err := sigv4.NewSigner().Sign(req, creds, sigv4.Params{Region: testenv.Region, Service: "s3", Time: time.Now(), PayloadHash: hash}); err != nil {
			t.Fatal(err)
		}
		return do(t, req)
	}
	for _, tc := range []struct {
		method, path, hash string
		status             int
		code, msg          string
	}{
		{"PUT", "/trail?cors", sigv4.StreamingUnsignedPayloadTrailer, 400, "InvalidRequest", invalid},
		{"PUT", "/trail?tagging", sigv4.StreamingUnsignedPayloadTrailer, 400, "InvalidRequest", invalid},
		{"PUT", "/trail?policy", sigv4.StreamingUnsignedPayloadTrailer, 400, "InvalidRequest", invalid},
		{"PUT", "/trail?versioning", sigv4.StreamingUnsignedPayloadTrailer, 400, "InvalidRequest", invalid},
		{"PUT", "/trail?object-lock", sigv4.StreamingUnsignedPayloadTrailer, 400, "InvalidRequest", invalid},
		{"PUT", "/trail?cors", sigv4.StreamingPayloadTrailer, 400, "InvalidRequest", invalid},
		{"GET", "/trail", sigv4.StreamingUnsignedPayloadTrailer, 400, "InvalidRequest", invalid},
		{"GET", "/", sigv4.StreamingUnsignedPayloadTrailer, 400, "InvalidRequest", invalid},
		{"PUT", "/trail/k?tagging", sigv4.StreamingUnsignedPayloadTrailer, 400, "InvalidRequest", invalid},
		{"DELETE", "/trail/k", sigv4.StreamingUnsignedPayloadTrailer, 400, "InvalidRequest", invalid},
		{"PUT", "/nobucket?cors", sigv4.StreamingUnsignedPayloadTrailer, 404, "NoSuchBucket", ""},
		{"PUT", "/trail?cors", sigv4.StreamingPayload, 400, "InvalidRequest", "Missing required header for this request: Content-MD5"},
		{"PUT", "/trail/k", sigv4.StreamingUnsignedPayloadTrailer, 200, "", ""},
	} {
		resp, body := send(tc.method, tc.path, tc.hash)
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s %s: status %d, want %d: %s", tc.method, tc.path, tc.hash, resp.StatusCode, tc.status, body)
			continue
		}
		if tc.code == "" {
			continue
		}
		if code, msg := between(string(body), "<Code>", "</Code>"), between(string(body), "<Message>", "</Message>"); code != tc.code || tc.msg != "" && msg != tc.msg {
			t.Errorf("%s %s %s: %s %q, want %s %q", tc.method, tc.path, tc.hash, code, msg, tc.code, tc.msg)
		}
	}
}
