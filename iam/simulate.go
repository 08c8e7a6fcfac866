package iam

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/policy"
)

// maxSimulate bounds the action × resource pairs of one simulation.
const maxSimulate = 1000

// PolicySet returns the identity policies of the user, group or role an
// ARN names, as a simulation evaluates them.
func (s *Service) PolicySet(ctx context.Context, arn string) ([]policy.Named, error) {
	const op = "iam.SimulatePrincipalPolicy"
	rest, ok := strings.CutPrefix(arn, "arn:aws:iam::"+Account+":")
	kind, tail, _ := strings.Cut(rest, "/")
	name := tail[strings.LastIndexByte(tail, '/')+1:]
	if !ok || name == "" {
		return nil, invalidInput(op, fmt.Sprintf("Invalid ARN: %s", arn))
	}
	sn, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "user":
		if v := sn.users[key(name)]; v != nil && v.user.ARN == arn {
			return v.policies, nil
		}
	case "role":
		if v := sn.roles[key(name)]; v != nil && v.role.ARN == arn {
			return v.policies, nil
		}
	case "group":
		var out []policy.Named
		err := s.view(ctx, func(tx wicket.DocReader) error {
			h, err := loadHolder(tx, op, FamilyGroup, name)
			if err != nil {
				return err
			}
			g := h.(*Group)
			for _, pn := range slices.Sorted(maps.Keys(g.Inline)) {
				p, err := policy.Parse([]byte(g.Inline[pn]), policy.Identity)
				if err == nil {
					out = append(out, policy.Named{Name: "group/" + g.Name + " inline policy " + pn, Policy: p})
				}
			}
			for _, a := range g.Attached {
				mp, err := loadManaged(tx, op, a)
				if err != nil {
					continue
				}
				if p, err := policy.Parse([]byte(mp.Default()), policy.Identity); err == nil {
					out = append(out, policy.Named{Name: a, Policy: p})
				}
			}
			return nil
		})
		return out, err
	}
	return nil, noSuchEntity(op, fmt.Sprintf("Entity %s does not exist.", arn))
}

// parseInputs parses the documents a simulation is given, named as IAM
// names them: "PolicyInputList.1" …, or name alone.
func parseInputs(op string, docs []string, t policy.Type, name func(i int) string) ([]policy.Named, error) {
	var out []policy.Named
	for i, d := range docs {
		p, err := policy.Parse([]byte(d), t)
		if err != nil {
			return nil, malformedPolicy(op, wicket.MessageOf(err))
		}
		out = append(out, policy.Named{Name: name(i), Policy: p})
	}
	return out, nil
}

var simulateActions = map[string]action{
	"SimulatePrincipalPolicy": {func(h *Handler, c *call) (any, error) {
		identity, err := h.svc.PolicySet(c.ctx, c.Get("PolicySourceArn"))
		if err != nil {
			return nil, err
		}
		return simulate(h, c, identity)
	}, func(h *Handler, c *call) string { return c.Get("PolicySourceArn") }},
	"SimulateCustomPolicy": {func(h *Handler, c *call) (any, error) {
		return simulate(h, c, nil)
	}, nil},
}

// simulate evaluates every action on every resource against the identity
// policies plus PolicyInputList, and ResourcePolicy when given.
func simulate(h *Handler, c *call, identity []policy.Named) (any, error) {
	const op = "iam.Simulate"
	inputs, err := c.list("PolicyInputList", 100)
	if err != nil {
		return nil, err
	}
	extra, err := parseInputs(op, inputs, policy.Identity, func(i int) string { return "PolicyInputList." + strconv.Itoa(i+1) })
	if err != nil {
		return nil, err
	}
	identity = append(append([]policy.Named(nil), identity...), extra...)
	var resource []policy.Named
	if doc := c.Get("ResourcePolicy"); doc != "" {
		if resource, err = parseInputs(op, []string{doc}, policy.Resource, func(int) string { return "ResourcePolicy" }); err != nil {
			return nil, err
		}
	}
	acts, err := c.list("ActionNames", maxSimulate)
	if err != nil {
		return nil, err
	}
	if len(acts) == 0 {
		return nil, validation(op, "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null")
	}
	resources, err := c.list("ResourceArns", maxSimulate)
	if err != nil {
		return nil, err
	}
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	if len(acts)*len(resources) > maxSimulate {
		return nil, limitExceeded(op, fmt.Sprintf("At most %d action and resource pairs can be simulated at once.", maxSimulate))
	}
	ctxKeys := &policy.Context{}
	for i := 1; ; i++ {
		p := "ContextEntries.member." + strconv.Itoa(i)
		name := c.Get(p + ".ContextKeyName")
		if name == "" {
			break
		}
		vals, err := c.list(p+".ContextKeyValues", 100)
		if err != nil {
			return nil, err
		}
		ctxKeys.Set(name, vals...)
	}
	callerArn := c.Get("CallerArn")
	var results []xmlEvalResult
	for _, a := range acts {
		for _, res := range resources {
			req := &policy.Request{Action: a, Resource: res, Context: ctxKeys}
			if callerArn == "*" {
				req.Principal = policy.Principal{Anonymous: true}
			} else if callerArn != "" {
				req.Principal = policy.Principal{AWS: []string{callerArn}}
			} else if src := c.Get("PolicySourceArn"); src != "" {
				req.Principal = policy.Principal{AWS: []string{src}}
			}
			ex := policy.Explain(&policy.Set{Identity: identity, Resource: resource}, req)
			r := xmlEvalResult{EvalActionName: a, EvalResourceName: res, EvalDecision: evalDecision(ex.Decision)}
			for _, m := range ex.Statements {
				// SourcePolicyId says which statement too, beyond AWS's
				// policy name, for `wicket policy explain`; the positions
				// are AWS's.
				id := m.Policy + " statement " + m.Sid
				if m.Sid == "" {
					id = m.Policy + " statement #" + strconv.Itoa(m.Index)
				}
				r.MatchedStatements = append(r.MatchedStatements, xmlStatement{SourcePolicyId: id, SourcePolicyType: sourceType(m),
					StartPosition: xmlPosition(m.Start), EndPosition: xmlPosition(m.End)})
			}
			results = append(results, r)
		}
	}
	return struct {
		EvaluationResults []xmlEvalResult `xml:"EvaluationResults>member"`
		xmlPage
	}{results, xmlPage{}}, nil
}

// sourceType is IAM's PolicySourceType of a matched statement.
func sourceType(m policy.Match) string {
	switch {
	case m.Layer == "resource":
		return "resource"
	case strings.HasPrefix(m.Policy, "user/"):
		return "user"
	case strings.HasPrefix(m.Policy, "group/"):
		return "group"
	case strings.HasPrefix(m.Policy, "role/"):
		return "role"
	case strings.HasPrefix(m.Policy, "arn:aws:iam::aws:"):
		return "aws-managed"
	case strings.HasPrefix(m.Policy, "arn:"):
		return "user-managed"
	}
	return "none"
}

func evalDecision(d policy.Decision) string {
	switch d {
	case policy.Allow:
		return "allowed"
	case policy.ExplicitDeny:
		return "explicitDeny"
	}
	return "implicitDeny"
}
