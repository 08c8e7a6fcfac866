package iam

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/wicket-io/wicket"
)

var userActions = map[string]action{
	"CreateUser": {func(h *Handler, c *call) (any, error) {
		tags, err := c.tags()
		if err != nil {
			return nil, err
		}
		u, err := h.svc.CreateUser(c.ctx, c.Get("UserName"), c.Get("Path"), tags)
		if err != nil {
			return nil, err
		}
		return struct{ User xmlUser }{toXMLUser(u)}, nil
	}, userRes},
	"GetUser": {func(h *Handler, c *call) (any, error) {
		if c.actsOnRoot() {
			u, err := h.rootUser(c)
			return struct{ User xmlUser }{u}, err
		}
		name, err := c.defaultUser("iam.GetUser")
		if err != nil {
			return nil, err
		}
		u, err := h.svc.GetUser(c.ctx, name)
		if err != nil {
			return nil, err
		}
		return struct{ User xmlUser }{toXMLUser(u)}, nil
	}, userRes},
	"ListUsers": {func(h *Handler, c *call) (any, error) {
		prefix, err := c.pathPrefix(pathPrefix)
		if err != nil {
			return nil, err
		}
		users, err := h.svc.ListUsers(c.ctx, prefix)
		if err != nil {
			return nil, err
		}
		out, pg, err := pageAs(c, users, userKey, listedUser)
		if err != nil {
			return nil, err
		}
		return struct {
			Users []xmlUser `xml:"Users>member"`
			xmlPage
		}{out, pg}, nil
	}, listRes("user")},
	"DeleteUser": {func(h *Handler, c *call) (any, error) {
		return nil, h.svc.DeleteUser(c.ctx, c.Get("UserName"))
	}, userRes},
	"UpdateUser": {func(h *Handler, c *call) (any, error) {
		in := UpdateUserInput{Name: c.Get("UserName"), NewName: c.Get("NewUserName"), NewPath: c.Get("NewPath")}
		// "To change a user name, the requester must have appropriate
		// permissions on both the source object and the target object"
		// (API_UpdateUser): the source was authorized on the way in.
		if u, err := h.svc.GetUser(c.ctx, in.Name); err == nil {
			target := entityARN("user", cmp.Or(in.NewPath, u.Path), cmp.Or(in.NewName, u.Name))
			if err := h.authorizeOn(c, target); err != nil {
				return nil, err
			}
		}
		return nil, h.svc.UpdateUser(c.ctx, in)
	}, func(h *Handler, c *call) string { return h.resourceOf(c, FamilyUser, c.Get("UserName")) }},
	"TagUser": {func(h *Handler, c *call) (any, error) {
		tags, err := c.tags()
		if err != nil {
			return nil, err
		}
		return nil, h.svc.Tag(c.ctx, TaggedUser(c.Get("UserName")), tags)
	}, userRes},
	"UntagUser": {func(h *Handler, c *call) (any, error) {
		keys, err := c.modelList("TagKeys", maxTags)
		if err != nil {
			return nil, err
		}
		return nil, h.svc.Untag(c.ctx, TaggedUser(c.Get("UserName")), keys)
	}, userRes},
	"ListUserTags": {func(h *Handler, c *call) (any, error) {
		return listTags(h, c, TaggedUser(c.Get("UserName")))
	}, userRes},
}

// listTags answers List{User,Role,Policy,OpenIDConnectProvider}Tags: "The returned list of tags
// is sorted by tag key" (API_ListPolicyTags), a page at a time (MaxItems,
// Marker). Keys are unique whatever their case, so a key marks a place.
func listTags(h *Handler, c *call, t Taggable) (any, error) {
	tags, err := h.svc.Tags(c.ctx, t)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(tags, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
	tags, pg, err := page(c, tags, func(t Tag) string { return t.Key })
	if err != nil {
		return nil, err
	}
	return struct {
		Tags []xmlTag `xml:"Tags>member"`
		xmlPage
	}{xmlTags(tags), pg}, nil
}

var groupActions = map[string]action{
	"CreateGroup": {func(h *Handler, c *call) (any, error) {
		g, err := h.svc.CreateGroup(c.ctx, c.Get("GroupName"), c.Get("Path"))
		if err != nil {
			return nil, err
		}
		return struct{ Group xmlGroup }{toXMLGroup(g)}, nil
	}, groupRes},
	"GetGroup": {func(h *Handler, c *call) (any, error) {
		g, users, err := h.svc.GetGroup(c.ctx, c.Get("GroupName"))
		if err != nil {
			return nil, err
		}
		out, pg, err := pageAs(c, users, userKey, listedUser)
		if err != nil {
			return nil, err
		}
		return struct {
			Group xmlGroup
			Users []xmlUser `xml:"Users>member"`
			xmlPage
		}{toXMLGroup(g), out, pg}, nil
	}, groupRes},
	"ListGroups": {func(h *Handler, c *call) (any, error) {
		prefix, err := c.pathPrefix(pathPrefix)
		if err != nil {
			return nil, err
		}
		groups, err := h.svc.ListGroups(c.ctx, prefix)
		if err != nil {
			return nil, err
		}
		return groupPage(c, groups)
	}, listRes("group")},
	"ListGroupsForUser": {func(h *Handler, c *call) (any, error) {
		groups, err := h.svc.ListGroupsForUser(c.ctx, c.userName())
		if err != nil {
			return nil, err
		}
		return groupPage(c, groups)
	}, userRes},
	"DeleteGroup": {func(h *Handler, c *call) (any, error) {
		return nil, h.svc.DeleteGroup(c.ctx, c.Get("GroupName"))
	}, groupRes},
	"AddUserToGroup": {func(h *Handler, c *call) (any, error) {
		return nil, h.svc.AddUserToGroup(c.ctx, c.Get("GroupName"), c.Get("UserName"))
	}, groupRes},
	"RemoveUserFromGroup": {func(h *Handler, c *call) (any, error) {
		return nil, h.svc.RemoveUserFromGroup(c.ctx, c.Get("GroupName"), c.Get("UserName"))
	}, groupRes},
}

func userKey(u *User) string { return key(u.Name) }

// listedUser is a user as listings show it: without tags, as IAM does.
func listedUser(u *User) xmlUser {
	x := toXMLUser(u)
	x.Tags = nil
	return x
}

func groupPage(c *call, groups []*Group) (any, error) {
	out, pg, err := pageAs(c, groups, func(g *Group) string { return key(g.Name) }, toXMLGroup)
	if err != nil {
		return nil, err
	}
	return struct {
		Groups []xmlGroup `xml:"Groups>member"`
		xmlPage
	}{out, pg}, nil
}

// intParam reads an optional integer parameter.
func (c *call) intParam(name string) (*int, error) {
	v := c.Get(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, validation("iam", fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must be a number", v, lowerFirst(name)))
	}
	return &n, nil
}

var roleActions = map[string]action{
	"CreateRole": {func(h *Handler, c *call) (any, error) {
		tags, err := c.tags()
		if err != nil {
			return nil, err
		}
		d, err := c.intParam("MaxSessionDuration")
		if err != nil {
			return nil, err
		}
		in := CreateRoleInput{Name: c.Get("RoleName"), Path: c.Get("Path"), Trust: c.Get("AssumeRolePolicyDocument"),
			Description: c.Get("Description"), Tags: tags}
		if d != nil {
			// Checked here: to CreateRole, 0 means the default, and an
			// explicit 0 is out of range.
			if err := checkDuration("iam.CreateRole", *d); err != nil {
				return nil, err
			}
			in.MaxSessionDuration = *d
		}
		r, err := h.svc.CreateRole(c.ctx, in)
		if err != nil {
			return nil, err
		}
		return struct{ Role xmlRole }{toXMLRole(r)}, nil
	}, roleRes},
	"GetRole": {func(h *Handler, c *call) (any, error) {
		r, err := h.svc.GetRole(c.ctx, c.Get("RoleName"))
		if err != nil {
			return nil, err
		}
		return struct{ Role xmlRole }{toXMLRole(r)}, nil
	}, roleRes},
	"ListRoles": {func(h *Handler, c *call) (any, error) {
		prefix, err := c.pathPrefix(pathPrefix)
		if err != nil {
			return nil, err
		}
		roles, err := h.svc.ListRoles(c.ctx, prefix)
		if err != nil {
			return nil, err
		}
		out, pg, err := pageAs(c, roles, func(r *Role) string { return key(r.Name) }, func(r *Role) xmlRole {
			x := toXMLRole(r)
			x.Tags = nil // ListRoles leaves tags out, as IAM does
			return x
		})
		if err != nil {
			return nil, err
		}
		return struct {
			Roles []xmlRole `xml:"Roles>member"`
			xmlPage
		}{out, pg}, nil
	}, listRes("role")},
	"DeleteRole": {func(h *Handler, c *call) (any, error) {
		return nil, h.svc.DeleteRole(c.ctx, c.Get("RoleName"))
	}, roleRes},
	"UpdateRole": {func(h *Handler, c *call) (any, error) {
		d, err := c.intParam("MaxSessionDuration")
		if err != nil {
			return nil, err
		}
		var desc *string
		if c.Has("Description") {
			v := c.Get("Description")
			desc = &v
		}
		return struct{}{}, h.svc.UpdateRole(c.ctx, c.Get("RoleName"), desc, d)
	}, roleRes},
	"UpdateRoleDescription": {func(h *Handler, c *call) (any, error) {
		v := c.Get("Description")
		if err := h.svc.UpdateRole(c.ctx, c.Get("RoleName"), &v, nil); err != nil {
			return nil, err
		}
		r, err := h.svc.GetRole(c.ctx, c.Get("RoleName"))
		if err != nil {
			return nil, err
		}
		return struct{ Role xmlRole }{toXMLRole(r)}, nil
	}, roleRes},
	"UpdateAssumeRolePolicy": {func(h *Handler, c *call) (any, error) {
		return nil, h.svc.UpdateAssumeRolePolicy(c.ctx, c.Get("RoleName"), c.Get("PolicyDocument"))
	}, roleRes},
	"TagRole": {func(h *Handler, c *call) (any, error) {
		tags, err := c.tags()
		if err != nil {
			return nil, err
		}
		return nil, h.svc.Tag(c.ctx, TaggedRole(c.Get("RoleName")), tags)
	}, roleRes},
	"UntagRole": {func(h *Handler, c *call) (any, error) {
		keys, err := c.modelList("TagKeys", maxTags)
		if err != nil {
			return nil, err
		}
		return nil, h.svc.Untag(c.ctx, TaggedRole(c.Get("RoleName")), keys)
	}, roleRes},
	"ListRoleTags": {func(h *Handler, c *call) (any, error) {
		return listTags(h, c, TaggedRole(c.Get("RoleName")))
	}, roleRes},
}

var managedActions = map[string]action{
	"CreatePolicy": {func(h *Handler, c *call) (any, error) {
		tags, err := c.tags()
		if err != nil {
			return nil, err
		}
		p, err := h.svc.CreateManagedPolicy(c.ctx, CreatePolicyInput{Name: c.Get("PolicyName"), Path: c.Get("Path"),
			Description: c.Get("Description"), Document: c.Get("PolicyDocument"), Tags: tags})
		if err != nil {
			return nil, err
		}
		return struct{ Policy xmlPolicy }{toXMLPolicy(p)}, nil
	}, policyRes},
	"GetPolicy": {func(h *Handler, c *call) (any, error) {
		p, err := h.svc.GetManagedPolicy(c.ctx, c.Get("PolicyArn"))
		if err != nil {
			return nil, err
		}
		return struct{ Policy xmlPolicy }{toXMLPolicy(p)}, nil
	}, policyRes},
	"ListPolicies": {func(h *Handler, c *call) (any, error) {
		scope := c.Get("Scope")
		if scope != "" && scope != "All" && scope != "AWS" && scope != "Local" {
			return nil, validation("iam.ListPolicies", fmt.Sprintf("1 validation error detected: Value '%s' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]", scope))
		}
		prefix, err := c.pathPrefix(policyPath)
		if err != nil {
			return nil, err
		}
		ps, err := h.svc.ListManagedPolicies(c.ctx, scope, prefix, c.Get("OnlyAttached") == "true")
		if err != nil {
			return nil, err
		}
		out, pg, err := pageAs(c, ps, func(p *ManagedPolicy) string { return p.ARN }, listedPolicy)
		if err != nil {
			return nil, err
		}
		return struct {
			Policies []xmlPolicy `xml:"Policies>member"`
			xmlPage
		}{out, pg}, nil
	}, listRes("policy")},
	"ListEntitiesForPolicy": {func(h *Handler, c *call) (any, error) {
		return listEntitiesForPolicy(h, c)
	}, policyRes},
	"DeletePolicy": {func(h *Handler, c *call) (any, error) {
		return nil, h.svc.DeleteManagedPolicy(c.ctx, c.Get("PolicyArn"))
	}, policyRes},
	"CreatePolicyVersion": {func(h *Handler, c *call) (any, error) {
		v, err := h.svc.CreatePolicyVersion(c.ctx, c.Get("PolicyArn"), c.Get("PolicyDocument"), c.Get("SetAsDefault") == "true")
		if err != nil {
			return nil, err
		}
		return struct{ PolicyVersion xmlPolicyVersion }{xmlPolicyVersion{VersionId: v.ID, IsDefaultVersion: c.Get("SetAsDefault") == "true", CreateDate: isoTime(v.Created)}}, nil
	}, policyRes},
	"GetPolicyVersion": {func(h *Handler, c *call) (any, error) {
		p, v, err := h.svc.GetPolicyVersion(c.ctx, c.Get("PolicyArn"), c.Get("VersionId"))
		if err != nil {
			return nil, err
		}
		return struct{ PolicyVersion xmlPolicyVersion }{xmlPolicyVersion{encodeDoc(v.Doc), v.ID, v.ID == p.DefaultVersion, isoTime(v.Created)}}, nil
	}, policyRes},
	"ListPolicyVersions": {func(h *Handler, c *call) (any, error) {
		p, err := h.svc.GetManagedPolicy(c.ctx, c.Get("PolicyArn"))
		if err != nil {
			return nil, err
		}
		vs := slices.Clone(p.Versions)
		slices.Reverse(vs) // newest first, as IAM lists them
		out := make([]xmlPolicyVersion, len(vs))
		for i, v := range vs {
			out[i] = xmlPolicyVersion{VersionId: v.ID, IsDefaultVersion: v.ID == p.DefaultVersion, CreateDate: isoTime(v.Created)}
		}
		return struct {
			Versions []xmlPolicyVersion `xml:"Versions>member"`
			xmlPage
		}{out, xmlPage{}}, nil
	}, policyRes},
	"DeletePolicyVersion": {func(h *Handler, c *call) (any, error) {
		return nil, h.svc.DeletePolicyVersion(c.ctx, c.Get("PolicyArn"), c.Get("VersionId"))
	}, policyRes},
	"SetDefaultPolicyVersion": {func(h *Handler, c *call) (any, error) {
		return nil, h.svc.SetDefaultPolicyVersion(c.ctx, c.Get("PolicyArn"), c.Get("VersionId"))
	}, policyRes},
	"TagPolicy": {func(h *Handler, c *call) (any, error) {
		tags, err := c.tags()
		if err != nil {
			return nil, err
		}
		return nil, h.svc.Tag(c.ctx, TaggedPolicy(c.Get("PolicyArn")), tags)
	}, policyRes},
	"UntagPolicy": {func(h *Handler, c *call) (any, error) {
		keys, err := c.modelList("TagKeys", maxTags)
		if err != nil {
			return nil, err
		}
		return nil, h.svc.Untag(c.ctx, TaggedPolicy(c.Get("PolicyArn")), keys)
	}, policyRes},
	"ListPolicyTags": {func(h *Handler, c *call) (any, error) {
		return listTags(h, c, TaggedPolicy(c.Get("PolicyArn")))
	}, policyRes},
}

// listEntitiesForPolicy serves ListEntitiesForPolicy. Users, groups and
// roles are paged as one list, groups first, then roles, then users, each
// by name; the marker names the last entity of a page by kind and name.
func listEntitiesForPolicy(h *Handler, c *call) (any, error) {
	const op = "iam.ListEntitiesForPolicy"
	filter := c.Get("EntityFilter")
	switch filter {
	case "", "User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy":
	default:
		return nil, validation(op, fmt.Sprintf("1 validation error detected: Value '%s' at 'entityFilter' failed to satisfy constraint: Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]", filter))
	}
	usage := c.Get("PolicyUsageFilter")
	switch usage {
	case "", "PermissionsPolicy", "PermissionsBoundary":
	default:
		return nil, validation(op, fmt.Sprintf("1 validation error detected: Value '%s' at 'policyUsageFilter' failed to satisfy constraint: Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]", usage))
	}
	prefix, err := c.pathPrefix(entityPath)
	if err != nil {
		return nil, err
	}
	ents, err := h.svc.EntitiesForPolicy(c.ctx, c.Get("PolicyArn"))
	if err != nil {
		return nil, err
	}
	type entity struct {
		key, kind, name, id string
	}
	var all []entity
	want := func(kind, path string) bool {
		// Wicket has no permissions boundaries; no entity is of a
		// policy type (the filters LocalManagedPolicy and AWSManagedPolicy
		// share EntityType with GetAccountAuthorizationDetails).
		return usage != "PermissionsBoundary" && (filter == "" || filter == kind) && strings.HasPrefix(path, prefix)
	}
	for _, g := range ents.Groups {
		if want("Group", g.Path) {
			all = append(all, entity{"group/" + key(g.Name), "Group", g.Name, g.ID})
		}
	}
	for _, r := range ents.Roles {
		if want("Role", r.Path) {
			all = append(all, entity{"role/" + key(r.Name), "Role", r.Name, r.ID})
		}
	}
	for _, u := range ents.Users {
		if want("User", u.Path) {
			all = append(all, entity{"user/" + key(u.Name), "User", u.Name, u.ID})
		}
	}
	all, pg, err := page(c, all, func(e entity) string { return e.key })
	if err != nil {
		return nil, err
	}
	type group struct{ GroupName, GroupId string }
	type user struct{ UserName, UserId string }
	type role struct{ RoleName, RoleId string }
	var out struct {
		PolicyGroups members[group]
		PolicyUsers  members[user]
		PolicyRoles  members[role]
		xmlPage
	}
	for _, e := range all {
		switch e.kind {
		case "Group":
			out.PolicyGroups.Member = append(out.PolicyGroups.Member, group{e.name, e.id})
		case "Role":
			out.PolicyRoles.Member = append(out.PolicyRoles.Member, role{e.name, e.id})
		default:
			out.PolicyUsers.Member = append(out.PolicyUsers.Member, user{e.name, e.id})
		}
	}
	out.xmlPage = pg
	return out, nil
}

var accountActions = map[string]action{
	"GetAccountSummary": {func(h *Handler, c *call) (any, error) {
		m, err := h.svc.AccountSummary(c.ctx)
		if err != nil {
			return nil, err
		}
		type entry struct {
			Key   string `xml:"key"`
			Value int    `xml:"value"`
		}
		var out struct {
			SummaryMap []entry `xml:"SummaryMap>entry"`
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			out.SummaryMap = append(out.SummaryMap, entry{k, m[k]})
		}
		return out, nil
	}, nil},
}

var keyActions = map[string]action{
	"CreateAccessKey": {func(h *Handler, c *call) (any, error) {
		if c.actsOnRoot() {
			return nil, rootKeyChange(c, "iam.CreateAccessKey")
		}
		name, err := c.defaultUser("iam.CreateAccessKey")
		if err != nil {
			return nil, err
		}
		k, err := h.svc.CreateAccessKey(c.ctx, name)
		if err != nil {
			return nil, err
		}
		return struct{ AccessKey xmlAccessKey }{toXMLKey(k)}, nil
	}, userRes},
	"ListAccessKeys": {func(h *Handler, c *call) (any, error) {
		if c.actsOnRoot() {
			keys, err := h.rootKeys(c)
			return struct {
				AccessKeyMetadata []xmlAccessKey `xml:"AccessKeyMetadata>member"`
				xmlPage
			}{keys, xmlPage{}}, err
		}
		name, err := c.defaultUser("iam.ListAccessKeys")
		if err != nil {
			return nil, err
		}
		keys, err := h.svc.ListAccessKeys(c.ctx, name)
		if err != nil {
			return nil, err
		}
		out := make([]xmlAccessKey, len(keys))
		for i, k := range keys {
			out[i] = toXMLKey(k)
		}
		return struct {
			AccessKeyMetadata []xmlAccessKey `xml:"AccessKeyMetadata>member"`
			xmlPage
		}{out, xmlPage{}}, nil
	}, userRes},
	"DeleteAccessKey": {func(h *Handler, c *call) (any, error) {
		if c.actsOnRoot() {
			return nil, rootKeyChange(c, "iam.DeleteAccessKey")
		}
		name, err := c.defaultUser("iam.DeleteAccessKey")
		if err != nil {
			return nil, err
		}
		return nil, h.svc.DeleteAccessKey(c.ctx, name, c.Get("AccessKeyId"))
	}, userRes},
	"GetAccessKeyLastUsed": {func(h *Handler, c *call) (any, error) {
		var user string
		if id := c.Get("AccessKeyId"); c.principal.Type != wicket.Root || id != c.principal.AccessKeyID {
			var err error
			if user, err = h.svc.AccessKeyUser(c.ctx, id); err != nil {
				return nil, err
			}
		} // else root asks about its own key, which has no user name (see rootKeys)
		// Wicket does not record when a key was used (that would be a
		// write per request), so every key reads as one never used: "N/A"
		// and no LastUsedDate, as AWS answers for an unused key.
		return struct {
			UserName          string `xml:",omitempty"`
			AccessKeyLastUsed struct{ ServiceName, Region string }
		}{user, struct{ ServiceName, Region string }{"N/A", "N/A"}}, nil
	}, keyOwnerRes},
	"UpdateAccessKey": {func(h *Handler, c *call) (any, error) {
		if c.actsOnRoot() {
			return nil, rootKeyChange(c, "iam.UpdateAccessKey")
		}
		name, err := c.defaultUser("iam.UpdateAccessKey")
		if err != nil {
			return nil, err
		}
		return nil, h.svc.UpdateAccessKey(c.ctx, name, c.Get("AccessKeyId"), c.Get("Status"))
	}, userRes},
}

// keyOwnerRes is the user whose key AccessKeyId names, as IAM authorizes
// GetAccessKeyLastUsed; an unknown key is authorized on "*", which only a
// policy allowing every user reaches, so that its absence tells others
// nothing.
func keyOwnerRes(h *Handler, c *call) string {
	if sn, err := h.svc.current(c.ctx); err == nil {
		if kv := sn.keys[c.Get("AccessKeyId")]; kv != nil {
			return kv.user.user.ARN
		}
	}
	return "*"
}

var oidcActions = map[string]action{
	"CreateOpenIDConnectProvider": {func(h *Handler, c *call) (any, error) {
		ids, err := c.list("ClientIDList", maxListMembers)
		if err != nil {
			return nil, err
		}
		tps, err := c.list("ThumbprintList", maxListMembers)
		if err != nil {
			return nil, err
		}
		tags, err := c.tags()
		if err != nil {
			return nil, err
		}
		p, err := h.svc.CreateOIDCProvider(c.ctx, c.Get("Url"), ids, tps, tags)
		if err != nil {
			return nil, err
		}
		return struct {
			OpenIDConnectProviderArn string
			Tags                     *xmlTagList `xml:",omitempty"`
		}{p.ARN, tagList(p.Tags)}, nil
	}, oidcRes},
	"GetOpenIDConnectProvider": {func(h *Handler, c *call) (any, error) {
		p, err := h.svc.GetOIDCProvider(c.ctx, c.Get("OpenIDConnectProviderArn"))
		if err != nil {
			return nil, err
		}
		return struct {
			Url            string
			ClientIDList   []string `xml:"ClientIDList>member"`
			ThumbprintList []string `xml:"ThumbprintList>member"`
			CreateDate     string
			Tags           *xmlTagList `xml:",omitempty"`
		}{strings.TrimPrefix(p.URL, "https://"), p.ClientIDs, p.Thumbprints, isoTime(p.Created), tagList(p.Tags)}, nil
	}, oidcRes},
	"ListOpenIDConnectProviders": {func(h *Handler, c *call) (any, error) {
		ps, err := h.svc.ListOIDCProviders(c.ctx)
		if err != nil {
			return nil, err
		}
		type entry struct{ Arn string }
		out := make([]entry, len(ps))
		for i, p := range ps {
			out[i] = entry{p.ARN}
		}
		return struct {
			OpenIDConnectProviderList []entry `xml:"OpenIDConnectProviderList>member"`
		}{out}, nil
	}, oidcListRes},
	"DeleteOpenIDConnectProvider": {func(h *Handler, c *call) (any, error) {
		return nil, h.svc.DeleteOIDCProvider(c.ctx, c.Get("OpenIDConnectProviderArn"))
	}, oidcRes},
	"AddClientIDToOpenIDConnectProvider": {func(h *Handler, c *call) (any, error) {
		id := c.Get("ClientID")
		return nil, h.svc.UpdateOIDCProvider(c.ctx, c.Get("OpenIDConnectProviderArn"), func(p *OIDCProvider) error {
			if !slices.Contains(p.ClientIDs, id) {
				p.ClientIDs = append(p.ClientIDs, id)
			}
			return nil
		})
	}, oidcRes},
	"RemoveClientIDFromOpenIDConnectProvider": {func(h *Handler, c *call) (any, error) {
		id := c.Get("ClientID")
		return nil, h.svc.UpdateOIDCProvider(c.ctx, c.Get("OpenIDConnectProviderArn"), func(p *OIDCProvider) error {
			p.ClientIDs = slices.DeleteFunc(p.ClientIDs, func(v string) bool { return v == id })
			return nil
		})
	}, oidcRes},
	"UpdateOpenIDConnectProviderThumbprint": {func(h *Handler, c *call) (any, error) {
		tps, err := c.list("ThumbprintList", maxListMembers)
		if err != nil {
			return nil, err
		}
		return nil, h.svc.UpdateOIDCProvider(c.ctx, c.Get("OpenIDConnectProviderArn"), func(p *OIDCProvider) error {
			p.Thumbprints = tps
			return nil
		})
	}, oidcRes},
	"TagOpenIDConnectProvider": {func(h *Handler, c *call) (any, error) {
		tags, err := c.tags()
		if err != nil {
			return nil, err
		}
		return nil, h.svc.Tag(c.ctx, TaggedOIDCProvider(c.Get("OpenIDConnectProviderArn")), tags)
	}, oidcRes},
	"UntagOpenIDConnectProvider": {func(h *Handler, c *call) (any, error) {
		keys, err := c.modelList("TagKeys", maxTags)
		if err != nil {
			return nil, err
		}
		return nil, h.svc.Untag(c.ctx, TaggedOIDCProvider(c.Get("OpenIDConnectProviderArn")), keys)
	}, oidcRes},
	"ListOpenIDConnectProviderTags": {func(h *Handler, c *call) (any, error) {
		return listTags(h, c, TaggedOIDCProvider(c.Get("OpenIDConnectProviderArn")))
	}, oidcRes},
}

var _ = wicket.E
