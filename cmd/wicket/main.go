// Command wicket runs a Wicket endpoint and talks to AWS-style services.
//
// Each command lives in a file of its own (serve.go, version.go, …) and is
// added to the root command in newRootCmd.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		// Cobra's own reporting is silenced so that every failure, a bad
		// flag included, is this one line.
		fmt.Fprintln(os.Stderr, "wicket:", err)
		// curl asks for curl's own status on HTTP errors (22).
		code := 1
		var ec interface{ ExitCode() int }
		if errors.As(err, &ec) {
			code = ec.ExitCode()
		}
		os.Exit(code)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "wicket",
		Short: "Guest access to private object storage, over AWS's own protocols",
		Long: `Wicket serves the S3, STS, IAM and Cognito Identity APIs on one endpoint,
so that guests and logged-in users reach chosen objects in private storage
with any AWS client.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Cobra completes shells through a hidden command; Wicket does not
		// offer completion yet, so keep it out of the help.
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.AddCommand(
		newServeCmd(),
		newVersionCmd(),
		newPresignCmd(), newCurlCmd(),
		newCredsCmd(),
		newPolicyCmd(), newKeysCmd(),
		newInitCmd(), newPoolCmd(), newIdentityCmd(), newRoleCmd(), newBucketCmd(),
	)
	return root
}
