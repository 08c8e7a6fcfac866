// Package policy is the IAM policy language: it parses policy documents,
// compiles them, and evaluates requests against them, deciding Allow,
// Deny or ExplicitDeny the way AWS does, and explaining each decision.
//
// # Parse
//
// Parse reads a JSON document as one of three types of policy: Identity
// (attached to a user, group or role), Resource (a bucket policy) or Trust
// (a role's assume-role policy). It checks everything AWS checks — the
// Version, the elements each type requires and forbids, Sids, actions,
// resource ARNs, principals, condition operators and the values each
// operator takes — and rejects what AWS would reject with an error of kind
// wicket.Invalid and code MalformedPolicyDocument, whose message says where
// the problem is and, where AWS has words for it, uses them:
//
//	Statement[0]: Policy document should not specify a principal.
//	Statement[1].Condition: unknown operator "StringEqualz"
//
// A document without a Version is version 2008-10-17, in which ${...} is
// literal text; in 2012-10-17 it is a policy variable.
//
// # Compile
//
// What can be decided before a request arrives is decided at Parse, so
// that evaluation does no parsing and allocates nothing. Actions are
// lower-cased and sorted into exact names, prefixes ("s3:Get*") and
// globs. Resource ARNs are cut into their six components, and every string
// that can hold wildcards or variables is cut into tokens: literal text,
// '*', '?' and variables, whose keys are lower-cased and hashed. CIDR
// blocks, dates, numbers and base64 values are parsed once, into their
// binary forms.
//
// # Evaluate
//
// A request (Request) is a principal, an action, a resource ARN and a
// Context of condition keys, which also supplies the values of policy
// variables. A Set holds every policy that bears on it: the principal's
// identity policies, any limiting layers (session policies, a permissions
// boundary, an identity pool's scope-down policy), and the resource or
// trust policy.
//
// Evaluate walks every statement once. A statement applies when its action
// matches (Action, or not NotAction; case-insensitive, with * and ?), its
// resource matches (Resource or not NotResource; ARN by ARN component,
// case-sensitive), for a resource policy its Principal names the caller
// (or its NotPrincipal does not), and every condition holds. The first
// Deny that applies, anywhere, decides ExplicitDeny. Without one, the
// request is allowed if the identity side allows it and every limit layer
// allows it too, or if the resource policy allows it to the extent AWS
// lets a resource policy grant alone (see Evaluate); otherwise it is
// denied implicitly.
//
// Policy variables are substituted as values, never as patterns: a '*' in
// a user name is a literal '*'. A variable whose key is missing, or has
// several values, takes its default (${aws:username, 'guest'}) or, without
// one, keeps its Resource entry or condition value from matching anything.
//
// Explain decides the same way and reports which statements decided — the
// denying ones, or the allowing ones — for logs and for the root user's
// eyes, never for the caller's.
package policy
