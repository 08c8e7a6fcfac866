package iam

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/internal/jsondoc"
	"github.com/wicket-io/wicket/policy"
)

// Account is the account id in the ARNs Wicket makes.
const Account = "000000000000"

// Options configure a Service.
type Options struct {
	Docs   wicket.DocStore
	Clock  wicket.Clock
	Logger *slog.Logger
}

// Service keeps IAM's entities and answers, for any principal, the policies
// that apply to it. Reads for authentication and authorization come from an
// in-memory snapshot of all entities with their policies compiled, so that
// a request costs no database read; every write through the Service makes
// the next read rebuild it, so a change takes effect on the next request.
type Service struct {
	docs  wicket.DocStore
	clock wicket.Clock
	log   *slog.Logger

	gen  atomic.Uint64 // bumped after every committed write
	snap atomic.Pointer[snapshot]
	mu   sync.Mutex // serialises rebuilds
	// compiled caches parsed documents across rebuilds, by type and text.
	compiled map[compiledKey]*policy.Policy

	sessionPolicies sync.Map // session policy text → *policy.Policy
	sessionCount    atomic.Int64
	// scopeDown holds the named ceilings sessions may carry; set before
	// serving (SetScopeDown), read-only after.
	scopeDown map[string]*policy.Policy
}

type compiledKey struct {
	t   policy.Type
	doc string
}

// New returns a Service over o.Docs.
func New(o Options) *Service {
	s := &Service{docs: o.Docs, clock: o.Clock, log: o.Logger, compiled: map[compiledKey]*policy.Policy{}, scopeDown: map[string]*policy.Policy{}}
	if s.clock == nil {
		s.clock = wicket.SystemClock{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// update runs fn in a transaction and invalidates the snapshot once it has
// committed.
func (s *Service) update(ctx context.Context, fn func(tx wicket.DocTx) error) error {
	err := s.docs.Update(ctx, fn)
	if err == nil {
		s.gen.Add(1)
	}
	return err
}

func (s *Service) view(ctx context.Context, fn func(tx wicket.DocReader) error) error {
	return s.docs.View(ctx, fn)
}

// snapshot is every entity that authentication and authorization need,
// with policies compiled. It is never modified once built.
type snapshot struct {
	gen   uint64
	users map[string]*userView // by lower-case name
	roles map[string]*roleView // by lower-case name
	keys  map[string]*keyView  // by access key id
	// groups maps a group's lower-case name to its ARN, for authorizing
	// actions on groups.
	groups map[string]string
	// managed are the customer managed policies' default versions, by
	// ARN, for managed session policies (AWS managed ones: awsManaged).
	managed map[string]*policy.Policy
	// awsAttached counts the users, groups and roles each AWS managed
	// policy is attached to, by ARN: unlike a customer managed policy's,
	// the count is not stored.
	awsAttached map[string]int
}

type userView struct {
	user     *User
	policies []policy.Named
	tags     map[string]string
}

type roleView struct {
	role     *Role
	trust    *policy.Policy
	policies []policy.Named
	tags     map[string]string
}

type keyView struct {
	key  *AccessKey
	user *userView
}

// current returns a snapshot no older than the last committed write.
func (s *Service) current(ctx context.Context) (*snapshot, error) {
	gen := s.gen.Load()
	if sn := s.snap.Load(); sn != nil && sn.gen == gen {
		return sn, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	gen = s.gen.Load()
	if sn := s.snap.Load(); sn != nil && sn.gen == gen {
		return sn, nil
	}
	sn, err := s.build(ctx, gen)
	if err != nil {
		return nil, err
	}
	s.snap.Store(sn)
	return sn, nil
}

// build reads every entity. gen is read before the read starts, so that a
// write committed during it leaves the snapshot stale, not wrong.
func (s *Service) build(ctx context.Context, gen uint64) (*snapshot, error) {
	sn := &snapshot{gen: gen, users: map[string]*userView{}, roles: map[string]*roleView{}, keys: map[string]*keyView{}, groups: map[string]string{},
		managed: map[string]*policy.Policy{}, awsAttached: map[string]int{}}
	used := map[compiledKey]*policy.Policy{}
	compile := func(t policy.Type, doc string) *policy.Policy {
		k := compiledKey{t, doc}
		if p, ok := used[k]; ok {
			return p
		}
		p, ok := s.compiled[k]
		if !ok {
			var err error
			p, err = policy.Parse([]byte(doc), t)
			if err != nil {
				// Documents are validated before they are stored; one that
				// no longer parses (a stricter parser) grants nothing.
				s.log.Error("stored policy does not parse; ignored", "err", err)
				p = nil
			}
		}
		used[k] = p
		return p
	}
	err := s.view(ctx, func(tx wicket.DocReader) error {
		managed := map[string]*ManagedPolicy{}
		if err := jsondoc.Scan(tx, collPolicies, "", func(p *ManagedPolicy) bool { managed[p.ARN] = p; return true }); err != nil {
			return err
		}
		for arn := range managed {
			sn.managed[arn] = compile(policy.Identity, managedDoc(managed, arn))
		}
		for arn := range awsManaged {
			sn.managed[arn] = compile(policy.Identity, managedDoc(managed, arn))
		}
		countAWS := func(attached []string) {
			for _, a := range attached {
				if awsManaged[a] != nil {
					sn.awsAttached[a]++
				}
			}
		}
		groups := map[string]*Group{}
		if err := jsondoc.Scan(tx, collGroups, "", func(g *Group) bool {
			groups[key(g.Name)] = g
			sn.groups[key(g.Name)] = g.ARN
			countAWS(g.Attached)
			return true
		}); err != nil {
			return err
		}
		named := func(out []policy.Named, owner string, inline map[string]string, attached []string) []policy.Named {
			for _, name := range slices.Sorted(maps.Keys(inline)) {
				if p := compile(policy.Identity, inline[name]); p != nil {
					out = append(out, policy.Named{Name: owner + " inline policy " + name, Policy: p})
				}
			}
			for _, a := range attached {
				doc := managedDoc(managed, a)
				if doc == "" {
					continue
				}
				if p := compile(policy.Identity, doc); p != nil {
					out = append(out, policy.Named{Name: a, Policy: p})
				}
			}
			return out
		}
		if err := jsondoc.Scan(tx, collUsers, "", func(u *User) bool {
			countAWS(u.Attached)
			v := &userView{user: u, tags: tagMap(u.Tags)}
			v.policies = named(nil, "user/"+u.Name, u.Inline, u.Attached)
			for _, gname := range u.Groups {
				if g := groups[key(gname)]; g != nil {
					v.policies = named(v.policies, "group/"+g.Name, g.Inline, g.Attached)
				}
			}
			sn.users[key(u.Name)] = v
			return true
		}); err != nil {
			return err
		}
		if err := jsondoc.Scan(tx, collRoles, "", func(r *Role) bool {
			countAWS(r.Attached)
			v := &roleView{role: r, tags: tagMap(r.Tags), trust: compile(policy.Trust, r.Trust)}
			v.policies = named(nil, "role/"+r.Name, r.Inline, r.Attached)
			sn.roles[key(r.Name)] = v
			return true
		}); err != nil {
			return err
		}
		return jsondoc.Scan(tx, collKeys, "", func(k *AccessKey) bool {
			if u := sn.users[key(k.User)]; u != nil {
				sn.keys[k.ID] = &keyView{key: k, user: u}
			}
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	s.compiled = used
	return sn, nil
}

func tagMap(tags []Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}
