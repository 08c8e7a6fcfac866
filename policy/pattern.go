package policy

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/wicket-io/wicket/arn"
)

// A pattern is a policy string compiled into tokens: literal text, the
// wildcards * and ?, and policy variables. At evaluation the variables'
// values are looked up and matched in place, token by token, so that no
// string is ever built, and so that a '*' inside a substituted value is a
// literal character rather than a wildcard.

type tokenKind uint8

const (
	tokText  tokenKind = iota // text, matched literally
	tokStar                   // '*': any run of characters
	tokQuest                  // '?': exactly one character
	tokVar                    // ${key} or ${key, 'default'}
)

type token struct {
	kind   tokenKind
	text   string // tokText: the text; tokVar: the key, lower-cased
	hash   uint32 // tokVar: keyHash(text)
	def    string // tokVar: the default value
	hasDef bool
	slot   uint8 // tokVar: index of the variable within its pattern
}

type patternKind uint8

const (
	patLiteral patternKind = iota // lit, exactly
	patAny                        // "*"
	patPrefix                     // lit followed by "*"
	patTokens                     // anything else
)

type pattern struct {
	kind  patternKind
	lit   string // patLiteral, patPrefix: the text (escapes resolved)
	toks  []token
	nvars int
}

// maxVars bounds the variables in one string. Their values are resolved
// into an array on the stack before matching; a policy needs one or two.
const maxVars = 16

var (
	errUnterminated = errors.New("unterminated policy variable")
	errEmptyVar     = errors.New("empty policy variable")
	errDefault      = errors.New("invalid default value in policy variable (want ${key, 'default'})")
	errTooManyVars  = errors.New("more than 16 policy variables in one value")
)

// compilePattern compiles s. With wild, '*' and '?' are wildcards; with
// vars (policy language 2012-10-17, and an element or operator that takes
// variables), ${...} is a policy variable or one of the escapes ${*}, ${?}
// and ${$}; without it, ${...} is literal text.
func compilePattern(s string, wild, vars bool) (pattern, error) {
	var toks []token
	var text []byte // the pending literal text
	flush := func() {
		if len(text) > 0 {
			toks = append(toks, token{kind: tokText, text: string(text)})
			text = text[:0]
		}
	}
	nvars := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case vars && c == '$' && i+1 < len(s) && s[i+1] == '{':
			key, def, hasDef, n, err := parseVariable(s[i:])
			if err != nil {
				return pattern{}, err
			}
			i += n
			switch {
			case !hasDef && (key == "*" || key == "?" || key == "$"):
				text = append(text, key...)
			default:
				if nvars == maxVars {
					return pattern{}, errTooManyVars
				}
				flush()
				lower := strings.ToLower(key)
				toks = append(toks, token{kind: tokVar, text: lower, hash: keyHash(lower), def: def, hasDef: hasDef, slot: uint8(nvars)})
				nvars++
			}
		case wild && c == '*':
			flush()
			if len(toks) == 0 || toks[len(toks)-1].kind != tokStar {
				toks = append(toks, token{kind: tokStar})
			}
			i++
		case wild && c == '?':
			flush()
			toks = append(toks, token{kind: tokQuest})
			i++
		default:
			text = append(text, c)
			i++
		}
	}
	flush()
	return newPattern(toks, nvars), nil
}

// newPattern classifies toks for the fast paths of match.
func newPattern(toks []token, nvars int) pattern {
	p := pattern{kind: patTokens, toks: toks, nvars: nvars}
	switch {
	case len(toks) == 0:
		p.kind, p.toks = patLiteral, nil
	case len(toks) == 1 && toks[0].kind == tokText:
		p.kind, p.lit, p.toks = patLiteral, toks[0].text, nil
	case len(toks) == 1 && toks[0].kind == tokStar:
		p.kind, p.toks = patAny, nil
	case len(toks) == 2 && toks[0].kind == tokText && toks[1].kind == tokStar:
		p.kind, p.lit, p.toks = patPrefix, toks[0].text, nil
	}
	return p
}

// parseVariable reads the variable at the start of s, which begins with
// "${": its key (trimmed), its default value if it has one, and the length
// of its text. AWS's syntax for a default is ${key, 'default'}, in which a
// quote is written twice (”).
func parseVariable(s string) (key, def string, hasDef bool, n int, err error) {
	i := 2
	end := strings.IndexAny(s[i:], ",}")
	if end < 0 {
		return "", "", false, 0, errUnterminated
	}
	key = strings.TrimSpace(s[i : i+end])
	i += end
	if key == "" {
		return "", "", false, 0, errEmptyVar
	}
	if s[i] == '}' {
		return key, "", false, i + 1, nil
	}
	i++ // ,
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i >= len(s) || s[i] != '\'' {
		return "", "", false, 0, errDefault
	}
	i++
	var b strings.Builder
	for {
		if i >= len(s) {
			return "", "", false, 0, errUnterminated
		}
		if s[i] == '\'' {
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i += 2
				continue
			}
			i++
			break
		}
		b.WriteByte(s[i])
		i++
	}
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i >= len(s) || s[i] != '}' {
		return "", "", false, 0, errDefault
	}
	return key, b.String(), true, i + 1, nil
}

// hasVars reports whether p contains a policy variable.
func (p *pattern) hasVars() bool { return p.nvars > 0 }

// match reports whether s matches p, with the values of p's variables taken
// from ctx. A variable whose key is missing or has more than one value
// takes its default; without a default, nothing matches p (AWS: "the
// resource that includes a policy variable with no value will not match
// any resource").
func (p *pattern) match(s string, ctx *Context, fold bool) bool {
	switch p.kind {
	case patLiteral:
		if fold {
			return strings.EqualFold(s, p.lit)
		}
		return s == p.lit
	case patAny:
		return true
	case patPrefix:
		_, ok := hasPrefix(s, p.lit, fold)
		return ok
	}
	var stack [maxVars]string
	vals := stack[:p.nvars]
	for i := range p.toks {
		t := &p.toks[i]
		if t.kind != tokVar {
			continue
		}
		v, ok := ctx.single(t.hash, t.text)
		switch {
		case ok:
			vals[t.slot] = v
		case t.hasDef:
			vals[t.slot] = t.def
		default:
			return false
		}
	}
	return matchTokens(p.toks, vals, s, fold)
}

// matchTokens is arn.Glob over tokens: text and variable values match
// literally and whole, '?' one rune, '*' any run of runes. On a mismatch it
// lets the most recent star swallow one more rune and tries again from just
// after it.
func matchTokens(toks []token, vals []string, s string, fold bool) bool {
	ti, si := 0, 0
	star, starS := -1, 0
	for {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case tokStar:
				if ti == len(toks)-1 {
					return true
				}
				star, starS = ti, si
				ti++
				continue
			case tokQuest:
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
					ti++
					continue
				}
			default:
				text := t.text
				if t.kind == tokVar {
					text = vals[t.slot]
				}
				if n, ok := hasPrefix(s[si:], text, fold); ok {
					si += n
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if star < 0 || starS >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		si, ti = starS, star+1
	}
}

// hasPrefix reports whether s begins with prefix, case-insensitively if
// fold, and how many bytes of s the prefix covers.
func hasPrefix(s, prefix string, fold bool) (int, bool) {
	if !fold {
		return len(prefix), strings.HasPrefix(s, prefix)
	}
	i := 0
	for j := 0; j < len(prefix); {
		if i >= len(s) {
			return 0, false
		}
		a, b := s[i], prefix[j]
		if a < utf8.RuneSelf && b < utf8.RuneSelf {
			if a != b && lowerASCII(a) != lowerASCII(b) {
				return 0, false
			}
			i++
			j++
			continue
		}
		ra, na := utf8.DecodeRuneInString(s[i:])
		rb, nb := utf8.DecodeRuneInString(prefix[j:])
		if !arn.EqualFoldRune(ra, rb) {
			return 0, false
		}
		i += na
		j += nb
	}
	return i, true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// An arnPattern is a Resource entry or an Arn* condition value: six
// patterns, one for each component of an ARN, or "*".
type arnPattern struct {
	kind  patternKind // patAny, patLiteral (lit is the whole ARN), or patTokens
	lit   string
	comps [6]pattern
	// head is the first five components and their colons, when they are
	// all literal (as in "arn:aws:s3:::"): then a value matches if it
	// begins with head and the rest matches comps[5], with no splitting.
	head string
}

var errNotARN = errors.New(`must be in ARN format or "*"`)

// compileARN compiles s as an ARN pattern. With resourceOnly, variables may
// appear only in the resource component, as AWS requires of the Resource
// element.
func compileARN(s string, vars, resourceOnly bool) (arnPattern, error) {
	if s == "*" {
		return arnPattern{kind: patAny}, nil
	}
	whole, err := compilePattern(s, true, vars)
	if err != nil {
		return arnPattern{}, err
	}
	if whole.kind == patLiteral {
		var c [6]string
		if !splitARN(whole.lit, &c) {
			return arnPattern{}, errNotARN
		}
		return arnPattern{kind: patLiteral, lit: whole.lit}, nil
	}
	toks := whole.toks
	if whole.kind == patPrefix { // newPattern folded it; unfold
		toks = []token{{kind: tokText, text: whole.lit}, {kind: tokStar}}
	}
	// Cut the tokens at the first five colons of their text; variables
	// (whose keys hold colons of their own) are never cut.
	var ap arnPattern
	ap.kind = patTokens
	comp, cur := 0, []token(nil)
	for _, t := range toks {
		if t.kind != tokText || comp == 5 {
			cur = append(cur, t)
			continue
		}
		text := t.text
		for comp < 5 {
			j := strings.IndexByte(text, ':')
			if j < 0 {
				break
			}
			if j > 0 {
				cur = append(cur, token{kind: tokText, text: text[:j]})
			}
			ap.comps[comp] = finishComponent(cur)
			comp, cur, text = comp+1, nil, text[j+1:]
		}
		if text != "" {
			cur = append(cur, token{kind: tokText, text: text})
		}
	}
	if comp < 5 {
		return arnPattern{}, errNotARN
	}
	ap.comps[5] = finishComponent(cur)
	ap.head = ""
	for i := range 5 {
		if ap.comps[i].kind != patLiteral {
			ap.head = ""
			break
		}
		ap.head += ap.comps[i].lit + ":"
	}
	if resourceOnly {
		for i := range 5 {
			if ap.comps[i].hasVars() {
				return arnPattern{}, errors.New("may hold policy variables only in its resource part, after the fifth colon")
			}
		}
	}
	return ap, nil
}

// finishComponent renumbers the variables of one component's tokens.
func finishComponent(toks []token) pattern {
	n := 0
	for i := range toks {
		if toks[i].kind == tokVar {
			toks[i].slot = uint8(n)
			n++
		}
	}
	return newPattern(toks, n)
}

func (ap *arnPattern) match(s string, ctx *Context) bool {
	switch ap.kind {
	case patAny:
		return true
	case patLiteral:
		return s == ap.lit
	}
	if ap.head != "" {
		return strings.HasPrefix(s, ap.head) && ap.comps[5].match(s[len(ap.head):], ctx, false)
	}
	var c [6]string
	if !splitARN(s, &c) {
		return false
	}
	for i := range c {
		if !ap.comps[i].match(c[i], ctx, false) {
			return false
		}
	}
	return true
}

// splitARN cuts s at its first five colons, as arn.Match does.
func splitARN(s string, c *[6]string) bool {
	for i := range 5 {
		j := strings.IndexByte(s, ':')
		if j < 0 {
			return false
		}
		c[i], s = s[:j], s[j+1:]
	}
	c[5] = s
	return true
}
