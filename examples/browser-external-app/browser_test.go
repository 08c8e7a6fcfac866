// Package browserapp tests the example page of this directory, an "external
// app" on its own origin that gets guest credentials from an identity pool
// in the browser and shows a private object through a presigned URL, in a
// real headless Chromium against an in-process Wicket.
//
// The test needs Chromium (/usr/bin/chromium, or the path in
// WICKET_CHROMIUM). Without it the test skips, unless WICKET_BROWSER_TEST
// is set (CI sets it to 1 after installing Chromium): then it fails, so that
// a CI run cannot pass by skipping it. WICKET_BROWSER_SCREENSHOT=file.png
// saves what the page shows.
package browserapp

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/wicket-io/wicket/internal/testenv"
)

const (
	bucket    = "assets"
	publicKey = "public/logo.png"
	deniedKey = "private/secret.png"
	// oddKey needs every rule of SigV4's path encoding: a space, '+', the
	// characters encodeURIComponent leaves alone (!'()*), a reserved ':'
	// and '@', '~' (which stays), two slashes in a row, and UTF-8.
	oddKey = "public/odd dir//logo (1)+!'*:@~ü.png"
)

// chromiumFlags are the flags a Chromium needs on a machine without
// internet access: without them it keeps trying to reach Google's services.
var chromiumFlags = []string{"disable-quic", "no-first-run", "disable-background-networking", "disable-component-update", "disable-sync"}

// chromiumPath finds Chromium, or skips the test when it is missing and
// nobody asked for the browser test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("WICKET_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		if os.Getenv("WICKET_BROWSER_TEST") == "" {
			t.Skipf("Chromium not found (%v): install it (apt-get install chromium) and set WICKET_BROWSER_TEST=1 to run this test", err)
		}
		t.Fatalf("WICKET_BROWSER_TEST is set, but Chromium is not usable: %v", err)
	}
	return path
}

// pngOf makes a w×h PNG of a gradient.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{R: uint8(255 * x / w), G: uint8(255 * y / h), B: 160, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// staticSite serves the example's files, and nothing else, from its own
// origin.
func staticSite(t *testing.T) *httptest.Server {
	t.Helper()
	files := map[string]string{"/": "index.html", "/index.html": "index.html", "/app.js": "app.js", "/sigv4.js": "sigv4.js"}
	fs := http.FileServerFS(os.DirFS("."))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := files[r.URL.Path]; !ok || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		fs.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// guestWorld is an endpoint with a bucket of PNGs and a pool whose guests
// may read public/* and nothing else, set up as Amplify and AWS's console
// set it up.
type guestWorld struct {
	env    *testenv.Env
	pool   string
	images map[string][]byte // key → PNG
	sizes  map[string][2]int // key → width, height
}

func newGuestWorld(t *testing.T, ctx context.Context) *guestWorld {
	t.Helper()
	check := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	w := &guestWorld{env: testenv.New(t), images: map[string][]byte{}, sizes: map[string][2]int{
		publicKey: {37, 23}, deniedKey: {29, 31}, oddKey: {17, 13},
	}}
	root := w.env.S3()
	_, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	check("CreateBucket", err)
	// No bucket CORS rules: an <img> loads a presigned URL without CORS.
	for key, size := range w.sizes {
		w.images[key] = pngOf(t, size[0], size[1])
		_, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
			Body: bytes.NewReader(w.images[key]), ContentType: aws.String("image/png")})
		check("PutObject "+key, err)
	}
	cognito := w.env.CognitoIdentity()
	pool, err := cognito.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String("external app"),
		AllowUnauthenticatedIdentities: true})
	check("CreateIdentityPool", err)
	w.pool = *pool.IdentityPoolId
	ic := w.env.IAM()
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
	  "Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
	  "Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":%q},
	    "ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"unauthenticated"}}}]}`, w.pool)
	role, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("external-app-guest"), AssumeRolePolicyDocument: aws.String(trust)})
	check("CreateRole", err)
	_, err = ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("external-app-guest"), PolicyName: aws.String("read-public"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
		  {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/public/*"}]}`)})
	check("PutRolePolicy", err)
	_, err = cognito.SetIdentityPoolRoles(ctx, &ci.SetIdentityPoolRolesInput{IdentityPoolId: aws.String(w.pool),
		Roles: map[string]string{"unauthenticated": *role.Role.Arn}})
	check("SetIdentityPoolRoles", err)
	return w
}

// browserLog is what the browser reported while the page ran.
type browserLog struct {
	mu       sync.Mutex
	console  []chromedp.ConsoleMessage
	requests map[network.RequestID]*network.EventRequestWillBeSent
	answers  map[network.RequestID]*network.Response
	failures map[network.RequestID]*network.EventLoadingFailed
}

func (l *browserLog) listen(ctx context.Context) error {
	l.requests = map[network.RequestID]*network.EventRequestWillBeSent{}
	l.answers = map[network.RequestID]*network.Response{}
	l.failures = map[network.RequestID]*network.EventLoadingFailed{}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			l.mu.Lock()
			l.console = append(l.console, m)
			l.mu.Unlock()
		}
	}()
	return chromedp.Listen(ctx, func(ev any) {
		l.mu.Lock()
		defer l.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			l.requests[ev.RequestID] = ev
		case *network.EventResponseReceived:
			l.answers[ev.RequestID] = ev.Response
		case *network.EventLoadingFailed:
			l.failures[ev.RequestID] = ev
		}
	})
}

// consoleText returns the console messages, one a line.
func (l *browserLog) consoleText() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.consoleTextLocked()
}

func (l *browserLog) consoleTextLocked() string {
	var b strings.Builder
	for _, m := range l.console {
		fmt.Fprintf(&b, "  %s (%s %s)\n", m, m.Source, m.URL)
	}
	return b.String()
}

// pageState is what the page shows when it is done.
type pageState struct {
	State         string `json:"state"`
	Status        string `json:"status"`
	Log           string `json:"log"`
	IdentityID    string `json:"identityId"`
	SecureContext bool   `json:"secureContext"`
	PublicResult  string `json:"publicResult"`
	PublicWidth   int    `json:"publicWidth"`
	PublicHeight  int    `json:"publicHeight"`
	PublicURL     string `json:"publicURL"`
	DeniedResult  string `json:"deniedResult"`
	DeniedWidth   int    `json:"deniedWidth"`
	DeniedURL     string `json:"deniedURL"`
}

const readPage = `(() => {
	const $ = (id) => document.getElementById(id);
	return {
		state: document.body.dataset.state,
		status: $("status").textContent,
		log: $("log").innerText,
		identityId: $("identity-id").textContent,
		secureContext: isSecureContext,
		publicResult: $("public").dataset.result ?? "",
		publicWidth: $("public").naturalWidth,
		publicHeight: $("public").naturalHeight,
		publicURL: $("public").src,
		deniedResult: $("denied").dataset.result ?? "",
		deniedWidth: $("denied").naturalWidth,
		deniedURL: $("denied").src,
	};
})()`

var identityIDPattern = regexp.MustCompile(`^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestExternalAppInChromium(t *testing.T) {
	execPath := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()

	w := newGuestWorld(t, ctx)
	site := staticSite(t)
	if site.URL == w.env.URL {
		t.Fatal("the page and the endpoint must be on different origins")
	}

	// The browser: a fresh profile, killed when the test ends at the latest.
	var chromeOut syncBuffer
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.CombinedOutput(&chromeOut))
	for _, f := range chromiumFlags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	defer func() {
		if t.Failed() {
			t.Logf("Chromium's output:\n%s", chromeOut.String())
		}
	}()

	q := url.Values{"endpoint": {w.env.URL}, "pool": {w.pool}, "bucket": {bucket}, "key": {publicKey}, "denied": {deniedKey}}
	st, blog := loadPage(t, bctx, site.URL+"/?"+q.Encode())
	t.Logf("page status: %s", st.Status)
	if path := os.Getenv("WICKET_BROWSER_SCREENSHOT"); path != "" {
		// To see the page as a person would: a PNG of the viewport.
		shot, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
		if err == nil {
			err = os.WriteFile(path, shot, 0o644)
		}
		if err != nil {
			t.Errorf("screenshot: %v", err)
		}
	}
	if st.State != "done" {
		t.Fatalf("the page failed: %s\nits log:\n%s\nconsole:\n%s", st.Status, st.Log, blog.consoleText())
	}
	if !st.SecureContext {
		t.Errorf("a page on %s is not a secure context: Web Crypto would be missing", site.URL)
	}

	// The guest identity, shown as the pool issued it.
	if !identityIDPattern.MatchString(st.IdentityID) {
		t.Errorf("identity id %q, want us-east-1:<uuid>", st.IdentityID)
	} else if _, err := w.env.CognitoIdentity().DescribeIdentity(ctx, &ci.DescribeIdentityInput{IdentityId: aws.String(st.IdentityID)}); err != nil {
		t.Errorf("the pool does not know the page's identity %s: %v", st.IdentityID, err)
	}

	// The allowed image loaded, the denied one did not, and the page saw it.
	want := w.sizes[publicKey]
	if st.PublicResult != "loaded" || st.PublicWidth != want[0] || st.PublicHeight != want[1] {
		t.Errorf("public image: %s, %d×%d; want loaded, %d×%d", st.PublicResult, st.PublicWidth, st.PublicHeight, want[0], want[1])
	}
	if st.DeniedResult != "error" || st.DeniedWidth != 0 {
		t.Errorf("denied image: %s, width %d; want an error event and width 0", st.DeniedResult, st.DeniedWidth)
	}
	// The page's URLs, outside the browser: the denied one is refused by
	// the policy, not for a bad signature.
	if code, body := get(t, w.env.Client(), st.PublicURL); code != http.StatusOK || !bytes.Equal(body, w.images[publicKey]) {
		t.Errorf("GET of the page's public URL: %d, %d bytes", code, len(body))
	}
	if code, body := get(t, w.env.Client(), st.DeniedURL); code != http.StatusForbidden || s3Code(body) != "AccessDenied" {
		t.Errorf("GET of the page's denied URL: %d %s, want 403 AccessDenied", code, body)
	}

	checkNetwork(t, blog, w.env.URL, st.DeniedURL)

	t.Run("signer", func(t *testing.T) { testSigner(t, bctx, w) })

	// The checks above would see a CORS failure: an endpoint that answers
	// without CORS headers makes the page fail, and the browser say why.
	t.Run("endpoint without CORS", func(t *testing.T) {
		bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			io.WriteString(w, `{"IdentityId":"us-east-1:00000000-0000-0000-0000-000000000000"}`)
		}))
		defer bare.Close()
		tab, cancel := chromedp.NewContext(bctx)
		defer cancel()
		q := url.Values{"endpoint": {bare.URL}, "pool": {w.pool}, "bucket": {bucket}, "key": {publicKey}}
		st, blog := loadPage(t, tab, site.URL+"/?"+q.Encode())
		if st.State != "failed" || st.IdentityID == "us-east-1:00000000-0000-0000-0000-000000000000" {
			t.Errorf("the page went on without CORS: %+v", st)
		}
		blog.mu.Lock()
		defer blog.mu.Unlock()
		var blocked bool
		for _, f := range blog.failures {
			blocked = blocked || f.CorsErrorStatus != nil
		}
		if !blocked {
			t.Errorf("no request failed for CORS")
		}
		if !strings.Contains(blog.consoleTextLocked(), "CORS policy") {
			t.Errorf("the console has no CORS error:\n%s", blog.consoleTextLocked())
		}
	})
}

// loadPage opens pageURL in the tab and waits until the page is done or
// has failed.
func loadPage(t *testing.T, tab context.Context, pageURL string) (pageState, *browserLog) {
	t.Helper()
	blog := &browserLog{}
	if err := blog.listen(tab); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	if err := chromedp.Do(tab, chromedp.Navigate(pageURL)); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	if _, err := chromedp.Run(tab, chromedp.Poll[string](`document.body.dataset.state !== "loading" && document.body.dataset.state`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		st, _ := chromedp.Run(tab, chromedp.Evaluate[pageState](readPage))
		t.Fatalf("the page did not finish: %v\npage: %+v\nconsole:\n%s", err, st, blog.consoleText())
	}
	st, err := chromedp.Run(tab, chromedp.Evaluate[pageState](readPage))
	if err != nil {
		t.Fatalf("reading the page: %v", err)
	}
	return st, blog
}

// checkNetwork checks what the browser sent and got: the Cognito calls
// were preflighted and answered, with no CORS error anywhere, and the only
// failed load is the denied image.
func checkNetwork(t *testing.T, blog *browserLog, endpoint, deniedURL string) {
	t.Helper()
	blog.mu.Lock()
	defer blog.mu.Unlock()
	var preflights, calls int
	for id, req := range blog.requests {
		if req.Request.URL != endpoint+"/" {
			continue
		}
		resp := blog.answers[id]
		if resp == nil {
			t.Errorf("%s %s: no response", req.Request.Method, req.Request.URL)
			continue
		}
		switch req.Request.Method {
		case http.MethodOptions:
			preflights++
			allowed := strings.ToLower(header(resp.Headers, "Access-Control-Allow-Headers"))
			if resp.Status != http.StatusOK || header(resp.Headers, "Access-Control-Allow-Origin") != "*" ||
				!strings.Contains(allowed, "x-amz-target") || !strings.Contains(allowed, "content-type") {
				t.Errorf("preflight of %s: %d %v", req.Request.URL, resp.Status, resp.Headers)
			}
		case http.MethodPost:
			calls++
			if resp.Status != http.StatusOK || header(resp.Headers, "Access-Control-Allow-Origin") != "*" {
				t.Errorf("POST %s (%s): %d %v", req.Request.URL, header(req.Request.Headers, "X-Amz-Target"), resp.Status, resp.Headers)
			}
		}
	}
	if calls != 2 {
		t.Errorf("%d Cognito calls seen, want 2 (GetId, GetCredentialsForIdentity)", calls)
	}
	// The preflight's answer may be cached (Access-Control-Max-Age) for the
	// second call.
	if preflights == 0 {
		t.Errorf("no CORS preflight seen for the Cognito calls")
	}
	for id, f := range blog.failures {
		req := blog.requests[id]
		if req != nil && req.Request.URL == deniedURL && f.CorsErrorStatus == nil {
			// The denied image: S3's 403 with an XML body, which Chromium's
			// opaque-response blocking also stops, as it would from AWS.
			t.Logf("the denied image failed to load: %s", f.ErrorText)
			continue
		}
		u := "?"
		if req != nil {
			u = req.Request.URL
		}
		t.Errorf("request %s failed: %s, blocked %q, CORS %+v", u, f.ErrorText, f.BlockedReason, f.CorsErrorStatus)
	}
	for _, m := range blog.console {
		text := strings.ToLower(m.Text)
		cors := strings.Contains(text, "cors") || strings.Contains(text, "access-control")
		deniedImage := m.Source == "network" && m.URL == deniedURL && strings.Contains(m.Text, "403")
		if cors || m.IsException() || m.Type == chromedp.ConsoleError && !deniedImage {
			t.Errorf("console: %s (%s %s)", m, m.Source, m.URL)
		}
	}
}

// testSigner checks the page's signer, sigv4.js, in the browser: on the
// example of AWS's documentation, against the AWS SDK for Go with a
// session token and a key that needs every encoding rule, and against
// Wicket with live guest credentials.
func testSigner(t *testing.T, bctx context.Context, w *guestWorld) {
	ctx, cancel := context.WithTimeout(bctx, 10*time.Second)
	defer cancel()
	presign := func(origin, path, creds string, expires int, date string) string {
		t.Helper()
		expr := fmt.Sprintf(`import(new URL("sigv4.js", location.href)).then((m) => m.presign(%q, %q,
			{credentials: %s, region: "us-east-1", expires: %d, date: new Date(%q)}))`, origin, path, creds, expires, date)
		u, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("presign in the browser: %v", err)
		}
		return u
	}

	// "Authenticating Requests: Using Query Parameters", S3 API Reference.
	got := presign("https://examplebucket.s3.amazonaws.com", "/test.txt",
		`{accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}`, 86400, "2013-05-24T00:00:00Z")
	const awsExample = "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
	if got != awsExample {
		t.Errorf("AWS's example:\n got %s\nwant %s", got, awsExample)
	}

	// The AWS SDK for Go: its S3 presigner encodes the key, its SigV4
	// signer signs the query with the session token.
	creds := aws.Credentials{AccessKeyID: "ASIAEXAMPLEEXAMPLE01", SecretAccessKey: "secret/with+special=chars", SessionToken: "token/with+special=chars&more"}
	when := time.Date(2026, 3, 1, 12, 34, 56, 0, time.UTC)
	sdkURL, err := s3.NewPresignClient(w.env.S3With(creds)).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(oddKey)})
	if err != nil {
		t.Fatal(err)
	}
	su, err := url.Parse(sdkURL.URL)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := http.NewRequest(http.MethodGet, w.env.URL+su.EscapedPath()+"?X-Amz-Expires=600", nil)
	signed, _, err := v4.NewSigner().PresignHTTP(ctx, creds, r, "UNSIGNED-PAYLOAD", "s3", testenv.Region, when,
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }) // S3 signs the path as sent
	if err != nil {
		t.Fatal(err)
	}
	got = presign(w.env.URL, "/"+bucket+"/"+oddKey, fmt.Sprintf(`{accessKeyId: %q, secretAccessKey: %q, sessionToken: %q}`,
		creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken), 600, when.Format(time.RFC3339))
	if !sameURL(t, got, signed) {
		t.Errorf("against the AWS SDK for Go:\n got %s\nwant %s", got, signed)
	}

	// Wicket takes the page's URL of the odd key with the guest's own
	// credentials, in an <img> as in Go.
	oddURL, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
		const g = window.wicketGuest;
		return g.objectURL(g.settings, g.credentials, %q);
	})()`, oddKey), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("the page's objectURL: %v", err)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`new Promise((resolve) => {
		const img = new Image();
		img.onload = () => resolve(img.naturalWidth);
		img.onerror = () => resolve(-1);
		img.src = %q;
	})`, oddURL), chromedp.EvalAwaitPromise))
	if err != nil || width != w.sizes[oddKey][0] {
		t.Errorf("<img> of %s: width %d, %v; want %d", oddURL, width, err, w.sizes[oddKey][0])
	}
	if code, body := get(t, w.env.Client(), oddURL); code != http.StatusOK || !bytes.Equal(body, w.images[oddKey]) {
		t.Errorf("GET %s: %d %.300s", oddURL, code, body)
	}
}

// header returns the value of the header name in h, whatever the case of
// the name.
func header(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

// sameURL reports whether two URLs have the same path, as sent, and the
// same query parameters.
func sameURL(t *testing.T, a, b string) bool {
	t.Helper()
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	return ua.Host == ub.Host && ua.EscapedPath() == ub.EscapedPath() && ua.Query().Encode() == ub.Query().Encode()
}

func get(t *testing.T, c *http.Client, u string) (int, []byte) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return resp.StatusCode, b
}

// s3Code is the Code of an S3 error body.
func s3Code(body []byte) string {
	var e struct{ Code string }
	if xml.Unmarshal(body, &e) != nil {
		return ""
	}
	return e.Code
}

// syncBuffer is a bytes.Buffer that Chromium's output goroutine and the test
// may use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
