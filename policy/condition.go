package policy

import (
	"encoding/base64"
	"errors"
	"net/netip"
	"strconv"
	"strings"
)

type opFamily uint8

const (
	opString     opFamily = iota // StringEquals, StringNotEquals
	opStringFold                 // StringEqualsIgnoreCase, StringNotEqualsIgnoreCase
	opStringLike                 // StringLike, StringNotLike
	opNumeric
	opDate
	opBool
	opBinary
	opIP
	opARN // ArnEquals and ArnLike are one operator, as AWS documents
	opNull
)

type comparison uint8

const (
	cmpEq comparison = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

type operator struct {
	family opFamily
	cmp    comparison
	neg    bool // a negated operator: true when no value matches
}

var operators = map[string]operator{
	"stringequals":              {family: opString},
	"stringnotequals":           {family: opString, neg: true},
	"stringequalsignorecase":    {family: opStringFold},
	"stringnotequalsignorecase": {family: opStringFold, neg: true},
	"stringlike":                {family: opStringLike},
	"stringnotlike":             {family: opStringLike, neg: true},
	"numericequals":             {family: opNumeric},
	"numericnotequals":          {family: opNumeric, neg: true},
	"numericlessthan":           {family: opNumeric, cmp: cmpLt},
	"numericlessthanequals":     {family: opNumeric, cmp: cmpLe},
	"numericgreaterthan":        {family: opNumeric, cmp: cmpGt},
	"numericgreaterthanequals":  {family: opNumeric, cmp: cmpGe},
	"dateequals":                {family: opDate},
	"datenotequals":             {family: opDate, neg: true},
	"datelessthan":              {family: opDate, cmp: cmpLt},
	"datelessthanequals":        {family: opDate, cmp: cmpLe},
	"dategreaterthan":           {family: opDate, cmp: cmpGt},
	"dategreaterthanequals":     {family: opDate, cmp: cmpGe},
	"bool":                      {family: opBool},
	"binaryequals":              {family: opBinary},
	"ipaddress":                 {family: opIP},
	"notipaddress":              {family: opIP, neg: true},
	"arnequals":                 {family: opARN},
	"arnlike":                   {family: opARN},
	"arnnotequals":              {family: opARN, neg: true},
	"arnnotlike":                {family: opARN, neg: true},
	"null":                      {family: opNull},
}

type setOp uint8

const (
	setNone setOp = iota
	setAny        // ForAnyValue:
	setAll        // ForAllValues:
)

// parseOperator splits a condition operator's name into its set qualifier,
// base operator and IfExists suffix. Names are matched without regard to
// case.
func parseOperator(name string) (operator, setOp, bool, bool) {
	lower := strings.ToLower(name)
	set := setNone
	if rest, ok := strings.CutPrefix(lower, "foranyvalue:"); ok {
		set, lower = setAny, rest
	} else if rest, ok := strings.CutPrefix(lower, "forallvalues:"); ok {
		set, lower = setAll, rest
	}
	ifExists := false
	if rest, ok := strings.CutSuffix(lower, "ifexists"); ok {
		ifExists, lower = true, rest
	}
	op, ok := operators[lower]
	if !ok || op.family == opNull && (ifExists || set != setNone) {
		return operator{}, 0, false, false
	}
	return op, set, ifExists, true
}

// A condition is one key of one operator block: the key, and the values it
// is compared with, compiled for the operator.
type condition struct {
	op       operator
	set      setOp
	ifExists bool
	name     string // the operator as written, for explanations
	key      string // lower-cased
	hash     uint32

	strs  []pattern    // opString, opStringFold, opStringLike, opBool
	arns  []arnPattern // opARN
	nums  []float64    // opNumeric
	dates []instant    // opDate
	nets  []netip.Prefix
	bins  []string // opBinary: the decoded bytes
	null  bool     // opNull: true if the key must be absent
}

// compileValue compiles one value of a condition. vars reports whether
// policy variables are on (2012-10-17).
func (c *condition) compileValue(v string, vars bool) error {
	switch c.op.family {
	case opString, opStringFold:
		p, err := compilePattern(v, false, vars)
		if err != nil {
			return err
		}
		c.strs = append(c.strs, p)
	case opStringLike:
		p, err := compilePattern(v, true, vars)
		if err != nil {
			return err
		}
		c.strs = append(c.strs, p)
	case opBool:
		p, err := compilePattern(v, false, vars)
		if err != nil {
			return err
		}
		if p.kind == patLiteral && !strings.EqualFold(p.lit, "true") && !strings.EqualFold(p.lit, "false") {
			return errors.New(`is not "true" or "false"`)
		}
		c.strs = append(c.strs, p)
	case opARN:
		p, err := compileARN(v, vars, false)
		if err != nil {
			return err
		}
		c.arns = append(c.arns, p)
	case opNumeric:
		n, ok := parseNumber(v)
		if !ok {
			return errors.New("is not a number")
		}
		c.nums = append(c.nums, n)
	case opDate:
		d, ok := parseDate(v)
		if !ok {
			return errors.New("is not a date (ISO 8601, as 2012-10-17T00:00:00Z, or seconds since 1970)")
		}
		c.dates = append(c.dates, d)
	case opIP:
		p, ok := parsePrefix(v)
		if !ok {
			return errors.New("is not an IP address or CIDR block")
		}
		c.nets = append(c.nets, p)
	case opBinary:
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return errors.New("is not base64")
		}
		c.bins = append(c.bins, string(b))
	case opNull:
		switch strings.ToLower(v) {
		case "true":
			c.null = true
		case "false":
			c.null = false
		default:
			return errors.New(`is not "true" or "false"`)
		}
	}
	return nil
}

// eval evaluates the condition against ctx, following AWS's rules for
// missing keys, multivalued keys and negated operators:
//
//   - A missing key makes an operator false and a negated operator true;
//     with IfExists, any operator is true. ForAllValues is true of a
//     missing key (there is no value that fails), ForAnyValue false.
//   - Without a set qualifier, an operator is true if any of the key's
//     values matches any of the policy's values (values are ORed); a
//     negated operator is true if none does.
//   - ForAnyValue is true if some value of the key satisfies the operator,
//     ForAllValues if every one does; for a negated operator, a value
//     satisfies it when it matches none of the policy's values.
func (c *condition) eval(ctx *Context) bool {
	vals, present := ctx.values(c.hash, c.key)
	if present && len(vals) == 1 && vals[0] == "" && (c.set != setNone || userDefined(c.key)) {
		// AWS: ForAllValues "also returns true if ... the key values
		// resolve to a null data set, such as an empty string";
		// ForAnyValue returns false for one. And a tag sent with an empty
		// value is null to every operator, Null included: "For condition
		// keys that are defined by the user, such as passing tags in a
		// request, it is possible to include an empty string. In this
		// case, the value in the request context is null"
		// (reference_policies_elements_condition_operators), so a tag
		// required with Null cannot be dodged by sending it empty.
		present = false
	}
	if c.op.family == opNull {
		return present != c.null
	}
	if !present {
		switch {
		case c.ifExists:
			return true
		case c.set == setAll:
			return true
		case c.set == setAny:
			return false
		}
		return c.op.neg
	}
	switch c.set {
	case setAny:
		for _, v := range vals {
			if c.matches(v, ctx) != c.op.neg {
				return true
			}
		}
		return false
	case setAll:
		for _, v := range vals {
			if c.matches(v, ctx) == c.op.neg {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		if c.matches(v, ctx) {
			return !c.op.neg
		}
	}
	return c.op.neg
}

// matches reports whether the request value v matches any of the
// condition's values, in the positive sense of the operator.
func (c *condition) matches(v string, ctx *Context) bool {
	switch c.op.family {
	case opString, opStringLike:
		for i := range c.strs {
			if c.strs[i].match(v, ctx, false) {
				return true
			}
		}
	case opStringFold, opBool:
		for i := range c.strs {
			if c.strs[i].match(v, ctx, true) {
				return true
			}
		}
	case opARN:
		for i := range c.arns {
			if c.arns[i].match(v, ctx) {
				return true
			}
		}
	case opNumeric:
		n, ok := parseNumber(v)
		if !ok {
			return false
		}
		for _, m := range c.nums {
			if compare(c.op.cmp, cmpFloat(n, m)) {
				return true
			}
		}
	case opDate:
		d, ok := parseDate(v)
		if !ok {
			return false
		}
		for _, m := range c.dates {
			if compare(c.op.cmp, d.cmp(m)) {
				return true
			}
		}
	case opIP:
		a, ok := parseAddr(v)
		if !ok {
			return false
		}
		for _, p := range c.nets {
			if p.Contains(a) {
				return true
			}
		}
	case opBinary:
		for _, b := range c.bins {
			if v == b {
				return true
			}
		}
	}
	return false
}

// compare reports whether the outcome of a three-way comparison (-1, 0, +1
// for request value below, equal to, above the policy value) satisfies cmp.
func compare(cmp comparison, r int) bool {
	switch cmp {
	case cmpEq:
		return r == 0
	case cmpLt:
		return r < 0
	case cmpLe:
		return r <= 0
	case cmpGt:
		return r > 0
	case cmpGe:
		return r >= 0
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseNumber parses an integer or decimal number, as 10, -3.5 or 1e3.
// The syntax is checked before strconv sees the text, so that a value that
// is not a number costs no allocation for an error.
func parseNumber(s string) (float64, bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
			exp++
		}
		if exp == 0 {
			return 0, false
		}
	}
	if i != len(s) || len(s) > 64 {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil { // out of range
		return 0, false
	}
	return f, true
}

// parsePrefix parses a policy's IpAddress value: a CIDR block, or a bare
// address, which AWS reads as /32 (or /128).
func parsePrefix(s string) (netip.Prefix, bool) {
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		if p.Addr().Is4In6() {
			a := p.Addr().Unmap()
			bits := p.Bits() - 96
			if bits < 0 {
				return netip.Prefix{}, false
			}
			p = netip.PrefixFrom(a, bits)
		}
		return p.Masked(), true
	}
	a, ok := parseAddr(s)
	if !ok {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

// parseAddr parses a request's address, IPv4 or IPv6, with an IPv4 address
// mapped into IPv6 read as IPv4. Zones are refused.
func parseAddr(s string) (netip.Addr, bool) {
	if s == "" || len(s) > 64 {
		return netip.Addr{}, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' || c == '.' || c == ':') {
			return netip.Addr{}, false // not an address; skip the error's allocation
		}
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}
