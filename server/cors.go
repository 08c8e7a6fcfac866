package server

import (
	"net/http"
	"strings"
)

// apiExposeHeaders are the response headers a page may read from the
// identity-pool and STS APIs: what the AWS SDKs for JavaScript look at.
const apiExposeHeaders = "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, x-amz-request-id, Date"

// maxPreflightHeaders bounds the request headers a preflight may ask for.
const maxPreflightHeaders = 2048

// apiPreflight answers a browser's CORS preflight of a POST to the
// identity-pool or STS API. Like AWS's endpoints, it allows any origin:
// these calls are authorized by what they carry (a signature, or nothing
// for the unsigned guest calls), never by cookies, so the origin grants
// nothing.
func apiPreflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if r.Header.Get("Origin") == "" {
		http.Error(w, "Insufficient information. Origin request header needed.", http.StatusBadRequest)
		return
	}
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "POST, GET")
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" && len(req) <= maxPreflightHeaders {
		h.Set("Access-Control-Allow-Headers", strings.ToLower(req))
	}
	h.Set("Access-Control-Max-Age", "7200")
	h.Set("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
	w.WriteHeader(http.StatusOK)
}
