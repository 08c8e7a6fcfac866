package identitypool

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/storage/memory"
	"github.com/wicket-io/wicket/storage/sqlite"
	"github.com/wicket-io/wicket/sts/keyring"
)

// One subject is stored as a string, as before identities could hold
// several; more as an array.
func TestSubjectsJSON(t *testing.T) {
	for _, c := range []struct {
		doc  string
		subs Subjects
	}{
		{`"alice"`, Subjects{"alice"}},
		{`["alice","bob"]`, Subjects{"alice", "bob"}},
	} {
		var got Subjects
		if err := json.Unmarshal([]byte(c.doc), &got); err != nil || !slices.Equal(got, c.subs) {
			t.Errorf("decode %s = %q, %v; want %q", c.doc, got, err, c.subs)
		}
		b, err := json.Marshal(c.subs)
		if err != nil || string(b) != c.doc {
			t.Errorf("encode %q = %s, %v; want %s", c.subs, b, err, c.doc)
		}
	}
	var bad Subjects
	if err := json.Unmarshal([]byte(`{"a":1}`), &bad); err == nil {
		t.Errorf("an object decoded as subjects: %q", bad)
	}
}

// fakeKeys signs nothing: the tests here need tokens to exist, not to
// verify.
type fakeKeys struct{}

func (fakeKeys) Issue(keyring.Claims) (keyring.Credentials, error) { return keyring.Credentials{}, nil }
func (fakeKeys) SignJWT(map[string]any) (string, error)            { return "token", nil }
func (fakeKeys) VerifyJWT(string, time.Time) (map[string]any, error) {
	return nil, wicket.E("fakeKeys", wicket.Unauthenticated, "no tokens here")
}

// Identities stored before identities could hold several developer users
// are read as they were, in both document stores; one merged by those
// versions (the source user linked to the destination identity, which
// did not list it) takes its source user in when that user logs in.
func TestIdentitiesStoredBefore(t *testing.T) {
	stores := map[string]func(t *testing.T) wicket.DocStore{
		"memory": func(*testing.T) wicket.DocStore { return memory.NewDocStore() },
		"sqlite": func(t *testing.T) wicket.DocStore {
			st, err := sqlite.Open(filepath.Join(t.TempDir(), "meta.db"), sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			docs := open(t)
			s := New(Options{Docs: docs, Keyring: fakeKeys{}, Region: "us-east-1"})
			p, err := s.CreatePool(ctx, &Pool{Name: "old", DeveloperProviderName: "login.myapp"})
			if err != nil {
				t.Fatal(err)
			}
			const alice, carol = "us-east-1:00000000-0000-7000-8000-00000000000a", "us-east-1:00000000-0000-7000-8000-00000000000c"
			// As the previous version wrote them, with bob merged into
			// alice and dave into carol.
			old := map[string]string{
				alice: `{"ID":"` + alice + `","Pool":"` + p.ID + `","Logins":{"login.myapp":"alice"},"Created":"2026-01-02T00:00:00Z","Modified":"2026-01-02T00:00:00Z","LastUsed":"2026-01-02T00:00:00Z"}`,
				carol: `{"ID":"` + carol + `","Pool":"` + p.ID + `","Logins":{"login.myapp":"carol"},"Created":"2026-01-02T00:00:00Z","Modified":"2026-01-02T00:00:00Z","LastUsed":"2026-01-02T00:00:00Z"}`,
			}
			err = docs.Update(ctx, func(tx wicket.DocTx) error {
				for id, doc := range old {
					if err := tx.Put(collIdentities, id, []byte(doc)); err != nil {
						return err
					}
				}
				for user, id := range map[string]string{"alice": alice, "bob": alice, "carol": carol, "dave": carol} {
					if err := tx.Put(collLogins, loginKey(p.ID, "login.myapp", user), []byte(id)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			lookup := func(id string) []string {
				t.Helper()
				d, err := s.LookupDeveloperIdentity(ctx, DeveloperLookup{Pool: p.ID, IdentityID: id})
				if err != nil {
					t.Fatalf("LookupDeveloperIdentity %s: %v", id, err)
				}
				return d.Users
			}
			if got := lookup(carol); !slices.Equal(got, []string{"carol"}) {
				t.Errorf("carol's users = %q", got)
			}
			if d, err := s.LookupDeveloperIdentity(ctx, DeveloperLookup{Pool: p.ID, User: "carol"}); err != nil || d.IdentityID != carol {
				t.Errorf("carol's identity = %+v, %v", d, err)
			}
			id, _, err := s.GetOpenIDTokenForDeveloper(ctx, p.ID, "", map[string]string{"login.myapp": "bob"}, nil, 0)
			if err != nil || id != alice {
				t.Fatalf("bob's token is for %s, %v; want alice's identity", id, err)
			}
			if got := lookup(alice); !slices.Equal(got, []string{"alice", "bob"}) {
				t.Errorf("alice's users after bob logged in = %q", got)
			}
			var doc []byte
			err = docs.View(ctx, func(tx wicket.DocReader) error {
				doc, err = tx.Get(collIdentities, alice)
				return err
			})
			if err != nil || !strings.Contains(string(doc), `"Logins":{"login.myapp":["alice","bob"]}`) {
				t.Errorf("alice's identity stored as %s, %v", doc, err)
			}
			// Merging dave moves carol's identity whole, dave included.
			if _, err := s.MergeDeveloperIdentities(ctx, p.ID, "login.myapp", "dave", "bob"); err != nil {
				t.Fatal(err)
			}
			if got := lookup(alice); !slices.Equal(got, []string{"alice", "bob", "carol", "dave"}) {
				t.Errorf("alice's users after dave merged in = %q", got)
			}
			for _, user := range []string{"carol", "dave"} {
				if d, err := s.LookupDeveloperIdentity(ctx, DeveloperLookup{Pool: p.ID, User: user}); err != nil || d.IdentityID != alice {
					t.Errorf("%s's identity after the merge = %+v, %v; want alice's", user, d, err)
				}
			}
		})
	}
}
