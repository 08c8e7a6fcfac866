package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// migrations bring a database from version i to i+1. They are only ever
// appended to: a database records how many it has run in schema_version,
// and a released migration never changes.
//
// Keys and names are TEXT under the default BINARY collation, so SQLite
// orders them byte by byte, as S3 lists keys. Times are Unix nanoseconds.
// The maps and segment lists are JSON in the store's own shapes (encode.go),
// not the Go structs', so that renaming a field of wicket.Object never
// changes the file format.
var migrations = []string{
	// 1: the initial schema.
	`
CREATE TABLE buckets (
	name    TEXT PRIMARY KEY,
	region  TEXT NOT NULL,
	created INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE bucket_config (
	bucket TEXT NOT NULL REFERENCES buckets(name) ON DELETE CASCADE,
	kind   TEXT NOT NULL,
	doc    BLOB NOT NULL,
	PRIMARY KEY (bucket, kind)
) WITHOUT ROWID;

-- The primary key is the listing order: a prefix listing is a range scan
-- of it. segments comes last so that a listing, which does not read it,
-- does not touch the overflow pages of a many-part object.
CREATE TABLE objects (
	bucket        TEXT NOT NULL REFERENCES buckets(name),
	key           TEXT NOT NULL,
	size          INTEGER NOT NULL,
	etag          TEXT NOT NULL,
	modified      INTEGER NOT NULL,
	checksums     TEXT,
	checksum_type TEXT NOT NULL,
	headers       TEXT,
	meta          TEXT,
	tags          TEXT,
	segments      TEXT NOT NULL,
	PRIMARY KEY (bucket, key)
) WITHOUT ROWID;

CREATE TABLE uploads (
	id        TEXT PRIMARY KEY,
	bucket    TEXT NOT NULL REFERENCES buckets(name),
	key       TEXT NOT NULL,
	initiated INTEGER NOT NULL,
	object    TEXT NOT NULL
) WITHOUT ROWID;

-- ListMultipartUploads order.
CREATE INDEX uploads_by_key ON uploads (bucket, key, initiated, id);

CREATE TABLE parts (
	upload_id TEXT NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
	number    INTEGER NOT NULL,
	blob      TEXT NOT NULL,
	size      INTEGER NOT NULL,
	etag      TEXT NOT NULL,
	checksum  TEXT NOT NULL,
	modified  INTEGER NOT NULL,
	PRIMARY KEY (upload_id, number)
) WITHOUT ROWID;
`,
	// 2: the documents of the DocStore (IAM and identity pools). The
	// primary key is the Scan order, so a prefix scan is a range of it.
	`
CREATE TABLE docs (
	coll TEXT NOT NULL,
	id   TEXT NOT NULL,
	doc  BLOB NOT NULL,
	PRIMARY KEY (coll, id)
) WITHOUT ROWID;
`,
	// 3: an object's Object Lock (retention and legal hold), as lockDoc
	// JSON; NULL for the objects of buckets without Object Lock. A column
	// of its own rather than a key in headers or meta: the write that
	// replaces or deletes an object reads it in its transaction, next to
	// the etag, and it is not a header the object was stored with.
	`
ALTER TABLE objects ADD COLUMN lock TEXT;
`,
}

// migrate runs the migrations the database has not run yet, all in one
// transaction, so that a crash leaves the old schema or the new one.
func migrate(ctx context.Context, conn *sql.Conn) (err error) {
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	defer func() {
		if err != nil {
			conn.ExecContext(ctx, `ROLLBACK`)
		}
	}()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	var version int
	err = conn.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := conn.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return fmt.Errorf("migrate schema: %w", err)
		}
	case err != nil:
		return fmt.Errorf("migrate schema: read version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("migrate schema: database is at version %d, newer than this program's %d", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		if _, err := conn.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", i+1, err)
		}
	}
	if _, err := conn.ExecContext(ctx, `UPDATE schema_version SET version = ?`, len(migrations)); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	return nil
}
