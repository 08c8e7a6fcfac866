package identitypool

import (
	"regexp"
	"sort"
	"testing"
	"time"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestTimeUUID: identity ids are version 7 UUIDs that sort by creation
// time (so a batch of new identities shares the store's pages) and differ
// in their random part even within one millisecond.
func TestTimeUUID(t *testing.T) {
	base := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	var ids []string
	seen := map[string]bool{}
	for i := range 200 {
		id := newTimeUUID(base.Add(time.Duration(i/4) * time.Millisecond))
		if !uuidRE.MatchString(id) {
			t.Fatalf("%q is not a version 7 UUID", id)
		}
		if seen[id] {
			t.Fatalf("%q made twice", id)
		}
		seen[id] = true
		ids = append(ids, id)
	}
	for i := 4; i < len(ids); i += 4 {
		if ids[i][:13] <= ids[i-4][:13] {
			t.Fatalf("ids of later milliseconds do not sort later: %s after %s", ids[i], ids[i-4])
		}
	}
	sorted := append([]string(nil), ids...)
	sort.Strings(sorted)
	if sorted[0][:13] != ids[0][:13] || sorted[len(sorted)-1][:13] != ids[len(ids)-1][:13] {
		t.Error("ids do not sort by time")
	}
}
