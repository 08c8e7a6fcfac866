package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/wicket-io/wicket"
)

// maxKeyLen is S3's bound on a key, in bytes of UTF-8.
const maxKeyLen = 1024

// checkKey refuses keys S3 refuses. Listing relies on the bound: no key
// sorts after noEnd.
func checkKey(op, key string) error {
	if key == "" {
		return wicket.E(op, wicket.Invalid, "The object key is empty.")
	}
	if len(key) > maxKeyLen {
		return &wicket.Error{Op: op, Kind: wicket.TooLarge, Code: "KeyTooLongError", Message: "Your key is too long.",
			Err: fmt.Errorf("key of %d bytes", len(key))}
	}
	return nil
}

// checkPrecondition applies cond to the current object (found, with etag)
// as AWS does for conditional writes: If-None-Match: * fails with 412 when
// an object exists; If-Match fails with 404 NoSuchKey when none does (there
// is nothing to compare with) and 412 when the ETag differs.
func checkPrecondition(op, bucket, key string, cond wicket.Precondition, found bool, etag string) error {
	if cond.IfNoneMatch && found {
		return preconditionFailed(op, bucket, key)
	}
	if cond.IfMatch != "" {
		if !found {
			return noSuchKey(op, bucket, key)
		}
		if cond.IfMatch != "*" && cond.IfMatch != etag {
			return preconditionFailed(op, bucket, key)
		}
	}
	return nil
}

// unreferenced returns the segments of old whose blobs are not in kept: a
// write that keeps a blob (a metadata-only copy onto itself) must not hand
// it to the caller for deletion.
func unreferenced(old []wicket.Segment, kept []wicket.Segment) []wicket.Segment {
	if len(old) == 0 {
		return nil
	}
	keep := make(map[string]bool, len(kept))
	for _, s := range kept {
		keep[s.Blob] = true
	}
	var out []wicket.Segment
	for _, s := range old {
		if !keep[s.Blob] {
			out = append(out, s)
		}
	}
	return out
}

const upsertObject = `INSERT INTO objects
	(bucket, key, size, etag, modified, checksums, checksum_type, headers, meta, tags, segments)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (bucket, key) DO UPDATE SET
		size = excluded.size, etag = excluded.etag, modified = excluded.modified,
		checksums = excluded.checksums, checksum_type = excluded.checksum_type,
		headers = excluded.headers, meta = excluded.meta, tags = excluded.tags,
		segments = excluded.segments`

// putObject writes o over whatever object has its key, after checking cond
// and the bucket, and returns the segments no longer referenced.
func (w *writeTx) putObject(op string, o *wicket.Object, row objectRow, cond wicket.Precondition) ([]wicket.Segment, error) {
	var etag, segs string
	err := w.scan(`SELECT etag, segments FROM objects WHERE bucket = ? AND key = ?`, []any{o.Bucket, o.Key}, &etag, &segs)
	found := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, dbErr(op, fmt.Errorf("put object %s/%s: %w", o.Bucket, o.Key, err))
	}
	if !found {
		// An existing object vouches for its bucket; a new key needs a look.
		if err := w.needBucket(op, o.Bucket); err != nil {
			return nil, err
		}
	}
	if err := checkPrecondition(op, o.Bucket, o.Key, cond, found, etag); err != nil {
		return nil, err
	}
	var old []wicket.Segment
	if found {
		if old, err = decodeSegments(segs); err != nil {
			return nil, corrupt(op, fmt.Errorf("put object %s/%s: decode old segments: %w", o.Bucket, o.Key, err))
		}
	}
	if _, err := w.exec(upsertObject, o.Bucket, o.Key, o.Size, o.ETag, row.modified, row.checksums, o.ChecksumType,
		row.headers, row.meta, row.tags, row.segments); err != nil {
		return nil, dbErr(op, fmt.Errorf("put object %s/%s: %w", o.Bucket, o.Key, err))
	}
	return unreferenced(old, o.Segments), nil
}

// PutObject creates or replaces an object.
func (s *Store) PutObject(ctx context.Context, o *wicket.Object, cond wicket.Precondition) ([]wicket.Segment, error) {
	const op = "sqlite.PutObject"
	if o == nil {
		return nil, wicket.E(op, wicket.Invalid, "no object")
	}
	if err := checkKey(op, o.Key); err != nil {
		return nil, err
	}
	// Encode before queueing: the writer is single-threaded, so whatever
	// can run on the caller's goroutine should.
	row, err := encodeObject(o)
	if err != nil {
		return nil, wicket.E(op, wicket.Invalid, fmt.Errorf("put object %s/%s: %w", o.Bucket, o.Key, err))
	}
	segs := append([]wicket.Segment(nil), o.Segments...)
	obj := *o
	obj.Segments = segs
	var dropped []wicket.Segment
	err = s.write(ctx, op, func(w *writeTx) error {
		var err error
		dropped, err = w.putObject(op, &obj, row, cond)
		return err
	})
	if err != nil {
		return nil, err
	}
	return dropped, nil
}

const selectObject = `SELECT size, etag, modified, checksums, checksum_type, headers, meta, tags, segments
	FROM objects WHERE bucket = ? AND key = ?`

// GetObject returns an object with its segments.
func (s *Store) GetObject(ctx context.Context, bucket, key string) (*wicket.Object, error) {
	const op = "sqlite.GetObject"
	cached, gen := s.objects.get(bucket, key)
	if cached != nil {
		return cached, nil
	}
	r := reader{s: s}
	o := &wicket.Object{Bucket: bucket, Key: key}
	var modified int64
	var checksums, headers, meta, tags sql.NullString
	var segs string
	err := r.scan(ctx, selectObject, []any{bucket, key},
		&o.Size, &o.ETag, &modified, &checksums, &o.ChecksumType, &headers, &meta, &tags, &segs)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, r.missing(ctx, op, bucket, noSuchKey(op, bucket, key))
	}
	if err != nil {
		return nil, dbErr(op, fmt.Errorf("get object %s/%s: %w", bucket, key, err))
	}
	o.Modified = decodeTime(modified)
	if o.Checksums, err = decodeMap(checksums); err == nil {
		if o.Headers, err = decodeMap(headers); err == nil {
			if o.Meta, err = decodeMap(meta); err == nil {
				if o.Tags, err = decodeMap(tags); err == nil {
					o.Segments, err = decodeSegments(segs)
				}
			}
		}
	}
	if err != nil {
		return nil, corrupt(op, fmt.Errorf("get object %s/%s: %w", bucket, key, err))
	}
	s.objects.put(bucket, key, o, gen)
	return o, nil
}

// DeleteObject removes an object; a missing key is not an error, a missing
// bucket is.
func (s *Store) DeleteObject(ctx context.Context, bucket, key string) ([]wicket.Segment, error) {
	const op = "sqlite.DeleteObject"
	var dropped []wicket.Segment
	err := s.write(ctx, op, func(w *writeTx) error {
		var segs string
		err := w.scan(`DELETE FROM objects WHERE bucket = ? AND key = ? RETURNING segments`, []any{bucket, key}, &segs)
		if errors.Is(err, sql.ErrNoRows) {
			return w.needBucket(op, bucket)
		}
		if err != nil {
			return dbErr(op, fmt.Errorf("delete object %s/%s: %w", bucket, key, err))
		}
		if dropped, err = decodeSegments(segs); err != nil {
			return corrupt(op, fmt.Errorf("delete object %s/%s: decode segments: %w", bucket, key, err))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return dropped, nil
}

// SetObjectTags replaces an object's tags; it leaves Modified alone, as
// PutObjectTagging does.
func (s *Store) SetObjectTags(ctx context.Context, bucket, key string, tags map[string]string) error {
	const op = "sqlite.SetObjectTags"
	enc, err := encodeMap(tags)
	if err != nil {
		return wicket.E(op, wicket.Invalid, fmt.Errorf("set tags of %s/%s: %w", bucket, key, err))
	}
	return s.write(ctx, op, func(w *writeTx) error {
		res, err := w.exec(`UPDATE objects SET tags = ? WHERE bucket = ? AND key = ?`, enc, bucket, key)
		if err != nil {
			return dbErr(op, fmt.Errorf("set tags of %s/%s: %w", bucket, key, err))
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err := w.needBucket(op, bucket); err != nil {
				return err
			}
			return noSuchKey(op, bucket, key)
		}
		return nil
	})
}
