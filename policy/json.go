package policy

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A policy is read into a small tree of its own rather than into
// map[string]any: members keep their order (so that Parse reports the first
// problem, always the same one), duplicate member names are caught rather
// than silently dropped, numbers keep the text they were written with (a
// condition value 10 is the string "10"), and nesting has a bound.

type jsonKind uint8

const (
	jsonString jsonKind = iota
	jsonNumber
	jsonBool
	jsonNull
	jsonObject
	jsonArray
)

func (k jsonKind) String() string {
	return [...]string{"a string", "a number", "a boolean", "null", "an object", "an array"}[k]
}

type jsonValue struct {
	kind       jsonKind
	start, end int // an object's byte offsets in the document, '{' to after '}'

	text  string      // a string's value, a number's or boolean's text
	keys  []string    // an object's member names, in order
	elems []jsonValue // an object's member values, or an array's elements
}

// member returns the value of the object member named key, or nil.
func (v *jsonValue) member(key string) *jsonValue {
	for i, k := range v.keys {
		if k == key {
			return &v.elems[i]
		}
	}
	return nil
}

var (
	errSyntax = errors.New("syntax")
	errDepth  = errors.New("depth")
)

type jsonParseError struct {
	msg string
}

func (e *jsonParseError) Error() string { return e.msg }

// parseJSON reads doc, which must be one JSON value (with white space
// around it) in valid UTF-8.
func parseJSON(doc string) (jsonValue, error) {
	if !utf8.ValidString(doc) {
		return jsonValue{}, &jsonParseError{"document is not valid UTF-8"}
	}
	r := jsonReader{s: doc}
	r.space()
	v, err := r.value(0)
	if err != nil {
		return jsonValue{}, r.describe(err)
	}
	r.space()
	if r.i != len(r.s) {
		return jsonValue{}, r.describe(errSyntax)
	}
	return v, nil
}

type jsonReader struct {
	s string
	i int
}

func (r *jsonReader) describe(err error) error {
	if err == errDepth {
		return &jsonParseError{"nesting deeper than " + strconv.Itoa(MaxDepth)}
	}
	if dup, ok := err.(*duplicateError); ok {
		return &jsonParseError{"duplicate member " + strconv.Quote(dup.name)}
	}
	line, col := 1, 1
	for _, c := range r.s[:min(r.i, len(r.s))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &jsonParseError{"invalid JSON at line " + strconv.Itoa(line) + ", column " + strconv.Itoa(col)}
}

type duplicateError struct{ name string }

func (e *duplicateError) Error() string { return "duplicate " + e.name }

func (r *jsonReader) space() {
	for r.i < len(r.s) {
		switch r.s[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

func (r *jsonReader) value(depth int) (jsonValue, error) {
	if r.i >= len(r.s) {
		return jsonValue{}, errSyntax
	}
	switch c := r.s[r.i]; {
	case c == '{':
		return r.object(depth + 1)
	case c == '[':
		return r.array(depth + 1)
	case c == '"':
		s, err := r.str()
		return jsonValue{kind: jsonString, text: s}, err
	case c == '-' || '0' <= c && c <= '9':
		return r.number()
	case strings.HasPrefix(r.s[r.i:], "true"):
		r.i += 4
		return jsonValue{kind: jsonBool, text: "true"}, nil
	case strings.HasPrefix(r.s[r.i:], "false"):
		r.i += 5
		return jsonValue{kind: jsonBool, text: "false"}, nil
	case strings.HasPrefix(r.s[r.i:], "null"):
		r.i += 4
		return jsonValue{kind: jsonNull, text: "null"}, nil
	}
	return jsonValue{}, errSyntax
}

func (r *jsonReader) object(depth int) (jsonValue, error) {
	if depth > MaxDepth {
		return jsonValue{}, errDepth
	}
	v := jsonValue{kind: jsonObject, start: r.i}
	r.i++ // {
	r.space()
	if r.i < len(r.s) && r.s[r.i] == '}' {
		r.i++
		v.end = r.i
		return v, nil
	}
	for {
		r.space()
		if r.i >= len(r.s) || r.s[r.i] != '"' {
			return v, errSyntax
		}
		start := r.i
		k, err := r.str()
		if err != nil {
			return v, err
		}
		for _, prev := range v.keys {
			if prev == k {
				r.i = start
				return v, &duplicateError{k}
			}
		}
		r.space()
		if r.i >= len(r.s) || r.s[r.i] != ':' {
			return v, errSyntax
		}
		r.i++
		r.space()
		e, err := r.value(depth)
		if err != nil {
			return v, err
		}
		v.keys = append(v.keys, k)
		v.elems = append(v.elems, e)
		r.space()
		if r.i >= len(r.s) {
			return v, errSyntax
		}
		switch r.s[r.i] {
		case ',':
			r.i++
		case '}':
			r.i++
			v.end = r.i
			return v, nil
		default:
			return v, errSyntax
		}
	}
}

func (r *jsonReader) array(depth int) (jsonValue, error) {
	if depth > MaxDepth {
		return jsonValue{}, errDepth
	}
	r.i++ // [
	v := jsonValue{kind: jsonArray}
	r.space()
	if r.i < len(r.s) && r.s[r.i] == ']' {
		r.i++
		return v, nil
	}
	for {
		r.space()
		e, err := r.value(depth)
		if err != nil {
			return v, err
		}
		v.elems = append(v.elems, e)
		r.space()
		if r.i >= len(r.s) {
			return v, errSyntax
		}
		switch r.s[r.i] {
		case ',':
			r.i++
		case ']':
			r.i++
			return v, nil
		default:
			return v, errSyntax
		}
	}
}

// str reads a string. One without escapes is a substring of the document;
// one with escapes is decoded by encoding/json, which knows every rule of
// \u escapes and surrogate pairs.
func (r *jsonReader) str() (string, error) {
	start := r.i
	r.i++ // "
	escaped := false
	for r.i < len(r.s) {
		switch c := r.s[r.i]; {
		case c == '"':
			r.i++
			raw := r.s[start:r.i]
			if !escaped {
				return raw[1 : len(raw)-1], nil
			}
			var s string
			if err := json.Unmarshal([]byte(raw), &s); err != nil {
				r.i = start
				return "", errSyntax
			}
			return s, nil
		case c == '\\':
			escaped = true
			r.i += 2
		case c < 0x20:
			return "", errSyntax
		default:
			r.i++
		}
	}
	return "", errSyntax
}

// number reads a JSON number, keeping its text.
func (r *jsonReader) number() (jsonValue, error) {
	start := r.i
	if r.s[r.i] == '-' {
		r.i++
	}
	digits := func() int {
		n := 0
		for r.i < len(r.s) && '0' <= r.s[r.i] && r.s[r.i] <= '9' {
			r.i++
			n++
		}
		return n
	}
	intStart := r.i
	if digits() == 0 || r.s[intStart] == '0' && r.i-intStart > 1 {
		return jsonValue{}, errSyntax
	}
	if r.i < len(r.s) && r.s[r.i] == '.' {
		r.i++
		if digits() == 0 {
			return jsonValue{}, errSyntax
		}
	}
	if r.i < len(r.s) && (r.s[r.i] == 'e' || r.s[r.i] == 'E') {
		r.i++
		if r.i < len(r.s) && (r.s[r.i] == '+' || r.s[r.i] == '-') {
			r.i++
		}
		if digits() == 0 {
			return jsonValue{}, errSyntax
		}
	}
	return jsonValue{kind: jsonNumber, text: r.s[start:r.i]}, nil
}
