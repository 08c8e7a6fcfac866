package s3api

import "strings"

// The condition keys a bucket policy may name, and the actions S3's own keys
// apply to. PutBucketPolicy refuses a key S3 does not know ("Policy has an
// invalid condition key") and a key of S3's that does not apply to an
// action of the statement ("Conditions do not apply to combination of
// actions and resources in statement"); the catalogue is the Service
// Authorization Reference's, "Actions, resources, and condition keys for
// Amazon S3", and the IAM User Guide's "AWS global condition context keys".
// Names are case-insensitive, as IAM's are; all are kept in lower case.
//
// Keys of other services' prefixes are left to the evaluator, which finds
// them absent from S3's requests. Applicability is checked only for the
// keys whose restriction is plain (the listing keys, s3:x-amz-acl,
// s3:versionid) and only against actions named in full: a wildcard action
// or NotAction covers actions this table does not list.

// globalConditionKeys are the aws: keys every service has.
var globalConditionKeys = setOf(
	"aws:calledvia", "aws:calledviafirst", "aws:calledvialast", "aws:currenttime", "aws:epochtime",
	"aws:federatedprovider", "aws:multifactorauthage", "aws:multifactorauthpresent",
	"aws:ec2instancesourceprivateipv4", "aws:ec2instancesourcevpc",
	"aws:principalaccount", "aws:principalarn", "aws:principalisawsservice", "aws:principalorgid",
	"aws:principalorgpaths", "aws:principalservicename", "aws:principalservicenameslist", "aws:principaltype",
	"aws:referer", "aws:requestedregion", "aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths",
	"aws:securetransport", "aws:sourceaccount", "aws:sourcearn", "aws:sourceidentity", "aws:sourceip",
	"aws:sourceorgid", "aws:sourceorgpaths", "aws:sourcevpc", "aws:sourcevpcarn", "aws:sourcevpce",
	"aws:tagkeys", "aws:tokenissuetime", "aws:useragent", "aws:userid", "aws:username",
	"aws:viaawsservice", "aws:vpcsourceip", "aws:vpceaccount", "aws:vpceorgid", "aws:vpceorgpaths",
)

// s3ConditionKeys are S3's own keys.
var s3ConditionKeys = setOf(
	"s3:accessgrantsinstancearn", "s3:accesspointnetworkorigin", "s3:authtype",
	"s3:dataaccesspointaccount", "s3:dataaccesspointarn", "s3:delimiter",
	"s3:existingjoboperation", "s3:existingjobpriority", "s3:if-match", "s3:if-none-match",
	"s3:inventoryaccessibleoptionalfields", "s3:jobsuspendedcause", "s3:locationconstraint", "s3:max-keys",
	"s3:object-lock-legal-hold", "s3:object-lock-mode", "s3:object-lock-remaining-retention-days",
	"s3:object-lock-retain-until-date", "s3:objectcreationoperation", "s3:prefix",
	"s3:requestjoboperation", "s3:requestjobpriority", "s3:requestobjecttagkeys", "s3:resourceaccount",
	"s3:signatureage", "s3:signatureversion", "s3:tlsversion", "s3:versionid",
	"s3:x-amz-acl", "s3:x-amz-content-sha256", "s3:x-amz-copy-source",
	"s3:x-amz-grant-full-control", "s3:x-amz-grant-read", "s3:x-amz-grant-read-acp",
	"s3:x-amz-grant-write", "s3:x-amz-grant-write-acp", "s3:x-amz-metadata-directive",
	"s3:x-amz-object-ownership", "s3:x-amz-server-side-encryption",
	"s3:x-amz-server-side-encryption-aws-kms-key-id", "s3:x-amz-server-side-encryption-customer-algorithm",
	"s3:x-amz-storage-class", "s3:x-amz-website-redirect-location",
)

// taggedConditionKeys are the keys that end in a tag key of the author's.
var taggedConditionKeys = []string{
	"aws:principaltag/", "aws:requesttag/", "aws:resourcetag/",
	"s3:buckettag/", "s3:existingobjecttag/", "s3:requestobjecttag/",
}

// conditionKeyActions are the actions (without "s3:", in lower case) that
// some of S3's keys are limited to.
var conditionKeyActions = map[string]func(action string) bool{
	// s3:ListBucketMultipartUploads has none of them, list though it does.
	"s3:prefix":    isAction("listbucket", "listbucketversions"),
	"s3:delimiter": isAction("listbucket", "listbucketversions"),
	"s3:max-keys":  isAction("listbucket", "listbucketversions"),
	"s3:x-amz-acl": isAction("createbucket", "putbucketacl", "putobject", "putobjectacl", "putobjectversionacl"),
	"s3:versionid": func(a string) bool {
		return strings.Contains(a, "version") || isAction("getobjectlegalhold", "putobjectlegalhold",
			"getobjectretention", "putobjectretention", "bypassgovernanceretention", "restoreobject")(a)
	},
}

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func isAction(names ...string) func(string) bool {
	set := setOf(names...)
	return func(a string) bool { return set[a] }
}

// knownConditionKey reports whether key is one a bucket policy may name:
// a global key, one of S3's, or a key of another service's prefix, which
// S3 leaves alone.
func knownConditionKey(key string) bool {
	k := strings.ToLower(key)
	for _, p := range taggedConditionKeys {
		if rest, ok := strings.CutPrefix(k, p); ok {
			return rest != ""
		}
	}
	switch {
	case strings.HasPrefix(k, "aws:"):
		return globalConditionKeys[k]
	case strings.HasPrefix(k, "s3:"):
		return s3ConditionKeys[k]
	}
	return strings.Contains(k, ":")
}

// conditionApplies reports whether key may be used with every action of
// actions, the statement's Action element.
func conditionApplies(key string, actions []string) bool {
	applies, ok := conditionKeyActions[strings.ToLower(key)]
	if !ok {
		return true
	}
	for _, a := range actions {
		name, ok := strings.CutPrefix(strings.ToLower(a), "s3:")
		if !ok || strings.ContainsAny(name, "*?") {
			continue
		}
		if !applies(name) {
			return false
		}
	}
	return true
}
