package policy

import (
	"fmt"
	"testing"
)

// The policies the Amplify CLI attaches to an identity pool's roles for
// Amplify Storage (its CloudFormation template for "amplify add storage"):
// public/ for everyone, protected/{identity id}/ readable by everyone and
// writable by its owner, private/{identity id}/ for its owner alone.
const (
	amplifyBucket = "arn:aws:s3:::storage-bucket"

	amplifyPublic = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["s3:PutObject","s3:GetObject","s3:DeleteObject"],
		"Resource":["arn:aws:s3:::storage-bucket/public/*"]}]}`
	amplifyProtected = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["s3:PutObject","s3:GetObject","s3:DeleteObject"],
		"Resource":["arn:aws:s3:::storage-bucket/protected/${cognito-identity.amazonaws.com:sub}/*"]}]}`
	amplifyPrivate = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["s3:PutObject","s3:GetObject","s3:DeleteObject"],
		"Resource":["arn:aws:s3:::storage-bucket/private/${cognito-identity.amazonaws.com:sub}/*"]}]}`
	amplifyUploads = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["s3:PutObject"],
		"Resource":["arn:aws:s3:::storage-bucket/uploads/*"]}]}`
	amplifyAuthRead = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::storage-bucket/protected/*"]},
		{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::storage-bucket"],
		 "Condition":{"StringLike":{"s3:prefix":["public/","public/*","protected/","protected/*",
			"private/${cognito-identity.amazonaws.com:sub}/","private/${cognito-identity.amazonaws.com:sub}/*"]}}}]}`

	// The guest role may read public/ and protected/ and list them.
	amplifyGuestPublic = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::storage-bucket/public/*"]}]}`
	amplifyGuestRead = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::storage-bucket/protected/*"]},
		{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::storage-bucket"],
		 "Condition":{"StringLike":{"s3:prefix":["public/","public/*","protected/","protected/*"]}}}]}`
)

// TestAmplifyStorage evaluates Amplify Storage's standard policies for two
// signed-in identities and a guest: each writes only its own private and
// protected prefixes; everyone reads public/ and protected/; only the
// owner reads or lists private/.
func TestAmplifyStorage(t *testing.T) {
	authRole := &Set{Identity: []Named{
		{Name: "S3AuthPublicPolicy", Policy: mustParse(t, amplifyPublic, Identity)},
		{Name: "S3AuthProtectedPolicy", Policy: mustParse(t, amplifyProtected, Identity)},
		{Name: "S3AuthPrivatePolicy", Policy: mustParse(t, amplifyPrivate, Identity)},
		{Name: "S3AuthUploadPolicy", Policy: mustParse(t, amplifyUploads, Identity)},
		{Name: "S3AuthReadPolicy", Policy: mustParse(t, amplifyAuthRead, Identity)},
	}}
	guestRole := &Set{Identity: []Named{
		{Name: "S3GuestPublicPolicy", Policy: mustParse(t, amplifyGuestPublic, Identity)},
		{Name: "S3GuestReadPolicy", Policy: mustParse(t, amplifyGuestRead, Identity)},
	}}

	const (
		idA = "us-east-1:0f5e8a6e-1111-4c1e-9a49-aaaaaaaaaaaa"
		idB = "us-east-1:0f5e8a6e-2222-4c1e-9a49-bbbbbbbbbbbb"
		idG = "us-east-1:0f5e8a6e-3333-4c1e-9a49-cccccccccccc"
	)
	type caller struct {
		name string
		id   string
		set  *Set
	}
	callers := []caller{{"A", idA, authRole}, {"B", idB, authRole}, {"guest", idG, guestRole}}
	owners := []string{idA, idB}

	request := func(c caller, action, resource, prefix string) *Request {
		role := "amplify-app-authRole"
		if c.set == guestRole {
			role = "amplify-app-unauthRole"
		}
		ctx := kv("cognito-identity.amazonaws.com:sub", c.id, "cognito-identity.amazonaws.com:aud", "us-east-1:pool")
		if prefix != "" || action == "s3:ListBucket" {
			ctx.Set("s3:prefix", prefix)
		}
		return &Request{
			Principal: Principal{AWS: []string{
				"arn:aws:sts::111122223333:assumed-role/" + role + "/CognitoIdentityCredentials",
				"arn:aws:iam::111122223333:role/" + role,
				"111122223333",
			}},
			Action: action, Resource: resource, Context: ctx,
		}
	}
	check := func(c caller, action, resource, prefix string, want bool) {
		t.Helper()
		r := request(c, action, resource, prefix)
		d := Evaluate(c.set, r)
		if d.Allowed() != want {
			t.Errorf("%s %s %s (prefix %q) = %v, want allowed=%v: %s", c.name, action, resource, prefix, d, want, Explain(c.set, r))
		}
	}

	for _, c := range callers {
		signedIn := c.set == authRole
		// public/: everyone reads; signed-in users write.
		check(c, "s3:GetObject", amplifyBucket+"/public/photo.jpg", "", true)
		check(c, "s3:PutObject", amplifyBucket+"/public/photo.jpg", "", signedIn)
		check(c, "s3:DeleteObject", amplifyBucket+"/public/photo.jpg", "", signedIn)
		check(c, "s3:ListBucket", amplifyBucket, "public/", true)
		check(c, "s3:ListBucket", amplifyBucket, "protected/", true)
		check(c, "s3:ListBucket", amplifyBucket, "", false) // the bucket's root is listed by no one
		check(c, "s3:PutObject", amplifyBucket+"/uploads/file.bin", "", signedIn)
		check(c, "s3:GetObject", amplifyBucket+"/uploads/file.bin", "", false)

		for _, o := range owners {
			own := c.id == o
			for _, action := range []string{"s3:PutObject", "s3:GetObject", "s3:DeleteObject"} {
				check(c, action, amplifyBucket+"/private/"+o+"/doc.txt", "", own)
				check(c, action, amplifyBucket+"/private/"+o+"/dir/doc.txt", "", own)
			}
			check(c, "s3:GetObject", amplifyBucket+"/protected/"+o+"/avatar.png", "", true)
			check(c, "s3:PutObject", amplifyBucket+"/protected/"+o+"/avatar.png", "", own)
			check(c, "s3:DeleteObject", amplifyBucket+"/protected/"+o+"/avatar.png", "", own)
			check(c, "s3:ListBucket", amplifyBucket, "private/"+o+"/", own)
			check(c, "s3:ListBucket", amplifyBucket, "private/"+o+"/sub", own)
			check(c, "s3:ListBucket", amplifyBucket, "protected/"+o+"/", true)
		}
		// Nobody writes another's prefix by spelling it cleverly.
		check(c, "s3:PutObject", amplifyBucket+"/private/"+c.id, "", false)             // no slash after the id
		check(c, "s3:PutObject", amplifyBucket+"/private/"+c.id+"x/doc.txt", "", false) // an id that extends the caller's
		check(c, "s3:PutObject", amplifyBucket+"/Private/"+c.id+"/doc.txt", "", false)  // keys are case-sensitive
		check(c, "s3:ListBucket", amplifyBucket, "private/", false)
		check(c, "s3:ListBucket", amplifyBucket+"2", "public/", false) // another bucket
	}

	// A caller without an identity id (the key missing) gets nothing that
	// depends on it.
	noID := request(callers[0], "s3:PutObject", amplifyBucket+"/private//doc.txt", "")
	noID.Context = kv()
	if d := Evaluate(authRole, noID); d != Deny {
		t.Errorf("no identity id: %v, want Deny", d)
	}
	// An identity id with wildcards in it is taken literally.
	wild := caller{"wild", "us-east-1:*", authRole}
	check(wild, "s3:PutObject", amplifyBucket+"/private/"+idA+"/doc.txt", "", false)
	check(wild, "s3:PutObject", amplifyBucket+"/private/us-east-1:*/doc.txt", "", true)
	check(wild, "s3:ListBucket", amplifyBucket, "private/"+idA+"/", false)
}

func ExampleEvaluate() {
	p, err := Parse([]byte(`{
		"Version": "2012-10-17",
		"Statement": [{
			"Sid": "OwnPrivateFiles",
			"Effect": "Allow",
			"Action": ["s3:GetObject", "s3:PutObject"],
			"Resource": "arn:aws:s3:::bucket/private/${cognito-identity.amazonaws.com:sub}/*"
		}]
	}`), Identity)
	if err != nil {
		panic(err)
	}
	set := &Set{Identity: []Named{{Name: "role/app policy storage", Policy: p}}}

	var ctx Context
	ctx.Set("cognito-identity.amazonaws.com:sub", "us-east-1:1111")
	for _, key := range []string{"private/us-east-1:1111/a.txt", "private/us-east-1:2222/a.txt"} {
		r := &Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/" + key, Context: &ctx}
		fmt.Println(key, Evaluate(set, r), "-", Explain(set, r))
	}
	// Output:
	// private/us-east-1:1111/a.txt allow - allowed by statement "OwnPrivateFiles" (#0) of role/app policy storage
	// private/us-east-1:2222/a.txt implicit deny - implicitly denied: no statement matched
}
