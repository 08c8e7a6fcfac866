package iam

import (
	"context"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/authn"
	"github.com/wicket-io/wicket/internal/queryapi"
	"github.com/wicket-io/wicket/policy"
)

// Namespace is the XML namespace of IAM's responses.
const Namespace = "https://iam.amazonaws.com/doc/2010-05-08/"

// HandlerOptions configure the IAM API.
type HandlerOptions struct {
	Service *Service
	Auth    *authn.Authenticator
	Logger  *slog.Logger
}

// Handler serves IAM's Query API. Every action is authenticated with SigV4
// and authorized as iam:<Action> on the entity it names; only root and
// principals whose policies allow it get through.
type Handler struct {
	svc  *Service
	auth *authn.Authenticator
	log  *slog.Logger
}

// NewHandler returns the IAM API handler.
func NewHandler(o HandlerOptions) *Handler {
	h := &Handler{svc: o.Service, auth: o.Auth, log: o.Logger}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h
}

// call is one IAM request being served.
type call struct {
	*queryapi.Request
	ctx       context.Context
	principal *wicket.Principal
	r         *http.Request
}

type action struct {
	fn func(h *Handler, c *call) (any, error)
	// resource returns the ARN the action is authorized on.
	resource func(h *Handler, c *call) string
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := wicket.RequestID(r.Context())
	fail := func(err error) {
		we := queryapi.Render(err, errorTable)
		if we.Status >= 500 {
			h.log.Error("iam request failed", "request_id", requestID, "err", err)
		} else {
			h.log.Debug("iam request refused", "request_id", requestID, "code", we.Code, "err", err)
		}
		queryapi.WriteError(w, Namespace, we.Status, we.Code, we.Message, requestID)
	}
	q, err := queryapi.Read(r)
	if err != nil {
		fail(err)
		return
	}
	p, _, err := h.auth.Authenticate(r, q.PayloadHash)
	if err != nil {
		fail(err)
		return
	}
	if p.Type == wicket.Anonymous {
		fail(coded("iam", wicket.Unauthenticated, "MissingAuthenticationToken", "Request is missing Authentication Token"))
		return
	}
	authn.Audit(h.log, r, "iam", p)
	if p.UserSession() {
		// GetSessionToken's credentials, root's included, cannot call IAM
		// without MFA: else a leaked one-hour token could make permanent
		// keys.
		fail(coded("iam", wicket.Unauthenticated, "", ""))
		return
	}
	a, ok := actions[q.Action]
	if !ok {
		fail(coded("iam", wicket.NotImplemented, "InvalidAction", fmt.Sprintf("Could not find operation %s for version 2010-05-08", q.Action)))
		return
	}
	c := &call{Request: q, ctx: r.Context(), principal: p, r: r}
	if err := h.authorize(c, a); err != nil {
		fail(err)
		return
	}
	out, err := a.fn(h, c)
	if err != nil {
		fail(err)
		return
	}
	queryapi.WriteResult(w, Namespace, q.Action, requestID, out)
}

// authorize checks iam:<Action> on the action's resource for callers
// other than root.
func (h *Handler) authorize(c *call, a action) error {
	if c.principal.Type == wicket.Root {
		return nil
	}
	res := "*"
	if a.resource != nil {
		res = a.resource(h, c)
	}
	return h.authorizeOn(c, res)
}

// authorizeOn checks iam:<Action> on res for callers other than root: on
// the action's resource, or on a second one an action needs (UpdateUser's
// new name).
func (h *Handler) authorizeOn(c *call, res string) error {
	if c.principal.Type == wicket.Root {
		return nil
	}
	req := &policy.Request{Action: "iam:" + c.Action, Resource: res, Context: &policy.Context{}}
	authn.RequestKeys(req.Context, c.r, h.svc.clock.Now())
	d, err := h.svc.Authorize(c.ctx, c.principal, req, nil)
	if err != nil {
		return err
	}
	if d.Allowed() {
		return nil
	}
	ex, err := h.svc.Explain(c.ctx, c.principal, req, nil)
	if err != nil {
		return err
	}
	h.log.Debug("iam request denied", "request_id", wicket.RequestID(c.ctx), "principal", c.principal.ARN,
		"action", req.Action, "resource", res, "explanation", ex.String())
	return coded("iam", wicket.AccessDenied, "AccessDenied", fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s %s",
		c.principal.ARN, req.Action, res, ex.Reason(req.Action)))
}

// userName is the UserName parameter, or the caller's own name when an
// IAM user leaves it out, as IAM defaults it.
func (c *call) userName() string {
	if n := c.Get("UserName"); n != "" {
		return n
	}
	if c.principal.Type == wicket.User {
		return c.principal.Name
	}
	return ""
}

// defaultUser is the user an operation that may leave UserName out acts
// on (GetUser, the access-key operations): UserName, else the signing IAM
// user. A role session has no user to default to, and is told what AWS
// tells it; root acting on itself is actsOnRoot's.
func (c *call) defaultUser(op string) (string, error) {
	if n := c.userName(); n != "" {
		return n, nil
	}
	return "", validation(op, "Must specify userName when calling with non-User credentials")
}

func (h *Handler) entityResource(f Family, name string) string {
	if sn, err := h.svc.current(context.Background()); err == nil {
		switch f {
		case FamilyUser:
			if v := sn.users[key(name)]; v != nil {
				return v.user.ARN
			}
		case FamilyRole:
			if v := sn.roles[key(name)]; v != nil {
				return v.role.ARN
			}
		case FamilyGroup:
			if a := sn.groups[key(name)]; a != "" {
				return a
			}
		}
	}
	return ""
}

// resourceOf is the ARN of the entity a request names: as stored when it
// exists, else with the request's Path (CreateUser …), as IAM authorizes.
func (h *Handler) resourceOf(c *call, f Family, name string) string {
	if a := h.entityResource(f, name); a != "" {
		return a
	}
	path := c.Get("Path")
	if path == "" || !entityPath.re.MatchString(path) {
		path = "/"
	}
	return entityARN(f.info().label, path, name)
}

func userRes(h *Handler, c *call) string  { return h.resourceOf(c, FamilyUser, c.userName()) }
func groupRes(h *Handler, c *call) string { return h.resourceOf(c, FamilyGroup, c.Get("GroupName")) }
func roleRes(h *Handler, c *call) string  { return h.resourceOf(c, FamilyRole, c.Get("RoleName")) }
func policyRes(h *Handler, c *call) string {
	if a := c.Get("PolicyArn"); a != "" {
		return a
	}
	return policyARNPrefix + "/" + c.Get("PolicyName")
}
func oidcRes(h *Handler, c *call) string {
	if a := c.Get("OpenIDConnectProviderArn"); a != "" {
		return a
	}
	arn, _, _ := oidcARN("", c.Get("Url"))
	return arn
}

// listRes is the resource of a listing: the kind and the PathPrefix asked
// for ("arn:aws:iam::123456789012:user/" for all users), as IAM names it
// in its access-denied messages.
func listRes(kind string) func(*Handler, *call) string {
	return func(_ *Handler, c *call) string {
		prefix := c.Get("PathPrefix")
		if prefix == "" {
			prefix = "/"
		}
		return "arn:aws:iam::" + Account + ":" + kind + prefix
	}
}

// pathPrefix is the request's PathPrefix, checked against the pattern the
// model gives the action's; none is "" (every path).
func (c *call) pathPrefix(p pathPattern) (string, error) {
	if !c.Has("PathPrefix") {
		return "", nil
	}
	v := c.Get("PathPrefix")
	return v, p.check("iam", "pathPrefix", v)
}

// oidcListRes is the resource of ListOpenIDConnectProviders: providers
// have no paths.
func oidcListRes(*Handler, *call) string { return "arn:aws:iam::" + Account + ":oidc-provider/*" }

// pageAs is page with the page's items converted for the response.
func pageAs[T, X any](c *call, items []T, keyOf func(T) string, conv func(T) X) ([]X, xmlPage, error) {
	items, pg, err := page(c, items, keyOf)
	if err != nil {
		return nil, xmlPage{}, err
	}
	out := make([]X, len(items))
	for i, t := range items {
		out[i] = conv(t)
	}
	return out, pg, nil
}

// page cuts a list at the request's Marker and MaxItems (1..1000, 100 by
// default). keyOf gives each item's position, unique in the list; the
// marker is the key of the last item returned, and the next page starts
// after it. The items are put in key order here, whatever order they came
// in: a page cut from any other order makes a paginator repeat items, loop
// or stop early.
func page[T any](c *call, items []T, keyOf func(T) string) ([]T, xmlPage, error) {
	max := 100
	if v := c.Get("MaxItems"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, xmlPage{}, validation("iam", fmt.Sprintf("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must be a number", v))
		}
		if err := checkRange("iam", "maxItems", n, 1, 1000); err != nil {
			return nil, xmlPage{}, err
		}
		max = n
	}
	type keyed struct {
		key  string
		item T
	}
	sorted := make([]keyed, len(items))
	for i, t := range items {
		sorted[i] = keyed{keyOf(t), t}
	}
	slices.SortStableFunc(sorted, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	if m := c.Get("Marker"); m != "" {
		i := sort.Search(len(sorted), func(i int) bool { return sorted[i].key > m })
		sorted = sorted[i:]
	}
	var pg xmlPage
	if len(sorted) > max {
		sorted = sorted[:max]
		pg = xmlPage{IsTruncated: true, Marker: sorted[max-1].key}
	}
	out := make([]T, len(sorted))
	for i, k := range sorted {
		out[i] = k.item
	}
	return out, pg, nil
}

// maxListMembers bounds the members read of a list parameter; the model's
// own bounds, and Wicket's quotas, are checked on what was read.
const maxListMembers = 1000

// tags reads the Tags parameter; checkTags holds them to the model.
func (c *call) tags() ([]Tag, error) {
	qt, ok := c.Tags("Tags", maxListMembers)
	if !ok {
		return nil, validation("iam", fmt.Sprintf("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to %d", maxTags))
	}
	out := make([]Tag, len(qt))
	for i, t := range qt {
		out[i] = Tag(t)
	}
	return out, nil
}

// list reads a list parameter of at most max members, a bound of
// Wicket's own (a simulation's size) or one to read a list by: more is
// LimitExceeded.
func (c *call) list(name string, max int) ([]string, error) {
	v, ok := c.List(name, max)
	if !ok {
		return nil, limitExceeded("iam", fmt.Sprintf("Too many values for %s (at most %d).", name, max))
	}
	return v, nil
}

// modelList reads a list parameter that the API model bounds to max
// members (TagKeys: 50): more is the model's ValidationError, not a quota.
func (c *call) modelList(name string, max int) ([]string, error) {
	v, err := c.list(name, maxListMembers)
	if err != nil {
		return nil, err
	}
	if len(v) > max {
		return nil, validation("iam", fmt.Sprintf("1 validation error detected: Value '[%s]' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d",
			strings.Join(v, ", "), lowerFirst(name), max))
	}
	return v, nil
}

// policyFamily serves the Put/Get/Delete/List …Policy and Attach/Detach/
// ListAttached …Policies actions of one family.
func policyActions(f Family, noun string, res func(*Handler, *call) string) map[string]action {
	nameOf := func(c *call) string {
		if f == FamilyUser {
			return c.userName()
		}
		return c.Get(f.info().nameField)
	}
	return map[string]action{
		"Put" + noun + "Policy": {func(h *Handler, c *call) (any, error) {
			return nil, h.svc.PutPolicy(c.ctx, f, nameOf(c), c.Get("PolicyName"), c.Get("PolicyDocument"))
		}, res},
		"Get" + noun + "Policy": {func(h *Handler, c *call) (any, error) {
			doc, err := h.svc.GetPolicy(c.ctx, f, nameOf(c), c.Get("PolicyName"))
			if err != nil {
				return nil, err
			}
			out := map[string]string{f.info().nameField: nameOf(c), "PolicyName": c.Get("PolicyName"), "PolicyDocument": encodeDoc(doc)}
			return orderedFields{[]string{f.info().nameField, "PolicyName", "PolicyDocument"}, out}, nil
		}, res},
		"Delete" + noun + "Policy": {func(h *Handler, c *call) (any, error) {
			return nil, h.svc.DeletePolicy(c.ctx, f, nameOf(c), c.Get("PolicyName"))
		}, res},
		"List" + noun + "Policies": {func(h *Handler, c *call) (any, error) {
			names, err := h.svc.ListPolicies(c.ctx, f, nameOf(c))
			if err != nil {
				return nil, err
			}
			names, pg, err := page(c, names, func(s string) string { return s })
			if err != nil {
				return nil, err
			}
			return struct {
				PolicyNames []string `xml:"PolicyNames>member"`
				xmlPage
			}{names, pg}, nil
		}, res},
		"Attach" + noun + "Policy": {func(h *Handler, c *call) (any, error) {
			return nil, h.svc.Attach(c.ctx, f, nameOf(c), c.Get("PolicyArn"))
		}, res},
		"Detach" + noun + "Policy": {func(h *Handler, c *call) (any, error) {
			return nil, h.svc.Detach(c.ctx, f, nameOf(c), c.Get("PolicyArn"))
		}, res},
		"ListAttached" + noun + "Policies": {func(h *Handler, c *call) (any, error) {
			at, err := h.svc.ListAttached(c.ctx, f, nameOf(c))
			if err != nil {
				return nil, err
			}
			at, pg, err := page(c, at, func(a AttachedPolicy) string { return a.ARN })
			if err != nil {
				return nil, err
			}
			out := make([]xmlAttached, len(at))
			for i, a := range at {
				out[i] = xmlAttached{a.Name, a.ARN}
			}
			return struct {
				AttachedPolicies []xmlAttached `xml:"AttachedPolicies>member"`
				xmlPage
			}{out, pg}, nil
		}, res},
	}
}

// orderedFields marshals as a sequence of simple elements in order.
type orderedFields struct {
	order  []string
	values map[string]string
}

var actions = map[string]action{}

func init() {
	for _, m := range []map[string]action{
		policyActions(FamilyUser, "User", userRes),
		policyActions(FamilyGroup, "Group", groupRes),
		policyActions(FamilyRole, "Role", roleRes),
		userActions, groupActions, roleActions, managedActions, keyActions, oidcActions, simulateActions, absentActions,
		accountActions,
	} {
		for name, a := range m {
			actions[name] = a
		}
	}
}

// MarshalXML writes the fields as simple elements, in order.
func (o orderedFields) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, k := range o.order {
		if err := e.EncodeElement(o.values[k], xml.StartElement{Name: xml.Name{Local: k}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}
