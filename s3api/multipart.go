package s3api

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
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
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

type completePart struct {
	PartNumber        int    `xml:"PartNumber"`
	ETag              string `xml:"ETag"`
	ChecksumCRC32     string `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `xml:"ChecksumSHA256,omitempty"`
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
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
}

type partEntry struct {
	PartNumber   int    `xml:"PartNumber"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
}

type listPartsResult struct {
	XMLName              xml.Name    `xml:"ListPartsResult"`
	Xmlns                string      `xml:"xmlns,attr"`
	Bucket               string      `xml:"Bucket"`
	Key                  string      `xml:"Key"`
	UploadID             string      `xml:"UploadId"`
	Initiator            owner       `xml:"Initiator"`
	Owner                owner       `xml:"Owner"`
	StorageClass         string      `xml:"StorageClass"`
	PartNumberMarker     int         `xml:"PartNumberMarker"`
	NextPartNumberMarker int         `xml:"NextPartNumberMarker"`
	MaxParts             int         `xml:"MaxParts"`
	IsTruncated          bool        `xml:"IsTruncated"`
	Parts                []partEntry `xml:"Part"`
}

type uploadEntry struct {
	Key          string `xml:"Key"`
	UploadID     string `xml:"UploadId"`
	Initiator    owner  `xml:"Initiator"`
	Owner        owner  `xml:"Owner"`
	StorageClass string `xml:"StorageClass"`
	Initiated    string `xml:"Initiated"`
}

type listMultipartUploadsResult struct {
	XMLName            xml.Name       `xml:"ListMultipartUploadsResult"`
	Xmlns              string         `xml:"xmlns,attr"`
	Bucket             string         `xml:"Bucket"`
	KeyMarker          string         `xml:"KeyMarker"`
	UploadIDMarker     string         `xml:"UploadIdMarker"`
	NextKeyMarker      string         `xml:"NextKeyMarker"`
	NextUploadIDMarker string         `xml:"NextUploadIdMarker"`
	Delimiter          string         `xml:"Delimiter,omitempty"`
	Prefix             string         `xml:"Prefix"`
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
	if err := checkObjectLock(q.r.Header, h.clock.Now()); err != nil {
		return err
	}
	if a := q.r.Header.Get("X-Amz-Checksum-Algorithm"); a != "" {
		alg, ok := sigv4.ParseChecksumAlgorithm(a)
		if !ok {
			return errCode("InvalidRequest", "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
		}
		o.Checksums = map[string]string{string(alg): ""}
		o.ChecksumType = "COMPOSITE"
		if t := strings.ToUpper(q.r.Header.Get("X-Amz-Checksum-Type")); t != "" {
			o.ChecksumType = t
		}
	}
	u := &wicket.Upload{ID: newUploadID(), Bucket: q.bucket, Key: q.key, Initiated: h.clock.Now(), Object: *o}
	if err := h.meta.CreateUpload(q.r.Context(), u); err != nil {
		return err
	}
	for alg := range o.Checksums {
		q.w.Header().Set("x-amz-checksum-algorithm", alg)
		q.w.Header().Set("x-amz-checksum-type", o.ChecksumType)
	}
	writeXML(q.w, http.StatusOK, initiateMultipartUploadResult{Xmlns: s3NS, Bucket: q.bucket, Key: q.key, UploadID: u.ID})
	return nil
}

func parsePartNumber(q *request) (int, error) {
	n, err := strconv.Atoi(q.query.Get("partNumber"))
	if err != nil || n < 1 || n > maxParts {
		return 0, errCode("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive")
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
	seg, err := h.writeBlob(q, p)
	if err != nil {
		return err
	}
	seg.ETag = p.etag()
	if p.checksum != nil {
		seg.Checksum = p.checksum.Base64()
	}
	dropped, err := h.meta.PutPart(q.r.Context(), u.Bucket, u.Key, &wicket.Part{UploadID: u.ID, Number: n, Segment: seg, Modified: h.clock.Now()})
	if err != nil {
		h.dropBlobs(q, []wicket.Segment{seg})
		return err
	}
	h.dropBlobs(q, dropped)
	q.w.Header().Set("ETag", `"`+seg.ETag+`"`)
	if p.checksum != nil {
		q.w.Header().Set(p.checksum.Algorithm().Header(), seg.Checksum)
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
		r, ok := parseCopyRange(v)
		if !ok {
			return errCode("InvalidArgument", "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy")
		}
		if r.end >= src.Size {
			return errCodeDetail("InvalidArgument", func(e *errorBody) {
				e.Message = fmt.Sprintf("Range specified is not valid for source object of size: %d", src.Size)
				e.ArgumentName, e.ArgumentValue = "x-amz-copy-source-range", strconv.FormatInt(src.Size, 10)
			})
		}
		rng = r
	}
	if rng.end-rng.start+1 > maxPutSize {
		return errCode("InvalidRequest", "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")
	}
	seg, etag, err := h.copyBytes(q, src, rng)
	if err != nil {
		return err
	}
	seg.ETag = etag
	now := h.clock.Now()
	dropped, err := h.meta.PutPart(q.r.Context(), u.Bucket, u.Key, &wicket.Part{UploadID: u.ID, Number: n, Segment: seg, Modified: now})
	if err != nil {
		h.dropBlobs(q, []wicket.Segment{seg})
		return err
	}
	h.dropBlobs(q, dropped)
	writeXML(q.w, http.StatusOK, copyPartResult{Xmlns: s3NS, ETag: `"` + etag + `"`, LastModified: s3Time(now)})
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

func (h *Handler) completeMultipartUpload(q *request) error {
	u, err := h.upload(q)
	if err != nil {
		return err
	}
	var req completeMultipartUpload
	if err := h.readXML(q, &req); err != nil {
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
	parts, _, err := h.meta.ListParts(q.r.Context(), u.Bucket, u.Key, u.ID, 0, maxParts)
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
	// S3 checks each part's fields first, then the order of the whole list,
	// then that every part exists with its ETag, then the sizes.
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
	last := 0
	for _, cp := range req.Parts {
		if cp.PartNumber <= last {
			return errCode("InvalidPartOrder")
		}
		last = cp.PartNumber
	}
	chosen := make([]*wicket.Part, len(req.Parts))
	for i, cp := range req.Parts {
		p, ok := byNumber[cp.PartNumber]
		if !ok || strings.Trim(cp.ETag, `"`) != p.ETag {
			return errCode("InvalidPart")
		}
		chosen[i] = p
	}
	for i, p := range chosen {
		if i < len(chosen)-1 && p.Size < minPartSize {
			return errCodeDetail("EntityTooSmall", func(e *errorBody) {
				e.ProposedSize = strconv.FormatInt(p.Size, 10)
				e.MinSizeAllowed = strconv.FormatInt(minPartSize, 10)
				e.PartNumber, e.ETag = strconv.Itoa(p.Number), `"`+p.ETag+`"`
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
	if len(o.Checksums) > 0 {
		// Composite checksums are kept per part; the whole-object value is
		// not recomputed here.
		o.Checksums, o.ChecksumType = nil, ""
	}
	dropped, err := h.meta.CompleteUpload(q.r.Context(), u.ID, &o, cond)
	if err != nil {
		return err
	}
	h.dropBlobs(q, dropped)
	writeXML(q.w, http.StatusOK, completeMultipartUploadResult{
		Xmlns: s3NS, Location: h.objectURL(q, u.Key), Bucket: u.Bucket, Key: u.Key, ETag: `"` + o.ETag + `"`,
	})
	return nil
}

func (h *Handler) abortMultipartUpload(q *request) error {
	dropped, err := h.meta.AbortUpload(q.r.Context(), q.bucket, q.key, q.query.Get("uploadId"))
	if err != nil {
		return err
	}
	h.dropBlobs(q, dropped)
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// intParam reads a non-negative integer query parameter with a default and
// a ceiling.
func intParam(q *request, name string, def, ceiling int) (int, error) {
	v := q.query.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errCode("InvalidArgument", "Provided "+name+" not an integer or within integer range")
	}
	return min(n, ceiling), nil
}

func (h *Handler) listParts(q *request) error {
	u, err := h.upload(q)
	if err != nil {
		return err
	}
	maxP, err := intParam(q, "max-parts", 1000, 1000)
	if err != nil {
		return err
	}
	marker, err := intParam(q, "part-number-marker", 0, maxParts)
	if err != nil {
		return err
	}
	parts, truncated, err := h.meta.ListParts(q.r.Context(), u.Bucket, u.Key, u.ID, marker, maxP)
	if err != nil {
		return err
	}
	res := listPartsResult{
		Xmlns: s3NS, Bucket: u.Bucket, Key: u.Key, UploadID: u.ID, Initiator: rootOwner, Owner: rootOwner,
		StorageClass: "STANDARD", PartNumberMarker: marker, MaxParts: maxP, IsTruncated: truncated,
	}
	for _, p := range parts {
		res.Parts = append(res.Parts, partEntry{PartNumber: p.Number, LastModified: s3Time(p.Modified), ETag: `"` + p.ETag + `"`, Size: p.Size})
		res.NextPartNumberMarker = p.Number
	}
	writeXML(q.w, http.StatusOK, res)
	return nil
}

func (h *Handler) listMultipartUploads(q *request) error {
	if _, err := h.meta.GetBucket(q.r.Context(), q.bucket); err != nil {
		return err
	}
	maxU, err := intParam(q, "max-uploads", 1000, 1000)
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
	res := listMultipartUploadsResult{
		Xmlns: s3NS, Bucket: q.bucket, KeyMarker: enc(uq.KeyMarker), UploadIDMarker: uq.UploadAfter,
		Delimiter: enc(uq.Delimiter), Prefix: enc(uq.Prefix), EncodingType: et, MaxUploads: maxU,
	}
	if maxU > 0 {
		page, err := h.meta.ListUploads(q.r.Context(), q.bucket, uq)
		if err != nil {
			return err
		}
		for _, u := range page.Uploads {
			res.Uploads = append(res.Uploads, uploadEntry{
				Key: enc(u.Key), UploadID: u.ID, Initiator: rootOwner, Owner: rootOwner,
				StorageClass: "STANDARD", Initiated: s3Time(u.Initiated),
			})
		}
		for _, p := range page.CommonPrefixes {
			res.CommonPrefixes = append(res.CommonPrefixes, commonPrefix{enc(p)})
		}
		res.IsTruncated = page.Truncated
		res.NextKeyMarker, res.NextUploadIDMarker = enc(page.NextKey), page.NextUploadID
	}
	writeXML(q.w, http.StatusOK, res)
	return nil
}
