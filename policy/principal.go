package policy

import (
	"slices"
	"strings"

	"github.com/wicket-io/wicket/arn"
)

// principals is a compiled Principal or NotPrincipal element.
type principals struct {
	all       bool      // "*" or {"AWS": "*"}
	aws       []awsName // the "AWS" entries other than "*"
	federated []string
	service   []string
	canonical []string // kept, so that the policy parses, but never matched: Wicket has no canonical users
}

// awsName is one "AWS" principal: an account (an account id, or the
// account's root ARN, which AWS treats alike) or an exact ARN or unique id.
type awsName struct {
	account string
	name    string
}

// parseAWSPrincipal compiles one value of an "AWS" principal element.
// AWS allows no wildcard in a principal but the whole "*".
func parseAWSPrincipal(s string) (awsName, bool) {
	if isAccountID(s) {
		return awsName{account: s}, true
	}
	if strings.ContainsAny(s, "*?") {
		return awsName{}, false
	}
	if strings.HasPrefix(s, "arn:") {
		a, err := arn.Parse(s)
		if err != nil || a.Service != "iam" && a.Service != "sts" {
			return awsName{}, false
		}
		if a.Service == "iam" && a.Resource == "root" {
			return awsName{account: a.Account}, true
		}
		return awsName{name: s}, true
	}
	if isUniqueID(s) {
		return awsName{name: s}, true
	}
	return awsName{}, false
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// isUniqueID reports whether s looks like an IAM unique id (AIDA...,
// AROA...), which AWS stores in place of the ARN of a deleted principal.
func isUniqueID(s string) bool {
	if len(s) < 16 || len(s) > 128 || s[0] != 'A' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || isDigit(c)) {
			return false
		}
	}
	return true
}

// accountOf returns the account that a caller's AWS entry stands for, if
// it is an account id or an account's root ARN.
func accountOf(entry string) (string, bool) {
	if isAccountID(entry) {
		return entry, true
	}
	// arn:PARTITION:iam::ACCOUNT:root
	rest, ok := strings.CutPrefix(entry, "arn:")
	if !ok {
		return "", false
	}
	i := strings.IndexByte(rest, ':')
	if i < 0 {
		return "", false
	}
	rest, ok = strings.CutPrefix(rest[i+1:], "iam::")
	if !ok {
		return "", false
	}
	acct, res, ok := strings.Cut(rest, ":")
	if !ok || res != "root" || !isAccountID(acct) {
		return "", false
	}
	return acct, true
}

// reach is how far an Allow of a resource policy goes on its own, by whom
// it names. AWS: a resource policy that names the caller itself (an IAM
// user, a role session) grants "directly", and no implicit deny elsewhere
// limits it; one that names the role behind a session is limited by the
// session policies and permissions boundary; one that names the account
// delegates to the account, whose identity policies must allow too.
type reach uint8

const (
	reachNone      reach = iota
	reachDelegated       // an account: needs the identity side's Allow (and every limit's)
	reachLimited         // the role behind a session: needs every limit's Allow
	reachDirect          // the caller itself, "*", a web identity provider or a service
)

// match returns how far the element reaches the caller, reachNone if it
// does not name the caller at all.
func (ps *principals) match(p *Principal, bound map[string]string) reach {
	if ps.all {
		return reachDirect
	}
	if p.Anonymous {
		return reachNone
	}
	best := reachNone
	for i, entry := range p.AWS {
		acct, isAcct := accountOf(entry)
		for _, n := range ps.aws {
			if n.account != "" && !(isAcct && acct == n.account) || n.account == "" && !namedBy(entry, n.name, p, bound) {
				continue
			}
			r := reachLimited
			switch {
			case i == 0:
				r = reachDirect // the caller's own ARN (or the root user itself)
			case n.account != "":
				r = reachDelegated
			}
			best = max(best, r)
		}
	}
	if best == reachDirect {
		return best
	}
	if p.Federated != "" && contains(ps.federated, p.Federated) || p.Service != "" && contains(ps.service, p.Service) {
		return reachDirect
	}
	return best
}

// excludes reports whether a NotPrincipal element leaves the caller out,
// so that its statement applies. AWS evaluates a session as a chain of
// principals — account, role, session — and a NotPrincipal Deny spares the
// caller only if it names every one of them; AWS's documentation tells
// authors to list the account and the role beside the session for that
// reason. The chain here is the caller's AWS entries, or its web identity
// provider or service when it has no AWS entries; an anonymous caller is
// named only by "*".
func (ps *principals) excludes(p *Principal, bound map[string]string) bool {
	if ps.all {
		return false
	}
	if p.Anonymous {
		return true
	}
	if len(p.AWS) > 0 {
		for _, entry := range p.AWS {
			if !ps.namesAWS(entry, p, bound) {
				return true
			}
		}
		return false
	}
	switch {
	case p.Federated != "":
		return !contains(ps.federated, p.Federated)
	case p.Service != "":
		return !contains(ps.service, p.Service)
	}
	return true // nobody at all: as anonymous
}

func (ps *principals) namesAWS(entry string, p *Principal, bound map[string]string) bool {
	acct, isAcct := accountOf(entry)
	for _, n := range ps.aws {
		if n.account != "" && isAcct && acct == n.account || n.account == "" && namedBy(entry, n.name, p, bound) {
			return true
		}
	}
	return false
}

// namedBy reports whether the caller's ARN entry is what a policy's
// principal name names. A name the policy bound on save (Named.Bound) names
// the user or role of that unique id, whatever its name now: the caller's
// own entry (IDOf) if it has that id, even renamed since, and no one else
// of the name. An unbound name names by ARN.
func namedBy(entry, name string, p *Principal, bound map[string]string) bool {
	if id, ok := bound[name]; ok {
		return p.ID != "" && id == p.ID && entry == p.IDOf
	}
	return entry == name
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// NamedPrincipals returns the ARNs the policy's Principal and NotPrincipal
// elements name in "AWS" entries (users, roles, sessions; not accounts,
// not "*"), each once, in order, so that whoever stores the policy can
// check they exist, as AWS does.
func (p *Policy) NamedPrincipals() []string {
	var out []string
	for i := range p.stmts {
		ps := p.stmts[i].principal
		if ps == nil {
			continue
		}
		for _, n := range ps.aws {
			if n.name != "" && !slices.Contains(out, n.name) {
				out = append(out, n.name)
			}
		}
	}
	return out
}
