package wicket

import (
	"context"
	"time"
)

// Bucket is a bucket's identity; its configuration documents (policy,
// CORS, tagging) are kept beside it by kind.
type Bucket struct {
	Name    string
	Region  string
	Created time.Time
}

// Segment is a run of an object's bytes kept in one blob. A simple PUT makes
// an object of one segment; a multipart upload makes one per part, so that
// completing an upload copies nothing and GET ?partNumber=N finds its part.
type Segment struct {
	Blob string
	// Data holds the bytes of a small object kept in the metadata itself,
	// in place of a blob (Blob is then empty): a write of a few kilobytes
	// then costs one share of a group commit instead of a file of its own
	// and two fsyncs. Read-only once stored. A segment with neither Blob
	// nor Data is empty. A string, so that a Segment stays comparable and
	// its bytes cannot change.
	Data string
	Size int64
	// ETag of the part (hex MD5, unquoted); empty for a simple object.
	ETag string
	// Checksum of the part in the upload's algorithm (base64); for an
	// upload created without one, the CRC64NVME its completion combines.
	Checksum string
}

// Object is an object's metadata.
type Object struct {
	Bucket   string
	Key      string
	Size     int64
	ETag     string // unquoted: hex MD5, or hex MD5 of the parts' MD5s + "-N"
	Modified time.Time
	// Headers holds the standard headers stored with the object, by
	// canonical name: Content-Type, Content-Encoding, Content-Disposition,
	// Content-Language, Cache-Control, Expires.
	Headers map[string]string
	// Meta is the user metadata (x-amz-meta-*), by lower-case name without
	// the prefix.
	Meta map[string]string
	// Checksums by algorithm name (CRC32, CRC32C, CRC64NVME, SHA1, SHA256,
	// MD5, SHA512, XXHASH64, XXHASH3, XXHASH128), base64; ChecksumType is
	// FULL_OBJECT or COMPOSITE. An object stored without a checksum from
	// the client has the CRC64NVME S3 adds by default.
	Checksums    map[string]string
	ChecksumType string
	Tags         map[string]string
	Segments     []Segment
	// Lock is the object's Object Lock retention and legal hold; the zero
	// value is an object without either.
	Lock ObjectLock
}

// Object Lock retention modes and legal hold statuses, as S3 spells them.
const (
	Governance = "GOVERNANCE"
	Compliance = "COMPLIANCE"
	HoldOn     = "ON"
	HoldOff    = "OFF"
)

// ObjectLock is an object's S3 Object Lock state: a retention (a mode and
// a date until which the object may not be overwritten or deleted) and a
// legal hold (which protects it until removed, whatever the date).
//
// Wicket keeps one version of each object. Where S3 keeps a locked version
// and puts a new version or a delete marker on top of it, Wicket refuses
// the overwrite or the delete (AccessDenied), so that the locked bytes stay
// what the lock protects.
type ObjectLock struct {
	Mode        string    // Governance or Compliance; "" for no retention
	RetainUntil time.Time // with Mode
	LegalHold   string    // HoldOn or HoldOff; "" when none was ever set
}

// Protects reports whether l forbids replacing or deleting its object at
// now: a legal hold always; a retention until its date, except a
// GOVERNANCE one when bypassGovernance (x-amz-bypass-governance-retention
// with the s3:BypassGovernanceRetention permission). Both stores apply it
// in the transaction of the write, which is why it lives beside the type
// rather than in each store.
func (l ObjectLock) Protects(now time.Time, bypassGovernance bool) bool {
	if l.LegalHold == HoldOn {
		return true
	}
	if l.Mode == "" || !l.RetainUntil.After(now) {
		return false
	}
	return l.Mode == Compliance || !bypassGovernance
}

// AllowsRetention reports whether l's retention may be replaced by mode
// until (mode "" removes it) at now. A retention in force may be extended
// but not weakened: a COMPLIANCE one never shortened, removed or turned
// into GOVERNANCE; a GOVERNANCE one shortened, removed or changed only
// with bypassGovernance. An expired retention is no retention.
func (l ObjectLock) AllowsRetention(mode string, until, now time.Time, bypassGovernance bool) bool {
	if l.Mode == "" || !l.RetainUntil.After(now) {
		return true
	}
	if mode == l.Mode && !until.Before(l.RetainUntil) {
		return true
	}
	return l.Mode == Governance && bypassGovernance
}

// Precondition makes a write conditional on the object it replaces; the
// store checks it in the same transaction as the write, as AWS does:
// IfNoneMatch over an existing object fails with PreconditionFailed;
// IfMatch fails with NoSuchKey (NotFound) when there is no object to
// compare with, and with PreconditionFailed when the ETag differs.
// PreconditionFailed errors are of kind Conflict.
//
// The store also refuses to replace or delete an object its Object Lock
// protects at Now (ObjectLock.Protects), with AccessDenied (Code
// "AccessDenied"). The time is the caller's, so that a test can pin it; a
// zero Now finds every retention in force, so that a caller that forgets
// it errs on the side of the lock.
type Precondition struct {
	IfMatch     string // the current ETag must be this (unquoted); "*" means any object
	IfNoneMatch bool   // there must be no current object (If-None-Match: *)
	// Now is when the write happens, against which retentions are checked.
	Now time.Time
	// BypassGovernance lets the write through a GOVERNANCE retention (not a
	// legal hold); the caller has checked s3:BypassGovernanceRetention.
	BypassGovernance bool
}

// ListQuery selects a page of a bucket's objects in key order. Keys are
// ordered as byte strings.
type ListQuery struct {
	Prefix    string
	Delimiter string
	// After is exclusive: the listing starts at the first key (or common
	// prefix) greater than it. A common prefix no greater than After is
	// skipped whole, so that a page that ended on one goes on after it.
	After string
	// MaxKeys bounds the entries of the page; more than 1000 counts as
	// 1000, as on S3. 0 gives an empty page that is not truncated, and a
	// negative value is Invalid.
	MaxKeys int
}

// ListPage is one page of a listing. Objects and CommonPrefixes together
// hold at most MaxKeys entries; when Truncated, Next is the last entry
// returned, from which the next page goes on (as After), and otherwise it
// is empty.
type ListPage struct {
	// Objects carry what a listing shows — Key, Size, ETag, Modified,
	// Checksums and ChecksumType; Headers, Meta, Tags, Segments and Lock
	// are left empty.
	Objects        []Object
	CommonPrefixes []string
	Truncated      bool
	Next           string
}

// Upload is a multipart upload in progress.
type Upload struct {
	ID        string
	Bucket    string
	Key       string
	Initiated time.Time
	// Object carries the headers, metadata, tags and checksum algorithm the
	// completed object will have.
	Object Object
}

// Part is one uploaded part of a multipart upload.
type Part struct {
	UploadID string
	Number   int
	Segment
	Modified time.Time
}

// UploadQuery selects a page of a bucket's uploads in (key, initiation, id)
// order, rolled up into common prefixes as ListQuery does; each upload and
// each common prefix counts toward MaxUploads, which is bounded as MaxKeys.
type UploadQuery struct {
	Prefix    string
	Delimiter string
	KeyMarker string // exclusive, as ListQuery.After
	// UploadAfter, with KeyMarker, starts the listing after that upload of
	// KeyMarker's key. When no such upload exists (it completed since the
	// previous page), the key's uploads with greater ids follow, as AWS
	// documents upload-id-marker. Without KeyMarker it is ignored.
	UploadAfter string
	MaxUploads  int
}

// UploadPage is one page of uploads. When Truncated, NextKey and
// NextUploadID are the markers of the next page: the last upload's key and
// id, or the last common prefix and "".
type UploadPage struct {
	Uploads        []Upload
	CommonPrefixes []string
	Truncated      bool
	NextKey        string
	NextUploadID   string
}

// MetaStore keeps the metadata of buckets, objects and multipart uploads.
// Every method is one transaction. Errors carry a Kind and, for S3's
// distinct not-found and conflict cases, the precise Code (NoSuchBucket,
// NoSuchKey, NoSuchUpload, BucketAlreadyOwnedByYou, BucketNotEmpty,
// PreconditionFailed, InvalidPart, KeyTooLongError, and TooManyBuckets from
// a store that bounds the number of buckets), since only the store can tell
// them apart atomically. An operation on a missing bucket fails with
// NoSuchBucket, whatever else is missing too.
//
// Methods that drop a reference to blobs return the segments dropped; the
// caller deletes those blobs after the commit, so a crash can leave an
// orphan blob (swept at start-up) but never a dangling reference. A blob
// the written object or part still refers to (a metadata-only rewrite onto
// the same blob) is never among them. A blob must be referred to by one
// object or part only: the store does not count references.
//
// Keys are at most 1024 bytes (else TooLarge, KeyTooLongError) and never
// empty (Invalid).
//
// Implementations: storage/sqlite (the embedded default) and
// storage/postgres (many nodes), both checked by storage/storetest.
type MetaStore interface {
	CreateBucket(ctx context.Context, b Bucket) error
	GetBucket(ctx context.Context, name string) (Bucket, error)
	ListBuckets(ctx context.Context) ([]Bucket, error)
	// DeleteBucket fails with BucketNotEmpty while it holds objects. Its
	// multipart uploads in progress go with it, as on AWS for general
	// purpose buckets; their parts are dropped.
	DeleteBucket(ctx context.Context, name string) (dropped []Segment, err error)
	// PutBucketConfig stores a configuration document of a kind ("policy",
	// "cors", "tagging"); a nil doc deletes it.
	PutBucketConfig(ctx context.Context, bucket, kind string, doc []byte) error
	// GetBucketConfig returns the document, or NotFound without a Code
	// (the edge names it by kind: NoSuchBucketPolicy, NoSuchCORSConfiguration…).
	GetBucketConfig(ctx context.Context, bucket, kind string) ([]byte, error)

	// PutObject creates or replaces an object.
	PutObject(ctx context.Context, o *Object, cond Precondition) (dropped []Segment, err error)
	GetObject(ctx context.Context, bucket, key string) (*Object, error)
	// DeleteObject removes an object; a missing key is not an error. cond
	// is checked as PutObject checks it: an object under Object Lock stays.
	DeleteObject(ctx context.Context, bucket, key string, cond Precondition) (dropped []Segment, err error)
	ListObjects(ctx context.Context, bucket string, q ListQuery) (*ListPage, error)
	// SetObjectTags replaces an object's tags (nil removes them).
	SetObjectTags(ctx context.Context, bucket, key string, tags map[string]string) error
	// SetObjectRetention replaces an object's retention (mode "" removes
	// it), leaving its legal hold and Modified alone. A retention in force at
	// cond.Now that the change would weaken (ObjectLock.AllowsRetention)
	// fails with AccessDenied; cond's ETag conditions are not used.
	SetObjectRetention(ctx context.Context, bucket, key, mode string, until time.Time, cond Precondition) error
	// SetObjectLegalHold sets an object's legal hold (HoldOn or HoldOff),
	// leaving the rest alone.
	SetObjectLegalHold(ctx context.Context, bucket, key, hold string) error

	CreateUpload(ctx context.Context, u *Upload) error
	GetUpload(ctx context.Context, bucket, key, id string) (*Upload, error)
	// PutPart adds or replaces a part of an upload.
	PutPart(ctx context.Context, bucket, key string, p *Part) (dropped []Segment, err error)
	// ListParts returns up to max parts numbered above after. An upload has
	// at most 10000 parts, which bounds max; completing an upload lists
	// them all at once.
	ListParts(ctx context.Context, bucket, key, id string, after, max int) (parts []Part, truncated bool, err error)
	// CompleteUpload turns an upload into the object o (whose Segments are
	// the chosen parts) and forgets the upload; parts not chosen and the
	// object replaced are dropped. o.Bucket and o.Key must be the upload's
	// (else NoSuchUpload), and each segment's blob must be a part of the
	// upload as it stands (else Invalid, InvalidPart): a part replaced
	// since the caller listed the parts has had its old blob deleted.
	CompleteUpload(ctx context.Context, id string, o *Object, cond Precondition) (dropped []Segment, err error)
	AbortUpload(ctx context.Context, bucket, key, id string) (dropped []Segment, err error)
	ListUploads(ctx context.Context, bucket string, q UploadQuery) (*UploadPage, error)

	// Blobs calls fn with every blob id that metadata refers to. It need
	// not be a snapshot: a blob first referred to during the walk may be
	// missed, so a sweep deletes only blobs older than the walk's start.
	Blobs(ctx context.Context, fn func(id string) error) error
	Close() error
}
