package poolcreds_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/wicket-io/wicket/poolcreds"
)

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func (w *world) get(t *testing.T, creds aws.CredentialsProvider, key string) (string, error) {
	t.Helper()
	out, err := w.s3(creds).GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return "", err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return string(b), err
}

func retrieve(t *testing.T, p *poolcreds.Provider) aws.Credentials {
	t.Helper()
	c, err := p.Retrieve(t.Context())
	if err != nil {
		t.Fatalf("Retrieve: %v", err)
	}
	return c
}

func TestCredsGuestReadsWithTheSDK(t *testing.T) {
	w := newWorld(t)
	guest := w.provider(poolcreds.Options{})
	if got, err := w.get(t, guest, "public/logo.png"); err != nil || got != "bytes of public/logo.png" {
		t.Errorf("guest reads public: %q, %v", got, err)
	}
	if _, err := w.get(t, guest, "secret/plan.txt"); apiCode(err) != "AccessDenied" {
		t.Errorf("guest reads secret: %v, want AccessDenied", err)
	}
	c := retrieve(t, guest)
	if c.Source != poolcreds.Source || !c.CanExpire || !strings.HasPrefix(c.AccessKeyID, "ASIA") || c.SessionToken == "" {
		t.Errorf("credentials = %+v", c)
	}
	if d := time.Until(c.Expires); d < 55*time.Minute || d > 61*time.Minute {
		t.Errorf("credentials expire in %v, want an hour", d)
	}
	id, err := guest.IdentityID(t.Context())
	if err != nil || !strings.HasPrefix(id, "us-east-1:") {
		t.Errorf("IdentityID = %q, %v", id, err)
	}
	// Two S3 requests and the calls above: one identity, one set of
	// credentials.
	w.wantCalls(t, 1, 1)
}

func TestCredsIdentityIsCached(t *testing.T) {
	w := newWorld(t)
	cache := new(poolcreds.MemoryCache)
	first := w.provider(poolcreds.Options{IdentityCache: cache})
	// IdentityID before any credentials: GetId only; Retrieve then
	// reuses the id.
	id, err := first.IdentityID(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	retrieve(t, first)
	retrieve(t, first)
	w.wantCalls(t, 1, 1)

	// A Provider sharing the cache (the next run of a program, with a
	// cache that lasts) is the same identity: no GetId.
	second := w.provider(poolcreds.Options{IdentityCache: cache})
	retrieve(t, second)
	if again, _ := second.IdentityID(t.Context()); again != id {
		t.Errorf("second provider's identity = %s, want %s", again, id)
	}
	w.wantCalls(t, 1, 2)
	if got, ok := cache.Get(w.pool); !ok || got != id {
		t.Errorf("cache under the pool id = %q, %v; want %s", got, ok, id)
	}

	// A Provider of its own cache is a new guest.
	third := w.provider(poolcreds.Options{})
	if other, _ := third.IdentityID(t.Context()); other == id || other == "" {
		t.Errorf("an uncached provider's identity = %q, want a new one", other)
	}
}

func TestCredsRefreshBeforeExpiry(t *testing.T) {
	w := newWorld(t)
	clock := &fakeClock{now: time.Now()}
	const window = 10 * time.Minute
	p := w.provider(poolcreds.Options{Clock: clock, ExpiryWindow: window})
	c1 := retrieve(t, p)

	clock.Set(c1.Expires.Add(-window - time.Second))
	if c := retrieve(t, p); c.AccessKeyID != c1.AccessKeyID {
		t.Errorf("refreshed %v before the window", window)
	}
	w.wantCalls(t, 1, 1)

	clock.Set(c1.Expires.Add(-window + time.Second))
	c2 := retrieve(t, p)
	if c2.AccessKeyID == c1.AccessKeyID {
		t.Errorf("not refreshed inside the window")
	}
	w.wantCalls(t, 1, 2)
	if _, err := w.get(t, p, "public/logo.png"); err != nil {
		t.Errorf("refreshed credentials: %v", err)
	}

	// A refresh that fails while the credentials still work keeps them;
	// once they have expired, the failure is returned. (The clock is
	// still inside c1's window, which the fresh credentials may share to
	// the second: take the current ones first.)
	cur := retrieve(t, p)
	w.calls.set(true, nil)
	clock.Set(cur.Expires.Add(-time.Minute))
	if c, err := p.Retrieve(t.Context()); err != nil || c.AccessKeyID != cur.AccessKeyID {
		t.Errorf("failed refresh inside the window: %v, %v; want the old credentials", c.AccessKeyID, err)
	}
	clock.Set(cur.Expires.Add(time.Second))
	if _, err := p.Retrieve(t.Context()); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("failed refresh after expiry: %v, want the failure", err)
	}
	w.calls.set(false, nil)
	if c := retrieve(t, p); c.AccessKeyID == cur.AccessKeyID {
		t.Errorf("expired credentials returned after the endpoint came back")
	}
}

func TestCredsConcurrentRetrieve(t *testing.T) {
	w := newWorld(t)
	p := w.provider(poolcreds.Options{})
	var wg sync.WaitGroup
	keys := make([]string, 32)
	for i := range keys {
		wg.Go(func() {
			c, err := p.Retrieve(t.Context())
			if err != nil {
				t.Error(err)
			}
			keys[i] = c.AccessKeyID
		})
	}
	wg.Wait()
	for _, k := range keys {
		if k != keys[0] {
			t.Fatalf("concurrent callers got different credentials: %q", keys)
		}
	}
	w.wantCalls(t, 1, 1)
}

// TestCredsCancelledCallerDoesNotFailOthers: the refresh is shared, so the
// caller that started it may give up without failing those who wait.
func TestCredsCancelledCallerDoesNotFailOthers(t *testing.T) {
	w := newWorld(t)
	p := w.provider(poolcreds.Options{})
	gate := make(chan struct{})
	w.calls.set(false, gate)

	ctx, cancel := context.WithCancel(t.Context())
	first := make(chan error)
	go func() {
		_, err := p.Retrieve(ctx)
		first <- err
	}()
	for w.calls.count("GetId") == 0 {
		time.Sleep(time.Millisecond)
	}
	second := make(chan error)
	go func() {
		_, err := p.Retrieve(t.Context())
		second <- err
	}()
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: %v", err)
	}
	w.calls.set(false, nil)
	close(gate)
	if err := <-second; err != nil {
		t.Errorf("waiting caller: %v", err)
	}
	w.wantCalls(t, 1, 1)
}

func TestCredsDeletedIdentityRecovers(t *testing.T) {
	w := newWorld(t)
	clock := &fakeClock{now: time.Now()}
	p := w.provider(poolcreds.Options{Clock: clock})
	c1 := retrieve(t, p)
	old, _ := p.IdentityID(t.Context())
	_, err := w.env.CognitoIdentity().DeleteIdentities(t.Context(), &ci.DeleteIdentitiesInput{IdentityIdsToDelete: []string{old}})
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(c1.Expires)
	c2 := retrieve(t, p)
	id, _ := p.IdentityID(t.Context())
	if id == old || id == "" {
		t.Errorf("identity after its deletion = %q, want a new one", id)
	}
	// GetId, GetCredentialsForIdentity; after the deletion
	// GetCredentialsForIdentity (ResourceNotFoundException), GetId,
	// GetCredentialsForIdentity.
	w.wantCalls(t, 2, 3)
	if _, err := w.get(t, credsOf(c2), "public/logo.png"); err != nil {
		t.Errorf("new identity's credentials: %v", err)
	}
}

// TestCredsGoneTwiceIsAnError: GetId is asked again once, not in a loop.
func TestCredsGoneTwiceIsAnError(t *testing.T) {
	w := newWorld(t)
	cache := new(poolcreds.MemoryCache)
	cache.Put(w.pool, "us-east-1:00000000-0000-0000-0000-000000000000")
	p := w.provider(poolcreds.Options{IdentityCache: cache})
	retrieve(t, p)
	w.wantCalls(t, 1, 2)
	// The pool itself gone: GetCredentialsForIdentity and GetId both
	// refuse, and that is the answer.
	_, err := w.env.CognitoIdentity().DeleteIdentityPool(t.Context(), &ci.DeleteIdentityPoolInput{IdentityPoolId: aws.String(w.pool)})
	if err != nil {
		t.Fatal(err)
	}
	p = w.provider(poolcreds.Options{IdentityCache: cache})
	if _, err := p.Retrieve(t.Context()); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("Retrieve from a deleted pool: %v", err)
	}
	w.wantCalls(t, 2, 3)
}

func TestCredsLogin(t *testing.T) {
	w := newWorld(t)
	cache := new(poolcreds.MemoryCache)
	alice := map[string]string{w.idpKey: w.idp.Token(map[string]any{"sub": "alice"})}
	p := w.provider(poolcreds.Options{Logins: alice, IdentityCache: cache})
	id, err := p.IdentityID(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.s3(p).PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("private/" + id + "/notes.txt"), Body: strings.NewReader("mine")})
	if err != nil {
		t.Errorf("alice writes her prefix: %v", err)
	}
	if got, err := w.get(t, p, "private/"+id+"/notes.txt"); err != nil || got != "mine" {
		t.Errorf("alice reads her prefix: %q, %v", got, err)
	}
	// Her identity is cached under the pool and her provider's name, apart
	// from a guest's.
	if got, _ := cache.Get(w.pool + " " + w.idpKey); got != id {
		t.Errorf("cached login identity = %q, want %s", got, id)
	}
	guest := w.provider(poolcreds.Options{IdentityCache: cache})
	if gid, _ := guest.IdentityID(t.Context()); gid == id {
		t.Errorf("the guest is alice")
	}

	// Bob, with the same provider and the same cache, at first gets
	// alice's identity from the cache; Wicket refuses his login on it,
	// and GetId finds his own.
	bob := w.provider(poolcreds.Options{Logins: map[string]string{w.idpKey: w.idp.Token(map[string]any{"sub": "bob"})}, IdentityCache: cache})
	retrieve(t, bob)
	if bid, _ := bob.IdentityID(t.Context()); bid == id || bid == "" {
		t.Errorf("bob's identity = %q, alice's %s", bid, id)
	}
}

func TestCredsLoginsFunc(t *testing.T) {
	w := newWorld(t)
	clock := &fakeClock{now: time.Now()}
	var calls atomic.Int32
	p := w.provider(poolcreds.Options{Clock: clock, LoginsFunc: func(ctx context.Context) (map[string]string, error) {
		calls.Add(1)
		return map[string]string{w.idpKey: w.idp.Token(map[string]any{"sub": "carol"})}, nil
	}})
	c := retrieve(t, p)
	clock.Set(c.Expires)
	retrieve(t, p)
	if n := calls.Load(); n != 2 {
		t.Errorf("LoginsFunc called %d times for two refreshes", n)
	}
	w.wantCalls(t, 1, 2)

	failing := w.provider(poolcreds.Options{LoginsFunc: func(context.Context) (map[string]string, error) {
		return nil, errors.New("signed out")
	}})
	if _, err := failing.Retrieve(t.Context()); err == nil || !strings.Contains(err.Error(), "signed out") {
		t.Errorf("Retrieve with failing LoginsFunc: %v", err)
	}
}

func TestCredsOptionMistakes(t *testing.T) {
	for name, o := range map[string]poolcreds.Options{
		"no pool":         {},
		"not region:uuid": {IdentityPoolID: "mypool"},
		"logins twice":    {IdentityPoolID: "us-east-1:x", Logins: map[string]string{}, LoginsFunc: func(context.Context) (map[string]string, error) { return nil, nil }},
	} {
		p := poolcreds.New(o)
		if _, err := p.Retrieve(t.Context()); err == nil {
			t.Errorf("%s: Retrieve succeeded", name)
		}
		if _, err := p.IdentityID(t.Context()); err == nil {
			t.Errorf("%s: IdentityID succeeded", name)
		}
	}
}

// credsOf is a provider of fixed credentials.
func credsOf(c aws.Credentials) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil })
}
