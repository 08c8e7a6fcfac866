package setup

import (
	"encoding/json"

	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// sub is the policy variable that holds the caller's identity id.
const sub = "${cognito-identity.amazonaws.com:sub}"

type policyDoc struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal map[string]string         `json:"Principal,omitempty"`
	Action    []string                  `json:"Action"`
	Resource  []string                  `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

func (d policyDoc) String() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err) // only strings and maps of them
	}
	return string(b)
}

func allow(sid string, actions []string, resources ...string) statement {
	return statement{Sid: sid, Effect: "Allow", Action: actions, Resource: resources}
}

func doc(st ...statement) string { return policyDoc{Version: "2012-10-17", Statement: st}.String() }

// trustPolicy lets identities of pool assume a role, guests (amr
// "unauthenticated") or signed-in users ("authenticated"), as the AWS
// console writes it.
func trustPolicy(pool, amr string) string {
	return doc(statement{
		Effect:    "Allow",
		Principal: map[string]string{"Federated": "cognito-identity.amazonaws.com"},
		Action:    []string{"sts:AssumeRoleWithWebIdentity"},
		Condition: map[string]map[string]any{
			"StringEquals":           {"cognito-identity.amazonaws.com:aud": pool},
			"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr},
		},
	})
}

// rolePolicy is one inline policy of a role.
type rolePolicy struct{ name, doc string }

// ownedPolicies are the names of the inline policies the presets write.
// A role that changes preset loses those of its old one, and nothing else.
var ownedPolicies = []string{"guest-assets", "Public_policy", "Protected_policy", "Private_policy", "read_policy"}

var (
	readOnly  = []string{"s3:GetObject"}
	readWrite = []string{"s3:PutObject", "s3:GetObject", "s3:DeleteObject"}
)

// policiesFor returns the inline policies of the guest and the user role.
func policiesFor(p Preset) (guest, user []rolePolicy) {
	obj := "arn:aws:s3:::" + p.Bucket + "/"
	switch p.Preset {
	case GuestAssets:
		guest = []rolePolicy{{"guest-assets", doc(allow("ReadAssets", readOnly, obj+p.Prefix+"*"))}}
		user = []rolePolicy{{"guest-assets", doc(
			allow("ReadAssets", readOnly, obj+p.Prefix+"*"),
			allow("OwnPrivateFiles", readWrite, obj+"private/"+sub+"/*"),
		)}}
	case AmplifyStorage:
		// The policies the Amplify CLI generates for a bucket whose
		// signed-in users may create, read and delete at every level
		// and whose guests may read, by the same names.
		list := func(prefixes ...string) statement {
			return statement{Effect: "Allow", Action: []string{"s3:ListBucket"}, Resource: []string{"arn:aws:s3:::" + p.Bucket},
				Condition: map[string]map[string]any{"StringLike": {"s3:prefix": prefixes}}}
		}
		guest = []rolePolicy{
			{"Public_policy", doc(allow("", readOnly, obj+"public/*"))},
			{"read_policy", doc(
				allow("", readOnly, obj+"protected/*"),
				list("public/", "public/*", "protected/", "protected/*"),
			)},
		}
		user = []rolePolicy{
			{"Public_policy", doc(allow("", readWrite, obj+"public/*"))},
			{"Protected_policy", doc(allow("", readWrite, obj+"protected/"+sub+"/*"))},
			{"Private_policy", doc(allow("", readWrite, obj+"private/"+sub+"/*"))},
			{"read_policy", doc(
				allow("", readOnly, obj+"protected/*"),
				list("public/", "public/*", "protected/", "protected/*", "private/"+sub+"/", "private/"+sub+"/*"),
			)},
		}
	}
	return guest, user
}

// corsRuleIDs are the ids of the CORS rules the presets write, by preset.
var corsRuleIDs = map[string]string{GuestAssets: "wicket-guest-assets", AmplifyStorage: "wicket-amplify-storage"}

// corsRuleFor is the bucket CORS rule of a preset. Browsers load presigned
// URLs from other origins, and read the ETag of what they upload.
func corsRuleFor(preset string) s3types.CORSRule {
	r := s3types.CORSRule{
		ID:             stringPtr(corsRuleIDs[preset]),
		AllowedOrigins: []string{"*"},
		AllowedMethods: []string{"GET", "HEAD"},
		AllowedHeaders: []string{"*"},
		ExposeHeaders:  []string{"ETag"},
		MaxAgeSeconds:  int32Ptr(3000),
	}
	if preset == AmplifyStorage {
		// Amplify's own rule: uploads and deletes too.
		r.AllowedMethods = []string{"GET", "HEAD", "PUT", "POST", "DELETE"}
		r.ExposeHeaders = []string{"x-amz-server-side-encryption", "x-amz-request-id", "x-amz-id-2", "ETag"}
	}
	return r
}

func stringPtr(s string) *string { return &s }
func int32Ptr(n int32) *int32    { return &n }
