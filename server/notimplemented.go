package server

import (
	"fmt"
	"net/http"

	"github.com/wicket-io/wicket"
)

// The placeholder handlers answer each API's "no such operation" error until
// that API's package is wired in. They are what a client of a real AWS
// endpoint sees for an operation the endpoint does not know.

func notImplementedS3(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, apiS3, wicket.E("s3", wicket.NotImplemented))
}

func notImplementedQuery(a api) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// The router has already bounded a form body; this bound is for a
		// request routed by its URL query, whose body nobody has read.
		r.Body = http.MaxBytesReader(w, r.Body, maxQueryBody)
		_ = r.ParseForm()
		version := stsVersion
		if a == apiIAM {
			version = iamVersion
		}
		writeError(w, r, a, wicket.E(a.String(), wicket.NotImplemented,
			fmt.Sprintf("Could not find operation %s for version %s", r.Form.Get("Action"), version)))
	}
}

func notImplementedIdentityPool(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, apiIdentityPool, wicket.E("cognito-identity", wicket.NotImplemented,
		"Unknown operation "+r.Header.Get("X-Amz-Target")))
}
