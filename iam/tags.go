package iam

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/internal/jsondoc"
)

// Taggable is an entity that carries tags: a user or role, by name, or a
// managed policy or OpenID Connect provider, by ARN. Tagging, untagging and listing work the same for
// each: checkTags's rules for what a request brings, at most 50 on one.
type Taggable struct {
	// load reads the entity in tx and returns its tags and a function that
	// stores it with them. write says the tags are to be changed, which an
	// AWS managed policy refuses.
	load func(tx wicket.DocReader, op string, write bool) (*[]Tag, func(wicket.DocTx) error, error)
}

// TaggedUser is the user of this name.
func TaggedUser(name string) Taggable { return taggedHolder(FamilyUser, name) }

// TaggedRole is the role of this name.
func TaggedRole(name string) Taggable { return taggedHolder(FamilyRole, name) }

func taggedHolder(f Family, name string) Taggable {
	return Taggable{func(tx wicket.DocReader, op string, _ bool) (*[]Tag, func(wicket.DocTx) error, error) {
		h, err := loadHolder(tx, op, f, name)
		if err != nil {
			return nil, nil, err
		}
		var tags *[]Tag
		switch v := h.(type) {
		case *User:
			tags = &v.Tags
		case *Role:
			tags = &v.Tags
		default:
			tags = new([]Tag) // groups carry no tags on AWS either
		}
		return tags, func(tx wicket.DocTx) error { return saveHolder(tx, f, h) }, nil
	}}
}

// TaggedPolicy is the managed policy of this ARN. An AWS managed policy
// lists no tags and takes none.
func TaggedPolicy(arn string) Taggable {
	return Taggable{func(tx wicket.DocReader, op string, write bool) (*[]Tag, func(wicket.DocTx) error, error) {
		load := loadManaged
		if write {
			load = loadCustomer
		}
		p, err := load(tx, op, arn)
		if err != nil {
			return nil, nil, err
		}
		return &p.Tags, func(tx wicket.DocTx) error { return jsondoc.Put(tx, collPolicies, key(p.Name), p) }, nil
	}}
}

// TaggedOIDCProvider is the OpenID Connect provider of this ARN.
func TaggedOIDCProvider(arn string) Taggable {
	return Taggable{func(tx wicket.DocReader, op string, _ bool) (*[]Tag, func(wicket.DocTx) error, error) {
		p, err := loadOIDC(tx, op, arn)
		if err != nil {
			return nil, nil, err
		}
		return &p.Tags, func(tx wicket.DocTx) error { return jsondoc.Put(tx, collOIDC, p.ARN, p) }, nil
	}}
}

// Tag adds tags to an entity, replacing those of the same key (keys are
// compared without regard to case, as IAM compares them).
func (s *Service) Tag(ctx context.Context, t Taggable, tags []Tag) error {
	const op = "iam.Tag"
	if err := checkTags(op, tags); err != nil {
		return err
	}
	return s.update(ctx, func(tx wicket.DocTx) error {
		cur, save, err := t.load(tx, op, true)
		if err != nil {
			return err
		}
		for _, t := range tags {
			i := slices.IndexFunc(*cur, func(c Tag) bool { return strings.EqualFold(c.Key, t.Key) })
			if i >= 0 {
				(*cur)[i] = t
			} else {
				*cur = append(*cur, t)
			}
		}
		if len(*cur) > maxTags {
			return limitExceeded(op, fmt.Sprintf("The number of tags has reached the maximum limit of %d.", maxTags))
		}
		return save(tx)
	})
}

// Untag removes tags by key; a key the entity has not is no error.
func (s *Service) Untag(ctx context.Context, t Taggable, keys []string) error {
	const op = "iam.Untag"
	return s.update(ctx, func(tx wicket.DocTx) error {
		cur, save, err := t.load(tx, op, true)
		if err != nil {
			return err
		}
		*cur = slices.DeleteFunc(*cur, func(t Tag) bool {
			return slices.ContainsFunc(keys, func(k string) bool { return strings.EqualFold(k, t.Key) })
		})
		return save(tx)
	})
}

// Tags returns an entity's tags, in the order they were added.
func (s *Service) Tags(ctx context.Context, t Taggable) ([]Tag, error) {
	var out []Tag
	err := s.view(ctx, func(tx wicket.DocReader) error {
		tags, _, err := t.load(tx, "iam.Tags", false)
		if err == nil {
			out = slices.Clone(*tags)
		}
		return err
	})
	return out, err
}
