package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/spf13/cobra"
)

func newRoleCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "role",
		Short: "Manage IAM roles",
		Long: `The role commands call IAM with administrator credentials, from the flags
or the standard AWS chain. Policy documents are JSON files; - reads
standard input.`,
	}
	cmd.AddCommand(newRoleListCmd(), newRoleCreateCmd(), newRoleDeleteCmd(), newRoleAttachCmd())
	return cmd
}

func newRoleListCmd() *cobra.Command {
	var o adminOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List roles: name and ARN",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, err := o.connect(cmd)
			if err != nil {
				return err
			}
			type entry struct {
				Name        string `json:"roleName"`
				ARN         string `json:"arn"`
				Description string `json:"description,omitempty"`
			}
			roles := []entry{}
			pages := iam.NewListRolesPaginator(c.IAM, &iam.ListRolesInput{})
			for pages.HasMorePages() {
				out, err := pages.NextPage(ctx)
				if err != nil {
					return apiError("list roles", err)
				}
				for _, r := range out.Roles {
					roles = append(roles, entry{aws.ToString(r.RoleName), aws.ToString(r.Arn), aws.ToString(r.Description)})
				}
			}
			return printList(cmd, &o, roles, func(r entry) []string { return []string{r.Name, r.ARN} })
		},
	}
	o.addFlags(cmd.Flags(), true)
	return cmd
}

func newRoleCreateCmd() *cobra.Command {
	var (
		o                  adminOptions
		trust, description string
	)
	cmd := &cobra.Command{
		Use:   "create NAME --trust FILE",
		Short: "Create a role with a trust policy, and print its ARN",
		Long: `Create makes a role whose trust (assume-role) policy is the document in
FILE. Give it permissions with "wicket role attach".`,
		Example: `  wicket role create photos-guest --trust guest-trust.json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			doc, err := readDoc(cmd.InOrStdin(), trust)
			if err != nil {
				return err
			}
			c, err := o.connect(cmd)
			if err != nil {
				return err
			}
			in := &iam.CreateRoleInput{RoleName: aws.String(args[0]), AssumeRolePolicyDocument: aws.String(doc)}
			if description != "" {
				in.Description = aws.String(description)
			}
			out, err := c.IAM.CreateRole(ctx, in)
			if err != nil {
				return apiError("create role "+args[0], err)
			}
			if o.json() {
				return writeJSON(cmd.OutOrStdout(), map[string]string{"roleName": aws.ToString(out.Role.RoleName), "arn": aws.ToString(out.Role.Arn)})
			}
			fmt.Fprintln(cmd.OutOrStdout(), aws.ToString(out.Role.Arn))
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&trust, "trust", "", "file of the trust policy (- for standard input)")
	fs.StringVar(&description, "description", "", "what the role is for")
	cmd.MarkFlagRequired("trust")
	o.addFlags(fs, true)
	return cmd
}

func newRoleDeleteCmd() *cobra.Command {
	var o adminOptions
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a role with its inline policies and attachments",
		Long: `Delete takes the role's inline policies off and detaches its managed
policies, as IAM requires before DeleteRole, then deletes it. Credentials
issued for the role stop working.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := o.connect(cmd)
			if err != nil {
				return err
			}
			name := aws.String(args[0])
			inline := iam.NewListRolePoliciesPaginator(c.IAM, &iam.ListRolePoliciesInput{RoleName: name})
			for inline.HasMorePages() {
				out, err := inline.NextPage(ctx)
				if err != nil {
					return apiError("list the policies of role "+args[0], err)
				}
				for _, p := range out.PolicyNames {
					if _, err := c.IAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: name, PolicyName: aws.String(p)}); err != nil {
						return apiError("delete policy "+p+" of role "+args[0], err)
					}
				}
			}
			attached := iam.NewListAttachedRolePoliciesPaginator(c.IAM, &iam.ListAttachedRolePoliciesInput{RoleName: name})
			for attached.HasMorePages() {
				out, err := attached.NextPage(ctx)
				if err != nil {
					return apiError("list the attached policies of role "+args[0], err)
				}
				for _, p := range out.AttachedPolicies {
					if _, err := c.IAM.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: name, PolicyArn: p.PolicyArn}); err != nil {
						return apiError("detach "+aws.ToString(p.PolicyArn)+" from role "+args[0], err)
					}
				}
			}
			if _, err := c.IAM.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: name}); err != nil {
				return apiError("delete role "+args[0], err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "deleted", args[0])
			return nil
		},
	}
	o.addFlags(cmd.Flags(), false)
	return cmd
}

func newRoleAttachCmd() *cobra.Command {
	var (
		o                     adminOptions
		arn, file, policyName string
	)
	cmd := &cobra.Command{
		Use:   "attach NAME (--policy-arn ARN | --policy FILE [--policy-name NAME])",
		Short: "Give a role a managed policy, or an inline policy from a file",
		Long: `Attach gives the role a managed policy by ARN (AttachRolePolicy), or puts
the document in FILE on it as an inline policy (PutRolePolicy), named by
--policy-name or else after the file. An inline policy of that name is
replaced.`,
		Example: `  wicket role attach photos-user --policy-arn arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess
  wicket role attach photos-guest --policy read-public.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if (arn == "") == (file == "") {
				return errors.New("give one of --policy-arn and --policy")
			}
			var doc string
			if file != "" {
				var err error
				if doc, err = readDoc(cmd.InOrStdin(), file); err != nil {
					return err
				}
				if policyName == "" {
					if file == "-" {
						return errors.New("--policy - needs --policy-name")
					}
					policyName = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
				}
			}
			c, err := o.connect(cmd)
			if err != nil {
				return err
			}
			if arn != "" {
				if _, err := c.IAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(args[0]), PolicyArn: aws.String(arn)}); err != nil {
					return apiError("attach "+arn+" to role "+args[0], err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "attached %s to %s\n", arn, args[0])
				return nil
			}
			if _, err := c.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(args[0]),
				PolicyName: aws.String(policyName), PolicyDocument: aws.String(doc)}); err != nil {
				return apiError("put policy "+policyName+" on role "+args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "put policy %s on %s\n", policyName, args[0])
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&arn, "policy-arn", "", "ARN of a managed policy, e.g. arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	fs.StringVar(&file, "policy", "", "file of an inline policy document (- for standard input)")
	fs.StringVar(&policyName, "policy-name", "", "name of the inline policy (default: the file's name without extension)")
	o.addFlags(fs, false)
	return cmd
}
