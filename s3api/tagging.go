package s3api

import (
	"encoding/xml"
	"maps"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxTaggingBody bounds a Tagging document: 50 tags of 128 and 256
// characters leave room for character references and whitespace.
const maxTaggingBody = 256 << 10

// tagging is the document of the bucket and object tagging operations.
type tagging struct {
	XMLName xml.Name     `xml:"Tagging"`
	Xmlns   string       `xml:"xmlns,attr,omitempty"`
	TagSet  *tagSet      `xml:"TagSet"`
	Unknown []anyElement `xml:",any"`
}

type tagSet struct {
	Tags    []tag        `xml:"Tag"`
	Unknown []anyElement `xml:",any"`
}

type tag struct {
	Key   *string `xml:"Key"`
	Value *string `xml:"Value"`
}

// tagRules are the limits of one kind of tag set: how many tags, S3's
// message beyond that, and its message for a key in the "aws:" namespace,
// which AWS keeps for its own tags.
type tagRules struct {
	max      int
	tooMany  string
	reserved string
}

var (
	objectTags = tagRules{maxObjectTags, "Object tags cannot be greater than 10",
		"Your TagKey cannot be prefixed with aws:"}
	bucketTags = tagRules{maxBucketTags, "Bucket tag count cannot be greater than 50",
		"System tags cannot be added/updated by requester"}
	// CreateBucket's Tags.
	newBucketTags = tagRules{maxBucketTags, "Bucket tag count cannot be greater than 50",
		`User-defined tag keys can't start with "aws:". This prefix is reserved for system tags. Remove "aws:" from your tag keys and try again.`}
)

// parseTagging decodes a Tagging document and checks its tags against r.
func parseTagging(body []byte, r tagRules) (map[string]string, error) {
	var doc tagging
	if err := xml.Unmarshal(body, &doc); err != nil || doc.TagSet == nil || len(doc.Unknown) > 0 {
		return nil, errCode("MalformedXML")
	}
	return tagsFromSet(doc.TagSet, r)
}

// tagsFromSet checks the tags of a TagSet (or of CreateBucket's Tags): at
// most r.max, each with a Key and a Value, each key once, and checkTags.
func tagsFromSet(set *tagSet, r tagRules) (map[string]string, error) {
	if len(set.Unknown) > 0 {
		return nil, errCode("MalformedXML")
	}
	for _, t := range set.Tags {
		if t.Key == nil || t.Value == nil {
			return nil, errCode("MalformedXML")
		}
	}
	if len(set.Tags) > r.max {
		return nil, errCode("BadRequest", r.tooMany)
	}
	tags := make(map[string]string, len(set.Tags))
	for _, t := range set.Tags {
		if _, dup := tags[*t.Key]; dup {
			return nil, errCode("InvalidTag", "Cannot provide multiple Tags with the same key")
		}
		tags[*t.Key] = *t.Value
	}
	if err := checkTags(tags, r); err != nil {
		return nil, err
	}
	return tags, nil
}

// checkTags applies AWS's tag restrictions: no key in the "aws:"
// namespace, keys of 1 to 128 characters, values of up to 256, both of
// letters, digits, spaces and + - = . _ : / @.
func checkTags(tags map[string]string, r tagRules) error {
	// In key order, so that a set with two faults always names the same.
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		v := tags[k]
		if strings.HasPrefix(k, "aws:") {
			return errCode("InvalidTag", r.reserved)
		}
		if k == "" || utf8.RuneCountInString(k) > 128 || !tagText(k) {
			return errCode("InvalidTag", "The TagKey you have provided is invalid")
		}
		if utf8.RuneCountInString(v) > 256 || !tagText(v) {
			return errCode("InvalidTag", "The TagValue you have provided is invalid")
		}
	}
	return nil
}

func tagText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.Is(unicode.Z, r) && !strings.ContainsRune("+-=._:/@", r) {
			return false
		}
	}
	return true
}

// taggingDoc is the Tagging document of tags, in key order.
func taggingDoc(tags map[string]string) *tagging {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	set := &tagSet{Tags: make([]tag, len(keys))}
	for i, k := range keys {
		v := tags[k]
		set.Tags[i] = tag{Key: &k, Value: &v}
	}
	return &tagging{Xmlns: s3NS, TagSet: set}
}
