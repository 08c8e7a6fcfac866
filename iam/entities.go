package iam

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/internal/jsondoc"
	"github.com/wicket-io/wicket/policy"
)

func entityARN(kind, path, name string) string {
	return "arn:aws:iam::" + Account + ":" + kind + path + name
}

// The patterns of a tag's key and value (API_Tag).
var (
	tagKeyRE   = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)
	tagValueRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

// checkTags validates tags as a request carries them (Tags.member.N): at
// most 50, each key and value of the model's length and pattern, no key
// twice (keys are case-insensitive) and none in the aws: namespace, which
// AWS reserves for its own tags.
func checkTags(op string, tags []Tag) error {
	if len(tags) > maxTags {
		return validation(op, fmt.Sprintf("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to %d", maxTags))
	}
	seen := map[string]bool{}
	for i, t := range tags {
		at := fmt.Sprintf("tags.%d.member", i+1)
		if err := checkTagPart(op, at+".key", t.Key, 1, 128, tagKeyRE); err != nil {
			return err
		}
		if err := checkTagPart(op, at+".value", t.Value, 0, 256, tagValueRE); err != nil {
			return err
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return invalidInput(op, fmt.Sprintf("Tag key %s is invalid: keys that begin with aws: are reserved for AWS use.", t.Key))
		}
		if seen[strings.ToLower(t.Key)] {
			return invalidInput(op, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[strings.ToLower(t.Key)] = true
	}
	return nil
}

// checkTagPart checks a tag's key or value, field naming it as the model
// validation does (tags.1.member.key): min to max characters of re.
func checkTagPart(op, field, v string, min, max int, re *regexp.Regexp) error {
	n := utf8.RuneCountInString(v)
	switch {
	case n < min:
		return validation(op, fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", v, field, min))
	case n > max:
		return validation(op, fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", v, field, max))
	case !re.MatchString(v):
		pattern := strings.TrimSuffix(strings.TrimPrefix(re.String(), "^"), "$")
		return validation(op, fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", v, field, pattern))
	}
	return nil
}

// createEntity stores v under name unless an entity of that name exists.
func (s *Service) createEntity(ctx context.Context, op, coll, label, name string, v any) error {
	return s.update(ctx, func(tx wicket.DocTx) error {
		if _, err := tx.Get(coll, key(name)); err == nil {
			return alreadyExists(op, fmt.Sprintf("%s with name %s already exists.", label, name))
		} else if wicket.KindOf(err) != wicket.NotFound {
			return err
		}
		return jsondoc.Put(tx, coll, key(name), v)
	})
}

// CreateUser creates an IAM user.
func (s *Service) CreateUser(ctx context.Context, name, path string, tags []Tag) (*User, error) {
	const op = "iam.CreateUser"
	if err := checkName(op, "UserName", name, maxUserName); err != nil {
		return nil, err
	}
	path, err := checkPath(op, entityPath, path)
	if err != nil {
		return nil, err
	}
	if err := checkTags(op, tags); err != nil {
		return nil, err
	}
	u := &User{Name: name, ID: newID("AIDA", 17), Path: path, ARN: entityARN("user", path, name), Created: s.clock.Now().UTC(), Tags: tags}
	if err := s.createEntity(ctx, op, collUsers, "User", name, u); err != nil {
		return nil, err
	}
	return u, nil
}

// GetUser returns a user.
func (s *Service) GetUser(ctx context.Context, name string) (*User, error) {
	return getHolder[User](ctx, s, "iam.GetUser", FamilyUser, name)
}

// getHolder reads one user, group or role.
func getHolder[T any](ctx context.Context, s *Service, op string, f Family, name string) (*T, error) {
	var v *T
	err := s.view(ctx, func(tx wicket.DocReader) error {
		h, err := loadHolder(tx, op, f, name)
		if err == nil {
			v = any(h).(*T)
		}
		return err
	})
	return v, err
}

// listPath returns the entities of coll whose path starts with prefix,
// by name.
func listPath[T any](ctx context.Context, s *Service, coll, prefix string, path func(*T) string) ([]*T, error) {
	var out []*T
	err := s.view(ctx, func(tx wicket.DocReader) error {
		return jsondoc.Scan(tx, coll, "", func(v *T) bool {
			if strings.HasPrefix(path(v), prefix) {
				out = append(out, v)
			}
			return true
		})
	})
	return out, err
}

// ListUsers returns the users whose path starts with pathPrefix, by name.
func (s *Service) ListUsers(ctx context.Context, pathPrefix string) ([]*User, error) {
	return listPath(ctx, s, collUsers, pathPrefix, func(u *User) string { return u.Path })
}

// DeleteUser deletes a user that has no access keys, policies or groups
// left, as AWS requires.
func (s *Service) DeleteUser(ctx context.Context, name string) error {
	const op = "iam.DeleteUser"
	return s.update(ctx, func(tx wicket.DocTx) error {
		h, err := loadHolder(tx, op, FamilyUser, name)
		if err != nil {
			return err
		}
		u := h.(*User)
		hasKey := false
		if err := jsondoc.Scan(tx, collKeys, "", func(k *AccessKey) bool {
			hasKey = key(k.User) == key(u.Name)
			return !hasKey
		}); err != nil {
			return err
		}
		switch {
		case hasKey:
			return deleteConflict(op, "Cannot delete entity, must delete access keys first.")
		case len(u.Inline) > 0:
			return deleteConflict(op, "Cannot delete entity, must delete policies first.")
		case len(u.Attached) > 0:
			return deleteConflict(op, "Cannot delete entity, must detach all policies first.")
		case len(u.Groups) > 0:
			return deleteConflict(op, "Cannot delete entity, must remove users from group first.")
		}
		_, err = tx.Delete(collUsers, key(u.Name))
		return err
	})
}

// UpdateUserInput renames a user or moves it to another path; an empty
// NewName or NewPath keeps the user's.
type UpdateUserInput struct {
	Name    string // the user's name now
	NewName string
	NewPath string
}

// UpdateUser renames a user or moves it to another path, in one
// transaction: the user's document moves to its new name, its groups list
// it under that name and its access keys name it as their owner, so that
// the keys go on working, as the same user under the new name
// (aws:username). Its unique id, policies, groups and tags stay. The
// new name must be free, whatever its case.
//
// A bucket or trust policy saved before the rename names the user by its
// old ARN, bound to its unique id (policy.Named.Bound). AWS rewrites such a
// policy to the new name; Wicket keeps it as written, so it no longer
// names the renamed user (the ARN differs), nor anyone who takes the old
// name (the id differs): a rename drops what it granted, and passes it to
// nobody. The user's sessions (GetSessionToken), which name it by its old
// name, end (see User.Named).
func (s *Service) UpdateUser(ctx context.Context, in UpdateUserInput) error {
	const op = "iam.UpdateUser"
	if in.NewName != "" {
		if err := checkName(op, "NewUserName", in.NewName, maxUserName); err != nil {
			return err
		}
	}
	if in.NewPath != "" {
		if err := entityPath.check(op, "newPath", in.NewPath); err != nil {
			return err
		}
	}
	return s.update(ctx, func(tx wicket.DocTx) error {
		h, err := loadHolder(tx, op, FamilyUser, in.Name)
		if err != nil {
			return err
		}
		u := h.(*User)
		old := u.Name
		name, path := cmp.Or(in.NewName, u.Name), cmp.Or(in.NewPath, u.Path)
		if name == u.Name && path == u.Path {
			return nil
		}
		if key(name) != key(old) {
			if _, err := tx.Get(collUsers, key(name)); err == nil {
				return alreadyExists(op, fmt.Sprintf("User with name %s already exists.", name))
			} else if wicket.KindOf(err) != wicket.NotFound {
				return err
			}
			if _, err := tx.Delete(collUsers, key(old)); err != nil {
				return err
			}
		}
		u.Name, u.Path, u.ARN, u.Renamed = name, path, entityARN("user", path, name), s.clock.Now().UTC()
		if err := saveHolder(tx, FamilyUser, u); err != nil {
			return err
		}
		if name == old {
			return nil // a new path only: groups and keys name the user by name
		}
		for _, gname := range u.Groups {
			g, err := jsondoc.Get[Group](tx, collGroups, key(gname), nil)
			if wicket.KindOf(err) == wicket.NotFound {
				continue
			} else if err != nil {
				return err
			}
			for i, m := range g.Members {
				if key(m) == key(old) {
					g.Members[i] = name
				}
			}
			if err := saveHolder(tx, FamilyGroup, g); err != nil {
				return err
			}
		}
		var keys []*AccessKey
		if err := jsondoc.Scan(tx, collKeys, "", func(k *AccessKey) bool {
			if key(k.User) == key(old) {
				keys = append(keys, k)
			}
			return true
		}); err != nil {
			return err
		}
		for _, k := range keys {
			k.User = name
			if err := jsondoc.Put(tx, collKeys, k.ID, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// CreateGroup creates a group.
func (s *Service) CreateGroup(ctx context.Context, name, path string) (*Group, error) {
	const op = "iam.CreateGroup"
	if err := checkName(op, "GroupName", name, maxGroupName); err != nil {
		return nil, err
	}
	path, err := checkPath(op, entityPath, path)
	if err != nil {
		return nil, err
	}
	g := &Group{Name: name, ID: newID("AGPA", 17), Path: path, ARN: entityARN("group", path, name), Created: s.clock.Now().UTC()}
	if err := s.createEntity(ctx, op, collGroups, "Group", name, g); err != nil {
		return nil, err
	}
	return g, nil
}

// GetGroup returns a group and its members.
func (s *Service) GetGroup(ctx context.Context, name string) (*Group, []*User, error) {
	const op = "iam.GetGroup"
	var g *Group
	var users []*User
	err := s.view(ctx, func(tx wicket.DocReader) error {
		h, err := loadHolder(tx, op, FamilyGroup, name)
		if err != nil {
			return err
		}
		g = h.(*Group)
		for _, m := range g.Members {
			if u, err := jsondoc.Get[User](tx, collUsers, key(m), nil); err == nil {
				users = append(users, u)
			}
		}
		return nil
	})
	return g, users, err
}

// ListGroups returns the groups whose path starts with pathPrefix.
func (s *Service) ListGroups(ctx context.Context, pathPrefix string) ([]*Group, error) {
	return listPath(ctx, s, collGroups, pathPrefix, func(g *Group) string { return g.Path })
}

// ListGroupsForUser returns the groups a user belongs to.
func (s *Service) ListGroupsForUser(ctx context.Context, user string) ([]*Group, error) {
	const op = "iam.ListGroupsForUser"
	var out []*Group
	err := s.view(ctx, func(tx wicket.DocReader) error {
		h, err := loadHolder(tx, op, FamilyUser, user)
		if err != nil {
			return err
		}
		for _, gname := range h.(*User).Groups {
			if g, err := jsondoc.Get[Group](tx, collGroups, key(gname), nil); err == nil {
				out = append(out, g)
			}
		}
		return nil
	})
	return out, err
}

// DeleteGroup deletes a group with no members and no policies.
func (s *Service) DeleteGroup(ctx context.Context, name string) error {
	const op = "iam.DeleteGroup"
	return s.update(ctx, func(tx wicket.DocTx) error {
		h, err := loadHolder(tx, op, FamilyGroup, name)
		if err != nil {
			return err
		}
		g := h.(*Group)
		switch {
		case len(g.Members) > 0:
			return deleteConflict(op, "Cannot delete entity, must remove users from group first.")
		case len(g.Inline) > 0:
			return deleteConflict(op, "Cannot delete entity, must delete policies first.")
		case len(g.Attached) > 0:
			return deleteConflict(op, "Cannot delete entity, must detach all policies first.")
		}
		_, err = tx.Delete(collGroups, key(g.Name))
		return err
	})
}

// AddUserToGroup makes a user a member of a group; adding a member again
// does nothing.
func (s *Service) AddUserToGroup(ctx context.Context, group, user string) error {
	const op = "iam.AddUserToGroup"
	return s.update(ctx, func(tx wicket.DocTx) error {
		gh, err := loadHolder(tx, op, FamilyGroup, group)
		if err != nil {
			return err
		}
		uh, err := loadHolder(tx, op, FamilyUser, user)
		if err != nil {
			return err
		}
		g, u := gh.(*Group), uh.(*User)
		if slices.Contains(u.Groups, g.Name) {
			return nil
		}
		if len(u.Groups) >= maxGroupsPerUser {
			return limitExceeded(op, fmt.Sprintf("Cannot exceed quota for GroupsPerUser: %d", maxGroupsPerUser))
		}
		u.Groups = append(u.Groups, g.Name)
		g.Members = append(g.Members, u.Name)
		if err := saveHolder(tx, FamilyUser, u); err != nil {
			return err
		}
		return saveHolder(tx, FamilyGroup, g)
	})
}

// RemoveUserFromGroup ends a membership.
func (s *Service) RemoveUserFromGroup(ctx context.Context, group, user string) error {
	const op = "iam.RemoveUserFromGroup"
	return s.update(ctx, func(tx wicket.DocTx) error {
		gh, err := loadHolder(tx, op, FamilyGroup, group)
		if err != nil {
			return err
		}
		uh, err := loadHolder(tx, op, FamilyUser, user)
		if err != nil {
			return err
		}
		g, u := gh.(*Group), uh.(*User)
		i := slices.Index(u.Groups, g.Name)
		if i < 0 {
			return noSuchEntity(op, fmt.Sprintf("The user with name %s cannot be found in group %s.", u.Name, g.Name))
		}
		u.Groups = slices.Delete(u.Groups, i, i+1)
		if j := slices.Index(g.Members, u.Name); j >= 0 {
			g.Members = slices.Delete(g.Members, j, j+1)
		}
		if err := saveHolder(tx, FamilyUser, u); err != nil {
			return err
		}
		return saveHolder(tx, FamilyGroup, g)
	})
}

// CreateRoleInput describes a role to create.
type CreateRoleInput struct {
	Name               string
	Path               string
	Trust              string
	Description        string
	MaxSessionDuration int // 0 means 3600
	Tags               []Tag
}

// checkTrust validates a trust policy, the parameter field, and binds the
// users and roles it names (BindPrincipals), refusing one that does not
// exist, as IAM does.
func (s *Service) checkTrust(ctx context.Context, op, field, doc string) (bound map[string]string, err error) {
	p, err := checkPolicy(op, field, doc, policy.Trust)
	if err != nil {
		return nil, err
	}
	if policySize(doc) > maxTrustPolicy {
		return nil, limitExceeded(op, fmt.Sprintf("Cannot exceed quota for ACLSizePerRole: %d", maxTrustPolicy))
	}
	bound, missing, err := s.BindPrincipals(ctx, p)
	if err != nil {
		return nil, err
	}
	if missing != "" {
		return nil, malformedPolicy(op, fmt.Sprintf("Invalid principal in policy: \"AWS\":\"%s\"", missing))
	}
	return bound, nil
}

func checkDuration(op string, d int) error {
	return checkRange(op, "maxSessionDuration", d, minSessionDuration, maxSessionDuration)
}

// CreateRole creates a role.
func (s *Service) CreateRole(ctx context.Context, in CreateRoleInput) (*Role, error) {
	const op = "iam.CreateRole"
	if err := checkName(op, "RoleName", in.Name, maxRoleName); err != nil {
		return nil, err
	}
	path, err := checkPath(op, entityPath, in.Path)
	if err != nil {
		return nil, err
	}
	bound, err := s.checkTrust(ctx, op, "assumeRolePolicyDocument", in.Trust)
	if err != nil {
		return nil, err
	}
	if in.MaxSessionDuration == 0 {
		in.MaxSessionDuration = minSessionDuration
	}
	if err := checkDuration(op, in.MaxSessionDuration); err != nil {
		return nil, err
	}
	if len(in.Description) > maxDescription {
		return nil, validation(op, "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000")
	}
	if err := checkTags(op, in.Tags); err != nil {
		return nil, err
	}
	r := &Role{Name: in.Name, ID: newID("AROA", 17), Path: path, ARN: entityARN("role", path, in.Name), Created: s.clock.Now().UTC(),
		Description: in.Description, MaxSessionDuration: in.MaxSessionDuration, Trust: in.Trust, TrustBound: bound, Tags: in.Tags}
	if err := s.createEntity(ctx, op, collRoles, "Role", in.Name, r); err != nil {
		return nil, err
	}
	return r, nil
}

// GetRole returns a role.
func (s *Service) GetRole(ctx context.Context, name string) (*Role, error) {
	return getHolder[Role](ctx, s, "iam.GetRole", FamilyRole, name)
}

// ListRoles returns the roles whose path starts with pathPrefix.
func (s *Service) ListRoles(ctx context.Context, pathPrefix string) ([]*Role, error) {
	return listPath(ctx, s, collRoles, pathPrefix, func(r *Role) string { return r.Path })
}

// DeleteRole deletes a role that holds no policies.
func (s *Service) DeleteRole(ctx context.Context, name string) error {
	const op = "iam.DeleteRole"
	return s.update(ctx, func(tx wicket.DocTx) error {
		h, err := loadHolder(tx, op, FamilyRole, name)
		if err != nil {
			return err
		}
		r := h.(*Role)
		switch {
		case len(r.Inline) > 0:
			return deleteConflict(op, "Cannot delete entity, must delete policies first.")
		case len(r.Attached) > 0:
			return deleteConflict(op, "Cannot delete entity, must detach all policies first.")
		}
		_, err = tx.Delete(collRoles, key(r.Name))
		return err
	})
}

// UpdateRole changes a role's description and maximum session duration;
// nil leaves a field as it is.
func (s *Service) UpdateRole(ctx context.Context, name string, description *string, maxDuration *int) error {
	const op = "iam.UpdateRole"
	if maxDuration != nil {
		if err := checkDuration(op, *maxDuration); err != nil {
			return err
		}
	}
	if description != nil && len(*description) > maxDescription {
		return validation(op, "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000")
	}
	return s.update(ctx, func(tx wicket.DocTx) error {
		h, err := loadHolder(tx, op, FamilyRole, name)
		if err != nil {
			return err
		}
		r := h.(*Role)
		if description != nil {
			r.Description = *description
		}
		if maxDuration != nil {
			r.MaxSessionDuration = *maxDuration
		}
		return saveHolder(tx, FamilyRole, r)
	})
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, name, doc string) error {
	const op = "iam.UpdateAssumeRolePolicy"
	bound, err := s.checkTrust(ctx, op, "policyDocument", doc)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx wicket.DocTx) error {
		h, err := loadHolder(tx, op, FamilyRole, name)
		if err != nil {
			return err
		}
		r := h.(*Role)
		r.Trust, r.TrustBound = doc, bound
		return saveHolder(tx, FamilyRole, r)
	})
}
