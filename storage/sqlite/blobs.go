package sqlite

import (
	"context"
	"fmt"
)

// blobPage bounds each query of Blobs.
const blobPage = 500

// Each page of Blobs goes on from the last row of the previous one, by
// primary key.
var (
	blobsObjectsQuery = fmt.Sprintf(`SELECT bucket, key, segments FROM objects
		WHERE (bucket, key) > (?, ?) ORDER BY bucket, key LIMIT %d`, blobPage)
	blobsPartsQuery = fmt.Sprintf(`SELECT upload_id, number, blob FROM parts
		WHERE (upload_id, number) > (?, ?) ORDER BY upload_id, number LIMIT %d`, blobPage)
)

// Blobs calls fn with the id of every blob an object or a part refers to.
//
// It walks the tables a page at a time, each page its own read, and calls
// fn between pages: a long walk then holds no read transaction open (which
// would keep the WAL from being checkpointed) and fn may take its time. The
// walk is not a snapshot: a blob that becomes referenced during it may be
// missed, so a sweep must only remove blobs older than the walk's start
// (or run before the server takes writes). A blob referenced throughout is
// always reported.
func (s *Store) Blobs(ctx context.Context, fn func(id string) error) error {
	const op = "sqlite.Blobs"
	r := reader{s: s}
	// Objects, by their primary key.
	bucket, key := "", ""
	for {
		rows, err := r.query(ctx, blobsObjectsQuery, bucket, key)
		if err != nil {
			return dbErr(op, fmt.Errorf("walk object blobs: %w", err))
		}
		var ids []string
		n := 0
		for rows.Next() {
			var segs string
			if err := rows.Scan(&bucket, &key, &segs); err != nil {
				rows.Close()
				return dbErr(op, fmt.Errorf("walk object blobs: %w", err))
			}
			n++
			list, err := decodeSegments(segs)
			if err != nil {
				rows.Close()
				return corrupt(op, fmt.Errorf("walk object blobs: %s/%s: %w", bucket, key, err))
			}
			for _, s := range list {
				if s.Blob != "" { // inline data has no blob
					ids = append(ids, s.Blob)
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return dbErr(op, fmt.Errorf("walk object blobs: %w", err))
		}
		for _, id := range ids {
			if err := fn(id); err != nil {
				return err
			}
		}
		if n < blobPage {
			break
		}
	}
	// Parts of uploads in progress.
	upload, number := "", 0
	for {
		rows, err := r.query(ctx, blobsPartsQuery, upload, number)
		if err != nil {
			return dbErr(op, fmt.Errorf("walk part blobs: %w", err))
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&upload, &number, &id); err != nil {
				rows.Close()
				return dbErr(op, fmt.Errorf("walk part blobs: %w", err))
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return dbErr(op, fmt.Errorf("walk part blobs: %w", err))
		}
		for _, id := range ids {
			if err := fn(id); err != nil {
				return err
			}
		}
		if len(ids) < blobPage {
			return nil
		}
	}
}
