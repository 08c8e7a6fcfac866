package s3api

import (
	"bytes"
	"cmp"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/sigv4"
)

// Multipart limits of S3.
const (
	maxParts    = 10000
	minPartSize = 5 << 20 // every part but the last
)

func init() {
	for code, row := range map[string]s3Error{
		"InvalidPartNumber": {416, "The requested partnumber is not satisfiable"},
		"NoSuchVersion":     {404, "The specified version does not exist."},
	} {
		if _, ok := errorTable[code]; !ok {
			errorTable[code] = row
		}
	}
}

type initiateMultipartUploadResult struct {
	XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
	Xmlns    string   `xml:"xmlns,attr"`
	Bucket   string   `xml:"Bucket"`
	Key      xmlText  `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

// checksumElements are the ChecksumCRC32, ChecksumSHA256... elements of
// S3's documents, one per algorithm, embedded where a part or an object
// carries its checksum.
type checksumElements struct {
	ChecksumCRC32     *string `xml:"ChecksumCRC32"`
	ChecksumCRC32C    *string `xml:"ChecksumCRC32C"`
	ChecksumCRC64NVME *string `xml:"ChecksumCRC64NVME"`
	ChecksumMD5       *string `xml:"ChecksumMD5"`
	ChecksumSHA1      *string `xml:"ChecksumSHA1"`
	ChecksumSHA256    *string `xml:"ChecksumSHA256"`
	ChecksumSHA512    *string `xml:"ChecksumSHA512"`
	ChecksumXXHASH64  *string `xml:"ChecksumXXHASH64"`
	ChecksumXXHASH3   *string `xml:"ChecksumXXHASH3"`
	ChecksumXXHASH128 *string `xml:"ChecksumXXHASH128"`
}

// element returns the field of algorithm a.
func (c *checksumElements) element(a sigv4.ChecksumAlgorithm) **string {
	switch a {
	case sigv4.ChecksumCRC32:
		return &c.ChecksumCRC32
	case sigv4.ChecksumCRC32C:
		return &c.ChecksumCRC32C
	case sigv4.ChecksumCRC64NVME:
		return &c.ChecksumCRC64NVME
	case sigv4.ChecksumMD5:
		return &c.ChecksumMD5
	case sigv4.ChecksumSHA1:
		return &c.ChecksumSHA1
	case sigv4.ChecksumSHA256:
		return &c.ChecksumSHA256
	case sigv4.ChecksumSHA512:
		return &c.ChecksumSHA512
	case sigv4.ChecksumXXHASH64:
		return &c.ChecksumXXHASH64
	case sigv4.ChecksumXXHASH3:
		return &c.ChecksumXXHASH3
	case sigv4.ChecksumXXHASH128:
		return &c.ChecksumXXHASH128
	}
	return nil
}

// set sets the checksums of checksums, by algorithm name.
func (c *checksumElements) set(checksums map[string]string) {
	for alg, v := range checksums {
		if e := c.element(sigv4.ChecksumAlgorithm(alg)); e != nil && v != "" {
			*e = &v
		}
	}
}

// present returns the elements present, in S3's order of algorithms.
func (c *checksumElements) present() (algs []sigv4.ChecksumAlgorithm, values []string) {
	for _, a := range sigv4.ChecksumAlgorithms() {
		if v := *c.element(a); v != nil {
			algs, values = append(algs, a), append(values, *v)
		}
	}
	return algs, values
}

type completePart struct {
	PartNumber int    `xml:"PartNumber"`
	ETag       string `xml:"ETag"`
	checksumElements
}

type completeMultipartUpload struct {
	XMLName xml.Name       `xml:"CompleteMultipartUpload"`
	Parts   []completePart `xml:"Part"`
}

type completeMultipartUploadResult struct {
	XMLName  xml.Name `xml:"CompleteMultipartUploadResult"`
	Xmlns    string   `xml:"xmlns,attr"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      xmlText  `xml:"Key"`
	ETag     string   `xml:"ETag"`
	checksumElements
	ChecksumType string `xml:"ChecksumType,omitempty"`
}

type partEntry struct {
	PartNumber   int    `xml:"PartNumber"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	checksumElements
}

type listPartsResult struct {
	XMLName              xml.Name    `xml:"ListPartsResult"`
	Xmlns                string      `xml:"xmlns,attr"`
	Bucket               string      `xml:"Bucket"`
	Key                  xmlText     `xml:"Key"`
	UploadID             string      `xml:"UploadId"`
	Initiator            owner       `xml:"Initiator"`
	Owner                owner       `xml:"Owner"`
	StorageClass         string      `xml:"StorageClass"`
	PartNumberMarker     int         `xml:"PartNumberMarker"`
	NextPartNumberMarker int         `xml:"NextPartNumberMarker"`
	MaxParts             int         `xml:"MaxParts"`
	IsTruncated          bool        `xml:"IsTruncated"`
	Parts                []partEntry `xml:"Part"`
	ChecksumAlgorithm    string      `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType         string      `xml:"ChecksumType,omitempty"`
}

type uploadEntry struct {
	Key               xmlText `xml:"Key"`
	UploadID          string  `xml:"UploadId"`
	Initiator         owner   `xml:"Initiator"`
	Owner             owner   `xml:"Owner"`
	StorageClass      string  `xml:"StorageClass"`
	Initiated         string  `xml:"Initiated"`
	ChecksumAlgorithm string  `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string  `xml:"ChecksumType,omitempty"`
}

type listMultipartUploadsResult struct {
	XMLName            xml.Name       `xml:"ListMultipartUploadsResult"`
	Xmlns              string         `xml:"xmlns,attr"`
	Bucket             string         `xml:"Bucket"`
	KeyMarker          xmlText        `xml:"KeyMarker"`
	UploadIDMarker     string         `xml:"UploadIdMarker"`
	NextKeyMarker      xmlText        `xml:"NextKeyMarker"`
	NextUploadIDMarker string         `xml:"NextUploadIdMarker"`
	Delimiter          xmlText        `xml:"Delimiter,omitempty"`
	Prefix             xmlText        `xml:"Prefix"`
	EncodingType       string         `xml:"EncodingType,omitempty"`
	MaxUploads         int            `xml:"MaxUploads"`
	IsTruncated        bool           `xml:"IsTruncated"`
	Uploads            []uploadEntry  `xml:"Upload"`
	CommonPrefixes     []commonPrefix `xml:"CommonPrefixes"`
}

func newUploadID() string {
	var b [24]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (h *Handler) createMultipartUpload(q *request) error {
	if err := checkKey(q.key); err != nil {
		return err
	}
	o, err := objectFromHeaders(q.bucket, q.key, q.r.Header)
	if err != nil {
		return err
	}
	if err := checkWriteACL(q.r.Header); err != nil {
		return err
	}
	// The upload keeps the lock asked for; the bucket's default retention
	// counts from completion, when the object is made.
	b, err := h.bucketLock(q)
	if err != nil {
		return err
	}
	if o.Lock, err = objectLock(q.r.Header, h.clock.Now(), b); err != nil {
		return err
	}
	alg, typ, err := uploadChecksumHeaders(q.r.Header)
	if err != nil {
		return err
	}
	if alg != "" {
		// The upload keeps its algorithm, by name, without a value.
		o.Checksums, o.ChecksumType = map[string]string{string(alg): ""}, typ
	}
	u := &wicket.Upload{ID: newUploadID(), Bucket: q.bucket, Key: q.key, Initiated: h.clock.Now(), Object: *o}
	if err := h.meta.CreateUpload(q.r.Context(), u); err != nil {
		return err
	}
	if alg != "" {
		q.w.Header().Set("x-amz-checksum-algorithm", string(alg))
		q.w.Header().Set("x-amz-checksum-type", typ)
	}
	writeXML(q.w, http.StatusOK, initiateMultipartUploadResult{Xmlns: s3NS, Bucket: q.bucket, Key: xmlText(q.key), UploadID: u.ID})
	return nil
}

// uploadChecksumHeaders reads the x-amz-checksum-algorithm and
// x-amz-checksum-type of CreateMultipartUpload. Without a type, CRC64NVME
// uploads are FULL_OBJECT and the others COMPOSITE; FULL_OBJECT is for CRCs
// only, and CRC64NVME is FULL_OBJECT only.
func uploadChecksumHeaders(hdr http.Header) (sigv4.ChecksumAlgorithm, string, error) {
	a, t := hdr.Get("X-Amz-Checksum-Algorithm"), hdr.Get("X-Amz-Checksum-Type")
	typ := strings.ToUpper(t)
	if t != "" && typ != composite && typ != fullObject {
		return "", "", invalidChecksumHeader("x-amz-checksum-type")
	}
	if a == "" {
		if t != "" {
			return "", "", errCode("InvalidRequest", "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
		}
		return "", "", nil
	}
	alg, err := parseChecksumAlgorithm(a)
	if err != nil {
		return "", "", err
	}
	if typ == "" {
		typ = composite
		if alg == sigv4.ChecksumCRC64NVME {
			typ = fullObject
		}
	}
	if typ == fullObject && !alg.CRC() || typ == composite && alg == sigv4.ChecksumCRC64NVME {
		return "", "", errCode("InvalidRequest", "The "+typ+" checksum type cannot be used with the "+strings.ToLower(string(alg))+" checksum algorithm.")
	}
	return alg, typ, nil
}

// uploadChecksum returns the checksum algorithm and type an upload was
// created with, or "" for one created without. The parts of such an upload
// carry CRC64NVME nonetheless, hidden, from which completing it computes
// the object's default FULL_OBJECT checksum, as S3 does.
func uploadChecksum(u *wicket.Upload) (sigv4.ChecksumAlgorithm, string) {
	for alg := range u.Object.Checksums {
		return sigv4.ChecksumAlgorithm(alg), u.Object.ChecksumType
	}
	return "", ""
}

func parsePartNumber(q *request) (int, error) {
	v := q.query.Get("partNumber")
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxParts {
		return 0, errCodeDetail("InvalidArgument", func(e *errorBody) {
			e.Message = "Part number must be an integer between 1 and 10000, inclusive"
			e.ArgumentName, e.ArgumentValue = "partNumber", v
		})
	}
	return n, nil
}

// upload finds the upload a part request names.
func (h *Handler) upload(q *request) (*wicket.Upload, error) {
	id := q.query.Get("uploadId")
	if id == "" {
		return nil, errCode("InvalidArgument", "This operation does not accept partNumber without uploadId")
	}
	return h.meta.GetUpload(q.r.Context(), q.bucket, q.key, id)
}

func (h *Handler) uploadPart(q *request) error {
	n, err := parsePartNumber(q)
	if err != nil {
		return err
	}
	u, err := h.upload(q)
	if err != nil {
		return err
	}
	p, err := h.openPayload(q, maxPutSize)
	if err != nil {
		return err
	}
	// A part carries the upload's checksum. S3 computes it for a
	// FULL_OBJECT upload's part sent without one, and refuses such a part
	// of a COMPOSITE upload, whose checksum is made of the client's.
	ualg, utyp := uploadChecksum(u)
	keep := ualg
	switch {
	case ualg == "":
		keep = sigv4.ChecksumCRC64NVME
	case p.alg == "" && utyp == composite:
		return checksumTypeMismatch(string(ualg), "null")
	case p.alg != "" && p.alg != ualg:
		return checksumTypeMismatch(string(ualg), string(p.alg))
	}
	p.compute(keep)
	seg, err := h.writeBlob(q, p)
	if err != nil {
		return err
	}
	seg.ETag, seg.Checksum = p.etag(), p.sum(keep)
	dropped, err := h.meta.PutPart(q.r.Context(), u.Bucket, u.Key, &wicket.Part{UploadID: u.ID, Number: n, Segment: seg, Modified: h.clock.Now()})
	if err != nil {
		h.dropUnwritten(q, seg, err)
		return err
	}
	h.dropBlobs(q, dropped)
	q.w.Header().Set("ETag", `"`+seg.ETag+`"`)
	if shown := cmp.Or(ualg, p.alg); shown != "" {
		q.w.Header().Set(shown.Header(), p.sum(shown))
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) uploadPartCopy(q *request) error {
	n, err := parsePartNumber(q)
	if err != nil {
		return err
	}
	// S3 answers a missing bucket first, then a malformed copy source,
	// then a missing upload.
	if _, err := h.meta.GetBucket(q.r.Context(), q.bucket); err != nil {
		return err
	}
	if _, _, err := copySource(q.r.Header.Get("X-Amz-Copy-Source")); err != nil {
		return err
	}
	u, err := h.upload(q)
	if err != nil {
		return err
	}
	src, err := h.sourceObject(q)
	if err != nil {
		return err
	}
	rng := byteRange{0, src.Size - 1}
	if v := q.r.Header.Get("X-Amz-Copy-Source-Range"); v != "" {
		// S3's three answers, as LocalStack's test_upload_part_copy_range
		// recorded them: a malformed range, one that starts past the
		// source, and one that only ends past it.
		rangeArgument := func(message string) error {
			return errCodeDetail("InvalidArgument", func(e *errorBody) {
				e.Message, e.ArgumentName, e.ArgumentValue = message, "x-amz-copy-source-range", v
			})
		}
		r, ok := parseCopyRange(v)
		switch {
		case !ok:
			return rangeArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy")
		case r.start >= src.Size:
			return errCode("InvalidRequest", "The specified copy range is invalid for the source object size")
		case r.end >= src.Size:
			return rangeArgument(fmt.Sprintf("Range specified is not valid for source object of size: %d", src.Size))
		}
		rng = r
	}
	if rng.end-rng.start+1 > maxPutSize {
		return errCode("InvalidRequest", "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")
	}
	// The part gets the upload's checksum, computed over the bytes copied
	// whatever the source's is; an upload without one keeps CRC64NVME
	// hidden, as for UploadPart.
	ualg, _ := uploadChecksum(u)
	seg, etag, sum, err := h.copyBytes(q, src, rng, cmp.Or(ualg, sigv4.ChecksumCRC64NVME), false)
	if err != nil {
		return err
	}
	seg.ETag, seg.Checksum = etag, sum
	now := h.clock.Now()
	dropped, err := h.meta.PutPart(q.r.Context(), u.Bucket, u.Key, &wicket.Part{UploadID: u.ID, Number: n, Segment: seg, Modified: now})
	if err != nil {
		h.dropUnwritten(q, seg, err)
		return err
	}
	h.dropBlobs(q, dropped)
	res := copyPartResult{Xmlns: s3NS, ETag: `"` + etag + `"`, LastModified: s3Time(now)}
	if ualg != "" {
		res.set(map[string]string{string(ualg): sum})
	}
	writeXML(q.w, http.StatusOK, res)
	return nil
}

// parseCopyRange reads x-amz-copy-source-range: exactly "bytes=a-b".
func parseCopyRange(v string) (byteRange, bool) {
	spec, ok := strings.CutPrefix(v, "bytes=")
	if !ok {
		return byteRange{}, false
	}
	a, b, ok := strings.Cut(spec, "-")
	if !ok {
		return byteRange{}, false
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || start < 0 || end < start {
		return byteRange{}, false
	}
	return byteRange{start, end}, true
}

// finalChecksum is the object checksum a CompleteMultipartUpload request
// sends in an x-amz-checksum-* header, to be checked against the one S3
// computes: base64, with "-N" for a COMPOSITE one.
type finalChecksum struct {
	alg   sigv4.ChecksumAlgorithm
	value string // base64, without the "-N"
	parts int    // N; 0 when not given
}

// matches reports whether sum, as S3 computes it ("base64" or
// "base64-N"), is the checksum f names.
func (f finalChecksum) matches(sum string) bool {
	v, n, _ := strings.Cut(sum, "-")
	return v == f.value && (f.parts == 0 || strconv.Itoa(f.parts) == n)
}

// completeChecksumHeaders reads the x-amz-checksum-* and
// x-amz-checksum-type headers of CompleteMultipartUpload.
func completeChecksumHeaders(hdr http.Header, ualg sigv4.ChecksumAlgorithm, utyp string) (finalChecksum, error) {
	var f finalChecksum
	alg, v, err := checksumHeaders(hdr)
	if err != nil {
		return f, err
	}
	if alg != "" {
		value, suffix, found := strings.Cut(v, "-")
		if found {
			n, err := strconv.Atoi(suffix)
			if err != nil || n < 1 || n > maxParts || alg == sigv4.ChecksumCRC64NVME {
				return f, invalidChecksumHeader(alg.Header())
			}
			f.parts = n
		}
		if !alg.Valid(value) {
			return f, invalidChecksumHeader(alg.Header())
		}
		f.alg, f.value = alg, value
	}
	if t := hdr.Get("X-Amz-Checksum-Type"); t != "" {
		typ := strings.ToUpper(t)
		if typ != composite && typ != fullObject {
			return f, invalidChecksumHeader("x-amz-checksum-type")
		}
		if typ != utyp {
			return f, errCode("InvalidRequest", "The upload was created using the "+cmp.Or(utyp, "null")+" checksum mode. The complete request must use the same checksum mode.")
		}
	}
	switch {
	case f.alg == "" || f.alg == ualg:
	case ualg != "":
		return f, checksumTypeMismatch(string(ualg), string(f.alg))
	case f.alg == sigv4.ChecksumCRC64NVME || f.alg == sigv4.ChecksumCRC32 || f.alg == sigv4.ChecksumCRC32C ||
		f.alg == sigv4.ChecksumSHA1 || f.alg == sigv4.ChecksumSHA256:
		// An upload created without a checksum gets CRC64NVME; S3 ignores
		// a checksum of the older algorithms sent for the object, and
		// refuses the newer ones.
		f = finalChecksum{}
	default:
		return f, checksumTypeMismatch("null", string(f.alg))
	}
	return f, nil
}

// partChecksum checks the checksum elements of a part of a
// CompleteMultipartUpload request: one at most, well formed. It returns it.
func (cp *completePart) partChecksum() (sigv4.ChecksumAlgorithm, string, error) {
	algs, values := cp.present()
	for i, a := range algs {
		if len(algs) > 1 || !a.Valid(values[i]) {
			var arg strings.Builder
			for i, a := range algs {
				arg.WriteString(string(a) + ":" + values[i] + ";")
			}
			return "", "", errCodeDetail("InvalidArgument", func(e *errorBody) {
				e.Message = "Invalid Base64 or multiple checksums present in request"
				e.ArgumentName, e.ArgumentValue = "Checksum", arg.String()
			})
		}
	}
	if len(algs) == 0 {
		return "", "", nil
	}
	return algs[0], values[0], nil
}

// invalidPart is S3's answer to a part of a CompleteMultipartUpload request
// that is not one of the upload's as the request describes it.
func invalidPart(uploadID string, cp completePart) error {
	return errCodeDetail("InvalidPart", func(e *errorBody) {
		e.UploadID, e.PartNumber, e.ETag = uploadID, strconv.Itoa(cp.PartNumber), strings.Trim(cp.ETag, `"`)
	})
}

// readCompleteXML reads the body of CompleteMultipartUpload as readXML
// reads others, except that its x-amz-checksum-* headers are not the
// body's checksum but the object's.
func (h *Handler) readCompleteXML(q *request, v *completeMultipartUpload) error {
	p, err := h.openBody(q, maxXMLBody, false)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.code == "EntityTooLarge" {
			return errCode("MalformedXML")
		}
		return err
	}
	var buf bytes.Buffer
	buf.Grow(int(p.size))
	if err := p.copyTo(&buf); err != nil {
		return err
	}
	if buf.Len() == 0 {
		// No document at all, as an SDK sends when given no parts; an
		// empty one is MalformedXML.
		return errCode("InvalidRequest", "You must specify at least one part")
	}
	if err := xml.Unmarshal(buf.Bytes(), v); err != nil {
		return errCode("MalformedXML")
	}
	return nil
}

// replayCompleted answers a CompleteMultipartUpload whose upload is gone
// because it was completed, by this request or an identical one before it:
// S3 answers a retried Complete with the result of the first, so that a
// client whose connection dropped after the commit does not fail an upload
// that succeeded. The upload is known to be that one when the object at its
// key is the object the request's parts make: its ETag is the MD5 of their
// MD5s with their count. It reports whether it wrote the answer.
func (h *Handler) replayCompleted(q *request, req *completeMultipartUpload) bool {
	if len(req.Parts) == 0 {
		return false
	}
	sum := md5.New()
	for _, cp := range req.Parts {
		raw, err := hex.DecodeString(strings.Trim(cp.ETag, `"`))
		if err != nil || len(raw) != md5.Size {
			return false
		}
		sum.Write(raw)
	}
	etag := hex.EncodeToString(sum.Sum(nil)) + "-" + strconv.Itoa(len(req.Parts))
	o, err := h.meta.GetObject(q.r.Context(), q.bucket, q.key)
	if err != nil || o.ETag != etag {
		return false
	}
	h.writeCompleted(q, o)
	return true
}

// writeCompleted answers a CompleteMultipartUpload that made o.
func (h *Handler) writeCompleted(q *request, o *wicket.Object) {
	res := completeMultipartUploadResult{
		Xmlns: s3NS, Location: h.objectURL(q, o.Key, true), Bucket: o.Bucket, Key: xmlText(o.Key), ETag: `"` + o.ETag + `"`,
		ChecksumType: o.ChecksumType,
	}
	res.set(o.Checksums)
	writeXML(q.w, http.StatusOK, res)
}

func isNoSuchUpload(err error) bool { return wicket.CodeOf(err) == "NoSuchUpload" }

func (h *Handler) completeMultipartUpload(q *request) error {
	u, err := h.upload(q)
	if isNoSuchUpload(err) {
		var req completeMultipartUpload
		if h.readCompleteXML(q, &req) == nil && h.replayCompleted(q, &req) {
			return nil
		}
	}
	if err != nil {
		return err
	}
	var req completeMultipartUpload
	if err := h.readCompleteXML(q, &req); err != nil {
		return err
	}
	if len(req.Parts) == 0 {
		return errCode("MalformedXML")
	}
	if len(req.Parts) > maxParts {
		return errCode("MalformedXML")
	}
	cond, err := writePrecondition(q.r.Header)
	if err != nil {
		return err
	}
	wantSize := int64(-1)
	if v := q.r.Header.Get("X-Amz-Mp-Object-Size"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return errCode("InvalidRequest", "Value for x-amz-mp-object-size header is invalid: '"+v+"'")
		}
		if n < 0 {
			return errCode("InvalidRequest", "Value for x-amz-mp-object-size header is less than zero: '"+v+"'")
		}
		wantSize = n
	}
	ualg, utyp := uploadChecksum(u)
	final, err := completeChecksumHeaders(q.r.Header, ualg, utyp)
	if err != nil {
		return err
	}
	parts, _, err := h.meta.ListParts(q.r.Context(), u.Bucket, u.Key, u.ID, 0, maxParts)
	if isNoSuchUpload(err) && h.replayCompleted(q, &req) {
		return nil // a concurrent Complete of the same upload won
	}
	if err != nil {
		return err
	}
	byNumber := make(map[int]*wicket.Part, len(parts))
	for i := range parts {
		byNumber[parts[i].Number] = &parts[i]
	}
	o := u.Object
	o.Bucket, o.Key = u.Bucket, u.Key
	sum := md5.New()
	// S3 checks each part's fields first, its checksum elements, then the
	// order of the whole list, the checksums against the upload's, then
	// that every part exists with its ETag and checksum, then the sizes.
	for _, cp := range req.Parts {
		if cp.ETag == "" || cp.PartNumber == 0 {
			return errCode("MalformedXML")
		}
		if cp.PartNumber < 1 {
			return errCodeDetail("InvalidArgument", func(e *errorBody) {
				e.Message = "PartNumber must be >= 1"
				e.ArgumentName, e.ArgumentValue = "PartNumber", strconv.Itoa(cp.PartNumber)
			})
		}
	}
	sums := make([]string, len(req.Parts)) // the request's part checksums
	for i := range req.Parts {
		a, v, err := req.Parts[i].partChecksum()
		if err != nil {
			return err
		}
		// The checksum of another algorithm than the upload's cannot
		// match; an upload without one stores none to match.
		if a != "" && ualg != "" && a != ualg {
			return errCode("BadDigest", fmt.Sprintf("The %s you specified for part %d did not match what we received.", strings.ToLower(string(a)), req.Parts[i].PartNumber))
		}
		if a == "" && utyp == composite {
			return errCode("InvalidRequest", fmt.Sprintf("The upload was created using a %s checksum. The complete request must include the checksum for each part. It was missing for part %d in the request.", strings.ToLower(string(ualg)), req.Parts[i].PartNumber))
		}
		sums[i] = v
	}
	last := 0
	for _, cp := range req.Parts {
		if cp.PartNumber <= last {
			return errCodeDetail("InvalidPartOrder", func(e *errorBody) { e.UploadID = u.ID })
		}
		last = cp.PartNumber
	}
	// A COMPOSITE checksum for the object is checked against the one the
	// request's part checksums make, before the parts themselves.
	if utyp == composite && final.alg != "" {
		if c, err := sigv4.CompositeChecksum(ualg, sums); err != nil || !final.matches(c) {
			return badFinalChecksum(ualg)
		}
	}
	chosen := make([]*wicket.Part, len(req.Parts))
	for i, cp := range req.Parts {
		p, ok := byNumber[cp.PartNumber]
		if !ok || strings.Trim(cp.ETag, `"`) != p.ETag || sums[i] != "" && (ualg == "" || sums[i] != p.Checksum) {
			return invalidPart(u.ID, cp)
		}
		chosen[i] = p
	}
	for i, p := range chosen {
		if i < len(chosen)-1 && p.Size < minPartSize {
			return errCodeDetail("EntityTooSmall", func(e *errorBody) {
				e.ProposedSize = strconv.FormatInt(p.Size, 10)
				e.MinSizeAllowed = strconv.FormatInt(minPartSize, 10)
				e.PartNumber, e.ETag = strconv.Itoa(p.Number), p.ETag
			})
		}
		raw, _ := hex.DecodeString(p.ETag)
		sum.Write(raw)
		o.Segments = append(o.Segments, p.Segment)
		o.Size += p.Size
	}
	if wantSize >= 0 && wantSize != o.Size {
		return errCode("InvalidRequest", fmt.Sprintf("The provided 'x-amz-mp-object-size' header value %d does not match what was computed: %d", wantSize, o.Size))
	}
	o.ETag = hex.EncodeToString(sum.Sum(nil)) + "-" + strconv.Itoa(len(req.Parts))
	o.Modified = h.clock.Now()
	b, err := h.bucketLock(q)
	if err != nil {
		return err
	}
	o.Lock = b.withDefault(o.Lock, o.Modified)
	lc, err := h.lockCondition(q, q.key)
	if err != nil {
		return err
	}
	cond.Now, cond.BypassGovernance = lc.Now, lc.BypassGovernance
	if o.Checksums, o.ChecksumType, err = objectChecksum(&o, ualg, utyp); err != nil {
		return err
	}
	if final.alg != "" && utyp == fullObject && o.Checksums != nil && !final.matches(o.Checksums[string(ualg)]) {
		return badFinalChecksum(ualg)
	}
	dropped, err := h.meta.CompleteUpload(q.r.Context(), u.ID, &o, cond)
	if isNoSuchUpload(err) && h.replayCompleted(q, &req) {
		return nil // a concurrent Complete of the same upload won
	}
	if err != nil {
		return h.refusal(q, q.key, err)
	}
	h.dropBlobs(q, dropped)
	h.writeCompleted(q, &o)
	return nil
}

// badFinalChecksum is S3's answer to an object checksum of
// CompleteMultipartUpload that does not match, in lower case, unlike
// PutObject's.
func badFinalChecksum(alg sigv4.ChecksumAlgorithm) error {
	return errCode("BadDigest", "The "+strings.ToLower(string(alg))+" you specified did not match the calculated checksum.")
}

// objectChecksum computes the checksum of an object completed from the
// segments of o (the parts, in order) and returns it as Object.Checksums
// and ChecksumType: the upload's algorithm and type, or for an upload
// created without one, CRC64NVME over the whole object, from the hidden
// CRC64NVME of its parts, which are then dropped from o's segments so that
// GetObject of a part does not show them. A part stored before Wicket kept
// checksums has none, and then the object has none.
func objectChecksum(o *wicket.Object, ualg sigv4.ChecksumAlgorithm, utyp string) (map[string]string, string, error) {
	if ualg != "" {
		return combineParts(o.Segments, ualg, utyp)
	}
	sums, typ, err := combineParts(o.Segments, sigv4.ChecksumCRC64NVME, fullObject)
	for i := range o.Segments {
		o.Segments[i].Checksum = ""
	}
	return sums, typ, err
}

func combineParts(segs []wicket.Segment, alg sigv4.ChecksumAlgorithm, typ string) (map[string]string, string, error) {
	var sum string
	var err error
	if typ == composite {
		values := make([]string, len(segs))
		for i, s := range segs {
			if s.Checksum == "" {
				return nil, "", nil
			}
			values[i] = s.Checksum
		}
		sum, err = sigv4.CompositeChecksum(alg, values)
	} else {
		parts := make([]sigv4.PartChecksum, len(segs))
		for i, s := range segs {
			if s.Checksum == "" {
				return nil, "", nil
			}
			parts[i] = sigv4.PartChecksum{Value: s.Checksum, Size: s.Size}
		}
		sum, err = sigv4.FullObjectChecksum(alg, parts)
	}
	if err != nil {
		return nil, "", wicket.E("s3api.CompleteMultipartUpload", wicket.Internal, "A part's checksum is corrupt.", err)
	}
	return map[string]string{string(alg): sum}, typ, nil
}

func (h *Handler) abortMultipartUpload(q *request) error {
	if err := directoryOnly(q.r.Header, "x-amz-if-match-initiated-time"); err != nil {
		return err
	}
	dropped, err := h.meta.AbortUpload(q.r.Context(), q.bucket, q.key, q.query.Get("uploadId"))
	if err != nil {
		return err
	}
	h.dropBlobs(q, dropped)
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) listParts(q *request) error {
	u, err := h.upload(q)
	if err != nil {
		return err
	}
	maxP, err := countParam(q, "max-parts", "max-parts", 1000, 1000)
	if err != nil {
		return err
	}
	marker, err := countParam(q, "part-number-marker", "", 0, maxParts)
	if err != nil {
		return err
	}
	parts, truncated, err := h.meta.ListParts(q.r.Context(), u.Bucket, u.Key, u.ID, marker, maxP)
	if err != nil {
		return err
	}
	// An upload created without a checksum is listed with "null" for its
	// algorithm and type, as S3 answers (observed by versitygw's
	// ListParts_null_checksums; S3's messages say "null" for it too), and
	// its parts' hidden CRC64NVME is not shown.
	ualg, utyp := uploadChecksum(u)
	res := listPartsResult{
		Xmlns: s3NS, Bucket: u.Bucket, Key: xmlText(u.Key), UploadID: u.ID, Initiator: rootOwner, Owner: rootOwner,
		StorageClass: "STANDARD", PartNumberMarker: marker, MaxParts: maxP, IsTruncated: truncated,
		ChecksumAlgorithm: cmp.Or(string(ualg), "null"), ChecksumType: cmp.Or(utyp, "null"),
	}
	for _, p := range parts {
		e := partEntry{PartNumber: p.Number, LastModified: s3Time(p.Modified), ETag: `"` + p.ETag + `"`, Size: p.Size}
		if ualg != "" {
			e.set(map[string]string{string(ualg): p.Checksum})
		}
		res.Parts = append(res.Parts, e)
		res.NextPartNumberMarker = p.Number
	}
	writeXML(q.w, http.StatusOK, res)
	return nil
}

func (h *Handler) listMultipartUploads(q *request) error {
	if _, err := h.meta.GetBucket(q.r.Context(), q.bucket); err != nil {
		return err
	}
	maxU, err := countParam(q, "max-uploads", "max-uploads", 1000, 1000)
	if err != nil {
		return err
	}
	enc, et, err := listEncoder(q)
	if err != nil {
		return err
	}
	// An upload-id-marker counts only beside a key-marker, and then it must
	// name one of that key's uploads.
	if km, um := q.query.Get("key-marker"), q.query.Get("upload-id-marker"); km != "" && um != "" {
		if _, err := h.meta.GetUpload(q.r.Context(), q.bucket, km, um); err != nil {
			if wicket.KindOf(err) != wicket.NotFound {
				return err
			}
			return errCodeDetail("InvalidArgument", func(e *errorBody) {
				e.Message = "Invalid uploadId marker"
				e.ArgumentName, e.ArgumentValue = "upload-id-marker", um
			})
		}
	}
	uq := wicket.UploadQuery{
		Prefix: q.query.Get("prefix"), Delimiter: q.query.Get("delimiter"),
		KeyMarker: q.query.Get("key-marker"), UploadAfter: q.query.Get("upload-id-marker"), MaxUploads: maxU,
	}
	res := listMultipartUploadsResult{Xmlns: s3NS, Bucket: q.bucket, KeyMarker: enc(uq.KeyMarker),
		Delimiter: enc(uq.Delimiter), Prefix: enc(uq.Prefix), EncodingType: et, MaxUploads: maxU,
	}
	if uq.KeyMarker != "" {
		// Without a key-marker S3 ignores the upload-id-marker and echoes
		// it empty.
		res.UploadIDMarker = uq.UploadAfter
	}
	if maxU > 0 {
		page, err := h.meta.ListUploads(q.r.Context(), q.bucket, uq)
		if err != nil {
			return err
		}
		for _, u := range page.Uploads {
			alg, typ := uploadChecksum(&u)
			res.Uploads = append(res.Uploads, uploadEntry{
				Key: enc(u.Key), UploadID: u.ID, Initiator: rootOwner, Owner: rootOwner,
				StorageClass: "STANDARD", Initiated: s3Time(u.Initiated),
				ChecksumAlgorithm: string(alg), ChecksumType: typ,
			})
		}
		for _, p := range page.CommonPrefixes {
			res.CommonPrefixes = append(res.CommonPrefixes, commonPrefix{enc(p)})
		}
		res.IsTruncated = page.Truncated
		res.NextKeyMarker, res.NextUploadIDMarker = enc(page.NextKey), page.NextUploadID
		if n := len(page.Uploads); !page.Truncated && n > 0 {
			// The last page names its last upload too, as S3's does
			// (LocalStack's test_list_multiparts_next_marker, recorded
			// against S3).
			res.NextKeyMarker, res.NextUploadIDMarker = enc(page.Uploads[n-1].Key), page.Uploads[n-1].ID
		}
	}
	writeXML(q.w, http.StatusOK, res)
	return nil
}
