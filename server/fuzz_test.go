package server_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wicket-io/wicket/server"
)

// FuzzRoute feeds the router, which every unauthenticated client reaches,
// arbitrary requests: it must never panic or fail with a 5xx of its own,
// and a handler it picks must see the body exactly as sent.
func FuzzRoute(f *testing.F) {
	f.Add("POST", "/", "", formCT, stsForm)
	f.Add("POST", "/", "", formCT+"; charset=utf-8", iamForm)
	f.Add("POST", "/", "AWSCognitoIdentityService.GetId", jsonCT, `{"IdentityPoolId":"us-east-1:x"}`)
	f.Add("GET", "/?Action=GetCallerIdentity&Version=2011-06-15", "", "", "")
	f.Add("POST", "/?Version=2010-05-08", "", formCT, "Action=%zz&&=&Version")
	f.Add("POST", "/", "", formCT, "Version=2011-06-15&Action="+strings.Repeat("x", 70<<10))
	f.Add("PUT", "/bucket/key", "", "application/octet-stream", "data")
	f.Add("HEAD", "/_wicket/health", "", "", "")
	f.Add("POST", "/", "", "multipart/form-data; boundary=\"", "--")

	srv, err := server.New(server.Config{Logger: slog.New(slog.DiscardHandler), Handlers: markers()})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, target, amzTarget, contentType, body string) {
		if !strings.HasPrefix(target, "/") {
			return
		}
		r, err := http.NewRequest(method, "http://wicket.test"+target, strings.NewReader(body))
		if err != nil {
			return
		}
		if amzTarget != "" {
			r.Header.Set("X-Amz-Target", amzTarget)
		}
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if api := w.Header().Get("X-Test-API"); api != "" {
			if w.Body.String() != body {
				t.Errorf("%s handler read %d bytes of a %d-byte body", api, w.Body.Len(), len(body))
			}
			return
		}
		if w.Code >= 500 {
			t.Errorf("the router answered %d:\n%s", w.Code, w.Body)
		}
	})
}
