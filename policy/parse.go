package policy

import (
	"errors"
	"strconv"
	"strings"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/arn"
)

// statement is one compiled statement.
type statement struct {
	sid        string
	index      int
	start, end int // byte offsets of the statement's object in the document
	deny       bool

	notAction bool
	actions   []actionPattern

	hasResource bool // false in trust policies, which have no Resource
	notResource bool
	resources   []arnPattern

	principal    *principals // nil in identity policies
	notPrincipal bool

	conds []condition
}

// actionPattern is one Action entry, lower-cased; actions match without
// regard to case.
type actionPattern struct {
	kind patternKind // patAny, patLiteral, patPrefix, or patTokens (a glob)
	lit  string
}

func (a *actionPattern) match(action string) bool {
	switch a.kind {
	case patAny:
		return true
	case patLiteral:
		return strings.EqualFold(action, a.lit)
	case patPrefix:
		_, ok := hasPrefix(action, a.lit, true)
		return ok
	}
	return arn.GlobFold(a.lit, action)
}

// Messages of AWS's own, where AWS has one for the problem.
const (
	msgSyntax          = "Syntax errors in policy."
	msgNoPrincipal     = "Policy document should not specify a principal."
	msgPrincipal       = "Invalid principal in policy"
	msgVendor          = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	msgOneColon        = "Actions/Condition can contain only one colon."
	msgSidChars        = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
	msgSidUnique       = "Statement IDs (SID) in a single policy must be unique."
	msgTrustActions    = "AssumeRole policy may only specify STS AssumeRole actions."
	msgTrustNoResource = "Has prohibited field Resource"
)

// malformed is the error of every rejection: Invalid, with the code
// MalformedPolicyDocument, and a message that says where the problem is
// and what it is.
func malformed(where, msg string) error {
	if where != "" {
		msg = where + ": " + msg
	}
	err := wicket.E("policy.Parse", wicket.Invalid, msg)
	if e, ok := err.(*wicket.Error); ok {
		e.Code = CodeMalformed
	}
	return err
}

// Parse parses, validates and compiles a policy document of type t.
//
// On invalid input the error is a *wicket.Error of kind wicket.Invalid
// and code MalformedPolicyDocument, whose message names the problem and
// where it is, as
//
//	Statement[1].Condition: unknown operator "StringEqualz"
//
// using AWS's wording where AWS has one ("Policy document should not
// specify a principal.", "Missing required field Principal"...).
// Statements are counted from 0; a Statement that is one object rather
// than an array is just "Statement".
func Parse(doc []byte, t Type) (*Policy, error) {
	if t > Trust {
		return nil, malformed("", "unknown policy type "+strconv.Itoa(int(t)))
	}
	if len(doc) > MaxSize {
		return nil, malformed("", "policy document longer than "+strconv.Itoa(MaxSize)+" bytes")
	}
	s := string(doc)
	root, err := parseJSON(s)
	if err != nil {
		return nil, malformed("", msgSyntax+" "+upper(err.Error())+".")
	}
	if root.kind != jsonObject {
		return nil, malformed("", msgSyntax+" The document is not a JSON object.")
	}
	p := &Policy{typ: t, version: Version2008, doc: s}
	for i, k := range root.keys {
		v := &root.elems[i]
		switch k {
		case "Version":
			if v.kind != jsonString || v.text != Version2012 && v.text != Version2008 {
				return nil, malformed("Version", "Invalid Version "+show(v)+": want "+Version2012+" (or "+Version2008+")")
			}
			p.version = v.text
		case "Id":
			if v.kind != jsonString {
				return nil, malformed("Id", "must be a string, not "+v.kind.String())
			}
			p.id = v.text
		case "Statement":
		default:
			return nil, malformed("", msgSyntax+" Unknown element "+strconv.Quote(k)+".")
		}
	}
	stmts := root.member("Statement")
	if stmts == nil {
		return nil, malformed("", "Missing required field Statement")
	}
	ps := parser{typ: t, vars: p.version == Version2012, sids: map[string]bool{}}
	switch stmts.kind {
	case jsonObject:
		st, err := ps.statement(stmts, "Statement", 0)
		if err != nil {
			return nil, err
		}
		p.stmts = []statement{st}
	case jsonArray:
		if len(stmts.elems) == 0 {
			return nil, malformed("Statement", "no statements")
		}
		p.stmts = make([]statement, len(stmts.elems))
		for i := range stmts.elems {
			where := "Statement[" + strconv.Itoa(i) + "]"
			if stmts.elems[i].kind != jsonObject {
				return nil, malformed(where, "must be an object, not "+stmts.elems[i].kind.String())
			}
			if p.stmts[i], err = ps.statement(&stmts.elems[i], where, i); err != nil {
				return nil, err
			}
		}
	default:
		return nil, malformed("Statement", "must be an object or an array, not "+stmts.kind.String())
	}
	p.public = p.grantsPublic()
	return p, nil
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// show renders a JSON value for a message.
func show(v *jsonValue) string {
	switch v.kind {
	case jsonString:
		return strconv.Quote(clip(v.text))
	case jsonNumber, jsonBool, jsonNull:
		return v.text
	}
	return v.kind.String()
}

// clip shortens a string that a message quotes.
func clip(s string) string {
	if len(s) > 100 {
		return s[:100] + "..."
	}
	return s
}

type parser struct {
	typ  Type
	vars bool // 2012-10-17: ${...} are policy variables
	sids map[string]bool
}

func (ps *parser) statement(v *jsonValue, where string, index int) (statement, error) {
	st := statement{index: index, start: v.start, end: v.end}
	for _, k := range v.keys {
		switch k {
		case "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition":
		default:
			return st, malformed(where, msgSyntax+" Unknown element "+strconv.Quote(k)+".")
		}
	}

	if sid := v.member("Sid"); sid != nil {
		if sid.kind != jsonString {
			return st, malformed(where+".Sid", "must be a string, not "+sid.kind.String())
		}
		if len(sid.text) > MaxValueLen {
			return st, malformed(where+".Sid", "longer than "+strconv.Itoa(MaxValueLen)+" bytes")
		}
		// IAM holds Sids to [0-9A-Za-z]*; S3 takes any text ("Allow get
		// requests originating from www.example.com" is one of its
		// examples).
		if ps.typ != Resource && !isAlnum(sid.text) {
			return st, malformed(where+".Sid", msgSidChars)
		}
		if sid.text != "" {
			if ps.sids[sid.text] {
				return st, malformed(where+".Sid", msgSidUnique+" "+strconv.Quote(clip(sid.text))+" is used twice.")
			}
			ps.sids[sid.text] = true
		}
		st.sid = sid.text
	}

	switch e := v.member("Effect"); {
	case e == nil:
		return st, malformed(where, "Missing required field Effect")
	case e.kind == jsonString && e.text == "Allow":
	case e.kind == jsonString && e.text == "Deny":
		st.deny = true
	default:
		return st, malformed(where+".Effect", "Invalid effect: "+show(e)+" (want \"Allow\" or \"Deny\")")
	}

	if err := ps.principal(&st, v, where); err != nil {
		return st, err
	}
	if err := ps.actions(&st, v, where); err != nil {
		return st, err
	}
	if err := ps.resources(&st, v, where); err != nil {
		return st, err
	}
	if c := v.member("Condition"); c != nil {
		if err := ps.conditions(&st, c, where+".Condition"); err != nil {
			return st, err
		}
	}
	return st, nil
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c)) {
			return false
		}
	}
	return true
}

// stringList reads an element that is a string or an array of strings.
func (ps *parser) stringList(v *jsonValue, where string) ([]string, error) {
	var out []string
	add := func(e *jsonValue, where string) error {
		if e.kind != jsonString {
			return malformed(where, "must be a string, not "+e.kind.String())
		}
		if len(e.text) > MaxValueLen {
			return malformed(where, "longer than "+strconv.Itoa(MaxValueLen)+" bytes")
		}
		out = append(out, e.text)
		return nil
	}
	switch v.kind {
	case jsonString:
		return out, add(v, where)
	case jsonArray:
		if len(v.elems) == 0 {
			return nil, malformed(where, "is empty")
		}
		for i := range v.elems {
			if err := add(&v.elems[i], where+"["+strconv.Itoa(i)+"]"); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, malformed(where, "must be a string or an array of strings, not "+v.kind.String())
}

func (ps *parser) principal(st *statement, v *jsonValue, where string) error {
	p, np := v.member("Principal"), v.member("NotPrincipal")
	switch ps.typ {
	case Identity:
		if p != nil || np != nil {
			return malformed(where, msgNoPrincipal)
		}
		return nil
	case Trust:
		if np != nil {
			return malformed(where, "NotPrincipal is not allowed in a trust policy")
		}
	}
	switch {
	case p != nil && np != nil:
		return malformed(where, "a statement cannot have both Principal and NotPrincipal")
	case p == nil && np == nil:
		return malformed(where, "Missing required field Principal")
	case np != nil:
		p, st.notPrincipal, where = np, true, where+".NotPrincipal"
	default:
		where += ".Principal"
	}
	st.principal = &principals{}
	if p.kind == jsonString {
		if p.text != "*" {
			return malformed(where, msgPrincipal+": "+show(p)+" (a principal is \"*\" or an object such as {\"AWS\": ...})")
		}
		st.principal.all = true
		return nil
	}
	if p.kind != jsonObject || len(p.keys) == 0 {
		return malformed(where, msgPrincipal+": must be \"*\" or an object such as {\"AWS\": ...}")
	}
	for i, k := range p.keys {
		w := where + "." + k
		vals, err := ps.stringList(&p.elems[i], w)
		if err != nil {
			return err
		}
		for j, s := range vals {
			wj := w
			if len(vals) > 1 {
				wj += "[" + strconv.Itoa(j) + "]"
			}
			switch k {
			case "AWS":
				if s == "*" {
					st.principal.all = true
					continue
				}
				n, ok := parseAWSPrincipal(s)
				if !ok {
					return malformed(wj, msgPrincipal+": "+strconv.Quote(clip(s)))
				}
				st.principal.aws = append(st.principal.aws, n)
			case "Federated", "Service", "CanonicalUser":
				if s == "" || strings.ContainsAny(s, "*?") {
					return malformed(wj, msgPrincipal+": "+strconv.Quote(clip(s)))
				}
				switch k {
				case "Federated":
					st.principal.federated = append(st.principal.federated, s)
				case "Service":
					st.principal.service = append(st.principal.service, s)
				default:
					st.principal.canonical = append(st.principal.canonical, s)
				}
			default:
				return malformed(where, msgPrincipal+": unknown principal type "+strconv.Quote(k))
			}
		}
	}
	return nil
}

func (ps *parser) actions(st *statement, v *jsonValue, where string) error {
	a, na := v.member("Action"), v.member("NotAction")
	switch {
	case a != nil && na != nil:
		return malformed(where, "a statement cannot have both Action and NotAction")
	case a == nil && na == nil:
		return malformed(where, "Missing required field Action")
	case na != nil:
		if ps.typ == Trust {
			return malformed(where+".NotAction", msgTrustActions)
		}
		a, st.notAction, where = na, true, where+".NotAction"
	default:
		where += ".Action"
	}
	vals, err := ps.stringList(a, where)
	if err != nil {
		return err
	}
	for i, s := range vals {
		w := where
		if a.kind == jsonArray {
			w += "[" + strconv.Itoa(i) + "]"
		}
		ap, msg := compileAction(s)
		if msg != "" {
			return malformed(w, msg)
		}
		if ps.typ == Trust && !strings.HasPrefix(ap.lit, "sts:") {
			return malformed(w, msgTrustActions+" "+strconv.Quote(clip(s))+" is not one.")
		}
		st.actions = append(st.actions, ap)
	}
	return nil
}

// compileAction compiles one action, or returns why it is not one.
func compileAction(s string) (actionPattern, string) {
	if s == "*" {
		return actionPattern{kind: patAny, lit: "*"}, ""
	}
	vendor, name, ok := strings.Cut(s, ":")
	switch {
	case !ok || vendor == "":
		return actionPattern{}, msgVendor + " (" + strconv.Quote(clip(s)) + ")"
	case strings.IndexByte(name, ':') >= 0:
		return actionPattern{}, msgOneColon + " (" + strconv.Quote(clip(s)) + ")"
	case name == "":
		return actionPattern{}, "action " + strconv.Quote(clip(s)) + " has no name after the vendor"
	}
	for i := 0; i < len(vendor); i++ {
		c := vendor[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c) || c == '-' || c == '*' || c == '?') {
			return actionPattern{}, "Vendor " + strconv.Quote(clip(vendor)) + " is not valid"
		}
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c == 0x7f {
			return actionPattern{}, "action " + strconv.Quote(clip(s)) + " contains a space or control character"
		}
	}
	lower := strings.ToLower(s)
	star := strings.IndexByte(lower, '*')
	switch {
	case star < 0 && strings.IndexByte(lower, '?') < 0:
		return actionPattern{kind: patLiteral, lit: lower}, ""
	case star == len(lower)-1 && strings.IndexByte(lower, '?') < 0:
		return actionPattern{kind: patPrefix, lit: lower[:star]}, ""
	}
	return actionPattern{kind: patTokens, lit: lower}, ""
}

func (ps *parser) resources(st *statement, v *jsonValue, where string) error {
	r, nr := v.member("Resource"), v.member("NotResource")
	if ps.typ == Trust {
		if r != nil || nr != nil {
			return malformed(where, msgTrustNoResource)
		}
		return nil
	}
	switch {
	case r != nil && nr != nil:
		return malformed(where, "a statement cannot have both Resource and NotResource")
	case r == nil && nr == nil:
		return malformed(where, "Missing required field Resource")
	case nr != nil:
		r, st.notResource, where = nr, true, where+".NotResource"
	default:
		where += ".Resource"
	}
	st.hasResource = true
	vals, err := ps.stringList(r, where)
	if err != nil {
		return err
	}
	for i, s := range vals {
		w := where
		if r.kind == jsonArray {
			w += "[" + strconv.Itoa(i) + "]"
		}
		ap, err := compileARN(s, ps.vars, true)
		switch {
		case errors.Is(err, errNotARN):
			return malformed(w, "Resource "+clip(s)+" must be in ARN format or \"*\".")
		case err != nil:
			return malformed(w, "Resource "+strconv.Quote(clip(s))+" "+err.Error())
		}
		st.resources = append(st.resources, ap)
	}
	return nil
}

func (ps *parser) conditions(st *statement, v *jsonValue, where string) error {
	if v.kind != jsonObject {
		return malformed(where, "must be an object, not "+v.kind.String())
	}
	for i, name := range v.keys {
		op, set, ifExists, ok := parseOperator(name)
		if !ok {
			return malformed(where, "unknown operator "+strconv.Quote(clip(name)))
		}
		block := &v.elems[i]
		w := where + "." + name
		if block.kind != jsonObject {
			return malformed(w, "must be an object of condition keys, not "+block.kind.String())
		}
		for j, key := range block.keys {
			wk := w + "[" + strconv.Quote(clip(key)) + "]"
			if vendor, rest, ok := strings.Cut(key, ":"); !ok || vendor == "" || rest == "" {
				return malformed(wk, msgVendor)
			}
			if len(key) > MaxValueLen {
				return malformed(wk, "longer than "+strconv.Itoa(MaxValueLen)+" bytes")
			}
			lower := strings.ToLower(key)
			c := condition{op: op, set: set, ifExists: ifExists, name: name, key: lower, hash: keyHash(lower)}
			vals := &block.elems[j]
			one := func(e *jsonValue, where string) error {
				switch e.kind {
				case jsonString, jsonNumber, jsonBool:
				default:
					return malformed(where, "a condition value is a string, number or boolean, not "+e.kind.String())
				}
				if len(e.text) > MaxValueLen {
					return malformed(where, "longer than "+strconv.Itoa(MaxValueLen)+" bytes")
				}
				if err := c.compileValue(e.text, ps.vars); err != nil {
					return malformed(where, strconv.Quote(clip(e.text))+" "+err.Error())
				}
				return nil
			}
			if vals.kind == jsonArray {
				if len(vals.elems) == 0 {
					return malformed(wk, "has no values")
				}
				if op.family == opNull && len(vals.elems) > 1 {
					return malformed(wk, "Null takes one value, true or false")
				}
				for k := range vals.elems {
					if err := one(&vals.elems[k], wk+"["+strconv.Itoa(k)+"]"); err != nil {
						return err
					}
				}
			} else if err := one(vals, wk); err != nil {
				return err
			}
			st.conds = append(st.conds, c)
		}
	}
	return nil
}
