package main

import (
	"bytes"
	"log/slog"
	"net"
	"strings"
	"testing"
)

func TestNewLogger(t *testing.T) {
	for _, tt := range []struct {
		level, format string
		ok            bool
	}{
		{"debug", "text", true},
		{"info", "json", true},
		{"warn", "text", true},
		{"error", "json", true},
		{"INFO", "text", false},
		{"info+2", "text", false}, // slog would take it; the flag's doc does not
		{"info", "logfmt", false},
	} {
		var buf bytes.Buffer
		l, err := newLogger(&buf, tt.level, tt.format)
		if (err == nil) != tt.ok {
			t.Errorf("newLogger(%q, %q): err = %v, want ok = %v", tt.level, tt.format, err, tt.ok)
			continue
		}
		if err != nil {
			continue
		}
		l.Error("hello")
		if tt.format == "json" && !strings.HasPrefix(buf.String(), "{") || tt.format == "text" && !strings.HasPrefix(buf.String(), "time=") {
			t.Errorf("%s logger wrote %q", tt.format, buf.String())
		}
		if l.Enabled(t.Context(), slog.LevelDebug) != (tt.level == "debug") {
			t.Errorf("level %s: debug enabled = %v", tt.level, !(tt.level == "debug"))
		}
	}
}

func TestEndpointURL(t *testing.T) {
	for _, tt := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9000}, "http://127.0.0.1:9000"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 9000}, "http://localhost:9000"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 80}, "http://localhost:80"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 9000}, "http://[::1]:9000"},
	} {
		if got := endpointURL(tt.addr); got != tt.want {
			t.Errorf("endpointURL(%v) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}
