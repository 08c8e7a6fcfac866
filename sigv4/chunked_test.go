package sigv4

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// The credentials, time and scope of AWS's SigV4 streaming examples.
const (
	streamingAccessKey    = "AKIAIOSFODNN7EXAMPLE"
	streamingSecret       = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	streamingAmzDate      = "20130524T000000Z"
	streamingSeed         = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
	streamingTrailerSeed  = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
	streamingDecodedBytes = 66560
)

var (
	streamingScope = Scope{Date: "20130524", Region: "us-east-1", Service: "s3"}
	streamingKey   = SigningKey(streamingSecret, "20130524", "us-east-1", "s3")
)

func signedOptions(seed string, trailers ...string) ChunkOptions {
	return ChunkOptions{SigningKey: streamingKey, AmzDate: streamingAmzDate, Scope: streamingScope, SeedSignature: seed,
		Trailers: trailers, DecodedLength: -1}
}

func unsignedOptions(trailers ...string) ChunkOptions {
	return ChunkOptions{Trailers: trailers, DecodedLength: -1}
}

// encodeChunked returns data encoded by a ChunkWriter.
func encodeChunked(t testing.TB, data []byte, o ChunkOptions, chunkSize int) []byte {
	t.Helper()
	var b bytes.Buffer
	w := NewChunkWriter(&b, o, chunkSize)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// decodeChunked reads all of body through a ChunkReader.
func decodeChunked(body []byte, o ChunkOptions) ([]byte, *ChunkReader, error) {
	r := NewChunkReader(bytes.NewReader(body), o)
	data, err := io.ReadAll(r)
	return data, r, err
}

// wantChunkError checks that err is an *Error with the code and status given.
func wantChunkError(t *testing.T, err error, code string, status int) {
	t.Helper()
	e, ok := AsError(err)
	switch {
	case err == nil:
		t.Errorf("no error, want %s", code)
	case !ok:
		t.Errorf("error %v (%T), want *Error %s", err, err, code)
	case e.Code != code || e.Status != status:
		t.Errorf("error %s %d (%v), want %s %d", e.Code, e.Status, e.Err, code, status)
	}
}

func chunkLine(size int, sig string) string {
	if sig == "" {
		return strconv.FormatInt(int64(size), 16) + "\r\n"
	}
	return strconv.FormatInt(int64(size), 16) + chunkSignatureExt + sig + "\r\n"
}

// The examples of AWS's documentation, "Signature Calculations for the
// Authorization Header: Transferring Payload in Multiple Chunks" and its
// trailing-header sequel: 66,560 bytes of 'a' in chunks of 64 KiB, 1 KiB and
// 0, with the signatures published there. The writer must produce exactly
// these bodies and the reader accept them.
func TestChunkAWSExamples(t *testing.T) {
	data := bytes.Repeat([]byte("a"), streamingDecodedBytes)
	a := strings.Repeat("a", 1024)
	tests := []struct {
		name    string
		opts    ChunkOptions
		body    string
		length  int64 // the Content-Length AWS gives, when it does
		trailer string
	}{
		{
			name: "signed",
			opts: signedOptions(streamingSeed),
			body: chunkLine(65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648") + strings.Repeat(a, 64) + "\r\n" +
				chunkLine(1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497") + a + "\r\n" +
				chunkLine(0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9") + "\r\n",
			length: 66824,
		},
		{
			name: "signed with trailer",
			opts: signedOptions(streamingTrailerSeed, "x-amz-checksum-crc32c"),
			body: chunkLine(65536, "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2") + strings.Repeat(a, 64) + "\r\n" +
				chunkLine(1024, "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7") + a + "\r\n" +
				chunkLine(0, "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992") +
				"x-amz-checksum-crc32c:sOO8/Q==\r\n" +
				"x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n",
			trailer: "sOO8/Q==",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.DecodedLength = streamingDecodedBytes
			if got := encodeChunked(t, data, tt.opts, 65536); string(got) != tt.body {
				t.Errorf("ChunkWriter wrote\n%s\nwant\n%s", abridge(got), abridge([]byte(tt.body)))
			}
			n, err := EncodedLength(streamingDecodedBytes, 65536, tt.opts)
			if err != nil || n != int64(len(tt.body)) || tt.length != 0 && n != tt.length {
				t.Errorf("EncodedLength = %d, %v; body has %d bytes, AWS says %d", n, err, len(tt.body), tt.length)
			}
			got, r, err := decodeChunked([]byte(tt.body), tt.opts)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("ChunkReader: %d bytes, %v", len(got), err)
			}
			if tt.trailer != "" {
				if v := r.Trailer().Get("x-amz-checksum-crc32c"); v != tt.trailer {
					t.Errorf("trailer %q, want %q", v, tt.trailer)
				}
				if v := r.Checksums()[ChecksumCRC32C]; v != tt.trailer {
					t.Errorf("checksum %q, want %q", v, tt.trailer)
				}
			}
		})
	}
}

// abridge shortens the runs of 'a' of the AWS examples for error messages.
func abridge(b []byte) string {
	return strings.ReplaceAll(strings.ReplaceAll(string(b), strings.Repeat("a", 1024), "a×1024"), "a×1024a×1024", "a×2048")
}

// The trailer signature of the AWS common runtime's own tests (aws-c-auth,
// exercised through aws-crt-swift's ChunkSignerTests): three trailers after
// the documented chunks, signed in canonical form whatever their order on
// the wire.
func TestChunkTrailerSignatureCRT(t *testing.T) {
	a := strings.Repeat("a", 1024)
	chunks := chunkLine(65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648") + strings.Repeat(a, 64) + "\r\n" +
		chunkLine(1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497") + a + "\r\n" +
		chunkLine(0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9")
	const sig = "x-amz-trailer-signature:df5735bd9f3295cd9386572292562fefc93ba94e80a0a1ddcbd652c4e0a75e6c\r\n\r\n"
	for _, trailers := range []string{
		"first:1st\r\nsecond:2nd\r\nthird:3rd\r\n",
		"third:3rd\r\nfirst:1st\r\nsecond:2nd\r\n",
		"First: 1st\r\nSECOND:2nd \r\nthird:\t3rd\r\n",
		"first:1st\nsecond:2nd\nthird:3rd\n\r\n", // minio-go's form
	} {
		o := signedOptions(streamingSeed, "first", "second", "third")
		_, r, err := decodeChunked([]byte(chunks+trailers+sig), o)
		if err != nil {
			t.Errorf("%q: %v", trailers, err)
			continue
		}
		if got := r.Trailer(); got.Get("first") != "1st" || got.Get("second") != "2nd" || got.Get("third") != "3rd" {
			t.Errorf("%q: trailers %v", trailers, got)
		}
	}
	o := signedOptions(streamingSeed, "first", "second", "third")
	_, _, err := decodeChunked([]byte(chunks+"first:1st\r\nsecond:2nd\r\nthird:4th\r\n"+sig), o)
	wantChunkError(t, err, CodeSignatureDoesNotMatch, 403)
}

// Chunk signatures agree with aws-sdk-go-v2's stream signer, whose string to
// sign with empty headers is the chunk string to sign.
func TestChunkSignaturesMatchSDK(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	creds := aws.Credentials{AccessKeyID: streamingAccessKey, SecretAccessKey: streamingSecret}
	for i := range 20 {
		now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(1000 * 24 * time.Hour))))
		region := []string{"us-east-1", "eu-west-3", "ap-southeast-2"}[i%3]
		seed := make([]byte, sha256.Size)
		for j := range seed {
			seed[j] = byte(rng.Uint32())
		}
		o := ChunkOptions{
			SigningKey:    SigningKey(streamingSecret, now.Format("20060102"), region, "s3"),
			AmzDate:       now.Format(TimeFormat),
			Scope:         Scope{Date: now.Format("20060102"), Region: region, Service: "s3"},
			SeedSignature: hex.EncodeToString(seed),
			DecodedLength: -1,
		}
		chunkSize := 1 + rng.IntN(5000)
		data := make([]byte, rng.IntN(20000))
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		body := encodeChunked(t, data, o, chunkSize)

		sdk := v4.NewStreamSigner(creds, "s3", region, seed)
		rest := body
		for {
			line, after, _ := bytes.Cut(rest, []byte("\r\n"))
			size, sig, ok := parseChunkLine(line, true)
			if !ok {
				t.Fatalf("unparsable chunk line %q", line)
			}
			chunk := after[:size]
			want, err := sdk.GetSignature(context.Background(), nil, chunk, now)
			if err != nil {
				t.Fatal(err)
			}
			if string(sig) != hex.EncodeToString(want) {
				t.Fatalf("chunk of %d bytes: signature %s, SDK %x", size, sig, want)
			}
			if size == 0 {
				break
			}
			rest = after[size+2:]
		}
		o.MinChunkSize = 1
		if got, _, err := decodeChunked(body, o); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("decodeChunked: %v", err)
		}
	}
}

// Real aws-sdk-go-v2 S3 clients upload to an httptest TLS server, where
// they send STREAMING-UNSIGNED-PAYLOAD-TRAILER bodies with a checksum
// trailer: a body of known length as one chunk, of unknown length in 64 KiB
// chunks. The server decodes each as it arrives.
func TestChunkReaderSDKPutObject(t *testing.T) {
	type result struct {
		data      []byte
		checksums map[ChecksumAlgorithm]string
		trailer   http.Header
		err       error
		header    http.Header
	}
	var (
		mu      sync.Mutex
		results []result
	)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		o := ChunkOptions{DecodedLength: -1}
		for _, v := range req.Header.Values("X-Amz-Trailer") {
			for n := range strings.SplitSeq(v, ",") {
				o.Trailers = append(o.Trailers, strings.TrimSpace(n))
			}
		}
		if v := req.Header.Get("X-Amz-Decoded-Content-Length"); v != "" {
			o.DecodedLength, _ = strconv.ParseInt(v, 10, 64)
		}
		r := NewChunkReader(req.Body, o)
		data, err := io.ReadAll(r)
		mu.Lock()
		results = append(results, result{data, r.Checksums(), r.Trailer(), err, req.Header.Clone()})
		mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("ETag", `"d41d8cd98f00b204e9800998ecf8427e"`)
	}))
	defer srv.Close()
	client := s3.New(s3.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(streamingAccessKey, streamingSecret, ""),
		BaseEndpoint:     aws.String(srv.URL),
		UsePathStyle:     true,
		HTTPClient:       srv.Client(),
		RetryMaxAttempts: 1,
	})

	rng := rand.New(rand.NewPCG(5, 6))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	algorithms := []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmCrc32c,
		types.ChecksumAlgorithmCrc64nvme, types.ChecksumAlgorithmSha1, types.ChecksumAlgorithmSha256}
	for _, alg := range algorithms {
		for _, size := range []int{1, 8191, 65536, 65537, 200000} {
			for _, seekable := range []bool{true, false} {
				name := fmt.Sprintf("%s/%d/seekable=%v", alg, size, seekable)
				data := random(size)
				var body io.Reader = bytes.NewReader(data)
				if !seekable {
					body = struct{ io.Reader }{body}
				}
				mu.Lock()
				results = results[:0]
				mu.Unlock()
				_, err := client.PutObject(context.Background(), &s3.PutObjectInput{
					Bucket: aws.String("bucket"), Key: aws.String("key"), Body: body, ChecksumAlgorithm: alg,
				})
				if err != nil {
					t.Errorf("%s: PutObject: %v", name, err)
					continue
				}
				mu.Lock()
				res := results[0]
				mu.Unlock()
				a, _ := ParseChecksumAlgorithm(string(alg))
				want, _ := NewChecksum(a)
				want.Write(data)
				switch {
				case res.header.Get("X-Amz-Content-Sha256") != StreamingUnsignedPayloadTrailer:
					t.Errorf("%s: x-amz-content-sha256 %q", name, res.header.Get("X-Amz-Content-Sha256"))
				case res.err != nil:
					t.Errorf("%s: %v", name, res.err)
				case !bytes.Equal(res.data, data):
					t.Errorf("%s: decoded %d bytes, sent %d", name, len(res.data), len(data))
				case res.checksums[a] != want.Base64() || res.trailer.Get(a.Header()) != want.Base64():
					t.Errorf("%s: checksums %v, trailer %v, want %s", name, res.checksums, res.trailer, want.Base64())
				}
			}
		}
	}

	// A body of known length is a single chunk, however large: the default
	// bound on chunk size must not apply to unsigned chunks.
	data := random(DefaultMaxChunkSize + 100)
	if _, err := client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String("bucket"), Key: aws.String("key"), Body: bytes.NewReader(data), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
	}); err != nil {
		t.Errorf("PutObject of %d bytes: %v", len(data), err)
	}
}

// The whole path over HTTP: a client signs a streaming PUT with Signer and
// streams the body through ChunkWriter; the server verifies the headers with
// Verifier and decodes the body with the options Auth gives.
func TestChunkedUploadEndToEnd(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	creds := Credentials{AccessKeyID: streamingAccessKey, SecretAccessKey: streamingSecret}
	verifier := NewVerifier(VerifierOptions{
		Secret: func(string, string) (string, error) { return streamingSecret, nil },
		Region: "us-east-1", Service: "s3",
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		auth, err := verifier.Verify(req, now, "")
		if err != nil {
			http.Error(w, "verify: "+err.Error(), http.StatusForbidden)
			return
		}
		o := ChunkOptions{DecodedLength: -1}
		if auth.PayloadHash != StreamingUnsignedPayloadTrailer {
			o.SigningKey, o.AmzDate, o.Scope, o.SeedSignature = auth.SigningKey(), auth.AmzDate(), auth.Scope, auth.Signature
		}
		if v := req.Header.Get("X-Amz-Trailer"); v != "" {
			o.Trailers = strings.Split(v, ",")
		}
		o.DecodedLength, _ = strconv.ParseInt(req.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64)
		r := NewChunkReader(req.Body, o)
		data, err := io.ReadAll(r)
		if err != nil {
			http.Error(w, "decodeChunked: "+err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%d %x %s", len(data), sha256.Sum256(data), r.Trailer().Get("x-amz-checksum-crc32c"))
	}))
	defer srv.Close()

	data := bytes.Repeat([]byte("wicket "), 100000)
	for _, payload := range []string{StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedPayloadTrailer} {
		o := ChunkOptions{DecodedLength: int64(len(data))}
		if payload != StreamingPayload {
			o.Trailers = []string{"x-amz-checksum-crc32c"}
		}
		if payload != StreamingUnsignedPayloadTrailer {
			o.SigningKey = SigningKey(streamingSecret, "20250301", "us-east-1", "s3")
		}
		length, err := EncodedLength(o.DecodedLength, 0, o)
		if err != nil {
			t.Fatal(err)
		}
		pr, pw := io.Pipe()
		req, _ := http.NewRequest("PUT", srv.URL+"/bucket/key", pr)
		req.ContentLength = length
		req.Header.Set("Content-Encoding", "aws-chunked")
		req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
		if o.Trailers != nil {
			req.Header.Set("X-Amz-Trailer", o.Trailers[0])
		}
		var d Debug
		if err := NewSigner().Sign(req, creds, Params{Region: "us-east-1", Service: "s3", Time: now, PayloadHash: payload, Debug: &d}); err != nil {
			t.Fatal(err)
		}
		o.AmzDate, o.Scope, o.SeedSignature = req.Header.Get("X-Amz-Date"), Scope{Date: "20250301", Region: "us-east-1", Service: "s3"}, d.Signature
		go func() {
			w := NewChunkWriter(pw, o, 0)
			for p := data; len(p) > 0; p = p[min(len(p), 10000):] {
				if _, err := w.Write(p[:min(len(p), 10000)]); err != nil {
					pw.CloseWithError(err)
					return
				}
			}
			pw.CloseWithError(w.Close())
		}()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		c, _ := NewChecksum(ChecksumCRC32C)
		c.Write(data)
		want := fmt.Sprintf("%d %x ", len(data), sha256.Sum256(data))
		if o.Trailers != nil {
			want += c.Base64()
		}
		if resp.StatusCode != 200 || string(got) != want {
			t.Errorf("%s: %s %s", payload, resp.Status, got)
		}
	}
}

// Round trips through the writer and reader: every size around the chunk
// size, signed and unsigned, with every checksum trailer, read from inputs
// that deliver a byte at a time, half of what is asked or the data with
// io.EOF, and by consumers that read a byte at a time.
func TestChunkRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	trailerSets := [][]string{nil, {"x-amz-checksum-crc32", "x-amz-checksum-sha256"}}
	for _, a := range allChecksums {
		trailerSets = append(trailerSets, []string{a.Header()})
	}
	for _, signed := range []bool{false, true} {
		for _, trailers := range trailerSets {
			for _, cs := range []int{DefaultMinChunkSize, DefaultChunkSize} {
				for _, size := range []int{0, 1, cs - 1, cs, cs + 1, 3*cs + 17} {
					name := fmt.Sprintf("signed=%v/%v/chunk=%d/size=%d", signed, trailers, cs, size)
					o := unsignedOptions(trailers...)
					if signed {
						o = signedOptions(streamingSeed, trailers...)
					}
					o.DecodedLength = int64(size)
					data := make([]byte, size)
					for i := range data {
						data[i] = byte(rng.Uint32())
					}
					body := encodeChunked(t, data, o, cs)
					if n, err := EncodedLength(int64(size), cs, o); err != nil || n != int64(len(body)) {
						t.Errorf("%s: EncodedLength %d, %v; body has %d bytes", name, n, err, len(body))
					}
					readers := map[string]func() io.Reader{
						"plain": func() io.Reader { return NewChunkReader(bytes.NewReader(body), o) },
						"one-byte input": func() io.Reader {
							return NewChunkReader(iotest.OneByteReader(bytes.NewReader(body)), o)
						},
						"half input": func() io.Reader { return NewChunkReader(iotest.HalfReader(bytes.NewReader(body)), o) },
						"data-and-EOF input": func() io.Reader {
							return NewChunkReader(iotest.DataErrReader(bytes.NewReader(body)), o)
						},
						"one-byte consumer": func() io.Reader {
							return iotest.OneByteReader(NewChunkReader(bytes.NewReader(body), o))
						},
					}
					for how, mk := range readers {
						if strings.HasPrefix(how, "one-byte") && cs != DefaultMinChunkSize {
							continue // slow, and no different
						}
						got, err := io.ReadAll(mk())
						if err != nil || !bytes.Equal(got, data) {
							t.Errorf("%s, %s: %d bytes, %v", name, how, len(got), err)
						}
					}
					r := NewChunkReader(bytes.NewReader(body), o)
					if err := iotest.TestReader(r, data); err != nil {
						t.Errorf("%s: iotest.TestReader: %v", name, err)
					}
					for _, a := range allChecksums {
						if !slices.Contains(trailers, a.Header()) {
							continue
						}
						c, _ := NewChecksum(a)
						c.Write(data)
						if got := r.Checksums()[a]; got != c.Base64() {
							t.Errorf("%s: %s %s, want %s", name, a, got, c.Base64())
						}
					}
				}
			}
		}
	}
	// Several MiB in default chunks, signed and unsigned.
	data := make([]byte, 5<<20+3)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for _, o := range []ChunkOptions{signedOptions(streamingSeed, "x-amz-checksum-crc64nvme"), unsignedOptions("x-amz-checksum-crc32c")} {
		o.DecodedLength = int64(len(data))
		if got, _, err := decodeChunked(encodeChunked(t, data, o, 0), o); err != nil || !bytes.Equal(got, data) {
			t.Errorf("5 MiB, signed=%v: %d bytes, %v", o.SigningKey != nil, len(got), err)
		}
	}
}

// However the data is split into writes, the body is the same.
func TestChunkWriterWriteSizes(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 3000)
	o := signedOptions(streamingSeed, "x-amz-checksum-crc32")
	want := encodeChunked(t, data, o, 9000)
	for _, step := range []int{1, 7, 8999, 9000, 9001, 20000} {
		var b bytes.Buffer
		w := NewChunkWriter(&b, o, 9000)
		for p := data; len(p) > 0; {
			n := min(step, len(p))
			if m, err := w.Write(p[:n]); m != n || err != nil {
				t.Fatalf("Write = %d, %v", m, err)
			}
			p = p[n:]
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("writes of %d bytes make a different body", step)
		}
		if got := w.Checksums()[ChecksumCRC32]; !strings.Contains(b.String(), "x-amz-checksum-crc32:"+got+"\r\n") {
			t.Errorf("Checksums() = %q, not the trailer sent", got)
		}
		if err := w.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if _, err := w.Write([]byte("x")); err == nil {
			t.Error("Write after Close succeeded")
		}
	}
}

func TestChunkWriterErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts ChunkOptions
		data string
	}{
		{"more than DecodedLength", ChunkOptions{DecodedLength: 3}, "four"},
		{"less than DecodedLength", ChunkOptions{DecodedLength: 5}, "four"},
		{"zero DecodedLength means empty", ChunkOptions{}, "four"},
		{"non-checksum trailer", unsignedOptions("x-amz-meta-a"), "four"},
		{"repeated trailer", unsignedOptions("x-amz-checksum-crc32", "X-Amz-Checksum-Crc32"), "four"},
		{"short signing key", ChunkOptions{SigningKey: []byte("key"), SeedSignature: streamingSeed, DecodedLength: -1}, "four"},
		{"short seed", ChunkOptions{SigningKey: streamingKey, SeedSignature: streamingSeed[1:], DecodedLength: -1}, "four"},
		{"non-hex seed", ChunkOptions{SigningKey: streamingKey, SeedSignature: "x" + streamingSeed[1:], DecodedLength: -1}, "four"},
	} {
		w := NewChunkWriter(io.Discard, tt.opts, 0)
		_, err := w.Write([]byte(tt.data))
		if err == nil {
			err = w.Close()
		}
		if err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	if _, err := EncodedLength(-1, 0, ChunkOptions{}); err == nil {
		t.Error("EncodedLength(-1) succeeded")
	}
	if _, err := EncodedLength(1, 0, unsignedOptions("x-amz-meta-a")); err == nil {
		t.Error("EncodedLength with a non-checksum trailer succeeded")
	}
	// A failing destination fails the writer for good.
	w := NewChunkWriter(failingWriter{}, unsignedOptions(), 4)
	if _, err := w.Write([]byte("12345678")); err == nil {
		t.Error("Write to a failing writer succeeded")
	}
	if err := w.Close(); err == nil {
		t.Error("Close after a failed Write succeeded")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// Each Read returns data of one chunk and fills p when the chunk allows:
// a consumer reading into buffers as large as a chunk receives whole,
// verified chunks, and nothing of a chunk whose signature fails.
func TestChunkReaderReadsWholeChunks(t *testing.T) {
	const cs = 10000
	data := bytes.Repeat([]byte("x"), 3*cs+5)
	o := signedOptions(streamingSeed)
	body := encodeChunked(t, data, o, cs)
	r := NewChunkReader(iotest.HalfReader(bytes.NewReader(body)), o)
	buf := make([]byte, 2*cs)
	var sizes []int
	for {
		n, err := r.Read(buf)
		if n > 0 {
			sizes = append(sizes, n)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if want := []int{cs, cs, cs, 5}; !slices.Equal(sizes, want) {
		t.Errorf("reads of %v, want %v", sizes, want)
	}

	bad := bytes.Clone(body)
	bad[bytes.Index(bad, []byte("\r\nx"))+2+cs+200] = 'y' // in the second chunk
	r = NewChunkReader(bytes.NewReader(bad), o)
	if n, err := r.Read(buf); n != cs || err != nil {
		t.Fatalf("first chunk: %d, %v", n, err)
	}
	n, err := r.Read(buf)
	if n != 0 {
		t.Errorf("read %d bytes of the bad chunk", n)
	}
	wantChunkError(t, err, CodeSignatureDoesNotMatch, 403)
	if e, _ := AsError(err); e != nil && (e.StringToSign == "" || e.SignatureProvided == "") {
		t.Errorf("the error does not explain itself: %+v", e)
	}
	if n, err2 := r.Read(buf); n != 0 || err2 != err {
		t.Errorf("after the error: %d, %v", n, err2)
	}
}

// chunkRecords splits a body into its records: each data chunk with its
// line and CRLF, then the rest (final chunk and trailers).
func chunkRecords(t *testing.T, body []byte) [][]byte {
	t.Helper()
	var recs [][]byte
	rest := body
	for {
		line, after, _ := bytes.Cut(rest, []byte("\r\n"))
		i := bytes.IndexByte(line, ';')
		if i < 0 {
			i = len(line)
		}
		size, err := strconv.ParseInt(string(line[:i]), 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		if size == 0 {
			return append(recs, rest)
		}
		n := len(line) + 2 + int(size) + 2
		recs = append(recs, rest[:n])
		rest = after[size+2:]
	}
}

// Every way of tampering with a body fails with its own error.
func TestChunkReaderTamper(t *testing.T) {
	data := make([]byte, 100)
	for i := range data {
		data[i] = byte(i)
	}
	const cs = 30
	type tamper struct {
		name   string
		edit   func(body []byte, recs [][]byte) []byte
		code   string
		status int
	}
	flip := func(b []byte, i int) []byte { b = bytes.Clone(b); b[i] ^= 1; return b }
	// otherHex changes the hex digit at i into another hex digit.
	otherHex := func(b []byte, i int) []byte {
		b = bytes.Clone(b)
		b[i] = map[bool]byte{true: '1', false: '0'}[b[i] == '0']
		return b
	}
	sigAt := len("1e" + chunkSignatureExt) // offset of the signature in a chunk line
	join := func(recs ...[]byte) []byte { return bytes.Join(recs, nil) }
	signedCases := []tamper{
		{"flip a data byte", func(b []byte, r [][]byte) []byte { return flip(b, len(r[0])+len(r[1])-5) }, CodeSignatureDoesNotMatch, 403},
		{"change a signature digit", func(b []byte, r [][]byte) []byte { return otherHex(b, len(r[0])+sigAt+10) }, CodeSignatureDoesNotMatch, 403},
		{"swap two chunks", func(b []byte, r [][]byte) []byte { return join(r[1], r[0], r[2], r[3], r[4]) }, CodeSignatureDoesNotMatch, 403},
		{"replay a chunk", func(b []byte, r [][]byte) []byte { return join(r[0], r[1], r[1], r[2], r[3], r[4]) }, CodeSignatureDoesNotMatch, 403},
		{"drop a chunk", func(b []byte, r [][]byte) []byte { return join(r[0], r[2], r[3], r[4]) }, CodeSignatureDoesNotMatch, 403},
		{"drop the last data chunk", func(b []byte, r [][]byte) []byte { return join(r[0], r[1], r[2], r[4]) }, CodeSignatureDoesNotMatch, 403},
		{"chunk after the final one", func(b []byte, r [][]byte) []byte { return join(r[0], r[1], r[2], r[3], r[4], r[0]) }, CodeIncompleteBody, 400},
		{"change the final chunk's signature", func(b []byte, r [][]byte) []byte {
			return otherHex(b, len(b)-len(r[4])+len("0"+chunkSignatureExt)+3)
		}, CodeSignatureDoesNotMatch, 403},
		{"change the checksum trailer", func(b []byte, r [][]byte) []byte {
			i := bytes.Index(b, []byte("crc32:")) + 6
			b = bytes.Clone(b)
			b[i] = map[bool]byte{true: 'A', false: 'B'}[b[i] != 'A']
			return b
		}, CodeSignatureDoesNotMatch, 403},
		{"change the trailer signature", func(b []byte, r [][]byte) []byte {
			return otherHex(b, bytes.Index(b, []byte("signature:"))+12)
		}, CodeSignatureDoesNotMatch, 403},
		{"drop the trailer signature", func(b []byte, r [][]byte) []byte {
			i := bytes.Index(b, []byte("x-amz-trailer-signature"))
			return append(bytes.Clone(b[:i]), "\r\n"...)
		}, CodeIncompleteBody, 400},
		{"final chunk without a signature", func(b []byte, r [][]byte) []byte {
			return join(r[0], r[1], r[2], r[3], []byte("0\r\n\r\n"))
		}, CodeIncompleteBody, 400},
	}
	unsignedCases := []tamper{
		{"flip a data byte", func(b []byte, r [][]byte) []byte { return flip(b, len(r[0])+5) }, CodeBadDigest, 400},
		{"swap two chunks", func(b []byte, r [][]byte) []byte { return join(r[1], r[0], r[2], r[3], r[4]) }, CodeBadDigest, 400},
		{"replay a chunk", func(b []byte, r [][]byte) []byte { return join(r[0], r[0], r[1], r[2], r[3], r[4]) }, CodeIncompleteBody, 400},
		{"wrong checksum", func(b []byte, r [][]byte) []byte {
			return join(r[0], r[1], r[2], r[3], []byte("0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"))
		}, CodeBadDigest, 400},
		{"malformed checksum", func(b []byte, r [][]byte) []byte {
			return join(r[0], r[1], r[2], r[3], []byte("0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n"))
		}, CodeInvalidRequest, 400},
		{"signed trailer in an unsigned body", func(b []byte, r [][]byte) []byte {
			return join(r[0], r[1], r[2], r[3], []byte(strings.Replace(string(r[4]), "\r\n\r\n", "\r\nx-amz-trailer-signature:"+streamingSeed+"\r\n\r\n", 1)))
		}, CodeMalformedTrailer, 400},
	}
	for _, signed := range []bool{true, false} {
		o, cases := unsignedOptions("x-amz-checksum-crc32"), unsignedCases
		if signed {
			o, cases = signedOptions(streamingSeed, "x-amz-checksum-crc32"), signedCases
		}
		o.MinChunkSize = 1
		o.DecodedLength = int64(len(data))
		body := encodeChunked(t, data, o, cs)
		recs := chunkRecords(t, body)
		if len(recs) != 5 {
			t.Fatalf("%d records", len(recs))
		}
		for _, tt := range cases {
			t.Run(fmt.Sprintf("signed=%v/%s", signed, tt.name), func(t *testing.T) {
				_, _, err := decodeChunked(tt.edit(body, recs), o)
				wantChunkError(t, err, tt.code, tt.status)
			})
		}
	}

	// Signatures made with anything else than the request's key, date,
	// scope or seed do not verify.
	o := signedOptions(streamingSeed)
	body := encodeChunked(t, data, o, 0)
	for name, edit := range map[string]func(*ChunkOptions){
		"seed":   func(o *ChunkOptions) { o.SeedSignature = streamingTrailerSeed },
		"date":   func(o *ChunkOptions) { o.AmzDate = "20130524T000001Z" },
		"region": func(o *ChunkOptions) { o.Scope.Region = "us-east-2" },
		"key":    func(o *ChunkOptions) { o.SigningKey = SigningKey(streamingSecret, "20130524", "us-east-2", "s3") },
	} {
		o2 := o
		edit(&o2)
		_, _, err := decodeChunked(body, o2)
		if e, _ := AsError(err); e == nil || e.Code != CodeSignatureDoesNotMatch {
			t.Errorf("another %s: %v", name, err)
		}
	}
	// The seed may be given in upper case (it is compared as a value).
	o.SeedSignature = strings.ToUpper(streamingSeed)
	if _, _, err := decodeChunked(body, o); err != nil {
		t.Errorf("upper-case seed: %v", err)
	}
}

// Malformed bodies, one rule each.
func TestChunkReaderMalformed(t *testing.T) {
	sig := strings.Repeat("0", 64)
	crc := "x-amz-checksum-crc32"
	hello := "5\r\nhello\r\n"
	tests := []struct {
		name   string
		body   string
		opts   ChunkOptions
		code   string
		status int
		eof    bool // the error wraps io.ErrUnexpectedEOF
	}{
		{"empty body", "", unsignedOptions(), CodeIncompleteBody, 400, true},
		{"no final chunk", hello, unsignedOptions(), CodeIncompleteBody, 400, true},
		{"cut in data", "5\r\nhel", unsignedOptions(), CodeIncompleteBody, 400, true},
		{"cut before CRLF", "5\r\nhello", unsignedOptions(), CodeIncompleteBody, 400, true},
		{"cut in CRLF", "5\r\nhello\r", unsignedOptions(), CodeIncompleteBody, 400, true},
		{"no final CRLF", hello + "0\r\n", unsignedOptions(), CodeIncompleteBody, 400, true},
		{"data longer than size", "5\r\nhelloX\r\n0\r\n\r\n", unsignedOptions(), CodeIncompleteBody, 400, false},
		{"bare LF after data", "5\r\nhello\n0\r\n\r\n", unsignedOptions(), CodeIncompleteBody, 400, false},
		{"bad hex", "g\r\nhello\r\n0\r\n\r\n", unsignedOptions(), CodeIncompleteBody, 400, false},
		{"empty size", "\r\n\r\n", unsignedOptions(), CodeIncompleteBody, 400, false},
		{"space after size", "5 \r\nhello\r\n0\r\n\r\n", unsignedOptions(), CodeIncompleteBody, 400, false},
		{"signed size", "+5\r\nhello\r\n0\r\n\r\n", unsignedOptions(), CodeIncompleteBody, 400, false},
		{"bare LF after size", "5\nhello\r\n0\r\n\r\n", unsignedOptions(), CodeIncompleteBody, 400, false},
		{"17 hex digits", "00000000000000005\r\nhello\r\n0\r\n\r\n", unsignedOptions(), CodeIncompleteBody, 400, false},
		{"16 hex digits", "0000000000000005\r\nhello\r\n0\r\n\r\n", unsignedOptions(), "", 0, false},
		{"upper-case hex", "A\r\nhellohello\r\n0\r\n\r\n", unsignedOptions(), "", 0, false},
		{"line too long", "5" + strings.Repeat(" ", 300) + "\r\n", unsignedOptions(), CodeIncompleteBody, 400, false},
		{"line longer than the buffer", strings.Repeat("0", 5000), unsignedOptions(), CodeIncompleteBody, 400, false},
		{"extension in unsigned body", "5;chunk-signature=" + sig + "\r\nhello\r\n0\r\n\r\n", unsignedOptions(), CodeIncompleteBody, 400, false},
		{"empty extension in unsigned body", "5;\r\nhello\r\n0\r\n\r\n", unsignedOptions(), CodeIncompleteBody, 400, false},
		{"no signature in signed body", hello + "0\r\n\r\n", signedOptions(streamingSeed), CodeIncompleteBody, 400, false},
		{"upper-case signature", "5;chunk-signature=" + strings.Repeat("A", 64) + "\r\nhello\r\n", signedOptions(streamingSeed), CodeIncompleteBody, 400, false},
		{"short signature", "5;chunk-signature=" + sig[1:] + "\r\nhello\r\n", signedOptions(streamingSeed), CodeIncompleteBody, 400, false},
		{"other extension", "5;chunk-sig=" + sig + "\r\nhello\r\n", signedOptions(streamingSeed), CodeIncompleteBody, 400, false},
		{"two extensions", "5;chunk-signature=" + sig + ";a=b\r\nhello\r\n", signedOptions(streamingSeed), CodeIncompleteBody, 400, false},
		{"wrong signature", "5;chunk-signature=" + sig + "\r\nhello\r\n", signedOptions(streamingSeed), CodeSignatureDoesNotMatch, 403, false},
		{"data after the end", hello + "0\r\n\r\nX", unsignedOptions(), CodeIncompleteBody, 400, false},
		{"chunk after the final one", hello + "0\r\n\r\n" + hello + "0\r\n\r\n", unsignedOptions(), CodeIncompleteBody, 400, false},
		{"chunk over the maximum", "ffffffffffffffff;chunk-signature=" + sig + "\r\n", signedOptions(streamingSeed), CodeInvalidChunkSize, 403, false},
		{"chunk just over the maximum", "11;chunk-signature=" + sig + "\r\n", withMax(signedOptions(streamingSeed), 16), CodeInvalidChunkSize, 403, false},
		{"unsigned chunks are not bounded", "11\r\n" + strings.Repeat("x", 17) + "\r\n0\r\n\r\n", withMax(unsignedOptions(), 16), "", 0, false},
		{"small chunk before another", hello + hello + "0\r\n\r\n", unsignedOptions(), CodeInvalidChunkSize, 403, false},
		{"small last chunk", hello + "0\r\n\r\n", unsignedOptions(), "", 0, false},
		{"longer than decoded length", hello + "0\r\n\r\n", withDecoded(unsignedOptions(), 4), CodeIncompleteBody, 400, false},
		{"shorter than decoded length", hello + "0\r\n\r\n", withDecoded(unsignedOptions(), 6), CodeIncompleteBody, 400, false},
		{"undeclared trailer", hello + "0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", unsignedOptions(), CodeMalformedTrailer, 400, false},
		{"missing trailer", hello + "0\r\n\r\n", unsignedOptions(crc), CodeMalformedTrailer, 400, false},
		{"one of two trailers missing", hello + "0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", unsignedOptions(crc, "x-amz-meta-a"), CodeMalformedTrailer, 400, false},
		{"repeated trailer", hello + "0\r\nx-amz-checksum-crc32:NhCmhg==\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", unsignedOptions(crc), CodeMalformedTrailer, 400, false},
		{"trailer without colon", hello + "0\r\nx-amz-checksum-crc32\r\n\r\n", unsignedOptions(crc), CodeMalformedTrailer, 400, false},
		{"trailer name with a space", hello + "0\r\nx-amz-checksum-crc32 :NhCmhg==\r\n\r\n", unsignedOptions(crc), CodeMalformedTrailer, 400, false},
		{"trailer", hello + "0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", unsignedOptions(crc), "", 0, false},
		{"trailer with spaces", hello + "0\r\nX-Amz-Checksum-CRC32: NhCmhg== \r\n\r\n", unsignedOptions(crc), "", 0, false},
		{"minio-go trailer", hello + "0\r\nx-amz-checksum-crc32:NhCmhg==\n\r\n\r\n", unsignedOptions(crc), "", 0, false},
		{"minio-go trailer without its CRLF", hello + "0\r\nx-amz-checksum-crc32:NhCmhg==\n\r\n", unsignedOptions(crc), CodeIncompleteBody, 400, true},
		{"trailers with mixed line ends", hello + "0\r\nx-amz-checksum-crc32:NhCmhg==\nx-amz-meta-a:b\r\n\r\n\r\n", unsignedOptions(crc, "x-amz-meta-a"), CodeMalformedTrailer, 400, false},
		{"trailer ended by LF only", hello + "0\r\nx-amz-checksum-crc32:NhCmhg==\n\n", unsignedOptions(crc), CodeMalformedTrailer, 400, false},
		{"cut in trailer", hello + "0\r\nx-amz-checksum-crc32:NhCm", unsignedOptions(crc), CodeIncompleteBody, 400, true},
		{"no empty line after trailer", hello + "0\r\nx-amz-checksum-crc32:NhCmhg==\r\n", unsignedOptions(crc), CodeIncompleteBody, 400, true},
		{"blank line before trailer", hello + "0\r\n\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", unsignedOptions(crc), CodeMalformedTrailer, 400, false},
		{"trailer line too long", hello + "0\r\nx-amz-meta-a:" + strings.Repeat("b", 1100) + "\r\n\r\n", unsignedOptions("x-amz-meta-a"), CodeMalformedTrailer, 400, false},
		{"longest trailer line", hello + "0\r\nx-amz-meta-a:" + strings.Repeat("b", maxTrailerLine-len("x-amz-meta-a:\r\n")) + "\r\n\r\n", unsignedOptions("x-amz-meta-a"), "", 0, false},
		{"16 digits and a signature", "0000000000000005;chunk-signature=" + sig + "\r\nhello\r\n", signedOptions(streamingSeed), CodeSignatureDoesNotMatch, 403, false},
		{"unsigned chunk over 5 TiB", "50000000001\r\n", unsignedOptions(), CodeInvalidChunkSize, 403, false},
		{"wrong checksum", hello + "0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", unsignedOptions(crc), CodeBadDigest, 400, false},
		{"checksum without padding", hello + "0\r\nx-amz-checksum-crc32:NhCmhg\r\n\r\n", unsignedOptions(crc), CodeInvalidRequest, 400, false},
		{"declared trailer-signature", hello + "0\r\n\r\n", unsignedOptions(trailerSignatureName), CodeInvalidRequest, 400, false},
		{"declared twice", hello + "0\r\n\r\n", unsignedOptions(crc, "X-Amz-Checksum-CRC32"), CodeInvalidRequest, 400, false},
		{"declared name with a space", hello + "0\r\n\r\n", unsignedOptions("x-amz meta"), CodeInvalidRequest, 400, false},
		{"declared empty name", hello + "0\r\n\r\n", unsignedOptions(""), CodeInvalidRequest, 400, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.opts.MinChunkSize == 0 && !strings.Contains(tt.name, "small") {
				tt.opts.MinChunkSize = 1
			}
			_, _, err := decodeChunked([]byte(tt.body), tt.opts)
			if tt.code == "" {
				if err != nil {
					t.Errorf("error %v", err)
				}
				return
			}
			wantChunkError(t, err, tt.code, tt.status)
			if got := errors.Is(err, io.ErrUnexpectedEOF); got != tt.eof {
				t.Errorf("errors.Is(err, io.ErrUnexpectedEOF) = %v", got)
			}
		})
	}
}

// TestChunkReaderMessages pins the messages of the errors whose cause is
// the body's framing or its length, where S3's choice between them is
// subtle: a chunk past x-amz-decoded-content-length is read to its end
// before the length is reported, and the trailer signature is framing while
// the trailer fields are trailers.
func TestChunkReaderMessages(t *testing.T) {
	crc := "x-amz-checksum-crc64nvme"
	o := signedOptions(streamingTrailerSeed, crc)
	o.DecodedLength, o.MinChunkSize = 7, 1
	signed := string(encodeChunked(t, []byte("abcdefg"), o, 8192))
	trailer := strings.Index(signed, crc+":")
	sigLine := strings.Index(signed, trailerSignatureName)
	edit := func(from, to int, with string) string { return signed[:from] + with + signed[to:] }
	tests := []struct {
		name    string
		body    string
		opts    ChunkOptions
		code    string
		msg     string
		maxData int // the most data the reader may hand out
	}{
		{"chunk past the length", "b\r\nabcdefghijk\r\n0\r\n\r\n", withDecoded(unsignedOptions(), 5),
			CodeIncompleteBody, msgDecodedLength, 5},
		{"chunk past the length, trailer", "a\r\ndummy data\r\n0\r\n" + crc + ":dPVWc2vU1+Q=\r\n\r\n", withDecoded(unsignedOptions(crc), 7),
			CodeIncompleteBody, msgDecodedLength, 7},
		{"second chunk past the length", "5\r\nhello\r\n5\r\nhello\r\n0\r\n\r\n", withDecoded(unsignedOptions(), 5),
			CodeIncompleteBody, msgDecodedLength, 5},
		{"chunk past the length, broken framing", "B\r\ndummy data\r\n0\r\n\r\n", withDecoded(unsignedOptions(crc), 10),
			CodeIncompleteBody, msgTerminated, 10},
		{"chunk past the length, cut short", "b\r\nabcdefgh", withDecoded(unsignedOptions(), 5),
			CodeIncompleteBody, msgTerminated, 5},
		{"chunk far past the length", "100000\r\n", withDecoded(unsignedOptions(), 5),
			CodeIncompleteBody, msgDecodedLength, 0},
		{"shorter than the length", "b\r\nabcdefghijk\r\n0\r\n\r\n", withDecoded(unsignedOptions(), 200),
			CodeIncompleteBody, msgDecodedLength, 11},
		{"signed trailer", signed, o, "", "", 7},
		{"trailer line broken by a bare CR", edit(sigLine-1, sigLine, "bcd"), o, CodeIncompleteBody, msgTerminated, 7},
		{"trailer signature misnamed", edit(sigLine+4, sigLine+7, "invalid"), o, CodeIncompleteBody, msgTerminated, 7},
		{"trailer signature line without a colon", edit(sigLine+len(trailerSignatureName), sigLine+len(trailerSignatureName)+1, ""), o,
			CodeIncompleteBody, msgTerminated, 7},
		{"trailer signature too long", edit(sigLine+25, sigLine+29, "abcde"), o, CodeIncompleteBody, msgTerminated, 7},
		{"trailer signature missing", edit(sigLine, len(signed)-2, ""), o, CodeIncompleteBody, msgTerminated, 7},
		{"trailer field misnamed", edit(trailer, trailer+len("x-amz"), "x-bad"), o, CodeMalformedTrailer, msgMalformedTrailer, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.MinChunkSize = 1
			data, _, err := decodeChunked([]byte(tt.body), tt.opts)
			if len(data) > tt.maxData {
				t.Errorf("read %d bytes, want at most %d", len(data), tt.maxData)
			}
			if tt.code == "" {
				if err != nil {
					t.Errorf("error %v", err)
				}
				return
			}
			e, ok := AsError(err)
			if !ok || e.Code != tt.code || e.Message != tt.msg {
				t.Fatalf("error %v, want %s %q", err, tt.code, tt.msg)
			}
		})
	}
}

func withMax(o ChunkOptions, n int64) ChunkOptions     { o.MaxChunkSize = n; return o }
func withDecoded(o ChunkOptions, n int64) ChunkOptions { o.DecodedLength = n; return o }

// Options that no request can cause are the caller's mistake: plain errors,
// not S3 errors.
func TestChunkReaderBadOptions(t *testing.T) {
	for name, o := range map[string]ChunkOptions{
		"short key":    {SigningKey: []byte("k"), SeedSignature: streamingSeed},
		"empty key":    {SigningKey: []byte{}, SeedSignature: streamingSeed},
		"no seed":      {SigningKey: streamingKey},
		"non-hex seed": {SigningKey: streamingKey, SeedSignature: strings.Repeat("g", 64)},
	} {
		_, _, err := decodeChunked([]byte("0\r\n\r\n"), o)
		if _, ok := AsError(err); err == nil || ok {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A broken input is reported as it is, not as a protocol error, so that the
// caller can tell a client that went away (or a size limit) from a bad
// body.
func TestChunkReaderInputError(t *testing.T) {
	body := encodeChunked(t, bytes.Repeat([]byte("x"), 50000), signedOptions(streamingSeed), 0)
	errBroken := errors.New("connection reset")
	for _, n := range []int{0, 10, 100, 30000, len(body) - 3} {
		r := NewChunkReader(io.MultiReader(bytes.NewReader(body[:n]), iotest.ErrReader(errBroken)), signedOptions(streamingSeed))
		if _, err := io.ReadAll(r); err != errBroken {
			t.Errorf("cut at %d: %v", n, err)
		}
	}
	var maxErr *http.MaxBytesError
	r := NewChunkReader(http.MaxBytesReader(nil, io.NopCloser(bytes.NewReader(body)), 1000), signedOptions(streamingSeed))
	if _, err := io.ReadAll(r); !errors.As(err, &maxErr) {
		t.Errorf("MaxBytesReader: %v", err)
	}
	// An input that returns nothing without an error is not spun on for
	// ever, and the chunk it stalls in is not handed out partly.
	r = NewChunkReader(&stallReader{body: body[:200]}, signedOptions(streamingSeed))
	if n, err := r.Read(make([]byte, 1<<20)); n != 0 || err != io.ErrNoProgress {
		t.Errorf("stalled input: %d, %v", n, err)
	}
}

// stallReader returns its body, then 0, nil for ever.
type stallReader struct{ body []byte }

func (s *stallReader) Read(p []byte) (int, error) {
	n := copy(p, s.body)
	s.body = s.body[n:]
	return n, nil
}

// smallChunkedBody is a small encoded body, its options and its data.
type smallChunkedBody struct {
	body []byte
	opts ChunkOptions
	data []byte
}

// smallChunkedBodies returns small bodies of each kind, in chunks of 16 bytes, for
// the exhaustive tests below.
func smallChunkedBodies(t *testing.T) map[string]smallChunkedBody {
	data := []byte("The quick brown fox jumps over the lazy dog")
	m := map[string]smallChunkedBody{}
	for name, o := range map[string]ChunkOptions{
		"signed":                signedOptions(streamingSeed),
		"signed with trailer":   signedOptions(streamingSeed, "x-amz-checksum-crc32c"),
		"unsigned with trailer": unsignedOptions("x-amz-checksum-sha1"),
	} {
		o.MinChunkSize = 1
		body := encodeChunked(t, data, o, 16)
		m[name] = smallChunkedBody{body, o, data}
		o.DecodedLength = int64(len(data))
		m[name+", decoded length"] = smallChunkedBody{body, o, data}
	}
	return m
}

// A body cut anywhere is an error, and says the body ended early.
func TestChunkReaderTruncated(t *testing.T) {
	for name, b := range smallChunkedBodies(t) {
		for i := range len(b.body) {
			_, _, err := decodeChunked(b.body[:i], b.opts)
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("%s cut at %d of %d: %v", name, i, len(b.body), err)
			}
			wantChunkError(t, err, CodeIncompleteBody, 400)
		}
	}
}

// No change of one byte, insertion or deletion in a signed body makes it
// decodeChunked to other data. (Some changes are harmless: hex digits have two
// cases.)
func TestChunkReaderMutations(t *testing.T) {
	for name, b := range smallChunkedBodies(t) {
		if b.opts.SigningKey == nil {
			continue // nothing but the checksum protects unsigned data
		}
		check := func(what string, body []byte) {
			got, _, err := decodeChunked(body, b.opts)
			if err == nil && !bytes.Equal(got, b.data) {
				t.Errorf("%s: %s decodes to %q", name, what, got)
			}
			if _, ok := AsError(err); err != nil && !ok {
				t.Errorf("%s: %s: %v is not an *Error", name, what, err)
			}
		}
		for i := range len(b.body) {
			for _, x := range []byte{1, 2, 4, 8, 16, 32, 64, 128} {
				m := bytes.Clone(b.body)
				m[i] ^= x
				check(fmt.Sprintf("byte %d ^ %#x", i, x), m)
			}
			check(fmt.Sprintf("deleting byte %d", i), slices.Delete(bytes.Clone(b.body), i, i+1))
			for _, c := range []byte("0a\r\n:;") {
				check(fmt.Sprintf("inserting %q at %d", c, i), slices.Insert(bytes.Clone(b.body), i, c))
			}
		}
	}
}

// The forms minio-go (and so mc) sends, trailer lines ending in LF followed
// by an extra CRLF, decodeChunked to the same data and trailers.
func TestChunkReaderMinioGoForm(t *testing.T) {
	data := bytes.Repeat([]byte("m"), 70000)
	for _, o := range []ChunkOptions{signedOptions(streamingSeed, "x-amz-checksum-crc32c"), unsignedOptions("x-amz-checksum-crc32c")} {
		body := string(encodeChunked(t, data, o, 0))
		c, _ := NewChecksum(ChecksumCRC32C)
		c.Write(data)
		field := "x-amz-checksum-crc32c:" + c.Base64()
		var minio string
		if o.SigningKey != nil {
			// "0;chunk-signature=…\r\n" field "\n" "\r\n" "x-amz-trailer-signature:…\r\n\r\n"
			minio = strings.Replace(body, field+"\r\nx-amz-trailer-signature:", field+"\n\r\nx-amz-trailer-signature:", 1)
		} else {
			// "0\r\n" field "\n" "\r\n\r\n"
			minio = strings.Replace(body, field+"\r\n\r\n", field+"\n\r\n\r\n", 1)
		}
		if minio == body {
			t.Fatal("no trailer to rewrite")
		}
		got, r, err := decodeChunked([]byte(minio), o)
		if err != nil || !bytes.Equal(got, data) || r.Trailer().Get("x-amz-checksum-crc32c") != c.Base64() {
			t.Errorf("signed=%v: %d bytes, %v, trailers %v", o.SigningKey != nil, len(got), err, r.Trailer())
		}
	}
}

// Reading a body of any size allocates the same small amount: the reader
// holds a line and hashes, never the body or a chunk.
func TestChunkReaderConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("encodes 64 MiB")
	}
	size := 64 << 20
	if raceEnabled {
		size = 16 << 20 // the race detector makes hashing slow
	}
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	o := signedOptions(streamingSeed, "x-amz-checksum-crc64nvme")
	o.DecodedLength = int64(len(data))
	big := encodeChunked(t, data, o, 0)
	o1 := o
	o1.DecodedLength = 1 << 20
	small := encodeChunked(t, data[:1<<20], o1, 0)
	buf := make([]byte, 32<<10)
	read := func(body []byte, o ChunkOptions) {
		r := NewChunkReader(bytes.NewReader(body), o)
		if _, err := io.CopyBuffer(discardWriter{}, r, buf); err != nil {
			t.Fatal(err)
		}
	}
	allocsSmall := testing.AllocsPerRun(1, func() { read(small, o1) })
	allocsBig := testing.AllocsPerRun(1, func() { read(big, o) })
	if allocsBig != allocsSmall || allocsBig > 40 {
		t.Errorf("reading 1 MiB allocates %v times, %d MiB %v times", allocsSmall, size>>20, allocsBig)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	read(big, o)
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
		t.Errorf("reading %d MiB allocated %d bytes", size>>20, n)
	}
	t.Logf("%v allocations, %d bytes per body", allocsBig, after.TotalAlloc-before.TotalAlloc)
}

// discardWriter is io.Discard without ReadFrom, so that io.CopyBuffer uses the
// buffer given.
type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }

func BenchmarkChunkReader(b *testing.B) {
	data := make([]byte, 16<<20)
	for _, bm := range []struct {
		name string
		opts ChunkOptions
	}{
		{"signed", signedOptions(streamingSeed)},
		{"signed+crc32c", signedOptions(streamingSeed, "x-amz-checksum-crc32c")},
		{"unsigned+crc32", unsignedOptions("x-amz-checksum-crc32")},
		{"unsigned+crc64nvme", unsignedOptions("x-amz-checksum-crc64nvme")},
		{"unsigned+sha256", unsignedOptions("x-amz-checksum-sha256")},
	} {
		b.Run(bm.name, func(b *testing.B) {
			body := encodeChunked(b, data, bm.opts, DefaultChunkSize)
			buf := make([]byte, 32<<10)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := io.CopyBuffer(discardWriter{}, NewChunkReader(bytes.NewReader(body), bm.opts), buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkChunkWriter(b *testing.B) {
	data := make([]byte, 16<<20)
	o := signedOptions(streamingSeed, "x-amz-checksum-crc32c")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		w := NewChunkWriter(discardWriter{}, o, DefaultChunkSize)
		w.Write(data)
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzChunkReader decodes arbitrary bodies in each mode and checks the
// result against refDecodeChunked, a second decoder written naively from the
// grammar: both must accept the same bodies and find the same data and
// trailers. Bodies signed with the example key come from the seed corpus,
// which -chunked.update-corpus regenerates.
func FuzzChunkReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte, mode uint8, decodedLength int64, readSize uint16) {
		o := fuzzOptions(mode, decodedLength)
		r := NewChunkReader(bytes.NewReader(body), o)
		var got []byte
		buf := make([]byte, int(readSize)%5000+1)
		var err error
		for {
			var n int
			n, err = r.Read(buf)
			got = append(got, buf[:n]...)
			if err != nil {
				break
			}
		}
		want, wantTrailers, ok := refDecodeChunked(body, o)
		if err == io.EOF {
			if !ok {
				t.Fatalf("ChunkReader accepts what refDecodeChunked rejects; decoded %q", got)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("ChunkReader decoded %q, refDecodeChunked %q", got, want)
			}
			if o.DecodedLength >= 0 && int64(len(got)) != o.DecodedLength {
				t.Fatalf("decoded %d bytes, declared %d", len(got), o.DecodedLength)
			}
			for name, v := range wantTrailers {
				if r.Trailer().Get(name) != v {
					t.Fatalf("trailer %s = %q, refDecodeChunked %q", name, r.Trailer().Get(name), v)
				}
			}
			return
		}
		e, isErr := AsError(err)
		if !isErr {
			t.Fatalf("error %v is not an *Error", err)
		}
		if ok {
			t.Fatalf("ChunkReader rejects what refDecodeChunked accepts: %v (%v)", err, e.Err)
		}
		status := map[string]int{CodeIncompleteBody: 400, CodeSignatureDoesNotMatch: 403, CodeInvalidChunkSize: 403,
			CodeMalformedTrailer: 400, CodeBadDigest: 400, CodeInvalidRequest: 400}[e.Code]
		if status == 0 || e.Status != status {
			t.Fatalf("error %s with status %d", e.Code, e.Status)
		}
	})
}

// fuzzOptions derives the options of a fuzz case from its mode: bit 0 signs
// the chunks, bit 1 declares a CRC32 trailer, bit 2 a second, non-checksum
// trailer, bit 3 lifts the minimum chunk size; chunks are bounded at 64
// bytes so that the bound is reachable.
func fuzzOptions(mode uint8, decodedLength int64) ChunkOptions {
	var trailers []string
	if mode&2 != 0 {
		trailers = append(trailers, "x-amz-checksum-crc32")
	}
	if mode&4 != 0 {
		trailers = append(trailers, "x-amz-meta-note")
	}
	o := unsignedOptions(trailers...)
	if mode&1 != 0 {
		o = signedOptions(streamingSeed, trailers...)
	}
	o.MinChunkSize = 4
	if mode&8 != 0 {
		o.MinChunkSize = 1
	}
	o.MaxChunkSize = 64
	o.DecodedLength = max(decodedLength, -1)
	return o
}

// refHMAC returns the hex HMAC-SHA256 of the lines given.
func refHMAC(key []byte, lines ...string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(m.Sum(nil))
}

func refSHA256(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

// refEncodeChunked encodes data in chunks of cs bytes followed by any trailers,
// naively, as refDecodeChunked reads it: the fuzz corpus needs trailers that
// ChunkWriter does not send.
func refEncodeChunked(data []byte, o ChunkOptions, cs int, trailers map[string]string) []byte {
	var b strings.Builder
	prev := o.SeedSignature
	for {
		chunk := data[:min(cs, len(data))]
		data = data[len(chunk):]
		fmt.Fprintf(&b, "%x", len(chunk))
		if o.SigningKey != nil {
			prev = refHMAC(o.SigningKey, "AWS4-HMAC-SHA256-PAYLOAD", o.AmzDate, o.Scope.String(), prev, EmptyPayloadHash, refSHA256(string(chunk)))
			b.WriteString(";chunk-signature=" + prev)
		}
		b.WriteString("\r\n")
		if len(chunk) == 0 {
			break
		}
		b.WriteString(string(chunk) + "\r\n")
	}
	var canonical string
	for _, name := range slices.Sorted(maps.Keys(trailers)) {
		canonical += name + ":" + trailers[name] + "\n"
		b.WriteString(name + ":" + trailers[name] + "\r\n")
	}
	if o.SigningKey != nil && len(trailers) > 0 {
		b.WriteString("x-amz-trailer-signature:" + refHMAC(o.SigningKey, "AWS4-HMAC-SHA256-TRAILER", o.AmzDate, o.Scope.String(), prev, refSHA256(canonical)) + "\r\n")
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

// The writer and the naive encoder agree.
func TestChunkWriterMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for i := range 200 {
		var names []string
		for _, a := range allChecksums {
			if rng.IntN(3) == 0 {
				names = append(names, a.Header())
			}
		}
		o := unsignedOptions(names...)
		if i%2 == 0 {
			o = signedOptions(streamingTrailerSeed, names...)
		}
		data := make([]byte, rng.IntN(3000))
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		cs := 1 + rng.IntN(1000)
		trailers := map[string]string{}
		for _, n := range names {
			a, _ := ChecksumAlgorithmForHeader(n)
			c, _ := NewChecksum(a)
			c.Write(data)
			trailers[n] = c.Base64()
		}
		if got, want := encodeChunked(t, data, o, cs), refEncodeChunked(data, o, cs, trailers); !bytes.Equal(got, want) {
			t.Fatalf("ChunkWriter wrote\n%q\nrefEncode\n%q", got, want)
		}
	}
}

// refDecodeChunked decodes body as ChunkReader should, holding all of it and
// splitting it with package strings; it reports whether body is valid.
func refDecodeChunked(body []byte, o ChunkOptions) (data []byte, trailers map[string]string, ok bool) {
	signed := o.SigningKey != nil
	prev := strings.ToLower(o.SeedSignature)
	sign := func(parts ...string) string { return refHMAC(o.SigningKey, parts...) }
	sha := refSHA256
	scope := o.Scope.String()
	isLowerHex := func(s string) bool { return strings.Trim(s, "0123456789abcdef") == "" }
	var out strings.Builder
	rest := string(body)
	last := int64(-1)
	for {
		line, after, found := strings.Cut(rest, "\r\n")
		if !found || len(line)+2 > maxChunkLine || strings.Contains(line, "\n") {
			return nil, nil, false
		}
		rest = after
		digits, sig := line, ""
		if signed {
			var cut bool
			digits, sig, cut = strings.Cut(line, ";chunk-signature=")
			if !cut || len(sig) != 64 || !isLowerHex(sig) {
				return nil, nil, false
			}
		}
		if digits == "" || len(digits) > 16 || strings.Trim(digits, "0123456789abcdefABCDEF") != "" {
			return nil, nil, false
		}
		size, _ := strconv.ParseUint(digits, 16, 64)
		if signed && size > uint64(o.MaxChunkSize) || size > maxUnsignedChunk {
			return nil, nil, false
		}
		if size > 0 && last >= 0 && last < o.MinChunkSize {
			return nil, nil, false
		}
		if o.DecodedLength >= 0 && uint64(out.Len())+size > uint64(o.DecodedLength) || size > uint64(len(rest)) {
			return nil, nil, false
		}
		chunk := rest[:size]
		rest = rest[size:]
		if signed {
			want := sign("AWS4-HMAC-SHA256-PAYLOAD", o.AmzDate, scope, prev, EmptyPayloadHash, sha(chunk))
			if want != sig {
				return nil, nil, false
			}
			prev = want
		}
		if size == 0 {
			break
		}
		if !strings.HasPrefix(rest, "\r\n") {
			return nil, nil, false
		}
		rest = rest[2:]
		out.WriteString(chunk)
		last = int64(size)
	}
	if o.DecodedLength >= 0 && int64(out.Len()) != o.DecodedLength {
		return nil, nil, false
	}

	// The trailers: either "f\r\n"… or "f\n"… "\r\n", then for a signed
	// body with trailers the signature line, then "\r\n".
	names := make([]string, len(o.Trailers))
	for i, n := range o.Trailers {
		names[i] = strings.ToLower(n)
	}
	withSig := signed && len(names) > 0
	section, ok := strings.CutSuffix(rest, "\r\n")
	if !ok {
		return nil, nil, false
	}
	var fields []string
	sigLine := ""
	if section != "" {
		section, ok = strings.CutSuffix(section, "\r\n")
		if !ok {
			return nil, nil, false
		}
		lines := strings.Split(section, "\r\n")
		if withSig {
			sigLine, lines = lines[len(lines)-1], lines[:len(lines)-1]
			if len(sigLine)+2 > maxTrailerLine {
				return nil, nil, false
			}
		}
		switch {
		case len(lines) == 1 && strings.Contains(lines[0], "\n"):
			block, ok := strings.CutSuffix(lines[0], "\n")
			if !ok {
				return nil, nil, false
			}
			fields = strings.Split(block, "\n")
			for _, f := range fields {
				if len(f)+1 > maxTrailerLine {
					return nil, nil, false
				}
			}
		default:
			for _, l := range lines {
				if strings.Contains(l, "\n") || len(l)+2 > maxTrailerLine {
					return nil, nil, false
				}
			}
			fields = lines
		}
	}
	trailers = map[string]string{}
	for _, f := range fields {
		name, value, found := strings.Cut(f, ":")
		name = asciiLower(name)
		if _, dup := trailers[name]; !found || !slices.Contains(names, name) || dup {
			return nil, nil, false
		}
		trailers[name] = strings.Trim(value, " \t")
	}
	if len(trailers) != len(names) {
		return nil, nil, false
	}
	if withSig {
		name, value, found := strings.Cut(sigLine, ":")
		value = strings.Trim(value, " \t")
		if !found || asciiLower(name) != trailerSignatureName || len(value) != 64 || !isLowerHex(value) {
			return nil, nil, false
		}
		sorted := slices.Sorted(func(yield func(string) bool) {
			for n := range trailers {
				if !yield(n) {
					return
				}
			}
		})
		var canonical strings.Builder
		for _, n := range sorted {
			canonical.WriteString(n + ":" + trailers[n] + "\n")
		}
		if sign("AWS4-HMAC-SHA256-TRAILER", o.AmzDate, scope, prev, sha(canonical.String())) != value {
			return nil, nil, false
		}
	}
	for name, v := range trailers {
		if a, isSum := ChecksumAlgorithmForHeader(name); isSum {
			c, _ := NewChecksum(a)
			c.Write([]byte(out.String()))
			if v != c.Base64() {
				return nil, nil, false
			}
		}
	}
	return []byte(out.String()), trailers, true
}

func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

var updateCorpus = flag.Bool("chunked.update-corpus", false, "rewrite testdata/fuzz/FuzzChunkReader")

// TestFuzzCorpus checks that the committed seed corpus is what
// fuzzCorpus generates (and rewrites it with -chunked.update-corpus), so the
// signed seeds stay valid when the encoding changes.
func TestFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzChunkReader")
	want := fuzzCorpus(t)
	if *updateCorpus {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, content := range want {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, content := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != content {
			t.Errorf("%s is missing or stale (run go test -run TestFuzzCorpus -chunked.update-corpus): %v", name, err)
		}
	}
}

// fuzzCorpus returns the seed corpus of FuzzChunkReader: a valid body of
// each mode, and a few near misses.
func fuzzCorpus(t *testing.T) map[string]string {
	files := map[string]string{}
	add := func(name string, body []byte, mode uint8, decoded int64, readSize uint16) {
		files[name] = fmt.Sprintf("go test fuzz v1\n[]byte(%s)\nuint8(%d)\nint64(%d)\nuint16(%d)\n",
			strconv.Quote(string(body)), mode, decoded, readSize)
	}
	data := []byte("Wicket decodes aws-chunked bodies; this seed is long enough for a few chunks of 4 to 64 bytes.")
	for mode := range uint8(16) {
		o := fuzzOptions(mode, int64(len(data)))
		trailers := map[string]string{}
		if mode&2 != 0 {
			c, _ := NewChecksum(ChecksumCRC32)
			c.Write(data)
			trailers["x-amz-checksum-crc32"] = c.Base64()
		}
		if mode&4 != 0 {
			trailers["x-amz-meta-note"] = "seed"
		}
		for _, cs := range []int{16, 64} {
			body := refEncodeChunked(data, o, cs, trailers)
			if _, _, err := decodeChunked(body, o); err != nil {
				t.Fatalf("mode %d, chunks of %d: %v", mode, cs, err)
			}
			add(fmt.Sprintf("valid-mode%02d-chunk%d", mode, cs), body, mode, int64(len(data)), uint16(cs+int(mode)))
			if mode == 3 && cs == 16 {
				add("valid-unknown-length", body, mode, -1, 7)
				add("cut", body[:len(body)-1], mode, -1, 100)
				add("bit-flip", append(bytes.Clone(body[:40]), append([]byte{body[40] ^ 1}, body[41:]...)...), mode, -1, 100)
			}
		}
		if mode&1 == 0 && mode&4 == 0 && mode&2 != 0 {
			c, _ := NewChecksum(ChecksumCRC32)
			c.Write(data[:20])
			add(fmt.Sprintf("minio-go-mode%02d", mode),
				[]byte(fmt.Sprintf("14\r\n%s\r\n0\r\nx-amz-checksum-crc32:%s\n\r\n\r\n", data[:20], c.Base64())), mode, 20, 64)
		}
	}
	add("empty", nil, 0, -1, 1)
	add("final-only", []byte("0\r\n\r\n"), 0, 0, 1)
	add("too-big", []byte("ffffffffffffffff\r\n"), 0, -1, 1)
	add("small-then-more", []byte("1\r\na\r\n1\r\nb\r\n0\r\n\r\n"), 0, -1, 1)
	return files
}

// ExampleNewChunkWriter signs and encodes the body of AWS's chunked upload
// example, from headers to final chunk: the request signature is the seed
// of the chunk signatures.
func ExampleNewChunkWriter() {
	creds := Credentials{AccessKeyID: streamingAccessKey, SecretAccessKey: streamingSecret}
	data := bytes.Repeat([]byte("a"), 66560)
	now := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	opts := ChunkOptions{
		SigningKey:    SigningKey(creds.SecretAccessKey, "20130524", "us-east-1", "s3"),
		DecodedLength: int64(len(data)),
	}
	length, err := EncodedLength(opts.DecodedLength, DefaultChunkSize, opts)
	if err != nil {
		panic(err)
	}
	req, _ := http.NewRequest("PUT", "https://s3.amazonaws.com/examplebucket/chunkObject.txt", nil)
	req.ContentLength = length
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
	req.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	var d Debug
	err = NewSigner().Sign(req, creds, Params{Region: "us-east-1", Service: "s3", Time: now, PayloadHash: StreamingPayload, Debug: &d})
	if err != nil {
		panic(err)
	}
	opts.AmzDate = req.Header.Get("X-Amz-Date")
	opts.Scope = Scope{Date: "20130524", Region: "us-east-1", Service: "s3"}
	opts.SeedSignature = d.Signature

	var body bytes.Buffer
	w := NewChunkWriter(&body, opts, DefaultChunkSize)
	w.Write(data)
	if err := w.Close(); err != nil {
		panic(err)
	}
	req.Body = io.NopCloser(&body)

	fmt.Println("Content-Length:", req.ContentLength, body.Len())
	fmt.Println("Seed:", d.Signature)
	for line := range strings.Lines(body.String()) {
		if len(line) < 100 {
			fmt.Printf("%q\n", line)
		}
	}
	// Output:
	// Content-Length: 66824 66824
	// Seed: 4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9
	// "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n"
	// "400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"
	// "0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n"
	// "\r\n"
}

// ExampleNewChunkReader decodes the body of an upload as current AWS SDKs
// send it: unsigned chunks (STREAMING-UNSIGNED-PAYLOAD-TRAILER) and a CRC32
// trailer. A server writes the data to a temporary blob and keeps it only
// when Read returns io.EOF.
func ExampleNewChunkReader() {
	body := "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n"
	r := NewChunkReader(strings.NewReader(body), ChunkOptions{
		Trailers:      []string{"x-amz-checksum-crc32"}, // from X-Amz-Trailer
		DecodedLength: 11,                               // from X-Amz-Decoded-Content-Length
	})
	data, err := io.ReadAll(r)
	fmt.Printf("%q %v %s\n", data, err, r.Checksums()[ChecksumCRC32])

	r = NewChunkReader(strings.NewReader(strings.Replace(body, "world", "there", 1)), ChunkOptions{
		Trailers:      []string{"x-amz-checksum-crc32"},
		DecodedLength: 11,
	})
	_, err = io.ReadAll(r)
	fmt.Println(err)
	// Output:
	// "hello world" <nil> DUoRhQ==
	// BadDigest: The CRC32 you specified did not match the calculated checksum.
}

// ExampleEncodedLength gives the Content-Length of a 1 MiB upload in
// unsigned 64 KiB chunks with a CRC32 trailer: 16 chunk lines "10000\r\n",
// 16 CRLFs after the data, "0\r\n", the trailer line and the final CRLF.
func ExampleEncodedLength() {
	n, err := EncodedLength(1<<20, DefaultChunkSize, ChunkOptions{Trailers: []string{"x-amz-checksum-crc32"}})
	fmt.Println(n, err)
	// Output:
	// 1048756 <nil>
}
