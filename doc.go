// Package wicket holds the vocabulary that Wicket's packages share — the
// error type and its kinds, the Clock, principals and credentials, and the
// storage ports (MetaStore, BlobStore) — and nothing else: no logic beyond
// small helpers, and no imports outside the standard library, so that every
// other package can depend on it without dragging anything along.
//
// # Wicket
//
// Wicket lets people who have not logged in read (or write) chosen objects
// in private object storage, and lets logged-in users keep their own objects
// to themselves. It speaks AWS's own wire protocols — S3, STS, IAM and the
// Cognito Identity API — on one endpoint, so that every AWS client works
// with it unchanged.
//
// # The path of a request, from socket to disk
//
// The server package accepts a connection and reads the request line and
// headers under a time and size bound (a slow or huge header section never
// reaches a handler). It gives the request an id, sent back as
// x-amz-request-id on every response, and then routes it the way AWS
// endpoints do, from the request itself: a POST to / with an X-Amz-Target
// header is the identity-pool API (JSON 1.1); a POST to / with a form body
// naming Version 2011-06-15 or 2010-05-08 is STS or IAM (Query); anything
// else is S3 (REST-XML). Paths under /_wicket/ are Wicket's own (health and
// metrics): bucket names cannot contain '_', so they never collide with S3.
//
// Next comes authentication, one middleware shared by every API: the SigV4
// signature in the Authorization header, in the query string of a presigned
// URL, or on each chunk of an aws-chunked body; or no signature at all, in
// which case the caller is anonymous. The result is a Principal — root, a
// user, or a temporary session whose self-contained token names its role and
// identity. Authorization then evaluates IAM policies: the identity's
// policies (intersected with a session policy if there is one) and the
// bucket's policy; an explicit Deny anywhere wins. Handlers never re-check
// signatures or policies.
//
// A handler then does the operation. For an object PUT, it streams the body
// to a new blob while hashing it, fsyncs the blob, and only then commits the
// metadata row that points at it, so that a crash leaves the old object or
// the new one, never a torn one. Errors travel back as *Error values with a
// Kind; the API's edge turns the kind into that API's code, status and body.
package wicket
