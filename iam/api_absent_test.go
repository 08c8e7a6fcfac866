package iam_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/wicket-io/wicket/internal/testenv"
)

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

// TestAbsentCredentials: the things Wicket keeps none of (instance
// profiles, MFA devices, SSH keys, signing certificates, service-specific
// credentials, login profiles, account aliases) read as AWS reads them in
// an account without any: empty lists, NoSuchEntity for a login profile,
// NoSuchEntity for the user or role they would hang on when it is missing.
// Terraform's role destroy, which lists instance profiles first, then
// gets through.
func TestAbsentCredentials(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	must[*iam.CreateUserOutput](t, "CreateUser")(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}))
	must[*iam.CreateRoleOutput](t, "CreateRole")(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))

	count := func(what string, err error, n func() int) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v; want an empty list", what, err)
		} else if n() != 0 {
			t.Errorf("%s: %d items; want an empty list", what, n())
		}
	}
	ip, err := c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("app")})
	count("ListInstanceProfilesForRole", err, func() int { return len(ip.InstanceProfiles) })
	_, err = c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("nope")})
	wantCode(t, "ListInstanceProfilesForRole of a missing role", err, "NoSuchEntity")
	ips, err := c.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{})
	count("ListInstanceProfiles", err, func() int { return len(ips.InstanceProfiles) })
	must[*iam.DeleteRoleOutput](t, "DeleteRole")(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("app")}))

	for _, name := range []*string{aws.String("bob"), nil} { // nil: root's own
		mfa, err := c.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: name})
		count("ListMFADevices", err, func() int { return len(mfa.MFADevices) })
		ssh, err := c.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: name})
		count("ListSSHPublicKeys", err, func() int { return len(ssh.SSHPublicKeys) })
		certs, err := c.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: name})
		count("ListSigningCertificates", err, func() int { return len(certs.Certificates) })
		creds, err := c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: name})
		count("ListServiceSpecificCredentials", err, func() int { return len(creds.ServiceSpecificCredentials) })
	}
	vmfa, err := c.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{})
	count("ListVirtualMFADevices", err, func() int { return len(vmfa.VirtualMFADevices) })
	_, err = c.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{AssignmentStatus: "Sometimes"})
	wantCode(t, "ListVirtualMFADevices with a bad AssignmentStatus", err, "ValidationError")
	aliases, err := c.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{})
	count("ListAccountAliases", err, func() int { return len(aliases.AccountAliases) })

	nobody := aws.String("nobody")
	for what, err := range map[string]error{
		"ListMFADevices": func() error {
			_, err := c.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: nobody})
			return err
		}(),
		"ListSSHPublicKeys": func() error {
			_, err := c.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: nobody})
			return err
		}(),
		"ListSigningCertificates": func() error {
			_, err := c.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: nobody})
			return err
		}(),
		"ListServiceSpecificCredentials": func() error {
			_, err := c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: nobody})
			return err
		}(),
		"GetLoginProfile": func() error {
			_, err := c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: nobody})
			return err
		}(),
		"DeleteLoginProfile": func() error {
			_, err := c.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: nobody})
			return err
		}(),
	} {
		wantCode(t, what+" of a missing user", err, "NoSuchEntity")
		if m := apiMessage(err); m != "The user with name nobody cannot be found." {
			t.Errorf("%s of a missing user: message %q", what, m)
		}
	}
	_, err = c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("bob")})
	wantCode(t, "GetLoginProfile", err, "NoSuchEntity")
	if m := apiMessage(err); m != "Login Profile for User bob cannot be found." {
		t.Errorf("GetLoginProfile: message %q", m)
	}
	_, err = c.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String("bob")})
	wantCode(t, "DeleteLoginProfile", err, "NoSuchEntity")
	if m := apiMessage(err); m != "Login Profile for User bob cannot be found." {
		t.Errorf("DeleteLoginProfile: message %q", m)
	}
	_, err = c.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("bob"), MaxItems: aws.Int32(1001)})
	wantCode(t, "ListMFADevices with MaxItems 1001", err, "ValidationError")
}

// TestAbsentCredentialsAuthorization: each of those reads is authorized
// as its iam: action on the resource AWS names (the user, the role, or *
// for the account-wide lists): a user without the permission is refused,
// one allowed on its own user reads its own and nobody else's.
func TestAbsentCredentialsAuthorization(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	must[*iam.CreateUserOutput](t, "CreateUser")(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("other")}))
	must[*iam.CreateRoleOutput](t, "CreateRole")(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))
	none := env.IAMWith(newUser(t, env, "mallory", ""))
	self := env.IAMWith(newUser(t, env, "sam", `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":["iam:ListMFADevices","iam:ListSSHPublicKeys","iam:ListSigningCertificates","iam:ListServiceSpecificCredentials","iam:GetLoginProfile","iam:DeleteLoginProfile"],
	   "Resource":"arn:aws:iam::000000000000:user/${aws:username}"},
	  {"Effect":"Allow","Action":"iam:ListInstanceProfilesForRole","Resource":"arn:aws:iam::000000000000:role/app"}]}`))

	type check struct {
		name string
		call func(c *iam.Client, user *string) error
		self string // what sam gets on himself (or on role app), "" for success
	}
	checks := []check{
		{"ListInstanceProfilesForRole", func(c *iam.Client, _ *string) error {
			_, err := c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("app")})
			return err
		}, ""},
		{"ListInstanceProfiles", func(c *iam.Client, _ *string) error {
			_, err := c.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{})
			return err
		}, "AccessDenied"},
		{"ListVirtualMFADevices", func(c *iam.Client, _ *string) error {
			_, err := c.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{})
			return err
		}, "AccessDenied"},
		{"ListAccountAliases", func(c *iam.Client, _ *string) error {
			_, err := c.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{})
			return err
		}, "AccessDenied"},
		{"ListMFADevices", func(c *iam.Client, u *string) error {
			_, err := c.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: u})
			return err
		}, ""},
		{"ListSSHPublicKeys", func(c *iam.Client, u *string) error {
			_, err := c.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: u})
			return err
		}, ""},
		{"ListSigningCertificates", func(c *iam.Client, u *string) error {
			_, err := c.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: u})
			return err
		}, ""},
		{"ListServiceSpecificCredentials", func(c *iam.Client, u *string) error {
			_, err := c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: u})
			return err
		}, ""},
		{"GetLoginProfile", func(c *iam.Client, u *string) error {
			_, err := c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: u})
			return err
		}, "NoSuchEntity"},
		{"DeleteLoginProfile", func(c *iam.Client, u *string) error {
			_, err := c.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: u})
			return err
		}, "NoSuchEntity"},
	}
	for _, ch := range checks {
		wantCode(t, "mallory "+ch.name, ch.call(none, aws.String("mallory")), "AccessDenied")
		if err := ch.call(self, aws.String("sam")); apiCode(err) != ch.self {
			t.Errorf("sam %s on himself: %v, want %q", ch.name, err, ch.self)
		}
		if err := ch.call(self, aws.String("other")); ch.self != "AccessDenied" && apiCode(err) != "AccessDenied" && ch.name != "ListInstanceProfilesForRole" {
			t.Errorf("sam %s on another user: %v, want AccessDenied", ch.name, err)
		}
	}
	// Without UserName, an IAM user names himself.
	if _, err := self.ListMFADevices(ctx, &iam.ListMFADevicesInput{}); err != nil {
		t.Errorf("sam ListMFADevices without UserName: %v", err)
	}
}
