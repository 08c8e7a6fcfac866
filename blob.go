package wicket

import (
	"context"
	"io"
	"time"
)

// BlobStore keeps object bytes. A blob is named by an id the store chooses,
// never by an object key, and is immutable once committed: an overwrite
// writes a new blob and repoints the metadata, so a reader holding the old
// blob keeps reading whole old bytes.
//
// Implementations: storage/fs (local disk, the embedded default) and, for
// many nodes, a remote S3-compatible service.
type BlobStore interface {
	// Create starts a new blob. Nothing written is visible until Commit.
	Create(ctx context.Context) (BlobWriter, error)
	// Open returns a committed blob, or an error of kind NotFound.
	Open(ctx context.Context, id string) (Blob, error)
	// Delete removes a blob; deleting a missing blob is not an error.
	Delete(ctx context.Context, id string) error
	// Walk calls fn for every committed blob and removes whatever an
	// interrupted write left behind that is older than olderThan. Start-up
	// uses it to remove blobs no metadata points at.
	Walk(ctx context.Context, olderThan time.Time, fn func(id string) error) error
}

// BlobHolder is a BlobStore that can keep blobs a reader is about to open:
// a GET of an object made of several blobs holds them all before it sends
// its status, so that an overwrite or delete committed while the body goes
// out cannot remove the blobs it has yet to open. A store without it may
// leave such a reader to cut its response short.
type BlobHolder interface {
	// Hold keeps the committed blobs ids until release is called: a
	// Delete meanwhile takes effect then. It fails with an error of kind
	// NotFound if one of them is gone already. release may be called more
	// than once.
	Hold(ctx context.Context, ids []string) (release func(), err error)
}

// BlobWriter is a blob being written.
type BlobWriter interface {
	io.Writer
	// ID is the id the blob will have once committed. The metadata that
	// points at it is written after Commit returns.
	ID() string
	// Commit makes the bytes durable (on disk, fsynced) and the blob
	// readable. It returns the number of bytes written.
	Commit(ctx context.Context) (size int64, err error)
	// Abort discards the blob. It is safe to call after Commit, when it does
	// nothing, so that callers may defer it.
	Abort() error
}

// Blob is a committed blob open for reading.
type Blob interface {
	io.ReaderAt
	io.ReadSeeker
	io.Closer
	Size() int64
}
