package iam

import (
	"context"
	"strings"

	"github.com/wicket-io/wicket/policy"
)

// BindPrincipals binds the users and roles of this account that p (a
// resource or trust policy) names by ARN to their unique ids, as AWS does
// when it saves such a policy, so that one deleted and made again under the
// name is another principal to it (policy.Named.Bound). missing is the
// first one that does not exist: AWS refuses to store that policy
// ("Invalid principal in policy"), so a typo fails at once instead of
// granting nothing. Role session ARNs, accounts and other accounts'
// principals are not bound: Wicket has one account, and sessions come and
// go.
func (s *Service) BindPrincipals(ctx context.Context, p *policy.Policy) (bound map[string]string, missing string, err error) {
	names := p.NamedPrincipals()
	if len(names) == 0 {
		return nil, "", nil
	}
	sn, err := s.current(ctx)
	if err != nil {
		return nil, "", err
	}
	for _, arn := range names {
		rest, ok := strings.CutPrefix(arn, "arn:aws:iam::"+Account+":")
		if !ok {
			continue
		}
		name, id := rest[strings.LastIndexByte(rest, '/')+1:], ""
		switch {
		case strings.HasPrefix(rest, "user/"):
			if uv := sn.users[key(name)]; uv != nil && uv.user.ARN == arn {
				id = uv.user.ID
			}
		case strings.HasPrefix(rest, "role/"):
			if rv := sn.roles[key(name)]; rv != nil && rv.role.ARN == arn {
				id = rv.role.ID
			}
		default:
			continue
		}
		if id == "" {
			return nil, arn, nil
		}
		if bound == nil {
			bound = map[string]string{}
		}
		bound[arn] = id
	}
	return bound, "", nil
}
