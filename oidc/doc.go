// Package oidc verifies ID tokens issued by external OpenID Connect
// providers, the login tokens that identity pools (GetId,
// GetCredentialsForIdentity) and STS AssumeRoleWithWebIdentity trade for
// credentials.
//
// A Verifier finds a provider's keys the way OpenID Connect Discovery says:
// it fetches issuer + "/.well-known/openid-configuration", checks that the
// document names exactly that issuer, then fetches the JSON Web Key Set at
// its jwks_uri. Keys are cached per issuer for Options.CacheTTL. A token
// signed with a key the cache does not hold (the provider rotated its keys)
// makes the Verifier fetch again, at most once per Options.MinRefresh per
// issuer, so that a flood of tokens with made-up key ids cannot make Wicket
// hammer the provider; concurrent verifications share one fetch, and one
// whose key is in the cached set does not wait for a fetch that another
// token's unknown key id started.
//
// A token passes when every check passes, in this order:
//
//   - it is at most MaxTokenSize bytes of compact JWS: three parts of
//     unpadded, canonical base64url, a header and a payload that are JSON
//     objects in valid UTF-8 with no member named twice;
//   - the header's alg is one of the asymmetric algorithms (RS256, RS384,
//     RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA); never "none"
//     and never HMAC, so a token "signed" with the bytes of a provider's
//     public key (the key-confusion attack) fails; the header has no crit
//     and is not an access token (typ at+jwt);
//   - a key of the provider's set, chosen by kid, is of the type (and
//     curve) the alg needs and, if the key names an alg, names this one; and
//     the signature verifies with it;
//   - iss is the issuer (with one exception that Google needs: its tokens
//     may say "accounts.google.com" for "https://accounts.google.com");
//   - sub is present; aud, a string or an array of strings, holds one of the
//     allowed audiences; when aud holds several and azp is present, azp is
//     one of the allowed audiences (OpenID Connect Core 1.0, 3.1.3.7);
//   - exp is present and not past, iat is present and not in the future,
//     and nbf, if present, is not in the future, each within Options.Skew.
//
// # Errors
//
// A token that fails a check gives a *wicket.Error of kind
// wicket.Unauthenticated whose Message is the text Amazon Cognito sends
// with NotAuthorizedException for that case where it is known ("Invalid
// login token. Token expired: 1700000000 >= 1699999000", where the first
// number is the time of the check and the second the token's exp), so the
// identity-pool edge can send it as it is. Its cause wraps one of the
// sentinel errors (ErrExpired, ErrAudience, …) for callers that answer
// differently: STS answers ExpiredTokenException for ErrExpired and
// InvalidIdentityToken for the rest.
//
// A provider that cannot be reached, or whose discovery document or key set
// is wrong, gives kind wicket.Unavailable (the caller answers
// ExternalServiceException or IDPCommunicationError). A bad issuer URL
// gives kind wicket.Invalid: that is a configuration error.
//
// The issuer passed to Verify must come from configuration, never from the
// token: the Verifier trusts whatever keys that issuer publishes.
package oidc
