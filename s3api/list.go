package s3api

import (
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wicket-io/wicket"
)

const maxListKeys = 1000

// parseMaxKeys reads max-keys: default and ceiling 1000, as S3.
func parseMaxKeys(q *request) (int, error) {
	return countParam(q, "max-keys", "maxKeys", maxListKeys, maxListKeys)
}

// countParam reads a count query parameter (max-keys, max-uploads,
// max-parts, part-number-marker) with a default and a ceiling. S3 reads it
// as a 32-bit integer and words its refusals two ways, naming the argument
// and its value: a negative count "must be an integer between 0 and
// 2147483647", under the name argName ("maxKeys" for max-keys), and
// anything else that is no such integer is "not an integer or within
// integer range". A parameter without the first wording has argName "".
func countParam(q *request, name, argName string, def, ceiling int) (int, error) {
	v, ok := q.query[name]
	if !ok || v[0] == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v[0], 10, 32)
	switch {
	case isDigits(v[0]) && err == nil:
		return min(int(n), ceiling), nil
	case argName != "" && strings.HasPrefix(v[0], "-") && isDigits(v[0][1:]):
		return 0, errCodeDetail("InvalidArgument", func(e *errorBody) {
			e.Message = "Argument " + argName + " must be an integer between 0 and 2147483647"
			e.ArgumentName, e.ArgumentValue = argName, v[0]
		})
	}
	return 0, errCodeDetail("InvalidArgument", func(e *errorBody) {
		e.Message = "Provided " + name + " not an integer or within integer range"
		e.ArgumentName, e.ArgumentValue = name, v[0]
	})
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// listEncoder applies encoding-type=url to keys and prefixes in a listing.
func listEncoder(q *request) (func(string) xmlText, string, error) {
	et := q.query.Get("encoding-type")
	switch {
	case !q.query.Has("encoding-type"):
		return func(s string) xmlText { return xmlText(s) }, "", nil
	case et == "url":
		return func(s string) xmlText { return xmlText(s3URLEncode(s)) }, et, nil
	default:
		// An empty value too, as S3 answers it.
		return nil, "", errCodeDetail("InvalidArgument", func(e *errorBody) {
			e.Message, e.ArgumentName, e.ArgumentValue = "Invalid Encoding Method specified in Request", "encoding-type", et
		})
	}
}

// s3URLEncode encodes a key as S3 does for encoding-type=url: form encoding
// with spaces as '+', leaving '/' alone.
func s3URLEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/")
}

func (h *Handler) list(q *request, after string, maxKeys int) (*wicket.ListPage, error) {
	if _, err := h.meta.GetBucket(q.r.Context(), q.bucket); err != nil {
		return nil, err
	}
	if maxKeys == 0 {
		return &wicket.ListPage{}, nil
	}
	return h.meta.ListObjects(q.r.Context(), q.bucket, wicket.ListQuery{
		Prefix: q.query.Get("prefix"), Delimiter: q.query.Get("delimiter"), After: after, MaxKeys: maxKeys,
	})
}

func entries(page *wicket.ListPage, enc func(string) xmlText, withOwner bool) ([]objectEntry, []commonPrefix) {
	objs := make([]objectEntry, 0, len(page.Objects))
	for _, o := range page.Objects {
		e := objectEntry{Key: enc(o.Key), LastModified: s3Time(o.Modified), ETag: `"` + o.ETag + `"`, Size: o.Size, StorageClass: "STANDARD"}
		for alg := range o.Checksums {
			e.ChecksumAlgorithm = append(e.ChecksumAlgorithm, alg)
		}
		if len(e.ChecksumAlgorithm) > 0 {
			e.ChecksumType = o.ChecksumType
		}
		if withOwner {
			e.Owner = &rootOwner
		}
		objs = append(objs, e)
	}
	var cps []commonPrefix
	for _, p := range page.CommonPrefixes {
		cps = append(cps, commonPrefix{enc(p)})
	}
	return objs, cps
}

// listParams reads what every object listing takes: max-keys and
// encoding-type (its encoder and the value to echo).
func listParams(q *request) (maxKeys int, enc func(string) xmlText, et string, err error) {
	if maxKeys, err = parseMaxKeys(q); err != nil {
		return 0, nil, "", err
	}
	enc, et, err = listEncoder(q)
	return maxKeys, enc, et, err
}

// A continuation token is the key a page ended at and a CRC-32C of the
// bucket and the key, in URL-safe base64: opaque, as S3's, and a token
// that was not made for the bucket (a mistake, or garbage) is refused as
// S3 refuses it, instead of listing from wherever it happens to decode to.
var tokenTable = crc32.MakeTable(crc32.Castagnoli)

func tokenSum(bucket, key string) uint32 {
	return crc32.Update(crc32.Checksum([]byte(bucket+"\x00"), tokenTable), tokenTable, []byte(key))
}

func encodeToken(bucket, key string) string {
	b := binary.BigEndian.AppendUint32([]byte(key), tokenSum(bucket, key))
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeToken(bucket, token string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) < 5 {
		return "", false
	}
	key := string(b[:len(b)-4])
	return key, binary.BigEndian.Uint32(b[len(b)-4:]) == tokenSum(bucket, key)
}

func (h *Handler) listObjectsV2(q *request) error {
	maxKeys, enc, et, err := listParams(q)
	if err != nil {
		return err
	}
	// A continuation token takes the place of start-after, which S3 then
	// ignores and does not echo (LocalStack's
	// test_list_objects_v2_continuation_start_after, recorded against S3).
	startAfter := q.query.Get("start-after")
	after := startAfter
	token := q.query.Get("continuation-token")
	if q.query.Has("continuation-token") {
		k, ok := decodeToken(q.bucket, token)
		if !ok {
			return errCodeDetail("InvalidArgument", func(e *errorBody) {
				e.Message, e.ArgumentName = "The continuation token provided is incorrect", "continuation-token"
			})
		}
		after, startAfter = k, ""
	}
	page, err := h.list(q, after, maxKeys)
	if err != nil {
		return err
	}
	res := listBucketResultV2{
		Xmlns: s3NS, Name: q.bucket, Prefix: enc(q.query.Get("prefix")), Delimiter: enc(q.query.Get("delimiter")),
		MaxKeys: maxKeys, EncodingType: et, IsTruncated: page.Truncated, ContinuationToken: token,
		StartAfter: enc(startAfter),
	}
	res.Contents, res.CommonPrefixes = entries(page, enc, q.query.Get("fetch-owner") == "true")
	res.KeyCount = len(res.Contents) + len(res.CommonPrefixes)
	if page.Truncated {
		res.NextContinuationToken = encodeToken(q.bucket, page.Next)
	}
	writeXML(q.w, http.StatusOK, res)
	return nil
}

func (h *Handler) listObjectsV1(q *request) error {
	maxKeys, enc, et, err := listParams(q)
	if err != nil {
		return err
	}
	marker := q.query.Get("marker")
	page, err := h.list(q, marker, maxKeys)
	if err != nil {
		return err
	}
	res := listBucketResultV1{
		Xmlns: s3NS, Name: q.bucket, Prefix: enc(q.query.Get("prefix")), Marker: enc(marker),
		Delimiter: enc(q.query.Get("delimiter")), MaxKeys: maxKeys, EncodingType: et, IsTruncated: page.Truncated,
	}
	res.Contents, res.CommonPrefixes = entries(page, enc, true)
	if page.Truncated && q.query.Get("delimiter") != "" {
		// S3 gives NextMarker only when a delimiter is used; clients then
		// take the last key otherwise.
		res.NextMarker = enc(page.Next)
	}
	writeXML(q.w, http.StatusOK, res)
	return nil
}
