package arn

import (
	"unicode"
	"unicode/utf8"
)

// Glob reports whether value matches pattern, in which '*' matches any run
// of characters (the empty one too) and '?' matches exactly one character
// (a UTF-8 encoded rune). Every other byte matches itself, case-sensitively;
// there is no escape character, which is IAM's rule: a policy spells a
// literal '*' as the policy variable ${*}.
//
// Glob runs in O(len(pattern)·len(value)) time at worst, and does not
// allocate.
func Glob(pattern, value string) bool { return glob(pattern, value, false) }

// GlobFold is Glob with Unicode case folding, as AWS matches actions:
// "s3:get*" matches "s3:GetObject".
func GlobFold(pattern, value string) bool { return glob(pattern, value, true) }

// glob is the classic iterative matcher: on a mismatch it returns to the
// most recent '*' and lets that star swallow one more rune. Backtracking to
// an earlier star is never needed, since the later star can match
// anything the earlier one could have.
func glob(p, v string, fold bool) bool {
	pi, vi := 0, 0
	star, starV := -1, 0
	for vi < len(v) {
		if pi < len(p) {
			switch c := p[pi]; {
			case c == '*':
				star, starV = pi, vi
				pi++
				continue
			case c == '?':
				_, n := utf8.DecodeRuneInString(v[vi:])
				pi++
				vi += n
				continue
			case c == v[vi] && (!fold || c < utf8.RuneSelf):
				// Byte by byte is right for exact matching; folding must
				// compare whole runes, or two different runes that share
				// a lead byte would decode as equal errors.
				pi++
				vi++
				continue
			case fold:
				pr, pn := utf8.DecodeRuneInString(p[pi:])
				vr, vn := utf8.DecodeRuneInString(v[vi:])
				if EqualFoldRune(pr, vr) {
					pi += pn
					vi += vn
					continue
				}
			}
		}
		if star < 0 {
			return false
		}
		_, n := utf8.DecodeRuneInString(v[starV:])
		starV += n
		pi, vi = star+1, starV
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// EqualFoldRune reports whether a and b are equal under Unicode simple case
// folding, as strings.EqualFold compares runes.
func EqualFoldRune(a, b rune) bool {
	if a == b {
		return true
	}
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		return a == b
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}
