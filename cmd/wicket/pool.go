package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/spf13/cobra"

	"github.com/wicket-io/wicket/setup"
)

func newPoolCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pool",
		Short: "Manage identity pools",
		Long: `The pool commands call the Cognito Identity API with administrator
credentials, from the flags or the standard AWS chain. POOL is a pool's id
(region:uuid) or its name.`,
	}
	cmd.AddCommand(newPoolListCmd(), newPoolCreateCmd(), newPoolDescribeCmd(), newPoolDeleteCmd(), newPoolRevokeCmd())
	return cmd
}

// resolvePool turns a pool's name into its id; an id (region:uuid) is
// taken as it is.
func resolvePool(ctx context.Context, c *ci.Client, ref string) (string, error) {
	if strings.Contains(ref, ":") {
		return ref, nil
	}
	id, err := setup.FindPool(ctx, c, ref)
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", fmt.Errorf("no identity pool is named %q", ref)
	}
	return id, nil
}

func newPoolListCmd() *cobra.Command {
	var o adminOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List identity pools",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, err := o.connect(cmd)
			if err != nil {
				return err
			}
			type entry struct {
				ID   string `json:"identityPoolId"`
				Name string `json:"identityPoolName"`
			}
			pools := []entry{}
			pages := ci.NewListIdentityPoolsPaginator(c.Identity, &ci.ListIdentityPoolsInput{MaxResults: aws.Int32(60)})
			for pages.HasMorePages() {
				out, err := pages.NextPage(ctx)
				if err != nil {
					return apiError("list identity pools", err)
				}
				for _, p := range out.IdentityPools {
					pools = append(pools, entry{aws.ToString(p.IdentityPoolId), aws.ToString(p.IdentityPoolName)})
				}
			}
			return printList(cmd, &o, pools, func(p entry) []string { return []string{p.ID, p.Name} })
		},
	}
	o.addFlags(cmd.Flags(), true)
	return cmd
}

func newPoolCreateCmd() *cobra.Command {
	var (
		o               adminOptions
		guests, classic bool
		providers       []string
		developer       string
	)
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create an identity pool and print its id",
		Long: `Create makes an identity pool. Roles are given to it with
"wicket init" or SetIdentityPoolRoles; until then nobody gets credentials.`,
		Example: `  wicket pool create "photo guests" --allow-unauthenticated
  wicket pool create app --oidc-provider arn:aws:iam::000000000000:oidc-provider/accounts.example.com`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := o.connect(cmd)
			if err != nil {
				return err
			}
			in := &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String(args[0]),
				AllowUnauthenticatedIdentities: guests, AllowClassicFlow: aws.Bool(classic),
				OpenIdConnectProviderARNs: providers}
			if developer != "" {
				in.DeveloperProviderName = aws.String(developer)
			}
			out, err := c.Identity.CreateIdentityPool(ctx, in)
			if err != nil {
				return apiError("create identity pool "+args[0], err)
			}
			if o.json() {
				return writeJSON(cmd.OutOrStdout(), map[string]string{"identityPoolId": aws.ToString(out.IdentityPoolId),
					"identityPoolName": aws.ToString(out.IdentityPoolName)})
			}
			fmt.Fprintln(cmd.OutOrStdout(), aws.ToString(out.IdentityPoolId))
			return nil
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&guests, "allow-unauthenticated", false, "let guests (unauthenticated identities) get credentials")
	fs.BoolVar(&classic, "allow-classic-flow", false, "allow the basic (classic) flow: GetOpenIdToken, then STS AssumeRoleWithWebIdentity")
	fs.StringArrayVar(&providers, "oidc-provider", nil, "ARN of an IAM OpenID Connect provider users sign in with (repeatable)")
	fs.StringVar(&developer, "developer-provider", "", "name of the app's own login provider (developer-authenticated identities)")
	o.addFlags(fs, true)
	return cmd
}

// poolJSON is what pool describe --output json prints.
type poolJSON struct {
	ID                     string            `json:"identityPoolId"`
	Name                   string            `json:"identityPoolName"`
	AllowUnauthenticated   bool              `json:"allowUnauthenticatedIdentities"`
	AllowClassicFlow       bool              `json:"allowClassicFlow"`
	OIDCProviders          []string          `json:"openIdConnectProviderArns"`
	DeveloperProvider      string            `json:"developerProviderName,omitempty"`
	SupportedLoginProvider map[string]string `json:"supportedLoginProviders,omitempty"`
	Roles                  map[string]string `json:"roles"`
}

func newPoolDescribeCmd() *cobra.Command {
	var o adminOptions
	cmd := &cobra.Command{
		Use:   "describe POOL",
		Short: "Show an identity pool's settings and roles",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := o.connect(cmd)
			if err != nil {
				return err
			}
			id, err := resolvePool(ctx, c.Identity, args[0])
			if err != nil {
				return err
			}
			p, err := c.Identity.DescribeIdentityPool(ctx, &ci.DescribeIdentityPoolInput{IdentityPoolId: aws.String(id)})
			if err != nil {
				return apiError("describe identity pool "+id, err)
			}
			roles, err := c.Identity.GetIdentityPoolRoles(ctx, &ci.GetIdentityPoolRolesInput{IdentityPoolId: aws.String(id)})
			if err != nil {
				return apiError("get the roles of identity pool "+id, err)
			}
			d := poolJSON{ID: id, Name: aws.ToString(p.IdentityPoolName), AllowUnauthenticated: p.AllowUnauthenticatedIdentities,
				AllowClassicFlow: aws.ToBool(p.AllowClassicFlow), OIDCProviders: p.OpenIdConnectProviderARNs,
				DeveloperProvider: aws.ToString(p.DeveloperProviderName), SupportedLoginProvider: p.SupportedLoginProviders,
				Roles: roles.Roles}
			if d.OIDCProviders == nil {
				d.OIDCProviders = []string{}
			}
			if d.Roles == nil {
				d.Roles = map[string]string{}
			}
			if o.json() {
				return writeJSON(cmd.OutOrStdout(), d)
			}
			rows := [][]string{
				{"id:", d.ID},
				{"name:", d.Name},
				{"guests allowed:", strconv.FormatBool(d.AllowUnauthenticated)},
				{"classic flow:", strconv.FormatBool(d.AllowClassicFlow)},
			}
			for _, arn := range d.OIDCProviders {
				rows = append(rows, []string{"OIDC provider:", arn})
			}
			if d.DeveloperProvider != "" {
				rows = append(rows, []string{"developer provider:", d.DeveloperProvider})
			}
			for _, k := range slices.Sorted(maps.Keys(d.SupportedLoginProvider)) {
				rows = append(rows, []string{"login provider:", k + " " + d.SupportedLoginProvider[k]})
			}
			for _, k := range slices.Sorted(maps.Keys(d.Roles)) {
				rows = append(rows, []string{k + " role:", d.Roles[k]})
			}
			return table(cmd.OutOrStdout(), rows)
		},
	}
	o.addFlags(cmd.Flags(), true)
	return cmd
}

func newPoolDeleteCmd() *cobra.Command {
	var o adminOptions
	cmd := &cobra.Command{
		Use:   "delete POOL",
		Short: "Delete an identity pool and its identities",
		Long: `Delete removes the pool with all its identities; credentials it issued
stop working on Wicket. Its roles stay.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := o.connect(cmd)
			if err != nil {
				return err
			}
			id, err := resolvePool(ctx, c.Identity, args[0])
			if err != nil {
				return err
			}
			if _, err := c.Identity.DeleteIdentityPool(ctx, &ci.DeleteIdentityPoolInput{IdentityPoolId: aws.String(id)}); err != nil {
				return apiError("delete identity pool "+id, err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "deleted", id)
			return nil
		},
	}
	o.addFlags(cmd.Flags(), false)
	return cmd
}

func newPoolRevokeCmd() *cobra.Command {
	var o adminOptions
	cmd := &cobra.Command{
		Use:   "revoke POOL",
		Short: "Revoke every credential and presigned URL issued for a pool until now (Wicket only)",
		Long: `Revoke makes every credential issued for the pool's identities until now,
and every URL presigned with them, fail at once. Identities stay and get
new credentials as before. This is Wicket's own operation
(AWSCognitoIdentityService.WicketRevokePool); AWS has none like it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := o.connect(cmd)
			if err != nil {
				return err
			}
			id, err := resolvePool(ctx, c.Identity, args[0])
			if err != nil {
				return err
			}
			if err := o.wicketCall(ctx, cmd.ErrOrStderr(), "WicketRevokePool", map[string]string{"IdentityPoolId": id}); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "revoked", id)
			return nil
		},
	}
	o.addFlags(cmd.Flags(), false)
	return cmd
}
