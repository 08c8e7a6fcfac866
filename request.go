package wicket

import "context"

type requestIDKey struct{}

// WithRequestID returns a context carrying the id that the server gave the
// request, so that every API can quote the same id in its error bodies as
// the server sends in x-amz-request-id and writes to its log.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
