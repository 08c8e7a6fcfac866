// Package poolcreds gets AWS credentials from an identity pool (the Cognito
// Identity API), for guests and for logged-in users, and presigns S3 URLs
// with them. It works against Wicket and against AWS alike.
//
// aws-sdk-go-v2 has no identity-pool credentials provider; this is the one
// the JavaScript SDK's fromCognitoIdentityPool and Amplify provide, in Go. A
// Provider follows their enhanced flow: GetId once, to learn (or create) the
// identity, then GetCredentialsForIdentity whenever the credentials are
// about to expire. Both calls are unsigned, as on AWS, so a Provider needs no
// credentials of its own:
//
//	guest := poolcreds.New(poolcreds.Options{
//		IdentityPoolID: "us-east-1:5b5b47a5-8d31-4f43-9a3c-3b2a1e0c1b2d",
//		Endpoint:       "https://wicket.example.com", // empty for AWS
//	})
//	s3c := s3.New(s3.Options{Region: "us-east-1", Credentials: guest, ...})
//
// A logged-in user passes the tokens of its login providers in Logins, or a
// LoginsFunc that returns fresh ones at each refresh; the pool then hands
// out credentials of its authenticated role.
//
// The identity id is kept in an IdentityCache, keyed by the pool and the
// names of the login providers, so that a guest stays one identity for as
// long as the cache lives, rather than becoming a new identity at each
// refresh. An identity that disappears (deleted by the pool's owner) is
// forgotten and a new one is asked for, once.
//
// A URL presigned with temporary credentials stops working when the
// credentials expire, whatever its X-Amz-Expires says. PresignGet and
// PresignPut therefore return, with the URL, the time it really stops
// working: the earlier of the two.
package poolcreds
