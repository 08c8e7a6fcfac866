package oidc

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/wicket-io/wicket"
)

// The checks a token can fail. Every error Verify returns for a bad token
// wraps exactly one of them (errors.Is), so that an edge can choose its
// wire code by the check; the error's Message is already the client text.
var (
	ErrMalformed    = errors.New("malformed token")               // not compact JWS, bad base64url or JSON, a claim of the wrong type, too large
	ErrAlgorithm    = errors.New("signing algorithm not allowed") // none, HMAC, unknown, crit, an access token
	ErrSignature    = errors.New("signature not verified")        // unknown kid, a key of the wrong type for alg, a bad signature
	ErrIssuer       = errors.New("issuer mismatch")
	ErrAudience     = errors.New("audience mismatch") // aud, or azp
	ErrMissingClaim = errors.New("missing claim")
	ErrExpired      = errors.New("token expired")
	ErrNotYetValid  = errors.New("token not yet valid") // nbf or iat in the future
)

// The client messages. Those that Amazon Cognito sends with
// NotAuthorizedException are kept word for word (including the missing
// final period of the issuer message), since clients match them: SDKs and
// apps look for "Invalid login token. Token expired:" to know that they must
// log in again. The rest follow the same pattern.
const (
	msgMalformed = "Invalid login token. Not a valid OpenId Connect identity token." // Cognito
	msgSignature = "Invalid login token. Couldn't verify signed token."              // Cognito
	msgIssuer    = "Invalid login token. Issuer doesn't match providerName"          // Cognito
	msgAudience  = "Invalid login token. Incorrect token audience."                  // STS says "Incorrect token audience"
	msgMissing   = "Invalid login token. Missing a required claim: "                 // Cognito, + the claim's name
	msgExpired   = "Invalid login token. Token expired: %d >= %d"                    // Cognito: now >= exp
	msgTooLarge  = "Invalid login token. Token is larger than 16384 bytes."          // MaxTokenSize
	msgAlgorithm = "Invalid login token. Token signing algorithm is not allowed."
	msgAZP       = "Invalid login token. Incorrect authorized party (azp)."
	msgNotBefore = "Invalid login token. Token is not valid yet: %d < %d"         // now < nbf
	msgIssuedAt  = "Invalid login token. Token was issued in the future: %d < %d" // now < iat
	msgBadClaim  = "Invalid login token. Claim is not valid: "                    // + the claim's name
)

const opVerify = "oidc.Verify"

// reject builds the error for a token that fails a check: msg for the
// client, and a cause that wraps check with detail for the logs.
func reject(msg string, check error, detail string, args ...any) error {
	cause := check
	if detail != "" {
		cause = fmt.Errorf("%w: %s", check, fmt.Sprintf(detail, args...))
	}
	return wicket.E(opVerify, wicket.Unauthenticated, msg, cause)
}

// quote renders an attacker-chosen string for a log line: quoted, and cut
// to a length that cannot flood it.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}
