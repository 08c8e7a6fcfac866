package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/wicket-io/wicket"
)

// CreateBucket creates a bucket. Wicket has one tenant, so an existing
// bucket of the name is always the caller's own.
func (s *Store) CreateBucket(ctx context.Context, b wicket.Bucket) error {
	const op = "sqlite.CreateBucket"
	if b.Name == "" {
		return wicket.E(op, wicket.Invalid, "bucket name is empty")
	}
	return s.write(ctx, op, func(w *writeTx) error {
		ok, err := w.bucketExists(b.Name)
		if err != nil {
			return dbErr(op, fmt.Errorf("create bucket %s: %w", b.Name, err))
		}
		if ok {
			return coded(op, wicket.Conflict, "BucketAlreadyOwnedByYou",
				"Your previous request to create the named bucket succeeded and you already own it.", "bucket "+b.Name)
		}
		var n int
		if err := w.scan(`SELECT count(*) FROM buckets`, nil, &n); err != nil {
			return dbErr(op, fmt.Errorf("create bucket %s: count buckets: %w", b.Name, err))
		}
		if n >= s.maxBuckets {
			return coded(op, wicket.Conflict, "TooManyBuckets",
				"You have attempted to create more buckets than allowed.", fmt.Sprintf("bucket %s: %d buckets exist", b.Name, n))
		}
		if _, err := w.exec(`INSERT INTO buckets (name, region, created) VALUES (?, ?, ?)`,
			b.Name, b.Region, encodeTime(b.Created)); err != nil {
			return dbErr(op, fmt.Errorf("create bucket %s: %w", b.Name, err))
		}
		return nil
	})
}

// GetBucket returns a bucket, or NoSuchBucket.
func (s *Store) GetBucket(ctx context.Context, name string) (wicket.Bucket, error) {
	const op = "sqlite.GetBucket"
	b := wicket.Bucket{Name: name}
	var created int64
	err := reader{s: s}.scan(ctx, `SELECT region, created FROM buckets WHERE name = ?`, []any{name}, &b.Region, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return wicket.Bucket{}, noSuchBucket(op, name)
	}
	if err != nil {
		return wicket.Bucket{}, dbErr(op, fmt.Errorf("get bucket %s: %w", name, err))
	}
	b.Created = decodeTime(created)
	return b, nil
}

// ListBuckets returns every bucket by name; CreateBucket keeps their number
// within Options.MaxBuckets.
func (s *Store) ListBuckets(ctx context.Context) ([]wicket.Bucket, error) {
	const op = "sqlite.ListBuckets"
	rows, err := reader{s: s}.query(ctx, `SELECT name, region, created FROM buckets ORDER BY name LIMIT ?`, s.maxBuckets)
	if err != nil {
		return nil, dbErr(op, fmt.Errorf("list buckets: %w", err))
	}
	defer rows.Close()
	var out []wicket.Bucket
	for rows.Next() {
		var b wicket.Bucket
		var created int64
		if err := rows.Scan(&b.Name, &b.Region, &created); err != nil {
			return nil, dbErr(op, fmt.Errorf("list buckets: %w", err))
		}
		b.Created = decodeTime(created)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr(op, fmt.Errorf("list buckets: %w", err))
	}
	return out, nil
}

// DeleteBucket removes an empty bucket and its configuration.
func (s *Store) DeleteBucket(ctx context.Context, name string) ([]wicket.Segment, error) {
	const op = "sqlite.DeleteBucket"
	var dropped []wicket.Segment
	err := s.write(ctx, op, func(w *writeTx) error {
		dropped = nil // a retried batch runs the operation again
		if err := w.needBucket(op, name); err != nil {
			return err
		}
		var busy bool
		if err := w.scan(`SELECT EXISTS (SELECT 1 FROM objects WHERE bucket = ?)`,
			[]any{name}, &busy); err != nil {
			return dbErr(op, fmt.Errorf("delete bucket %s: %w", name, err))
		}
		if busy {
			return coded(op, wicket.Conflict, "BucketNotEmpty", "The bucket you tried to delete is not empty.", "bucket "+name)
		}
		// Uploads in progress go with the bucket; their parts are dropped.
		rows, err := w.query(`SELECT blob, size, etag, checksum FROM parts WHERE upload_id IN (SELECT id FROM uploads WHERE bucket = ?)`, name)
		if err != nil {
			return dbErr(op, fmt.Errorf("delete bucket %s: %w", name, err))
		}
		for rows.Next() {
			var sg wicket.Segment
			if err := rows.Scan(&sg.Blob, &sg.Size, &sg.ETag, &sg.Checksum); err != nil {
				rows.Close()
				return dbErr(op, fmt.Errorf("delete bucket %s: %w", name, err))
			}
			dropped = append(dropped, sg)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return dbErr(op, fmt.Errorf("delete bucket %s: %w", name, err))
		}
		// Parts go by ON DELETE CASCADE from uploads, bucket_config rows from
		// buckets.
		if _, err := w.exec(`DELETE FROM uploads WHERE bucket = ?`, name); err != nil {
			return dbErr(op, fmt.Errorf("delete bucket %s: %w", name, err))
		}
		if _, err := w.exec(`DELETE FROM buckets WHERE name = ?`, name); err != nil {
			return dbErr(op, fmt.Errorf("delete bucket %s: %w", name, err))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return dropped, nil
}

// PutBucketConfig stores (or, with a nil doc, deletes) a configuration
// document of a bucket.
func (s *Store) PutBucketConfig(ctx context.Context, bucket, kind string, doc []byte) error {
	const op = "sqlite.PutBucketConfig"
	if kind == "" {
		return wicket.E(op, wicket.Invalid, "configuration kind is empty")
	}
	del := doc == nil
	doc = bytes.Clone(doc) // the caller may reuse its buffer while the write is queued
	return s.write(ctx, op, func(w *writeTx) error {
		if err := w.needBucket(op, bucket); err != nil {
			return err
		}
		var err error
		if del {
			_, err = w.exec(`DELETE FROM bucket_config WHERE bucket = ? AND kind = ?`, bucket, kind)
		} else {
			_, err = w.exec(`INSERT INTO bucket_config (bucket, kind, doc) VALUES (?, ?, ?)
				ON CONFLICT (bucket, kind) DO UPDATE SET doc = excluded.doc`, bucket, kind, doc)
		}
		if err != nil {
			return dbErr(op, fmt.Errorf("put %s configuration of bucket %s: %w", kind, bucket, err))
		}
		return nil
	})
}

// GetBucketConfig returns a configuration document, NotFound without a
// code when the bucket has none of that kind (the S3 layer names it:
// NoSuchBucketPolicy, NoSuchCORSConfiguration…), or NoSuchBucket.
func (s *Store) GetBucketConfig(ctx context.Context, bucket, kind string) ([]byte, error) {
	const op = "sqlite.GetBucketConfig"
	r := reader{s: s}
	var doc []byte
	err := r.scan(ctx, `SELECT doc FROM bucket_config WHERE bucket = ? AND kind = ?`, []any{bucket, kind}, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, r.missing(ctx, op, bucket,
			wicket.E(op, wicket.NotFound, "The bucket has no configuration of this kind.", fmt.Errorf("%s configuration of bucket %s", kind, bucket)))
	}
	if err != nil {
		return nil, dbErr(op, fmt.Errorf("get %s configuration of bucket %s: %w", kind, bucket, err))
	}
	if doc == nil {
		doc = []byte{} // stored empty, which is not "none"
	}
	return doc, nil
}
