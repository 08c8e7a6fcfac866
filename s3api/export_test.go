package s3api

import (
	"io"
	"mime/multipart"
)

// Unexported functions that tests check against published vectors, and
// parsers that fuzz targets exercise alone.
var (
	PostPolicySignature  = postPolicySignature
	ValidateBucketPolicy = validateBucketPolicy
	CanonicalCORS        = canonicalCORS
	EncodePolicyRecord   = encodePolicyRecord
	DecodePolicyRecord   = decodePolicyRecord
)

func ParsePostPolicy(policy64 string) error {
	_, err := parsePostPolicy(policy64)
	return err
}

// ReadPostForm reads a form up to its file and returns its fields and the
// file's bytes.
func ReadPostForm(body io.Reader, boundary string) (map[string]string, []byte, error) {
	form, err := readPostForm(multipart.NewReader(body, boundary))
	if err != nil {
		return nil, nil, err
	}
	file, err := io.ReadAll(io.LimitReader(form.file, 1<<20))
	return form.fields, file, err
}
