package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wicket-io/wicket"
)

// segmentDoc is a Segment as stored in objects.segments: short names,
// because a many-part object holds thousands of them.
type segmentDoc struct {
	Blob     string `json:"b"`
	Data     []byte `json:"d,omitempty"` // inline bytes, base64 in the JSON
	Size     int64  `json:"s"`
	ETag     string `json:"e,omitempty"`
	Checksum string `json:"c,omitempty"`
}

// templateDoc is what uploads.object keeps of the object an upload will
// make.
type templateDoc struct {
	Headers      map[string]string `json:"headers,omitempty"`
	Meta         map[string]string `json:"meta,omitempty"`
	Checksums    map[string]string `json:"checksums,omitempty"`
	ChecksumType string            `json:"checksum_type,omitempty"`
	Tags         map[string]string `json:"tags,omitempty"`
	Lock         *lockDoc          `json:"lock,omitempty"`
}

// lockDoc is a wicket.ObjectLock as stored in objects.lock and in an
// upload's template.
type lockDoc struct {
	Mode        string `json:"mode,omitempty"`
	RetainUntil int64  `json:"until,omitempty"` // Unix nanoseconds
	LegalHold   string `json:"hold,omitempty"`
}

func newLockDoc(l wicket.ObjectLock) *lockDoc {
	if l == (wicket.ObjectLock{}) {
		return nil
	}
	return &lockDoc{Mode: l.Mode, RetainUntil: encodeTime(l.RetainUntil), LegalHold: l.LegalHold}
}

func (d *lockDoc) lock() wicket.ObjectLock {
	if d == nil {
		return wicket.ObjectLock{}
	}
	return wicket.ObjectLock{Mode: d.Mode, RetainUntil: decodeTime(d.RetainUntil), LegalHold: d.LegalHold}
}

// encodeLock stores an object without a lock as NULL.
func encodeLock(l wicket.ObjectLock) (any, error) {
	d := newLockDoc(l)
	if d == nil {
		return nil, nil
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func decodeLock(s sql.NullString) (wicket.ObjectLock, error) {
	if !s.Valid || s.String == "" {
		return wicket.ObjectLock{}, nil
	}
	var d lockDoc
	if err := json.Unmarshal([]byte(s.String), &d); err != nil {
		return wicket.ObjectLock{}, err
	}
	return d.lock(), nil
}

// encodeMap stores an empty map as NULL: most objects have no metadata or
// tags, and NULL costs nothing to store or decode.
func encodeMap(m map[string]string) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func decodeMap(s sql.NullString) (map[string]string, error) {
	if !s.Valid || s.String == "" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s.String), &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

func encodeSegments(segs []wicket.Segment) (string, error) {
	docs := make([]segmentDoc, len(segs))
	for i, s := range segs {
		docs[i] = segmentDoc{Blob: s.Blob, Data: []byte(s.Data), Size: s.Size, ETag: s.ETag, Checksum: s.Checksum}
	}
	b, err := json.Marshal(docs)
	return string(b), err
}

func decodeSegments(s string) ([]wicket.Segment, error) {
	var docs []segmentDoc
	if err := json.Unmarshal([]byte(s), &docs); err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, nil
	}
	segs := make([]wicket.Segment, len(docs))
	for i, d := range docs {
		segs[i] = wicket.Segment{Blob: d.Blob, Data: string(d.Data), Size: d.Size, ETag: d.ETag, Checksum: d.Checksum}
	}
	return segs, nil
}

// objectRow is an Object encoded for the objects table.
type objectRow struct {
	modified                       int64
	checksums, headers, meta, tags any
	lock                           any
	segments                       string
}

func encodeObject(o *wicket.Object) (objectRow, error) {
	var r objectRow
	var err error
	r.modified = encodeTime(o.Modified)
	if r.checksums, err = encodeMap(o.Checksums); err != nil {
		return r, fmt.Errorf("encode checksums: %w", err)
	}
	if r.headers, err = encodeMap(o.Headers); err != nil {
		return r, fmt.Errorf("encode headers: %w", err)
	}
	if r.meta, err = encodeMap(o.Meta); err != nil {
		return r, fmt.Errorf("encode metadata: %w", err)
	}
	if r.tags, err = encodeMap(o.Tags); err != nil {
		return r, fmt.Errorf("encode tags: %w", err)
	}
	if r.lock, err = encodeLock(o.Lock); err != nil {
		return r, fmt.Errorf("encode lock: %w", err)
	}
	if r.segments, err = encodeSegments(o.Segments); err != nil {
		return r, fmt.Errorf("encode segments: %w", err)
	}
	return r, nil
}

// encodeTime keeps the zero Time as 0: its UnixNano is not defined.
func encodeTime(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func decodeTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
