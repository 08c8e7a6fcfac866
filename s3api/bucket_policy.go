package s3api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"strings"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/policy"
)

// Bucket policies are stored exactly as sent and returned exactly as
// stored, as S3 does. PutBucketPolicy checks that the document is a
// resource policy about this bucket; evaluating it against requests is the
// policy package's work and comes with bucket-policy enforcement (until
// then only signed requests get in, and root is never denied).

// maxPolicySize is S3's bound on a bucket policy document: 20 KiB.
const maxPolicySize = 20 << 10

func malformedPolicy(message string) error { return errCode("MalformedPolicy", message) }

func (h *Handler) putBucketPolicy(q *request) error {
	if _, err := h.meta.GetBucket(q.r.Context(), q.bucket); err != nil {
		return err
	}
	doc, err := h.readBody(q, maxPolicySize, malformedPolicy("Policy exceeds the maximum allowed document size."))
	if err != nil {
		return err
	}
	p, err := validateBucketPolicy(doc, q.bucket)
	if err != nil {
		return err
	}
	var bound map[string]string
	if h.authz != nil {
		// Each user or role named is bound to its unique id, as S3 binds
		// it (encodePolicyRecord); one that does not exist is refused, as
		// S3 refuses it, rather than stored to grant nothing.
		var missing string
		if bound, missing, err = h.authz.BindPrincipals(q.r.Context(), p); err != nil {
			return err
		}
		if missing != "" {
			return malformedPolicy("Invalid principal in policy")
		}
	}
	if err := h.blockPublicPolicy(q, p); err != nil {
		return err
	}
	if err := h.meta.PutBucketConfig(q.r.Context(), q.bucket, configPolicy, encodePolicyRecord(bound, doc)); err != nil {
		return err
	}
	h.policies.forget(q.bucket)
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// A bucket policy is stored as a record: a first line with the unique ids
// the users and roles it names were bound to when it was saved
// (policy.Named.Bound, as AWS binds them), then the document as given. A
// record stored before Wicket kept them is the document alone (a JSON
// document cannot start with the prefix); its names match by ARN alone.
const policyRecordPrefix = "wicket-policy-bound "

func encodePolicyRecord(bound map[string]string, doc []byte) []byte {
	line, _ := json.Marshal(bound) // a map of strings always encodes, without a newline
	rec := append([]byte(policyRecordPrefix), line...)
	return append(append(rec, '\n'), doc...)
}

// decodePolicyRecord splits a record; ok is false when its bindings do not
// read, and then the policy must grant nothing.
func decodePolicyRecord(rec []byte) (bound map[string]string, doc []byte, ok bool) {
	rest, ok := bytes.CutPrefix(rec, []byte(policyRecordPrefix))
	if !ok {
		return nil, rec, true
	}
	line, doc, _ := bytes.Cut(rest, []byte("\n"))
	return bound, doc, json.Unmarshal(line, &bound) == nil
}

func (h *Handler) getBucketPolicy(q *request) error {
	rec, err := h.meta.GetBucketConfig(q.r.Context(), q.bucket, configPolicy)
	if configMissing(err) {
		return noSuchConfig("NoSuchBucketPolicy", q.bucket)
	}
	if err != nil {
		return err
	}
	_, doc, _ := decodePolicyRecord(rec)
	q.w.Header().Set("Content-Type", "application/json")
	q.w.WriteHeader(http.StatusOK)
	q.w.Write(doc)
	return nil
}

func (h *Handler) deleteBucketPolicy(q *request) error {
	if err := h.meta.PutBucketConfig(q.r.Context(), q.bucket, configPolicy, nil); err != nil {
		return err
	}
	h.policies.forget(q.bucket)
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// validateBucketPolicy checks the grammar of a bucket policy, answering
// each mistake with S3's MalformedPolicy message for it: a JSON object
// with a known Version, and Statements that each have an Effect, a
// Principal, Actions and Resources within this bucket, and Conditions of
// known operators and keys that apply to the statement's actions.
func validateBucketPolicy(doc []byte, bucket string) (*policy.Policy, error) {
	if len(doc) > maxPolicySize {
		return nil, malformedPolicy("Policy exceeds the maximum allowed document size.")
	}
	if t := bytes.TrimLeft(doc, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, malformedPolicy("Policies must be valid JSON and the first byte must be '{'")
	}
	if !json.Valid(doc) {
		return nil, malformedPolicy("This policy contains invalid Json")
	}
	if name, ok := duplicateName(doc); ok {
		return nil, malformedPolicy("Statement/policy already has instance of " + name)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, malformedPolicy("This policy contains invalid Json")
	}
	for name := range top {
		if name != "Version" && name != "Id" && name != "Statement" {
			return nil, malformedPolicy("Unknown field " + name)
		}
	}
	if v, ok := top["Version"]; ok {
		var s string
		if json.Unmarshal(v, &s) != nil || s != "2012-10-17" && s != "2008-10-17" {
			return nil, malformedPolicy("The policy must contain a valid version string")
		}
	}
	if v, ok := top["Id"]; ok && !isJSONString(v) {
		return nil, malformedPolicy("Invalid policy syntax.")
	}
	st, ok := top["Statement"]
	if !ok {
		return nil, malformedPolicy("Missing required field Statement")
	}
	var statements []json.RawMessage
	switch firstByte(st) {
	case '{':
		statements = []json.RawMessage{st}
	case '[':
		if json.Unmarshal(st, &statements) != nil {
			return nil, malformedPolicy("Invalid policy syntax.")
		}
		if len(statements) == 0 {
			return nil, malformedPolicy("Could not parse the policy: Statement is empty!")
		}
	default:
		return nil, malformedPolicy("Invalid policy syntax.")
	}
	for _, s := range statements {
		if err := validateStatement(s, bucket); err != nil {
			return nil, err
		}
	}
	// The grammar above gives S3's messages for S3's checks; the policy
	// language's own (condition operators, values, variables) is the
	// evaluator's, which must accept whatever is stored.
	p, err := policy.Parse(doc, policy.Resource)
	if err != nil {
		msg := wicket.MessageOf(err)
		if msg == "" {
			msg = "Invalid policy syntax."
		}
		return nil, malformedPolicy(msg)
	}
	return p, nil
}

var statementFields = map[string]bool{
	"Sid": true, "Effect": true, "Principal": true, "NotPrincipal": true, "Action": true,
	"NotAction": true, "Resource": true, "NotResource": true, "Condition": true,
}

func validateStatement(raw json.RawMessage, bucket string) error {
	var st map[string]json.RawMessage
	if firstByte(raw) != '{' || json.Unmarshal(raw, &st) != nil {
		return malformedPolicy("Invalid policy syntax.")
	}
	for name := range st {
		if !statementFields[name] {
			return malformedPolicy("Unknown field " + name)
		}
	}
	if v, ok := st["Sid"]; ok && !isJSONString(v) {
		return malformedPolicy("Invalid policy syntax.")
	}
	effect, ok := st["Effect"]
	if !ok {
		return malformedPolicy("Missing required field Effect")
	}
	var e string
	if json.Unmarshal(effect, &e) != nil || e != "Allow" && e != "Deny" {
		return malformedPolicy("Invalid effect: " + strings.Trim(string(effect), `"`))
	}

	// Each of the three is required, in its positive or its Not form.
	for _, f := range []struct {
		name  string
		check func(json.RawMessage, string) error
	}{
		{"Principal", checkPrincipal},
		{"Action", checkActions},
		{"Resource", checkResources},
	} {
		v, pos := st[f.name]
		nv, neg := st["Not"+f.name]
		switch {
		case pos && neg:
			return malformedPolicy("Statement/policy already has instance of " + f.name)
		case !pos && !neg:
			return malformedPolicy("Missing required field " + f.name)
		case neg:
			v = nv
		}
		if err := f.check(v, bucket); err != nil {
			return err
		}
	}

	if c, ok := st["Condition"]; ok {
		var blocks map[string]json.RawMessage
		if firstByte(c) != '{' || json.Unmarshal(c, &blocks) != nil {
			return malformedPolicy("Invalid policy syntax.")
		}
		// The actions named in full, for the keys limited to some
		// (bucket_policy_conditions.go); NotAction names none.
		var actions []string
		if a, ok := st["Action"]; ok {
			actions, _ = stringList(a)
		}
		for op, b := range blocks {
			var keys map[string]json.RawMessage
			if firstByte(b) != '{' || json.Unmarshal(b, &keys) != nil {
				return malformedPolicy("Invalid policy syntax.")
			}
			if !conditionOperator(op) {
				return malformedPolicy("Invalid Condition type : " + op)
			}
			for k, v := range keys {
				if !knownConditionKey(k) {
					return malformedPolicy("Policy has an invalid condition key")
				}
				if strings.EqualFold(k, "aws:SourceIp") && !ipValues(v) {
					return malformedPolicy("Invalid IP address in Conditions")
				}
				if !conditionApplies(k, actions) {
					return malformedPolicy("Conditions do not apply to combination of actions and resources in statement")
				}
			}
		}
	}
	return nil
}

// conditionOperators are the IAM condition operators, each of which but
// Null may end in IfExists; names are case-sensitive.
var conditionOperators = map[string]bool{
	"StringEquals": true, "StringNotEquals": true, "StringEqualsIgnoreCase": true, "StringNotEqualsIgnoreCase": true,
	"StringLike": true, "StringNotLike": true,
	"NumericEquals": true, "NumericNotEquals": true, "NumericLessThan": true, "NumericLessThanEquals": true,
	"NumericGreaterThan": true, "NumericGreaterThanEquals": true,
	"DateEquals": true, "DateNotEquals": true, "DateLessThan": true, "DateLessThanEquals": true,
	"DateGreaterThan": true, "DateGreaterThanEquals": true,
	"Bool": true, "BinaryEquals": true, "IpAddress": true, "NotIpAddress": true,
	"ArnEquals": true, "ArnLike": true, "ArnNotEquals": true, "ArnNotLike": true,
	"Null": true,
}

func conditionOperator(op string) bool {
	if rest, ok := strings.CutPrefix(op, "ForAllValues:"); ok {
		op = rest
	} else if rest, ok := strings.CutPrefix(op, "ForAnyValue:"); ok {
		op = rest
	}
	if base, ok := strings.CutSuffix(op, "IfExists"); ok && base != "Null" {
		op = base
	}
	return conditionOperators[op]
}

// ipValues reports whether a condition value, one string or a list, holds
// only IP addresses and CIDR blocks. S3 checks aws:SourceIp's values so
// whatever the operator.
func ipValues(v json.RawMessage) bool {
	var list []string
	if json.Unmarshal(v, &list) != nil {
		var one string
		if json.Unmarshal(v, &one) != nil {
			return false
		}
		list = []string{one}
	}
	for _, s := range list {
		if _, err := netip.ParsePrefix(s); err != nil {
			if _, err := netip.ParseAddr(s); err != nil {
				return false
			}
		}
	}
	return true
}

var principalTypes = map[string]bool{"AWS": true, "CanonicalUser": true, "Service": true, "Federated": true}

func checkPrincipal(raw json.RawMessage, _ string) error {
	invalid := malformedPolicy("Invalid principal in policy")
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s != "*" {
			return invalid
		}
		return nil
	}
	var m map[string]json.RawMessage
	if firstByte(raw) != '{' || json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return invalid
	}
	for typ, v := range m {
		values, ok := stringList(v)
		if !principalTypes[typ] || !ok || len(values) == 0 {
			return invalid
		}
		if typ != "AWS" {
			continue
		}
		for _, p := range values {
			if p != "*" && !isAccountID(p) && !strings.HasPrefix(p, "arn:aws:iam::") && !strings.HasPrefix(p, "arn:aws:sts::") {
				return invalid
			}
		}
	}
	return nil
}

// isAccountID reports whether s is an AWS account id: twelve digits.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func checkActions(raw json.RawMessage, _ string) error {
	actions, ok := stringList(raw)
	if !ok {
		return malformedPolicy("Invalid policy syntax.")
	}
	if len(actions) == 0 {
		return malformedPolicy("Missing required field Action cannot be empty!")
	}
	for _, a := range actions {
		name, found := strings.CutPrefix(strings.ToLower(a), "s3:")
		if a != "*" && (!found || name == "") {
			return malformedPolicy("Policy has invalid action")
		}
	}
	return nil
}

// checkResources holds a bucket's policy to the bucket: every resource is
// the bucket's ARN or an object ARN within it.
func checkResources(raw json.RawMessage, bucket string) error {
	resources, ok := stringList(raw)
	if !ok {
		return malformedPolicy("Invalid policy syntax.")
	}
	if len(resources) == 0 {
		return malformedPolicy("Missing required field Resource cannot be empty!")
	}
	for _, r := range resources {
		path, found := strings.CutPrefix(r, "arn:aws:s3:::")
		if !found || path != bucket && !strings.HasPrefix(path, bucket+"/") {
			return malformedPolicy("Policy has invalid resource")
		}
	}
	return nil
}

// stringList decodes a policy element that is a string or an array of
// strings.
func stringList(raw json.RawMessage) ([]string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}, true
	}
	var list []string
	if firstByte(raw) != '[' || json.Unmarshal(raw, &list) != nil {
		return nil, false
	}
	return list, true
}

func isJSONString(raw json.RawMessage) bool {
	var s string
	return json.Unmarshal(raw, &s) == nil
}

func firstByte(raw json.RawMessage) byte {
	t := bytes.TrimLeft(raw, " \t\r\n")
	if len(t) == 0 {
		return 0
	}
	return t[0]
}

// duplicateName finds a name that some object of a valid JSON document
// holds twice. encoding/json keeps the last value silently, which would let
// a document say one thing to the reader and another to the evaluator.
func duplicateName(doc []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	// One frame per open container: the names seen, nil for an array.
	var stack []map[string]bool
	expectName := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return "", false
		}
		if err != nil {
			return "", false // not valid JSON; reported elsewhere
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, map[string]bool{})
				expectName = true
				continue
			case '[':
				stack = append(stack, nil)
			case '}', ']':
				stack = stack[:len(stack)-1]
			}
		case string:
			if expectName {
				names := stack[len(stack)-1]
				if names[t] {
					return t, true
				}
				names[t] = true
				expectName = false
				continue
			}
		}
		// After a value, the next token of an object is a name.
		expectName = len(stack) > 0 && stack[len(stack)-1] != nil
	}
}
