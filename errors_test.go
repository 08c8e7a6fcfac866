package wicket_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/wicket-io/wicket"
)

func TestErrorString(t *testing.T) {
	cause := fs.ErrNotExist
	tests := []struct {
		err  error
		want string
	}{
		{wicket.E("s3.GetObject", wicket.NotFound, "The specified key does not exist."),
			"s3.GetObject: not found: The specified key does not exist."},
		{wicket.E("fs.Open", cause), "fs.Open: file does not exist"},
		{wicket.E("op"), "op"},
		{&wicket.Error{}, "no error"},
		// The kind is said once, by the innermost error that has it.
		{wicket.E("outer", wicket.NotFound, wicket.E("inner", wicket.NotFound, "gone")),
			"outer: inner: not found: gone"},
		{wicket.E("outer", wicket.Internal, wicket.E("inner", wicket.NotFound)),
			"outer: internal error: inner: not found"},
		{wicket.E("op", 42), "op: (wicket.E: bad argument of type int)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		err  error
		want wicket.Kind
	}{
		{nil, wicket.Other},
		{errors.New("plain"), wicket.Other},
		{wicket.E("op", wicket.Expired), wicket.Expired},
		// Wrapping without a kind keeps the cause's kind ...
		{wicket.E("outer", wicket.E("inner", wicket.Conflict)), wicket.Conflict},
		{fmt.Errorf("context: %w", wicket.E("op", wicket.AccessDenied)), wicket.AccessDenied},
		{errors.Join(errors.New("a"), wicket.E("op", wicket.TooLarge)), wicket.TooLarge},
		// ... and the outer kind wins when it has one.
		{wicket.E("outer", wicket.Unavailable, wicket.E("inner", wicket.NotFound)), wicket.Unavailable},
	}
	for _, tt := range tests {
		if got := wicket.KindOf(tt.err); got != tt.want {
			t.Errorf("KindOf(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestCodeAndMessageOf(t *testing.T) {
	inner := &wicket.Error{Op: "s3.GetObject", Kind: wicket.NotFound, Code: "NoSuchKey", Message: "The specified key does not exist."}
	err := fmt.Errorf("handler: %w", wicket.E("outer", inner))
	if got := wicket.CodeOf(err); got != "NoSuchKey" {
		t.Errorf("CodeOf = %q", got)
	}
	if got := wicket.MessageOf(err); got != inner.Message {
		t.Errorf("MessageOf = %q", got)
	}
	// A cause's text is for logs, never for the client.
	if got := wicket.MessageOf(wicket.E("op", errors.New("pq: password authentication failed"))); got != "" {
		t.Errorf("MessageOf leaked the cause: %q", got)
	}
	if !errors.Is(err, inner) {
		t.Error("Unwrap does not reach the cause")
	}
}

func TestRequestID(t *testing.T) {
	ctx := wicket.WithRequestID(context.Background(), "0123456789ABCDEF")
	if got := wicket.RequestID(ctx); got != "0123456789ABCDEF" {
		t.Errorf("RequestID = %q", got)
	}
	if got := wicket.RequestID(context.Background()); got != "" {
		t.Errorf("RequestID of a bare context = %q", got)
	}
}

func TestKindString(t *testing.T) {
	for k := wicket.Other; k <= wicket.Internal; k++ {
		if s := k.String(); s == "" || s == "unknown kind" {
			t.Errorf("Kind(%d) has no name", k)
		}
	}
	for _, k := range []wicket.Kind{-1, 200} {
		if s := k.String(); s != "unknown kind" {
			t.Errorf("Kind(%d).String() = %q", int(k), s)
		}
	}
}
