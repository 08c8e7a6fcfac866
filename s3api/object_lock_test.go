package s3api_test

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/authn"
	"github.com/wicket-io/wicket/internal/testenv"
	"github.com/wicket-io/wicket/s3api"
	"github.com/wicket-io/wicket/storage/memory"
)

const lockedMsg = "Access Denied because object protected by object lock."

func createLockBucket(t *testing.T, c *s3.Client, name string) {
	t.Helper()
	if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(name), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatalf("CreateBucket %s with Object Lock: %v", name, err)
	}
}

// putBody puts an object with a CRC32 checksum, which S3 requires of a PUT
// that locks its object (and the SDK does not send over plain HTTP).
func putBody(c *s3.Client, ctx context.Context, in *s3.PutObjectInput, body string) error {
	in.Body = strings.NewReader(body)
	if in.ChecksumAlgorithm == "" {
		in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32
	}
	_, err := c.PutObject(ctx, in)
	return err
}

// wantLocked checks that err is the refusal of a write or delete of a
// locked object.
func wantLocked(t *testing.T, what string, err error) {
	t.Helper()
	if apiCode(err) != "AccessDenied" || apiMessage(err) != lockedMsg {
		t.Errorf("%s: %v, want AccessDenied %q", what, err, lockedMsg)
	}
}

func TestObjectLockConfiguration(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("plain")}); err != nil {
		t.Fatal(err)
	}
	// A bucket without Object Lock has no configuration, cannot be given
	// one (S3 wants versioning first), and refuses every lock.
	_, err := c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String("plain")})
	if apiCode(err) != "ObjectLockConfigurationNotFoundError" {
		t.Errorf("GetObjectLockConfiguration of a plain bucket: %v", err)
	}
	_, err = c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String("plain"),
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled}})
	if apiCode(err) != "InvalidBucketState" {
		t.Errorf("PutObjectLockConfiguration of a plain bucket: %v, want InvalidBucketState", err)
	}
	if err := putBody(c, ctx, &s3.PutObjectInput{Bucket: aws.String("plain"), Key: aws.String("k")}, "x"); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"PutObjectRetention": func() error {
			_, err := c.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: aws.String("plain"), Key: aws.String("k"),
				Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: aws.Time(time.Now().Add(time.Hour))}})
			return err
		},
		"GetObjectRetention": func() error {
			_, err := c.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: aws.String("plain"), Key: aws.String("k")})
			return err
		},
		"PutObjectLegalHold": func() error {
			_, err := c.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: aws.String("plain"), Key: aws.String("k"),
				LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOn}})
			return err
		},
		"GetObjectLegalHold": func() error {
			_, err := c.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{Bucket: aws.String("plain"), Key: aws.String("k")})
			return err
		},
	} {
		if err := call(); apiCode(err) != "InvalidRequest" || apiMessage(err) != "Bucket is missing Object Lock Configuration" {
			t.Errorf("%s on a plain bucket: %v", name, err)
		}
	}
	err = putBody(c, ctx, &s3.PutObjectInput{Bucket: aws.String("plain"), Key: aws.String("k"), ObjectLockLegalHoldStatus: types.ObjectLockLegalHoldStatusOn}, "x")
	if apiCode(err) != "InvalidRequest" || apiMessage(err) != "Bucket is missing ObjectLockConfiguration" {
		t.Errorf("PutObject with a legal hold on a plain bucket: %v", err)
	}

	createLockBucket(t, c, "vault")
	got, err := c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String("vault")})
	if err != nil || got.ObjectLockConfiguration.ObjectLockEnabled != types.ObjectLockEnabledEnabled || got.ObjectLockConfiguration.Rule != nil {
		t.Fatalf("GetObjectLockConfiguration of a new lock bucket = %+v, %v", got, err)
	}
	// A default retention round-trips, and is given to new objects that
	// name none.
	_, err = c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String("vault"),
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled,
			Rule: &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeCompliance, Days: aws.Int32(2)}}}})
	if err != nil {
		t.Fatalf("PutObjectLockConfiguration: %v", err)
	}
	got, err = c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String("vault")})
	if err != nil || got.ObjectLockConfiguration.Rule == nil || got.ObjectLockConfiguration.Rule.DefaultRetention.Mode != types.ObjectLockRetentionModeCompliance ||
		aws.ToInt32(got.ObjectLockConfiguration.Rule.DefaultRetention.Days) != 2 || got.ObjectLockConfiguration.Rule.DefaultRetention.Years != nil {
		t.Fatalf("GetObjectLockConfiguration = %+v, %v", got.ObjectLockConfiguration.Rule, err)
	}
	before := time.Now()
	if err := putBody(c, ctx, &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String("d")}, "default"); err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("vault"), Key: aws.String("d")})
	if err != nil {
		t.Fatal(err)
	}
	want := before.AddDate(0, 0, 2)
	if head.ObjectLockMode != types.ObjectLockModeCompliance || head.ObjectLockRetainUntilDate == nil ||
		head.ObjectLockRetainUntilDate.Sub(want).Abs() > time.Minute || head.ObjectLockLegalHoldStatus != "" {
		t.Errorf("HeadObject of an object under the default retention: mode %q until %v hold %q", head.ObjectLockMode, head.ObjectLockRetainUntilDate, head.ObjectLockLegalHoldStatus)
	}
	// An object's own retention wins over the default.
	own := time.Now().Add(time.Hour).Truncate(time.Second)
	if err := putBody(c, ctx, &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String("own"),
		ObjectLockMode: types.ObjectLockModeGovernance, ObjectLockRetainUntilDate: aws.Time(own)}, "own"); err != nil {
		t.Fatal(err)
	}
	r, err := c.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: aws.String("vault"), Key: aws.String("own")})
	if err != nil || r.Retention.Mode != types.ObjectLockRetentionModeGovernance || !r.Retention.RetainUntilDate.Equal(own) {
		t.Errorf("GetObjectRetention = %+v, %v; want GOVERNANCE until %v", r.Retention, err, own)
	}
	_, err = c.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{Bucket: aws.String("vault"), Key: aws.String("own")})
	if apiCode(err) != "NoSuchObjectLockConfiguration" {
		t.Errorf("GetObjectLegalHold of an object never held: %v", err)
	}
	// A configuration without a rule removes the default.
	if _, err := c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String("vault"),
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled}}); err != nil {
		t.Fatal(err)
	}
	if err := putBody(c, ctx, &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String("free")}, "x"); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: aws.String("vault"), Key: aws.String("free")})
	if apiCode(err) != "NoSuchObjectLockConfiguration" {
		t.Errorf("GetObjectRetention of an object without one: %v", err)
	}
}

// TestObjectLockBadInput sends what the SDK would not: each malformed
// configuration, retention, legal hold and header gets S3's code.
func TestObjectLockBadInput(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	createLockBucket(t, c, "vault")
	if err := putBody(c, ctx, &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String("k")}, "x"); err != nil {
		t.Fatal(err)
	}
	withMD5 := func(body string) map[string]string {
		sum := md5.Sum([]byte(body))
		return map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(sum[:])}
	}
	cfg := func(inner string) string {
		return `<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + inner + `</ObjectLockConfiguration>`
	}
	rule := func(dr string) string {
		return cfg(`<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention>` + dr + `</DefaultRetention></Rule>`)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	for _, tc := range []struct {
		name, method, target, body string
		hdr                        map[string]string
		code                       string
	}{
		{"config not XML", "PUT", "vault?object-lock", "<nope", nil, "MalformedXML"},
		{"config not enabled", "PUT", "vault?object-lock", cfg(`<ObjectLockEnabled>Disabled</ObjectLockEnabled>`), nil, "MalformedXML"},
		{"config without ObjectLockEnabled", "PUT", "vault?object-lock", cfg(``), nil, "MalformedXML"},
		{"rule without mode", "PUT", "vault?object-lock", rule(`<Days>1</Days>`), nil, "MalformedXML"},
		{"rule with a bad mode", "PUT", "vault?object-lock", rule(`<Mode>FOREVER</Mode><Days>1</Days>`), nil, "MalformedXML"},
		{"rule with days and years", "PUT", "vault?object-lock", rule(`<Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years>`), nil, "MalformedXML"},
		{"rule without a period", "PUT", "vault?object-lock", rule(`<Mode>GOVERNANCE</Mode>`), nil, "MalformedXML"},
		{"rule with zero days", "PUT", "vault?object-lock", rule(`<Mode>GOVERNANCE</Mode><Days>0</Days>`), nil, "InvalidArgument"},
		{"rule with negative years", "PUT", "vault?object-lock", rule(`<Mode>COMPLIANCE</Mode><Years>-1</Years>`), nil, "InvalidArgument"},
		{"rule of too many years", "PUT", "vault?object-lock", rule(`<Mode>COMPLIANCE</Mode><Years>101</Years>`), nil, "InvalidArgument"},
		{"config without Content-MD5", "PUT", "vault?object-lock", cfg(`<ObjectLockEnabled>Enabled</ObjectLockEnabled>`), map[string]string{}, "InvalidRequest"},
		{"retention with a bad mode", "PUT", "vault/k?retention", `<Retention><Mode>FOREVER</Mode><RetainUntilDate>` + future + `</RetainUntilDate></Retention>`, nil, "MalformedXML"},
		{"retention with a bad date", "PUT", "vault/k?retention", `<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>tomorrow</RetainUntilDate></Retention>`, nil, "MalformedXML"},
		{"retention without a date", "PUT", "vault/k?retention", `<Retention><Mode>GOVERNANCE</Mode></Retention>`, nil, "MalformedXML"},
		{"retention in the past", "PUT", "vault/k?retention", `<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>` + past + `</RetainUntilDate></Retention>`, nil, "InvalidArgument"},
		{"retention of a missing key", "PUT", "vault/nope?retention", `<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>` + future + `</RetainUntilDate></Retention>`, nil, "NoSuchKey"},
		{"legal hold with a bad status", "PUT", "vault/k?legal-hold", `<LegalHold><Status>MAYBE</Status></LegalHold>`, nil, "MalformedXML"},
		{"legal hold not XML", "PUT", "vault/k?legal-hold", `<LegalHold>`, nil, "MalformedXML"},
		{"legal hold of another version", "PUT", "vault/k?legal-hold&versionId=abc", `<LegalHold><Status>ON</Status></LegalHold>`, nil, "NoSuchVersion"},
		{"PUT with a bad mode", "PUT", "vault/new", "x", map[string]string{"X-Amz-Object-Lock-Mode": "FOREVER", "X-Amz-Object-Lock-Retain-Until-Date": future}, "InvalidArgument"},
		{"PUT with a bad date", "PUT", "vault/new", "x", map[string]string{"X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date": "soon"}, "InvalidArgument"},
		{"PUT with a past date", "PUT", "vault/new", "x", map[string]string{"X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date": past}, "InvalidArgument"},
		{"PUT with a mode alone", "PUT", "vault/new", "x", map[string]string{"X-Amz-Object-Lock-Mode": "GOVERNANCE"}, "InvalidArgument"},
		{"PUT with a bad legal hold", "PUT", "vault/new", "x", map[string]string{"X-Amz-Object-Lock-Legal-Hold": "on"}, "InvalidArgument"},
		{"PUT with a lock and no digest", "PUT", "vault/new", "x", map[string]string{"X-Amz-Object-Lock-Legal-Hold": "ON"}, "InvalidRequest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := tc.hdr
			if hdr == nil {
				hdr = withMD5(tc.body)
			}
			req := signed(t, tc.method, env.URL+"/"+tc.target, []byte(tc.body), hdr)
			resp, err := env.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if got := errorCode(t, resp); got != tc.code {
				t.Errorf("%s: %d %s, want %s", tc.name, resp.StatusCode, got, tc.code)
			}
		})
	}
	// None of that changed the object.
	_, err := c.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: aws.String("vault"), Key: aws.String("k")})
	if apiCode(err) != "NoSuchObjectLockConfiguration" {
		t.Errorf("GetObjectRetention after bad requests: %v", err)
	}
}

// TestObjectLockRefusals: every write that would replace, and every delete
// that would remove, a locked object is refused, and the object stays.
func TestObjectLockRefusals(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	createLockBucket(t, c, "vault")
	until := aws.Time(time.Now().Add(time.Hour))
	locks := map[string]*s3.PutObjectInput{
		"compliance": {ObjectLockMode: types.ObjectLockModeCompliance, ObjectLockRetainUntilDate: until},
		"governance": {ObjectLockMode: types.ObjectLockModeGovernance, ObjectLockRetainUntilDate: until},
		"hold":       {ObjectLockLegalHoldStatus: types.ObjectLockLegalHoldStatusOn},
	}
	for key, in := range locks {
		in.Bucket, in.Key = aws.String("vault"), aws.String(key)
		if err := putBody(c, ctx, in, "locked "+key); err != nil {
			t.Fatalf("PutObject %s: %v", key, err)
		}
	}
	if err := putBody(c, ctx, &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String("src")}, "source"); err != nil {
		t.Fatal(err)
	}
	for key := range locks {
		err := putBody(c, ctx, &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String(key)}, "overwrite")
		wantLocked(t, "PutObject over "+key, err)
		_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("vault"), Key: aws.String(key), CopySource: aws.String("vault/src")})
		wantLocked(t, "CopyObject onto "+key, err)
		_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vault"), Key: aws.String(key)})
		wantLocked(t, "DeleteObject of "+key, err)

		up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("vault"), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("vault"), Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("vault"), Key: aws.String(key), UploadId: up.UploadId,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}})
		wantLocked(t, "CompleteMultipartUpload onto "+key, err)
		if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("vault"), Key: aws.String(key), UploadId: up.UploadId}); err != nil {
			t.Errorf("the refused upload is still there to abort: %v", err)
		}
		if body, err := getBody(c, "vault", key); err != nil || body != "locked "+key {
			t.Errorf("%s after the refusals = %q, %v", key, body, err)
		}
	}
	// DeleteObjects refuses the locked keys one by one and deletes the rest.
	out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("vault"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("compliance")}, {Key: aws.String("src")}, {Key: aws.String("hold")}, {Key: aws.String("governance")}}}})
	if err != nil {
		t.Fatal(err)
	}
	refused := map[string]bool{}
	for _, e := range out.Errors {
		if aws.ToString(e.Code) != "AccessDenied" || aws.ToString(e.Message) != lockedMsg {
			t.Errorf("DeleteObjects error %s: %s %s", aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message))
		}
		refused[aws.ToString(e.Key)] = true
	}
	if len(out.Deleted) != 1 || aws.ToString(out.Deleted[0].Key) != "src" || len(refused) != 3 {
		t.Errorf("DeleteObjects deleted %d (%v), refused %v", len(out.Deleted), out.Deleted, refused)
	}
	// Root may bypass GOVERNANCE, never COMPLIANCE or a legal hold.
	for key, ok := range map[string]bool{"governance": true, "compliance": false, "hold": false} {
		_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vault"), Key: aws.String(key), BypassGovernanceRetention: aws.Bool(true)})
		if ok && err != nil {
			t.Errorf("DeleteObject of %s with the bypass: %v", key, err)
		}
		if !ok {
			wantLocked(t, "DeleteObject of "+key+" with the bypass", err)
		}
	}
	// A legal hold lifted, the object goes.
	if _, err := c.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: aws.String("vault"), Key: aws.String("hold"),
		LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOff}}); err != nil {
		t.Fatal(err)
	}
	lh, err := c.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{Bucket: aws.String("vault"), Key: aws.String("hold")})
	if err != nil || lh.LegalHold.Status != types.ObjectLockLegalHoldStatusOff {
		t.Errorf("GetObjectLegalHold after OFF = %+v, %v", lh, err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vault"), Key: aws.String("hold")}); err != nil {
		t.Errorf("DeleteObject after the legal hold is lifted: %v", err)
	}
	// COMPLIANCE can be extended, never shortened, removed or made GOVERNANCE.
	later := aws.Time(until.Add(time.Hour))
	for _, tc := range []struct {
		name string
		r    *types.ObjectLockRetention
		ok   bool
	}{
		{"shortened", &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeCompliance, RetainUntilDate: aws.Time(time.Now().Add(time.Minute))}, false},
		{"made GOVERNANCE", &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: later}, false},
		{"removed", &types.ObjectLockRetention{}, false},
		{"extended", &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeCompliance, RetainUntilDate: later}, true},
	} {
		_, err := c.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: aws.String("vault"), Key: aws.String("compliance"),
			Retention: tc.r, BypassGovernanceRetention: aws.Bool(true)})
		if tc.ok && err != nil {
			t.Errorf("COMPLIANCE %s: %v", tc.name, err)
		}
		if !tc.ok {
			wantLocked(t, "COMPLIANCE "+tc.name, err)
		}
	}
	r, err := c.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: aws.String("vault"), Key: aws.String("compliance")})
	if err != nil || r.Retention.RetainUntilDate.Sub(*later).Abs() > time.Millisecond {
		t.Errorf("GetObjectRetention after extending = %+v, %v", r, err)
	}
}

// TestObjectLockBypassPermission: x-amz-bypass-governance-retention takes
// s3:BypassGovernanceRetention; without it a GOVERNANCE lock holds.
func TestObjectLockBypassPermission(t *testing.T) {
	env := testenv.New(t)
	c := env.S3()
	ctx := t.Context()
	createLockBucket(t, c, "vault")
	user := func(name string, actions ...string) *s3.Client {
		doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["%s"],"Resource":["arn:aws:s3:::vault","arn:aws:s3:::vault/*"]}]}`,
			strings.Join(actions, `","`))
		return env.S3With(iamUser(t, env, name, doc))
	}
	base := []string{"s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:PutObjectRetention"}
	plain := user("plain", base...)
	admin := user("admin", append(base, "s3:BypassGovernanceRetention", "s3:GetObjectRetention")...)
	until := time.Now().Add(time.Hour)
	for _, k := range []string{"a", "b", "c"} {
		if err := putBody(c, ctx, &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String(k),
			ObjectLockMode: types.ObjectLockModeGovernance, ObjectLockRetainUntilDate: aws.Time(until)}, k); err != nil {
			t.Fatal(err)
		}
	}
	bypass := aws.Bool(true)
	_, err := plain.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vault"), Key: aws.String("a"), BypassGovernanceRetention: bypass})
	// Asking to bypass without the permission is refused for the
	// permission, not the lock (the message S3 gives within the account).
	noBypass := func(key string) string {
		return `User: arn:aws:iam::000000000000:user/plain is not authorized to perform: s3:BypassGovernanceRetention on resource: "arn:aws:s3:::vault/` +
			key + `" because no identity-based policy allows the s3:BypassGovernanceRetention action`
	}
	if apiCode(err) != "AccessDenied" || apiMessage(err) != noBypass("a") {
		t.Errorf("DeleteObject with the bypass header and no permission: %v", err)
	}
	_, err = plain.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: aws.String("vault"), Key: aws.String("a"), BypassGovernanceRetention: bypass,
		Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: aws.Time(time.Now().Add(time.Minute))}})
	if apiCode(err) != "AccessDenied" || apiMessage(err) != noBypass("a") {
		t.Errorf("shortening GOVERNANCE without the permission: %v", err)
	}
	_, err = plain.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: aws.String("vault"), Key: aws.String("a"),
		Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: aws.Time(time.Now().Add(time.Minute))}})
	wantLocked(t, "shortening GOVERNANCE without the header", err)
	_, err = plain.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: aws.String("vault"), Key: aws.String("a"),
		Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: aws.Time(until.Add(time.Hour))}})
	if err != nil {
		t.Errorf("extending GOVERNANCE needs no bypass: %v", err)
	}
	// The header without the permission is no bypass; HEAD shows no
	// retention to a caller without s3:GetObjectRetention.
	head, err := plain.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("vault"), Key: aws.String("a")})
	if err != nil || head.ObjectLockMode != "" {
		t.Errorf("HeadObject without s3:GetObjectRetention: mode %q, %v", head.ObjectLockMode, err)
	}
	head, err = admin.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("vault"), Key: aws.String("a")})
	if err != nil || head.ObjectLockMode != types.ObjectLockModeGovernance {
		t.Errorf("HeadObject with s3:GetObjectRetention: mode %q, %v", head.ObjectLockMode, err)
	}

	_, err = admin.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vault"), Key: aws.String("a")})
	wantLocked(t, "DeleteObject with the permission but no header", err)
	if _, err := admin.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vault"), Key: aws.String("a"), BypassGovernanceRetention: bypass}); err != nil {
		t.Errorf("DeleteObject bypassing with the permission: %v", err)
	}
	if err := putBody(admin, ctx, &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String("b")}, "new"); apiCode(err) != "AccessDenied" {
		t.Errorf("PutObject over GOVERNANCE without the header: %v", err)
	}
	// The bypass lets an overwrite through too (Wicket has no versions to
	// put it on top of).
	in := &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String("b"), Body: strings.NewReader("bypassed")}
	if _, err := admin.PutObject(ctx, in, func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, withHeader("X-Amz-Bypass-Governance-Retention", "true"))
	}); err != nil {
		t.Errorf("PutObject over GOVERNANCE, bypassing: %v", err)
	}
	if _, err := admin.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: aws.String("vault"), Key: aws.String("c"), BypassGovernanceRetention: bypass,
		Retention: &types.ObjectLockRetention{}}); err != nil {
		t.Errorf("removing GOVERNANCE with the permission: %v", err)
	}
	if _, err := plain.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vault"), Key: aws.String("c")}); err != nil {
		t.Errorf("DeleteObject after the retention is removed: %v", err)
	}
	// DeleteObjects: the bypass is per request, the permission per key.
	if err := putBody(c, ctx, &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String("d"),
		ObjectLockMode: types.ObjectLockModeGovernance, ObjectLockRetainUntilDate: aws.Time(until)}, "d"); err != nil {
		t.Fatal(err)
	}
	out, err := plain.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("vault"), BypassGovernanceRetention: bypass,
		Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("d")}}}})
	if err != nil || len(out.Errors) != 1 || aws.ToString(out.Errors[0].Message) != noBypass("d") {
		t.Errorf("DeleteObjects bypassing without the permission = %+v, %v", out, err)
	}
	out, err = admin.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("vault"), BypassGovernanceRetention: bypass,
		Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("d")}}}})
	if err != nil || len(out.Errors) != 0 || len(out.Deleted) != 1 {
		t.Errorf("DeleteObjects bypassing with the permission = %+v, %v", out, err)
	}
}

// offsetClock is the machine's time moved on by a settable offset.
type offsetClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *offsetClock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// TestObjectLockExpiry: once a retention's date passes, by the handler's
// clock, the object can be replaced and deleted.
func TestObjectLockExpiry(t *testing.T) {
	ctx := t.Context()
	clock := &offsetClock{}
	root := wicket.RootCredentials{AccessKeyID: "AKIAROOTLOCKTEST0001", SecretAccessKey: "root-lock-test-secret-00000000000000000"}
	h := s3api.New(s3api.Options{Meta: memory.New(), Blobs: memory.NewBlobStore(), Region: "us-east-1", Clock: clock,
		Auth: authn.New(authn.Options{Root: root, Region: "us-east-1", Service: "s3"})})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := s3.NewFromConfig(aws.Config{Region: "us-east-1", HTTPClient: srv.Client(), BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.StaticCredentialsProvider{Value: aws.Credentials{AccessKeyID: root.AccessKeyID, SecretAccessKey: root.SecretAccessKey}},
	}, func(o *s3.Options) { o.UsePathStyle = true })
	createLockBucket(t, c, "vault")
	if _, err := c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String("vault"),
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled,
			Rule: &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeCompliance, Years: aws.Int32(1)}}}}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b"} {
		if err := putBody(c, ctx, &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String(k)}, k); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vault"), Key: aws.String("a")})
	wantLocked(t, "DeleteObject within the default retention", err)
	clock.advance(366 * 24 * time.Hour)
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vault"), Key: aws.String("a")}); err != nil {
		t.Errorf("DeleteObject after the retention expired: %v", err)
	}
	if err := putBody(c, ctx, &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String("b")}, "again"); err != nil {
		t.Errorf("PutObject over an expired retention: %v", err)
	}
	// The new object has a retention of its own, counted from now.
	r, err := c.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: aws.String("vault"), Key: aws.String("b")})
	if err != nil || r.Retention.RetainUntilDate.Sub(clock.Now().AddDate(1, 0, 0)).Abs() > time.Minute {
		t.Errorf("retention of the new object = %+v, %v", r, err)
	}
}

// withHeader adds a header to every request of a client call, before it
// is signed.
func withHeader(name, value string) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Build.Add(middleware.BuildMiddlewareFunc("addHeader", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
			if r, ok := in.Request.(*smithyhttp.Request); ok {
				r.Header.Set(name, value)
			}
			return next.HandleBuild(ctx, in)
		}), middleware.After)
	}
}

func getBody(c *s3.Client, bucket, key string) (string, error) {
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return "", err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return string(b), err
}
