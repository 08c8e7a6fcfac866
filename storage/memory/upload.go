package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/wicket-io/wicket"
)

// uploadOrder is the listing order of uploads: key, initiation, id.
func uploadOrder(a, b *upload) int {
	return cmp.Or(strings.Compare(a.Key, b.Key), a.Initiated.Compare(b.Initiated), strings.Compare(a.ID, b.ID))
}

// CreateUpload starts a multipart upload.
func (s *Store) CreateUpload(ctx context.Context, u *wicket.Upload) error {
	const op = "memory.CreateUpload"
	if err := ctx.Err(); err != nil {
		return wicket.E(op, err)
	}
	if u == nil || u.ID == "" {
		return wicket.E(op, wicket.Invalid, "no upload id")
	}
	if err := checkKey(op, u.Key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(op, u.Bucket)
	if err != nil {
		return err
	}
	if _, ok := s.uploads[u.ID]; ok {
		return wicket.E(op, wicket.Conflict, "An upload with this id exists.", fmt.Errorf("upload %s", u.ID))
	}
	nu := &upload{Upload: *u, parts: make(map[int]wicket.Part)}
	nu.Initiated = normTime(u.Initiated)
	// An upload keeps only what the object to be will carry.
	nu.Object = wicket.Object{
		Bucket: u.Bucket, Key: u.Key,
		Headers: cloneMap(u.Object.Headers), Meta: cloneMap(u.Object.Meta), Checksums: cloneMap(u.Object.Checksums),
		ChecksumType: u.Object.ChecksumType, Tags: cloneMap(u.Object.Tags),
		Lock: wicket.ObjectLock{Mode: u.Object.Lock.Mode, RetainUntil: normTime(u.Object.Lock.RetainUntil), LegalHold: u.Object.Lock.LegalHold},
	}
	s.uploads[u.ID] = nu
	i, _ := slices.BinarySearchFunc(b.uploads, nu, uploadOrder)
	b.uploads = slices.Insert(b.uploads, i, nu)
	return nil
}

func cloneUpload(u *upload) *wicket.Upload {
	c := u.Upload
	c.Object = *cloneObject(&u.Object)
	return &c
}

// findUpload returns the upload id of bucket/key, or NoSuchUpload (or
// NoSuchBucket). The caller holds mu.
func (s *Store) findUpload(op, bucket, key, id string) (*bucket, *upload, error) {
	b, err := s.bucket(op, bucket)
	if err != nil {
		return nil, nil, err
	}
	u, ok := s.uploads[id]
	if !ok || u.Bucket != bucket || u.Key != key {
		return nil, nil, noSuchUpload(op, bucket, key, id)
	}
	return b, u, nil
}

// GetUpload returns an upload of bucket/key.
func (s *Store) GetUpload(ctx context.Context, bucket, key, id string) (*wicket.Upload, error) {
	const op = "memory.GetUpload"
	if err := ctx.Err(); err != nil {
		return nil, wicket.E(op, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, u, err := s.findUpload(op, bucket, key, id)
	if err != nil {
		return nil, err
	}
	return cloneUpload(u), nil
}

// PutPart adds a part to an upload or replaces the part of that number.
func (s *Store) PutPart(ctx context.Context, bucket, key string, p *wicket.Part) ([]wicket.Segment, error) {
	const op = "memory.PutPart"
	if err := ctx.Err(); err != nil {
		return nil, wicket.E(op, err)
	}
	if p == nil || p.Number < 1 || p.Number > maxPartNumber {
		return nil, wicket.E(op, wicket.Invalid, fmt.Sprintf("Part number must be an integer between 1 and %d, inclusive.", maxPartNumber))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, u, err := s.findUpload(op, bucket, key, p.UploadID)
	if err != nil {
		return nil, err
	}
	var dropped []wicket.Segment
	if old, ok := u.parts[p.Number]; ok && old.Blob != p.Blob {
		dropped = []wicket.Segment{old.Segment}
	}
	np := *p
	np.Modified = normTime(p.Modified)
	u.parts[p.Number] = np
	return dropped, nil
}

// sortedParts returns an upload's parts by number.
func sortedParts(u *upload) []wicket.Part {
	parts := make([]wicket.Part, 0, len(u.parts))
	for _, p := range u.parts {
		parts = append(parts, p)
	}
	slices.SortFunc(parts, func(a, b wicket.Part) int { return a.Number - b.Number })
	return parts
}

// ListParts returns up to max parts numbered above after; max is bounded
// by the number of parts an upload can have.
func (s *Store) ListParts(ctx context.Context, bucket, key, id string, after, max int) ([]wicket.Part, bool, error) {
	const op = "memory.ListParts"
	if err := ctx.Err(); err != nil {
		return nil, false, wicket.E(op, err)
	}
	if max < 0 {
		return nil, false, wicket.E(op, wicket.Invalid, "The page size must not be negative.")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, u, err := s.findUpload(op, bucket, key, id)
	if err != nil {
		return nil, false, err
	}
	var out []wicket.Part
	if max == 0 {
		return nil, false, nil // as a listing of max-keys=0: empty, not truncated
	}
	for _, p := range sortedParts(u) {
		if p.Number <= after {
			continue
		}
		if len(out) == max {
			return out, true, nil
		}
		out = append(out, p)
	}
	return out, false, nil
}

// removeUpload forgets u; the caller holds mu.
func (s *Store) removeUpload(b *bucket, u *upload) {
	delete(s.uploads, u.ID)
	if i, found := slices.BinarySearchFunc(b.uploads, u, uploadOrder); found {
		b.uploads = slices.Delete(b.uploads, i, i+1)
	}
}

// CompleteUpload turns an upload into the object o, whose segments must be
// parts of the upload as they are now (else InvalidPart: a part replaced
// since has had its blob dropped).
func (s *Store) CompleteUpload(ctx context.Context, id string, o *wicket.Object, cond wicket.Precondition) ([]wicket.Segment, error) {
	const op = "memory.CompleteUpload"
	if err := ctx.Err(); err != nil {
		return nil, wicket.E(op, err)
	}
	if o == nil {
		return nil, wicket.E(op, wicket.Invalid, "no object")
	}
	if err := checkKey(op, o.Key); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, u, err := s.findUpload(op, o.Bucket, o.Key, id)
	if err != nil {
		return nil, err
	}
	var parts []wicket.Segment
	for _, p := range sortedParts(u) {
		parts = append(parts, p.Segment)
	}
	for _, seg := range o.Segments {
		if !slices.ContainsFunc(parts, func(p wicket.Segment) bool { return p.Blob == seg.Blob }) {
			return nil, coded(op, wicket.Invalid, "InvalidPart",
				"One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
				fmt.Sprintf("upload %s has no part in blob %s", id, seg.Blob))
		}
	}
	obj := cloneObject(o)
	replaced, err := b.put(op, obj, cond)
	if err != nil {
		return nil, err
	}
	s.removeUpload(b, u)
	return append(unreferenced(parts, obj.Segments), replaced...), nil
}

// AbortUpload forgets an upload and returns its parts for deletion.
func (s *Store) AbortUpload(ctx context.Context, bucket, key, id string) ([]wicket.Segment, error) {
	const op = "memory.AbortUpload"
	if err := ctx.Err(); err != nil {
		return nil, wicket.E(op, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, u, err := s.findUpload(op, bucket, key, id)
	if err != nil {
		return nil, err
	}
	var dropped []wicket.Segment
	for _, p := range sortedParts(u) {
		dropped = append(dropped, p.Segment)
	}
	s.removeUpload(b, u)
	return dropped, nil
}

// ListUploads returns a page of uploads in (key, initiation, id) order,
// rolled up into common prefixes as ListObjects does. UploadAfter places
// the listing after that upload of KeyMarker; when that upload is gone, the
// key's uploads with greater ids follow, as AWS documents the marker.
func (s *Store) ListUploads(ctx context.Context, bucketName string, q wicket.UploadQuery) (*wicket.UploadPage, error) {
	const op = "memory.ListUploads"
	if err := ctx.Err(); err != nil {
		return nil, wicket.E(op, err)
	}
	max, err := checkPage(op, q.MaxUploads)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucket(op, bucketName)
	if err != nil {
		return nil, err
	}
	page := &wicket.UploadPage{}
	if max == 0 {
		return page, nil
	}
	n := 0
	var lastKey, lastID string
	// add adds u to the page, or reports that the page is full.
	add := func(u *upload) bool {
		if n == max {
			page.Truncated = true
			return false
		}
		page.Uploads = append(page.Uploads, *cloneUpload(u))
		n, lastKey, lastID = n+1, u.Key, u.ID
		return true
	}

	if q.KeyMarker != "" && q.UploadAfter != "" && strings.HasPrefix(q.KeyMarker, q.Prefix) {
		if _, rolled := commonPrefix(q.KeyMarker, q.Prefix, q.Delimiter); !rolled {
			marker, ok := s.uploads[q.UploadAfter]
			if ok && (marker.Bucket != bucketName || marker.Key != q.KeyMarker) {
				ok = false
			}
			i, _ := slices.BinarySearchFunc(b.uploads, q.KeyMarker, func(u *upload, k string) int { return strings.Compare(u.Key, k) })
			for ; i < len(b.uploads) && b.uploads[i].Key == q.KeyMarker; i++ {
				u := b.uploads[i]
				if ok && uploadOrder(u, marker) <= 0 || !ok && u.ID <= q.UploadAfter {
					continue
				}
				if !add(u) {
					break
				}
			}
		}
	}

	from, end, ok := startRange(q.Prefix, q.KeyMarker)
	i, _ := slices.BinarySearchFunc(b.uploads, from, func(u *upload, k string) int { return strings.Compare(u.Key, k) })
	for ok && !page.Truncated && i < len(b.uploads) && b.uploads[i].Key < end {
		u := b.uploads[i]
		if p, rolled := commonPrefix(u.Key, q.Prefix, q.Delimiter); rolled {
			if p > q.KeyMarker {
				if n == max {
					page.Truncated = true
					break
				}
				page.CommonPrefixes = append(page.CommonPrefixes, p)
				n, lastKey, lastID = n+1, p, ""
			}
			next := upperBound(p)
			if next == "" {
				break
			}
			i, _ = slices.BinarySearchFunc(b.uploads, next, func(u *upload, k string) int { return strings.Compare(u.Key, k) })
			continue
		}
		if !add(u) {
			break
		}
		i++
	}
	if page.Truncated {
		page.NextKey, page.NextUploadID = lastKey, lastID
	}
	return page, nil
}
