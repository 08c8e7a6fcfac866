package s3api

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
)

// Limits of a CORS configuration, as S3 has them.
const (
	maxCORSRules  = 100
	maxCORSBody   = 64 << 10
	maxCORSRuleID = 255
)

// corsConfiguration is the document of PutBucketCors and GetBucketCors.
// Unknown elements are caught rather than ignored: a rule that says
// AllowedHeaders (a common slip) must not silently allow no header.
type corsConfiguration struct {
	XMLName xml.Name      `xml:"CORSConfiguration"`
	Xmlns   string        `xml:"xmlns,attr,omitempty"`
	Rules   []corsRuleXML `xml:"CORSRule"`
	Unknown []anyElement  `xml:",any"`
}

// corsRuleXML is one rule, its elements in the order GetBucketCors writes
// them. ID and MaxAgeSeconds are lists so that a repeated one is seen.
type corsRuleXML struct {
	ID             []string     `xml:"ID"`
	AllowedMethods []string     `xml:"AllowedMethod"`
	AllowedOrigins []string     `xml:"AllowedOrigin"`
	AllowedHeaders []string     `xml:"AllowedHeader"`
	MaxAgeSeconds  []string     `xml:"MaxAgeSeconds"`
	ExposeHeaders  []string     `xml:"ExposeHeader"`
	Unknown        []anyElement `xml:",any"`
}

// anyElement catches an element a document should not have.
type anyElement struct {
	XMLName xml.Name
}

// corsRule is a rule ready to match requests.
type corsRule struct {
	origins []string // as configured; matched case-sensitively
	methods []string
	headers []string // lower case; matched case-insensitively
	expose  []string
	maxAge  *int32 // nil when not set
	// anyOrigin is set when an AllowedOrigin is "*": S3 then answers
	// Access-Control-Allow-Origin: * and no Allow-Credentials.
	anyOrigin bool
}

var corsMethods = map[string]bool{"GET": true, "PUT": true, "POST": true, "DELETE": true, "HEAD": true}

// parseCORS decodes and validates a CORS configuration. The structure is
// checked first (MalformedXML), then each rule's values in order
// (InvalidRequest), as S3 reports them.
func parseCORS(doc []byte) (*corsConfiguration, []corsRule, error) {
	var cfg corsConfiguration
	if err := xml.Unmarshal(doc, &cfg); err != nil {
		return nil, nil, errCode("MalformedXML")
	}
	if len(cfg.Rules) == 0 || len(cfg.Rules) > maxCORSRules || len(cfg.Unknown) > 0 {
		return nil, nil, errCode("MalformedXML")
	}
	rules := make([]corsRule, len(cfg.Rules))
	for i, r := range cfg.Rules {
		if len(r.AllowedOrigins) == 0 || len(r.AllowedMethods) == 0 || len(r.Unknown) > 0 ||
			len(r.ID) > 1 || len(r.MaxAgeSeconds) > 1 || len(r.ID) == 1 && len(r.ID[0]) > maxCORSRuleID {
			return nil, nil, errCode("MalformedXML")
		}
		if len(r.MaxAgeSeconds) == 1 {
			// An xsd:int: S3 takes a negative one too, and answers it as
			// given.
			n, err := strconv.ParseInt(strings.TrimSpace(r.MaxAgeSeconds[0]), 10, 32)
			if err != nil {
				return nil, nil, errCode("MalformedXML")
			}
			age := int32(n)
			rules[i].maxAge = &age
		}
	}
	for i, r := range cfg.Rules {
		for _, m := range r.AllowedMethods {
			if !corsMethods[m] {
				return nil, nil, errCode("InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is "+m)
			}
		}
		for _, o := range r.AllowedOrigins {
			if strings.Count(o, "*") > 1 {
				return nil, nil, errCode("InvalidRequest", `AllowedOrigin "`+o+`" can not have more than one wildcard.`)
			}
		}
		// A header name is an HTTP token: one with another character can
		// match no header. S3 words the refusal for AllowedHeader whichever
		// list holds the name.
		for _, hd := range r.AllowedHeaders {
			if strings.Count(hd, "*") > 1 {
				return nil, nil, errCode("InvalidRequest", `AllowedHeader "`+hd+`" can not have more than one wildcard.`)
			}
			if !isToken(hd) {
				return nil, nil, errCode("InvalidRequest", `AllowedHeader "`+hd+`" contains invalid character.`)
			}
		}
		for _, e := range r.ExposeHeaders {
			if strings.Contains(e, "*") {
				return nil, nil, errCode("InvalidRequest", `ExposeHeader "`+e+`" contains wildcard. We currently do not support wildcard for ExposeHeader.`)
			}
			if !isToken(e) {
				return nil, nil, errCode("InvalidRequest", `AllowedHeader "`+e+`" contains invalid character.`)
			}
		}
		rule := &rules[i]
		rule.origins, rule.methods, rule.expose = r.AllowedOrigins, r.AllowedMethods, r.ExposeHeaders
		for _, o := range r.AllowedOrigins {
			rule.anyOrigin = rule.anyOrigin || o == "*"
		}
		for _, hd := range r.AllowedHeaders {
			rule.headers = append(rule.headers, strings.ToLower(strings.TrimSpace(hd)))
		}
	}
	return &cfg, rules, nil
}

// canonicalCORS validates a CORS configuration and writes it as S3 writes
// it back; that is what is stored, and what GetBucketCors returns as is.
func canonicalCORS(body []byte) ([]byte, error) {
	cfg, _, err := parseCORS(body)
	if err != nil {
		return nil, err
	}
	cfg.Xmlns, cfg.Unknown = s3NS, nil
	return xml.Marshal(cfg)
}

func (h *Handler) putBucketCors(q *request) error {
	if _, err := h.meta.GetBucket(q.r.Context(), q.bucket); err != nil {
		return err
	}
	if err := needIntegrity(q.r.Header); err != nil {
		return err
	}
	body, err := h.readBody(q, maxCORSBody, errCode("MalformedXML"))
	if err != nil {
		return err
	}
	doc, err := canonicalCORS(body)
	if err != nil {
		return err
	}
	if err := h.meta.PutBucketConfig(q.r.Context(), q.bucket, configCORS, doc); err != nil {
		return err
	}
	h.cors.forget(q.bucket)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) getBucketCors(q *request) error {
	return h.writeConfig(q, configCORS, "NoSuchCORSConfiguration")
}

func (h *Handler) deleteBucketCors(q *request) error {
	if err := h.meta.PutBucketConfig(q.r.Context(), q.bucket, configCORS, nil); err != nil {
		return err
	}
	h.cors.forget(q.bucket)
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}
