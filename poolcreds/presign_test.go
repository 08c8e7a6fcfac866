package poolcreds_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/wicket-io/wicket/poolcreds"
)

func (w *world) do(t *testing.T, method, u, body string) (int, string) {
	t.Helper()
	r, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := w.env.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestCredsPresignGet(t *testing.T) {
	w := newWorld(t)
	guest := w.provider(poolcreds.Options{})
	obj := poolcreds.Object{Endpoint: w.env.URL, Bucket: bucket, Key: "public/logo.png"}

	before := time.Now().Truncate(time.Second)
	u, until, err := poolcreds.PresignGet(t.Context(), guest, obj, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if until.Before(before.Add(15*time.Minute)) || until.After(time.Now().Add(15*time.Minute)) {
		t.Errorf("15-minute URL works until %v, %v from now", until, time.Until(until))
	}
	if code, body := w.do(t, "GET", u, ""); code != 200 || body != "bytes of public/logo.png" {
		t.Errorf("presigned GET = %d %q", code, body)
	}

	// Asked for longer than the credentials last, the URL dies with them.
	creds := retrieve(t, guest)
	u, until, err = poolcreds.PresignGet(t.Context(), guest, obj, 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !until.Equal(creds.Expires) {
		t.Errorf("2-hour URL works until %v, want the credentials' expiry %v", until, creds.Expires)
	}
	if q, _ := url.ParseQuery(u[strings.IndexByte(u, '?')+1:]); q.Get("X-Amz-Expires") != "7200" {
		t.Errorf("X-Amz-Expires = %s, want what was asked for", q.Get("X-Amz-Expires"))
	}
	if code, _ := w.do(t, "GET", u, ""); code != 200 {
		t.Errorf("2-hour URL = %d", code)
	}

	obj.Key = "secret/plan.txt"
	u, _, err = poolcreds.PresignGet(t.Context(), guest, obj, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := w.do(t, "GET", u, ""); code != 403 {
		t.Errorf("presigned GET outside the guest policy = %d", code)
	}
}

func TestCredsPresignPut(t *testing.T) {
	w := newWorld(t)
	user := w.provider(poolcreds.Options{Logins: map[string]string{w.idpKey: w.idp.Token(map[string]any{"sub": "dora"})}})
	id, err := user.IdentityID(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// A key that needs escaping, to hold the URL to S3's encoding.
	obj := poolcreds.Object{Endpoint: w.env.URL + "/", Bucket: bucket, Key: "private/" + id + "/a b+c&d?.txt"}
	u, _, err := poolcreds.PresignPut(t.Context(), user, obj, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := w.do(t, "PUT", u, "uploaded"); code != 200 {
		t.Fatalf("presigned PUT = %d %s", code, body)
	}
	if got, err := w.get(t, user, obj.Key); err != nil || got != "uploaded" {
		t.Errorf("the upload reads back %q, %v", got, err)
	}
	guest := w.provider(poolcreds.Options{})
	u, _, err = poolcreds.PresignPut(t.Context(), guest, poolcreds.Object{Endpoint: w.env.URL, Bucket: bucket, Key: "public/new.png"}, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := w.do(t, "PUT", u, "x"); code != 403 {
		t.Errorf("guest's presigned PUT = %d", code)
	}
}

func TestCredsPresignURLs(t *testing.T) {
	creds := credsOf(aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"})
	for _, tt := range []struct {
		obj  poolcreds.Object
		want string // the URL before its query
	}{
		{poolcreds.Object{Bucket: "photos", Key: "cats/tom.jpg"}, "https://photos.s3.us-east-1.amazonaws.com/cats/tom.jpg"},
		{poolcreds.Object{Region: "eu-west-1", Bucket: "photos", Key: "a b/ü.jpg"}, "https://photos.s3.eu-west-1.amazonaws.com/a%20b/%C3%BC.jpg"},
		{poolcreds.Object{Bucket: "my.photos", Key: "x"}, "https://s3.us-east-1.amazonaws.com/my.photos/x"},
		{poolcreds.Object{Endpoint: "http://localhost:9000", Bucket: "photos", Key: "/lead//slashes"}, "http://localhost:9000/photos//lead//slashes"},
	} {
		u, _, err := poolcreds.PresignGet(t.Context(), creds, tt.obj, time.Minute)
		if err != nil {
			t.Errorf("%+v: %v", tt.obj, err)
			continue
		}
		if base, _, _ := strings.Cut(u, "?"); base != tt.want {
			t.Errorf("%+v: URL %s, want %s", tt.obj, base, tt.want)
		}
		if !strings.Contains(u, "%2F"+tt.obj.Region) && tt.obj.Region != "" {
			t.Errorf("%+v: %s is not signed for %s", tt.obj, u, tt.obj.Region)
		}
	}

	for name, tt := range map[string]struct {
		creds   aws.CredentialsProvider
		obj     poolcreds.Object
		expires time.Duration
	}{
		"no key":          {creds, poolcreds.Object{Bucket: "b"}, time.Minute},
		"no bucket":       {creds, poolcreds.Object{Key: "k"}, time.Minute},
		"endpoint no URL": {creds, poolcreds.Object{Endpoint: "localhost:9000", Bucket: "b", Key: "k"}, time.Minute},
		"over 7 days":     {creds, poolcreds.Object{Bucket: "b", Key: "k"}, 8 * 24 * time.Hour},
		"under a second":  {creds, poolcreds.Object{Bucket: "b", Key: "k"}, time.Millisecond},
		"no credentials":  {nil, poolcreds.Object{Bucket: "b", Key: "k"}, time.Minute},
		"expired credentials": {credsOf(aws.Credentials{AccessKeyID: "A", SecretAccessKey: "s", CanExpire: true, Expires: time.Now().Add(-time.Second)}),
			poolcreds.Object{Bucket: "b", Key: "k"}, time.Minute},
	} {
		if u, _, err := poolcreds.PresignGet(t.Context(), tt.creds, tt.obj, tt.expires); err == nil {
			t.Errorf("%s: %s", name, u)
		}
	}
}
