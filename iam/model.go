package iam

import (
	"crypto/rand"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// The entities, as stored: one JSON document each, in a DocStore
// collection keyed by the lower-cased name (IAM names are unique without
// regard to case), or by id for access keys and ARN for OIDC providers.
// Relationships are kept on both sides (a user lists its groups, a group its
// members; a managed policy counts its attachments) and updated in one
// transaction, so that DeleteConflict needs no scan.

const (
	collUsers    = "iam.users"
	collGroups   = "iam.groups"
	collRoles    = "iam.roles"
	collPolicies = "iam.policies"
	collKeys     = "iam.keys"
	collOIDC     = "iam.oidc"
)

// Tag is a key-value pair on a user, role, customer managed policy or OIDC
// provider.
type Tag struct {
	Key   string
	Value string
}

// User is an IAM user.
type User struct {
	Name     string
	ID       string
	Path     string
	ARN      string
	Created  time.Time
	Tags     []Tag             `json:",omitempty"`
	Inline   map[string]string `json:",omitempty"` // policy name → document
	Attached []string          `json:",omitempty"` // managed policy ARNs
	Groups   []string          `json:",omitempty"` // group names
	// Renamed is when UpdateUser last gave the user its name or path;
	// zero if it has had them since Created.
	Renamed time.Time `json:",omitzero"`
}

// Named is when the user got its name, by CreateUser or UpdateUser. A
// GetSessionToken session names its user by name alone: a user that got
// the name after the session was issued is another principal to it (bucket
// and trust policies bind a name to a unique id instead, see
// policy.Named.Bound).
func (u *User) Named() time.Time {
	if u.Renamed.IsZero() {
		return u.Created
	}
	return u.Renamed
}

// Group is an IAM group.
type Group struct {
	Name     string
	ID       string
	Path     string
	ARN      string
	Created  time.Time
	Inline   map[string]string `json:",omitempty"`
	Attached []string          `json:",omitempty"`
	Members  []string          `json:",omitempty"` // user names
}

// Role is an IAM role.
type Role struct {
	Name               string
	ID                 string
	Path               string
	ARN                string
	Created            time.Time
	Description        string `json:",omitempty"`
	MaxSessionDuration int    // seconds, 3600..43200
	Trust              string // the assume-role policy document
	// TrustBound binds the users and roles Trust names to their unique
	// ids as of when it was set (policy.Named.Bound); nil for roles stored
	// before Wicket kept it, whose trust matches by ARN alone.
	TrustBound map[string]string `json:",omitempty"`
	Tags       []Tag             `json:",omitempty"`
	Inline     map[string]string `json:",omitempty"`
	Attached   []string          `json:",omitempty"`
}

// ManagedPolicy is a customer managed policy with its versions.
type ManagedPolicy struct {
	Name           string
	ID             string
	Path           string
	ARN            string
	Description    string `json:",omitempty"`
	Created        time.Time
	Updated        time.Time
	DefaultVersion string
	NextVersion    int
	Versions       []PolicyVersion
	Attachments    int
	Tags           []Tag `json:",omitempty"`
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	ID      string // v1, v2 …
	Doc     string
	Created time.Time
}

// Default returns the default version's document.
func (p *ManagedPolicy) Default() string {
	for _, v := range p.Versions {
		if v.ID == p.DefaultVersion {
			return v.Doc
		}
	}
	return ""
}

// AccessKey is an IAM user's access key.
//
// The secret is kept as issued, as AWS must keep it to verify signatures;
// the data directory is the secret's protection.
type AccessKey struct {
	ID      string
	Secret  string
	User    string // the user's name
	Status  string // Active or Inactive
	Created time.Time
}

// OIDCProvider is an OpenID Connect identity provider that roles may trust.
type OIDCProvider struct {
	URL         string // https://host/path as registered
	ARN         string
	ClientIDs   []string `json:",omitempty"`
	Thumbprints []string `json:",omitempty"`
	Created     time.Time
	Tags        []Tag `json:",omitempty"`
}

// Limits, as IAM's quotas and validation rules document them.
const (
	maxUserName        = 64
	maxRoleName        = 64
	maxGroupName       = 128
	maxPolicyName      = 128
	maxPath            = 512
	maxKeysPerUser     = 2
	maxPolicyVersions  = 5
	maxUserInline      = 2048  // characters of all a user's inline policies, whitespace excluded
	maxRoleInline      = 10240 // likewise for a role
	maxGroupInline     = 5120  // likewise for a group
	maxManagedPolicy   = 6144  // characters of one managed policy version
	maxTrustPolicy     = 2048
	maxAttached        = 10 // managed policies attached to one user, group or role
	maxGroupsPerUser   = 10
	maxClientIDs       = 100
	maxThumbprints     = 5
	maxTags            = 50
	minSessionDuration = 3600
	maxSessionDuration = 43200
	maxDescription     = 1000
)

var nameRE = regexp.MustCompile(`^[\w+=,.@-]+$`)

// A pathPattern is one of the API model's shapes of a path: the
// expression, matched against the whole value, and the pattern as the
// model writes it, which its ValidationError quotes.
type pathPattern struct {
	re   *regexp.Regexp
	text string
}

var (
	// entityPath is pathType, the path of a user, group or role: "/" or
	// /…/ with at least one printable ASCII character between, so "//"
	// is refused.
	entityPath = pathPattern{regexp.MustCompile(`^/([\x21-\x7e]+/)?$`), `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`}
	// policyPath is policyPathType, the path of a managed policy and the
	// PathPrefix of ListPolicies.
	policyPath = pathPattern{regexp.MustCompile(`^(/[A-Za-z0-9.,+@=_-]+)*/$`), `((/[A-Za-z0-9\.,\+@=_-]+)*)/`}
	// pathPrefix is pathPrefixType, the PathPrefix of ListUsers,
	// ListGroups, ListRoles and ListInstanceProfiles.
	pathPrefix = pathPattern{regexp.MustCompile(`^/[\x21-\x7f]*$`), `\u002F[\u0021-\u007F]*`}
)

// check validates v, the value of field (path, pathPrefix): 1 to 512
// characters of the pattern.
func (p pathPattern) check(op, field, v string) error {
	switch {
	case v == "":
		return validation(op, fmt.Sprintf("1 validation error detected: Value '' at '%s' failed to satisfy constraint: Member must have length greater than or equal to 1", field))
	case len(v) > maxPath:
		return validation(op, fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", v, field, maxPath))
	case !p.re.MatchString(v):
		return validation(op, fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", v, field, p.text))
	}
	return nil
}

// key is the document id of a named entity.
func key(name string) string { return strings.ToLower(name) }

func checkName(op, field, name string, max int) error {
	if name == "" {
		return validation(op, fmt.Sprintf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", lowerFirst(field)))
	}
	if len(name) > max {
		return validation(op, fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", name, lowerFirst(field), max))
	}
	if !nameRE.MatchString(name) {
		return validation(op, fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", name, lowerFirst(field)))
	}
	return nil
}

// checkPath validates the Path of an entity to create, of pattern p;
// none is "/".
func checkPath(op string, p pathPattern, path string) (string, error) {
	if path == "" {
		return "/", nil
	}
	if err := p.check(op, "path", path); err != nil {
		return "", err
	}
	return path, nil
}

// checkRange holds an integer parameter to the model's min..max, with the
// model validation's one-sided message for the bound it crosses.
func checkRange(op, field string, v, min, max int) error {
	switch {
	case v < min:
		return validation(op, fmt.Sprintf("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", v, field, min))
	case v > max:
		return validation(op, fmt.Sprintf("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", v, field, max))
	}
	return nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// newID returns an IAM unique id: a four-letter prefix that says what it
// names (AIDA user, AROA role, AGPA group, ANPA policy, AKIA access key)
// and random upper-case letters and digits, as AWS's ids look.
func newID(prefix string, n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}

// newSecret returns a 40-character secret access key.
func newSecret() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, 40)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
