//go:build unix

package s3api_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/wicket-io/wicket/internal/testenv"
	"github.com/wicket-io/wicket/sigv4"
)

// BenchmarkPutObject64MiB measures PutObject of a 64 MiB body sent with
// UNSIGNED-PAYLOAD and no checksum, so that the client costs nothing and
// what is measured is the server's work: the blob write, MD5 for the ETag
// and CRC64NVME, the default checksum, hashed in a pipeline. On a shared
// machine the wall time varies with the other load; cpu-ns/op, the CPU time
// of the whole process (server and the cheap client), varies less.
func BenchmarkPutObject64MiB(b *testing.B) {
	env := testenv.New(b)
	c := env.S3()
	if _, err := c.CreateBucket(b.Context(), &s3.CreateBucketInput{Bucket: aws.String("bench")}); err != nil {
		b.Fatal(err)
	}
	body := make([]byte, 64<<20)
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range body {
		body[i] = byte(rng.Uint32())
	}
	creds := sigv4.Credentials{AccessKeyID: testenv.Root.AccessKeyID, SecretAccessKey: testenv.Root.SecretAccessKey}
	b.SetBytes(int64(len(body)))
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	for b.Loop() {
		req, err := http.NewRequest("PUT", env.URL+"/bench/k", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		if err := sigv4.NewSigner().Sign(req, creds, sigv4.Params{Region: testenv.Region, Service: "s3", Time: time.Now(), PayloadHash: sigv4.UnsignedPayload}); err != nil {
			b.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("PUT: %s", resp.Status)
		}
	}
	b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op")
}
