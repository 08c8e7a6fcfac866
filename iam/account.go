package iam

import (
	"context"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/internal/jsondoc"
)

// AccountSummary is GetAccountSummary's SummaryMap: how many users,
// groups, roles, customer managed policies and identity providers the
// account has, and the quotas Wicket enforces. Quotas it does not enforce
// (UsersQuota, RolesQuota …) are left out rather than promised.
func (s *Service) AccountSummary(ctx context.Context) (map[string]int, error) {
	m := map[string]int{
		// Root always signs with an access key in Wicket.
		"AccountAccessKeysPresent": 1,
		// Things Wicket has none of.
		"AccountMFAEnabled":                 0,
		"AccountSigningCertificatesPresent": 0,
		"InstanceProfiles":                  0,
		"MFADevices":                        0,
		"MFADevicesInUse":                   0,
		"ServerCertificates":                0,
		// The quotas Wicket enforces.
		"AccessKeysPerUserQuota":        maxKeysPerUser,
		"AssumeRolePolicySizeQuota":     maxTrustPolicy,
		"AttachedPoliciesPerGroupQuota": maxAttached,
		"AttachedPoliciesPerRoleQuota":  maxAttached,
		"AttachedPoliciesPerUserQuota":  maxAttached,
		"GroupPolicySizeQuota":          maxGroupInline,
		"GroupsPerUserQuota":            maxGroupsPerUser,
		"PolicySizeQuota":               maxManagedPolicy,
		"RolePolicySizeQuota":           maxRoleInline,
		"UserPolicySizeQuota":           maxUserInline,
		"VersionsPerPolicyQuota":        maxPolicyVersions,
	}
	err := s.view(ctx, func(tx wicket.DocReader) error {
		count := func(coll string) (int, error) {
			n := 0
			err := tx.Scan(coll, "", "", func(string, []byte) bool { n++; return true })
			return n, err
		}
		// PolicyVersionsInUse counts attachments: each uses its policy's
		// default version (moto's AccountSummary counts them so too).
		attached := 0
		var err error
		if m["Users"], err = countHolders[User](tx, collUsers, &attached); err != nil {
			return err
		}
		if m["Groups"], err = countHolders[Group](tx, collGroups, &attached); err != nil {
			return err
		}
		if m["Roles"], err = countHolders[Role](tx, collRoles, &attached); err != nil {
			return err
		}
		m["PolicyVersionsInUse"] = attached
		if m["Policies"], err = count(collPolicies); err != nil {
			return err
		}
		m["Providers"], err = count(collOIDC)
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// countHolders counts the users, groups or roles in coll and adds their
// attached managed policies to attached.
func countHolders[T any, P interface {
	*T
	holder
}](tx wicket.DocReader, coll string, attached *int) (int, error) {
	n := 0
	err := jsondoc.Scan(tx, coll, "", func(t *T) bool {
		n++
		*attached += len(*P(t).attached())
		return true
	})
	return n, err
}
