package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

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

// checkPrecondition applies cond to the current object (found, with etag
// and lock) as AWS does for conditional writes: If-None-Match: * fails with
// 412 when an object exists; If-Match fails with 404 NoSuchKey when none
// does (there is nothing to compare with) and 412 when the ETag differs. An
// object under Object Lock is not replaced or deleted.
func checkPrecondition(op, bucket, key string, cond wicket.Precondition, found bool, etag string, lock wicket.ObjectLock) error {
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
	if found && lock.Protects(cond.Now, cond.BypassGovernance) {
		return objectLocked(op, bucket, key)
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
		if s.Blob != "" && !keep[s.Blob] {
			out = append(out, s)
		}
	}
	return out
}

const upsertObject = `INSERT INTO objects
	(bucket, key, size, etag, modified, checksums, checksum_type, headers, meta, tags, lock, segments)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (bucket, key) DO UPDATE SET
		size = excluded.size, etag = excluded.etag, modified = excluded.modified,
		checksums = excluded.checksums, checksum_type = excluded.checksum_type,
		headers = excluded.headers, meta = excluded.meta, tags = excluded.tags,
		lock = excluded.lock, segments = excluded.segments`

// putObject writes o over whatever object has its key, after checking cond
// and the bucket, and returns the segments no longer referenced.
func (w *writeTx) putObject(op string, o *wicket.Object, row objectRow, cond wicket.Precondition) ([]wicket.Segment, error) {
	var etag, segs string
	var lockCol sql.NullString
	err := w.scan(`SELECT etag, lock, segments FROM objects WHERE bucket = ? AND key = ?`, []any{o.Bucket, o.Key}, &etag, &lockCol, &segs)
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
	lock, err := decodeLock(lockCol)
	if err != nil {
		return nil, corrupt(op, fmt.Errorf("put object %s/%s: decode lock: %w", o.Bucket, o.Key, err))
	}
	if err := checkPrecondition(op, o.Bucket, o.Key, cond, found, etag, lock); err != nil {
		return nil, err
	}
	var old []wicket.Segment
	if found {
		if old, err = decodeSegments(segs); err != nil {
			return nil, corrupt(op, fmt.Errorf("put object %s/%s: decode old segments: %w", o.Bucket, o.Key, err))
		}
	}
	if _, err := w.exec(upsertObject, o.Bucket, o.Key, o.Size, o.ETag, row.modified, row.checksums, o.ChecksumType,
		row.headers, row.meta, row.tags, row.lock, row.segments); err != nil {
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

const selectObject = `SELECT size, etag, modified, checksums, checksum_type, headers, meta, tags, lock, segments
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
	var checksums, headers, meta, tags, lock sql.NullString
	var segs string
	err := r.scan(ctx, selectObject, []any{bucket, key},
		&o.Size, &o.ETag, &modified, &checksums, &o.ChecksumType, &headers, &meta, &tags, &lock, &segs)
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
					if o.Lock, err = decodeLock(lock); err == nil {
						o.Segments, err = decodeSegments(segs)
					}
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

// DeleteObject removes an object after checking cond; a missing key is not
// an error, a missing bucket is.
func (s *Store) DeleteObject(ctx context.Context, bucket, key string, cond wicket.Precondition) ([]wicket.Segment, error) {
	const op = "sqlite.DeleteObject"
	var dropped []wicket.Segment
	err := s.write(ctx, op, func(w *writeTx) error {
		var etag, segs string
		var lockCol sql.NullString
		err := w.scan(`SELECT etag, lock, segments FROM objects WHERE bucket = ? AND key = ?`, []any{bucket, key}, &etag, &lockCol, &segs)
		found := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return dbErr(op, fmt.Errorf("delete object %s/%s: %w", bucket, key, err))
		}
		if !found {
			if err := w.needBucket(op, bucket); err != nil {
				return err
			}
		}
		lock, err := decodeLock(lockCol)
		if err != nil {
			return corrupt(op, fmt.Errorf("delete object %s/%s: decode lock: %w", bucket, key, err))
		}
		if err := checkPrecondition(op, bucket, key, cond, found, etag, lock); err != nil || !found {
			return err
		}
		if _, err := w.exec(`DELETE FROM objects WHERE bucket = ? AND key = ?`, bucket, key); err != nil {
			return dbErr(op, fmt.Errorf("delete object %s/%s: %w", bucket, key, err))
		}
		old, err := decodeSegments(segs)
		if err != nil {
			return corrupt(op, fmt.Errorf("delete object %s/%s: decode segments: %w", bucket, key, err))
		}
		dropped = unreferenced(old, nil)
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

// updateLock changes an object's lock with fn in one transaction, leaving
// Modified alone.
func (s *Store) updateLock(ctx context.Context, op, bucket, key string, fn func(l *wicket.ObjectLock) error) error {
	return s.write(ctx, op, func(w *writeTx) error {
		var lockCol sql.NullString
		err := w.scan(`SELECT lock FROM objects WHERE bucket = ? AND key = ?`, []any{bucket, key}, &lockCol)
		if errors.Is(err, sql.ErrNoRows) {
			if err := w.needBucket(op, bucket); err != nil {
				return err
			}
			return noSuchKey(op, bucket, key)
		}
		if err != nil {
			return dbErr(op, fmt.Errorf("lock of %s/%s: %w", bucket, key, err))
		}
		lock, err := decodeLock(lockCol)
		if err != nil {
			return corrupt(op, fmt.Errorf("lock of %s/%s: %w", bucket, key, err))
		}
		if err := fn(&lock); err != nil {
			return err
		}
		enc, err := encodeLock(lock)
		if err != nil {
			return wicket.E(op, wicket.Invalid, fmt.Errorf("lock of %s/%s: %w", bucket, key, err))
		}
		if _, err := w.exec(`UPDATE objects SET lock = ? WHERE bucket = ? AND key = ?`, enc, bucket, key); err != nil {
			return dbErr(op, fmt.Errorf("lock of %s/%s: %w", bucket, key, err))
		}
		return nil
	})
}

// SetObjectRetention replaces an object's retention unless that weakens
// one in force.
func (s *Store) SetObjectRetention(ctx context.Context, bucket, key, mode string, until time.Time, cond wicket.Precondition) error {
	const op = "sqlite.SetObjectRetention"
	return s.updateLock(ctx, op, bucket, key, func(l *wicket.ObjectLock) error {
		if !l.AllowsRetention(mode, until, cond.Now, cond.BypassGovernance) {
			return objectLocked(op, bucket, key)
		}
		l.Mode, l.RetainUntil = mode, time.Time{}
		if mode != "" {
			l.RetainUntil = until
		}
		return nil
	})
}

// SetObjectLegalHold sets an object's legal hold.
func (s *Store) SetObjectLegalHold(ctx context.Context, bucket, key, hold string) error {
	return s.updateLock(ctx, "sqlite.SetObjectLegalHold", bucket, key, func(l *wicket.ObjectLock) error {
		l.LegalHold = hold
		return nil
	})
}
