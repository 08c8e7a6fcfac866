package policy

// Type says where a policy is attached, which decides the elements it must
// and must not have.
type Type uint8

const (
	Identity Type = iota // attached to a user, group or role: no Principal/NotPrincipal allowed
	Resource             // a bucket policy: Principal or NotPrincipal required
	Trust                // a role's assume-role policy: Principal required; actions sts:*
)

func (t Type) String() string {
	switch t {
	case Identity:
		return "identity"
	case Resource:
		return "resource"
	case Trust:
		return "trust"
	}
	return "unknown"
}

// The versions of the policy language. A document without a Version is
// 2008-10-17, in which ${...} is literal text.
const (
	Version2008 = "2008-10-17"
	Version2012 = "2012-10-17"
)

// Bounds on what Parse reads. AWS's own quotas are smaller (6,144
// characters for a managed policy, 20 KB for a bucket policy) and belong to
// the services that store policies; these keep a hostile document from
// costing more than a small one.
const (
	MaxSize     = 128 << 10 // bytes in a document
	MaxDepth    = 16        // nesting of JSON objects and arrays; a valid policy needs 6
	MaxValueLen = 4096      // bytes in one string: an action, resource, principal or condition value
)

// CodeMalformed is the wire code of every error Parse returns.
const CodeMalformed = "MalformedPolicyDocument"

// Policy is a parsed, validated and compiled policy document. It is
// immutable, and safe for concurrent use by any number of evaluations.
type Policy struct {
	typ     Type
	version string
	id      string
	doc     string
	stmts   []statement
	public  bool // Public's answer, decided once by Parse
}

// Type returns the type the policy was parsed as.
func (p *Policy) Type() Type { return p.typ }

// Version returns the policy language version: Version2012 or Version2008.
func (p *Policy) Version() string { return p.version }

// String returns the document the policy was parsed from.
func (p *Policy) String() string { return p.doc }

// Principal is the caller as a Principal/NotPrincipal element of a resource or trust policy sees it.
//
// List the caller's own ARN first in AWS: for a role session its session
// ARN, then the role's ARN, then the account id. Whom a resource policy
// names decides how far its Allow reaches (see Evaluate): the caller's own
// ARN (AWS[0]) stands alone; a later ARN, such as the role behind a
// session, is still limited by the Limits layers; an account id delegates
// to the account's identity policies.
type Principal struct {
	Anonymous bool // unsigned request: matches only "*" / {"AWS":"*"}
	// AWS is what an "AWS" principal element may name to match this
	// caller: its ARN(s) and account id, e.g. for a role session both the
	// session ARN arn:aws:sts::ACCT:assumed-role/R/S and the role ARN
	// arn:aws:iam::ACCT:role/R, then ACCT.
	AWS       []string
	Federated string // web identity provider, e.g. "cognito-identity.amazonaws.com" or an OIDC provider host/ARN
	Service   string // a service principal, e.g. "logging.s3.amazonaws.com"
	// ID is the unique id of the caller's IAM user, or of its session's
	// role (AIDA…, AROA…), and IDOf the entry of AWS it is the id of (the
	// user's or the role's ARN); empty for other callers. See Named.Bound.
	ID, IDOf string
}

// Request is what is asked: who, what, on which resource, in what context.
type Request struct {
	Principal Principal
	Action    string   // "s3:GetObject" (action matching is case-insensitive, with * and ? wildcards, as AWS)
	Resource  string   // an ARN, e.g. "arn:aws:s3:::bucket/key"
	Context   *Context // may be nil
}

// Named is a policy with the name it goes by in explanations.
type Named struct {
	Name   string // identifies the policy in explanations ("role/app inline policy read", "bucket policy of b")
	Policy *Policy
	// Bound maps the user and role ARNs a resource or trust policy names
	// to the unique ids they had when it was saved. AWS binds them so, that
	// one deleted and made again under the same name is another principal
	// to the policy (reference_policies_elements_principal): a name bound
	// here matches only the caller of that id. Nil for a policy stored
	// before Wicket kept them; its names match by ARN alone.
	Bound map[string]string
}

// Set is every policy that bears on one request. A Named whose Policy is
// nil is skipped.
type Set struct {
	Identity []Named // every identity-based policy of the principal (inline, attached managed, group policies)
	// Limits are zero or more limiting layers (session policies, a pool's
	// scope-down policy, permission boundary): an identity-side Allow
	// stands only if every layer also allows (a layer allows when any of
	// its policies allows); an explicit Deny in any layer is an explicit
	// deny overall.
	//
	// A layer with no policies allows nothing. Leave a layer out when
	// there is nothing to limit (a role session assumed without a session
	// policy); pass it empty only to mean "no permissions" (AWS's
	// GetFederationToken without a session policy).
	Limits   [][]Named
	Resource []Named // the resource-based policy (bucket policy) or trust policy
}

// Decision is the outcome of an evaluation.
type Decision uint8

const (
	Deny         Decision = iota // implicit deny: nothing allowed
	Allow                        // allowed, and not denied
	ExplicitDeny                 // a Deny statement matched
)

// Allowed reports whether d is Allow.
func (d Decision) Allowed() bool { return d == Allow }

func (d Decision) String() string {
	switch d {
	case Deny:
		return "implicit deny"
	case Allow:
		return "allow"
	case ExplicitDeny:
		return "explicit deny"
	}
	return "unknown decision"
}
