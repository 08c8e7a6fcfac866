package oidc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/internal/oidctest"
	"github.com/wicket-io/wicket/oidc"
)

func ExampleVerifier_Verify() {
	// A test provider stands in for Google, Keycloak or Auth0 here; its
	// issuer is an http://127.0.0.1 URL, hence AllowHTTP.
	var t exampleT
	defer t.cleanup()
	idp := oidctest.New(&t)

	v := oidc.NewVerifier(oidc.Options{AllowHTTP: true})
	clientIDs := []string{idp.ClientID}

	tok, err := v.Verify(context.Background(), idp.URL, clientIDs, idp.Token(map[string]any{
		"sub":    "248289761001",
		"email":  "jane@example.com",
		"groups": []string{"editors"},
	}))
	if err != nil {
		panic(err)
	}
	fmt.Println(tok.Subject, tok.Claims["email"], tok.Claims["groups"])

	// A bad token gives the message Cognito sends with
	// NotAuthorizedException, and a cause to choose a wire code by.
	_, err = v.Verify(context.Background(), idp.URL, clientIDs, idp.Token(map[string]any{"exp": 1700000000}))
	fmt.Println(wicket.KindOf(err), errors.Is(err, oidc.ErrExpired))
	// Output:
	// 248289761001 jane@example.com [editors]
	// unauthenticated true
}

// exampleT lets an example call oidctest.New, which wants a testing.TB:
// in a test, pass t.
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
