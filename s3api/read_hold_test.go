package s3api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/storage/memory"
)

// onOpenBlobs runs a hook, once, when the blob it names is first opened.
// It embeds the concrete store, so that the store's Hold stays visible.
type onOpenBlobs struct {
	*memory.BlobStore
	mu   sync.Mutex
	id   string
	hook func()
}

func (b *onOpenBlobs) on(id string, hook func()) {
	b.mu.Lock()
	b.id, b.hook = id, hook
	b.mu.Unlock()
}

func (b *onOpenBlobs) Open(ctx context.Context, id string) (wicket.Blob, error) {
	b.mu.Lock()
	var hook func()
	if id == b.id {
		hook, b.id, b.hook = b.hook, "", nil
	}
	b.mu.Unlock()
	if hook != nil {
		hook()
	}
	return b.BlobStore.Open(ctx, id)
}

// readHoldEnv is a bucket with a two-part object "mp" (5 MiB and 1 KiB)
// on memory stores whose blob opens can be hooked.
type readHoldEnv struct {
	t      *testing.T
	c      *s3.Client
	meta   wicket.MetaStore
	blobs  *onOpenBlobs
	mpBody []byte
}

func newReadHoldEnv(t *testing.T) *readHoldEnv {
	t.Helper()
	ctx := context.Background()
	e := &readHoldEnv{t: t, meta: memory.New(), blobs: &onOpenBlobs{BlobStore: memory.NewBlobStore()}}
	e.c = memoryS3(t, e.meta, e.blobs)
	if _, err := e.c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	parts := [][]byte{make([]byte, 5<<20), make([]byte, 1024)}
	up, err := e.c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	var done []types.CompletedPart
	for i, p := range parts {
		rand.Read(p)
		e.mpBody = append(e.mpBody, p...)
		out, err := e.c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("mp"),
			UploadId: up.UploadId, PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}
	if _, err := e.c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("mp"),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}}); err != nil {
		t.Fatal(err)
	}
	return e
}

// once makes a call without the SDK's retries, which would hide a failed
// first attempt.
func once(o *s3.Options) { o.RetryMaxAttempts = 1 }

// blobsOf returns the blob ids of an object's segments.
func (e *readHoldEnv) blobsOf(key string) []string {
	e.t.Helper()
	o, err := e.meta.GetObject(context.Background(), "bkt", key)
	if err != nil {
		e.t.Fatal(err)
	}
	var ids []string
	for _, s := range o.Segments {
		ids = append(ids, s.Blob)
	}
	return ids
}

func (e *readHoldEnv) put(key string, body []byte) {
	e.t.Helper()
	if _, err := e.c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *readHoldEnv) get(key string) []byte {
	e.t.Helper()
	out, err := e.c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key)})
	if err != nil {
		e.t.Fatal(err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// waitGone waits for the blobs to be deleted: a reader releases its hold
// when its handler returns, which may be just after the client has read
// the last byte.
func (e *readHoldEnv) waitGone(ids []string) {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, id := range ids {
		for {
			_, err := e.blobs.BlobStore.Open(context.Background(), id)
			if wicket.KindOf(err) == wicket.NotFound {
				break
			}
			if time.Now().After(deadline) {
				e.t.Fatalf("replaced blob %s still there after its readers finished (err %v)", id, err)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// A GET of a multipart object opens its later parts while the body goes
// out. An overwrite committed meanwhile used to delete them, cutting the
// 200 short; the GET holds them, so it sends the whole old object, and
// the old blobs go once it is done. A range across the parts alike.
func TestGetMultipartDuringOverwrite(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		rng   string
		start int
	}{
		{"whole", "", 0},
		{"range across parts", "bytes=5242000-5242979", 5242000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newReadHoldEnv(t)
			old := e.blobsOf("mp")
			newBody := bytes.Repeat([]byte("new "), 20000)
			e.blobs.on(old[1], func() { e.put("mp", newBody) })
			in := &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp")}
			want := e.mpBody
			if tc.rng != "" {
				in.Range = aws.String(tc.rng)
				want = e.mpBody[tc.start : tc.start+980]
			}
			out, err := e.c.GetObject(ctx, in, once)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("GET during an overwrite: %d of %d bytes, equal %v, err %v", len(got), len(want), bytes.Equal(got, want), err)
			}
			if got := e.get("mp"); !bytes.Equal(got, newBody) {
				t.Fatalf("after the overwrite: %.20q", got)
			}
			e.waitGone(old)
		})
	}
}

// A copy whose multipart source is overwritten while it reads copies the
// whole old source; one whose single-blob source is replaced before its
// blob is opened copies the new one (it reads the source again) rather
// than failing with a 500. CopyObject and UploadPartCopy alike.
func TestCopyDuringOverwrite(t *testing.T) {
	ctx := context.Background()
	copyObject := func(e *readHoldEnv, src string) []byte {
		if _, err := e.c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dst"),
			CopySource: aws.String("bkt/" + src)}, once); err != nil {
			t.Fatalf("CopyObject: %v", err)
		}
		return e.get("dst")
	}
	copyPart := func(e *readHoldEnv, src string) []byte {
		up, err := e.c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("dst")})
		if err != nil {
			t.Fatal(err)
		}
		out, err := e.c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("bkt"), Key: aws.String("dst"),
			UploadId: up.UploadId, PartNumber: aws.Int32(1), CopySource: aws.String("bkt/" + src)}, once)
		if err != nil {
			t.Fatalf("UploadPartCopy: %v", err)
		}
		if _, err := e.c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("dst"),
			UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{
				{ETag: out.CopyPartResult.ETag, PartNumber: aws.Int32(1)}}}}); err != nil {
			t.Fatal(err)
		}
		return e.get("dst")
	}
	for name, copy := range map[string]func(*readHoldEnv, string) []byte{"CopyObject": copyObject, "UploadPartCopy": copyPart} {
		t.Run(name+"/multipart source", func(t *testing.T) {
			e := newReadHoldEnv(t)
			old := e.blobsOf("mp")
			e.blobs.on(old[1], func() { e.put("mp", []byte("replaced")) })
			if got := copy(e, "mp"); !bytes.Equal(got, e.mpBody) {
				t.Fatalf("copied %d bytes, want the old source's %d", len(got), len(e.mpBody))
			}
			e.waitGone(old)
		})
		t.Run(name+"/source replaced before its blob is opened", func(t *testing.T) {
			e := newReadHoldEnv(t)
			oldBody, newBody := bytes.Repeat([]byte("old "), 20000), bytes.Repeat([]byte("new "), 30000)
			e.put("src", oldBody)
			e.blobs.on(e.blobsOf("src")[0], func() { e.put("src", newBody) })
			if got := copy(e, "src"); !bytes.Equal(got, newBody) {
				t.Fatalf("copied %.20q (%d bytes), want the new source", got, len(got))
			}
		})
	}
}
