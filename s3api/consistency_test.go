package s3api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/authn"
	"github.com/wicket-io/wicket/s3api"
	"github.com/wicket-io/wicket/storage/memory"
)

// memoryS3 serves the S3 API from the given stores, without the server
// around it, and returns a root client of it.
func memoryS3(t *testing.T, meta wicket.MetaStore, blobs wicket.BlobStore) *s3.Client {
	root := wicket.RootCredentials{AccessKeyID: "AKIAROOTCACHETEST001", SecretAccessKey: "root-cache-test-secret-0000000000000000"}
	h := s3api.New(s3api.Options{Meta: meta, Blobs: blobs, Region: "us-east-1",
		Auth: authn.New(authn.Options{Root: root, Region: "us-east-1", Service: "s3"})})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return s3.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.StaticCredentialsProvider{Value: aws.Credentials{AccessKeyID: root.AccessKeyID, SecretAccessKey: root.SecretAccessKey}},
		HTTPClient:   srv.Client(),
		BaseEndpoint: aws.String(srv.URL),
	}, func(o *s3.Options) { o.UsePathStyle = true })
}

// Writes answer NoSuchBucket from a remembered list of buckets (checkBucket);
// a bucket deleted behind the handler's back (another node) still fails the
// write at its commit, leaving no blob, and a bucket created behind its back
// is writable at once.
func TestWriteBucketCheck(t *testing.T) {
	ctx := context.Background()
	meta, blobs := memory.New(), memory.NewBlobStore()
	c := memoryS3(t, meta, blobs)
	put := func(bucket string) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), Body: strings.NewReader("data")})
		return err
	}
	countBlobs := func() int {
		n := 0
		blobs.Walk(ctx, time.Now(), func(string) error { n++; return nil })
		return n
	}

	if err := put("missing"); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("PUT to a missing bucket: %v", err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	if err := put("bkt"); err != nil {
		t.Fatal(err)
	}
	// Another node deletes the bucket: this handler still remembers it, and
	// the commit refuses the write.
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	if _, err := meta.DeleteBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	if err := put("bkt"); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("PUT after another node deleted the bucket: %v", err)
	}
	if n := countBlobs(); n != 0 {
		t.Fatalf("%d blobs left by the refused write", n)
	}
	// Created elsewhere: writable at once.
	if err := meta.CreateBucket(ctx, wicket.Bucket{Name: "bkt", Region: "us-east-1", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := put("bkt"); err != nil {
		t.Fatalf("PUT to a bucket created behind the handler: %v", err)
	}
	// Deleted through this handler: forgotten at once.
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	if err := put("bkt"); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("PUT after DeleteBucket: %v", err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k2"), CopySource: aws.String("bkt/k")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("copy into a deleted bucket: %v", err)
	}
}

// hookBlobs runs before, once, on the first Open of a blob.
type hookBlobs struct {
	wicket.BlobStore
	before func()
}

func (b *hookBlobs) Open(ctx context.Context, id string) (wicket.Blob, error) {
	if f := b.before; f != nil {
		b.before = nil
		f()
	}
	return b.BlobStore.Open(ctx, id)
}

// A GET that read the object just before an overwrite removed its blob
// serves the new object whole; an object whose blob stays missing is a
// 500 InternalError, not a truncated body.
func TestGetObjectReplacedBeforeOpen(t *testing.T) {
	ctx := context.Background()
	meta := memory.New()
	blobs := &hookBlobs{BlobStore: memory.NewBlobStore()}
	c := memoryS3(t, meta, blobs)
	put := func(body string) {
		t.Helper()
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	// Larger than inlineMax, so that they are blobs.
	oldBody, newBody := strings.Repeat("the old object ", 2000), strings.Repeat("the new object, longer ", 2000)
	put(oldBody)
	blobs.before = func() { put(newBody) }
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil {
		t.Fatalf("GET racing an overwrite: %v", err)
	}
	got, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(got) != newBody || aws.ToInt64(out.ContentLength) != int64(len(got)) {
		t.Fatalf("GET racing an overwrite: %.40q (%d bytes), Content-Length %d", got, len(got), aws.ToInt64(out.ContentLength))
	}

	o, err := meta.GetObject(ctx, "bkt", "k")
	if err != nil {
		t.Fatal(err)
	}
	blobs.BlobStore.Delete(ctx, o.Segments[0].Blob)
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if apiCode(err) != "InternalError" {
		t.Fatalf("GET of an object whose blob is gone: %v", err)
	}
}

// failingPuts fails every PutObject with err.
type failingPuts struct {
	wicket.MetaStore
	err error
}

func (m failingPuts) PutObject(ctx context.Context, o *wicket.Object, c wicket.Precondition) ([]wicket.Segment, error) {
	return nil, m.err
}

// A PUT whose metadata commit failed deletes its new blob, unless the
// commit may stand all the same (its log's fsync failed; a crash could
// replay it): then the blob is kept for the start-up sweep to judge, so
// that no object can end up without its bytes.
func TestFailedCommitKeepsUncertainBlob(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		err   error
		blobs int
	}{
		{"failed", wicket.E("test.PutObject", wicket.Unavailable, errors.New("disk full")), 0},
		{"outcome unknown", wicket.E("test.PutObject", wicket.Unavailable, fmt.Errorf("commit: %w: fsync: input/output error", wicket.ErrOutcomeUnknown)), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inner := memory.New()
			if err := inner.CreateBucket(ctx, wicket.Bucket{Name: "bkt", Region: "us-east-1", Created: time.Now()}); err != nil {
				t.Fatal(err)
			}
			blobs := memory.NewBlobStore()
			c := memoryS3(t, failingPuts{inner, tc.err}, blobs)
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"),
				Body: strings.NewReader(strings.Repeat("larger than inline data ", 2000))}, once)
			if apiCode(err) != "ServiceUnavailable" {
				t.Fatalf("PUT: %v", err)
			}
			n := 0
			blobs.Walk(ctx, time.Now(), func(string) error { n++; return nil })
			if n != tc.blobs {
				t.Fatalf("%d blobs left, want %d", n, tc.blobs)
			}
		})
	}
}

// Listings, ListParts and CopyObject's result give an object's time to the
// whole second, as its Last-Modified does (S3 keeps whole seconds): a
// listing with milliseconds made `aws s3 sync --exact-timestamps` think
// every object changed.
func TestListingTimesAreWholeSeconds(t *testing.T) {
	ctx := context.Background()
	c := memoryS3(t, memory.New(), memory.NewBlobStore())
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	// The server's clock is the real one: a write lands off a whole
	// second but one time in a thousand.
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt")})
	if err != nil {
		t.Fatal(err)
	}
	if got := *list.Contents[0].LastModified; !got.Equal(*head.LastModified) {
		t.Fatalf("listing says %v, HEAD says %v", got, *head.LastModified)
	}
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k2"), CopySource: aws.String("bkt/k")})
	if err != nil {
		t.Fatal(err)
	}
	head2, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k2")})
	if err != nil {
		t.Fatal(err)
	}
	if got := *cp.CopyObjectResult.LastModified; !got.Equal(*head2.LastModified) {
		t.Fatalf("CopyObject says %v, HEAD says %v", got, *head2.LastModified)
	}
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("m")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("m"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader("part")}); err != nil {
		t.Fatal(err)
	}
	parts, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("bkt"), Key: aws.String("m"), UploadId: up.UploadId})
	if err != nil {
		t.Fatal(err)
	}
	uploads, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("bkt")})
	if err != nil {
		t.Fatal(err)
	}
	buckets, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for name, tm := range map[string]*time.Time{"ListParts": parts.Parts[0].LastModified,
		"ListMultipartUploads": uploads.Uploads[0].Initiated, "ListBuckets": buckets.Buckets[0].CreationDate} {
		if tm.Nanosecond() != 0 {
			t.Errorf("%s gives %v, not a whole second", name, tm)
		}
	}
}

// blockingPuts holds every PutObject until its request is cancelled.
type blockingPuts struct {
	wicket.MetaStore
	entered, done chan struct{}
}

func (m blockingPuts) PutObject(ctx context.Context, o *wicket.Object, c wicket.Precondition) ([]wicket.Segment, error) {
	close(m.entered)
	defer close(m.done)
	<-ctx.Done()
	return nil, wicket.E("test.PutObject", ctx.Err())
}

// errorLog counts the records at level Error.
type errorLog struct {
	mu sync.Mutex
	n  int
}

func (l *errorLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		l.mu.Lock()
		l.n++
		l.mu.Unlock()
	}
	return nil
}
func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *errorLog) WithGroup(string) slog.Handler      { return l }

// A client that goes away while its write commits is not a server error:
// the handler cuts the connection instead of logging a 500.
func TestClientGoneIsNotAnError(t *testing.T) {
	inner := memory.New()
	if err := inner.CreateBucket(context.Background(), wicket.Bucket{Name: "bkt", Region: "us-east-1", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	meta := blockingPuts{inner, make(chan struct{}), make(chan struct{})}
	logs := &errorLog{}
	root := wicket.RootCredentials{AccessKeyID: "AKIAROOTCACHETEST001", SecretAccessKey: "root-cache-test-secret-0000000000000000"}
	h := s3api.New(s3api.Options{Meta: meta, Blobs: memory.NewBlobStore(), Region: "us-east-1", Logger: slog.New(logs),
		Auth: authn.New(authn.Options{Root: root, Region: "us-east-1", Service: "s3"})})
	srv := httptest.NewServer(h)
	defer srv.Close()
	c := s3.NewFromConfig(aws.Config{Region: "us-east-1", HTTPClient: srv.Client(), BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.StaticCredentialsProvider{Value: aws.Credentials{AccessKeyID: root.AccessKeyID, SecretAccessKey: root.SecretAccessKey}}},
		func(o *s3.Options) { o.UsePathStyle = true })
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-meta.entered; cancel() }()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("x")}, once); err == nil {
		t.Fatal("PUT succeeded")
	}
	<-meta.done
	time.Sleep(100 * time.Millisecond) // the handler's answer, if any, follows the store's return
	logs.mu.Lock()
	defer logs.mu.Unlock()
	if logs.n != 0 {
		t.Fatalf("%d errors logged for a client that went away", logs.n)
	}
}
