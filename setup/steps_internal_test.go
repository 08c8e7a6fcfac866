package setup

import "testing"

// A provider stored before Wicket kept an issuer's final "/" is still the
// one a configuration with the slash means; an exact match comes first.
func TestProviderByURL(t *testing.T) {
	old := "arn:aws:iam::000000000000:oidc-provider/accounts.google.com"
	slash := "arn:aws:iam::000000000000:oidc-provider/tenant.auth0.com/"
	bare := "arn:aws:iam::000000000000:oidc-provider/tenant.auth0.com"
	for _, tc := range []struct {
		arns         []string
		issuer, want string
	}{
		{[]string{old}, "https://accounts.google.com/", old},
		{[]string{old}, "https://accounts.google.com", old},
		{[]string{bare, slash}, "https://tenant.auth0.com/", slash},
		{[]string{bare, slash}, "https://tenant.auth0.com", bare},
		{[]string{slash}, "https://tenant.auth0.com", ""},
	} {
		if got := providerByURL(tc.arns, tc.issuer); got != tc.want {
			t.Errorf("providerByURL(%v, %s) = %q, want %q", tc.arns, tc.issuer, got, tc.want)
		}
	}
}
