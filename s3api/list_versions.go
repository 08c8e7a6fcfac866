package s3api

import (
	"encoding/xml"
	"net/http"
)

// ListObjectVersions on Wicket's buckets, which keep one version of each
// object: S3 lists the objects of a bucket that never had versioning as
// versions whose id is "null", each the latest (Using versioning: "objects
// stored in your bucket before you set the versioning state have a version
// ID of null"). Tools that empty a bucket through its versions (Terraform's
// force_destroy, backup tools) list them and delete each with VersionId
// "null", which DeleteObject and DeleteObjects take as the object itself.

type listVersionsResult struct {
	XMLName             xml.Name       `xml:"ListVersionsResult"`
	Xmlns               string         `xml:"xmlns,attr"`
	Name                string         `xml:"Name"`
	Prefix              xmlText        `xml:"Prefix"`
	KeyMarker           xmlText        `xml:"KeyMarker"`
	VersionIDMarker     string         `xml:"VersionIdMarker"`
	NextKeyMarker       xmlText        `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string         `xml:"NextVersionIdMarker,omitempty"`
	MaxKeys             int            `xml:"MaxKeys"`
	Delimiter           xmlText        `xml:"Delimiter,omitempty"`
	EncodingType        string         `xml:"EncodingType,omitempty"`
	IsTruncated         bool           `xml:"IsTruncated"`
	Versions            []versionEntry `xml:"Version"`
	CommonPrefixes      []commonPrefix `xml:"CommonPrefixes"`
}

type versionEntry struct {
	Key               xmlText  `xml:"Key"`
	VersionID         string   `xml:"VersionId"`
	IsLatest          bool     `xml:"IsLatest"`
	LastModified      string   `xml:"LastModified"`
	ETag              string   `xml:"ETag"`
	ChecksumAlgorithm []string `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string   `xml:"ChecksumType,omitempty"`
	Size              int64    `xml:"Size"`
	Owner             *owner   `xml:"Owner,omitempty"`
	StorageClass      string   `xml:"StorageClass"`
}

// nullVersion is the id of the one version each object has.
const nullVersion = "null"

func (h *Handler) listObjectVersions(q *request) error {
	maxKeys, enc, et, err := listParams(q)
	if err != nil {
		return err
	}
	keyMarker, vidMarker := q.query.Get("key-marker"), q.query.Get("version-id-marker")
	if vidMarker != "" {
		if keyMarker == "" {
			return errCodeDetail("InvalidArgument", func(e *errorBody) {
				e.Message = "A version-id marker cannot be specified without a key marker."
				e.ArgumentName, e.ArgumentValue = "version-id-marker", vidMarker
			})
		}
		if vidMarker != nullVersion {
			return errCodeDetail("InvalidArgument", func(e *errorBody) {
				e.Message = "Invalid version id specified"
				e.ArgumentName, e.ArgumentValue = "version-id-marker", vidMarker
			})
		}
	}
	// Each key has one version, so the version after (key-marker, null) is
	// the next key's.
	page, err := h.list(q, keyMarker, maxKeys)
	if err != nil {
		return err
	}
	res := listVersionsResult{
		Xmlns: s3NS, Name: q.bucket, Prefix: enc(q.query.Get("prefix")), KeyMarker: enc(keyMarker),
		VersionIDMarker: vidMarker, Delimiter: enc(q.query.Get("delimiter")), MaxKeys: maxKeys,
		EncodingType: et, IsTruncated: page.Truncated,
	}
	objs, cps := entries(page, enc, true)
	res.CommonPrefixes = cps
	res.Versions = make([]versionEntry, len(objs))
	for i, o := range objs {
		res.Versions[i] = versionEntry{Key: o.Key, VersionID: nullVersion, IsLatest: true, LastModified: o.LastModified,
			ETag: o.ETag, ChecksumAlgorithm: o.ChecksumAlgorithm, ChecksumType: o.ChecksumType, Size: o.Size,
			Owner: o.Owner, StorageClass: o.StorageClass}
	}
	if page.Truncated {
		res.NextKeyMarker = enc(page.Next)
		if n := len(page.Objects); n > 0 && page.Objects[n-1].Key == page.Next {
			res.NextVersionIDMarker = nullVersion
		}
	}
	writeXML(q.w, http.StatusOK, res)
	return nil
}
