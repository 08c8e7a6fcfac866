package iam_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/wicket-io/wicket/internal/testenv"
)

// TestAttachedPolicyQuota: the eleventh managed policy attached to a
// user, group or role is LimitExceeded naming that holder's quota, as AWS
// names it ("Cannot exceed quota for PoliciesPerRole: 10").
func TestAttachedPolicyQuota(t *testing.T) {
	env := testenv.New(t)
	c := env.IAM()
	doc := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)
	var arns []*string
	for i := range 11 {
		p := must[*iam.CreatePolicyOutput](t, "CreatePolicy")(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(fmt.Sprintf("p%02d", i)), PolicyDocument: doc}))
		arns = append(arns, p.Policy.Arn)
	}
	must[*iam.CreateUserOutput](t, "CreateUser")(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}))
	must[*iam.CreateGroupOutput](t, "CreateGroup")(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")}))
	must[*iam.CreateRoleOutput](t, "CreateRole")(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))
	for _, tc := range []struct {
		quota  string
		attach func(arn *string) error
	}{
		{"PoliciesPerUser", func(arn *string) error {
			_, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: arn})
			return err
		}},
		{"PoliciesPerGroup", func(arn *string) error {
			_, err := c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("g"), PolicyArn: arn})
			return err
		}},
		{"PoliciesPerRole", func(arn *string) error {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: arn})
			return err
		}},
	} {
		for _, arn := range arns[:10] {
			if err := tc.attach(arn); err != nil {
				t.Fatalf("%s: attach %s: %v", tc.quota, *arn, err)
			}
		}
		err := tc.attach(arns[10])
		wantCode(t, tc.quota+": the eleventh", err, "LimitExceeded")
		if want := "Cannot exceed quota for " + tc.quota + ": 10"; apiMessage(err) != want {
			t.Errorf("%s: message %q, want %q", tc.quota, apiMessage(err), want)
		}
	}
}
