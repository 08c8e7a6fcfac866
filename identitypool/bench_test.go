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
	// The load generator shares the two cores with the server; it does as
	// little as a client can: bodies are encoded once where they do not change.
	call := func(target string, body []byte, out any) {
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
	getID, _ := json.Marshal(map[string]string{"IdentityPoolId": *pool.IdentityPoolId})
	b.SetParallelism(16) // 32 clients on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var id struct{ IdentityId string }
			call("GetId", getID, &id)
			var creds struct {
				Credentials struct{ AccessKeyId string }
			}
			call("GetCredentialsForIdentity", []byte(`{"IdentityId":"`+id.IdentityId+`"}`), &creds)
			if len(creds.Credentials.AccessKeyId) != 20 {
				b.Errorf("no credentials for %s", id.IdentityId)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
}
