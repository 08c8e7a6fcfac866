package server

import (
	"encoding/json"
	"net/http"
)

// openIDConfiguration is the discovery document of Wicket as an OpenID
// issuer: enough for a relying party (another Wicket, AWS STS, any OIDC
// library) to find the keys that verify identity pools' tokens.
func (s *Server) openIDConfiguration(w http.ResponseWriter, r *http.Request) {
	doc := map[string]any{
		"issuer":                                s.cfg.Issuer,
		"jwks_uri":                              s.cfg.Issuer + wellKnownPrefix + "jwks.json",
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"claims_supported":                      []string{"iss", "sub", "aud", "exp", "iat", "amr"},
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	json.NewEncoder(w).Encode(doc)
}

// jwks publishes the public keys that sign Wicket's OpenID tokens.
func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	b, err := s.keys.JWKS()
	if err != nil {
		s.log.Error("publish JWKS", "err", err)
		http.Error(w, "keys unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(b)
}
