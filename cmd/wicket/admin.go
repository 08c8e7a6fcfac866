package main

// What the administration commands (init, pool, identity, role, bucket)
// share: the endpoint, credentials and output flags, SDK clients built from
// them, the one-line form of an API's error, and the signed call of
// Wicket's own Cognito Identity operations, which the SDK does not know.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/wicket-io/wicket/setup"
	"github.com/wicket-io/wicket/sigv4"
)

// adminOptions are the flags of an administration command.
type adminOptions struct {
	aws      awsOptions
	endpoint string
	output   string // text or json; empty for commands that print no data
}

// addFlags adds the endpoint and credential flags, and --output when the
// command prints data.
func (o *adminOptions) addFlags(fs *pflag.FlagSet, output bool) {
	fs.StringVar(&o.endpoint, "endpoint-url", "", "the endpoint, e.g. http://127.0.0.1:9000 (default: AWS_ENDPOINT_URL, else AWS's)")
	o.aws.addFlags(fs)
	if output {
		fs.StringVar(&o.output, "output", "text", "text or json")
	}
}

func (o *adminOptions) json() bool { return o.output == "json" }

// endpointURL is --endpoint-url, else AWS_ENDPOINT_URL, the SDKs' own
// variable for one endpoint for every service; empty means AWS's.
func (o *adminOptions) endpointURL() (string, error) {
	e := o.endpoint
	if e == "" {
		e = os.Getenv("AWS_ENDPOINT_URL")
	}
	if e == "" {
		return "", nil
	}
	u, err := parseRequestURL(e)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// apiTimeout bounds each HTTP request of a command: an endpoint that
// hangs must not hang the command.
const apiTimeout = time.Minute

// session resolves what the command calls with: the SDK configuration,
// the same credentials for Wicket's own operations, and the endpoint.
func (o *adminOptions) session(ctx context.Context, stderr io.Writer) (aws.Config, sigv4.Credentials, string, error) {
	if o.output != "" && o.output != "text" && o.output != "json" {
		return aws.Config{}, sigv4.Credentials{}, "", fmt.Errorf("invalid --output %q: want text or json", o.output)
	}
	endpoint, err := o.endpointURL()
	if err != nil {
		return aws.Config{}, sigv4.Credentials{}, "", err
	}
	s := newAWSSession(o.aws, stderr)
	creds, _, err := s.credentials(ctx)
	if err != nil {
		return aws.Config{}, sigv4.Credentials{}, "", err
	}
	region, err := s.region(ctx, "")
	if err != nil {
		return aws.Config{}, sigv4.Credentials{}, "", err
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken),
		HTTPClient:  awshttp.NewBuildableClient().WithTimeout(apiTimeout),
	}
	return cfg, creds, endpoint, nil
}

// clients returns the SDK clients of the command, with the endpoint.
func (o *adminOptions) clients(ctx context.Context, stderr io.Writer) (setup.Clients, string, error) {
	cfg, _, endpoint, err := o.session(ctx, stderr)
	if err != nil {
		return setup.Clients{}, "", err
	}
	return setup.NewClients(cfg, endpoint), endpoint, nil
}

// apiError is the failure of one API call on one line: what was being
// done, then the service's error code and message.
func apiError(what string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return fmt.Errorf("%s: %s: %s", what, ae.ErrorCode(), oneLine(ae.ErrorMessage()))
	}
	return fmt.Errorf("%s: %s", what, oneLine(err.Error()))
}

// apiCode is the AWS error code of err, or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// wicketCall makes a signed call of one of Wicket's own operations of the
// Cognito Identity API (WicketRevokeIdentity, WicketRevokePool), with the
// JSON 1.1 protocol the SDK uses for the others.
func (o *adminOptions) wicketCall(ctx context.Context, stderr io.Writer, op string, in any) error {
	cfg, creds, endpoint, err := o.session(ctx, stderr)
	if err != nil {
		return err
	}
	if endpoint == "" {
		return fmt.Errorf("%s is Wicket's own operation, which AWS does not have: pass --endpoint-url", op)
	}
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "AWSCognitoIdentityService."+op)
	sum := sha256.Sum256(body)
	if err := sigv4.NewSigner().Sign(r, creds, sigv4.Params{Region: cfg.Region, Service: "cognito-identity",
		Time: time.Now(), PayloadHash: hex.EncodeToString(sum[:])}); err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return fmt.Errorf("%s: %s", op, oneLine(err.Error()))
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	// Errors of the JSON protocol: {"__type": "…#Code", "message": "…"}.
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
		Upper   string `json:"Message"` // some services spell it so
	}
	if json.Unmarshal(msg, &e) != nil || e.Type == "" {
		return fmt.Errorf("%s: the server answered %s", op, resp.Status)
	}
	code := e.Type[strings.LastIndexByte(e.Type, '#')+1:]
	if e.Message == "" {
		e.Message = e.Upper
	}
	return fmt.Errorf("%s: %s: %s", op, code, oneLine(e.Message))
}

// writeJSON prints v indented, as the AWS CLI does.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table prints rows with aligned columns.
func table(w io.Writer, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// readDoc reads a policy document from a file, or standard input for -.
func readDoc(stdin io.Reader, file string) (string, error) {
	var r = stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return "", err
		}
		defer f.Close()
		r = f
	}
	doc, err := io.ReadAll(io.LimitReader(r, maxPolicyFile+1))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", file, err)
	}
	if len(doc) > maxPolicyFile {
		return "", fmt.Errorf("%s: larger than %d bytes", file, maxPolicyFile)
	}
	if !json.Valid(doc) {
		return "", fmt.Errorf("%s: not a JSON document", file)
	}
	return string(doc), nil
}

// connect returns the SDK clients of the command.
func (o *adminOptions) connect(cmd *cobra.Command) (setup.Clients, error) {
	c, _, err := o.clients(cmd.Context(), cmd.ErrOrStderr())
	return c, err
}

// printList writes a listing: the items as a JSON array with --output
// json, else a table of one row per item.
func printList[T any](cmd *cobra.Command, o *adminOptions, items []T, row func(T) []string) error {
	if o.json() {
		return writeJSON(cmd.OutOrStdout(), items)
	}
	rows := make([][]string, 0, len(items))
	for _, it := range items {
		rows = append(rows, row(it))
	}
	return table(cmd.OutOrStdout(), rows)
}
