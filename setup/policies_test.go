package setup

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/wicket-io/wicket/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestPolicies pins every document a preset writes in testdata/<preset>.golden,
// so that a change to what guests and users may do shows in review, and
// checks each with Wicket's own parser.
func TestPolicies(t *testing.T) {
	for _, p := range []Preset{
		{Preset: GuestAssets, Bucket: "photos", Prefix: "public/"},
		{Preset: AmplifyStorage, Bucket: "media"},
	} {
		var out bytes.Buffer
		show := func(title, doc string, kind policy.Type) {
			if _, err := policy.Parse([]byte(doc), kind); err != nil {
				t.Errorf("%s %s: %v", p.Preset, title, err)
			}
			var b bytes.Buffer
			json.Indent(&b, []byte(doc), "", "  ")
			fmt.Fprintf(&out, "## %s\n%s\n\n", title, b.String())
		}
		show("trust of "+p.GuestRole(), trustPolicy("us-east-1:00000000-0000-0000-0000-000000000000", "unauthenticated"), policy.Trust)
		show("trust of "+p.UserRole(), trustPolicy("us-east-1:00000000-0000-0000-0000-000000000000", "authenticated"), policy.Trust)
		guest, user := policiesFor(p)
		for _, rp := range guest {
			show(p.GuestRole()+"/"+rp.name, rp.doc, policy.Identity)
		}
		for _, rp := range user {
			show(p.UserRole()+"/"+rp.name, rp.doc, policy.Identity)
		}
		r := corsRuleFor(p.Preset)
		b, _ := json.MarshalIndent(r, "", "  ")
		fmt.Fprintf(&out, "## CORS rule\n%s\n", b)

		path := filepath.Join("testdata", p.Preset+".golden")
		if *update {
			if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test -update writes it)", err)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("%s differs (go test -update rewrites it):\n%s", path, out.Bytes())
		}
	}
}
