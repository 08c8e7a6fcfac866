package identitypool

import (
	"time"
)

// The JSON shapes of the API, with AWS's member names.

type poolJSON struct {
	IdentityPoolID                 string             `json:"IdentityPoolId,omitempty"`
	IdentityPoolName               string             `json:"IdentityPoolName"`
	AllowUnauthenticatedIdentities *bool              `json:"AllowUnauthenticatedIdentities"`
	AllowClassicFlow               *bool              `json:"AllowClassicFlow,omitempty"`
	SupportedLoginProviders        map[string]string  `json:"SupportedLoginProviders,omitempty"`
	DeveloperProviderName          string             `json:"DeveloperProviderName,omitempty"`
	OpenIDConnectProviderARNs      []string           `json:"OpenIdConnectProviderARNs,omitempty"`
	CognitoIdentityProviders       []UserPoolProvider `json:"CognitoIdentityProviders,omitempty"`
	SamlProviderARNs               []string           `json:"SamlProviderARNs,omitempty"`
	IdentityPoolTags               map[string]string  `json:"IdentityPoolTags,omitempty"`
}

func (j *poolJSON) pool(op string) (*Pool, error) {
	if j.AllowUnauthenticatedIdentities == nil {
		return nil, invalidParameter(op, "1 validation error detected: Value null at 'allowUnauthenticatedIdentities' failed to satisfy constraint: Member must not be null")
	}
	p := &Pool{ID: j.IdentityPoolID, Name: j.IdentityPoolName, AllowUnauthenticatedIdentities: *j.AllowUnauthenticatedIdentities,
		SupportedLoginProviders: j.SupportedLoginProviders, DeveloperProviderName: j.DeveloperProviderName,
		OpenIDConnectProviderARNs: j.OpenIDConnectProviderARNs, CognitoIdentityProviders: j.CognitoIdentityProviders,
		SAMLProviderARNs: j.SamlProviderARNs, Tags: j.IdentityPoolTags}
	if j.AllowClassicFlow != nil {
		p.AllowClassicFlow = *j.AllowClassicFlow
	}
	return p, nil
}

func toPoolJSON(p *Pool) poolJSON {
	unauth, classic := p.AllowUnauthenticatedIdentities, p.AllowClassicFlow
	return poolJSON{IdentityPoolID: p.ID, IdentityPoolName: p.Name, AllowUnauthenticatedIdentities: &unauth,
		AllowClassicFlow: &classic, SupportedLoginProviders: p.SupportedLoginProviders,
		DeveloperProviderName: p.DeveloperProviderName, OpenIDConnectProviderARNs: p.OpenIDConnectProviderARNs,
		CognitoIdentityProviders: p.CognitoIdentityProviders, SamlProviderARNs: p.SAMLProviderARNs, IdentityPoolTags: p.Tags}
}

// epoch is a time as the JSON protocol sends timestamps: seconds since the
// epoch, as a number.
func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

type identityJSON struct {
	IdentityID       string   `json:"IdentityId"`
	Logins           []string `json:"Logins,omitempty"`
	CreationDate     float64  `json:"CreationDate"`
	LastModifiedDate float64  `json:"LastModifiedDate"`
}

func toIdentityJSON(i IdentityInfo) identityJSON {
	return identityJSON{i.ID, i.Logins, epoch(i.Created), epoch(i.Modified)}
}

type poolRef struct {
	IdentityPoolID string `json:"IdentityPoolId"`
}

func poolOf(c *call) string {
	var r poolRef
	c.decode(&r)
	return r.IdentityPoolID
}

var operations = map[string]operation{
	"CreateIdentityPool": {fn: func(h *Handler, c *call) (any, error) {
		var in poolJSON
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		p, err := in.pool("CreateIdentityPool")
		if err != nil {
			return nil, err
		}
		if p, err = h.svc.CreatePool(c.ctx, p); err != nil {
			return nil, err
		}
		return toPoolJSON(p), nil
	}},
	"DescribeIdentityPool": {fn: func(h *Handler, c *call) (any, error) {
		p, err := h.svc.DescribePool(c.ctx, poolOf(c))
		if err != nil {
			return nil, err
		}
		return toPoolJSON(p), nil
	}, pool: poolOf},
	"ListIdentityPools": {fn: func(h *Handler, c *call) (any, error) {
		var in struct {
			MaxResults int
			NextToken  string
		}
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		pools, next, err := h.svc.ListPools(c.ctx, in.MaxResults, in.NextToken)
		if err != nil {
			return nil, err
		}
		type entry struct {
			IdentityPoolID   string `json:"IdentityPoolId"`
			IdentityPoolName string `json:"IdentityPoolName"`
		}
		out := struct {
			IdentityPools []entry `json:"IdentityPools"`
			NextToken     string  `json:"NextToken,omitempty"`
		}{IdentityPools: []entry{}, NextToken: next}
		for _, p := range pools {
			out.IdentityPools = append(out.IdentityPools, entry{p.ID, p.Name})
		}
		return out, nil
	}},
	"UpdateIdentityPool": {fn: func(h *Handler, c *call) (any, error) {
		var in poolJSON
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		p, err := in.pool("UpdateIdentityPool")
		if err != nil {
			return nil, err
		}
		if p, err = h.svc.UpdatePool(c.ctx, p); err != nil {
			return nil, err
		}
		return toPoolJSON(p), nil
	}, pool: poolOf},
	"DeleteIdentityPool": {fn: func(h *Handler, c *call) (any, error) {
		return nil, h.svc.DeletePool(c.ctx, poolOf(c))
	}, pool: poolOf},
	"SetIdentityPoolRoles": {fn: func(h *Handler, c *call) (any, error) {
		var in struct {
			IdentityPoolID string                 `json:"IdentityPoolId"`
			Roles          map[string]string      `json:"Roles"`
			RoleMappings   map[string]RoleMapping `json:"RoleMappings"`
		}
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		return nil, h.svc.SetRoles(c.ctx, in.IdentityPoolID, Roles{Roles: in.Roles, RoleMappings: in.RoleMappings})
	}, pool: poolOf},
	"GetIdentityPoolRoles": {fn: func(h *Handler, c *call) (any, error) {
		id := poolOf(c)
		r, err := h.svc.GetRoles(c.ctx, id)
		if err != nil {
			return nil, err
		}
		return struct {
			IdentityPoolID string                 `json:"IdentityPoolId"`
			Roles          map[string]string      `json:"Roles,omitempty"`
			RoleMappings   map[string]RoleMapping `json:"RoleMappings,omitempty"`
		}{id, r.Roles, r.RoleMappings}, nil
	}, pool: poolOf},
	"TagResource": {fn: func(h *Handler, c *call) (any, error) {
		var in struct {
			ResourceArn string
			Tags        map[string]string
		}
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		return nil, h.svc.TagPool(c.ctx, poolFromARN(in.ResourceArn), in.Tags, nil)
	}, pool: arnPool},
	"UntagResource": {fn: func(h *Handler, c *call) (any, error) {
		var in struct {
			ResourceArn string
			TagKeys     []string
		}
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		return nil, h.svc.TagPool(c.ctx, poolFromARN(in.ResourceArn), nil, in.TagKeys)
	}, pool: arnPool},
	"ListTagsForResource": {fn: func(h *Handler, c *call) (any, error) {
		var in struct{ ResourceArn string }
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		p, err := h.svc.DescribePool(c.ctx, poolFromARN(in.ResourceArn))
		if err != nil {
			return nil, err
		}
		tags := p.Tags
		if tags == nil {
			tags = map[string]string{}
		}
		return struct{ Tags map[string]string }{tags}, nil
	}, pool: arnPool},

	"GetId": {unsigned: true, fn: func(h *Handler, c *call) (any, error) {
		var in struct {
			AccountID      string `json:"AccountId"`
			IdentityPoolID string `json:"IdentityPoolId"`
			Logins         map[string]string
		}
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		id, err := h.svc.GetID(c.ctx, in.IdentityPoolID, in.Logins, c.sourceIP)
		if err != nil {
			return nil, err
		}
		return struct {
			IdentityID string `json:"IdentityId"`
		}{id}, nil
	}},
	"GetCredentialsForIdentity": {unsigned: true, fn: func(h *Handler, c *call) (any, error) {
		var in struct {
			IdentityID    string `json:"IdentityId"`
			Logins        map[string]string
			CustomRoleArn string
		}
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		cr, err := h.svc.GetCredentials(c.ctx, in.IdentityID, in.Logins, in.CustomRoleArn, c.sourceIP)
		if err != nil {
			return nil, err
		}
		type credentials struct {
			AccessKeyID  string  `json:"AccessKeyId"`
			SecretKey    string  `json:"SecretKey"`
			SessionToken string  `json:"SessionToken"`
			Expiration   float64 `json:"Expiration"`
		}
		return struct {
			IdentityID  string `json:"IdentityId"`
			Credentials credentials
		}{cr.IdentityID, credentials{cr.AccessKeyID, cr.SecretAccessKey, cr.SessionToken, float64(cr.Expiration.Unix())}}, nil
	}},
	"GetOpenIdToken": {unsigned: true, fn: func(h *Handler, c *call) (any, error) {
		var in struct {
			IdentityID string `json:"IdentityId"`
			Logins     map[string]string
		}
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		tok, err := h.svc.GetOpenIDToken(c.ctx, in.IdentityID, in.Logins)
		if err != nil {
			return nil, err
		}
		return struct {
			IdentityID string `json:"IdentityId"`
			Token      string
		}{in.IdentityID, tok}, nil
	}},
	"GetOpenIdTokenForDeveloperIdentity": {fn: func(h *Handler, c *call) (any, error) {
		var in struct {
			IdentityPoolID string `json:"IdentityPoolId"`
			IdentityID     string `json:"IdentityId"`
			Logins         map[string]string
			PrincipalTags  map[string]string
			TokenDuration  int64
		}
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		id, tok, err := h.svc.GetOpenIDTokenForDeveloper(c.ctx, in.IdentityPoolID, in.IdentityID, in.Logins, in.PrincipalTags, time.Duration(in.TokenDuration)*time.Second)
		if err != nil {
			return nil, err
		}
		return struct {
			IdentityID string `json:"IdentityId"`
			Token      string
		}{id, tok}, nil
	}, pool: poolOf},
	"DescribeIdentity": {fn: func(h *Handler, c *call) (any, error) {
		var in struct {
			IdentityID string `json:"IdentityId"`
		}
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		i, err := h.svc.DescribeIdentity(c.ctx, in.IdentityID)
		if err != nil {
			return nil, err
		}
		return toIdentityJSON(*i), nil
	}, pool: identityPool},
	"ListIdentities": {fn: func(h *Handler, c *call) (any, error) {
		var in struct {
			IdentityPoolID string `json:"IdentityPoolId"`
			MaxResults     int
			NextToken      string
			HideDisabled   bool
		}
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		ids, next, err := h.svc.ListIdentities(c.ctx, in.IdentityPoolID, in.MaxResults, in.NextToken)
		if err != nil {
			return nil, err
		}
		out := struct {
			IdentityPoolID string         `json:"IdentityPoolId"`
			Identities     []identityJSON `json:"Identities"`
			NextToken      string         `json:"NextToken,omitempty"`
		}{in.IdentityPoolID, []identityJSON{}, next}
		for _, i := range ids {
			out.Identities = append(out.Identities, toIdentityJSON(i))
		}
		return out, nil
	}, pool: poolOf},
	"DeleteIdentities": {fn: func(h *Handler, c *call) (any, error) {
		var in struct{ IdentityIdsToDelete []string }
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		un, err := h.svc.DeleteIdentities(c.ctx, in.IdentityIdsToDelete)
		if err != nil {
			return nil, err
		}
		type entry struct {
			IdentityID string `json:"IdentityId"`
			ErrorCode  string
		}
		out := struct{ UnprocessedIdentityIds []entry }{[]entry{}}
		for id, code := range un {
			out.UnprocessedIdentityIds = append(out.UnprocessedIdentityIds, entry{id, code})
		}
		return out, nil
	}},
	"UnlinkIdentity": {unsigned: true, fn: func(h *Handler, c *call) (any, error) {
		var in struct {
			IdentityID     string `json:"IdentityId"`
			Logins         map[string]string
			LoginsToRemove []string
		}
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		return nil, h.svc.UnlinkIdentity(c.ctx, in.IdentityID, in.Logins, in.LoginsToRemove)
	}},
	"LookupDeveloperIdentity": {fn: func(h *Handler, c *call) (any, error) {
		var in struct {
			IdentityPoolID          string `json:"IdentityPoolId"`
			IdentityID              string `json:"IdentityId"`
			DeveloperUserIdentifier string
			MaxResults              int
			NextToken               string
		}
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		d, err := h.svc.LookupDeveloperIdentity(c.ctx, DeveloperLookup{Pool: in.IdentityPoolID, IdentityID: in.IdentityID, User: in.DeveloperUserIdentifier,
			MaxResults: in.MaxResults, NextToken: in.NextToken})
		if err != nil {
			return nil, err
		}
		if d.Users == nil {
			d.Users = []string{}
		}
		return struct {
			IdentityID                  string `json:"IdentityId"`
			DeveloperUserIdentifierList []string
			NextToken                   string `json:",omitempty"`
		}{d.IdentityID, d.Users, d.NextToken}, nil
	}, pool: poolOf},
	"MergeDeveloperIdentities": {fn: func(h *Handler, c *call) (any, error) {
		var in struct {
			IdentityPoolID            string `json:"IdentityPoolId"`
			DeveloperProviderName     string
			SourceUserIdentifier      string
			DestinationUserIdentifier string
		}
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		id, err := h.svc.MergeDeveloperIdentities(c.ctx, in.IdentityPoolID, in.DeveloperProviderName, in.SourceUserIdentifier, in.DestinationUserIdentifier)
		if err != nil {
			return nil, err
		}
		return struct {
			IdentityID string `json:"IdentityId"`
		}{id}, nil
	}, pool: poolOf},
	"UnlinkDeveloperIdentity": {fn: func(h *Handler, c *call) (any, error) {
		var in struct {
			IdentityPoolID          string `json:"IdentityPoolId"`
			IdentityID              string `json:"IdentityId"`
			DeveloperProviderName   string
			DeveloperUserIdentifier string
		}
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		return nil, h.svc.UnlinkDeveloperIdentity(c.ctx, in.IdentityPoolID, in.IdentityID, in.DeveloperProviderName, in.DeveloperUserIdentifier)
	}, pool: poolOf},

	// Wicket's own operations, beyond AWS: revocation.
	"WicketRevokeIdentity": {fn: func(h *Handler, c *call) (any, error) {
		var in struct {
			IdentityID string `json:"IdentityId"`
		}
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		return nil, h.svc.RevokeIdentity(c.ctx, in.IdentityID)
	}, pool: identityPool},
	"WicketRevokePool": {fn: func(h *Handler, c *call) (any, error) {
		return nil, h.svc.RevokePool(c.ctx, poolOf(c))
	}, pool: poolOf},
}

// identityPool is the pool of the identity a request names: the region
// and pool are not in an identity id, so authorization looks it up.
func identityPool(c *call) string {
	return "" // authorized on "*": identity ids do not name their pool
}

func arnPool(c *call) string {
	var in struct{ ResourceArn string }
	c.decode(&in)
	return poolFromARN(in.ResourceArn)
}

// poolFromARN is the pool id of arn:aws:cognito-identity:<region>:<account>:identitypool/<id>.
func poolFromARN(arn string) string {
	const marker = ":identitypool/"
	for i := 0; i+len(marker) <= len(arn); i++ {
		if arn[i:i+len(marker)] == marker {
			return arn[i+len(marker):]
		}
	}
	return arn
}
