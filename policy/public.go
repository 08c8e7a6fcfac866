package policy

import "strings"

// Public reports whether a resource policy grants public access as S3's
// Block Public Access understands it ("The meaning of public" in the S3
// User Guide; PublicAccessBlockConfiguration in the API reference): some
// Allow statement names everyone (Principal "*", {"AWS": "*"}, or a
// NotPrincipal), grants a "bad action" — one that can expose data, s3:Get*,
// s3:List*, s3:Put*, s3:Delete*, s3:AbortMultipartUpload,
// s3:RestoreObject, or a wildcard that could stand for one — and is not
// held to fixed values of a key that confines it to known callers or
// networks (aws:SourceIp, aws:SourceArn, aws:SourceVpc, aws:SourceVpce,
// aws:SourceOwner, aws:SourceAccount, aws:PrincipalAccount,
// aws:PrincipalArn, aws:PrincipalOrgID, aws:userid, s3:DataAccessPointArn,
// s3:DataAccessPointAccount, s3:x-amz-server-side-encryption-aws-kms-key-id).
// A value is fixed when it has no wildcard and no policy variable; an
// address range is fixed unless it is all addresses. Where S3's analysis is
// finer than this, Public errs towards public: a policy it calls public is
// refused under BlockPublicPolicy rather than let through. Parse decides it
// once; a request under RestrictPublicBuckets only reads it.
func (p *Policy) Public() bool {
	return p != nil && p.public
}

// grantsPublic decides Public, for Parse.
func (p *Policy) grantsPublic() bool {
	for i := range p.stmts {
		st := &p.stmts[i]
		if st.deny || st.principal == nil || !st.notPrincipal && !st.principal.all {
			continue
		}
		if !st.grantsBadAction() {
			continue
		}
		confined := false
		for j := range st.conds {
			if st.conds[j].confines() {
				confined = true
				break
			}
		}
		if !confined {
			return true
		}
	}
	return false
}

// badActionPrefixes are the beginnings of the actions S3 calls bad, lower
// case; badActions the whole ones.
var (
	badActionPrefixes = []string{"s3:get", "s3:list", "s3:put", "s3:delete"}
	badActions        = []string{"s3:abortmultipartupload", "s3:restoreobject"}
)

// grantsBadAction reports whether the statement's actions could include a
// bad action. NotAction, and a glob other than a trailing *, count as bad.
func (st *statement) grantsBadAction() bool {
	if st.notAction {
		return true
	}
	for _, a := range st.actions {
		switch a.kind {
		case patAny, patTokens:
			return true
		case patLiteral:
			for _, p := range badActionPrefixes {
				if strings.HasPrefix(a.lit, p) {
					return true
				}
			}
			for _, b := range badActions {
				if a.lit == b {
					return true
				}
			}
		case patPrefix: // a.lit* stands for any action that begins with a.lit
			for _, p := range badActionPrefixes {
				if strings.HasPrefix(a.lit, p) || strings.HasPrefix(p, a.lit) {
					return true
				}
			}
			for _, b := range badActions {
				if strings.HasPrefix(b, a.lit) {
					return true
				}
			}
		}
	}
	return false
}

// confiningKeys are the condition keys whose fixed values keep a statement
// that names everyone from being public, lower case.
var confiningKeys = map[string]bool{
	"aws:sourceip": true, "aws:sourcearn": true, "aws:sourcevpc": true, "aws:sourcevpce": true,
	"aws:sourceowner": true, "aws:sourceaccount": true, "aws:principalaccount": true,
	"aws:principalarn": true, "aws:principalorgid": true, "aws:userid": true,
	"s3:dataaccesspointarn": true, "s3:dataaccesspointaccount": true,
	"s3:x-amz-server-side-encryption-aws-kms-key-id": true,
}

// confines reports whether the condition holds a confining key to fixed
// values: a positive operator that must match (no IfExists, no set
// operator), every value without a wildcard or variable, every address
// range narrower than all addresses.
func (c *condition) confines() bool {
	if !confiningKeys[c.key] || c.op.neg || c.ifExists || c.set != setNone {
		return false
	}
	switch c.op.family {
	case opString, opStringFold:
		for _, s := range c.strs {
			if s.kind != patLiteral || s.nvars > 0 {
				return false
			}
		}
		return len(c.strs) > 0
	case opStringLike:
		for _, s := range c.strs {
			if s.kind != patLiteral || s.nvars > 0 || strings.ContainsAny(s.lit, "*?") {
				return false
			}
		}
		return len(c.strs) > 0
	case opARN:
		for _, a := range c.arns {
			if a.kind != patLiteral {
				return false
			}
		}
		return len(c.arns) > 0
	case opIP:
		for _, n := range c.nets {
			if n.Bits() == 0 {
				return false
			}
		}
		return len(c.nets) > 0
	}
	return false
}
