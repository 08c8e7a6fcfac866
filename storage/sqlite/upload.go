package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/wicket-io/wicket"
)

// maxPartNumber is S3's bound on part numbers.
const maxPartNumber = 10000

func encodeTemplate(o *wicket.Object) (string, error) {
	b, err := json.Marshal(templateDoc{
		Headers: o.Headers, Meta: o.Meta, Checksums: o.Checksums, ChecksumType: o.ChecksumType, Tags: o.Tags,
		Lock: newLockDoc(o.Lock),
	})
	return string(b), err
}

func decodeUpload(u *wicket.Upload, initiated int64, doc string) error {
	var t templateDoc
	if err := json.Unmarshal([]byte(doc), &t); err != nil {
		return err
	}
	u.Initiated = decodeTime(initiated)
	u.Object = wicket.Object{
		Bucket: u.Bucket, Key: u.Key,
		Headers: nilIfEmpty(t.Headers), Meta: nilIfEmpty(t.Meta), Checksums: nilIfEmpty(t.Checksums),
		ChecksumType: t.ChecksumType, Tags: nilIfEmpty(t.Tags), Lock: t.Lock.lock(),
	}
	return nil
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// CreateUpload starts a multipart upload. The upload's Object carries the
// headers, metadata, tags and checksum algorithm of the object to be.
func (s *Store) CreateUpload(ctx context.Context, u *wicket.Upload) error {
	const op = "sqlite.CreateUpload"
	if u == nil || u.ID == "" {
		return wicket.E(op, wicket.Invalid, "no upload id")
	}
	if err := checkKey(op, u.Key); err != nil {
		return err
	}
	doc, err := encodeTemplate(&u.Object)
	if err != nil {
		return wicket.E(op, wicket.Invalid, fmt.Errorf("create upload %s of %s/%s: %w", u.ID, u.Bucket, u.Key, err))
	}
	id, bucket, key, initiated := u.ID, u.Bucket, u.Key, encodeTime(u.Initiated)
	return s.write(ctx, op, func(w *writeTx) error {
		if err := w.needBucket(op, bucket); err != nil {
			return err
		}
		res, err := w.exec(`INSERT INTO uploads (id, bucket, key, initiated, object) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`, id, bucket, key, initiated, doc)
		if err != nil {
			return dbErr(op, fmt.Errorf("create upload %s of %s/%s: %w", id, bucket, key, err))
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return wicket.E(op, wicket.Conflict, "An upload with this id exists.", fmt.Errorf("upload %s", id))
		}
		return nil
	})
}

// GetUpload returns an upload of bucket/key, or NoSuchUpload (NoSuchBucket
// when the bucket is gone).
func (s *Store) GetUpload(ctx context.Context, bucket, key, id string) (*wicket.Upload, error) {
	const op = "sqlite.GetUpload"
	r := reader{s: s}
	u := &wicket.Upload{ID: id, Bucket: bucket, Key: key}
	var initiated int64
	var doc string
	err := r.scan(ctx, `SELECT initiated, object FROM uploads WHERE id = ? AND bucket = ? AND key = ?`,
		[]any{id, bucket, key}, &initiated, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, r.missing(ctx, op, bucket, noSuchUpload(op, bucket, key, id))
	}
	if err != nil {
		return nil, dbErr(op, fmt.Errorf("get upload %s of %s/%s: %w", id, bucket, key, err))
	}
	if err := decodeUpload(u, initiated, doc); err != nil {
		return nil, corrupt(op, fmt.Errorf("get upload %s of %s/%s: %w", id, bucket, key, err))
	}
	return u, nil
}

// needUpload returns NoSuchUpload (or NoSuchBucket) unless the upload
// exists and belongs to bucket/key.
func (w *writeTx) needUpload(op, bucket, key, id string) error {
	var one int
	err := w.scan(`SELECT 1 FROM uploads WHERE id = ? AND bucket = ? AND key = ?`, []any{id, bucket, key}, &one)
	if errors.Is(err, sql.ErrNoRows) {
		if err := w.needBucket(op, bucket); err != nil {
			return err
		}
		return noSuchUpload(op, bucket, key, id)
	}
	if err != nil {
		return dbErr(op, fmt.Errorf("look up upload %s of %s/%s: %w", id, bucket, key, err))
	}
	return nil
}

// PutPart adds a part to an upload or replaces the part of that number.
func (s *Store) PutPart(ctx context.Context, bucket, key string, p *wicket.Part) ([]wicket.Segment, error) {
	const op = "sqlite.PutPart"
	if p == nil || p.Number < 1 || p.Number > maxPartNumber {
		return nil, wicket.E(op, wicket.Invalid, fmt.Sprintf("Part number must be an integer between 1 and %d, inclusive.", maxPartNumber))
	}
	part := *p
	var dropped []wicket.Segment
	err := s.write(ctx, op, func(w *writeTx) error {
		if err := w.needUpload(op, bucket, key, part.UploadID); err != nil {
			return err
		}
		var old wicket.Segment
		err := w.scan(`SELECT blob, size, etag, checksum FROM parts WHERE upload_id = ? AND number = ?`,
			[]any{part.UploadID, part.Number}, &old.Blob, &old.Size, &old.ETag, &old.Checksum)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return dbErr(op, fmt.Errorf("put part %d of upload %s: %w", part.Number, part.UploadID, err))
		}
		if err == nil && old.Blob != part.Blob {
			dropped = []wicket.Segment{old}
		}
		if _, err := w.exec(`INSERT INTO parts (upload_id, number, blob, size, etag, checksum, modified)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (upload_id, number) DO UPDATE SET blob = excluded.blob, size = excluded.size,
				etag = excluded.etag, checksum = excluded.checksum, modified = excluded.modified`,
			part.UploadID, part.Number, part.Blob, part.Size, part.ETag, part.Checksum, encodeTime(part.Modified)); err != nil {
			return dbErr(op, fmt.Errorf("put part %d of upload %s: %w", part.Number, part.UploadID, err))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return dropped, nil
}

// ListParts returns up to max parts numbered above after; max is bounded
// by the number of parts an upload can have.
func (s *Store) ListParts(ctx context.Context, bucket, key, id string, after, max int) ([]wicket.Part, bool, error) {
	const op = "sqlite.ListParts"
	if max < 0 {
		return nil, false, wicket.E(op, wicket.Invalid, "The page size must not be negative.")
	}
	max = min(max, maxPartNumber)
	var parts []wicket.Part
	truncated := false
	err := s.readTx(ctx, func(r reader) error {
		var one int
		err := r.scan(ctx, `SELECT 1 FROM uploads WHERE id = ? AND bucket = ? AND key = ?`, []any{id, bucket, key}, &one)
		if errors.Is(err, sql.ErrNoRows) {
			return r.missing(ctx, op, bucket, noSuchUpload(op, bucket, key, id))
		}
		if err != nil {
			return dbErr(op, fmt.Errorf("list parts of upload %s: %w", id, err))
		}
		if max == 0 {
			return nil
		}
		rows, err := r.query(ctx, listPartsQuery, id, after)
		if err != nil {
			return dbErr(op, fmt.Errorf("list parts of upload %s: %w", id, err))
		}
		defer rows.Close()
		for rows.Next() {
			if len(parts) == max {
				truncated = true
				break
			}
			p := wicket.Part{UploadID: id}
			var modified int64
			if err := rows.Scan(&p.Number, &p.Blob, &p.Size, &p.ETag, &p.Checksum, &modified); err != nil {
				return dbErr(op, fmt.Errorf("list parts of upload %s: %w", id, err))
			}
			p.Modified = decodeTime(modified)
			parts = append(parts, p)
		}
		if err := rows.Err(); err != nil {
			return dbErr(op, fmt.Errorf("list parts of upload %s: %w", id, err))
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return parts, truncated, nil
}

// CompleteUpload turns upload id into the object o, whose segments must be
// parts of the upload as they are now: a part replaced since the caller
// listed them has had its blob dropped, and an object pointing at it would
// be torn, so that fails with InvalidPart.
func (s *Store) CompleteUpload(ctx context.Context, id string, o *wicket.Object, cond wicket.Precondition) ([]wicket.Segment, error) {
	const op = "sqlite.CompleteUpload"
	if o == nil {
		return nil, wicket.E(op, wicket.Invalid, "no object")
	}
	if err := checkKey(op, o.Key); err != nil {
		return nil, err
	}
	row, err := encodeObject(o)
	if err != nil {
		return nil, wicket.E(op, wicket.Invalid, fmt.Errorf("complete upload %s: %w", id, err))
	}
	obj := *o
	obj.Segments = append([]wicket.Segment(nil), o.Segments...)
	var dropped []wicket.Segment
	err = s.write(ctx, op, func(w *writeTx) error {
		if err := w.needUpload(op, obj.Bucket, obj.Key, id); err != nil {
			return err
		}
		parts, err := w.parts(id)
		if err != nil {
			return dbErr(op, fmt.Errorf("complete upload %s: %w", id, err))
		}
		current := make(map[string]bool, len(parts))
		for _, p := range parts {
			current[p.Blob] = true
		}
		for _, seg := range obj.Segments {
			if !current[seg.Blob] {
				return coded(op, wicket.Invalid, "InvalidPart",
					"One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
					fmt.Sprintf("upload %s has no part in blob %s", id, seg.Blob))
			}
		}
		replaced, err := w.putObject(op, &obj, row, cond)
		if err != nil {
			return err
		}
		if _, err := w.exec(`DELETE FROM uploads WHERE id = ?`, id); err != nil { // parts go by ON DELETE CASCADE
			return dbErr(op, fmt.Errorf("complete upload %s: %w", id, err))
		}
		dropped = append(unreferenced(parts, obj.Segments), replaced...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return dropped, nil
}

// parts returns every part of an upload as segments. An upload has at most
// maxPartNumber parts, which bounds the query.
func (w *writeTx) parts(id string) ([]wicket.Segment, error) {
	rows, err := w.query(`SELECT blob, size, etag, checksum FROM parts WHERE upload_id = ? ORDER BY number`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var segs []wicket.Segment
	for rows.Next() {
		var s wicket.Segment
		if err := rows.Scan(&s.Blob, &s.Size, &s.ETag, &s.Checksum); err != nil {
			return nil, err
		}
		segs = append(segs, s)
	}
	return segs, rows.Err()
}

// AbortUpload forgets an upload and returns its parts for deletion.
func (s *Store) AbortUpload(ctx context.Context, bucket, key, id string) ([]wicket.Segment, error) {
	const op = "sqlite.AbortUpload"
	var dropped []wicket.Segment
	err := s.write(ctx, op, func(w *writeTx) error {
		if err := w.needUpload(op, bucket, key, id); err != nil {
			return err
		}
		var err error
		if dropped, err = w.parts(id); err != nil {
			return dbErr(op, fmt.Errorf("abort upload %s: %w", id, err))
		}
		if _, err := w.exec(`DELETE FROM uploads WHERE id = ?`, id); err != nil {
			return dbErr(op, fmt.Errorf("abort upload %s: %w", id, err))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return dropped, nil
}

var (
	listUploadsQuery = `SELECT id, key, initiated, object FROM uploads
		WHERE bucket = ? AND key >= ? AND key < ? ORDER BY key, initiated, id` + pageLimit
	// The uploads of the marker's key after the marker upload, in order.
	listUploadsAfterQuery = `SELECT id, key, initiated, object FROM uploads
		WHERE bucket = ? AND key = ? AND (initiated > ? OR (initiated = ? AND id > ?)) ORDER BY initiated, id` + pageLimit
	// The same when the marker upload is gone: AWS's rule, ids greater
	// than the marker.
	listUploadsAfterIDQuery = `SELECT id, key, initiated, object FROM uploads
		WHERE bucket = ? AND key = ? AND id > ? ORDER BY initiated, id` + pageLimit
	// Parts are bounded by their numbers, not by a page: completing an
	// upload lists all of them.
	listPartsQuery = fmt.Sprintf(`SELECT number, blob, size, etag, checksum, modified FROM parts
		WHERE upload_id = ? AND number > ? ORDER BY number LIMIT %d`, maxPartNumber+1)
)

// ListUploads returns a page of a bucket's uploads in (key, initiation,
// id) order, rolled up into common prefixes as ListObjects does. Each
// upload and each common prefix counts toward MaxUploads.
//
// UploadAfter places the listing after that upload of KeyMarker. When that
// upload is gone (completed or aborted since the previous page), the
// listing goes on with the key's uploads whose ids are greater, as AWS
// documents the marker.
func (s *Store) ListUploads(ctx context.Context, bucket string, q wicket.UploadQuery) (*wicket.UploadPage, error) {
	const op = "sqlite.ListUploads"
	max, err := checkPage(op, q.MaxUploads)
	if err != nil {
		return nil, err
	}
	page := &wicket.UploadPage{}
	err = s.readTx(ctx, func(r reader) error {
		ok, err := r.bucketExists(ctx, bucket)
		if err != nil {
			return dbErr(op, fmt.Errorf("list uploads of %s: %w", bucket, err))
		}
		if !ok {
			return noSuchBucket(op, bucket)
		}
		if max == 0 {
			return nil
		}
		n := 0
		var lastKey, lastID string
		// scanUploads appends the uploads of rows and reports whether the
		// page filled up with one to spare. A row that rolls up into a
		// common prefix stops it, returned as prefix.
		scanUploads := func(rows *sql.Rows) (prefix string, full bool, err error) {
			defer rows.Close()
			for rows.Next() {
				r.s.listRows.Add(1)
				u := wicket.Upload{Bucket: bucket}
				var initiated int64
				var doc string
				if err := rows.Scan(&u.ID, &u.Key, &initiated, &doc); err != nil {
					return "", false, dbErr(op, fmt.Errorf("list uploads of %s: %w", bucket, err))
				}
				if p, ok := commonPrefix(u.Key, q.Prefix, q.Delimiter); ok {
					return p, false, nil
				}
				if n == max {
					return "", true, nil
				}
				if err := decodeUpload(&u, initiated, doc); err != nil {
					return "", false, corrupt(op, fmt.Errorf("list uploads of %s: upload %s: %w", bucket, u.ID, err))
				}
				page.Uploads = append(page.Uploads, u)
				n, lastKey, lastID = n+1, u.Key, u.ID
			}
			if err := rows.Err(); err != nil {
				return "", false, dbErr(op, fmt.Errorf("list uploads of %s: %w", bucket, err))
			}
			return "", false, nil
		}

		// The rest of the marker's key, when the marker names an upload
		// of a key that is listed by itself (not rolled into a prefix).
		if q.KeyMarker != "" && q.UploadAfter != "" && strings.HasPrefix(q.KeyMarker, q.Prefix) {
			if _, rolled := commonPrefix(q.KeyMarker, q.Prefix, q.Delimiter); !rolled {
				var initiated int64
				err := r.scan(ctx, `SELECT initiated FROM uploads WHERE id = ? AND bucket = ? AND key = ?`,
					[]any{q.UploadAfter, bucket, q.KeyMarker}, &initiated)
				var rows *sql.Rows
				switch {
				case err == nil:
					rows, err = r.query(ctx, listUploadsAfterQuery, bucket, q.KeyMarker, initiated, initiated, q.UploadAfter)
				case errors.Is(err, sql.ErrNoRows):
					rows, err = r.query(ctx, listUploadsAfterIDQuery, bucket, q.KeyMarker, q.UploadAfter)
				}
				if err != nil {
					return dbErr(op, fmt.Errorf("list uploads of %s: %w", bucket, err))
				}
				_, full, err := scanUploads(rows)
				if err != nil {
					return err
				}
				if full {
					page.Truncated = true
				}
			}
		}

		rng, ok := startRange(q.Prefix, q.KeyMarker)
		for ok && !page.Truncated && rng.from < rng.end {
			rows, err := r.query(ctx, listUploadsQuery, bucket, rng.from, rng.end)
			if err != nil {
				return dbErr(op, fmt.Errorf("list uploads of %s: %w", bucket, err))
			}
			p, full, err := scanUploads(rows)
			if err != nil {
				return err
			}
			if full {
				page.Truncated = true
				break
			}
			if p == "" {
				break // the rows ran out below the limit
			}
			if p > q.KeyMarker {
				if n == max {
					page.Truncated = true
					break
				}
				page.CommonPrefixes = append(page.CommonPrefixes, p)
				n, lastKey, lastID = n+1, p, ""
			}
			if rng.from = upperBound(p); rng.from == "" {
				break
			}
		}
		if page.Truncated {
			page.NextKey, page.NextUploadID = lastKey, lastID
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}
