package oidctest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wicket-io/wicket/internal/oidctest"
	"github.com/wicket-io/wicket/oidc"
)

// A test of code that takes login tokens starts a provider, points the
// code at p.URL as the issuer and p.ClientID as the audience, and hands it
// tokens.
func Example() {
	var t exampleT // in a test: p := oidctest.New(t)
	defer t.cleanup()
	p := oidctest.New(&t)

	v := oidc.NewVerifier(oidc.Options{AllowHTTP: true})
	verify := func(token string) error {
		_, err := v.Verify(context.Background(), p.URL, []string{p.ClientID}, token)
		return err
	}

	fmt.Println("good:", verify(p.Token(map[string]any{"email": "ana@example.com"})))
	fmt.Println("ES256:", verify(p.TokenWith(oidctest.TokenOptions{Alg: "ES256"})))

	err := verify(p.TokenWith(oidctest.TokenOptions{Alg: "HS256"})) // signed with the public key
	fmt.Println("key confusion rejected:", errors.Is(err, oidc.ErrAlgorithm))

	err = verify(p.Token(map[string]any{"exp": time.Now().Add(-time.Hour).Unix()}))
	fmt.Println("expired rejected:", errors.Is(err, oidc.ErrExpired))

	p.RotateKey() // k2 signs from now on; the verifier holds k1 only
	fmt.Println("signer:", p.KID(), "key set fetches:", p.Fetches())
	// Output:
	// good: <nil>
	// ES256: <nil>
	// key confusion rejected: true
	// expired rejected: true
	// signer: k2 key set fetches: 1
}

// exampleT lets an example call New, which wants a testing.TB: in a test,
// pass t.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func (t *exampleT) Helper()                           {}
func (t *exampleT) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (t *exampleT) cleanup() {
	for _, f := range t.cleanups {
		f()
	}
}
