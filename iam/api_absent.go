package iam

import (
	"context"
	"fmt"

	"github.com/wicket-io/wicket"
)

// Instance profiles, MFA devices, SSH public keys, signing certificates,
// service-specific credentials, login profiles and account aliases: Wicket
// keeps none of them, yet tools read them before they change what Wicket
// does keep (Terraform lists a role's instance profiles before it deletes
// the role, and a user's MFA devices, SSH keys and login profile before it
// deletes the user). These actions answer as AWS answers an account that
// has none: an empty list, or NoSuchEntity for the one thing asked for.
// The user or role they hang on must exist, as on AWS.

var absentActions = map[string]action{
	"ListInstanceProfiles": {func(h *Handler, c *call) (any, error) {
		if _, err := c.pathPrefix(pathPrefix); err != nil {
			return nil, err
		}
		if err := checkPage(c); err != nil {
			return nil, err
		}
		return struct {
			InstanceProfiles empty
			IsTruncated      bool
		}{}, nil
	}, listRes("instance-profile")},
	"ListInstanceProfilesForRole": {func(h *Handler, c *call) (any, error) {
		if err := checkPage(c); err != nil {
			return nil, err
		}
		if _, err := h.svc.GetRole(c.ctx, c.Get("RoleName")); err != nil {
			return nil, err
		}
		return struct {
			InstanceProfiles empty
			IsTruncated      bool
		}{}, nil
	}, roleRes},
	"ListMFADevices": {func(h *Handler, c *call) (any, error) {
		if err := h.optionalUser(c); err != nil {
			return nil, err
		}
		return struct {
			MFADevices  empty
			IsTruncated bool
		}{}, nil
	}, userRes},
	"ListVirtualMFADevices": {func(h *Handler, c *call) (any, error) {
		if err := checkPage(c); err != nil {
			return nil, err
		}
		if s := c.Get("AssignmentStatus"); s != "" && s != "Assigned" && s != "Unassigned" && s != "Any" {
			return nil, validation("iam.ListVirtualMFADevices", fmt.Sprintf("1 validation error detected: Value '%s' at 'assignmentStatus' failed to satisfy constraint: Member must satisfy enum value set: [Assigned, Unassigned, Any]", s))
		}
		return struct {
			VirtualMFADevices empty
			IsTruncated       bool
		}{}, nil
	}, nil},
	"ListSSHPublicKeys": {func(h *Handler, c *call) (any, error) {
		if err := h.optionalUser(c); err != nil {
			return nil, err
		}
		return struct {
			SSHPublicKeys empty
			IsTruncated   bool
		}{}, nil
	}, userRes},
	"ListSigningCertificates": {func(h *Handler, c *call) (any, error) {
		if err := h.optionalUser(c); err != nil {
			return nil, err
		}
		return struct {
			Certificates empty
			IsTruncated  bool
		}{}, nil
	}, userRes},
	"ListServiceSpecificCredentials": {func(h *Handler, c *call) (any, error) {
		if err := h.optionalUser(c); err != nil {
			return nil, err
		}
		return struct{ ServiceSpecificCredentials empty }{}, nil
	}, userRes},
	"GetLoginProfile": {func(h *Handler, c *call) (any, error) {
		return nil, h.svc.noLoginProfile(c.ctx, "iam.GetLoginProfile", c.userName())
	}, userRes},
	"DeleteLoginProfile": {func(h *Handler, c *call) (any, error) {
		return nil, h.svc.noLoginProfile(c.ctx, "iam.DeleteLoginProfile", c.userName())
	}, userRes},
	"ListAccountAliases": {func(h *Handler, c *call) (any, error) {
		if err := checkPage(c); err != nil {
			return nil, err
		}
		return struct {
			AccountAliases empty
			IsTruncated    bool
		}{}, nil
	}, nil},
}

// checkPage validates a list's MaxItems (and Marker) for a list that is
// always empty.
func checkPage(c *call) error {
	_, _, err := page(c, []string(nil), func(s string) string { return s })
	return err
}

// optionalUser checks the user an action names: UserName, else the
// calling user. Root calling without UserName names itself, which has
// none of these things either.
func (h *Handler) optionalUser(c *call) error {
	if err := checkPage(c); err != nil {
		return err
	}
	name := c.userName()
	if name == "" {
		return nil
	}
	_, err := h.svc.GetUser(c.ctx, name)
	return err
}

// noLoginProfile answers for a user's login profile: NoSuchEntity, for
// the user or for the profile Wicket never has (no console to sign in to).
func (s *Service) noLoginProfile(ctx context.Context, op, user string) error {
	return s.view(ctx, func(tx wicket.DocReader) error {
		h, err := loadHolder(tx, op, FamilyUser, user)
		if err != nil {
			return err
		}
		return noSuchEntity(op, fmt.Sprintf("Login Profile for User %s cannot be found.", h.entityName()))
	})
}
