package s3api_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/wicket-io/wicket/internal/testenv"
	"github.com/wicket-io/wicket/sigv4"
)

var rootCreds = sigv4.Credentials{AccessKeyID: testenv.Root.AccessKeyID, SecretAccessKey: testenv.Root.SecretAccessKey}

// signed builds a header-signed request whose payload hash covers body.
func signed(t *testing.T, method, rawURL string, body []byte, hdr map[string]string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256(body)
	ph := hex.EncodeToString(sum[:])
	if v, ok := hdr["X-Amz-Content-Sha256"]; ok {
		ph = v
	}
	if err := sigv4.NewSigner().Sign(req, rootCreds, sigv4.Params{Region: testenv.Region, Service: "s3", Time: time.Now(), PayloadHash: ph}); err != nil {
		t.Fatal(err)
	}
	return req
}

func errorCode(t *testing.T, resp *http.Response) string {
	t.Helper()
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if c := resp.Header.Get("x-amz-error-code"); c != "" {
		return c
	}
	s := string(body)
	i, j := strings.Index(s, "<Code>"), strings.Index(s, "</Code>")
	if i < 0 || j < i {
		return ""
	}
	return s[i+6 : j]
}

// TestBadInput sends malformed requests; each gets the error S3 gives for
// it, and none a 5xx.
func TestBadInput(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	newBucket(t, c, "bad")
	u := env.URL
	create := signed(t, "POST", u+"/bad/mpu?uploads", nil, nil)
	resp, err := http.DefaultClient.Do(create)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	uploadID := between(string(body), "<UploadId>", "</UploadId>")
	if uploadID == "" {
		t.Fatalf("CreateMultipartUpload: %s", body)
	}
	hugeXML := bytes.Repeat([]byte("<Part><PartNumber>1</PartNumber><ETag>x</ETag></Part>"), 100000)
	cases := []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"bad XML in CompleteMultipartUpload", signed(t, "POST", u+"/bad/mpu?uploadId="+uploadID, []byte("<CompleteMultipartUpload><Part>"), nil), 400, "MalformedXML"},
		{"empty CompleteMultipartUpload", signed(t, "POST", u+"/bad/mpu?uploadId="+uploadID, []byte("<CompleteMultipartUpload></CompleteMultipartUpload>"), nil), 400, "MalformedXML"},
		{"oversized XML body", signed(t, "POST", u+"/bad/mpu?uploadId="+uploadID, append(append([]byte("<CompleteMultipartUpload>"), hugeXML...), "</CompleteMultipartUpload>"...), nil), 400, "MalformedXML"},
		{"bad XML in CreateBucket", signed(t, "PUT", u+"/newbucket", []byte("<CreateBucketConfiguration><Loc"), nil), 400, "MalformedXML"},
		{"foreign location constraint", signed(t, "PUT", u+"/newbucket", []byte("<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>"), nil), 400, "InvalidLocationConstraint"},
		{"invalid bucket name", signed(t, "PUT", u+"/Bad_Name", nil, nil), 400, "InvalidBucketName"},
		{"unsatisfiable range", signed(t, "GET", u+"/bad/obj", nil, map[string]string{"Range": "bytes=999-"}), 416, "InvalidRange"},
		{"unknown object subresource", signed(t, "GET", u+"/bad/obj?torrent", nil, nil), 501, "NotImplemented"},
		{"unknown bucket subresource", signed(t, "GET", u+"/bad?lifecycle", nil, nil), 501, "NotImplemented"},
		{"bad Content-MD5", signed(t, "PUT", u+"/bad/x", []byte("data"), map[string]string{"Content-Md5": "not base64!"}), 400, "InvalidDigest"},
		{"wrong Content-MD5", signed(t, "PUT", u+"/bad/x", []byte("data"), map[string]string{"Content-Md5": "1B2M2Y8AsgTpgAmY7PhCfg=="}), 400, "BadDigest"},
		{"wrong payload hash", signed(t, "PUT", u+"/bad/x", []byte("data"), map[string]string{"X-Amz-Content-Sha256": strings.Repeat("a", 64)}), 400, "XAmzContentSHA256Mismatch"},
		{"invalid payload hash", signed(t, "PUT", u+"/bad/x", []byte("data"), map[string]string{"X-Amz-Content-Sha256": "nonsense"}), 400, "InvalidArgument"},
		{"wrong payload hash, large body", signed(t, "PUT", u+"/bad/x", bytes.Repeat([]byte("d"), 3<<20), map[string]string{"X-Amz-Content-Sha256": strings.Repeat("a", 64)}), 400, "XAmzContentSHA256Mismatch"},
		{"wrong Content-MD5, large body", signed(t, "PUT", u+"/bad/x", bytes.Repeat([]byte("d"), 3<<20), map[string]string{"Content-Md5": "1B2M2Y8AsgTpgAmY7PhCfg=="}), 400, "BadDigest"},
		{"bad checksum header", signed(t, "PUT", u+"/bad/x", []byte("data"), map[string]string{"X-Amz-Checksum-Crc32": "AAAAAA=="}), 400, "BadDigest"},
		{"malformed checksum header", signed(t, "PUT", u+"/bad/x", []byte("data"), map[string]string{"X-Amz-Checksum-Crc32": "zz"}), 400, "InvalidRequest"},
		{"key too long", signed(t, "PUT", u+"/bad/"+strings.Repeat("k", 1025), []byte("data"), nil), 400, "KeyTooLongError"},
		{"metadata too large", signed(t, "PUT", u+"/bad/x", []byte("data"), map[string]string{"X-Amz-Meta-Big": strings.Repeat("m", 2100)}), 400, "MetadataTooLarge"},
		{"part number out of range", signed(t, "PUT", u+"/bad/mpu?partNumber=0&uploadId="+uploadID, []byte("x"), nil), 400, "InvalidArgument"},
		{"unknown upload", signed(t, "PUT", u+"/bad/mpu?partNumber=1&uploadId=nope", []byte("x"), nil), 404, "NoSuchUpload"},
		{"bad max-keys", signed(t, "GET", u+"/bad?list-type=2&max-keys=-1", nil, nil), 400, "InvalidArgument"},
		{"bad encoding-type", signed(t, "GET", u+"/bad?list-type=2&encoding-type=base64", nil, nil), 400, "InvalidArgument"},
		{"bad continuation token", signed(t, "GET", u+"/bad?list-type=2&continuation-token=%25%25", nil, nil), 400, "InvalidArgument"},
		{"bad copy source", signed(t, "PUT", u+"/bad/y", nil, map[string]string{"X-Amz-Copy-Source": "nokey"}), 400, "InvalidArgument"},
		{"bad metadata directive", signed(t, "PUT", u+"/bad/y", nil, map[string]string{"X-Amz-Copy-Source": "bad/obj", "X-Amz-Metadata-Directive": "MOVE"}), 400, "InvalidArgument"},
		{"method not allowed", signed(t, "PATCH", u+"/bad/obj", nil, nil), 405, "MethodNotAllowed"},
		{"too many tags", signed(t, "PUT", u+"/bad/t", []byte("x"), map[string]string{"X-Amz-Tagging": "a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11"}), 400, "BadRequest"},
	}
	put := signed(t, "PUT", u+"/bad/obj", []byte("0123456789"), nil)
	if resp, err := http.DefaultClient.Do(put); err != nil || resp.StatusCode != 200 {
		t.Fatalf("PUT obj: %v %v", resp, err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.DefaultClient.Do(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			code := errorCode(t, resp)
			if resp.StatusCode != tc.status || code != tc.code {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, code, tc.status, tc.code)
			}
		})
	}
	// An unparseable range is ignored, as S3 ignores it: the whole object.
	resp, err = http.DefaultClient.Do(signed(t, "GET", u+"/bad/obj", nil, map[string]string{"Range": "bytes=abc"}))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("unparseable range: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestErrorDetails checks the elements S3 adds to particular errors.
func TestErrorDetails(t *testing.T) {
	env := testenv.New(t)
	newBucket(t, env.S3(), "bad")
	u := env.URL
	unsigned, err := http.NewRequest("GET", u+"/bad/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	unsigned.Header.Set("Authorization", "AWS2-HMAC-SHA1 Credential=AKIDEXAMPLE")
	for _, tc := range []struct {
		name string
		req  *http.Request
		want []string
	}{
		{"wrong payload hash", signed(t, "PUT", u+"/bad/x", []byte("data"), map[string]string{"X-Amz-Content-Sha256": strings.Repeat("a", 64)}),
			[]string{"<ClientComputedContentSHA256>" + strings.Repeat("a", 64) + "</ClientComputedContentSHA256>",
				"<S3ComputedContentSHA256>3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7</S3ComputedContentSHA256>"}},
		{"metadata too large", signed(t, "PUT", u+"/bad/x", []byte("data"), map[string]string{"X-Amz-Meta-Big": strings.Repeat("m", 2100)}),
			[]string{"<Message>Your metadata headers exceed the maximum allowed metadata size</Message>", "<Size>2103</Size>", "<MaxSizeAllowed>2048</MaxSizeAllowed>"}},
		{"unknown signature algorithm", unsigned, []string{"<ArgumentName>Authorization</ArgumentName>"}},
		// S3 reads the counts of a listing as 32-bit integers, with one
		// message for a negative one and another for the rest.
		{"negative max-keys", signed(t, "GET", u+"/bad?list-type=2&max-keys=-5", nil, nil),
			[]string{"<Message>Argument maxKeys must be an integer between 0 and 2147483647</Message>",
				"<ArgumentName>maxKeys</ArgumentName><ArgumentValue>-5</ArgumentValue>"}},
		{"max-keys over 32 bits", signed(t, "GET", u+"/bad?max-keys=2147483648", nil, nil),
			[]string{"<Message>Provided max-keys not an integer or within integer range</Message>",
				"<ArgumentName>max-keys</ArgumentName><ArgumentValue>2147483648</ArgumentValue>"}},
		{"max-keys with a sign", signed(t, "GET", u+"/bad?max-keys=%2B5", nil, nil),
			[]string{"<Message>Provided max-keys not an integer or within integer range</Message>"}},
		{"negative max-uploads", signed(t, "GET", u+"/bad?uploads&max-uploads=-0", nil, nil),
			[]string{"<Message>Argument max-uploads must be an integer between 0 and 2147483647</Message>"}},
		{"max-uploads a word", signed(t, "GET", u+"/bad?uploads&max-uploads=ten", nil, nil),
			[]string{"<Message>Provided max-uploads not an integer or within integer range</Message>"}},
		// S3 shows the Content-MD5 it could not read, and of one that does
		// not match the digest sent in hex and the one computed in base64.
		{"empty Content-MD5", signed(t, "PUT", u+"/bad/x", []byte("data"), map[string]string{"Content-Md5": ""}),
			[]string{"<Code>InvalidDigest</Code>"}},
		{"malformed Content-MD5", signed(t, "PUT", u+"/bad/x", []byte("data"), map[string]string{"Content-Md5": "nope"}),
			[]string{"<Code>InvalidDigest</Code>", "<Content-MD5>nope</Content-MD5>"}},
		// An expired presigned URL: S3 tells its X-Amz-Expires and when it
		// expired.
		{"expired presigned URL", expiredPresigned(t, u+"/bad/x"),
			[]string{"<Message>Request has expired</Message>", "<X-Amz-Expires>60</X-Amz-Expires>", "<Expires>"}},
		// S3 names what is missing: the key, or the bucket; for a copy,
		// the source's.
		{"missing key", signed(t, "GET", u+"/bad/no%20such", nil, nil),
			[]string{"<Code>NoSuchKey</Code>", "<Key>no such</Key>"}},
		{"missing bucket", signed(t, "GET", u+"/nobucket/k", nil, nil),
			[]string{"<Code>NoSuchBucket</Code>", "<BucketName>nobucket</BucketName>"}},
		{"missing copy source", signed(t, "PUT", u+"/bad/dst", nil, map[string]string{"X-Amz-Copy-Source": "/bad/gone"}),
			[]string{"<Code>NoSuchKey</Code>", "<Key>gone</Key>"}},
		{"missing copy source bucket", signed(t, "PUT", u+"/bad/dst", nil, map[string]string{"X-Amz-Copy-Source": "/gonebucket/k"}),
			[]string{"<Code>NoSuchBucket</Code>", "<BucketName>gonebucket</BucketName>"}},
		{"wrong Content-MD5", signed(t, "PUT", u+"/bad/x", []byte("data"), map[string]string{"Content-Md5": "XrY7u+Ae7tCTyyK7j1rNww=="}),
			[]string{"<Code>BadDigest</Code>", "<ExpectedDigest>5eb63bbbe01eeed093cb22bb8f5acdc3</ExpectedDigest>",
				"<CalculatedDigest>jXd/OF09/siBXSD3SWAm3A==</CalculatedDigest>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.DefaultClient.Do(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, w := range tc.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("body lacks %s: %s", w, body)
				}
			}
		})
	}
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	j := strings.Index(s, b)
	if j < 0 {
		return ""
	}
	return s[:j]
}

// A body shorter than its Content-Length is IncompleteBody, and nothing is
// stored.
func TestTruncatedBody(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	newBucket(t, c, "trunc")
	full := bytes.Repeat([]byte("x"), 1000)
	req := signed(t, "PUT", env.URL+"/trunc/k", full, map[string]string{"X-Amz-Content-Sha256": sigv4.UnsignedPayload})
	pu, _ := url.Parse(env.URL)
	conn, err := net.Dial("tcp", pu.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var head bytes.Buffer
	fmt.Fprintf(&head, "PUT /trunc/k HTTP/1.1\r\nHost: %s\r\nContent-Length: 1000\r\n", req.Host)
	for k, v := range req.Header {
		fmt.Fprintf(&head, "%s: %s\r\n", k, v[0])
	}
	head.WriteString("\r\n")
	conn.Write(head.Bytes())
	conn.Write(full[:400])
	conn.(*net.TCPConn).CloseWrite()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no response to a truncated body: %v", err)
	}
	if code := errorCode(t, resp); resp.StatusCode != 400 || code != "IncompleteBody" {
		t.Fatalf("truncated body: %d %s", resp.StatusCode, code)
	}
	resp2, err := http.DefaultClient.Do(signed(t, "HEAD", env.URL+"/trunc/k", nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != 404 {
		t.Fatalf("a truncated PUT left an object behind: HEAD = %d", resp2.StatusCode)
	}
}

// Headers beyond the server's bound are refused before any handler runs.
func TestHugeHeaders(t *testing.T) {
	env := testenv.New(t)
	req, _ := http.NewRequest("GET", env.URL+"/x/y", nil)
	req.Header.Set("X-Junk", strings.Repeat("j", 2<<20))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return // the server may cut the connection instead; both are refusals
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("huge headers: %d", resp.StatusCode)
	}
}

// A key with characters XML 1.0 does not allow comes back in listings and
// DeleteObjects results as character references, as S3 writes them, not
// turned into U+FFFD (another key); encoding-type=url encodes it.
func TestControlCharactersInKeys(t *testing.T) {
	env := testenv.New(t)
	newBucket(t, env.S3(), "ctl")
	const key = "ctl/\x01a<b>&\"\x1f\uFFFEé"
	if _, err := env.S3().PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("ctl"), Key: aws.String(key), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	get := func(query string) string {
		t.Helper()
		resp, err := http.DefaultClient.Do(signed(t, "GET", env.URL+"/ctl?"+query, nil, nil))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(b)
	}
	const escaped = "<Key>ctl/&#x1;a&lt;b&gt;&amp;&#34;&#x1F;&#xFFFE;é</Key>"
	for _, q := range []string{"list-type=2", "", "versions"} {
		if body := get(q); !strings.Contains(body, escaped) {
			t.Errorf("listing ?%s: %s", q, body)
		}
	}
	if body := get("list-type=2&delimiter=a"); !strings.Contains(body, "<CommonPrefixes><Prefix>ctl/&#x1;a</Prefix></CommonPrefixes>") {
		t.Errorf("common prefix: %s", body)
	}
	if body := get("list-type=2&encoding-type=url"); !strings.Contains(body, "<Key>ctl/%01a%3Cb%3E%26%22%1F%EF%BF%BE%C3%A9</Key>") {
		t.Errorf("url-encoded listing: %s", body)
	}
	del := []byte("<Delete><Object><Key>ctl/&#x1;a&lt;b&gt;&amp;&#34;&#x1F;&#xFFFE;é</Key></Object></Delete>")
	resp, err := http.DefaultClient.Do(signed(t, "POST", env.URL+"/ctl?delete", del, map[string]string{"Content-Md5": md5Base64(del)}))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "<Deleted>"+escaped+"</Deleted>") {
		t.Fatalf("DeleteObjects: %s", b)
	}
	if body := get("list-type=2"); strings.Contains(body, "<Contents>") {
		t.Fatalf("the key is still there: %s", body)
	}
	// Sent raw, as boto3 sends it; and a key of plane 16's private use
	// area beside it is read as it is.
	const plane16 = "p16/􏼁"
	for _, k := range []string{key, plane16} {
		if _, err := env.S3().PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("ctl"), Key: aws.String(k), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"ctl/\x01a&lt;b&gt;&amp;\"\x1f\uFFFEé", plane16} {
		del := []byte("<Delete><Object><Key>" + k + "</Key></Object></Delete>")
		resp, err := http.DefaultClient.Do(signed(t, "POST", env.URL+"/ctl?delete", del, map[string]string{"Content-Md5": md5Base64(del)}))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), "<Deleted>") {
			t.Fatalf("DeleteObjects of %q: %s", k, b)
		}
	}
	if body := get("list-type=2"); strings.Contains(body, "<Contents>") {
		t.Fatalf("keys left: %s", body)
	}
}

// S3 reads a literal '+' in a path as a space (the SDKs send a key's '+'
// as %2B): "/bkt/a+b" is the key "a b", signed as "/bkt/a%20b".
func TestPlusInPathIsSpace(t *testing.T) {
	env := testenv.New(t)
	newBucket(t, env.S3(), "bkt")
	for k, body := range map[string]string{"a b": "space", "a+b": "plus"} {
		if _, err := env.S3().PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(k), Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	u, err := url.Parse(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	for wire, want := range map[string]string{"/bkt/a+b": "space", "/bkt/a%2Bb": "plus", "/bkt/a%20b": "space"} {
		req, err := http.NewRequest("GET", env.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Opaque = "//" + u.Host + wire // sent as written
		if err := sigv4.NewSigner().Sign(req, rootCreds, sigv4.Params{Region: testenv.Region, Service: "s3", Time: time.Now()}); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != want {
			t.Errorf("GET %s: %d %s, want %s", wire, resp.StatusCode, b, want)
		}
	}
}

// The lenient reading of DeleteObjects stays within S3's grammar: a
// reference longer than any character's is not one, text in CDATA stays
// literal, and a listing echoing a prefix that is not UTF-8 is still
// well-formed XML.
func TestLenientXMLBounds(t *testing.T) {
	env := testenv.New(t)
	newBucket(t, env.S3(), "bkt")
	for _, k := range []string{"cdata/&#x1;", "x"} {
		if _, err := env.S3().PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(k), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
	}
	post := func(doc string) string {
		t.Helper()
		body := []byte(doc)
		resp, err := http.DefaultClient.Do(signed(t, "POST", env.URL+"/bkt?delete", body, map[string]string{"Content-Md5": md5Base64(body)}))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(b)
	}
	if got := post("<Delete><Object><Key>a&#x0000000001;</Key></Object></Delete>"); !strings.Contains(got, "<Code>MalformedXML</Code>") {
		t.Errorf("an over-long reference: %s", got)
	}
	if got := post("<Delete><Object><Key><![CDATA[cdata/&#x1;]]></Key></Object></Delete>"); !strings.Contains(got, "<Deleted><Key>cdata/&amp;#x1;</Key></Deleted>") {
		t.Errorf("a CDATA key: %s", got)
	}
	resp, err := http.DefaultClient.Do(signed(t, "GET", env.URL+"/bkt?list-type=2&prefix=%FF", nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var doc struct{ Prefix string }
	if err := xml.Unmarshal(b, &doc); err != nil || doc.Prefix != "\uFFFD" {
		t.Errorf("listing with a non-UTF-8 prefix: %q, %v: %s", doc.Prefix, err, b)
	}
}

// expiredPresigned is a root-presigned GET of rawURL that expired an hour ago.
func expiredPresigned(t *testing.T, rawURL string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := sigv4.NewSigner().Presign(req, rootCreds, sigv4.Params{Region: testenv.Region, Service: "s3",
		Time: time.Now().Add(-time.Hour), Expires: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if req, err = http.NewRequest("GET", u, nil); err != nil {
		t.Fatal(err)
	}
	return req
}

// If-Range (RFC 9110): the range is served only while the validator is
// the object's; otherwise the whole object, so that a browser completing
// a partial copy of a replaced object does not splice old and new bytes.
// A response-* override S3 cannot put in a header is refused.
func TestIfRangeAndOverrides(t *testing.T) {
	env := testenv.New(t)
	newBucket(t, env.S3(), "bkt")
	put, err := env.S3().PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("0123456789")})
	if err != nil {
		t.Fatal(err)
	}
	head, err := env.S3().HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	lastMod := head.LastModified.UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		ifRange string
		status  int
		body    string
	}{
		{"", 206, "234"},
		{aws.ToString(put.ETag), 206, "234"},
		{lastMod, 206, "234"},
		{`"0123"`, 200, "0123456789"},
		{"W/" + aws.ToString(put.ETag), 200, "0123456789"},
		{head.LastModified.Add(-time.Hour).UTC().Format(http.TimeFormat), 200, "0123456789"},
		{"not a date", 200, "0123456789"},
	} {
		hdr := map[string]string{"Range": "bytes=2-4"}
		if tc.ifRange != "" {
			hdr["If-Range"] = tc.ifRange
		}
		resp, err := http.DefaultClient.Do(signed(t, "GET", env.URL+"/bkt/k", nil, hdr))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || string(b) != tc.body {
			t.Errorf("If-Range %q: %d %q, want %d %q", tc.ifRange, resp.StatusCode, b, tc.status, tc.body)
		}
	}
	q := url.Values{"response-content-disposition": {`attachment; filename="日本.txt"`}}
	resp, err := http.DefaultClient.Do(signed(t, "GET", env.URL+"/bkt/k?"+q.Encode(), nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "<Message>Header value cannot be represented using ISO-8859-1.</Message>") ||
		!strings.Contains(string(b), "<ArgumentName>response-content-disposition</ArgumentName>") {
		t.Errorf("a disposition outside ISO-8859-1: %d %s", resp.StatusCode, b)
	}
	q = url.Values{"response-content-disposition": {`attachment; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt`}}
	resp, err = http.DefaultClient.Do(signed(t, "GET", env.URL+"/bkt/k?"+q.Encode(), nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Disposition") != q.Get("response-content-disposition") {
		t.Errorf("RFC 5987 disposition: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
}
