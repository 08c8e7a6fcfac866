package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/wicket-io/wicket/sts/keyring"
)

// TestKeysRotate: rotating keeps old tokens working; retiring ends them.
func TestKeysRotate(t *testing.T) {
	data := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		cmd := newRootCmd()
		cmd.SetArgs(append([]string{"keys", "--data", data}, args...))
		cmd.SetOut(&out)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("keys %v: %v", args, err)
		}
		return out.String()
	}
	k, err := keyring.Open(keysDir(data), keyring.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	creds, err := k.Issue(keyring.Claims{Role: "arn:aws:iam::000000000000:role/r", Issued: now, Expires: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	opens := func() bool {
		k, err := keyring.Open(keysDir(data), keyring.Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = k.Open(creds.AccessKeyID, creds.SessionToken, time.Now())
		return err == nil
	}
	before := run("list")
	if strings.Count(before, "master ") != 1 || strings.Count(before, "signing ") != 1 {
		t.Fatalf("list = %q", before)
	}
	after := run("rotate-master")
	if strings.Count(after, "master ") != 2 || !opens() {
		t.Errorf("after rotate-master: %q, old token opens: %v", after, opens())
	}
	if out := run("rotate-signing"); strings.Count(out, "signing ") != 2 {
		t.Errorf("after rotate-signing: %q", out)
	}
	run("retire-master")
	if opens() {
		t.Error("a token sealed by a retired master key still opens")
	}
}
