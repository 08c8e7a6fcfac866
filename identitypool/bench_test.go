package identitypool_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/wicket-io/wicket/internal/testenv"
)

// BenchmarkGuestFlow measures the guest flow as clients drive it: GetId
// then GetCredentialsForIdentity, over keep-alive HTTP from 32 concurrent
// clients, against the real server with the embedded stores (every GetId
// is a durable write). It reports pairs/s; the target is 5,000 on a
// 2-core machine.
func BenchmarkGuestFlow(b *testing.B) {
	env := testenv.NewWith(b, testenv.Options{}) // no GetId rate limit
	c := env.CognitoIdentity()
	pool, err := c.CreateIdentityPool(ctx, &ci.CreateIdentityPoolInput{IdentityPoolName: aws.String("bench"), AllowUnauthenticatedIdentities: true})
	if err != nil {
		b.Fatal(err)
	}
	r, err := env.IAM().CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("g"), AssumeRolePolicyDocument: aws.String(trustFor(*pool.IdentityPoolId, "unauthenticated"))})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.SetIdentityPoolRoles(ctx, &ci.SetIdentityPoolRolesInput{IdentityPoolId: pool.IdentityPoolId, Roles: map[string]string{"unauthenticated": *r.Role.Arn}}); err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	call := func(target string, in, out any) {
		body, _ := json.Marshal(in)
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityService."+target)
		resp, err := client.Do(req)
		if err != nil {
			b.Error(err)
			return
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			b.Errorf("%s: %d %s", target, resp.StatusCode, data)
			return
		}
		if err := json.Unmarshal(data, out); err != nil {
			b.Error(err)
		}
	}
	b.SetParallelism(16) // 32 clients on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var id struct{ IdentityId string }
			call("GetId", map[string]string{"IdentityPoolId": *pool.IdentityPoolId}, &id)
			var creds struct {
				Credentials struct{ AccessKeyId string }
			}
			call("GetCredentialsForIdentity", map[string]string{"IdentityId": id.IdentityId}, &creds)
			if len(creds.Credentials.AccessKeyId) != 20 {
				b.Errorf("no credentials for %s", id.IdentityId)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
}
