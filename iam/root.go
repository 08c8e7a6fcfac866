package iam

import (
	"context"
	"fmt"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/internal/jsondoc"
)

// Root is no IAM user, but IAM's user and access-key operations act on it
// when it signs them without a UserName ("If you do not specify a user
// name, IAM determines the user name implicitly based on the AWS access key
// ID used to sign the request", API_GetUser): GetUser answers the root
// user (no name or path; the account id as its id), ListAccessKeys its key.
// Wicket's root key is the endpoint's configured one, so the operations
// that would change it refuse.

// collAccount holds one document, "root": when the account's root user
// was created, as GetUser reports it.
const collAccount = "iam.account"

type account struct {
	Created time.Time
}

// AccountCreated returns when the root user was created. Wicket keeps no
// record of when its data directory was made, so the first call fixes the
// date at that time and stores it, and every later call returns it.
func (s *Service) AccountCreated(ctx context.Context) (time.Time, error) {
	var a *account
	err := s.view(ctx, func(tx wicket.DocReader) error {
		var err error
		a, err = jsondoc.Get[account](tx, collAccount, "root", nil)
		return err
	})
	if err == nil {
		return a.Created, nil
	}
	if wicket.KindOf(err) != wicket.NotFound {
		return time.Time{}, err
	}
	err = s.docs.Update(ctx, func(tx wicket.DocTx) error {
		var err error
		a, err = jsondoc.Get[account](tx, collAccount, "root", nil)
		if wicket.KindOf(err) != wicket.NotFound {
			return err
		}
		a = &account{Created: s.clock.Now().UTC().Truncate(time.Second)}
		return jsondoc.Put(tx, collAccount, "root", a)
	})
	if err != nil {
		return time.Time{}, err
	}
	return a.Created, nil
}

// actsOnRoot reports whether a user or access-key operation acts on the
// root user itself: root signed it and named no user.
func (c *call) actsOnRoot() bool {
	return c.principal.Type == wicket.Root && c.Get("UserName") == ""
}

// rootUser is the User element GetUser answers root with.
func (h *Handler) rootUser(c *call) (xmlUser, error) {
	created, err := h.svc.AccountCreated(c.ctx)
	if err != nil {
		return xmlUser{}, err
	}
	return xmlUser{UserId: c.principal.Account, Arn: c.principal.ARN, CreateDate: isoTime(created)}, nil
}

// rootKeys are root's access keys as ListAccessKeys shows them: the
// endpoint's root key, with no user name, as IAM lists a root key.
func (h *Handler) rootKeys(c *call) ([]xmlAccessKey, error) {
	created, err := h.svc.AccountCreated(c.ctx)
	if err != nil {
		return nil, err
	}
	return []xmlAccessKey{{AccessKeyId: c.principal.AccessKeyID, Status: "Active", CreateDate: isoTime(created)}}, nil
}

// rootKeyChange refuses to create, update or delete root's access key
// through IAM: it is the endpoint's configuration. A key id that is not
// root's is not one of root's keys.
func rootKeyChange(c *call, op string) error {
	id := c.Get("AccessKeyId")
	switch {
	case op != "iam.CreateAccessKey" && id == "":
		return validation(op, "1 validation error detected: Value null at 'accessKeyId' failed to satisfy constraint: Member must not be null")
	case op != "iam.CreateAccessKey" && id != c.principal.AccessKeyID:
		return noSuchEntity(op, fmt.Sprintf("The Access Key with id %s cannot be found.", id))
	}
	return coded(op, wicket.Invalid, "UnmodifiableEntity", "The root user's access key is Wicket's configuration "+
		"(WICKET_ROOT_ACCESS_KEY and WICKET_ROOT_SECRET_KEY, or the root-credentials.json generated at first start); "+
		"change it there and restart, not through IAM.")
}
