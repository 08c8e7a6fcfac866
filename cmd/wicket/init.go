package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/wicket-io/wicket/setup"
)

type initOptions struct {
	admin  adminOptions
	preset setup.Preset
}

func newInitCmd() *cobra.Command {
	var o initOptions
	cmd := &cobra.Command{
		Use:   "init --preset PRESET --bucket NAME [flags]",
		Short: "Set up a bucket for guests and signed-in users: bucket, identity pool, roles and policies",
		Long: `Init creates, through the S3, IAM and Cognito Identity APIs, everything a
bucket needs for guest access, and prints the settings a client uses. It
needs administrator credentials, from the flags or the standard AWS chain,
and works against Wicket or AWS. It can be run again: what exists as it
should is left alone ("exists"), what differs is put back ("updated").

It makes:
  the bucket, and a CORS rule letting browsers on any origin GET and HEAD
    (presigned URLs load cross-origin) and read the ETag;
  an identity pool "<name> guests" that allows guests;
  a role "<name>-guest" that the pool's guests assume, and a role
    "<name>-user" for its signed-in users, each trusting only this pool;
  the IAM group "administrators" with AdministratorAccess.
<name> is --name, by default the bucket.

Presets:
  guest-assets     guests read --prefix (assets/ by default) and nothing
                   else; signed-in users read it too, and read and write
                   private/<identity id>/.
  amplify-storage  Amplify Storage's access levels, with the policies the
                   Amplify CLI generates: public/ (everyone reads, signed-in
                   users write), protected/<identity id>/ (everyone reads,
                   the owner writes), private/<identity id>/ (the owner only).

Signed-in users come from the OpenID Connect providers given with
--oidc-provider (an IAM OIDC provider's ARN, or its issuer URL).`,
		Example: `  wicket init --preset guest-assets --bucket photos --prefix public/ \
    --endpoint-url http://127.0.0.1:9000
  wicket init --preset amplify-storage --bucket media --output json \
    --oidc-provider arn:aws:iam::000000000000:oidc-provider/accounts.example.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runInit(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.preset.Preset, "preset", "", "guest-assets or amplify-storage")
	fs.StringVar(&o.preset.Bucket, "bucket", "", "the bucket, created if missing")
	fs.StringVar(&o.preset.Prefix, "prefix", "", "key prefix guests may read, with guest-assets (default "+setup.DefaultPrefix+")")
	fs.StringVar(&o.preset.Name, "name", "", "stem of the pool's and roles' names (default: the bucket)")
	fs.StringArrayVar(&o.preset.OIDCProviders, "oidc-provider", nil, "OpenID Connect provider users sign in with: IAM provider ARN or issuer URL (repeatable)")
	o.admin.addFlags(fs, true)
	cmd.MarkFlagRequired("preset")
	cmd.MarkFlagRequired("bucket")
	return cmd
}

// initJSON is what init --output json prints: the client's settings.
type initJSON struct {
	Endpoint               string `json:"endpoint"`
	Region                 string `json:"region"`
	Bucket                 string `json:"bucket"`
	IdentityPoolID         string `json:"identityPoolId"`
	UnauthenticatedRoleARN string `json:"unauthenticatedRoleArn"`
	AuthenticatedRoleARN   string `json:"authenticatedRoleArn"`
}

func runInit(ctx context.Context, stdout, stderr io.Writer, o initOptions) error {
	c, endpoint, err := o.admin.clients(ctx, stderr)
	if err != nil {
		return err
	}
	res, err := setup.Apply(ctx, c, o.preset)
	if err != nil {
		if res != nil && !o.admin.json() {
			// What was done before the failure, for the record; a second
			// run goes on from there.
			printItems(stdout, res.Items)
		}
		return err
	}
	if o.admin.json() {
		return writeJSON(stdout, initJSON{Endpoint: endpoint, Region: res.Region, Bucket: res.Preset.Bucket,
			IdentityPoolID: res.IdentityPoolID, UnauthenticatedRoleARN: res.UnauthenticatedRoleARN,
			AuthenticatedRoleARN: res.AuthenticatedRoleARN})
	}
	printItems(stdout, res.Items)
	printSettings(stdout, endpoint, res)
	return nil
}

// printItems lists what a set-up did, one item a line.
func printItems(w io.Writer, items []setup.Item) {
	rows := make([][]string, len(items))
	for i, it := range items {
		rows[i] = []string{string(it.Status), it.Kind, it.Name}
	}
	table(w, rows)
}

// printSettings prints what a client needs, and how to try it.
func printSettings(w io.Writer, endpoint string, res *setup.Result) {
	p := res.Preset
	shown := endpoint
	if shown == "" {
		shown = "(AWS)"
	}
	fmt.Fprintln(w)
	switch p.Preset {
	case setup.GuestAssets:
		fmt.Fprintf(w, "Guests may read s3://%s/%s*; signed-in users also s3://%s/private/<identity id>/.\n", p.Bucket, p.Prefix, p.Bucket)
	case setup.AmplifyStorage:
		fmt.Fprintf(w, "Amplify Storage levels on s3://%s: public/, protected/<identity id>/, private/<identity id>/.\n", p.Bucket)
	}
	fmt.Fprintln(w, "\nClient settings:")
	table(w, [][]string{
		{"  endpoint:", shown},
		{"  region:", res.Region},
		{"  bucket:", p.Bucket},
		{"  identity pool id:", res.IdentityPoolID},
		{"  unauthenticated role:", res.UnauthenticatedRoleARN},
		{"  authenticated role:", res.AuthenticatedRoleARN},
	})
	var ep string
	if endpoint != "" {
		ep = " --endpoint-url " + endpoint
	}
	fmt.Fprintln(w, "\nA guest's credentials, with the AWS CLI (no credentials needed):")
	fmt.Fprintf(w, "  aws cognito-identity get-id --no-sign-request%s --region %s --identity-pool-id %s\n", ep, res.Region, res.IdentityPoolID)
	fmt.Fprintf(w, "  aws cognito-identity get-credentials-for-identity --no-sign-request%s --region %s --identity-id IDENTITY_ID\n", ep, res.Region)
}
