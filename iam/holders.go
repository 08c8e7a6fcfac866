package iam

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/internal/jsondoc"
	"github.com/wicket-io/wicket/policy"
)

// Users, groups and roles all hold inline policies and attached managed
// policies, with the same rules; a holder is any of them, and one set of
// functions serves the three families of actions (PutUserPolicy,
// PutGroupPolicy, PutRolePolicy …).
type holder interface {
	inline() *map[string]string
	attached() *[]string
	entityName() string
}

func (u *User) inline() *map[string]string  { return &u.Inline }
func (u *User) attached() *[]string         { return &u.Attached }
func (u *User) entityName() string          { return u.Name }
func (g *Group) inline() *map[string]string { return &g.Inline }
func (g *Group) attached() *[]string        { return &g.Attached }
func (g *Group) entityName() string         { return g.Name }
func (r *Role) inline() *map[string]string  { return &r.Inline }
func (r *Role) attached() *[]string         { return &r.Attached }
func (r *Role) entityName() string          { return r.Name }

// Family is the kind of entity that holds policies.
type Family uint8

const (
	FamilyUser Family = iota
	FamilyGroup
	FamilyRole
)

type family struct {
	coll          string
	label         string // "user", "group", "role" in messages
	nameField     string // the request parameter naming it
	maxName       int
	inlineLimit   int
	attachedQuota string // the quota on its attached policies, as LimitExceeded names it
}

var families = [...]family{
	FamilyUser:  {collUsers, "user", "UserName", maxUserName, maxUserInline, "PoliciesPerUser"},
	FamilyGroup: {collGroups, "group", "GroupName", maxGroupName, maxGroupInline, "PoliciesPerGroup"},
	FamilyRole:  {collRoles, "role", "RoleName", maxRoleName, maxRoleInline, "PoliciesPerRole"},
}

func (f Family) info() family { return families[f] }

func notFoundEntity(op string, f Family, name string) error {
	return noSuchEntity(op, fmt.Sprintf("The %s with name %s cannot be found.", f.info().label, name))
}

func loadHolder(tx wicket.DocReader, op string, f Family, name string) (holder, error) {
	fi := f.info()
	if err := checkName(op, fi.nameField, name, fi.maxName); err != nil {
		return nil, err
	}
	nf := notFoundEntity(op, f, name)
	switch f {
	case FamilyUser:
		return jsondoc.Get[User](tx, fi.coll, key(name), nf)
	case FamilyGroup:
		return jsondoc.Get[Group](tx, fi.coll, key(name), nf)
	default:
		return jsondoc.Get[Role](tx, fi.coll, key(name), nf)
	}
}

func saveHolder(tx wicket.DocTx, f Family, h holder) error {
	return jsondoc.Put(tx, f.info().coll, key(h.entityName()), h)
}

// policySize counts a document's characters as IAM does for its quotas:
// whitespace does not count.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// checkPolicy validates a document of type t, the parameter field
// (policyDocument, assumeRolePolicyDocument), answering IAM's
// MalformedPolicyDocument with the parser's explanation.
func checkPolicy(op, field, doc string, t policy.Type) (*policy.Policy, error) {
	if strings.TrimSpace(doc) == "" {
		return nil, validation(op, fmt.Sprintf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field))
	}
	p, err := policy.Parse([]byte(doc), t)
	if err != nil {
		msg := wicket.MessageOf(err)
		if msg == "" {
			msg = "Syntax errors in policy."
		}
		return nil, malformedPolicy(op, msg)
	}
	return p, nil
}

// PutPolicy adds or replaces an inline policy of a user, group or role.
func (s *Service) PutPolicy(ctx context.Context, f Family, entity, name, doc string) error {
	const op = "iam.PutPolicy"
	if err := checkName(op, "PolicyName", name, maxPolicyName); err != nil {
		return err
	}
	if _, err := checkPolicy(op, "policyDocument", doc, policy.Identity); err != nil {
		return err
	}
	return s.update(ctx, func(tx wicket.DocTx) error {
		h, err := loadHolder(tx, op, f, entity)
		if err != nil {
			return err
		}
		in := h.inline()
		total := policySize(doc)
		for n, d := range *in {
			if n != name {
				total += policySize(d)
			}
		}
		if limit := f.info().inlineLimit; total > limit {
			return limitExceeded(op, fmt.Sprintf("Maximum policy size of %d bytes exceeded for %s %s", limit, f.info().label, h.entityName()))
		}
		if *in == nil {
			*in = map[string]string{}
		}
		(*in)[name] = doc
		return saveHolder(tx, f, h)
	})
}

// GetPolicy returns an inline policy's document.
func (s *Service) GetPolicy(ctx context.Context, f Family, entity, name string) (string, error) {
	const op = "iam.GetPolicy"
	var doc string
	err := s.view(ctx, func(tx wicket.DocReader) error {
		h, err := loadHolder(tx, op, f, entity)
		if err != nil {
			return err
		}
		d, ok := (*h.inline())[name]
		if !ok {
			return noSuchEntity(op, fmt.Sprintf("The %s policy with name %s cannot be found.", f.info().label, name))
		}
		doc = d
		return nil
	})
	return doc, err
}

// DeletePolicy removes an inline policy.
func (s *Service) DeletePolicy(ctx context.Context, f Family, entity, name string) error {
	const op = "iam.DeletePolicy"
	return s.update(ctx, func(tx wicket.DocTx) error {
		h, err := loadHolder(tx, op, f, entity)
		if err != nil {
			return err
		}
		if _, ok := (*h.inline())[name]; !ok {
			return noSuchEntity(op, fmt.Sprintf("The %s policy with name %s cannot be found.", f.info().label, name))
		}
		delete(*h.inline(), name)
		return saveHolder(tx, f, h)
	})
}

// ListPolicies returns the names of an entity's inline policies, sorted.
func (s *Service) ListPolicies(ctx context.Context, f Family, entity string) ([]string, error) {
	const op = "iam.ListPolicies"
	var names []string
	err := s.view(ctx, func(tx wicket.DocReader) error {
		h, err := loadHolder(tx, op, f, entity)
		if err != nil {
			return err
		}
		names = slices.Sorted(maps.Keys(*h.inline()))
		return nil
	})
	return names, err
}

// Attach attaches a managed policy to a user, group or role. Attaching one
// already attached does nothing, as on AWS.
func (s *Service) Attach(ctx context.Context, f Family, entity, policyARN string) error {
	const op = "iam.Attach"
	return s.update(ctx, func(tx wicket.DocTx) error {
		h, err := loadHolder(tx, op, f, entity)
		if err != nil {
			return err
		}
		mp, err := loadManaged(tx, op, policyARN)
		if err != nil {
			return err
		}
		at := h.attached()
		if slices.Contains(*at, mp.ARN) {
			return nil
		}
		if len(*at) >= maxAttached {
			return limitExceeded(op, fmt.Sprintf("Cannot exceed quota for %s: %d", f.info().attachedQuota, maxAttached))
		}
		*at = append(*at, mp.ARN)
		if err := saveHolder(tx, f, h); err != nil {
			return err
		}
		return countAttachment(tx, mp, +1)
	})
}

// Detach detaches a managed policy.
func (s *Service) Detach(ctx context.Context, f Family, entity, policyARN string) error {
	const op = "iam.Detach"
	return s.update(ctx, func(tx wicket.DocTx) error {
		h, err := loadHolder(tx, op, f, entity)
		if err != nil {
			return err
		}
		at := h.attached()
		i := slices.Index(*at, policyARN)
		if i < 0 {
			return noSuchEntity(op, fmt.Sprintf("Policy %s was not found.", policyARN))
		}
		*at = slices.Delete(*at, i, i+1)
		if err := saveHolder(tx, f, h); err != nil {
			return err
		}
		mp, err := loadManaged(tx, op, policyARN)
		if err != nil {
			return nil // an AWS managed policy keeps no count
		}
		return countAttachment(tx, mp, -1)
	})
}

// AttachedPolicy names an attached managed policy.
type AttachedPolicy struct {
	Name string
	ARN  string
}

// ListAttached returns the managed policies attached to an entity.
func (s *Service) ListAttached(ctx context.Context, f Family, entity string) ([]AttachedPolicy, error) {
	const op = "iam.ListAttached"
	var out []AttachedPolicy
	err := s.view(ctx, func(tx wicket.DocReader) error {
		h, err := loadHolder(tx, op, f, entity)
		if err != nil {
			return err
		}
		for _, a := range *h.attached() {
			out = append(out, AttachedPolicy{Name: a[strings.LastIndexByte(a, '/')+1:], ARN: a})
		}
		return nil
	})
	return out, err
}
