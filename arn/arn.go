// Package arn parses, formats and matches Amazon Resource Names, the
// identifiers that IAM policies grant on:
//
//	arn:partition:service:region:account-id:resource
//
// Parse is strict about the shape (six colon-separated components, with the
// resource taking the rest of the string, colons and slashes included) and
// lenient about content, since every service spells its resources its own
// way. Match applies a policy's Resource pattern as AWS does: component by
// component, so that a wildcard in the region never swallows the account.
// Glob and GlobFold are the plain wildcard matchers behind it, for the
// StringLike condition operator and for actions.
//
// The package imports only the standard library, and matching never
// allocates.
package arn

import (
	"errors"
	"strconv"
	"strings"
)

// MaxLen bounds the length of an ARN that Parse accepts. AWS's own limit
// for most resources is 2048 bytes; an S3 object ARN (a 63-byte bucket name
// and a 1024-byte key) fits well within it.
const MaxLen = 4096

// ARN is a parsed Amazon Resource Name.
type ARN struct {
	Partition string // "aws", "aws-cn", "aws-us-gov"...
	Service   string // "s3", "iam", "sts"...
	Region    string // empty for global services such as S3 bucket ARNs and IAM
	Account   string // 12 digits, "aws" for AWS-managed policies, or empty
	Resource  string // the rest, which may itself contain ':' and '/'
}

// Errors returned by Parse, wrapped with the offending input.
var (
	ErrPrefix    = errors.New(`arn: does not begin with "arn:"`)
	ErrSections  = errors.New("arn: not enough sections (want arn:partition:service:region:account:resource)")
	ErrPartition = errors.New("arn: invalid partition")
	ErrService   = errors.New("arn: invalid service")
	ErrRegion    = errors.New("arn: invalid region")
	ErrAccount   = errors.New("arn: invalid account")
	ErrResource  = errors.New("arn: empty resource")
	ErrTooLong   = errors.New("arn: too long")
)

// parseError keeps the input beside the reason, yet still unwraps to one of
// the sentinel errors above for errors.Is.
type parseError struct {
	input string
	err   error
}

func (e *parseError) Error() string {
	in := e.input
	if len(in) > 80 {
		in = in[:80] + "..."
	}
	return e.err.Error() + ": " + strconv.Quote(in)
}

func (e *parseError) Unwrap() error { return e.err }

// Parse parses s as arn:partition:service:region:account:resource.
//
// The partition and service must be non-empty and made of lower-case
// letters, digits and '-'; the region the same or empty; the account
// letters, digits and '-' or empty (AWS-managed policies have the account
// "aws"); the resource must be non-empty and may contain anything,
// including ':' and '/'. Wildcards are not special to Parse: a Resource
// pattern of a policy parses as well as the ARN it matches.
func Parse(s string) (ARN, error) {
	if len(s) > MaxLen {
		return ARN{}, &parseError{s, ErrTooLong}
	}
	if !strings.HasPrefix(s, "arn:") {
		return ARN{}, &parseError{s, ErrPrefix}
	}
	var c [6]string
	if !split(s, &c) {
		return ARN{}, &parseError{s, ErrSections}
	}
	a := ARN{Partition: c[1], Service: c[2], Region: c[3], Account: c[4], Resource: c[5]}
	switch {
	case a.Partition == "" || !isName(a.Partition, false):
		return ARN{}, &parseError{s, ErrPartition}
	case a.Service == "" || !isName(a.Service, false):
		return ARN{}, &parseError{s, ErrService}
	case !isName(a.Region, false):
		return ARN{}, &parseError{s, ErrRegion}
	case !isName(a.Account, true):
		return ARN{}, &parseError{s, ErrAccount}
	case a.Resource == "":
		return ARN{}, &parseError{s, ErrResource}
	}
	return a, nil
}

// isName reports whether s is made of lower-case letters, digits and '-'
// (and upper-case letters too if upper is set).
func isName(s string, upper bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-':
		case upper && 'A' <= c && c <= 'Z':
		default:
			return false
		}
	}
	return true
}

// String formats a as arn:partition:service:region:account:resource.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// split cuts s at its first five colons into c, the last component taking
// the rest of s. It reports false if s has fewer than five colons.
func split(s string, c *[6]string) bool {
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(s, ':')
		if j < 0 {
			return false
		}
		c[i], s = s[:j], s[j+1:]
	}
	c[5] = s
	return true
}

// Match reports whether value matches the policy Resource pattern as AWS
// matches ARNs: the six colon-separated components are matched separately,
// each with Glob, so that a wildcard never spans a colon between the first
// five; the resource component takes the rest of each string, colons
// included. Matching is case-sensitive. A pattern of a single "*" matches
// any value, ARN or not; otherwise a pattern or value that does not have
// six components matches nothing.
func Match(pattern, value string) bool {
	if pattern == "*" {
		return true
	}
	var p, v [6]string
	if !split(pattern, &p) || !split(value, &v) {
		return false
	}
	for i := range p {
		if !Glob(p[i], v[i]) {
			return false
		}
	}
	return true
}
