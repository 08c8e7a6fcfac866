package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/wicket-io/wicket"
)

// maxPage bounds a page of any listing, as S3 does: a larger MaxKeys,
// MaxUploads or max parts counts as this.
const maxPage = 1000

// noEnd sorts after every key: keys are at most maxKeyLen bytes, and no
// string that short sorts after maxKeyLen+1 bytes of 0xff. Using it for
// "no upper bound" lets one prepared statement serve every range.
var noEnd = strings.Repeat("\xff", maxKeyLen+1)

// upperBound returns the least string greater than every string that
// begins with p, or "" when there is none (p empty or all 0xff bytes).
// After a common prefix p the listing goes on from here, skipping in one
// seek every key that p stands for.
func upperBound(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] != 0xff {
			return p[:i] + string([]byte{p[i] + 1})
		}
	}
	return ""
}

// commonPrefix returns the common prefix key rolls up into under prefix
// and delim (key begins with prefix), if any.
func commonPrefix(key, prefix, delim string) (string, bool) {
	if delim == "" {
		return "", false
	}
	i := strings.Index(key[len(prefix):], delim)
	if i < 0 {
		return "", false
	}
	return key[:len(prefix)+i+len(delim)], true
}

// keyRange is the range of keys a listing walks: from (inclusive) up to
// end (exclusive), both already mapped so that "" never means unbounded.
type keyRange struct{ from, end string }

// startRange is the range of keys under prefix after the exclusive marker
// after, or ok=false if it is empty.
func startRange(prefix, after string) (keyRange, bool) {
	r := keyRange{from: prefix, end: upperBound(prefix)}
	if r.end == "" {
		r.end = noEnd
	}
	if after >= r.from {
		// after+"\x00" is the least string greater than after.
		r.from = after + "\x00"
	}
	return r, r.from < r.end
}

func checkPage(op string, n int) (int, error) {
	if n < 0 {
		return 0, wicket.E(op, wicket.Invalid, "The page size must not be negative.")
	}
	return min(n, maxPage), nil
}

// pageLimit ends every listing query: one row more than a page can hold,
// which tells whether the page is truncated. It is part of the SQL text,
// not a parameter, because SQLite re-prepares a statement whenever the
// value bound to its LIMIT changes (doubling the cost of a query); a
// listing that needs fewer rows stops reading, and SQLite reads no further.
var pageLimit = fmt.Sprintf(" LIMIT %d", maxPage+1)

var listObjectsQuery = `SELECT key, size, etag, modified, checksums, checksum_type
	FROM objects WHERE bucket = ? AND key >= ? AND key < ? ORDER BY key` + pageLimit

// ListObjects returns a page of a bucket's objects and common prefixes in
// key order. With a delimiter, each common prefix costs one index seek: the
// keys it stands for are skipped, never read.
func (s *Store) ListObjects(ctx context.Context, bucket string, q wicket.ListQuery) (*wicket.ListPage, error) {
	const op = "sqlite.ListObjects"
	max, err := checkPage(op, q.MaxKeys)
	if err != nil {
		return nil, err
	}
	page := &wicket.ListPage{}
	err = s.readTx(ctx, func(r reader) error {
		ok, err := r.bucketExists(ctx, bucket)
		if err != nil {
			return dbErr(op, fmt.Errorf("list objects of %s: %w", bucket, err))
		}
		if !ok {
			return noSuchBucket(op, bucket)
		}
		rng, ok := startRange(q.Prefix, q.After)
		if !ok || max == 0 {
			return nil
		}
		n, last := 0, ""
		for rng.from < rng.end {
			rows, err := r.query(ctx, listObjectsQuery, bucket, rng.from, rng.end)
			if err != nil {
				return dbErr(op, fmt.Errorf("list objects of %s: %w", bucket, err))
			}
			seek := ""
			for rows.Next() {
				r.s.listRows.Add(1)
				var o wicket.Object
				var modified int64
				var checksums sql.NullString
				if err := rows.Scan(&o.Key, &o.Size, &o.ETag, &modified, &checksums, &o.ChecksumType); err != nil {
					rows.Close()
					return dbErr(op, fmt.Errorf("list objects of %s: %w", bucket, err))
				}
				if p, ok := commonPrefix(o.Key, q.Prefix, q.Delimiter); ok {
					if seek = upperBound(p); seek == "" {
						seek = rng.end
					}
					// A prefix no greater than After was the previous
					// page's last entry: skip what it stands for.
					if p > q.After {
						if n == max {
							page.Truncated = true
						} else {
							page.CommonPrefixes = append(page.CommonPrefixes, p)
							n, last = n+1, p
						}
					}
					break
				}
				if n == max {
					page.Truncated = true
					break
				}
				o.Bucket = bucket
				o.Modified = decodeTime(modified)
				if o.Checksums, err = decodeMap(checksums); err != nil {
					rows.Close()
					return corrupt(op, fmt.Errorf("list objects of %s: key %s: %w", bucket, o.Key, err))
				}
				page.Objects = append(page.Objects, o)
				n, last = n+1, o.Key
			}
			if err := rows.Close(); err != nil {
				return dbErr(op, fmt.Errorf("list objects of %s: %w", bucket, err))
			}
			if err := rows.Err(); err != nil {
				return dbErr(op, fmt.Errorf("list objects of %s: %w", bucket, err))
			}
			if page.Truncated || seek == "" {
				// Without a seek the rows ran out below the limit: the
				// range is exhausted.
				break
			}
			rng.from = seek
		}
		if page.Truncated {
			page.Next = last
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}
