package s3api

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// s3NS is the namespace of S3's XML documents.
const s3NS = "http://s3.amazonaws.com/doc/2006-03-01/"

// s3Time formats an object's, part's, upload's or bucket's time as S3's
// XML does: to the whole second, as Last-Modified says it, with ".000"
// (S3 keeps whole seconds). A listing that said milliseconds would differ
// from the object's Last-Modified, and `aws s3 sync --exact-timestamps`
// would copy every object again on every run.
func s3Time(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05.000Z")
}

// s3TimeMillis formats a time a client chose (a retention date) with its
// milliseconds.
func s3TimeMillis(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

type owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

type bucketEntry struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
	BucketRegion string `xml:"BucketRegion,omitempty"`
}

type listAllMyBucketsResult struct {
	XMLName           xml.Name      `xml:"ListAllMyBucketsResult"`
	Xmlns             string        `xml:"xmlns,attr"`
	Owner             owner         `xml:"Owner"`
	Buckets           []bucketEntry `xml:"Buckets>Bucket"`
	ContinuationToken string        `xml:"ContinuationToken,omitempty"`
	Prefix            xmlText       `xml:"Prefix,omitempty"`
}

type locationConstraint struct {
	XMLName xml.Name `xml:"LocationConstraint"`
	Xmlns   string   `xml:"xmlns,attr"`
	Value   string   `xml:",chardata"`
}

type createBucketConfiguration struct {
	XMLName            xml.Name `xml:"CreateBucketConfiguration"`
	LocationConstraint string   `xml:"LocationConstraint"`
	// Tags are the bucket's tags from its creation on, as PutBucketTagging
	// would set them.
	Tags *tagSet `xml:"Tags"`
}

type versioningConfiguration struct {
	XMLName xml.Name `xml:"VersioningConfiguration"`
	Xmlns   string   `xml:"xmlns,attr"`
}

type objectEntry struct {
	Key               xmlText  `xml:"Key"`
	LastModified      string   `xml:"LastModified"`
	ETag              string   `xml:"ETag"`
	ChecksumAlgorithm []string `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string   `xml:"ChecksumType,omitempty"`
	Size              int64    `xml:"Size"`
	Owner             *owner   `xml:"Owner,omitempty"`
	StorageClass      string   `xml:"StorageClass"`
}

type commonPrefix struct {
	Prefix xmlText `xml:"Prefix"`
}

type listBucketResultV2 struct {
	XMLName               xml.Name       `xml:"ListBucketResult"`
	Xmlns                 string         `xml:"xmlns,attr"`
	Name                  string         `xml:"Name"`
	Prefix                xmlText        `xml:"Prefix"`
	Delimiter             xmlText        `xml:"Delimiter,omitempty"`
	MaxKeys               int            `xml:"MaxKeys"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
	KeyCount              int            `xml:"KeyCount"`
	IsTruncated           bool           `xml:"IsTruncated"`
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	StartAfter            xmlText        `xml:"StartAfter,omitempty"`
	Contents              []objectEntry  `xml:"Contents"`
	CommonPrefixes        []commonPrefix `xml:"CommonPrefixes"`
}

type listBucketResultV1 struct {
	XMLName        xml.Name       `xml:"ListBucketResult"`
	Xmlns          string         `xml:"xmlns,attr"`
	Name           string         `xml:"Name"`
	Prefix         xmlText        `xml:"Prefix"`
	Marker         xmlText        `xml:"Marker"`
	NextMarker     xmlText        `xml:"NextMarker,omitempty"`
	Delimiter      xmlText        `xml:"Delimiter,omitempty"`
	MaxKeys        int            `xml:"MaxKeys"`
	EncodingType   string         `xml:"EncodingType,omitempty"`
	IsTruncated    bool           `xml:"IsTruncated"`
	Contents       []objectEntry  `xml:"Contents"`
	CommonPrefixes []commonPrefix `xml:"CommonPrefixes"`
}

// xmlText is text a client chose, a key above all, in a response element.
// encoding/xml writes a character XML 1.0 does not allow (the controls
// but tab, LF and CR; U+FFFE, U+FFFF) as U+FFFD, so that a key with such
// a character came back as another key: a client listing then deleting
// it deleted nothing. S3 writes them as character references (&#x7;),
// which strict parsers refuse (that is what encoding-type=url is for) and
// lenient ones read back as the key; so does xmlText.
type xmlText string

func (s xmlText) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(struct {
		Text string `xml:",innerxml"`
	}{escapeText(string(s))}, start)
}

// escapeText escapes s for XML character data: the five special
// characters, tab, LF and CR as encoding/xml does, and the characters XML
// 1.0 does not allow as numeric character references.
func escapeText(s string) string {
	var b strings.Builder
	last := 0
	for i, r := range s {
		var esc string
		switch {
		case r == '&':
			esc = "&amp;"
		case r == '<':
			esc = "&lt;"
		case r == '>':
			esc = "&gt;"
		case r == '"':
			esc = "&#34;"
		case r == '\'':
			esc = "&#39;"
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF:
			esc = fmt.Sprintf("&#x%X;", r)
		case r == utf8.RuneError:
			// Not UTF-8 (a query parameter echoed): U+FFFD, as
			// encoding/xml writes it, so the document stays well-formed.
			if _, n := utf8.DecodeRuneInString(s[i:]); n > 1 {
				continue
			}
			esc = "\uFFFD"
		default:
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(s) + 8)
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		b.WriteString(s[last:i])
		b.WriteString(esc)
		last = i + n
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// Characters XML 1.0 does not allow reach Wicket in keys: a client sends
// the key of a DeleteObjects entry with them as they are, or as character
// references (S3 writes them so, and reads both). encoding/xml refuses
// both, which made one such key fail a whole batch with MalformedXML.
// stashControls turns each into a character of plane 16's private use
// area, which encoding/xml takes, and unstash turns them back once the
// document is decoded.
const (
	maxCharRef = len("&#1114111;")
	stashBase  = 0x10FF00 // + a control character (U+0000–U+001F)
	stashFFFE  = 0x10FFFE
	stashFFFF  = 0x10FFFF
)

// stashControls rewrites body for decoding, and says whether it did: not
// when there is nothing to rewrite, nor when body holds a character of the
// stash's range already (it could not be told apart; such a body is
// decoded as it is).
func stashControls(body []byte) ([]byte, bool) {
	// The usual document has neither, and is looked at once, uncopied.
	if !bytes.Contains(body, []byte("&#")) && !bytes.ContainsFunc(body, outsideXML) {
		return body, false
	}
	if bytes.ContainsFunc(body, func(r rune) bool { return r >= stashBase }) ||
		bytes.Contains(body, []byte("<![CDATA[")) { // where "&#x1;" is literal text
		return body, false
	}
	s := string(body)
	var b bytes.Buffer
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if outsideXML(r) {
			b.WriteRune(stash(r))
			i += n
			continue
		}
		if r == '&' && strings.HasPrefix(s[i:], "&#") {
			// A reference is at most "&#x10FFFF;" or "&#1114111;": look
			// no further, or a body of "&#&#&#…" would cost its square.
			if end := strings.IndexByte(s[i:min(i+maxCharRef, len(s))], ';'); end > 2 {
				if c, ok := charRef(s[i+2 : i+end]); ok && outsideXML(c) {
					b.WriteRune(stash(c))
					i += end + 1
					continue
				}
			}
		}
		b.WriteString(s[i : i+n])
		i += n
	}
	return b.Bytes(), true
}

// outsideXML reports whether r is a character XML 1.0 does not allow.
func outsideXML(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF
}

func stash(r rune) rune {
	switch r {
	case 0xFFFE:
		return stashFFFE
	case 0xFFFF:
		return stashFFFF
	}
	return stashBase + r
}

// charRef reads the inside of a character reference: x1F or 31.
func charRef(s string) (rune, bool) {
	base := 10
	if s[0] == 'x' {
		s, base = s[1:], 16
	}
	n, err := strconv.ParseUint(s, base, 32)
	if err != nil || n > utf8.MaxRune {
		return 0, false
	}
	return rune(n), true
}

// unstash turns the stashed characters of a value decoded from a
// rewritten body back.
func unstash(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == stashFFFE:
			return 0xFFFE
		case r == stashFFFF:
			return 0xFFFF
		case r >= stashBase && r < stashBase+0x20:
			return r - stashBase
		}
		return r
	}, s)
}
