package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/policy"
)

func newPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Check IAM policy documents and explain access decisions",
	}
	cmd.AddCommand(newPolicyCheckCmd(), newPolicyExplainCmd())
	return cmd
}

func newPolicyCheckCmd() *cobra.Command {
	var kind string
	cmd := &cobra.Command{
		Use:   "check [flags] FILE",
		Short: "Validate a policy document (- reads standard input)",
		Long: `Check parses an IAM policy document as Wicket (and AWS) would, and prints
"ok" or what is wrong and where. --type says which kind of policy it is:
identity (attached to a user, group or role), resource (a bucket policy)
or trust (a role's assume-role policy).`,
		Example: `  wicket policy check read-assets.json
  wicket policy check --type resource bucket-policy.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPolicyCheck(cmd.InOrStdin(), cmd.OutOrStdout(), args[0], kind)
		},
	}
	cmd.Flags().StringVar(&kind, "type", "identity", "identity, resource or trust")
	return cmd
}

func policyType(s string) (policy.Type, error) {
	switch s {
	case "identity":
		return policy.Identity, nil
	case "resource":
		return policy.Resource, nil
	case "trust":
		return policy.Trust, nil
	}
	return 0, fmt.Errorf("--type %q: want identity, resource or trust", s)
}

// maxPolicyFile bounds what check reads; IAM's largest documents are 20 KiB.
const maxPolicyFile = 1 << 20

func runPolicyCheck(stdin io.Reader, stdout io.Writer, file, kind string) error {
	t, err := policyType(kind)
	if err != nil {
		return err
	}
	var r io.Reader = stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	doc, err := io.ReadAll(io.LimitReader(r, maxPolicyFile+1))
	if err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	if len(doc) > maxPolicyFile {
		return fmt.Errorf("%s: larger than %d bytes", file, maxPolicyFile)
	}
	if _, err := policy.Parse(doc, t); err != nil {
		msg := wicket.MessageOf(err)
		if msg == "" {
			msg = err.Error()
		}
		return &exitError{code: 1, msg: fmt.Sprintf("%s: %s", file, msg)}
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

type explainOptions struct {
	admin     adminOptions // --endpoint-url and the credential flags
	principal string
	action    string
	resources []string
	context   []string
}

func newPolicyExplainCmd() *cobra.Command {
	var o explainOptions
	cmd := &cobra.Command{
		Use:   "explain --principal ARN --action ACTION --resource ARN [--context key=value]...",
		Short: "Explain whether a principal may perform an action, and which statements decide",
		Long: `Explain asks the endpoint to evaluate one request — a principal (an IAM user
or role ARN, or * for an anonymous caller), an action and a resource — with
the principal's policies and, for an S3 resource, the bucket's policy, and
prints the decision with the statements that made it. It calls IAM's
SimulatePrincipalPolicy (SimulateCustomPolicy for *), so it needs
administrator credentials, from the flags or the standard AWS chain.`,
		Example: `  wicket policy explain --endpoint-url http://127.0.0.1:9000 \
    --principal arn:aws:iam::000000000000:user/alice \
    --action s3:GetObject --resource arn:aws:s3:::photos/private/cat.jpg \
    --context aws:SourceIp=10.1.2.3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPolicyExplain(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.principal, "principal", "", "ARN of the user or role, or * for anonymous")
	fs.StringVar(&o.action, "action", "", "the action, e.g. s3:GetObject")
	fs.StringArrayVar(&o.resources, "resource", nil, "the resource ARN (repeatable)")
	fs.StringArrayVar(&o.context, "context", nil, "a condition key and its value, key=value (repeatable; repeat a key for several values)")
	o.admin.addFlags(fs, false)
	cmd.MarkFlagRequired("principal")
	cmd.MarkFlagRequired("action")
	cmd.MarkFlagRequired("resource")
	return cmd
}

func runPolicyExplain(ctx context.Context, stdout, stderr io.Writer, o explainOptions) error {
	c, _, err := o.admin.clients(ctx, stderr)
	if err != nil {
		return err
	}
	ic := c.IAM
	var entries []iamtypes.ContextEntry
	byKey := map[string]int{}
	for _, kv := range o.context {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("--context %q: want key=value", kv)
		}
		if i, seen := byKey[k]; seen {
			entries[i].ContextKeyValues = append(entries[i].ContextKeyValues, v)
			continue
		}
		byKey[k] = len(entries)
		entries = append(entries, iamtypes.ContextEntry{ContextKeyName: aws.String(k), ContextKeyType: iamtypes.ContextKeyTypeEnumString, ContextKeyValues: []string{v}})
	}

	// An S3 resource brings its bucket's policy.
	var resourcePolicy *string
	if b, ok := strings.CutPrefix(o.resources[0], "arn:aws:s3:::"); ok {
		bucket, _, _ := strings.Cut(b, "/")
		out, err := c.S3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
		var ae smithy.APIError
		switch {
		case err == nil:
			resourcePolicy = out.Policy
		case errors.As(err, &ae) && (ae.ErrorCode() == "NoSuchBucketPolicy" || ae.ErrorCode() == "NoSuchBucket"):
		default:
			return fmt.Errorf("get the policy of bucket %s: %s", bucket, oneLine(err.Error()))
		}
	}

	var results []iamtypes.EvaluationResult
	if o.principal == "*" {
		out, err := ic.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
			ActionNames: []string{o.action}, ResourceArns: o.resources, ContextEntries: entries,
			ResourcePolicy: resourcePolicy, CallerArn: aws.String("*"), PolicyInputList: []string{},
		})
		if err != nil {
			return fmt.Errorf("simulate: %s", oneLine(err.Error()))
		}
		results = out.EvaluationResults
	} else {
		out, err := ic.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String(o.principal), ActionNames: []string{o.action}, ResourceArns: o.resources,
			ContextEntries: entries, ResourcePolicy: resourcePolicy, CallerArn: aws.String(o.principal),
		})
		if err != nil {
			return fmt.Errorf("simulate: %s", oneLine(err.Error()))
		}
		results = out.EvaluationResults
	}
	denied := false
	for _, r := range results {
		fmt.Fprintf(stdout, "%s on %s: %s\n", aws.ToString(r.EvalActionName), aws.ToString(r.EvalResourceName), r.EvalDecision)
		if len(r.MatchedStatements) == 0 {
			fmt.Fprintln(stdout, "  no statement matched")
		}
		for _, m := range r.MatchedStatements {
			fmt.Fprintf(stdout, "  %s (%s)", aws.ToString(m.SourcePolicyId), m.SourcePolicyType)
			if p := m.StartPosition; p != nil {
				fmt.Fprintf(stdout, ", statement at line %d, column %d", p.Line, p.Column)
			}
			fmt.Fprintln(stdout)
		}
		if r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed {
			denied = true
		}
	}
	if denied {
		return &exitError{code: 1, msg: "not allowed"}
	}
	return nil
}
