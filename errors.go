package wicket

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error by what the caller can do about it. Services
// return kinds; each protocol edge (S3, STS, IAM, identity pools) owns the
// one table that turns a kind into its wire code and HTTP status, so that no
// service needs to know how any API spells an error.
type Kind int

// The kinds of error. Other must stay zero so that an Error literal without
// a Kind defers to the kind of the error it wraps.
const (
	Other           Kind = iota // unclassified; KindOf looks further down the chain
	Invalid                     // the request is malformed or an argument is out of range
	NotFound                    // the named thing does not exist
	Conflict                    // the thing exists already, or is in a state that forbids the operation
	AccessDenied                // the caller is known but not allowed
	Unauthenticated             // the caller could not be identified (bad or missing signature, unknown key)
	Expired                     // credentials, a token or a presigned URL are past their time
	NotImplemented              // a valid request for something Wicket does not do
	TooLarge                    // a body, header or argument exceeds a bound
	Unavailable                 // try again later: overloaded, shutting down, a backend is down
	Internal                    // a bug or a broken invariant; never the caller's fault
)

var kindNames = [...]string{
	Other:           "other error",
	Invalid:         "invalid",
	NotFound:        "not found",
	Conflict:        "conflict",
	AccessDenied:    "access denied",
	Unauthenticated: "unauthenticated",
	Expired:         "expired",
	NotImplemented:  "not implemented",
	TooLarge:        "too large",
	Unavailable:     "unavailable",
	Internal:        "internal error",
}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown kind"
}

// Error is the one error type of Wicket, after upspin's errors.Error.
//
// Message is written for the client and may be sent over the wire as it is;
// Err is for operators and logs and must never reach a client, since it can
// hold paths, SQL or other internals.
type Error struct {
	Op      string // the operation that failed, as "package.Function" or an API action name
	Kind    Kind
	Code    string // a precise wire code ("NoSuchBucket") that overrides the edge's table; usually empty
	Message string // safe to show the client
	Err     error  // the underlying cause, if any
}

// E builds an *Error for op from args, each of which may be:
//
//	Kind    the kind of the error
//	string  the client-safe message
//	error   the underlying cause
//
// An argument of any other type is a bug in the caller; rather than panic on
// an error path, E keeps the error and records the mistake in its message.
func E(op string, args ...any) error {
	e := &Error{Op: op}
	for _, arg := range args {
		switch a := arg.(type) {
		case Kind:
			e.Kind = a
		case string:
			e.Message = a
		case error:
			e.Err = a
		default:
			e.Message = strings.TrimSpace(fmt.Sprintf("%s (wicket.E: bad argument of type %T)", e.Message, a))
		}
	}
	return e
}

// Error renders op, kind, message and cause as "op: kind: message: cause",
// leaving out empty parts and a kind that the wrapped *Error already says.
func (e *Error) Error() string {
	var b strings.Builder
	add := func(s string) {
		if s == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(s)
	}
	add(e.Op)
	if e.Kind != Other {
		var inner *Error
		if !errors.As(e.Err, &inner) || inner.Kind != e.Kind {
			add(e.Kind.String())
		}
	}
	add(e.Message)
	if e.Err != nil {
		add(e.Err.Error())
	}
	if b.Len() == 0 {
		return "no error"
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrOutcomeUnknown marks a failed write that may stand all the same: its
// commit failed at the last step (the log's fsync), after which a crash
// may still replay it. What such a write would point at (a new blob) is
// kept, not deleted; the start-up sweep removes it if the write did not
// stand.
var ErrOutcomeUnknown = errors.New("the write may have been committed")

// KindOf returns the first kind other than Other found along err's chain,
// so that wrapping an error without a kind keeps the kind of its cause.
func KindOf(err error) Kind {
	var e *Error
	for errors.As(err, &e) {
		if e.Kind != Other {
			return e.Kind
		}
		err = e.Err
	}
	return Other
}

// CodeOf returns the first wire-code override found along err's chain, or "".
func CodeOf(err error) string {
	var e *Error
	for errors.As(err, &e) {
		if e.Code != "" {
			return e.Code
		}
		err = e.Err
	}
	return ""
}

// MessageOf returns the outermost client-safe message along err's chain, or
// "". The causes' Error texts are skipped on purpose: they are not for clients.
func MessageOf(err error) string {
	var e *Error
	for errors.As(err, &e) {
		if e.Message != "" {
			return e.Message
		}
		err = e.Err
	}
	return ""
}
