package s3api

import (
	"strings"

	"github.com/wicket-io/wicket/sigv4"
)

// chunkReader decodes an aws-chunked body, verifying each chunk's signature
// against the request's own when the chunks are signed.
func (h *Handler) chunkReader(q *request, payloadHash string, decodedLen int64) (*sigv4.ChunkReader, error) {
	opts := sigv4.ChunkOptions{DecodedLength: decodedLen}
	if t := q.r.Header.Get("X-Amz-Trailer"); t != "" {
		for _, name := range strings.Split(t, ",") {
			opts.Trailers = append(opts.Trailers, strings.ToLower(strings.TrimSpace(name)))
		}
	}
	if payloadHash != sigv4.StreamingUnsignedPayloadTrailer {
		if q.auth == nil {
			return nil, errCode("InvalidRequest", "Anonymous requests don't support this x-amz-content-sha256 value. Please use UNSIGNED-PAYLOAD or STREAMING-UNSIGNED-PAYLOAD-TRAILER.")
		}
		opts.SigningKey = q.auth.SigningKey()
		opts.AmzDate = q.auth.AmzDate()
		opts.Scope = q.auth.Scope
		opts.SeedSignature = q.auth.Signature
	}
	if payloadHash == sigv4.StreamingPayload && len(opts.Trailers) > 0 {
		return nil, errCode("InvalidRequest", "The value specified in the x-amz-trailer header is not supported")
	}
	return sigv4.NewChunkReader(q.r.Body, opts), nil
}
