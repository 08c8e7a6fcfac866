package s3api_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/wicket-io/wicket/s3api"
)

// The parsers below read what a client sends, before (POST forms) or
// beside (configuration documents) any other check.

func FuzzPostForm(f *testing.F) {
	const boundary = "xYzZY"
	part := func(name, value string) string {
		return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n"
	}
	file := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--" + boundary + "--\r\n"
	f.Add([]byte(part("key", "k") + part("policy", "e30=") + file))
	f.Add([]byte(part("key", "k") + part("key", "k2") + file))
	f.Add([]byte(file))
	f.Add([]byte(part("key", strings.Repeat("v", 30<<10)) + file))
	f.Add([]byte("--" + boundary + "\r\nContent-Disposition: form-data\r\n\r\nx\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		fields, _, err := s3api.ReadPostForm(bytes.NewReader(body), boundary)
		if err != nil {
			return
		}
		size := 0
		for k, v := range fields {
			if k != strings.ToLower(k) {
				t.Errorf("field name %q is not lower case", k)
			}
			size += len(k) + len(v)
		}
		if size > 20<<10 {
			t.Errorf("%d bytes of fields accepted", size)
		}
	})
}

func FuzzPostPolicy(f *testing.F) {
	for _, doc := range []string{
		`{"expiration":"2100-01-01T00:00:00.000Z","conditions":[{"bucket":"b"},["starts-with","$key","u/"],["content-length-range",1,10]]}`,
		`{"expiration":"2100-01-01T00:00:00Z","conditions":[["eq","$key"]]}`,
		`{"conditions":[]}`,
		`[]`,
	} {
		f.Add(base64.StdEncoding.EncodeToString([]byte(doc)))
	}
	f.Fuzz(func(t *testing.T, policy64 string) {
		_ = s3api.ParsePostPolicy(policy64)
	})
}

func FuzzBucketPolicy(f *testing.F) {
	f.Add([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`))
	f.Add([]byte(`{"Statement":{"Effect":"Deny","Principal":{"AWS":["123456789012"]},"NotAction":"s3:*","NotResource":"arn:aws:s3:::bkt","Condition":{"Bool":{"aws:SecureTransport":"false"}}}}`))
	f.Add([]byte(`{"a":{"b":1,"b":2}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		// An accepted policy can be asked whether it is public.
		if p, err := s3api.ValidateBucketPolicy(doc, "bkt"); err == nil {
			_ = p.Public()
		}
	})
}

// FuzzCORSConfiguration checks that what PutBucketCors stores is itself a
// valid configuration, stored unchanged when put again.
func FuzzCORSConfiguration(f *testing.F) {
	f.Add([]byte(`<CORSConfiguration><CORSRule><ID>a</ID><AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>x-amz-*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>30</MaxAgeSeconds></CORSRule></CORSConfiguration>`))
	f.Add([]byte(`<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule><AllowedOrigin>&lt;*&gt;</AllowedOrigin><AllowedMethod>PUT</AllowedMethod></CORSRule></CORSConfiguration>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		stored, err := s3api.CanonicalCORS(doc)
		if err != nil {
			return
		}
		again, err := s3api.CanonicalCORS(stored)
		if err != nil {
			t.Fatalf("the stored document %s is refused: %v", stored, err)
		}
		if !bytes.Equal(again, stored) {
			t.Fatalf("stored %s, then %s", stored, again)
		}
	})
}
