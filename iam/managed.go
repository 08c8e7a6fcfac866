package iam

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/internal/jsondoc"
	"github.com/wicket-io/wicket/policy"
)

const policyARNPrefix = "arn:aws:iam::" + Account + ":policy"

// awsManaged are the AWS managed policies Wicket knows, by ARN, so that
// set-ups written for AWS (attach AmazonS3ReadOnlyAccess …) work unchanged.
// Their documents are AWS's, reduced to the services Wicket has; their
// dates and default version ids are AWS's (as moto's copy of AWS's list
// has them, moto/iam/aws_managed_policies.py), and only the default version
// is kept. Their attachment counts are not stored: the snapshot counts
// them (awsAttached).
var awsManaged = map[string]*ManagedPolicy{}

func init() {
	for _, p := range []struct {
		name, version, created, updated, doc string
	}{
		{"AdministratorAccess", "v1", "2015-02-06T18:39:46Z", "2015-02-06T18:39:46Z",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
		{"AmazonS3FullAccess", "v2", "2015-02-06T18:40:58Z", "2021-09-27T20:16:37Z",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","s3-object-lambda:*"],"Resource":"*"}]}`},
		{"AmazonS3ReadOnlyAccess", "v3", "2015-02-06T18:40:59Z", "2023-08-10T21:31:39Z",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*","s3-object-lambda:Get*","s3-object-lambda:List*"],"Resource":"*"}]}`},
		{"IAMFullAccess", "v2", "2015-02-06T18:40:38Z", "2019-06-21T19:40:00Z",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`},
		{"IAMReadOnlyAccess", "v4", "2015-02-06T18:40:39Z", "2018-01-25T19:11:27Z",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GenerateCredentialReport","iam:GenerateServiceLastAccessedDetails","iam:Get*","iam:List*","iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy"],"Resource":"*"}]}`},
	} {
		created, err1 := time.Parse(time.RFC3339, p.created)
		updated, err2 := time.Parse(time.RFC3339, p.updated)
		if err := errors.Join(err1, err2); err != nil {
			panic(err)
		}
		arn := "arn:aws:iam::aws:policy/" + p.name
		awsManaged[arn] = &ManagedPolicy{Name: p.name, ID: "ANPAWICKET" + strings.ToUpper(p.name[:min(len(p.name), 11)]), Path: "/", ARN: arn,
			Created: created, Updated: updated, DefaultVersion: p.version, Versions: []PolicyVersion{{ID: p.version, Doc: p.doc, Created: updated}}}
	}
}

// withAttachments returns a copy of an AWS managed policy with the number
// of users, groups and roles it is attached to.
func (s *Service) withAttachments(ctx context.Context, p *ManagedPolicy) (*ManagedPolicy, error) {
	sn, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	c := *p
	c.Attachments = sn.awsAttached[p.ARN]
	return &c, nil
}

func managedDoc(managed map[string]*ManagedPolicy, arn string) string {
	if p := managed[arn]; p != nil {
		return p.Default()
	}
	if p := awsManaged[arn]; p != nil {
		return p.Default()
	}
	return ""
}

// loadManaged finds a managed policy by ARN: a customer managed one in the
// store (its path must match), or an AWS managed one.
func loadManaged(tx wicket.DocReader, op, arn string) (*ManagedPolicy, error) {
	if p := awsManaged[arn]; p != nil {
		return p, nil
	}
	nf := noSuchEntity(op, fmt.Sprintf("Policy %s does not exist or is not attachable.", arn))
	rest, ok := strings.CutPrefix(arn, policyARNPrefix+"/")
	if !ok {
		if strings.HasPrefix(arn, "arn:") {
			return nil, nf
		}
		return nil, invalidInput(op, fmt.Sprintf("ARN %s is not valid.", arn))
	}
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	if name == "" {
		return nil, nf
	}
	p, err := jsondoc.Get[ManagedPolicy](tx, collPolicies, key(name), nf)
	if err != nil {
		return nil, err
	}
	if p.ARN != arn {
		return nil, nf
	}
	return p, nil
}

func countAttachment(tx wicket.DocTx, p *ManagedPolicy, delta int) error {
	if awsManaged[p.ARN] != nil {
		return nil
	}
	p.Attachments = max(p.Attachments+delta, 0)
	return jsondoc.Put(tx, collPolicies, key(p.Name), p)
}

// CreatePolicyInput describes a customer managed policy to create.
type CreatePolicyInput struct {
	Name        string
	Path        string
	Description string
	Document    string // the policy document of version v1
	Tags        []Tag
}

// CreateManagedPolicy creates a customer managed policy with version v1.
func (s *Service) CreateManagedPolicy(ctx context.Context, in CreatePolicyInput) (*ManagedPolicy, error) {
	const op = "iam.CreatePolicy"
	name, description, doc := in.Name, in.Description, in.Document
	if err := checkName(op, "PolicyName", name, maxPolicyName); err != nil {
		return nil, err
	}
	path, err := checkPath(op, policyPath, in.Path)
	if err != nil {
		return nil, err
	}
	if len(description) > maxDescription {
		return nil, validation(op, "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000")
	}
	if err := checkManagedDoc(op, doc); err != nil {
		return nil, err
	}
	if err := checkTags(op, in.Tags); err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC()
	p := &ManagedPolicy{Name: name, ID: newID("ANPA", 17), Path: path, ARN: policyARNPrefix + path + name,
		Description: description, Created: now, Updated: now, DefaultVersion: "v1", NextVersion: 2,
		Versions: []PolicyVersion{{ID: "v1", Doc: doc, Created: now}}, Tags: in.Tags}
	err = s.update(ctx, func(tx wicket.DocTx) error {
		if _, err := tx.Get(collPolicies, key(name)); err == nil {
			return alreadyExists(op, fmt.Sprintf("A policy called %s already exists. Duplicate names are not allowed.", name))
		} else if wicket.KindOf(err) != wicket.NotFound {
			return err
		}
		return jsondoc.Put(tx, collPolicies, key(name), p)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func checkManagedDoc(op, doc string) error {
	if _, err := checkPolicy(op, "policyDocument", doc, policy.Identity); err != nil {
		return err
	}
	if policySize(doc) > maxManagedPolicy {
		return limitExceeded(op, fmt.Sprintf("Cannot exceed quota for PolicySize: %d", maxManagedPolicy))
	}
	return nil
}

// GetManagedPolicy returns a managed policy.
func (s *Service) GetManagedPolicy(ctx context.Context, arn string) (*ManagedPolicy, error) {
	if p := awsManaged[arn]; p != nil {
		return s.withAttachments(ctx, p)
	}
	var p *ManagedPolicy
	err := s.view(ctx, func(tx wicket.DocReader) error {
		var err error
		p, err = loadManaged(tx, "iam.GetManagedPolicy", arn)
		return err
	})
	return p, err
}

// ListManagedPolicies returns the customer managed policies (scope Local)
// and the AWS managed ones (scope AWS) whose path starts with pathPrefix;
// onlyAttached keeps those attached somewhere.
func (s *Service) ListManagedPolicies(ctx context.Context, scope, pathPrefix string, onlyAttached bool) ([]*ManagedPolicy, error) {
	var out []*ManagedPolicy
	if scope == "" || scope == "All" || scope == "AWS" {
		for _, arn := range slices.Sorted(maps.Keys(awsManaged)) {
			p, err := s.withAttachments(ctx, awsManaged[arn])
			if err != nil {
				return nil, err
			}
			if strings.HasPrefix(p.Path, pathPrefix) && (!onlyAttached || p.Attachments > 0) {
				out = append(out, p)
			}
		}
	}
	if scope == "AWS" {
		return out, nil
	}
	err := s.view(ctx, func(tx wicket.DocReader) error {
		return jsondoc.Scan(tx, collPolicies, "", func(p *ManagedPolicy) bool {
			if strings.HasPrefix(p.Path, pathPrefix) && (!onlyAttached || p.Attachments > 0) {
				out = append(out, p)
			}
			return true
		})
	})
	return out, err
}

// PolicyEntities are the users, groups and roles a managed policy is
// attached to.
type PolicyEntities struct {
	Users  []*User
	Groups []*Group
	Roles  []*Role
}

// EntitiesForPolicy returns the users, groups and roles a managed policy
// (customer or AWS managed) is attached to.
func (s *Service) EntitiesForPolicy(ctx context.Context, arn string) (*PolicyEntities, error) {
	const op = "iam.ListEntitiesForPolicy"
	if arn == "" {
		return nil, validation(op, "1 validation error detected: Value null at 'policyArn' failed to satisfy constraint: Member must not be null")
	}
	var out PolicyEntities
	err := s.view(ctx, func(tx wicket.DocReader) error {
		if _, err := loadManaged(tx, op, arn); err != nil {
			return err
		}
		if err := jsondoc.Scan(tx, collUsers, "", func(u *User) bool {
			if slices.Contains(u.Attached, arn) {
				out.Users = append(out.Users, u)
			}
			return true
		}); err != nil {
			return err
		}
		if err := jsondoc.Scan(tx, collGroups, "", func(g *Group) bool {
			if slices.Contains(g.Attached, arn) {
				out.Groups = append(out.Groups, g)
			}
			return true
		}); err != nil {
			return err
		}
		return jsondoc.Scan(tx, collRoles, "", func(r *Role) bool {
			if slices.Contains(r.Attached, arn) {
				out.Roles = append(out.Roles, r)
			}
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteManagedPolicy deletes a customer managed policy that is attached
// nowhere and has no version but its default.
func (s *Service) DeleteManagedPolicy(ctx context.Context, arn string) error {
	const op = "iam.DeletePolicy"
	return s.update(ctx, func(tx wicket.DocTx) error {
		p, err := loadManaged(tx, op, arn)
		if err != nil {
			return err
		}
		if awsManaged[arn] != nil {
			return coded(op, wicket.AccessDenied, "AccessDenied", "AWS managed policies cannot be deleted.")
		}
		if p.Attachments > 0 {
			return deleteConflict(op, "Cannot delete a policy attached to entities.")
		}
		if len(p.Versions) > 1 {
			return deleteConflict(op, "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		_, err = tx.Delete(collPolicies, key(p.Name))
		return err
	})
}

// CreatePolicyVersion adds a version, at most five in all.
func (s *Service) CreatePolicyVersion(ctx context.Context, arn, doc string, setDefault bool) (*PolicyVersion, error) {
	const op = "iam.CreatePolicyVersion"
	if err := checkManagedDoc(op, doc); err != nil {
		return nil, err
	}
	var v PolicyVersion
	err := s.update(ctx, func(tx wicket.DocTx) error {
		p, err := loadCustomer(tx, op, arn)
		if err != nil {
			return err
		}
		if len(p.Versions) >= maxPolicyVersions {
			return limitExceeded(op, "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
		}
		now := s.clock.Now().UTC()
		v = PolicyVersion{ID: "v" + strconv.Itoa(p.NextVersion), Doc: doc, Created: now}
		p.NextVersion++
		p.Versions = append(p.Versions, v)
		if setDefault {
			p.DefaultVersion = v.ID
		}
		p.Updated = now
		return jsondoc.Put(tx, collPolicies, key(p.Name), p)
	})
	return &v, err
}

func loadCustomer(tx wicket.DocReader, op, arn string) (*ManagedPolicy, error) {
	p, err := loadManaged(tx, op, arn)
	if err != nil {
		return nil, err
	}
	if awsManaged[arn] != nil {
		return nil, coded(op, wicket.AccessDenied, "AccessDenied", "AWS managed policies cannot be changed.")
	}
	return p, nil
}

// versionIDRE is policyVersionIdType's pattern: v1, v2 … with an optional
// suffix.
var versionIDRE = regexp.MustCompile(`^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$`)

// checkVersionID validates a VersionId parameter as the model does, before
// the policy is looked up.
func checkVersionID(op, id string) error {
	if id == "" {
		return validation(op, "1 validation error detected: Value null at 'versionId' failed to satisfy constraint: Member must not be null")
	}
	if !versionIDRE.MatchString(id) {
		return validation(op, fmt.Sprintf("1 validation error detected: Value '%s' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?", id))
	}
	return nil
}

func findVersion(op string, p *ManagedPolicy, id string) (int, error) {
	i := slices.IndexFunc(p.Versions, func(v PolicyVersion) bool { return v.ID == id })
	if i < 0 {
		return -1, noSuchEntity(op, fmt.Sprintf("Policy %s version %s does not exist or is not attachable.", p.ARN, id))
	}
	return i, nil
}

// GetPolicyVersion returns one version of a managed policy.
func (s *Service) GetPolicyVersion(ctx context.Context, arn, id string) (*ManagedPolicy, *PolicyVersion, error) {
	const op = "iam.GetPolicyVersion"
	if err := checkVersionID(op, id); err != nil {
		return nil, nil, err
	}
	var p *ManagedPolicy
	var v *PolicyVersion
	err := s.view(ctx, func(tx wicket.DocReader) error {
		var err error
		if p, err = loadManaged(tx, op, arn); err != nil {
			return err
		}
		i, err := findVersion(op, p, id)
		if err != nil {
			return err
		}
		v = &p.Versions[i]
		return nil
	})
	return p, v, err
}

// DeletePolicyVersion deletes a version other than the default.
func (s *Service) DeletePolicyVersion(ctx context.Context, arn, id string) error {
	const op = "iam.DeletePolicyVersion"
	if err := checkVersionID(op, id); err != nil {
		return err
	}
	return s.update(ctx, func(tx wicket.DocTx) error {
		p, err := loadCustomer(tx, op, arn)
		if err != nil {
			return err
		}
		i, err := findVersion(op, p, id)
		if err != nil {
			return err
		}
		if p.DefaultVersion == id {
			return deleteConflict(op, "Cannot delete the default version of a policy.")
		}
		p.Versions = slices.Delete(p.Versions, i, i+1)
		return jsondoc.Put(tx, collPolicies, key(p.Name), p)
	})
}

// SetDefaultPolicyVersion makes a version the one that applies.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, arn, id string) error {
	const op = "iam.SetDefaultPolicyVersion"
	if err := checkVersionID(op, id); err != nil {
		return err
	}
	return s.update(ctx, func(tx wicket.DocTx) error {
		p, err := loadCustomer(tx, op, arn)
		if err != nil {
			return err
		}
		if _, err := findVersion(op, p, id); err != nil {
			return err
		}
		p.DefaultVersion = id
		p.Updated = s.clock.Now().UTC()
		return jsondoc.Put(tx, collPolicies, key(p.Name), p)
	})
}
