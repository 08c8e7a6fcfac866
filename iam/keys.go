package iam

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/internal/jsondoc"
)

// CreateAccessKey issues an access key for a user, at most two per user.
func (s *Service) CreateAccessKey(ctx context.Context, user string) (*AccessKey, error) {
	const op = "iam.CreateAccessKey"
	k := &AccessKey{ID: newID("AKIA", 16), Secret: newSecret(), Status: "Active", Created: s.clock.Now().UTC()}
	err := s.update(ctx, func(tx wicket.DocTx) error {
		h, err := loadHolder(tx, op, FamilyUser, user)
		if err != nil {
			return err
		}
		k.User = h.entityName()
		n := 0
		if err := jsondoc.Scan(tx, collKeys, "", func(o *AccessKey) bool {
			if key(o.User) == key(k.User) {
				n++
			}
			return true
		}); err != nil {
			return err
		}
		if n >= maxKeysPerUser {
			return limitExceeded(op, fmt.Sprintf("Cannot exceed quota for AccessKeysPerUser: %d", maxKeysPerUser))
		}
		return jsondoc.Put(tx, collKeys, k.ID, k)
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// ListAccessKeys returns a user's access keys, secrets blanked.
func (s *Service) ListAccessKeys(ctx context.Context, user string) ([]*AccessKey, error) {
	const op = "iam.ListAccessKeys"
	var out []*AccessKey
	err := s.view(ctx, func(tx wicket.DocReader) error {
		h, err := loadHolder(tx, op, FamilyUser, user)
		if err != nil {
			return err
		}
		return jsondoc.Scan(tx, collKeys, "", func(k *AccessKey) bool {
			if key(k.User) == key(h.entityName()) {
				k.Secret = ""
				out = append(out, k)
			}
			return true
		})
	})
	return out, err
}

// accessKeyIDRE is the model's pattern for an access key id, which is 16
// to 128 characters long.
var accessKeyIDRE = regexp.MustCompile(`^\w+$`)

// AccessKeyUser returns the name of the user an access key belongs to.
func (s *Service) AccessKeyUser(ctx context.Context, id string) (string, error) {
	const op = "iam.GetAccessKeyLastUsed"
	switch {
	case id == "":
		return "", validation(op, "1 validation error detected: Value null at 'accessKeyId' failed to satisfy constraint: Member must not be null")
	case len(id) < 16:
		return "", validation(op, fmt.Sprintf("1 validation error detected: Value '%s' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16", id))
	case len(id) > 128:
		return "", validation(op, fmt.Sprintf("1 validation error detected: Value '%s' at 'accessKeyId' failed to satisfy constraint: Member must have length less than or equal to 128", id))
	case !accessKeyIDRE.MatchString(id):
		return "", validation(op, fmt.Sprintf("1 validation error detected: Value '%s' at 'accessKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]+", id))
	}
	var user string
	err := s.view(ctx, func(tx wicket.DocReader) error {
		k, err := jsondoc.Get[AccessKey](tx, collKeys, id, noSuchEntity(op, fmt.Sprintf("The Access Key with id %s cannot be found.", id)))
		if err == nil {
			user = k.User
		}
		return err
	})
	return user, err
}

func loadKey(tx wicket.DocReader, op, user, id string) (*AccessKey, error) {
	nf := noSuchEntity(op, fmt.Sprintf("The Access Key with id %s cannot be found.", id))
	if _, err := loadHolder(tx, op, FamilyUser, user); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, validation(op, "1 validation error detected: Value null at 'accessKeyId' failed to satisfy constraint: Member must not be null")
	}
	k, err := jsondoc.Get[AccessKey](tx, collKeys, id, nf)
	if err != nil {
		return nil, err
	}
	if key(k.User) != key(user) {
		return nil, nf
	}
	return k, nil
}

// DeleteAccessKey deletes one of a user's keys.
func (s *Service) DeleteAccessKey(ctx context.Context, user, id string) error {
	const op = "iam.DeleteAccessKey"
	return s.update(ctx, func(tx wicket.DocTx) error {
		if _, err := loadKey(tx, op, user, id); err != nil {
			return err
		}
		_, err := tx.Delete(collKeys, id)
		return err
	})
}

// UpdateAccessKey sets a key Active or Inactive.
func (s *Service) UpdateAccessKey(ctx context.Context, user, id, status string) error {
	const op = "iam.UpdateAccessKey"
	if status != "Active" && status != "Inactive" {
		return validation(op, fmt.Sprintf("1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", status))
	}
	return s.update(ctx, func(tx wicket.DocTx) error {
		k, err := loadKey(tx, op, user, id)
		if err != nil {
			return err
		}
		k.Status = status
		return jsondoc.Put(tx, collKeys, k.ID, k)
	})
}

// oidcARN returns the ARN of the provider at rawURL, named by the URL
// without its scheme as IAM names providers, and the provider's issuer.
// A final "/" is kept, as IAM keeps it: it is part of the issuer that the
// provider's discovery document and tokens name ("https://tenant.auth0.com/",
// "https://sts.windows.net/<tenant>/"), which must match exactly, so
// "https://host/" and "https://host" are two providers.
func oidcARN(op, rawURL string) (string, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || len(rawURL) > 255 {
		return "", "", validation(op, "The URL must begin with https:// and name a host, with no query or fragment.")
	}
	id := u.Host + u.Path
	return "arn:aws:iam::" + Account + ":oidc-provider/" + id, "https://" + id, nil
}

func checkClientIDs(op string, ids []string) error {
	if len(ids) > maxClientIDs {
		return limitExceeded(op, fmt.Sprintf("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %d", maxClientIDs))
	}
	for _, id := range ids {
		if id == "" || len(id) > 255 {
			return validation(op, "1 validation error detected: Value at 'clientIDList' failed to satisfy constraint: Member must have length between 1 and 255")
		}
	}
	return nil
}

func checkThumbprints(op string, tps []string) error {
	if len(tps) > maxThumbprints {
		// The model leaves ThumbprintList unbounded; IAM refuses a sixth
		// thumbprint with this InvalidInput (as moto and other emulators
		// reproduce it, "fewer than" and all).
		return invalidInput(op, fmt.Sprintf("Thumbprint list must contain fewer than %d entries.", maxThumbprints))
	}
	for _, t := range tps {
		if len(t) != 40 || strings.Trim(strings.ToLower(t), "0123456789abcdef") != "" {
			return validation(op, "1 validation error detected: Value at 'thumbprintList' failed to satisfy constraint: Member must have length 40 and be hexadecimal")
		}
	}
	return nil
}

// CreateOIDCProvider registers an OpenID Connect provider.
func (s *Service) CreateOIDCProvider(ctx context.Context, rawURL string, clientIDs, thumbprints []string, tags []Tag) (*OIDCProvider, error) {
	const op = "iam.CreateOpenIDConnectProvider"
	arn, norm, err := oidcARN(op, rawURL)
	if err != nil {
		return nil, err
	}
	if err := checkClientIDs(op, clientIDs); err != nil {
		return nil, err
	}
	if err := checkThumbprints(op, thumbprints); err != nil {
		return nil, err
	}
	if err := checkTags(op, tags); err != nil {
		return nil, err
	}
	p := &OIDCProvider{URL: norm, ARN: arn, ClientIDs: dedupe(clientIDs), Thumbprints: thumbprints, Created: s.clock.Now().UTC(), Tags: tags}
	err = s.update(ctx, func(tx wicket.DocTx) error {
		if _, err := tx.Get(collOIDC, arn); err == nil {
			return alreadyExists(op, fmt.Sprintf("Provider with url %s already exists.", norm))
		} else if wicket.KindOf(err) != wicket.NotFound {
			return err
		}
		return jsondoc.Put(tx, collOIDC, arn, p)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func dedupe(in []string) []string {
	var out []string
	for _, v := range in {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func loadOIDC(tx wicket.DocReader, op, arn string) (*OIDCProvider, error) {
	if arn == "" {
		return nil, validation(op, "1 validation error detected: Value null at 'openIDConnectProviderArn' failed to satisfy constraint: Member must not be null")
	}
	return jsondoc.Get[OIDCProvider](tx, collOIDC, arn, noSuchEntity(op, fmt.Sprintf("OpenIDConnect Provider not found for arn %s", arn)))
}

// GetOIDCProvider returns a provider by ARN.
func (s *Service) GetOIDCProvider(ctx context.Context, arn string) (*OIDCProvider, error) {
	var p *OIDCProvider
	err := s.view(ctx, func(tx wicket.DocReader) error {
		var err error
		p, err = loadOIDC(tx, "iam.GetOpenIDConnectProvider", arn)
		return err
	})
	return p, err
}

// ListOIDCProviders returns every provider.
func (s *Service) ListOIDCProviders(ctx context.Context) ([]*OIDCProvider, error) {
	var out []*OIDCProvider
	err := s.view(ctx, func(tx wicket.DocReader) error {
		return jsondoc.Scan(tx, collOIDC, "", func(p *OIDCProvider) bool { out = append(out, p); return true })
	})
	return out, err
}

// DeleteOIDCProvider removes a provider; a missing one is NoSuchEntity.
func (s *Service) DeleteOIDCProvider(ctx context.Context, arn string) error {
	const op = "iam.DeleteOpenIDConnectProvider"
	return s.update(ctx, func(tx wicket.DocTx) error {
		if _, err := loadOIDC(tx, op, arn); err != nil {
			return err
		}
		_, err := tx.Delete(collOIDC, arn)
		return err
	})
}

// UpdateOIDCProvider changes a provider's client ids or thumbprints with fn.
func (s *Service) UpdateOIDCProvider(ctx context.Context, arn string, fn func(p *OIDCProvider) error) error {
	const op = "iam.UpdateOpenIDConnectProvider"
	return s.update(ctx, func(tx wicket.DocTx) error {
		p, err := loadOIDC(tx, op, arn)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		if err := checkClientIDs(op, p.ClientIDs); err != nil {
			return err
		}
		if err := checkThumbprints(op, p.Thumbprints); err != nil {
			return err
		}
		return jsondoc.Put(tx, collOIDC, arn, p)
	})
}
