package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wicket-io/wicket/sigv4"
)

// testSecrets are the keys the shared AWS files and environments of these
// tests hold, with their session tokens.
var testSecrets = map[string]struct{ secret, token string }{
	"AKIAIOSFODNN7EXAMPLE": {"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""},
	"AKIADEFAULTPROFILE":   {"default-secret", ""},
	"AKIASTATICPROFILE":    {"static-secret", "static-token"},
	"ASIAPROCESS":          {"process-secret", "process-token"},
	"AKIAENV":              {"env-secret", ""},
	"ASIAENV":              {"env-secret", "env-token"},
	"AKIAFLAG":             {"flag-secret", ""},
	"ASIAFLAG":             {"flag-secret", "flag-token"},
}

func testSecret(ak, token string) (string, error) {
	s, ok := testSecrets[ak]
	switch {
	case !ok:
		return "", sigv4.ErrUnknownAccessKey
	case s.token != token:
		return "", sigv4.ErrInvalidToken
	}
	return s.secret, nil
}

// isolateAWS gives the test an environment without AWS_ variables and a
// home of its own whose ~/.aws holds these profiles:
//
//	default   static keys, region eu-central-1
//	static    static keys with a session token, region ap-south-1
//	proc      credential_process (temporary keys, expiring in an hour), region sa-east-1
//	noregion  credential_process, no region
//	failing   a credential_process that fails
//	empty     a region and no credentials
func isolateAWS(t *testing.T) (home string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("credential_process scripts are sh")
	}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "") // so that it is restored after the test
			os.Unsetenv(k)
		}
	}
	// The chain's last resort asks the EC2 instance metadata service, off
	// this machine; tests never do.
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	home = t.TempDir()
	t.Setenv("HOME", home)
	// The SDK reads HOME once, when the program starts, to name the default
	// files; the variables that name them are read at each load.
	dir := filepath.Join(home, ".aws")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	proc := filepath.Join(home, "creds.sh")
	failing := filepath.Join(home, "fail.sh")
	expires := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	files := map[string]string{
		filepath.Join(dir, "credentials"): `[default]
aws_access_key_id = AKIADEFAULTPROFILE
aws_secret_access_key = default-secret

[static]
aws_access_key_id = AKIASTATICPROFILE
aws_secret_access_key = static-secret
aws_session_token = static-token
`,
		filepath.Join(dir, "config"): fmt.Sprintf(`[default]
region = eu-central-1

[profile static]
region = ap-south-1

[profile proc]
credential_process = %[1]s
region = sa-east-1

[profile noregion]
credential_process = %[1]s

[profile failing]
credential_process = %[2]s

[profile empty]
region = us-west-1
`, proc, failing),
		proc: `#!/bin/sh
printf '%s\n' '{"Version":1,"AccessKeyId":"ASIAPROCESS","SecretAccessKey":"process-secret","SessionToken":"process-token","Expiration":"` + expires + `"}'
`,
		failing: "#!/bin/sh\necho 'no luck today'\necho 'second line'\nexit 3\n",
	}
	for name, content := range files {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

func TestInferScope(t *testing.T) {
	tests := []struct {
		host, service, region string
	}{
		{"s3.amazonaws.com", "s3", "us-east-1"},
		{"examplebucket.s3.amazonaws.com", "s3", "us-east-1"},
		{"s3.eu-west-1.amazonaws.com", "s3", "eu-west-1"},
		{"bucket.s3.us-west-2.amazonaws.com", "s3", "us-west-2"},
		{"my.dotted.bucket.s3.ap-southeast-2.amazonaws.com", "s3", "ap-southeast-2"},
		{"iam.s3.us-west-2.amazonaws.com", "s3", "us-west-2"}, // the bucket "iam"
		{"us-east-2.s3.eu-west-1.amazonaws.com", "s3", "eu-west-1"},
		{"s3-us-west-2.amazonaws.com", "s3", "us-west-2"},
		{"bucket.s3-eu-west-1.amazonaws.com", "s3", "eu-west-1"},
		{"s3-external-1.amazonaws.com", "s3", "us-east-1"},
		{"bucket.s3.dualstack.eu-north-1.amazonaws.com", "s3", "eu-north-1"},
		{"s3-fips.us-gov-west-1.amazonaws.com", "s3", "us-gov-west-1"},
		{"ap-123456789012.s3-accesspoint.us-east-1.amazonaws.com", "s3", "us-east-1"},
		{"123456789012.s3-control.eu-west-1.amazonaws.com", "s3", "eu-west-1"},
		{"s3.cn-north-1.amazonaws.com.cn", "s3", "cn-north-1"},
		{"BUCKET.S3.US-WEST-2.AMAZONAWS.COM.", "s3", "us-west-2"},
		{"bucket.s3.us-west-2.amazonaws.com:443", "s3", "us-west-2"},
		{"sts.amazonaws.com", "sts", "us-east-1"},
		{"sts.eu-west-1.amazonaws.com", "sts", "eu-west-1"},
		{"sts-fips.us-east-2.amazonaws.com", "sts", "us-east-2"},
		{"iam.amazonaws.com", "iam", "us-east-1"},
		{"iam.us-gov.amazonaws.com", "iam", "us-gov-west-1"},
		{"iam.cn-north-1.amazonaws.com.cn", "iam", "cn-north-1"},
		{"cognito-identity.us-east-2.amazonaws.com", "cognito-identity", "us-east-2"},
		{"cognito-idp.eu-central-1.amazonaws.com", "cognito-idp", "eu-central-1"},
		{"a1b2c3d4e5.execute-api.us-east-1.amazonaws.com", "execute-api", "us-east-1"},
		{"abcdefg.lambda-url.eu-west-2.on.aws", "lambda", "eu-west-2"},
		{"email.us-east-1.amazonaws.com", "ses", "us-east-1"},
		{"bedrock-runtime.us-west-2.amazonaws.com", "bedrock", "us-west-2"},
		{"runtime.sagemaker.us-east-1.amazonaws.com", "sagemaker", "us-east-1"},
		{"dynamodb.us-east-1.api.aws", "dynamodb", "us-east-1"},
		{"rekognition.ap-northeast-1.amazonaws.com", "rekognition", "ap-northeast-1"}, // not listed: <service>.<region>
		{"route53.amazonaws.com", "route53", "us-east-1"},
		// Other hosts: s3 only, and no region.
		{"bucket.s3.example.com", "s3", ""},
		{"s3.localhost.localstack.cloud:4566", "s3", ""},
		{"localhost:9000", "", ""},
		{"127.0.0.1:9000", "", ""},
		{"[::1]:9000", "", ""},
		{"wicket.example.com", "", ""},
		{"sts.example.com", "", ""},
		{"something.unknown.amazonaws.com", "", ""},
		{"amazonaws.com", "", ""},
	}
	for _, tt := range tests {
		service, region := inferScope(tt.host)
		if service != tt.service || region != tt.region {
			t.Errorf("inferScope(%q) = %q, %q; want %q, %q", tt.host, service, region, tt.service, tt.region)
		}
	}
}

func TestIsRegion(t *testing.T) {
	for l, want := range map[string]bool{
		"us-east-1": true, "us-gov-west-1": true, "ap-southeast-4": true, "eusc-de-east-1": true,
		"external-1": false, "dualstack": false, "us-east": false, "us-east-x": false, "US-EAST-1": false, "us--1": false,
	} {
		if got := isRegion(l); got != want {
			t.Errorf("isRegion(%q) = %v", l, got)
		}
	}
}

// TestCredentialsAndRegion presigns with credentials and regions from each
// source and checks, with sigv4's verifier, who signed for which region.
func TestCredentialsAndRegion(t *testing.T) {
	const local = "http://localhost:9000/bucket/key"
	tests := []struct {
		name       string
		env        []string
		args       []string
		url        string
		key, token string
		region     string
	}{
		{"environment", []string{"AWS_ACCESS_KEY_ID=AKIAENV", "AWS_SECRET_ACCESS_KEY=env-secret", "AWS_REGION=eu-west-3"}, nil, local,
			"AKIAENV", "", "eu-west-3"},
		{"environment with token", []string{"AWS_ACCESS_KEY_ID=ASIAENV", "AWS_SECRET_ACCESS_KEY=env-secret", "AWS_SESSION_TOKEN=env-token"}, nil, local,
			"ASIAENV", "env-token", "eu-central-1"},
		{"AWS_DEFAULT_REGION", []string{"AWS_DEFAULT_REGION=ca-central-1"}, nil, local,
			"AKIADEFAULTPROFILE", "", "ca-central-1"},
		{"default profile", nil, nil, local,
			"AKIADEFAULTPROFILE", "", "eu-central-1"},
		{"--profile", nil, []string{"--profile", "static"}, local,
			"AKIASTATICPROFILE", "static-token", "ap-south-1"},
		{"AWS_PROFILE", []string{"AWS_PROFILE=static"}, nil, local,
			"AKIASTATICPROFILE", "static-token", "ap-south-1"},
		{"--profile beats the environment's keys, as in the SDK", []string{"AWS_ACCESS_KEY_ID=AKIAENV", "AWS_SECRET_ACCESS_KEY=env-secret"}, []string{"--profile", "static"}, local,
			"AKIASTATICPROFILE", "static-token", "ap-south-1"},
		{"credential_process", nil, []string{"--profile", "proc"}, local,
			"ASIAPROCESS", "process-token", "sa-east-1"},
		{"flags", []string{"AWS_ACCESS_KEY_ID=AKIAENV", "AWS_SECRET_ACCESS_KEY=env-secret"}, []string{"--access-key", "AKIAFLAG", "--secret-key", "flag-secret"}, local,
			"AKIAFLAG", "", "eu-central-1"},
		{"flags with token", nil, []string{"--access-key", "ASIAFLAG", "--secret-key", "flag-secret", "--session-token", "flag-token", "--region", "local"}, local,
			"ASIAFLAG", "flag-token", "local"},
		{"no region anywhere", nil, []string{"--profile", "noregion"}, local,
			"ASIAPROCESS", "process-token", "us-east-1"},
		{"host beats the chain", []string{"AWS_REGION=eu-west-3"}, nil, "https://bucket.s3.us-west-2.amazonaws.com/key",
			"AKIADEFAULTPROFILE", "", "us-west-2"},
		{"flag beats the host", []string{"AWS_REGION=eu-west-3"}, []string{"--region", "ap-east-1"}, "https://s3.eu-west-1.amazonaws.com/bucket/key",
			"AKIADEFAULTPROFILE", "", "ap-east-1"},
		{"global endpoint", []string{"AWS_REGION=eu-west-3"}, nil, "https://examplebucket.s3.amazonaws.com/key",
			"AKIADEFAULTPROFILE", "", "us-east-1"},
	}
	now := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	v := sigv4.NewVerifier(sigv4.VerifierOptions{Secret: testSecret})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateAWS(t)
			for _, kv := range tt.env {
				k, val, _ := strings.Cut(kv, "=")
				t.Setenv(k, val)
			}
			args := append([]string{"presign", "--time", "20130524T000000Z"}, tt.args...)
			stdout, stderr, err := runWicket(t, "", append(args, tt.url)...)
			if err != nil {
				t.Fatalf("%v\nstderr: %s", err, stderr)
			}
			u, err := url.Parse(strings.TrimSpace(stdout))
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			wantCred := tt.key + "/20130524/" + tt.region + "/s3/aws4_request"
			if got := q.Get("X-Amz-Credential"); got != wantCred {
				t.Errorf("credential %q, want %q", got, wantCred)
			}
			if got := q.Get("X-Amz-Security-Token"); got != tt.token {
				t.Errorf("token %q, want %q", got, tt.token)
			}
			r, _ := http.NewRequest(http.MethodGet, u.String(), nil)
			if _, err := v.Verify(r, now, ""); err != nil {
				t.Errorf("verify: %v", err)
			}
		})
	}
}

// TestCABundleFallback: an AWS_CA_BUNDLE naming no file fails the SDK's
// whole configuration; the commands go on with the system's roots and say
// so.
func TestCABundleFallback(t *testing.T) {
	isolateAWS(t)
	t.Setenv("AWS_CA_BUNDLE", filepath.Join(t.TempDir(), "missing.pem"))
	stdout, stderr, err := runWicket(t, "", "presign", "--time", "20130524T000000Z", "http://localhost:9000/b/k")
	if err != nil {
		t.Fatalf("%v\nstderr: %s", err, stderr)
	}
	if !strings.Contains(stdout, "X-Amz-Credential=AKIADEFAULTPROFILE%2F20130524%2Feu-central-1%2Fs3") {
		t.Errorf("stdout = %q", stdout)
	}
	if !strings.Contains(stderr, "warning: ignoring the CA bundle") || !strings.Contains(stderr, "missing.pem") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr = %q, want one warning line about the bundle", stderr)
	}
}

func TestParseHeaderArg(t *testing.T) {
	tests := []struct {
		in   string
		want headerArg
		err  bool
	}{
		{"Content-Type: text/plain", headerArg{key: "Content-Type", value: "text/plain"}, false},
		{"x-amz-meta-a:  b  c ", headerArg{key: "X-Amz-Meta-A", value: "b  c"}, false},
		{"X-Empty;", headerArg{key: "X-Empty"}, false},
		{"Content-Type:", headerArg{key: "Content-Type", remove: true}, false},
		{"Time: 12:30", headerArg{key: "Time", value: "12:30"}, false},
		{"no colon", headerArg{}, true},
		{": value", headerArg{}, true},
		{"Bad Name: x", headerArg{}, true},
	}
	for _, tt := range tests {
		got, err := parseHeaderArg(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("parseHeaderArg(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}
