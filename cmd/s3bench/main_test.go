package main

import "testing"

func TestParseSize(t *testing.T) {
	good := map[string]int64{"4096": 4096, "4KiB": 4096, "4k": 4096, "64MiB": 64 << 20, "64 MB": 64 << 20, "2GiB": 2 << 30, "5GiB": 5 << 30}
	for in, want := range good {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "KiB", "4TiB", "6GiB", "-1", "1.5MiB", "99999999999999999999"} {
		if got, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", in, got)
		}
	}
}

func TestLoopback(t *testing.T) {
	for ep, want := range map[string]bool{
		"http://127.0.0.1:9000": true, "http://127.5.0.1": true, "http://[::1]:9000": true,
		"http://localhost:9000": true, "http://10.0.0.1:9000": false, "https://s3.amazonaws.com": false,
		"http://[::ffff:127.0.0.1]:80": true, "::": false,
	} {
		if got := loopback(ep); got != want {
			t.Errorf("loopback(%q) = %v, want %v", ep, got, want)
		}
	}
}
