package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
)

// RunDocStore runs the DocStore suite against stores made by newStore, one
// fresh store per subtest. newStore should close its store with t.Cleanup.
func RunDocStore(t *testing.T, newStore func(t *testing.T) wicket.DocStore) {
	t.Run("RoundTrip", func(t *testing.T) { testDocRoundTrip(t, newStore(t)) })
	t.Run("Replace", func(t *testing.T) { testDocReplace(t, newStore(t)) })
	t.Run("Delete", func(t *testing.T) { testDocDelete(t, newStore(t)) })
	t.Run("NotFound", func(t *testing.T) { testDocNotFound(t, newStore(t)) })
	t.Run("InvalidNames", func(t *testing.T) { testDocInvalidNames(t, newStore(t)) })
	t.Run("TooLarge", func(t *testing.T) { testDocTooLarge(t, newStore(t)) })
	t.Run("Collections", func(t *testing.T) { testDocCollections(t, newStore(t)) })
	t.Run("ScanOrder", func(t *testing.T) { testDocScanOrder(t, newStore(t)) })
	t.Run("ScanLarge", func(t *testing.T) { testDocScanLarge(t, newStore(t)) })
	t.Run("ScanStop", func(t *testing.T) { testDocScanStop(t, newStore(t)) })
	t.Run("ScanNested", func(t *testing.T) { testDocScanNested(t, newStore(t)) })
	t.Run("ScanWhileWriting", func(t *testing.T) { testDocScanWhileWriting(t, newStore(t)) })
	t.Run("UpdateAtomic", func(t *testing.T) { testDocUpdateAtomic(t, newStore(t)) })
	t.Run("UpdatePanics", func(t *testing.T) { testDocUpdatePanics(t, newStore(t)) })
	t.Run("ReadYourWrites", func(t *testing.T) { testDocReadYourWrites(t, newStore(t)) })
	t.Run("ViewSnapshot", func(t *testing.T) { testDocViewSnapshot(t, newStore(t)) })
	t.Run("ViewSnapshotRace", func(t *testing.T) { testDocViewSnapshotRace(t, newStore(t)) })
	t.Run("ConcurrentUpdates", func(t *testing.T) { testDocConcurrentUpdates(t, newStore(t)) })
	t.Run("CancelledContext", func(t *testing.T) { testDocCancelledContext(t, newStore(t)) })
	t.Run("Copies", func(t *testing.T) { testDocCopies(t, newStore(t)) })
	t.Run("TxAfterReturn", func(t *testing.T) { testDocTxAfterReturn(t, newStore(t)) })
}

// maxDoc is the largest document a store must keep (1 MiB).
const maxDoc = 1 << 20

func putDoc(t *testing.T, s wicket.DocStore, coll, id, doc string) {
	t.Helper()
	if err := s.Update(ctx, func(tx wicket.DocTx) error { return tx.Put(coll, id, []byte(doc)) }); err != nil {
		t.Fatalf("Put(%q, %q): %v", coll, id, err)
	}
}

func getDoc(s wicket.DocStore, coll, id string) (doc []byte, err error) {
	err = s.View(ctx, func(tx wicket.DocReader) error {
		doc, err = tx.Get(coll, id)
		return err
	})
	return doc, err
}

func wantDoc(t *testing.T, s wicket.DocStore, coll, id, want string) {
	t.Helper()
	got, err := getDoc(s, coll, id)
	if err != nil || string(got) != want {
		t.Errorf("Get(%q, %q) = %q, %v; want %q", coll, id, got, err, want)
	}
}

func wantNoDoc(t *testing.T, s wicket.DocStore, coll, id string) {
	t.Helper()
	got, err := getDoc(s, coll, id)
	if wicket.KindOf(err) != wicket.NotFound {
		t.Errorf("Get(%q, %q) = %q, %v; want NotFound", coll, id, got, err)
	}
}

type docEntry struct{ id, doc string }

// scanAll scans r and returns what fn was given. It may run inside an
// Update's fn, which may run on a goroutine of the store's: so it reports
// with Errorf, never Fatal, which would end that goroutine.
func scanAll(t *testing.T, r wicket.DocReader, coll, prefix, after string) []docEntry {
	t.Helper()
	var out []docEntry
	err := r.Scan(coll, prefix, after, func(id string, doc []byte) bool {
		out = append(out, docEntry{id, string(doc)})
		return true
	})
	if err != nil {
		t.Errorf("Scan(%q, %q, %q): %v", coll, prefix, after, err)
	}
	return out
}

func entryIDs(es []docEntry) []string {
	var ids []string
	for _, e := range es {
		ids = append(ids, e.id)
	}
	return ids
}

func testDocRoundTrip(t *testing.T, s wicket.DocStore) {
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	docs := map[string]string{
		"alice":  `{"UserName":"alice","Arn":"arn:aws:iam::000000000000:user/alice"}`,
		"binary": string(binary),
		"empty":  "",
		"big":    strings.Repeat("x", 64<<10),
	}
	err := s.Update(ctx, func(tx wicket.DocTx) error {
		for id, doc := range docs {
			if err := tx.Put("users", id, []byte(doc)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	for id, doc := range docs {
		got, err := getDoc(s, "users", id)
		if err != nil || !bytes.Equal(got, []byte(doc)) {
			t.Errorf("Get(users, %s) = %d bytes, %v; want %d bytes as put", id, len(got), err, len(doc))
		}
	}
	// A nil document is the empty one.
	if err := s.Update(ctx, func(tx wicket.DocTx) error { return tx.Put("users", "nil", nil) }); err != nil {
		t.Fatalf("Put of a nil document: %v", err)
	}
	wantDoc(t, s, "users", "nil", "")
}

func testDocReplace(t *testing.T, s wicket.DocStore) {
	putDoc(t, s, "c", "k", "version one")
	putDoc(t, s, "c", "k", "version two, longer than the first")
	wantDoc(t, s, "c", "k", "version two, longer than the first")
	putDoc(t, s, "c", "k", "3")
	wantDoc(t, s, "c", "k", "3")
	err := s.View(ctx, func(tx wicket.DocReader) error {
		if got := scanAll(t, tx, "c", "", ""); !slices.Equal(got, []docEntry{{"k", "3"}}) {
			t.Errorf("Scan after replacing = %q", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testDocDelete(t *testing.T, s wicket.DocStore) {
	putDoc(t, s, "c", "k", "v")
	putDoc(t, s, "c", "other", "v")
	del := func(id string) (existed bool) {
		t.Helper()
		err := s.Update(ctx, func(tx wicket.DocTx) error {
			var err error
			existed, err = tx.Delete("c", id)
			return err
		})
		if err != nil {
			t.Fatalf("Delete(c, %s): %v", id, err)
		}
		return existed
	}
	if !del("k") {
		t.Error("Delete of an existing document said there was none")
	}
	wantNoDoc(t, s, "c", "k")
	if del("k") {
		t.Error("second Delete said there was a document")
	}
	if del("never") {
		t.Error("Delete of a document never put said there was one")
	}
	wantDoc(t, s, "c", "other", "v")
	putDoc(t, s, "c", "k", "again") // a deleted id is free again
	wantDoc(t, s, "c", "k", "again")
}

func testDocNotFound(t *testing.T, s wicket.DocStore) {
	_, err := getDoc(s, "c", "missing")
	wantErr(t, "Get in View of a missing document", err, wicket.NotFound, "")
	_, err = getDoc(s, "no-such-collection", "k")
	wantErr(t, "Get in View from a missing collection", err, wicket.NotFound, "")
	var inUpdate error
	err = s.Update(ctx, func(tx wicket.DocTx) error {
		_, inUpdate = tx.Get("c", "missing")
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	wantErr(t, "Get in Update of a missing document", inUpdate, wicket.NotFound, "")
	// A missing document is no reason to fail the transaction.
	putDoc(t, s, "c", "after", "v")
	wantDoc(t, s, "c", "after", "v")
}

func testDocInvalidNames(t *testing.T, s wicket.DocStore) {
	err := s.Update(ctx, func(tx wicket.DocTx) error {
		wantErr(t, "Put with no collection", tx.Put("", "k", []byte("v")), wicket.Invalid, "")
		wantErr(t, "Put with no id", tx.Put("c", "", []byte("v")), wicket.Invalid, "")
		wantErr(t, "Delete with no collection", second(tx.Delete("", "k")), wicket.Invalid, "")
		wantErr(t, "Delete with no id", second(tx.Delete("c", "")), wicket.Invalid, "")
		wantErr(t, "Get with no collection (Update)", second(tx.Get("", "k")), wicket.Invalid, "")
		wantErr(t, "Get with no id (Update)", second(tx.Get("c", "")), wicket.Invalid, "")
		wantErr(t, "Scan with no collection (Update)", tx.Scan("", "", "", func(string, []byte) bool { return true }), wicket.Invalid, "")
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	err = s.View(ctx, func(tx wicket.DocReader) error {
		wantErr(t, "Get with no collection (View)", second(tx.Get("", "k")), wicket.Invalid, "")
		wantErr(t, "Get with no id (View)", second(tx.Get("c", "")), wicket.Invalid, "")
		wantErr(t, "Scan with no collection (View)", tx.Scan("", "", "", func(string, []byte) bool { return true }), wicket.Invalid, "")
		return nil
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
}

func testDocTooLarge(t *testing.T, s wicket.DocStore) {
	putDoc(t, s, "c", "max", strings.Repeat("m", maxDoc))
	if got, err := getDoc(s, "c", "max"); err != nil || len(got) != maxDoc {
		t.Errorf("Get of a %d-byte document = %d bytes, %v", maxDoc, len(got), err)
	}
	var putErr error
	err := s.Update(ctx, func(tx wicket.DocTx) error {
		if err := tx.Put("c", "first", []byte("v")); err != nil {
			return err
		}
		putErr = tx.Put("c", "huge", make([]byte, maxDoc+1))
		return putErr
	})
	wantErr(t, "Put of a document over 1 MiB", putErr, wicket.TooLarge, "")
	if err != putErr {
		t.Errorf("Update = %v, want Put's error %v as it is", err, putErr)
	}
	wantNoDoc(t, s, "c", "huge")
	wantNoDoc(t, s, "c", "first")
}

func testDocCollections(t *testing.T, s wicket.DocStore) {
	// "a" is a prefix of "ab", and "a\x00x" would be an id of "a" if a
	// store joined collection and id naively.
	putDoc(t, s, "a", "x", "a/x")
	putDoc(t, s, "a", "y", "a/y")
	putDoc(t, s, "ab", "x", "ab/x")
	putDoc(t, s, "b", "x", "b/x")
	putDoc(t, s, "a\x00x", "y", "a0x/y")
	wantDoc(t, s, "a", "x", "a/x")
	wantDoc(t, s, "ab", "x", "ab/x")
	wantNoDoc(t, s, "ab", "y")
	wantNoDoc(t, s, "c", "x")
	err := s.View(ctx, func(tx wicket.DocReader) error {
		if got := scanAll(t, tx, "a", "", ""); !slices.Equal(got, []docEntry{{"x", "a/x"}, {"y", "a/y"}}) {
			t.Errorf("Scan(a) = %q", got)
		}
		if got := scanAll(t, tx, "ab", "", ""); !slices.Equal(got, []docEntry{{"x", "ab/x"}}) {
			t.Errorf("Scan(ab) = %q", got)
		}
		if got := scanAll(t, tx, "c", "", ""); len(got) != 0 {
			t.Errorf("Scan of an empty collection = %q", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx wicket.DocTx) error {
		_, err := tx.Delete("a", "x")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	wantNoDoc(t, s, "a", "x")
	wantDoc(t, s, "ab", "x", "ab/x")
	wantDoc(t, s, "b", "x", "b/x")
}

// scanIDs are ordered byte by byte, not as UTF-8 or by any collation:
// bytes from 0x80 up sort after ASCII, and 0xff after everything.
var scanIDs = func() []string {
	ids := []string{
		"\x01", "0", "A", "Z", "a", "a\x00", "a\x00b", "a/1", "a/2", "a/2/x", "a\x7f", "a\x80", "a\xc3\xa9", "a\xff",
		"a\xff\xff", "ab", "abc", "abd", "b", "z", "\x7f", "\x80", "\x80\x00", "\xc3\xa9t\xc3\xa9", "\xfe\xff", "\xff",
		"\xff\x00", "\xff\xff", "\xff\xff\x00", "\xff\xff\xff",
	}
	// More than a store is likely to read at once.
	for i := range 250 {
		ids = append(ids, fmt.Sprintf("p/%03d", i))
	}
	return ids
}()

func testDocScanOrder(t *testing.T, s wicket.DocStore) {
	err := s.Update(ctx, func(tx wicket.DocTx) error {
		for i, id := range scanIDs {
			if err := tx.Put("c", id, []byte(strconv.Itoa(i))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	sorted := slices.Clone(scanIDs)
	slices.Sort(sorted) // Go compares strings byte by byte
	prefixes := []string{"", "a", "a\x00", "a/", "a/2", "ab", "abc", "abcd", "a\xff", "a\xff\xff", "a\xff\xff\xff",
		"\x80", "\xc3", "\xff", "\xff\xff", "\xff\xff\xff", "\xff\xff\xff\xff", "p/", "p/1", "p/249", "z", "zz", "\x00"}
	afters := []string{"", "\x00", "0", "a", "a/1", "a/3", "a\x80", "ab", "abc", "abcd", "b", "p/099", "p/2", "\x7f",
		"\xff", "\xff\x00", "\xff\xff", "\xff\xff\x00", "\xff\xff\xff", "\xff\xff\xff\xff"}
	check := func(what string, r wicket.DocReader) {
		for _, prefix := range prefixes {
			for _, after := range afters {
				var want []string
				for _, id := range sorted {
					if strings.HasPrefix(id, prefix) && id > after {
						want = append(want, id)
					}
				}
				got := scanAll(t, r, "c", prefix, after)
				if ids := entryIDs(got); !slices.Equal(ids, want) {
					t.Errorf("%s: Scan(prefix %q, after %q) = %q, want %q", what, prefix, after, ids, want)
					continue
				}
				for _, e := range got {
					if e.doc != strconv.Itoa(slices.Index(scanIDs, e.id)) {
						t.Errorf("%s: Scan gave %q with document %q", what, e.id, e.doc)
					}
				}
			}
		}
	}
	if err := s.View(ctx, func(tx wicket.DocReader) error { check("View", tx); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx wicket.DocTx) error { check("Update", tx); return nil }); err != nil {
		t.Fatal(err)
	}
}

// A scan over more bytes than any store would hold at once still delivers
// every document whole.
func testDocScanLarge(t *testing.T, s wicket.DocStore) {
	const n = 6
	for i := range n {
		putDoc(t, s, "c", fmt.Sprintf("big%d", i), strings.Repeat(strconv.Itoa(i), 512<<10))
	}
	err := s.View(ctx, func(tx wicket.DocReader) error {
		got := scanAll(t, tx, "c", "big", "")
		if len(got) != n {
			t.Errorf("Scan gave %d documents, want %d", len(got), n)
		}
		for i, e := range got {
			if e.id != fmt.Sprintf("big%d", i) || e.doc != strings.Repeat(strconv.Itoa(i), 512<<10) {
				t.Errorf("document %d: %q of %d bytes", i, e.id, len(e.doc))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testDocScanStop(t *testing.T, s wicket.DocStore) {
	err := s.Update(ctx, func(tx wicket.DocTx) error {
		for i := range 200 {
			if err := tx.Put("c", fmt.Sprintf("k%03d", i), []byte("v")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, stopAt := range []int{1, 3, 150} {
		var seen []string
		err := s.View(ctx, func(tx wicket.DocReader) error {
			return tx.Scan("c", "k", "", func(id string, _ []byte) bool {
				seen = append(seen, id)
				return len(seen) < stopAt
			})
		})
		if err != nil {
			t.Errorf("Scan stopped after %d: %v", stopAt, err)
		}
		if len(seen) != stopAt || seen[len(seen)-1] != fmt.Sprintf("k%03d", stopAt-1) {
			t.Errorf("Scan asked to stop after %d called fn with %q", stopAt, seen)
		}
	}
}

// fn may read through the transaction while Scan is calling it: a Get,
// or a scan of its own.
func testDocScanNested(t *testing.T, s wicket.DocStore) {
	err := s.Update(ctx, func(tx wicket.DocTx) error {
		for i := range 150 {
			if err := tx.Put("users", fmt.Sprintf("u%03d", i), []byte(fmt.Sprintf("g%d", i%3))); err != nil {
				return err
			}
		}
		for i := range 3 {
			if err := tx.Put("groups", fmt.Sprintf("g%d", i), []byte(fmt.Sprintf("group %d", i))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, r wicket.DocReader) {
		n := 0
		err := r.Scan("users", "u", "", func(id string, doc []byte) bool {
			n++
			group, err := r.Get("groups", string(doc))
			if err != nil || string(group) != "group "+string(doc)[1:] {
				t.Errorf("%s: Get inside Scan at %s = %q, %v", what, id, group, err)
				return false
			}
			self, err := r.Get("users", id)
			if err != nil || !bytes.Equal(self, doc) {
				t.Errorf("%s: Get of the scanned document %s = %q, %v", what, id, self, err)
			}
			if inner := scanAll(t, r, "groups", "", ""); len(inner) != 3 {
				t.Errorf("%s: Scan inside Scan gave %q", what, inner)
			}
			return true
		})
		if err != nil || n != 150 {
			t.Errorf("%s: Scan called fn %d times, %v; want 150", what, n, err)
		}
	}
	if err := s.View(ctx, func(tx wicket.DocReader) error { check("View", tx); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx wicket.DocTx) error { check("Update", tx); return nil }); err != nil {
		t.Fatal(err)
	}
}

// fn may write through the transaction while Scan is calling it — delete
// the document it was given, as a service removing a user's keys does —
// and the scan goes on from the last id it delivered: it sees what fn
// wrote further on and never what fn deleted.
func testDocScanWhileWriting(t *testing.T, s wicket.DocStore) {
	err := s.Update(ctx, func(tx wicket.DocTx) error {
		for i := range 150 {
			if err := tx.Put("c", fmt.Sprintf("d%03d", i), []byte("old")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []docEntry
	err = s.Update(ctx, func(tx wicket.DocTx) error {
		return tx.Scan("c", "d", "", func(id string, doc []byte) bool {
			got = append(got, docEntry{id, string(doc)})
			var err error
			switch id {
			case "d010":
				_, err = tx.Delete("c", "d050") // ahead: never delivered
				if err == nil {
					err = tx.Put("c", "d060", []byte("new")) // ahead: delivered as written
				}
				if err == nil {
					err = tx.Put("c", "d020a", []byte("added")) // ahead: delivered
				}
			case "d140":
				err = tx.Put("c", "d005a", []byte("behind")) // behind: not delivered
			}
			if err == nil && id != "d020a" {
				_, err = tx.Delete("c", id) // the current one
			}
			if err != nil {
				t.Errorf("write inside Scan at %s: %v", id, err)
				return false
			}
			return true
		})
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	var want []docEntry
	for i := range 150 {
		id := fmt.Sprintf("d%03d", i)
		switch i {
		case 50:
			continue
		case 60:
			want = append(want, docEntry{id, "new"})
		default:
			want = append(want, docEntry{id, "old"})
		}
		if i == 20 {
			want = append(want, docEntry{"d020a", "added"})
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("Scan while writing delivered\n%q\nwant\n%q", got, want)
	}
	err = s.View(ctx, func(tx wicket.DocReader) error {
		if left := scanAll(t, tx, "c", "", ""); !slices.Equal(left, []docEntry{{"d005a", "behind"}, {"d020a", "added"}}) {
			t.Errorf("after the scan the collection holds %q", left)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testDocUpdateAtomic(t *testing.T, s wicket.DocStore) {
	putDoc(t, s, "c", "kept", "v1")
	putDoc(t, s, "c", "doomed", "v1")
	for _, sentinel := range []error{
		errors.New("rule broken"),
		&wicket.Error{Op: "iam.DeletePolicy", Kind: wicket.Conflict, Code: "DeleteConflict", Message: "The policy is attached."},
		fmt.Errorf("wrapped: %w", wicket.E("iam.CreateUser", wicket.Conflict, "exists")),
	} {
		err := s.Update(ctx, func(tx wicket.DocTx) error {
			if err := tx.Put("c", "new", []byte("v")); err != nil {
				return err
			}
			if err := tx.Put("c", "kept", []byte("v2")); err != nil {
				return err
			}
			if _, err := tx.Delete("c", "doomed"); err != nil {
				return err
			}
			if err := tx.Put("other", "x", []byte("v")); err != nil {
				return err
			}
			return sentinel
		})
		if err != sentinel || !errors.Is(err, sentinel) {
			t.Errorf("Update = %#v, want fn's error %#v as it is", err, sentinel)
		}
		if wicket.KindOf(err) != wicket.KindOf(sentinel) || wicket.CodeOf(err) != wicket.CodeOf(sentinel) {
			t.Errorf("Update's error has kind %v, code %q; fn's had %v, %q",
				wicket.KindOf(err), wicket.CodeOf(err), wicket.KindOf(sentinel), wicket.CodeOf(sentinel))
		}
		wantNoDoc(t, s, "c", "new")
		wantDoc(t, s, "c", "kept", "v1")
		wantDoc(t, s, "c", "doomed", "v1")
		wantNoDoc(t, s, "other", "x")
	}
	// The store goes on working.
	putDoc(t, s, "c", "new", "v")
	wantDoc(t, s, "c", "new", "v")
}

// A panic in fn fails the Update with an Internal error and writes
// nothing.
func testDocUpdatePanics(t *testing.T, s wicket.DocStore) {
	putDoc(t, s, "c", "kept", "v1")
	err := s.Update(ctx, func(tx wicket.DocTx) error {
		if err := tx.Put("c", "kept", []byte("v2")); err != nil {
			return err
		}
		if err := tx.Put("c", "new", []byte("v")); err != nil {
			return err
		}
		panic("boom")
	})
	if wicket.KindOf(err) != wicket.Internal {
		t.Errorf("Update whose fn panicked = %v, want an Internal error", err)
	}
	wantDoc(t, s, "c", "kept", "v1")
	wantNoDoc(t, s, "c", "new")
	putDoc(t, s, "c", "after", "v")
	wantDoc(t, s, "c", "after", "v")
}

func testDocReadYourWrites(t *testing.T, s wicket.DocStore) {
	putDoc(t, s, "c", "old", "v0")
	err := s.Update(ctx, func(tx wicket.DocTx) error {
		// Errorf, not Fatal: fn may run on a goroutine of the store's.
		get := func(id string) string {
			t.Helper()
			doc, err := tx.Get("c", id)
			if wicket.KindOf(err) == wicket.NotFound {
				return "<none>"
			}
			if err != nil {
				t.Errorf("Get(%s): %v", id, err)
			}
			return string(doc)
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Error(err)
			}
		}
		must(tx.Put("c", "a", []byte("v1")))
		if got := get("a"); got != "v1" {
			t.Errorf("Get after Put = %s", got)
		}
		must(tx.Put("c", "a", []byte("v2")))
		if got := get("a"); got != "v2" {
			t.Errorf("Get after second Put = %s", got)
		}
		must(tx.Put("c", "b", []byte("v")))
		if got := entryIDs(scanAll(t, tx, "c", "", "")); !slices.Equal(got, []string{"a", "b", "old"}) {
			t.Errorf("Scan after Puts = %q", got)
		}
		existed, err := tx.Delete("c", "old")
		must(err)
		if !existed || get("old") != "<none>" {
			t.Errorf("Delete of a committed document: existed %v, then Get = %s", existed, get("old"))
		}
		existed, err = tx.Delete("c", "b")
		must(err)
		if !existed {
			t.Error("Delete of a document put in this transaction said there was none")
		}
		existed, err = tx.Delete("c", "b")
		must(err)
		if existed || get("b") != "<none>" {
			t.Errorf("second Delete: existed %v, then Get = %s", existed, get("b"))
		}
		if got := entryIDs(scanAll(t, tx, "c", "", "")); !slices.Equal(got, []string{"a"}) {
			t.Errorf("Scan after Deletes = %q", got)
		}
		must(tx.Put("c", "old", []byte("back")))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantDoc(t, s, "c", "a", "v2")
	wantNoDoc(t, s, "c", "b")
	wantDoc(t, s, "c", "old", "back")
}

// A View reads one state, whatever Updates commit while it runs. A store
// may make those Updates wait for the View (the memory store does), so the
// View waits for the Update only so long.
func testDocViewSnapshot(t *testing.T, s wicket.DocStore) {
	putDoc(t, s, "c", "a", "0")
	putDoc(t, s, "c", "b", "0")
	updated := make(chan error, 1)
	err := s.View(ctx, func(tx wicket.DocReader) error {
		a, err := tx.Get("c", "a")
		if err != nil {
			return err
		}
		go func() {
			updated <- s.Update(ctx, func(w wicket.DocTx) error {
				if err := w.Put("c", "a", []byte("1")); err != nil {
					return err
				}
				if err := w.Put("c", "b", []byte("1")); err != nil {
					return err
				}
				return w.Put("c", "new", []byte("1"))
			})
		}()
		select {
		case err := <-updated:
			updated <- err // for the check below
		case <-time.After(200 * time.Millisecond):
		}
		b, err := tx.Get("c", "b")
		if err != nil {
			return err
		}
		if string(a) != "0" || string(b) != "0" {
			t.Errorf("View read a = %s, then b = %s: not one snapshot", a, b)
		}
		if got := scanAll(t, tx, "c", "", ""); !slices.Equal(got, []docEntry{{"a", "0"}, {"b", "0"}}) {
			t.Errorf("Scan in the View = %q: not the snapshot", got)
		}
		if _, err := tx.Get("c", "new"); wicket.KindOf(err) != wicket.NotFound {
			t.Errorf("Get of a document created after the View began: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	if err := <-updated; err != nil {
		t.Fatalf("Update: %v", err)
	}
	wantDoc(t, s, "c", "a", "1")
	wantDoc(t, s, "c", "b", "1")
}

// Writers keep two documents equal, each Update setting both; readers
// never see them differ.
func testDocViewSnapshotRace(t *testing.T, s wicket.DocStore) {
	putDoc(t, s, "pair", "x", "0")
	putDoc(t, s, "pair", "y", "0")
	const writers, rounds, readers = 4, 25, 4
	var wg, writing sync.WaitGroup
	for range writers {
		writing.Go(func() {
			for range rounds {
				err := s.Update(ctx, func(tx wicket.DocTx) error {
					x, err := tx.Get("pair", "x")
					if err != nil {
						return err
					}
					n, err := strconv.Atoi(string(x))
					if err != nil {
						return err
					}
					next := []byte(strconv.Itoa(n + 1))
					if err := tx.Put("pair", "x", next); err != nil {
						return err
					}
					return tx.Put("pair", "y", next)
				})
				if err != nil {
					t.Errorf("Update: %v", err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	for range readers {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				err := s.View(ctx, func(tx wicket.DocReader) error {
					x, err := tx.Get("pair", "x")
					if err != nil {
						return err
					}
					var y []byte
					if err := tx.Scan("pair", "y", "", func(_ string, doc []byte) bool { y = doc; return false }); err != nil {
						return err
					}
					if string(x) != string(y) {
						t.Errorf("View saw x = %s, y = %s", x, y)
					}
					return nil
				})
				if err != nil {
					t.Errorf("View: %v", err)
					return
				}
			}
		})
	}
	writing.Wait()
	close(done)
	wg.Wait()
	wantDoc(t, s, "pair", "x", strconv.Itoa(writers*rounds))
}

// Updates that read, change and write one document lose none of each
// other's changes.
func testDocConcurrentUpdates(t *testing.T, s wicket.DocStore) {
	const workers, each = 32, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				err := s.Update(ctx, func(tx wicket.DocTx) error {
					n := 0
					doc, err := tx.Get("counters", "n")
					switch {
					case err == nil:
						if n, err = strconv.Atoi(string(doc)); err != nil {
							return err
						}
					case wicket.KindOf(err) != wicket.NotFound:
						return err
					}
					if err := tx.Put("counters", "n", []byte(strconv.Itoa(n+1))); err != nil {
						return err
					}
					return tx.Put("log", fmt.Sprintf("w%02d-%02d", w, i), []byte(strconv.Itoa(n)))
				})
				if err != nil {
					t.Errorf("Update: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	wantDoc(t, s, "counters", "n", strconv.Itoa(workers*each))
	// Each Update saw a different count: none ran on a stale read.
	err := s.View(ctx, func(tx wicket.DocReader) error {
		seen := make(map[string]string)
		return tx.Scan("log", "", "", func(id string, doc []byte) bool {
			if prev, dup := seen[string(doc)]; dup {
				t.Errorf("%s and %s both read the counter at %s", prev, id, doc)
			}
			seen[string(doc)] = id
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A cancelled context stops Update and View before fn runs.
func testDocCancelledContext(t *testing.T, s wicket.DocStore) {
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	ran := false
	err := s.Update(cctx, func(tx wicket.DocTx) error {
		ran = true
		return tx.Put("c", "k", []byte("v"))
	})
	if !errors.Is(err, context.Canceled) || ran {
		t.Errorf("Update with a cancelled context = %v, fn ran: %v", err, ran)
	}
	wantNoDoc(t, s, "c", "k")
	err = s.View(cctx, func(tx wicket.DocReader) error {
		ran = true
		return nil
	})
	if !errors.Is(err, context.Canceled) || ran {
		t.Errorf("View with a cancelled context = %v, fn ran: %v", err, ran)
	}
}

// The store keeps its own copy of what it is given and gives out fresh
// copies: a caller changing a slice changes nothing stored.
func testDocCopies(t *testing.T, s wicket.DocStore) {
	in := []byte("original")
	err := s.Update(ctx, func(tx wicket.DocTx) error {
		if err := tx.Put("c", "k", in); err != nil {
			return err
		}
		copy(in, "CHANGED!")
		doc, err := tx.Get("c", "k")
		if err != nil {
			return err
		}
		if string(doc) != "original" {
			t.Errorf("Get in Update after the caller changed Put's slice = %q", doc)
		}
		copy(doc, "CHANGED!")
		if doc, _ := tx.Get("c", "k"); string(doc) != "original" {
			t.Errorf("Get in Update after the caller changed Get's slice = %q", doc)
		}
		return tx.Scan("c", "", "", func(_ string, doc []byte) bool { copy(doc, "CHANGED!"); return true })
	})
	if err != nil {
		t.Fatal(err)
	}
	copy(in, "AGAIN!!!")
	wantDoc(t, s, "c", "k", "original")

	var kept [][]byte
	err = s.View(ctx, func(tx wicket.DocReader) error {
		doc, err := tx.Get("c", "k")
		if err != nil {
			return err
		}
		kept = append(kept, doc)
		copy(doc, "CHANGED!")
		return tx.Scan("c", "", "", func(_ string, doc []byte) bool {
			kept = append(kept, doc)
			copy(doc, "CHANGED!")
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	wantDoc(t, s, "c", "k", "original")
	// Slices kept past the transaction are the caller's.
	putDoc(t, s, "c", "k", "replaced")
	for _, doc := range kept {
		if string(doc) != "CHANGED!" {
			t.Errorf("a slice kept from a View became %q", doc)
		}
	}
}

// A transaction kept past its function fails every call with an Internal
// error and changes nothing.
func testDocTxAfterReturn(t *testing.T, s wicket.DocStore) {
	putDoc(t, s, "c", "k", "v")
	var tx wicket.DocTx
	if err := s.Update(ctx, func(x wicket.DocTx) error { tx = x; return nil }); err != nil {
		t.Fatal(err)
	}
	var r wicket.DocReader
	if err := s.View(ctx, func(x wicket.DocReader) error { r = x; return nil }); err != nil {
		t.Fatal(err)
	}
	scanned := false
	scan := func(string, []byte) bool { scanned = true; return true }
	wantErr(t, "Put after Update returned", tx.Put("c", "late", []byte("v")), wicket.Internal, "")
	wantErr(t, "Delete after Update returned", second(tx.Delete("c", "k")), wicket.Internal, "")
	wantErr(t, "Get after Update returned", second(tx.Get("c", "k")), wicket.Internal, "")
	wantErr(t, "Scan after Update returned", tx.Scan("c", "", "", scan), wicket.Internal, "")
	wantErr(t, "Get after View returned", second(r.Get("c", "k")), wicket.Internal, "")
	wantErr(t, "Scan after View returned", r.Scan("c", "", "", scan), wicket.Internal, "")
	if scanned {
		t.Error("Scan after its transaction ended called fn")
	}
	if _, ok := r.(wicket.DocTx); ok {
		t.Error("View's DocReader is a DocTx: a caller could write through it")
	}
	wantNoDoc(t, s, "c", "late")
	wantDoc(t, s, "c", "k", "v")
	putDoc(t, s, "c", "k", "v2")
	wantDoc(t, s, "c", "k", "v2")
}
