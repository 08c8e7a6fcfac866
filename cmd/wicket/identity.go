package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/spf13/cobra"
)

func newIdentityCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "identity",
		Short: "Manage the identities of identity pools",
		Long: `The identity commands call the Cognito Identity API with administrator
credentials, from the flags or the standard AWS chain. ID is an identity id
(region:uuid), as GetId returns it.`,
	}
	cmd.AddCommand(newIdentityListCmd(), newIdentityDescribeCmd(), newIdentityRevokeCmd(), newIdentityDeleteCmd())
	return cmd
}

// identityJSON is one identity as list and describe print it.
type identityJSON struct {
	ID       string    `json:"identityId"`
	Logins   []string  `json:"logins"`
	Created  time.Time `json:"creationDate"`
	Modified time.Time `json:"lastModifiedDate"`
}

func identityRow(i identityJSON) []string {
	logins := "guest"
	if len(i.Logins) > 0 {
		logins = strings.Join(i.Logins, ",")
	}
	return []string{i.ID, logins, i.Created.UTC().Format(time.RFC3339), i.Modified.UTC().Format(time.RFC3339)}
}

func newIdentityListCmd() *cobra.Command {
	var (
		o    adminOptions
		pool string
	)
	cmd := &cobra.Command{
		Use:   "list --pool POOL",
		Short: "List a pool's identities: id, logins (guest when none), created, last modified",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, err := o.connect(cmd)
			if err != nil {
				return err
			}
			id, err := resolvePool(ctx, c.Identity, pool)
			if err != nil {
				return err
			}
			ids := []identityJSON{}
			// ListIdentities has no paginator in the SDK.
			var next *string
			for {
				out, err := c.Identity.ListIdentities(ctx, &ci.ListIdentitiesInput{IdentityPoolId: aws.String(id),
					MaxResults: aws.Int32(60), NextToken: next})
				if err != nil {
					return apiError("list the identities of pool "+id, err)
				}
				for _, i := range out.Identities {
					ids = append(ids, identityJSON{ID: aws.ToString(i.IdentityId), Logins: orEmpty(i.Logins),
						Created: aws.ToTime(i.CreationDate), Modified: aws.ToTime(i.LastModifiedDate)})
				}
				if aws.ToString(out.NextToken) == "" {
					break
				}
				next = out.NextToken
			}
			return printList(cmd, &o, ids, identityRow)
		},
	}
	cmd.Flags().StringVar(&pool, "pool", "", "the pool: its id or name")
	cmd.MarkFlagRequired("pool")
	o.addFlags(cmd.Flags(), true)
	return cmd
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func newIdentityDescribeCmd() *cobra.Command {
	var o adminOptions
	cmd := &cobra.Command{
		Use:   "describe ID",
		Short: "Show an identity: its logins, when it was made and last used",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := o.connect(cmd)
			if err != nil {
				return err
			}
			out, err := c.Identity.DescribeIdentity(ctx, &ci.DescribeIdentityInput{IdentityId: aws.String(args[0])})
			if err != nil {
				return apiError("describe identity "+args[0], err)
			}
			i := identityJSON{ID: aws.ToString(out.IdentityId), Logins: orEmpty(out.Logins),
				Created: aws.ToTime(out.CreationDate), Modified: aws.ToTime(out.LastModifiedDate)}
			if o.json() {
				return writeJSON(cmd.OutOrStdout(), i)
			}
			r := identityRow(i)
			return table(cmd.OutOrStdout(), [][]string{{"id:", r[0]}, {"logins:", r[1]}, {"created:", r[2]}, {"last modified:", r[3]}})
		},
	}
	o.addFlags(cmd.Flags(), true)
	return cmd
}

func newIdentityRevokeCmd() *cobra.Command {
	var o adminOptions
	cmd := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke every credential and presigned URL issued to an identity until now (Wicket only)",
		Long: `Revoke makes every credential issued to the identity until now, and every
URL presigned with them, fail at once; the identity stays and can get new
credentials (delete it to stop that). This is Wicket's own operation
(AWSCognitoIdentityService.WicketRevokeIdentity); AWS has none like it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.wicketCall(cmd.Context(), cmd.ErrOrStderr(), "WicketRevokeIdentity", map[string]string{"IdentityId": args[0]}); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "revoked", args[0])
			return nil
		},
	}
	o.addFlags(cmd.Flags(), false)
	return cmd
}

// maxDeleteIdentities is DeleteIdentities' limit of ids a call.
const maxDeleteIdentities = 60

func newIdentityDeleteCmd() *cobra.Command {
	var o adminOptions
	cmd := &cobra.Command{
		Use:   "delete ID...",
		Short: "Delete identities",
		Long: `Delete removes identities with their logins; on Wicket their credentials
stop working too. A guest who comes back gets a new identity id.`,
		Args: cobra.RangeArgs(1, maxDeleteIdentities),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := o.connect(cmd)
			if err != nil {
				return err
			}
			out, err := c.Identity.DeleteIdentities(ctx, &ci.DeleteIdentitiesInput{IdentityIdsToDelete: args})
			if err != nil {
				return apiError("delete identities", err)
			}
			failed := map[string]string{}
			for _, u := range out.UnprocessedIdentityIds {
				failed[aws.ToString(u.IdentityId)] = string(u.ErrorCode)
			}
			var notDeleted []string
			for _, id := range args {
				if code, ok := failed[id]; ok {
					notDeleted = append(notDeleted, id+" ("+code+")")
					continue
				}
				fmt.Fprintln(cmd.OutOrStdout(), "deleted", id)
			}
			if len(notDeleted) > 0 {
				return fmt.Errorf("not deleted: %s", strings.Join(notDeleted, ", "))
			}
			return nil
		},
	}
	o.addFlags(cmd.Flags(), false)
	return cmd
}
