package keyring

import (
	"slices"
	"strings"
	"time"
)

// Claims are what a session token says about the session it stands for.
// They travel sealed inside the token; only the Keyring can read them.
//
// Issued and Expires are kept to the second (Issue truncates them), and
// empty AMR and Tags come back from Open as nil.
type Claims struct {
	Role       string            // role ARN (arn:aws:iam::000000000000:role/path/name)
	RoleID     string            // AROA…
	Session    string            // session name, e.g. "CognitoIdentityCredentials"
	Subject    string            // identity id (pool credentials) or the web identity token's sub
	Pool       string            // identity pool id, if any
	AMR        []string          // e.g. ["unauthenticated"] or ["authenticated","accounts.google.com","accounts.google.com:12345"]
	Provider   string            // web identity provider: "cognito-identity.amazonaws.com" or an OIDC issuer host
	Audience   string            // the token's aud (the pool id for Cognito)
	User       string            // an IAM user's name, for GetSessionToken / AssumeRole callers
	SourceUser string            // ARN of the IAM user that called AssumeRole/GetSessionToken, if any
	Policy     string            // optional session policy JSON (may be several KiB)
	ScopeDown  string            // optional name of a pool-level scope-down policy to intersect
	Tags       map[string]string // session tags (aws:PrincipalTag), optional
	PolicyARNs []string          // managed session policies (STS PolicyArns), optional
	Issued     time.Time
	Expires    time.Time
}

// Bounds on the claims a token can carry. Issue refuses claims beyond them
// and the decoder refuses encodings beyond them, so that no token, however
// made, costs more than MaxTokenLen to read.
const (
	MaxStringLen   = 2048     // any string field but Policy, and each AMR entry
	MaxPolicyLen   = 16 << 10 // Policy
	MaxAMR         = 16       // entries in AMR
	MaxTags        = 50       // session tags, as on AWS
	MaxTagKeyLen   = 128      // bytes of a tag key (non-empty)
	MaxTagValueLen = 256      // bytes of a tag value
	MaxPolicyARNs  = 10       // managed session policies, as on AWS
	MaxLifetime    = 36 * time.Hour
	MaxTokenLen    = 128 << 10 // characters of a session token
)

// clone returns a deep copy of c, so that a caller cannot change the
// claims the cache keeps.
func (c *Claims) clone() *Claims {
	d := *c
	if c.AMR != nil {
		d.AMR = slices.Clone(c.AMR)
	}
	if c.PolicyARNs != nil {
		d.PolicyARNs = slices.Clone(c.PolicyARNs)
	}
	if c.Tags != nil {
		d.Tags = make(map[string]string, len(c.Tags))
		for k, v := range c.Tags {
			d.Tags[k] = v
		}
	}
	return &d
}

// The claims encoding is a sequence of fields in a fixed order, with no
// names and no framing but the lengths:
//
//	11 strings   Role RoleID Session Subject Pool Provider Audience
//	             User SourceUser ScopeDown Policy
//	uvarint n    AMR entries, then n strings
//	uvarint n    tags, then n pairs of strings (key, value), keys sorted
//	uvarint      Issued, Unix seconds
//	uvarint      Expires - Issued, seconds
//	[uvarint n   PolicyARNs, then n strings; only when n > 0]
//
// The last section is optional, so that tokens written before it existed
// read as they did; n is never 0 when written.
//
// A string is a code byte and what the code says:
//
//	strEmpty       nothing
//	strLiteral     uvarint n, n bytes
//	strDict        1 byte: an index into dict
//	strPrefix      1 byte: an index into prefixes; uvarint n, n bytes that follow it
//	strRef         1 byte: the index of an earlier string of this encoding
//	strRefPrefix   1 byte: as strRef, then uvarint n, n bytes that follow it
//	strRegionUUID  uvarint n, n bytes of region, 16 bytes of a UUID: "region:uuid"
//
// Strings are numbered in the order they are written, empty ones included;
// only the first maxRefs can be referred to. The codes after strLiteral
// exist to keep a guest's token small: most of its strings are fixed words,
// ARNs with a common prefix, identity and pool ids, and repeats (the
// audience is the pool id).
//
// dict and prefixes are part of the format: entries may be appended, but
// never changed, removed or reordered without a new token version.
const (
	strEmpty = iota
	strLiteral
	strDict
	strPrefix
	strRef
	strRefPrefix
	strRegionUUID
)

const maxRefs = 32

var dict = [...]string{
	"CognitoIdentityCredentials",
	"cognito-identity.amazonaws.com",
	"unauthenticated",
	"authenticated",
	"accounts.google.com",
	"graph.facebook.com",
	"www.amazon.com",
	"appleid.apple.com",
	"api.twitter.com",
	"www.digits.com",
}

var prefixes = [...]string{
	"arn:aws:iam::000000000000:role/",
	"arn:aws:iam::000000000000:user/",
	"arn:aws:iam::",
	"arn:aws:sts::000000000000:assumed-role/",
	"arn:aws:sts::",
	"https://",
	"cognito-idp.",
	"AROA",
	"AIDA",
}

var dictIndex = func() map[string]byte {
	m := make(map[string]byte, len(dict))
	for i, s := range dict {
		m[s] = byte(i)
	}
	return m
}()

// validate checks c against the bounds of the encoding. It does not look at
// the times: Issue does.
func (c *Claims) validate() string {
	for _, f := range [...]struct {
		name, s string
	}{
		{"Role", c.Role}, {"RoleID", c.RoleID}, {"Session", c.Session},
		{"Subject", c.Subject}, {"Pool", c.Pool}, {"Provider", c.Provider},
		{"Audience", c.Audience}, {"User", c.User}, {"SourceUser", c.SourceUser},
		{"ScopeDown", c.ScopeDown},
	} {
		if len(f.s) > MaxStringLen {
			return f.name + " is too long"
		}
	}
	if len(c.Policy) > MaxPolicyLen {
		return "Policy is too long"
	}
	if len(c.AMR) > MaxAMR {
		return "AMR has too many entries"
	}
	for _, a := range c.AMR {
		if len(a) > MaxStringLen {
			return "an AMR entry is too long"
		}
	}
	if len(c.Tags) > MaxTags {
		return "too many session tags"
	}
	if len(c.PolicyARNs) > MaxPolicyARNs {
		return "too many managed session policies"
	}
	for _, a := range c.PolicyARNs {
		if a == "" || len(a) > MaxStringLen {
			return "a managed session policy ARN is empty or too long"
		}
	}
	for k, v := range c.Tags {
		if k == "" || len(k) > MaxTagKeyLen || len(v) > MaxTagValueLen {
			return "a session tag is empty or too long"
		}
	}
	return ""
}

// encoder writes the claims encoding.
type encoder struct {
	b    []byte
	strs []string // the strings written so far, up to maxRefs
}

// appendClaims appends the encoding of c to b. c must be valid, with
// Issued and Expires whole seconds and 0 ≤ Expires - Issued ≤ MaxLifetime.
func appendClaims(b []byte, c *Claims) []byte {
	e := encoder{b: b, strs: make([]string, 0, maxRefs)}
	for _, s := range [...]string{
		c.Role, c.RoleID, c.Session, c.Subject, c.Pool, c.Provider,
		c.Audience, c.User, c.SourceUser, c.ScopeDown, c.Policy,
	} {
		e.str(s)
	}
	e.uvarint(uint64(len(c.AMR)))
	for _, a := range c.AMR {
		e.str(a)
	}
	e.uvarint(uint64(len(c.Tags)))
	keys := make([]string, 0, len(c.Tags))
	for k := range c.Tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		e.str(k)
		e.str(c.Tags[k])
	}
	e.uvarint(uint64(c.Issued.Unix()))
	e.uvarint(uint64(c.Expires.Unix() - c.Issued.Unix()))
	if len(c.PolicyARNs) > 0 {
		e.uvarint(uint64(len(c.PolicyARNs)))
		for _, a := range c.PolicyARNs {
			e.str(a)
		}
	}
	return e.b
}

func (e *encoder) uvarint(v uint64) {
	for v >= 0x80 {
		e.b = append(e.b, byte(v)|0x80)
		v >>= 7
	}
	e.b = append(e.b, byte(v))
}

func (e *encoder) bytes(s string) {
	e.uvarint(uint64(len(s)))
	e.b = append(e.b, s...)
}

// str writes s in the shortest of the forms it knows.
func (e *encoder) str(s string) {
	e.strFor(s)
	if len(e.strs) < maxRefs {
		e.strs = append(e.strs, s)
	}
}

func (e *encoder) strFor(s string) {
	if s == "" {
		e.b = append(e.b, strEmpty)
		return
	}
	if i, ok := dictIndex[s]; ok {
		e.b = append(e.b, strDict, i)
		return
	}
	// The longest earlier string or fixed prefix that s starts with.
	code, idx, plen := byte(strLiteral), 0, 0
	for i, t := range e.strs {
		if len(t) < 4 || len(t) <= plen || !strings.HasPrefix(s, t) {
			continue
		}
		if len(t) == len(s) {
			e.b = append(e.b, strRef, byte(i))
			return
		}
		code, idx, plen = strRefPrefix, i, len(t)
	}
	for i, p := range prefixes {
		if len(p) > plen && strings.HasPrefix(s, p) {
			code, idx, plen = strPrefix, i, len(p)
		}
	}
	if region, id, ok := splitRegionUUID(s); ok && len(s)-plen > len(region)+16 {
		e.b = append(e.b, strRegionUUID)
		e.bytes(region)
		e.b = append(e.b, id[:]...)
		return
	}
	if code == strLiteral {
		e.b = append(e.b, strLiteral)
	} else {
		e.b = append(e.b, code, byte(idx))
	}
	e.bytes(s[plen:])
}

// splitRegionUUID splits "region:uuid", where uuid is in the canonical
// lowercase form, so that formatUUID gives s back exactly.
func splitRegionUUID(s string) (region string, id [16]byte, ok bool) {
	if len(s) < 37 || s[len(s)-37] != ':' {
		return "", id, false
	}
	u := s[len(s)-36:]
	j := 0
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if u[i] != '-' {
				return "", id, false
			}
			continue
		}
		v := unhex(u[i])
		if v > 15 {
			return "", id, false
		}
		id[j/2] |= v << (4 * (1 - j%2))
		j++
	}
	return s[:len(s)-37], id, true
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return 255
}

func appendUUID(b []byte, id []byte) []byte {
	const digits = "0123456789abcdef"
	for i, v := range id {
		switch i {
		case 4, 6, 8, 10:
			b = append(b, '-')
		}
		b = append(b, digits[v>>4], digits[v&15])
	}
	return b
}

// decoder reads the claims encoding. Literal strings are substrings of s,
// so that reading them costs no allocation.
type decoder struct {
	s    string
	off  int
	bad  bool
	n    int // strings read so far
	strs [maxRefs]string
}

// decodeClaims reads the claims encoding of s, which must be all of it.
// Garbage is refused, never a panic: every length and index is checked
// against its bound and against what is left.
func decodeClaims(s string) (*Claims, bool) {
	d := decoder{s: s}
	c := new(Claims)
	for _, p := range [...]*string{
		&c.Role, &c.RoleID, &c.Session, &c.Subject, &c.Pool, &c.Provider,
		&c.Audience, &c.User, &c.SourceUser, &c.ScopeDown,
	} {
		*p = d.str(MaxStringLen)
	}
	c.Policy = d.str(MaxPolicyLen)
	if n := d.uvarint(MaxAMR); n > 0 {
		c.AMR = make([]string, n)
		for i := range c.AMR {
			c.AMR[i] = d.str(MaxStringLen)
		}
	}
	if n := d.uvarint(MaxTags); n > 0 {
		c.Tags = make(map[string]string, n)
		for range n {
			k, v := d.str(MaxTagKeyLen), d.str(MaxTagValueLen)
			if _, dup := c.Tags[k]; dup || k == "" {
				d.bad = true
			}
			c.Tags[k] = v
		}
	}
	// Issued is bounded so that adding the lifetime cannot overflow and the
	// time stays within what time.Time and its encodings handle well.
	issued := int64(d.uvarint(1 << 40))
	life := int64(d.uvarint(uint64(MaxLifetime / time.Second)))
	if !d.bad && d.off < len(d.s) {
		n := d.uvarint(MaxPolicyARNs)
		if n == 0 {
			d.bad = true // written only when there are some
		}
		c.PolicyARNs = make([]string, n)
		for i := range c.PolicyARNs {
			if c.PolicyARNs[i] = d.str(MaxStringLen); c.PolicyARNs[i] == "" {
				d.bad = true
			}
		}
	}
	if d.bad || d.off != len(d.s) {
		return nil, false
	}
	c.Issued = time.Unix(issued, 0).UTC()
	c.Expires = time.Unix(issued+life, 0).UTC()
	return c, true
}

func (d *decoder) byte() byte {
	if d.bad || d.off >= len(d.s) {
		d.bad = true
		return 0
	}
	b := d.s[d.off]
	d.off++
	return b
}

// uvarint reads an unsigned varint no greater than max.
func (d *decoder) uvarint(max uint64) uint64 {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		b := d.byte()
		if d.bad {
			return 0
		}
		if shift == 63 && b > 1 {
			break // overflow
		}
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			if v > max {
				break
			}
			return v
		}
	}
	d.bad = true
	return 0
}

// bytes reads a length-prefixed run of at most max bytes.
func (d *decoder) bytes(max int) string {
	n := d.uvarint(uint64(max))
	if d.bad || n > uint64(len(d.s)-d.off) {
		d.bad = true
		return ""
	}
	s := d.s[d.off : d.off+int(n)]
	d.off += int(n)
	return s
}

// str reads a string of at most max bytes.
func (d *decoder) str(max int) string {
	s := d.strFor(max)
	if len(s) > max {
		d.bad = true
	}
	if d.bad {
		return ""
	}
	if d.n < maxRefs {
		d.strs[d.n] = s
	}
	d.n++
	return s
}

func (d *decoder) ref() string {
	i := int(d.byte())
	if i >= d.n || i >= maxRefs {
		d.bad = true
		return ""
	}
	return d.strs[i]
}

func (d *decoder) strFor(max int) string {
	switch d.byte() {
	case strEmpty:
		return ""
	case strLiteral:
		return d.bytes(max)
	case strDict:
		i := int(d.byte())
		if i >= len(dict) {
			d.bad = true
			return ""
		}
		return dict[i]
	case strPrefix:
		i := int(d.byte())
		if i >= len(prefixes) {
			d.bad = true
			return ""
		}
		return prefixes[i] + d.bytes(max)
	case strRef:
		return d.ref()
	case strRefPrefix:
		r := d.ref()
		return r + d.bytes(max)
	case strRegionUUID:
		region := d.bytes(max)
		if d.bad || len(d.s)-d.off < 16 {
			d.bad = true
			return ""
		}
		b := make([]byte, 0, len(region)+37)
		b = append(b, region...)
		b = append(b, ':')
		b = appendUUID(b, []byte(d.s[d.off:d.off+16]))
		d.off += 16
		return string(b)
	}
	d.bad = true
	return ""
}
