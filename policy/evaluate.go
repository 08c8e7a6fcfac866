package policy

import (
	"strconv"
	"strings"
)

// Evaluate decides r against the policies of s, in AWS's order for a
// request within one account:
//
//  1. An explicit Deny in any policy of s — identity, any limit layer, or
//     resource — that matches r denies it: ExplicitDeny.
//  2. Otherwise r is allowed if an identity statement allows it and every
//     limit layer allows it (a layer allows when any statement of any of
//     its policies does).
//  3. Or if a statement of a resource policy allows it for the caller, to
//     the extent AWS lets a resource policy grant alone, which depends on
//     whom the statement names: the caller itself (Principal.AWS[0], the
//     session or user ARN), "*", or the caller's web identity provider or
//     service grant on their own, whatever the limits say; the role behind
//     a session (a later AWS entry) grants only if every limit layer
//     allows too (AWS: "Resource-based policies that grant permissions to
//     an IAM role ARN are limited by an implicit deny in a permissions
//     boundary or session policy"); an account grants nothing of its own,
//     as it only delegates to the account's identity policies, which must
//     allow as in step 2.
//  4. Otherwise Deny, the implicit deny.
//
// A trust policy (a policy of type Trust in s.Resource) must itself allow:
// there step 2 alone is not enough, and an account named in the trust
// policy admits the caller only if the identity side allows as well.
//
// Identity and limit statements ignore Principal; resource statements
// match their Principal or NotPrincipal against r.Principal. Evaluate does
// not allocate.
func Evaluate(s *Set, r *Request) Decision {
	return evaluate(s, r, nil)
}

// Explanation is why Explain decided as it did.
type Explanation struct {
	Decision Decision
	// Statements are the statements that decided: the denying ones for
	// ExplicitDeny, the allowing ones for Allow; empty when none matched.
	// For an implicit Deny they are the Allow statements that matched but
	// were not enough (see Lacking).
	Statements []Match
	// Lacking names, for an implicit Deny despite a matching Allow, what
	// else had to allow and did not: "identity", "resource", "limit 1"...
	Lacking []string
}

// Match is one statement that matched a request.
type Match struct {
	Policy string // the Name of the policy in the Set
	Sid    string
	Index  int    // the statement's position in the policy, from 0
	Effect string // "Allow" or "Deny"
	Layer  string // "identity", "resource", "limit 1", "limit 2"...
	// Start and End are where the statement's object begins and ends in
	// the policy's document (End is just after its '}'), as IAM's
	// simulation gives them.
	Start, End Position
}

// Position is a place in a document: line and column, both from 1, the
// column counted in characters.
type Position struct{ Line, Column int }

// position returns the Position of byte offset off in doc.
func position(doc string, off int) Position {
	p := Position{Line: 1, Column: 1}
	for _, c := range doc[:min(off, len(doc))] {
		if c == '\n' {
			p.Line, p.Column = p.Line+1, 1
		} else {
			p.Column++
		}
	}
	return p
}

func (m Match) String() string {
	var b strings.Builder
	b.WriteString("statement ")
	if m.Sid != "" {
		b.WriteString(strconv.Quote(m.Sid))
		b.WriteString(" (#")
		b.WriteString(strconv.Itoa(m.Index))
		b.WriteString(")")
	} else {
		b.WriteString("#")
		b.WriteString(strconv.Itoa(m.Index))
	}
	b.WriteString(" of ")
	if m.Policy != "" {
		b.WriteString(m.Policy)
	} else {
		b.WriteString("an unnamed policy")
	}
	if m.Layer != "" && m.Layer != layerIdentity {
		b.WriteString(" (")
		b.WriteString(m.Layer)
		b.WriteString(")")
	}
	return b.String()
}

// String explains the decision in a sentence, as
//
//	allowed by statement "AllowRead" (#0) of role/x policy p
//	explicitly denied by statement "DenyHTTP" (#1) of bucket policy of b (resource)
//	implicitly denied: no statement matched
//	implicitly denied: allowed by statement #0 of user/u policy p, but not by limit 1
func (e Explanation) String() string {
	list := func(ms []Match) string {
		s := make([]string, len(ms))
		for i, m := range ms {
			s[i] = m.String()
		}
		return strings.Join(s, " and ")
	}
	switch e.Decision {
	case Allow:
		return "allowed by " + list(e.Statements)
	case ExplicitDeny:
		return "explicitly denied by " + list(e.Statements)
	}
	if len(e.Statements) == 0 {
		return "implicitly denied: no statement matched"
	}
	s := "implicitly denied: allowed by " + list(e.Statements)
	if len(e.Lacking) > 0 {
		s += ", but not by " + strings.Join(e.Lacking, " or ")
	}
	return s
}

// Explain decides as Evaluate does, and says why.
func Explain(s *Set, r *Request) Explanation {
	var x explainer
	d := evaluate(s, r, &x)
	return x.explanation(d)
}

const (
	layerIdentity = "identity"
	layerResource = "resource"
)

// explainer collects the statements that match, for Explain. Evaluate
// passes a nil *explainer, and then evaluate stops at the first Deny and
// skips the Allow statements it no longer needs.
type explainer struct {
	denies   []Match
	identity []Match
	limits   [][]Match
	resource [reachDirect + 1][]Match

	// what the decision rested on
	identityPath bool // identity (and limits) allowed, and that counted
	limitsUsed   bool
	reaches      [reachDirect + 1]bool
	failedLimits []string
	lacking      []string
}

func newMatch(n *Named, st *statement, layer string) Match {
	effect := "Allow"
	if st.deny {
		effect = "Deny"
	}
	return Match{Policy: n.Name, Sid: st.sid, Index: st.index, Effect: effect, Layer: layer,
		Start: position(n.Policy.doc, st.start), End: position(n.Policy.doc, st.end)}
}

func evaluate(s *Set, r *Request, x *explainer) Decision {
	if s == nil || r == nil {
		return Deny
	}
	ctx := r.Context

	// Identity policies.
	identity := false
	for pi := range s.Identity {
		n := &s.Identity[pi]
		if n.Policy == nil {
			continue
		}
		for i := range n.Policy.stmts {
			st := &n.Policy.stmts[i]
			if !st.deny && identity && x == nil {
				continue
			}
			if !st.matchAction(r.Action) || !st.matchResource(r.Resource, ctx) || !st.matchConditions(ctx) {
				continue
			}
			if st.deny {
				if x == nil {
					return ExplicitDeny
				}
				x.denies = append(x.denies, newMatch(n, st, layerIdentity))
				continue
			}
			identity = true
			if x != nil {
				x.identity = append(x.identity, newMatch(n, st, layerIdentity))
			}
		}
	}

	// Limit layers.
	limits := true
	for li, layer := range s.Limits {
		name := ""
		if x != nil {
			name = "limit " + strconv.Itoa(li+1)
			x.limits = append(x.limits, nil)
		}
		allows := false
		for pi := range layer {
			n := &layer[pi]
			if n.Policy == nil {
				continue
			}
			for i := range n.Policy.stmts {
				st := &n.Policy.stmts[i]
				if !st.deny && allows && x == nil {
					continue
				}
				if !st.matchAction(r.Action) || !st.matchResource(r.Resource, ctx) || !st.matchConditions(ctx) {
					continue
				}
				if st.deny {
					if x == nil {
						return ExplicitDeny
					}
					x.denies = append(x.denies, newMatch(n, st, name))
					continue
				}
				allows = true
				if x != nil {
					x.limits[li] = append(x.limits[li], newMatch(n, st, name))
				}
			}
		}
		if !allows {
			limits = false
			if x != nil {
				x.failedLimits = append(x.failedLimits, name)
			}
		}
	}

	// Resource and trust policies.
	trust := false
	var reached [reachDirect + 1]bool
	for pi := range s.Resource {
		n := &s.Resource[pi]
		if n.Policy == nil {
			continue
		}
		if n.Policy.typ == Trust {
			trust = true
		}
		for i := range n.Policy.stmts {
			st := &n.Policy.stmts[i]
			if !st.deny && reached[reachDirect] && x == nil {
				continue
			}
			if st.principal == nil || !st.matchAction(r.Action) || !st.matchResource(r.Resource, ctx) {
				continue
			}
			var rc reach
			switch {
			case st.notPrincipal:
				if st.principal.excludes(&r.Principal, n.Bound) {
					rc = reachDirect // "everyone but ...", as "*"
				}
			default:
				rc = st.principal.match(&r.Principal, n.Bound)
			}
			if rc == reachNone || !st.matchConditions(ctx) {
				continue
			}
			if st.deny {
				if x == nil {
					return ExplicitDeny
				}
				x.denies = append(x.denies, newMatch(n, st, layerResource))
				continue
			}
			reached[rc] = true
			if x != nil {
				x.resource[rc] = append(x.resource[rc], newMatch(n, st, layerResource))
			}
		}
	}

	if x != nil && len(x.denies) > 0 {
		return ExplicitDeny
	}
	identityPath := identity && limits
	allow := false
	if identityPath && !trust {
		allow = true
		if x != nil {
			x.identityPath, x.limitsUsed = true, true
		}
	}
	if reached[reachDirect] {
		allow = true
		if x != nil {
			x.reaches[reachDirect] = true
		}
	}
	if reached[reachLimited] && limits {
		allow = true
		if x != nil {
			x.reaches[reachLimited], x.limitsUsed = true, true
		}
	}
	if reached[reachDelegated] && identityPath {
		allow = true
		if x != nil {
			x.reaches[reachDelegated], x.identityPath, x.limitsUsed = true, true, true
		}
	}
	if allow {
		return Allow
	}
	if x != nil {
		// Say what else had to allow, for the Allows that matched.
		switch {
		case reached[reachLimited] || identity:
			x.lacking = append(x.lacking, x.failedLimits...)
			if trust && !reached[reachLimited] && !reached[reachDelegated] {
				x.lacking = append(x.lacking, layerResource)
			}
		case reached[reachDelegated] || !trust:
			x.lacking = append(x.lacking, layerIdentity)
		default:
			x.lacking = append(x.lacking, layerResource)
		}
	}
	return Deny
}

func (x *explainer) explanation(d Decision) Explanation {
	e := Explanation{Decision: d}
	switch d {
	case ExplicitDeny:
		e.Statements = x.denies
	case Allow:
		if x.identityPath {
			e.Statements = append(e.Statements, x.identity...)
		}
		for _, r := range []reach{reachDirect, reachLimited, reachDelegated} {
			if x.reaches[r] {
				e.Statements = append(e.Statements, x.resource[r]...)
			}
		}
		if x.limitsUsed {
			for _, l := range x.limits {
				e.Statements = append(e.Statements, l...)
			}
		}
	default:
		e.Statements = append(e.Statements, x.identity...)
		for _, l := range x.limits {
			e.Statements = append(e.Statements, l...)
		}
		for r := reachDirect; r > reachNone; r-- {
			e.Statements = append(e.Statements, x.resource[r]...)
		}
		if len(e.Statements) > 0 {
			e.Lacking = x.lacking
		}
	}
	return e
}

func (st *statement) matchAction(action string) bool {
	m := false
	for i := range st.actions {
		if st.actions[i].match(action) {
			m = true
			break
		}
	}
	return m != st.notAction
}

func (st *statement) matchResource(resource string, ctx *Context) bool {
	if !st.hasResource {
		return true // a trust policy: the role is the resource
	}
	m := false
	for i := range st.resources {
		if st.resources[i].match(resource, ctx) {
			m = true
			break
		}
	}
	return m != st.notResource
}

func (st *statement) matchConditions(ctx *Context) bool {
	for i := range st.conds {
		if !st.conds[i].eval(ctx) {
			return false
		}
	}
	return true
}

// Reason is the context AWS gives in an access-denied message for a
// request within the account ("User: … is not authorized to perform:
// s3:GetObject on resource: … because no identity-based policy allows the
// s3:GetObject action"): the type of policy that denied it, explicitly
// ("with an explicit deny in a resource-based policy") or by not allowing
// it. When several did, AWS names one; Reason names the first in the order
// of evaluation. Limit layers are session policies (a session policy, or
// an identity pool's scope-down policy, which Cognito hands to STS as
// one); Wicket has no permissions boundaries. An Allow has no reason.
func (e Explanation) Reason(action string) string {
	switch e.Decision {
	case Allow:
		return ""
	case ExplicitDeny:
		layer := layerIdentity
		if len(e.Statements) > 0 {
			layer = e.Statements[0].Layer
		}
		return "with an explicit deny in " + policyType(layer, true)
	}
	layer := layerIdentity
	if len(e.Lacking) > 0 {
		layer = e.Lacking[0]
	}
	return "because no " + policyType(layer, false) + " allows the " + action + " action"
}

// policyType names a layer's policies as AWS's access-denied messages do,
// with its article when asked.
func policyType(layer string, article bool) string {
	t, a := "identity-based policy", "an "
	switch {
	case layer == layerResource:
		t, a = "resource-based policy", "a "
	case strings.HasPrefix(layer, "limit"):
		t, a = "session policy", "a "
	}
	if article {
		return a + t
	}
	return t
}
