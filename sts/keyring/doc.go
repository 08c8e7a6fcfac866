// Package keyring holds Wicket's secrets and is the only package that does.
// It seals the claims of temporary credentials into self-contained session
// tokens and opens them again, derives the credentials' secrets, and signs
// and verifies Wicket's OpenID tokens. No method returns key bytes; the few
// that return a credential's secret say so ("Dangerous").
//
// # Keys
//
// A keyring lives in a directory (mode 0700) of two files (mode 0600), each
// replaced as a whole — written to a temporary file, synced, renamed over
// the old one, and the directory synced — so that a crash leaves the old
// keys or the new ones, never half a key:
//
//	master.json   the master keys: 32 random bytes each, with their time of creation
//	signing.pem   the RSA-2048 signing keys, PKCS #8
//
// Each file holds at most two generations, oldest first; the last is the one
// in use. Options.MasterKey may give the master key instead (for a cluster,
// whose nodes must share it); it is then never written to the directory.
// The signing keys always live in the directory: the nodes of a cluster must
// be given the same signing.pem, and a rotation on one node reaches the
// others when they reopen it.
//
// From each master key K come, by HKDF-Expand (RFC 5869, SHA-256, K as the
// pseudorandom key, one label each):
//
//	key id      the first 4 bytes of HKDF-Expand(K, "wicket keyring v1 key id")
//	K_akid      HKDF-Expand(K, "wicket keyring v1 access key id")
//	K_secret    HKDF-Expand(K, "wicket keyring v1 secret access key")
//	K_seal      HKDF-Expand(K, "wicket keyring v1 seal")
//
// The key id follows from the key, so every node that has the key agrees on
// it, and it reveals nothing of the key. A signing key's kid is the RFC 7638
// thumbprint of its public key.
//
// # Temporary credentials
//
// Issue draws a random 16-byte nonce N and derives:
//
//	access key id   "ASIA" + base32(HMAC-SHA256(K_akid, N)[:10])     20 characters, [A-Z2-7]
//	secret key      base64(HMAC-SHA256(K_secret, N)[:30])             40 characters
//	sealing key     HMAC-SHA256(K_seal, N)                            AES-256, this token only
//
// The session token is the standard base64 (with padding; AWS tokens look
// alike, and a presigned URL percent-encodes it) of
//
//	version   1 byte, 1
//	key id    4 bytes: the master key generation that sealed it
//	N         16 bytes
//	sealed    AES-256-GCM under the sealing key, with a zero nonce, of the
//	          encoded claims, with the first 21 bytes and the access key id
//	          as additional data; the 16-byte tag last
//
// Each token has a key of its own, used once, so a fixed GCM nonce is safe
// and no bound on the number of tokens per master key applies. The claims
// are confidential as well as authenticated: a client cannot read its own
// token. The secret is never stored: Open derives it again from N.
//
// The claims are encoded as fields in a fixed order without names: strings
// length-prefixed (uvarint), times as Unix seconds (Issued, then the
// lifetime), AMR and tags as a count and their strings. A string can also
// be an index into a small fixed dictionary ("CognitoIdentityCredentials",
// "unauthenticated" …), a fixed prefix ("arn:aws:iam::000000000000:role/")
// and the rest, a reference to an earlier string of the same token, or a
// "region:uuid" id as its region and 16 bytes — which keeps a guest's
// token near 210 characters. Every length and count is bounded (MaxStringLen,
// MaxPolicyLen, MaxAMR, MaxTags …, MaxTokenLen over all), and decoding
// checks each against what is left, so that no input makes it panic.
//
// Open refuses (ErrInvalidToken) a token that is not exactly that —
// malformed, altered in any byte, sealed under a key the keyring no longer
// has, or presented with an access key id other than its own, which is
// compared in constant time — and refuses a genuine one at or after its
// expiry (ErrExpiredToken). Opened tokens are cached by their exact string
// until they expire, so that a repeated request costs a map lookup; the
// cache is emptied whenever a master key is removed.
//
// Revoking an identity before its credentials expire is not the keyring's
// business: the caller compares Claims.Issued with the identity's "not
// before" time after Open.
//
// # Rotation
//
// RotateMasterKey adds a new master key that seals every new token; the
// previous key still opens the tokens it sealed. At most two keys are kept,
// so a rotation removes the key before the previous one. RetireMasterKeys
// removes the previous key earlier, once its tokens have expired (at most
// MaxLifetime after the rotation). Tokens of a removed key stop opening at
// once, so two rotations in a row — or a rotation and a retirement —
// revoke every outstanding credential.
//
// With Options.MasterKey ("current" or "current,previous") the nodes of a
// cluster rotate by configuration, in three rollouts, so that no node ever
// meets a token sealed under a key it does not have:
//
//  1. "old,new" everywhere: every node opens tokens of the new key; none
//     seals with it yet.
//  2. "new,old" everywhere: new tokens are sealed under the new key.
//  3. "new", once the last token of the old key has expired (after the
//     longest lifetime the nodes issue, MaxLifetime at most).
//
// RotateSigningKey adds a new RSA key that signs every new OpenID token; the
// previous key stays in the JWKS and its tokens keep verifying. At most two
// are kept.
//
// # If the directory leaks
//
// Whoever reads master.json (or Options.MasterKey) can mint session tokens
// with any claims — any role, any identity, any pool — and derive the
// secret of any token they see: full access to everything temporary
// credentials can reach, until the key is removed. Whoever reads
// signing.pem can mint OpenID tokens that Wicket's AssumeRoleWithWebIdentity,
// and anyone else who trusts Wicket as an issuer, accept. Neither file
// reveals root's or IAM users' secret keys, which are not kept here.
//
// To recover: rotate the master key twice (every temporary credential dies
// at once; clients fetch new ones), rotate the signing key twice, and keep
// the directory's backups as secret as the directory.
package keyring
