package authn

import (
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/wicket-io/wicket/policy"
)

// SourceIP is the client's address as aws:SourceIp and the audit log see
// it: the peer of the connection (a proxy in front must pass it on).
func SourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// RequestKeys sets the global condition keys every API's request carries,
// whoever the principal: aws:SourceIp, aws:SecureTransport,
// aws:CurrentTime, aws:EpochTime, aws:UserAgent and aws:Referer.
func RequestKeys(c *policy.Context, r *http.Request, now time.Time) {
	if ip := SourceIP(r); ip != "" {
		c.Set("aws:SourceIp", ip)
	}
	c.Set("aws:SecureTransport", strconv.FormatBool(r.TLS != nil))
	c.Set("aws:CurrentTime", now.UTC().Format(time.RFC3339))
	c.Set("aws:EpochTime", strconv.FormatInt(now.Unix(), 10))
	if ua := r.UserAgent(); ua != "" {
		c.Set("aws:UserAgent", ua)
	}
	if ref := r.Referer(); ref != "" {
		c.Set("aws:Referer", ref)
	}
}
