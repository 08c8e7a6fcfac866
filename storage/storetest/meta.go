package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
)

// RunMetaStore runs the MetaStore suite against stores made by newStore,
// one fresh store per subtest. newStore should close its store with
// t.Cleanup.
func RunMetaStore(t *testing.T, newStore func(t *testing.T) wicket.MetaStore) {
	t.Run("Buckets", func(t *testing.T) { testBuckets(t, newStore(t)) })
	t.Run("BucketConfig", func(t *testing.T) { testBucketConfig(t, newStore(t)) })
	t.Run("DeleteBucketNotEmpty", func(t *testing.T) { testDeleteBucketNotEmpty(t, newStore(t)) })
	t.Run("MissingBucket", func(t *testing.T) { testMissingBucket(t, newStore(t)) })
	t.Run("ObjectRoundTrip", func(t *testing.T) { testObjectRoundTrip(t, newStore(t)) })
	t.Run("ObjectReplace", func(t *testing.T) { testObjectReplace(t, newStore(t)) })
	t.Run("InlineData", func(t *testing.T) { testInlineData(t, newStore(t)) })
	t.Run("DeleteObject", func(t *testing.T) { testDeleteObject(t, newStore(t)) })
	t.Run("SetObjectTags", func(t *testing.T) { testSetObjectTags(t, newStore(t)) })
	t.Run("ObjectLock", func(t *testing.T) { testObjectLock(t, newStore(t)) })
	t.Run("ObjectLockEnforced", func(t *testing.T) { testObjectLockEnforced(t, newStore) })
	t.Run("SetObjectRetention", func(t *testing.T) { testSetObjectRetention(t, newStore) })
	t.Run("Preconditions", func(t *testing.T) { testPreconditions(t, newStore) })
	t.Run("DeletePreconditions", func(t *testing.T) { testDeletePreconditions(t, newStore) })
	t.Run("ConditionalCreateRace", func(t *testing.T) { testConditionalCreateRace(t, newStore(t)) })
	t.Run("Keys", func(t *testing.T) { testKeys(t, newStore(t)) })
	t.Run("ListObjects", func(t *testing.T) { testListObjects(t, newStore(t)) })
	t.Run("ListObjectsRandom", func(t *testing.T) { testListObjectsRandom(t, newStore(t)) })
	t.Run("ListObjectsMaxKeys", func(t *testing.T) { testListObjectsMaxKeys(t, newStore(t)) })
	t.Run("Uploads", func(t *testing.T) { testUploads(t, newStore(t)) })
	t.Run("Parts", func(t *testing.T) { testParts(t, newStore(t)) })
	t.Run("CompleteUpload", func(t *testing.T) { testCompleteUpload(t, newStore(t)) })
	t.Run("AbortUpload", func(t *testing.T) { testAbortUpload(t, newStore(t)) })
	t.Run("ListUploads", func(t *testing.T) { testListUploads(t, newStore(t)) })
	t.Run("ListUploadsRandom", func(t *testing.T) { testListUploadsRandom(t, newStore(t)) })
	t.Run("Blobs", func(t *testing.T) { testBlobs(t, newStore(t)) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, newStore(t)) })
	t.Run("CancelledContext", func(t *testing.T) { testCancelledContext(t, newStore(t)) })
}

var ctx = context.Background()

func testBuckets(t *testing.T, s wicket.MetaStore) {
	if got, err := s.ListBuckets(ctx); err != nil || len(got) != 0 {
		t.Fatalf("ListBuckets of an empty store = %v, %v", got, err)
	}
	for _, name := range []string{"charlie", "alpha", "bravo"} {
		createBucket(t, s, name)
	}
	b, err := s.GetBucket(ctx, "alpha")
	if err != nil {
		t.Fatalf("GetBucket: %v", err)
	}
	if b.Name != "alpha" || b.Region != "us-east-1" || !b.Created.Equal(testTime) {
		t.Errorf("GetBucket = %+v", b)
	}
	list, err := s.ListBuckets(ctx)
	if err != nil {
		t.Fatalf("ListBuckets: %v", err)
	}
	var names []string
	for _, b := range list {
		names = append(names, b.Name)
	}
	if !slices.Equal(names, []string{"alpha", "bravo", "charlie"}) {
		t.Errorf("ListBuckets = %v, want alpha, bravo, charlie in order", names)
	}

	err = s.CreateBucket(ctx, wicket.Bucket{Name: "alpha", Region: "eu-west-1"})
	wantErr(t, "CreateBucket of an existing name", err, wicket.Conflict, "BucketAlreadyOwnedByYou")
	if b, _ := s.GetBucket(ctx, "alpha"); b.Region != "us-east-1" {
		t.Errorf("failed CreateBucket changed the bucket: %+v", b)
	}

	_, err = s.GetBucket(ctx, "delta")
	wantErr(t, "GetBucket of a missing bucket", err, wicket.NotFound, "NoSuchBucket")
	wantErr(t, "DeleteBucket of a missing bucket", second(s.DeleteBucket(ctx, "delta")), wicket.NotFound, "NoSuchBucket")

	if _, err := s.DeleteBucket(ctx, "bravo"); err != nil {
		t.Fatalf("DeleteBucket: %v", err)
	}
	_, err = s.GetBucket(ctx, "bravo")
	wantErr(t, "GetBucket after DeleteBucket", err, wicket.NotFound, "NoSuchBucket")
	wantErr(t, "DeleteBucket twice", second(s.DeleteBucket(ctx, "bravo")), wicket.NotFound, "NoSuchBucket")
	createBucket(t, s, "bravo") // a deleted name is free again
}

func testBucketConfig(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "b")
	_, err := s.GetBucketConfig(ctx, "b", "policy")
	wantErr(t, "GetBucketConfig before any", err, wicket.NotFound, "")

	policy := []byte(`{"Version":"2012-10-17","Statement":[]}`)
	if err := s.PutBucketConfig(ctx, "b", "policy", policy); err != nil {
		t.Fatalf("PutBucketConfig: %v", err)
	}
	policy[0] = 'X' // the store must have kept its own copy
	if err := s.PutBucketConfig(ctx, "b", "cors", []byte("<CORSConfiguration/>")); err != nil {
		t.Fatalf("PutBucketConfig: %v", err)
	}
	got, err := s.GetBucketConfig(ctx, "b", "policy")
	if err != nil || string(got) != `{"Version":"2012-10-17","Statement":[]}` {
		t.Fatalf("GetBucketConfig(policy) = %q, %v", got, err)
	}
	if err := s.PutBucketConfig(ctx, "b", "policy", []byte("v2")); err != nil {
		t.Fatalf("PutBucketConfig (replace): %v", err)
	}
	if got, err := s.GetBucketConfig(ctx, "b", "policy"); err != nil || string(got) != "v2" {
		t.Fatalf("GetBucketConfig after replace = %q, %v", got, err)
	}
	if err := s.PutBucketConfig(ctx, "b", "policy", nil); err != nil {
		t.Fatalf("PutBucketConfig(nil): %v", err)
	}
	_, err = s.GetBucketConfig(ctx, "b", "policy")
	wantErr(t, "GetBucketConfig after delete", err, wicket.NotFound, "")
	if err := s.PutBucketConfig(ctx, "b", "policy", nil); err != nil {
		t.Errorf("deleting a missing config: %v", err)
	}
	if got, err := s.GetBucketConfig(ctx, "b", "cors"); err != nil || string(got) != "<CORSConfiguration/>" {
		t.Errorf("other kind disturbed: %q, %v", got, err)
	}

	// Configuration goes with its bucket.
	if _, err := s.DeleteBucket(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	createBucket(t, s, "b")
	_, err = s.GetBucketConfig(ctx, "b", "cors")
	wantErr(t, "config of a re-created bucket", err, wicket.NotFound, "")
}

func testDeleteBucketNotEmpty(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "b")
	putObject(t, s, object("b", "k"))
	wantErr(t, "DeleteBucket with an object", second(s.DeleteBucket(ctx, "b")), wicket.Conflict, "BucketNotEmpty")
	if _, err := s.DeleteObject(ctx, "b", "k", wicket.Precondition{}); err != nil {
		t.Fatal(err)
	}
	// Uploads in progress do not keep a bucket alive, as on AWS: they go
	// with it, and their parts are dropped.
	if err := s.CreateUpload(ctx, &wicket.Upload{ID: "u1", Bucket: "b", Key: "k", Initiated: testTime}); err != nil {
		t.Fatal(err)
	}
	part := &wicket.Part{UploadID: "u1", Number: 1, Segment: wicket.Segment{Blob: "part-blob", Size: 3, ETag: "e"}, Modified: testTime}
	if _, err := s.PutPart(ctx, "b", "k", part); err != nil {
		t.Fatal(err)
	}
	dropped, err := s.DeleteBucket(ctx, "b")
	if err != nil {
		t.Fatalf("DeleteBucket with an upload: %v", err)
	}
	if len(dropped) != 1 || dropped[0].Blob != "part-blob" {
		t.Fatalf("DeleteBucket dropped %+v, want the upload's part", dropped)
	}
	createBucket(t, s, "b")
	if _, err := s.GetUpload(ctx, "b", "k", "u1"); wicket.KindOf(err) != wicket.NotFound {
		t.Fatalf("the upload survived its bucket: %v", err)
	}
	var blobs []string
	s.Blobs(ctx, func(id string) error { blobs = append(blobs, id); return nil })
	if len(blobs) != 0 {
		t.Fatalf("blobs still referenced after DeleteBucket: %v", blobs)
	}
}

func second[T any](_ T, err error) error { return err }

// Every operation on a bucket that does not exist says NoSuchBucket, not
// NoSuchKey or NoSuchUpload.
func testMissingBucket(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "other")
	if err := s.CreateUpload(ctx, &wicket.Upload{ID: "u1", Bucket: "other", Key: "k"}); err != nil {
		t.Fatal(err)
	}
	const b = "missing"
	check := func(what string, err error) {
		t.Helper()
		wantErr(t, what, err, wicket.NotFound, "NoSuchBucket")
	}
	_, err := s.GetObject(ctx, b, "k")
	check("GetObject", err)
	_, err = s.PutObject(ctx, object(b, "k"), wicket.Precondition{})
	check("PutObject", err)
	_, err = s.DeleteObject(ctx, b, "k", wicket.Precondition{})
	check("DeleteObject", err)
	check("SetObjectTags", s.SetObjectTags(ctx, b, "k", map[string]string{"a": "b"}))
	_, err = s.ListObjects(ctx, b, wicket.ListQuery{MaxKeys: 10})
	check("ListObjects", err)
	check("PutBucketConfig", s.PutBucketConfig(ctx, b, "policy", []byte("{}")))
	_, err = s.GetBucketConfig(ctx, b, "policy")
	check("GetBucketConfig", err)
	check("CreateUpload", s.CreateUpload(ctx, &wicket.Upload{ID: "u2", Bucket: b, Key: "k"}))
	_, err = s.GetUpload(ctx, b, "k", "u1")
	check("GetUpload", err)
	_, err = s.PutPart(ctx, b, "k", &wicket.Part{UploadID: "u1", Number: 1, Segment: wicket.Segment{Blob: newBlob()}})
	check("PutPart", err)
	_, _, err = s.ListParts(ctx, b, "k", "u1", 0, 10)
	check("ListParts", err)
	_, err = s.CompleteUpload(ctx, "u1", object(b, "k"), wicket.Precondition{})
	check("CompleteUpload", err)
	_, err = s.AbortUpload(ctx, b, "k", "u1")
	check("AbortUpload", err)
	_, err = s.ListUploads(ctx, b, wicket.UploadQuery{MaxUploads: 10})
	check("ListUploads", err)
	if _, err := s.GetUpload(ctx, "other", "k", "u1"); err != nil {
		t.Errorf("upload disturbed: %v", err)
	}
}

func fullObject(bucket, key string) *wicket.Object {
	b1, b2 := newBlob(), newBlob()
	return &wicket.Object{
		Bucket: bucket, Key: key, Size: 5<<20 + 3, ETag: "0123456789abcdef0123456789abcdef-2", Modified: testTime,
		Headers: map[string]string{
			"Content-Type": "image/png", "Content-Encoding": "gzip", "Content-Disposition": `attachment; filename="ü.png"`,
			"Content-Language": "de", "Cache-Control": "max-age=60", "Expires": "Thu, 01 Dec 2094 16:00:00 GMT",
		},
		Meta:         map[string]string{"owner": "ünïcode ✓", "empty": "", "json": `{"a":[1,"b"]}`},
		Checksums:    map[string]string{"CRC32": "AAAAAA==-2", "SHA256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
		ChecksumType: "COMPOSITE",
		Tags:         map[string]string{"project": "wicket", "a b": "c=d&e"},
		// A legal hold that is OFF protects nothing, so the object can be
		// replaced and deleted like any other.
		Lock: wicket.ObjectLock{LegalHold: wicket.HoldOff},
		Segments: []wicket.Segment{
			{Blob: b1, Size: 5 << 20, ETag: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", Checksum: "AAAAAA=="},
			{Blob: b2, Size: 3, ETag: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", Checksum: "BBBBBB=="},
		},
	}
}

func testObjectRoundTrip(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "b")
	want := fullObject("b", "photos/cat.png")
	in := *want
	in.Meta = map[string]string{}
	for k, v := range want.Meta {
		in.Meta[k] = v
	}
	if dropped := putObject(t, s, &in); len(dropped) != 0 {
		t.Errorf("PutObject of a new key dropped %v", dropped)
	}
	in.Meta["owner"] = "changed after the put" // must not reach the store
	got, err := s.GetObject(ctx, "b", "photos/cat.png")
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	if d := diffObject(got, want); d != "" {
		t.Fatalf("GetObject: %s", d)
	}
	got.Meta["owner"] = "changed by a reader" // nor may a reader's change
	got.Segments[0].Blob = "changed"
	again, err := s.GetObject(ctx, "b", "photos/cat.png")
	if err != nil {
		t.Fatal(err)
	}
	if d := diffObject(again, want); d != "" {
		t.Fatalf("GetObject after the caller changed its copy: %s", d)
	}

	// A bare object: no maps, no segments (an empty object may have none).
	bare := &wicket.Object{Bucket: "b", Key: "empty", ETag: "d41d8cd98f00b204e9800998ecf8427e"}
	putObject(t, s, bare)
	got, err = s.GetObject(ctx, "b", "empty")
	if err != nil {
		t.Fatal(err)
	}
	if d := diffObject(got, bare); d != "" {
		t.Fatalf("bare object: %s", d)
	}

	_, err = s.GetObject(ctx, "b", "photos/dog.png")
	wantErr(t, "GetObject of a missing key", err, wicket.NotFound, "NoSuchKey")
	_, err = s.GetObject(ctx, "b", "photos/cat.PNG")
	wantErr(t, "GetObject is case-sensitive", err, wicket.NotFound, "NoSuchKey")
}

func testObjectReplace(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "b")
	first := fullObject("b", "k")
	putObject(t, s, first)
	second := object("b", "k")
	dropped := putObject(t, s, second)
	if got, want := blobsOf(dropped), blobsOf(first.Segments); !slices.Equal(got, want) {
		t.Errorf("replacing dropped %v, want %v", got, want)
	}
	got, err := s.GetObject(ctx, "b", "k")
	if err != nil {
		t.Fatal(err)
	}
	if d := diffObject(got, second); d != "" {
		t.Errorf("after replace: %s", d)
	}

	// Rewriting an object's metadata over the same blob (a copy onto
	// itself) must not hand that blob out for deletion.
	third := *second
	third.Meta = map[string]string{"new": "meta"}
	if dropped := putObject(t, s, &third); len(dropped) != 0 {
		t.Errorf("rewrite over the same blob dropped %v", dropped)
	}
	// Nor a blob the new object keeps while others change.
	fourth := third
	extra := newBlob()
	fourth.Segments = []wicket.Segment{third.Segments[0], {Blob: extra, Size: 1}}
	if dropped := putObject(t, s, &fourth); len(dropped) != 0 {
		t.Errorf("rewrite keeping a blob dropped %v", dropped)
	}
	fifth := object("b", "k")
	if got, want := blobsOf(putObject(t, s, fifth)), blobsOf(fourth.Segments); !slices.Equal(got, want) {
		t.Errorf("replacing a two-segment object dropped %v, want %v", got, want)
	}
}

func testDeleteObject(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "b")
	o := fullObject("b", "k")
	putObject(t, s, o)
	putObject(t, s, object("b", "k2"))
	dropped, err := s.DeleteObject(ctx, "b", "k", wicket.Precondition{})
	if err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
	if got, want := blobsOf(dropped), blobsOf(o.Segments); !slices.Equal(got, want) {
		t.Errorf("DeleteObject dropped %v, want %v", got, want)
	}
	_, err = s.GetObject(ctx, "b", "k")
	wantErr(t, "GetObject after delete", err, wicket.NotFound, "NoSuchKey")
	dropped, err = s.DeleteObject(ctx, "b", "k", wicket.Precondition{})
	if err != nil || len(dropped) != 0 {
		t.Errorf("second DeleteObject = %v, %v; want nothing, no error", dropped, err)
	}
	dropped, err = s.DeleteObject(ctx, "b", "never", wicket.Precondition{})
	if err != nil || len(dropped) != 0 {
		t.Errorf("DeleteObject of a missing key = %v, %v; want nothing, no error", dropped, err)
	}
	if _, err := s.GetObject(ctx, "b", "k2"); err != nil {
		t.Errorf("neighbour disturbed: %v", err)
	}
	page, err := s.ListObjects(ctx, "b", wicket.ListQuery{MaxKeys: 10})
	if err != nil || !sameStrings(objectKeys(page.Objects), []string{"k2"}) {
		t.Errorf("listing after delete: %v, %v", page, err)
	}
}

func testSetObjectTags(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "b")
	o := fullObject("b", "k")
	putObject(t, s, o)
	tags := map[string]string{"x": "1", "y": "two"}
	if err := s.SetObjectTags(ctx, "b", "k", tags); err != nil {
		t.Fatalf("SetObjectTags: %v", err)
	}
	tags["x"] = "changed after the call"
	got, err := s.GetObject(ctx, "b", "k")
	if err != nil {
		t.Fatal(err)
	}
	want := *o
	want.Tags = map[string]string{"x": "1", "y": "two"}
	if d := diffObject(got, &want); d != "" {
		t.Errorf("after SetObjectTags (only the tags may change): %s", d)
	}
	if err := s.SetObjectTags(ctx, "b", "k", nil); err != nil {
		t.Fatalf("SetObjectTags(nil): %v", err)
	}
	if got, _ := s.GetObject(ctx, "b", "k"); len(got.Tags) != 0 {
		t.Errorf("tags after SetObjectTags(nil) = %v", got.Tags)
	}
	wantErr(t, "SetObjectTags of a missing key", s.SetObjectTags(ctx, "b", "nope", tags), wicket.NotFound, "NoSuchKey")
}

// Conditional writes follow AWS: If-None-Match: * fails 412 over an
// existing object; If-Match fails 404 NoSuchKey when there is no object to
// compare with and 412 when the ETag differs.
func testPreconditions(t *testing.T, newStore func(t *testing.T) wicket.MetaStore) {
	const etag = "0123456789abcdef0123456789abcdef"
	cases := []struct {
		name     string
		existing bool
		cond     wicket.Precondition
		kind     wicket.Kind // Other: success
		code     string
	}{
		{"none, absent", false, wicket.Precondition{}, wicket.Other, ""},
		{"none, present", true, wicket.Precondition{}, wicket.Other, ""},
		{"If-None-Match *, absent", false, wicket.Precondition{IfNoneMatch: true}, wicket.Other, ""},
		{"If-None-Match *, present", true, wicket.Precondition{IfNoneMatch: true}, wicket.Conflict, "PreconditionFailed"},
		{"If-Match same ETag", true, wicket.Precondition{IfMatch: etag}, wicket.Other, ""},
		{"If-Match other ETag", true, wicket.Precondition{IfMatch: "ffffffffffffffffffffffffffffffff"}, wicket.Conflict, "PreconditionFailed"},
		{"If-Match, absent", false, wicket.Precondition{IfMatch: etag}, wicket.NotFound, "NoSuchKey"},
		{"If-Match *, present", true, wicket.Precondition{IfMatch: "*"}, wicket.Other, ""},
		{"If-Match *, absent", false, wicket.Precondition{IfMatch: "*"}, wicket.NotFound, "NoSuchKey"},
	}
	for _, tc := range cases {
		for _, via := range []string{"PutObject", "CompleteUpload"} {
			t.Run(via+"/"+tc.name, func(t *testing.T) {
				s, old := withObject(t, newStore, tc.existing, etag)
				o := object("b", "k")
				var dropped []wicket.Segment
				var err error
				if via == "PutObject" {
					dropped, err = s.PutObject(ctx, o, tc.cond)
				} else {
					if err := s.CreateUpload(ctx, &wicket.Upload{ID: "u", Bucket: "b", Key: "k", Initiated: testTime}); err != nil {
						t.Fatal(err)
					}
					if _, err := s.PutPart(ctx, "b", "k", &wicket.Part{UploadID: "u", Number: 1, Segment: o.Segments[0]}); err != nil {
						t.Fatal(err)
					}
					dropped, err = s.CompleteUpload(ctx, "u", o, tc.cond)
				}
				got, getErr := s.GetObject(ctx, "b", "k")
				if tc.kind == wicket.Other {
					if err != nil {
						t.Fatalf("%s: %v", via, err)
					}
					if d := diffObject(got, o); getErr != nil || d != "" {
						t.Fatalf("after %s: %v %s", via, getErr, d)
					}
					if tc.existing && !slices.Equal(blobsOf(dropped), blobsOf(old.Segments)) {
						t.Errorf("dropped %v, want the old object's %v", dropped, old.Segments)
					}
					return
				}
				wantErr(t, via, err, tc.kind, tc.code)
				if len(dropped) != 0 {
					t.Errorf("failed %s dropped %v", via, dropped)
				}
				switch {
				case tc.existing && (getErr != nil || got.ETag != etag):
					t.Errorf("failed %s changed the object: %v, %v", via, got, getErr)
				case !tc.existing && getErr == nil:
					t.Errorf("failed %s created the object", via)
				}
				if via == "CompleteUpload" {
					if _, err := s.GetUpload(ctx, "b", "k", "u"); err != nil {
						t.Errorf("failed CompleteUpload lost the upload: %v", err)
					}
				}
			})
		}
	}
}

// withObject is a new store with bucket b and, when existing, object b/k
// with etag, which it returns.
func withObject(t *testing.T, newStore func(t *testing.T) wicket.MetaStore, existing bool, etag string) (wicket.MetaStore, *wicket.Object) {
	t.Helper()
	s := newStore(t)
	createBucket(t, s, "b")
	if !existing {
		return s, nil
	}
	old := object("b", "k")
	old.ETag = etag
	putObject(t, s, old)
	return s, old
}

// Conditional deletes follow AWS (conditional-deletes): If-Match with the
// object's ETag, or "*", deletes it; another ETag fails 412 and keeps it;
// with no object, If-Match of either kind fails 404 NoSuchKey.
func testDeletePreconditions(t *testing.T, newStore func(t *testing.T) wicket.MetaStore) {
	const etag = "0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		name     string
		existing bool
		ifMatch  string
		kind     wicket.Kind // Other: deleted
		code     string
	}{
		{"same ETag", true, etag, wicket.Other, ""},
		{"other ETag", true, "ffffffffffffffffffffffffffffffff", wicket.Conflict, "PreconditionFailed"},
		{"*, present", true, "*", wicket.Other, ""},
		{"ETag, absent", false, etag, wicket.NotFound, "NoSuchKey"},
		{"*, absent", false, "*", wicket.NotFound, "NoSuchKey"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, old := withObject(t, newStore, tc.existing, etag)
			dropped, err := s.DeleteObject(ctx, "b", "k", wicket.Precondition{IfMatch: tc.ifMatch})
			_, getErr := s.GetObject(ctx, "b", "k")
			if tc.kind == wicket.Other {
				if err != nil {
					t.Fatalf("DeleteObject: %v", err)
				}
				if wicket.KindOf(getErr) != wicket.NotFound || !slices.Equal(blobsOf(dropped), blobsOf(old.Segments)) {
					t.Errorf("after the delete: %v, dropped %v, want NotFound and %v", getErr, dropped, old.Segments)
				}
				return
			}
			wantErr(t, "DeleteObject", err, tc.kind, tc.code)
			if len(dropped) != 0 || tc.existing && getErr != nil {
				t.Errorf("a failed delete dropped %v; the object: %v", dropped, getErr)
			}
		})
	}
}

// Of many writers racing to create one key with If-None-Match: *, exactly
// one wins: the check and the write are one transaction.
func testConditionalCreateRace(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "b")
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.PutObject(ctx, object("b", "lock"), wicket.Precondition{IfNoneMatch: true})
		})
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case wicket.CodeOf(err) != "PreconditionFailed":
			t.Errorf("loser's error = %v, want PreconditionFailed", err)
		}
	}
	if wins != 1 {
		t.Errorf("%d writers won the If-None-Match race, want 1", wins)
	}
}

// Keys are bytes: anything UTF-8, up to 1024 of them, kept and ordered as
// they are.
func testKeys(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "b")
	keys := []string{
		"😀", "a//b", "../x", "./x", "%2F", "a%2Fb", "with space", " lead", "trail ", "a+b", "a\tb",
		"ü", "u\u0308", "日本語/ファイル", "/", "//", "a/", "A", "a", "Z", "~", "'\"<>&", "x?y=z#w",
		"\u00a0", "\U0010ffff", strings.Repeat("k", 1024), strings.Repeat("é", 512),
	}
	var objs []*wicket.Object
	for _, k := range keys {
		objs = append(objs, object("b", k))
	}
	putAll(t, s, objs)
	for _, o := range objs {
		got, err := s.GetObject(ctx, "b", o.Key)
		if err != nil {
			t.Errorf("GetObject(%q): %v", o.Key, err)
			continue
		}
		if d := diffObject(got, o); d != "" {
			t.Errorf("GetObject(%q): %s", o.Key, d)
		}
	}
	want := slices.Clone(keys)
	slices.Sort(want) // Go orders strings by bytes, as S3 orders keys
	page, err := s.ListObjects(ctx, "b", wicket.ListQuery{MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if got := objectKeys(page.Objects); !slices.Equal(got, want) {
		t.Errorf("listing order:\n got %q\nwant %q", got, want)
	}
	for _, k := range keys {
		if dropped, err := s.DeleteObject(ctx, "b", k, wicket.Precondition{}); err != nil || len(dropped) != 1 {
			t.Errorf("DeleteObject(%q) = %v, %v", k, dropped, err)
		}
	}

	_, err = s.PutObject(ctx, object("b", strings.Repeat("k", 1025)), wicket.Precondition{})
	wantErr(t, "PutObject of a 1025-byte key", err, wicket.TooLarge, "KeyTooLongError")
	_, err = s.PutObject(ctx, object("b", ""), wicket.Precondition{})
	wantErr(t, "PutObject of an empty key", err, wicket.Invalid, "")
}

// listCase is a listing with its expected page.
type listCase struct {
	q         wicket.ListQuery
	objects   []string
	prefixes  []string
	truncated bool
	next      string
}

func checkPage(t *testing.T, what string, page *wicket.ListPage, objects, prefixes []string, truncated bool, next string) {
	t.Helper()
	got := objectKeys(page.Objects)
	if !sameStrings(got, objects) || !sameStrings(page.CommonPrefixes, prefixes) || page.Truncated != truncated || page.Next != next {
		t.Errorf("%s:\n got objects %q prefixes %q truncated %v next %q\nwant objects %q prefixes %q truncated %v next %q",
			what, got, page.CommonPrefixes, page.Truncated, page.Next, objects, prefixes, truncated, next)
	}
}

func testListObjects(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "b")
	keys := []string{
		"a", "a/1", "a/2", "a/b/c", "a/b/d", "a0", "b", "b/", "b//x", "c-1-x", "c-2", "photos/2024/feb.jpg",
		"photos/2024/jan.jpg", "photos/2025/mar.jpg", "photos/index.html", "z",
	}
	var objs []*wicket.Object
	for _, k := range keys {
		objs = append(objs, object("b", k))
	}
	putAll(t, s, objs)

	all := func(q wicket.ListQuery) wicket.ListQuery { q.MaxKeys = 1000; return q }
	cases := []listCase{
		{q: all(wicket.ListQuery{}), objects: keys},
		{q: all(wicket.ListQuery{Delimiter: "/"}), objects: []string{"a", "a0", "b", "c-1-x", "c-2", "z"},
			prefixes: []string{"a/", "b/", "photos/"}},
		{q: all(wicket.ListQuery{Prefix: "photos/", Delimiter: "/"}), objects: []string{"photos/index.html"},
			prefixes: []string{"photos/2024/", "photos/2025/"}},
		{q: all(wicket.ListQuery{Prefix: "photos/2024/", Delimiter: "/"}), objects: []string{"photos/2024/feb.jpg", "photos/2024/jan.jpg"}},
		{q: all(wicket.ListQuery{Prefix: "photos"}), objects: keys[11:15]},
		{q: all(wicket.ListQuery{Prefix: "a/", Delimiter: "/"}), objects: []string{"a/1", "a/2"}, prefixes: []string{"a/b/"}},
		{q: all(wicket.ListQuery{Prefix: "b/", Delimiter: "/"}), objects: []string{"b/"}, prefixes: []string{"b//"}},
		{q: all(wicket.ListQuery{Prefix: "nothing"})},
		{q: all(wicket.ListQuery{Delimiter: "-"}), objects: []string{
			"a", "a/1", "a/2", "a/b/c", "a/b/d", "a0", "b", "b/", "b//x", "photos/2024/feb.jpg",
			"photos/2024/jan.jpg", "photos/2025/mar.jpg", "photos/index.html", "z"}, prefixes: []string{"c-"}},
		{q: all(wicket.ListQuery{Prefix: "c-", Delimiter: "-"}), prefixes: []string{"c-1-"}, objects: []string{"c-2"}},
		// A delimiter of several characters.
		{q: all(wicket.ListQuery{Delimiter: "/2"}), objects: []string{
			"a", "a/1", "a/b/c", "a/b/d", "a0", "b", "b/", "b//x", "c-1-x", "c-2", "photos/index.html", "z"},
			prefixes: []string{"a/2", "photos/2"}},
		// After is exclusive, and a common prefix at or before it is done.
		{q: all(wicket.ListQuery{After: "a/2"}), objects: keys[3:]},
		{q: all(wicket.ListQuery{Delimiter: "/", After: "a/"}), objects: []string{"a0", "b", "c-1-x", "c-2", "z"},
			prefixes: []string{"b/", "photos/"}},
		{q: all(wicket.ListQuery{Delimiter: "/", After: "a/1"}), objects: []string{"a0", "b", "c-1-x", "c-2", "z"},
			prefixes: []string{"b/", "photos/"}},
		{q: all(wicket.ListQuery{Delimiter: "/", After: "a"}), objects: []string{"a0", "b", "c-1-x", "c-2", "z"},
			prefixes: []string{"a/", "b/", "photos/"}},
		{q: all(wicket.ListQuery{Prefix: "photos/", After: "a"}), objects: keys[11:15]},
		{q: all(wicket.ListQuery{Prefix: "photos/", After: "photos/2024/jan.jpg"}), objects: keys[13:15]},
		{q: all(wicket.ListQuery{Prefix: "a", After: "zz"})},
		{q: all(wicket.ListQuery{After: "z"})},
		// MaxKeys counts objects and common prefixes together.
		{q: wicket.ListQuery{MaxKeys: 0}},
		{q: wicket.ListQuery{MaxKeys: 1}, objects: []string{"a"}, truncated: true, next: "a"},
		{q: wicket.ListQuery{Delimiter: "/", MaxKeys: 2}, objects: []string{"a"}, prefixes: []string{"a/"}, truncated: true, next: "a/"},
		{q: wicket.ListQuery{Delimiter: "/", MaxKeys: 2, After: "a/"}, objects: []string{"a0", "b"}, truncated: true, next: "b"},
		{q: wicket.ListQuery{Delimiter: "/", MaxKeys: 1, After: "b"}, prefixes: []string{"b/"}, truncated: true, next: "b/"},
		{q: wicket.ListQuery{Delimiter: "/", MaxKeys: 3, After: "c-2"}, objects: []string{"z"}, prefixes: []string{"photos/"}},
		// A page exactly as long as what is left is not truncated.
		{q: wicket.ListQuery{Prefix: "photos/2024/", MaxKeys: 2}, objects: []string{"photos/2024/feb.jpg", "photos/2024/jan.jpg"}},
		{q: wicket.ListQuery{Prefix: "photos/", Delimiter: "/", MaxKeys: 2}, prefixes: []string{"photos/2024/", "photos/2025/"},
			truncated: true, next: "photos/2025/"},
	}
	for _, tc := range cases {
		page, err := s.ListObjects(ctx, "b", tc.q)
		if err != nil {
			t.Errorf("ListObjects(%+v): %v", tc.q, err)
			continue
		}
		checkPage(t, fmt.Sprintf("ListObjects(%+v)", tc.q), page, tc.objects, tc.prefixes, tc.truncated, tc.next)
		// The hand-written answers check the reference too.
		o, p, tr, n := refList(keys, tc.q)
		if !sameStrings(o, tc.objects) || !sameStrings(p, tc.prefixes) || tr != tc.truncated || n != tc.next {
			t.Errorf("reference listing disagrees on %+v: %q %q %v %q", tc.q, o, p, tr, n)
		}
	}

	// A listing shows what ListObjects returns of each object.
	page, err := s.ListObjects(ctx, "b", wicket.ListQuery{Prefix: "z", MaxKeys: 1})
	if err != nil || len(page.Objects) != 1 {
		t.Fatalf("ListObjects(z) = %v, %v", page, err)
	}
	if o, want := page.Objects[0], objs[len(objs)-1]; o.Bucket != "b" || o.Key != "z" || o.Size != want.Size ||
		o.ETag != want.ETag || !o.Modified.Equal(want.Modified) || len(o.Segments) != 0 {
		t.Errorf("listed object = %+v, want the fields of %+v without segments", o, want)
	}
	withSums := fullObject("b", "sums")
	putObject(t, s, withSums)
	page, err = s.ListObjects(ctx, "b", wicket.ListQuery{Prefix: "sums", MaxKeys: 1})
	if err != nil || len(page.Objects) != 1 {
		t.Fatalf("ListObjects(sums) = %v, %v", page, err)
	}
	if o := page.Objects[0]; !equalMaps(o.Checksums, withSums.Checksums) || o.ChecksumType != "COMPOSITE" {
		t.Errorf("listed checksums = %v %q, want %v COMPOSITE", o.Checksums, o.ChecksumType, withSums.Checksums)
	}

	_, err = s.ListObjects(ctx, "b", wicket.ListQuery{MaxKeys: -1})
	wantErr(t, "ListObjects with MaxKeys -1", err, wicket.Invalid, "")
}

// walkObjects lists every page of q, each from the previous page's Next,
// and returns the concatenation.
func walkObjects(t *testing.T, s wicket.MetaStore, bucket string, q wicket.ListQuery) (objects, prefixes []string) {
	t.Helper()
	for pages := 0; ; pages++ {
		if pages > 2000 {
			t.Fatalf("listing %+v does not end", q)
		}
		page, err := s.ListObjects(ctx, bucket, q)
		if err != nil {
			t.Fatalf("ListObjects(%+v): %v", q, err)
		}
		if n := len(page.Objects) + len(page.CommonPrefixes); n > q.MaxKeys || page.Truncated && n == 0 {
			t.Fatalf("ListObjects(%+v): %d entries, truncated %v", q, n, page.Truncated)
		}
		objects = append(objects, objectKeys(page.Objects)...)
		prefixes = append(prefixes, page.CommonPrefixes...)
		if !page.Truncated {
			if page.Next != "" {
				t.Errorf("ListObjects(%+v): Next %q on the last page", q, page.Next)
			}
			return objects, prefixes
		}
		q.After = page.Next
	}
}

// Listings of a few hundred random keys, under random prefixes, markers
// and delimiters, agree with the reference page by page, and walking all
// pages gives the whole listing.
func testListObjectsRandom(t *testing.T, s wicket.MetaStore) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	createBucket(t, s, "b")
	keys := randomKeys(r, 300)
	var objs []*wicket.Object
	for _, k := range keys {
		objs = append(objs, object("b", k))
	}
	putAll(t, s, objs)

	points := queryPoints(r, keys, 20)
	for range 200 {
		q := wicket.ListQuery{
			Prefix:    points[r.IntN(len(points))],
			Delimiter: delimiters[r.IntN(len(delimiters))],
			MaxKeys:   []int{0, 1, 2, 3, 7, 50, 1000}[r.IntN(7)],
		}
		if r.IntN(2) == 0 {
			q.After = points[r.IntN(len(points))]
		}
		page, err := s.ListObjects(ctx, "b", q)
		if err != nil {
			t.Fatalf("ListObjects(%+v): %v", q, err)
		}
		o, p, tr, n := refList(keys, q)
		checkPage(t, fmt.Sprintf("ListObjects(%#v)", q), page, o, p, tr, n)
		if t.Failed() {
			t.FailNow()
		}
	}
	for _, d := range delimiters {
		for _, prefix := range []string{"", "a", "a/", points[len(points)-1]} {
			for _, max := range []int{2, 1000} {
				q := wicket.ListQuery{Prefix: prefix, Delimiter: d, MaxKeys: max}
				objects, prefixes := walkObjects(t, s, "b", q)
				wantO, wantP, _, _ := refList(keys, wicket.ListQuery{Prefix: prefix, Delimiter: d, MaxKeys: len(keys)})
				if !sameStrings(objects, wantO) || !sameStrings(prefixes, wantP) {
					t.Fatalf("walking %#v page by page:\n got %q %q\nwant %q %q", q, objects, prefixes, wantO, wantP)
				}
			}
		}
	}
}

// A page holds at most 1000 entries, whatever MaxKeys asks.
func testListObjectsMaxKeys(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "b")
	var objs []*wicket.Object
	var keys []string
	for i := range 1001 {
		k := fmt.Sprintf("k%04d", i)
		keys = append(keys, k)
		objs = append(objs, object("b", k))
	}
	putAll(t, s, objs)
	for _, max := range []int{1000, 5000} {
		page, err := s.ListObjects(ctx, "b", wicket.ListQuery{MaxKeys: max})
		if err != nil {
			t.Fatal(err)
		}
		checkPage(t, fmt.Sprintf("MaxKeys %d", max), page, keys[:1000], nil, true, keys[999])
	}
	page, err := s.ListObjects(ctx, "b", wicket.ListQuery{MaxKeys: 1000, After: keys[999]})
	if err != nil {
		t.Fatal(err)
	}
	checkPage(t, "second page", page, keys[1000:], nil, false, "")
}

func testUploads(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "b")
	want := &wicket.Upload{ID: "u1", Bucket: "b", Key: "video.mp4", Initiated: testTime, Object: *fullObject("b", "video.mp4")}
	want.Object.Segments, want.Object.Size, want.Object.ETag, want.Object.Modified = nil, 0, "", time.Time{}
	want.Object.Lock = wicket.ObjectLock{Mode: wicket.Compliance, RetainUntil: testTime.Add(time.Hour), LegalHold: wicket.HoldOn}
	if err := s.CreateUpload(ctx, want); err != nil {
		t.Fatalf("CreateUpload: %v", err)
	}
	got, err := s.GetUpload(ctx, "b", "video.mp4", "u1")
	if err != nil {
		t.Fatalf("GetUpload: %v", err)
	}
	if got.ID != "u1" || got.Bucket != "b" || got.Key != "video.mp4" || !got.Initiated.Equal(testTime) {
		t.Errorf("GetUpload = %+v", got)
	}
	if d := diffObject(&got.Object, &want.Object); d != "" {
		t.Errorf("upload's object: %s", d)
	}
	err = s.CreateUpload(ctx, &wicket.Upload{ID: "u1", Bucket: "b", Key: "other"})
	wantErr(t, "CreateUpload of an existing id", err, wicket.Conflict, "")

	for _, tc := range []struct{ bucket, key, id string }{
		{"b", "video.mp4", "nope"}, {"b", "other.mp4", "u1"}, {"b", "video.mp4", ""},
	} {
		_, err := s.GetUpload(ctx, tc.bucket, tc.key, tc.id)
		wantErr(t, fmt.Sprintf("GetUpload(%q, %q, %q)", tc.bucket, tc.key, tc.id), err, wicket.NotFound, "NoSuchUpload")
	}
	// An upload is not an object.
	_, err = s.GetObject(ctx, "b", "video.mp4")
	wantErr(t, "GetObject of a key being uploaded", err, wicket.NotFound, "NoSuchKey")
	_, _, err = s.ListParts(ctx, "b", "other.mp4", "u1", 0, 10)
	wantErr(t, "ListParts under the wrong key", err, wicket.NotFound, "NoSuchUpload")
	_, err = s.PutPart(ctx, "b", "other.mp4", &wicket.Part{UploadID: "u1", Number: 1, Segment: wicket.Segment{Blob: newBlob()}})
	wantErr(t, "PutPart under the wrong key", err, wicket.NotFound, "NoSuchUpload")
	_, err = s.AbortUpload(ctx, "b", "other.mp4", "u1")
	wantErr(t, "AbortUpload under the wrong key", err, wicket.NotFound, "NoSuchUpload")
	if _, err := s.GetUpload(ctx, "b", "video.mp4", "u1"); err != nil {
		t.Errorf("upload disturbed: %v", err)
	}
}

func part(id string, n int) *wicket.Part {
	return &wicket.Part{
		UploadID: id, Number: n, Modified: testTime,
		Segment: wicket.Segment{Blob: newBlob(), Size: int64(n) * 100, ETag: fmt.Sprintf("%032x", n), Checksum: fmt.Sprintf("crc%d", n)},
	}
}

func partNumbers(parts []wicket.Part) []int {
	var ns []int
	for _, p := range parts {
		ns = append(ns, p.Number)
	}
	return ns
}

func testParts(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "b")
	if err := s.CreateUpload(ctx, &wicket.Upload{ID: "u", Bucket: "b", Key: "k", Initiated: testTime}); err != nil {
		t.Fatal(err)
	}
	parts := map[int]*wicket.Part{}
	for _, n := range []int{5, 1, 3, 10000, 2} {
		parts[n] = part("u", n)
		if dropped, err := s.PutPart(ctx, "b", "k", parts[n]); err != nil || len(dropped) != 0 {
			t.Fatalf("PutPart(%d) = %v, %v", n, dropped, err)
		}
	}
	list, truncated, err := s.ListParts(ctx, "b", "k", "u", 0, 1000)
	if err != nil || truncated || !slices.Equal(partNumbers(list), []int{1, 2, 3, 5, 10000}) {
		t.Fatalf("ListParts = %v, %v, %v", partNumbers(list), truncated, err)
	}
	for _, p := range list {
		w := parts[p.Number]
		if p.UploadID != "u" || p.Segment != w.Segment || !p.Modified.Equal(w.Modified) {
			t.Errorf("part %d = %+v, want %+v", p.Number, p, w)
		}
	}

	// Pages, from a part number on.
	for _, tc := range []struct {
		after, max int
		want       []int
		truncated  bool
	}{
		{0, 2, []int{1, 2}, true},
		{2, 2, []int{3, 5}, true},
		{5, 2, []int{10000}, false},
		{3, 2, []int{5, 10000}, false},
		{4, 1, []int{5}, true},
		{10000, 5, nil, false},
		{0, 0, nil, false},
		{0, 5000, []int{1, 2, 3, 5, 10000}, false},
	} {
		list, truncated, err := s.ListParts(ctx, "b", "k", "u", tc.after, tc.max)
		if err != nil || truncated != tc.truncated || !slices.Equal(partNumbers(list), tc.want) {
			t.Errorf("ListParts(after %d, max %d) = %v, %v, %v; want %v, %v", tc.after, tc.max, partNumbers(list), truncated, err, tc.want, tc.truncated)
		}
	}

	// Replacing a part drops the old one's blob, unless it is the same.
	repl := part("u", 3)
	dropped, err := s.PutPart(ctx, "b", "k", repl)
	if err != nil || len(dropped) != 1 || dropped[0] != parts[3].Segment {
		t.Errorf("replacing part 3 dropped %v, %v; want %v", dropped, err, parts[3].Segment)
	}
	if dropped, err := s.PutPart(ctx, "b", "k", repl); err != nil || len(dropped) != 0 {
		t.Errorf("rewriting part 3 over its own blob dropped %v, %v", dropped, err)
	}
	list, _, _ = s.ListParts(ctx, "b", "k", "u", 2, 1)
	if len(list) != 1 || list[0].Segment != repl.Segment {
		t.Errorf("part 3 after replace = %+v, want %+v", list, repl.Segment)
	}

	for _, n := range []int{0, -1, 10001} {
		p := part("u", n)
		_, err := s.PutPart(ctx, "b", "k", p)
		wantErr(t, fmt.Sprintf("PutPart(%d)", n), err, wicket.Invalid, "")
	}
	_, err = s.PutPart(ctx, "b", "k", part("nope", 1))
	wantErr(t, "PutPart of a missing upload", err, wicket.NotFound, "NoSuchUpload")
	_, _, err = s.ListParts(ctx, "b", "k", "nope", 0, 10)
	wantErr(t, "ListParts of a missing upload", err, wicket.NotFound, "NoSuchUpload")
	_, _, err = s.ListParts(ctx, "b", "k", "u", 0, -1)
	wantErr(t, "ListParts with max -1", err, wicket.Invalid, "")

	// Completing an upload lists all its parts at once: a page of parts is
	// bounded by the 10000 parts an upload can have, not by 1000.
	if err := s.CreateUpload(ctx, &wicket.Upload{ID: "many", Bucket: "b", Key: "k"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	numbers := make(chan int)
	for range 16 {
		wg.Go(func() {
			for n := range numbers {
				if _, err := s.PutPart(ctx, "b", "k", part("many", n)); err != nil {
					t.Errorf("PutPart(%d): %v", n, err)
				}
			}
		})
	}
	for n := 1; n <= 1001; n++ {
		numbers <- n
	}
	close(numbers)
	wg.Wait()
	for _, tc := range []struct {
		max       int
		n         int
		truncated bool
	}{{10000, 1001, false}, {1001, 1001, false}, {1000, 1000, true}, {20000, 1001, false}} {
		list, truncated, err := s.ListParts(ctx, "b", "k", "many", 0, tc.max)
		if err != nil || len(list) != tc.n || truncated != tc.truncated {
			t.Errorf("ListParts of 1001 parts, max %d = %d parts, truncated %v, %v; want %d, %v", tc.max, len(list), truncated, err, tc.n, tc.truncated)
		}
	}
}

func testCompleteUpload(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "b")
	old := fullObject("b", "k")
	putObject(t, s, old)
	up := &wicket.Upload{ID: "u", Bucket: "b", Key: "k", Initiated: testTime}
	if err := s.CreateUpload(ctx, up); err != nil {
		t.Fatal(err)
	}
	var parts []*wicket.Part
	for n := 1; n <= 4; n++ {
		parts = append(parts, part("u", n))
		if _, err := s.PutPart(ctx, "b", "k", parts[n-1]); err != nil {
			t.Fatal(err)
		}
	}
	// Choose parts 1, 2 and 4.
	o := &wicket.Object{
		Bucket: "b", Key: "k", Size: 700, ETag: "cccccccccccccccccccccccccccccccc-3", Modified: testTime.Add(time.Hour),
		Meta: map[string]string{"m": "v"}, Checksums: map[string]string{"CRC32": "x-3"}, ChecksumType: "COMPOSITE",
		Segments: []wicket.Segment{parts[0].Segment, parts[1].Segment, parts[3].Segment},
	}

	// A segment that is not a part of the upload as it stands fails, and
	// changes nothing: a replaced part's blob is already gone.
	bad := *o
	bad.Segments = []wicket.Segment{parts[0].Segment, {Blob: newBlob(), Size: 1}}
	_, err := s.CompleteUpload(ctx, "u", &bad, wicket.Precondition{})
	wantErr(t, "CompleteUpload with a foreign segment", err, wicket.Invalid, "InvalidPart")
	// Under another key, or for an upload that does not exist.
	other := *o
	other.Key = "elsewhere"
	_, err = s.CompleteUpload(ctx, "u", &other, wicket.Precondition{})
	wantErr(t, "CompleteUpload under another key", err, wicket.NotFound, "NoSuchUpload")
	_, err = s.CompleteUpload(ctx, "nope", o, wicket.Precondition{})
	wantErr(t, "CompleteUpload of a missing upload", err, wicket.NotFound, "NoSuchUpload")
	if got, err := s.GetObject(ctx, "b", "k"); err != nil || got.ETag != old.ETag {
		t.Fatalf("failed completes changed the object: %v, %v", got, err)
	}

	dropped, err := s.CompleteUpload(ctx, "u", o, wicket.Precondition{})
	if err != nil {
		t.Fatalf("CompleteUpload: %v", err)
	}
	if got, want := blobsOf(dropped), blobsOf(old.Segments, []wicket.Segment{parts[2].Segment}); !slices.Equal(got, want) {
		t.Errorf("CompleteUpload dropped %v, want the unchosen part and the replaced object's %v", got, want)
	}
	got, err := s.GetObject(ctx, "b", "k")
	if err != nil {
		t.Fatal(err)
	}
	if d := diffObject(got, o); d != "" {
		t.Errorf("completed object: %s", d)
	}
	_, err = s.GetUpload(ctx, "b", "k", "u")
	wantErr(t, "GetUpload after complete", err, wicket.NotFound, "NoSuchUpload")
	_, err = s.CompleteUpload(ctx, "u", o, wicket.Precondition{})
	wantErr(t, "CompleteUpload twice", err, wicket.NotFound, "NoSuchUpload")
	page, err := s.ListUploads(ctx, "b", wicket.UploadQuery{MaxUploads: 10})
	if err != nil || len(page.Uploads) != 0 {
		t.Errorf("ListUploads after complete = %+v, %v", page, err)
	}
	// The bucket is empty of uploads now.
	if _, err := s.DeleteObject(ctx, "b", "k", wicket.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteBucket(ctx, "b"); err != nil {
		t.Errorf("DeleteBucket after complete and delete: %v", err)
	}
}

func testAbortUpload(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "b")
	if err := s.CreateUpload(ctx, &wicket.Upload{ID: "u", Bucket: "b", Key: "k", Initiated: testTime}); err != nil {
		t.Fatal(err)
	}
	var segs []wicket.Segment
	for n := 1; n <= 3; n++ {
		p := part("u", n)
		segs = append(segs, p.Segment)
		if _, err := s.PutPart(ctx, "b", "k", p); err != nil {
			t.Fatal(err)
		}
	}
	dropped, err := s.AbortUpload(ctx, "b", "k", "u")
	if err != nil {
		t.Fatalf("AbortUpload: %v", err)
	}
	if got, want := blobsOf(dropped), blobsOf(segs); !slices.Equal(got, want) {
		t.Errorf("AbortUpload dropped %v, want %v", got, want)
	}
	_, err = s.GetUpload(ctx, "b", "k", "u")
	wantErr(t, "GetUpload after abort", err, wicket.NotFound, "NoSuchUpload")
	_, err = s.AbortUpload(ctx, "b", "k", "u")
	wantErr(t, "AbortUpload twice", err, wicket.NotFound, "NoSuchUpload")
	_, err = s.PutPart(ctx, "b", "k", part("u", 4))
	wantErr(t, "PutPart after abort", err, wicket.NotFound, "NoSuchUpload")
	// An upload of no parts aborts too.
	if err := s.CreateUpload(ctx, &wicket.Upload{ID: "u2", Bucket: "b", Key: "k"}); err != nil {
		t.Fatal(err)
	}
	if dropped, err := s.AbortUpload(ctx, "b", "k", "u2"); err != nil || len(dropped) != 0 {
		t.Errorf("AbortUpload of no parts = %v, %v", dropped, err)
	}
	if _, err := s.DeleteBucket(ctx, "b"); err != nil {
		t.Errorf("DeleteBucket after abort: %v", err)
	}
}

func uploadIDs(page *wicket.UploadPage) []string {
	var ids []string
	for _, u := range page.Uploads {
		ids = append(ids, u.ID)
	}
	return ids
}

func refIDs(us []refUpload) []string {
	var ids []string
	for _, u := range us {
		ids = append(ids, u.id)
	}
	return ids
}

func createUploads(t *testing.T, s wicket.MetaStore, bucket string, ups []refUpload) {
	t.Helper()
	var wg sync.WaitGroup
	for _, u := range ups {
		wg.Go(func() {
			if err := s.CreateUpload(ctx, &wicket.Upload{ID: u.id, Bucket: bucket, Key: u.key, Initiated: u.initiated}); err != nil {
				t.Errorf("CreateUpload(%s): %v", u.id, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

func testListUploads(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "b")
	at := func(m int) time.Time { return testTime.Add(time.Duration(m) * time.Minute) }
	// Within a key, initiation orders uploads, then id; ids are not in
	// initiation order on purpose.
	ups := []refUpload{
		{"a/1", "z1", at(1)}, {"a/1", "a2", at(2)}, {"a/1", "m3", at(2)},
		{"a/2", "q", at(0)}, {"b", "b1", at(5)}, {"b", "b0", at(9)}, {"c/d/e", "c1", at(0)}, {"c/f", "c2", at(0)},
	}
	createUploads(t, s, "b", ups)
	cases := []struct {
		q         wicket.UploadQuery
		ids       []string
		prefixes  []string
		truncated bool
		nextKey   string
		nextID    string
	}{
		{q: wicket.UploadQuery{MaxUploads: 100}, ids: []string{"z1", "a2", "m3", "q", "b1", "b0", "c1", "c2"}},
		{q: wicket.UploadQuery{MaxUploads: 2}, ids: []string{"z1", "a2"}, truncated: true, nextKey: "a/1", nextID: "a2"},
		{q: wicket.UploadQuery{MaxUploads: 2, KeyMarker: "a/1", UploadAfter: "a2"}, ids: []string{"m3", "q"}, truncated: true, nextKey: "a/2", nextID: "q"},
		{q: wicket.UploadQuery{MaxUploads: 100, KeyMarker: "a/1"}, ids: []string{"q", "b1", "b0", "c1", "c2"}},
		{q: wicket.UploadQuery{MaxUploads: 100, KeyMarker: "a/1", UploadAfter: "z1"}, ids: []string{"a2", "m3", "q", "b1", "b0", "c1", "c2"}},
		// UploadAfter without KeyMarker is ignored, as on AWS.
		{q: wicket.UploadQuery{MaxUploads: 100, UploadAfter: "z1"}, ids: []string{"z1", "a2", "m3", "q", "b1", "b0", "c1", "c2"}},
		// A marker upload that is gone: ids greater than it, in order.
		{q: wicket.UploadQuery{MaxUploads: 100, KeyMarker: "a/1", UploadAfter: "l"}, ids: []string{"z1", "m3", "q", "b1", "b0", "c1", "c2"}},
		{q: wicket.UploadQuery{MaxUploads: 100, Delimiter: "/"}, ids: []string{"b1", "b0"}, prefixes: []string{"a/", "c/"}},
		{q: wicket.UploadQuery{MaxUploads: 2, Delimiter: "/"}, ids: []string{"b1"}, prefixes: []string{"a/"}, truncated: true, nextKey: "b", nextID: "b1"},
		{q: wicket.UploadQuery{MaxUploads: 1, Delimiter: "/"}, prefixes: []string{"a/"}, truncated: true, nextKey: "a/"},
		{q: wicket.UploadQuery{MaxUploads: 100, Delimiter: "/", KeyMarker: "a/"}, ids: []string{"b1", "b0"}, prefixes: []string{"c/"}},
		{q: wicket.UploadQuery{MaxUploads: 100, Prefix: "c/", Delimiter: "/"}, ids: []string{"c2"}, prefixes: []string{"c/d/"}},
		{q: wicket.UploadQuery{MaxUploads: 100, Prefix: "a/"}, ids: []string{"z1", "a2", "m3", "q"}},
		{q: wicket.UploadQuery{MaxUploads: 0}},
	}
	for _, tc := range cases {
		page, err := s.ListUploads(ctx, "b", tc.q)
		if err != nil {
			t.Errorf("ListUploads(%+v): %v", tc.q, err)
			continue
		}
		if !sameStrings(uploadIDs(page), tc.ids) || !sameStrings(page.CommonPrefixes, tc.prefixes) || page.Truncated != tc.truncated ||
			page.NextKey != tc.nextKey || page.NextUploadID != tc.nextID {
			t.Errorf("ListUploads(%+v):\n got %q %q %v %q %q\nwant %q %q %v %q %q", tc.q,
				uploadIDs(page), page.CommonPrefixes, page.Truncated, page.NextKey, page.NextUploadID,
				tc.ids, tc.prefixes, tc.truncated, tc.nextKey, tc.nextID)
		}
		u, p, tr, nk, ni := refUploads(ups, tc.q)
		if !sameStrings(refIDs(u), tc.ids) || !sameStrings(p, tc.prefixes) || tr != tc.truncated || nk != tc.nextKey || ni != tc.nextID {
			t.Errorf("reference upload listing disagrees on %+v: %q %q %v %q %q", tc.q, refIDs(u), p, tr, nk, ni)
		}
	}
	page, err := s.ListUploads(ctx, "b", wicket.UploadQuery{MaxUploads: 1, KeyMarker: "a/2"})
	if err != nil || len(page.Uploads) != 1 {
		t.Fatalf("ListUploads = %v, %v", page, err)
	}
	if u := page.Uploads[0]; u.ID != "b1" || u.Bucket != "b" || u.Key != "b" || !u.Initiated.Equal(at(5)) {
		t.Errorf("listed upload = %+v", u)
	}
	_, err = s.ListUploads(ctx, "b", wicket.UploadQuery{MaxUploads: -1})
	wantErr(t, "ListUploads with MaxUploads -1", err, wicket.Invalid, "")
}

func testListUploadsRandom(t *testing.T, s wicket.MetaStore) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	createBucket(t, s, "b")
	keys := randomKeys(r, 40)
	var ups []refUpload
	for i := range 120 {
		ups = append(ups, refUpload{
			key:       keys[r.IntN(len(keys))],
			id:        fmt.Sprintf("%08x", r.Uint32()) + fmt.Sprint(i),
			initiated: testTime.Add(time.Duration(r.IntN(4)) * time.Second), // ties are broken by id
		})
	}
	createUploads(t, s, "b", ups)
	points := queryPoints(r, keys, 10)
	for range 200 {
		q := wicket.UploadQuery{
			Prefix:     points[r.IntN(len(points))],
			Delimiter:  delimiters[r.IntN(len(delimiters))],
			MaxUploads: []int{0, 1, 2, 5, 1000}[r.IntN(5)],
		}
		if r.IntN(2) == 0 {
			u := ups[r.IntN(len(ups))]
			q.KeyMarker = u.key
			switch r.IntN(3) {
			case 0:
				q.UploadAfter = u.id
			case 1:
				q.UploadAfter = u.id[:4] // no such upload
			}
		}
		page, err := s.ListUploads(ctx, "b", q)
		if err != nil {
			t.Fatalf("ListUploads(%+v): %v", q, err)
		}
		u, p, tr, nk, ni := refUploads(ups, q)
		if !sameStrings(uploadIDs(page), refIDs(u)) || !sameStrings(page.CommonPrefixes, p) || page.Truncated != tr ||
			page.NextKey != nk || page.NextUploadID != ni {
			t.Fatalf("ListUploads(%#v):\n got %q %q %v %q %q\nwant %q %q %v %q %q", q,
				uploadIDs(page), page.CommonPrefixes, page.Truncated, page.NextKey, page.NextUploadID, refIDs(u), p, tr, nk, ni)
		}
	}
	// Walking page by page, from each page's markers, lists everything once.
	for _, d := range delimiters {
		for _, max := range []int{2, 5} {
			q := wicket.UploadQuery{Delimiter: d, MaxUploads: max}
			var ids, prefixes []string
			for pages := 0; ; pages++ {
				if pages > 1000 {
					t.Fatalf("upload listing %+v does not end", q)
				}
				page, err := s.ListUploads(ctx, "b", q)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, uploadIDs(page)...)
				prefixes = append(prefixes, page.CommonPrefixes...)
				if !page.Truncated {
					break
				}
				q.KeyMarker, q.UploadAfter = page.NextKey, page.NextUploadID
			}
			u, p, _, _, _ := refUploads(ups, wicket.UploadQuery{Delimiter: d, MaxUploads: listCap})
			if !sameStrings(ids, refIDs(u)) || !sameStrings(prefixes, p) {
				t.Fatalf("walking uploads with delimiter %q, %d a page:\n got %q %q\nwant %q %q", d, max, ids, prefixes, refIDs(u), p)
			}
		}
	}
}

// Blobs reports exactly the blobs that objects and parts refer to.
func testBlobs(t *testing.T, s wicket.MetaStore) {
	want := map[string]bool{}
	check := func(when string) {
		t.Helper()
		got := map[string]int{}
		if err := s.Blobs(ctx, func(id string) error { got[id]++; return nil }); err != nil {
			t.Fatalf("Blobs %s: %v", when, err)
		}
		for id, n := range got {
			if !want[id] || n != 1 {
				t.Errorf("Blobs %s: reported %s %d times, want %v", when, id, n, want[id])
			}
		}
		for id := range want {
			if got[id] == 0 {
				t.Errorf("Blobs %s: missed %s", when, id)
			}
		}
	}
	check("of an empty store")
	createBucket(t, s, "b1")
	createBucket(t, s, "b2")
	var objs []*wicket.Object
	for i := range 1200 { // more than a page of any sensible walk
		o := object(fmt.Sprintf("b%d", 1+i%2), fmt.Sprintf("k%d", i))
		if i%100 == 0 {
			o = fullObject(o.Bucket, o.Key)
		}
		objs = append(objs, o)
		for _, seg := range o.Segments {
			want[seg.Blob] = true
		}
	}
	putAll(t, s, objs)
	check("after puts")

	replacement := object("b1", "k0")
	for _, seg := range putObject(t, s, replacement) {
		delete(want, seg.Blob)
	}
	want[replacement.Segments[0].Blob] = true
	dropped, err := s.DeleteObject(ctx, "b2", "k1", wicket.Precondition{})
	if err != nil {
		t.Fatal(err)
	}
	for _, seg := range dropped {
		delete(want, seg.Blob)
	}
	check("after replace and delete")

	for _, id := range []string{"u1", "u2"} {
		if err := s.CreateUpload(ctx, &wicket.Upload{ID: id, Bucket: "b1", Key: "big"}); err != nil {
			t.Fatal(err)
		}
		for n := 1; n <= 3; n++ {
			p := part(id, n)
			if _, err := s.PutPart(ctx, "b1", "big", p); err != nil {
				t.Fatal(err)
			}
			want[p.Blob] = true
		}
	}
	check("with uploads")
	parts, _, err := s.ListParts(ctx, "b1", "big", "u1", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	dropped, err = s.CompleteUpload(ctx, "u1", &wicket.Object{Bucket: "b1", Key: "big", Segments: []wicket.Segment{parts[0].Segment}}, wicket.Precondition{})
	if err != nil {
		t.Fatal(err)
	}
	dropped2, err := s.AbortUpload(ctx, "b1", "big", "u2")
	if err != nil {
		t.Fatal(err)
	}
	for _, seg := range append(dropped, dropped2...) {
		delete(want, seg.Blob)
	}
	check("after complete and abort")

	stop := fmt.Errorf("stop")
	calls := 0
	if err := s.Blobs(ctx, func(string) error { calls++; return stop }); err != stop || calls != 1 {
		t.Errorf("Blobs with fn failing: err %v after %d calls, want fn's error after 1", err, calls)
	}
}

// Many goroutines writing, reading and listing at once (run with -race):
// every read sees a whole object, and the end state is what was written.
func testConcurrency(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "b")
	const workers, rounds = 8, 30
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				k := fmt.Sprintf("w%d/%03d", w, i)
				if _, err := s.PutObject(ctx, object("b", k), wicket.Precondition{}); err != nil {
					t.Errorf("PutObject(%s): %v", k, err)
					return
				}
				if _, err := s.GetObject(ctx, "b", k); err != nil {
					t.Errorf("GetObject(%s) after its put: %v", k, err)
				}
				// A shared key, overwritten by everyone: whole objects only.
				if _, err := s.PutObject(ctx, object("b", "shared"), wicket.Precondition{}); err != nil {
					t.Errorf("PutObject(shared): %v", err)
				}
				if o, err := s.GetObject(ctx, "b", "shared"); err != nil || len(o.Segments) != 1 || o.ETag != "etag-"+o.Segments[0].Blob {
					t.Errorf("GetObject(shared) = %+v, %v: torn or missing", o, err)
				}
				if i%3 == 0 {
					if _, err := s.DeleteObject(ctx, "b", k, wicket.Precondition{}); err != nil {
						t.Errorf("DeleteObject(%s): %v", k, err)
					}
				}
				if i%5 == 0 {
					if _, err := s.ListObjects(ctx, "b", wicket.ListQuery{Prefix: fmt.Sprintf("w%d/", w), MaxKeys: 1000}); err != nil {
						t.Errorf("ListObjects: %v", err)
					}
				}
			}
		})
	}
	wg.Wait()
	for w := range workers {
		objects, _ := walkObjects(t, s, "b", wicket.ListQuery{Prefix: fmt.Sprintf("w%d/", w), MaxKeys: 7})
		var want []string
		for i := range rounds {
			if i%3 != 0 {
				want = append(want, fmt.Sprintf("w%d/%03d", w, i))
			}
		}
		if !sameStrings(objects, want) {
			t.Errorf("worker %d's keys = %q, want %q", w, objects, want)
		}
	}
}

// A cancelled context stops an operation before it changes anything.
func testCancelledContext(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "b")
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.PutObject(cctx, object("b", "k"), wicket.Precondition{}); err == nil {
		t.Error("PutObject with a cancelled context succeeded")
	}
	if _, err := s.GetObject(ctx, "b", "k"); wicket.CodeOf(err) != "NoSuchKey" {
		t.Errorf("PutObject with a cancelled context wrote: %v", err)
	}
	if err := s.CreateBucket(cctx, wicket.Bucket{Name: "c"}); err == nil {
		t.Error("CreateBucket with a cancelled context succeeded")
	}
	if _, err := s.ListObjects(cctx, "b", wicket.ListQuery{MaxKeys: 10}); err == nil {
		t.Error("ListObjects with a cancelled context succeeded")
	}
	if _, err := s.GetBucket(cctx, "b"); err == nil {
		t.Error("GetBucket with a cancelled context succeeded")
	}
	if _, err := s.GetBucket(ctx, "c"); wicket.CodeOf(err) != "NoSuchBucket" {
		t.Errorf("CreateBucket with a cancelled context created: %v", err)
	}
}
