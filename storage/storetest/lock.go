package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
)

// The Object Lock part of the MetaStore suite: an object's lock is kept
// with it, and the store refuses, in the write's own transaction, to
// replace or delete an object the lock protects.

func testObjectLock(t *testing.T, s wicket.MetaStore) {
	createBucket(t, s, "b")
	o := object("b", "k")
	o.Lock = wicket.ObjectLock{Mode: wicket.Governance, RetainUntil: testTime.Add(time.Hour), LegalHold: wicket.HoldOff}
	putObject(t, s, o)
	got, err := s.GetObject(ctx, "b", "k")
	if err != nil {
		t.Fatal(err)
	}
	if d := diffObject(got, o); d != "" {
		t.Fatalf("GetObject of a locked object: %s", d)
	}
	page, err := s.ListObjects(ctx, "b", wicket.ListQuery{MaxKeys: 10})
	if err != nil || len(page.Objects) != 1 || page.Objects[0].Lock != (wicket.ObjectLock{}) {
		t.Errorf("ListObjects = %+v, %v; want one object without its lock", page, err)
	}

	// Setting the legal hold leaves the retention and Modified alone, and
	// setting the retention leaves the hold.
	if err := s.SetObjectLegalHold(ctx, "b", "k", wicket.HoldOn); err != nil {
		t.Fatalf("SetObjectLegalHold: %v", err)
	}
	later := testTime.Add(2 * time.Hour)
	if err := s.SetObjectRetention(ctx, "b", "k", wicket.Compliance, later, wicket.Precondition{Now: testTime, BypassGovernance: true}); err != nil {
		t.Fatalf("SetObjectRetention from GOVERNANCE to COMPLIANCE, bypassing: %v", err)
	}
	want := *o
	want.Lock = wicket.ObjectLock{Mode: wicket.Compliance, RetainUntil: later, LegalHold: wicket.HoldOn}
	if got, err = s.GetObject(ctx, "b", "k"); err != nil {
		t.Fatal(err)
	}
	if d := diffObject(got, &want); d != "" {
		t.Errorf("after SetObjectLegalHold and SetObjectRetention: %s", d)
	}
	if err := s.SetObjectLegalHold(ctx, "b", "k", wicket.HoldOff); err != nil {
		t.Fatal(err)
	}
	want.Lock.LegalHold = wicket.HoldOff
	if got, err = s.GetObject(ctx, "b", "k"); err != nil {
		t.Fatal(err)
	}
	if d := diffObject(got, &want); d != "" {
		t.Errorf("after the legal hold is removed: %s", d)
	}

	err = s.SetObjectLegalHold(ctx, "b", "nope", wicket.HoldOn)
	wantErr(t, "SetObjectLegalHold of a missing key", err, wicket.NotFound, "NoSuchKey")
	err = s.SetObjectLegalHold(ctx, "nope", "k", wicket.HoldOn)
	wantErr(t, "SetObjectLegalHold in a missing bucket", err, wicket.NotFound, "NoSuchBucket")
	err = s.SetObjectRetention(ctx, "b", "nope", wicket.Governance, later, wicket.Precondition{Now: testTime})
	wantErr(t, "SetObjectRetention of a missing key", err, wicket.NotFound, "NoSuchKey")
	err = s.SetObjectRetention(ctx, "nope", "k", wicket.Governance, later, wicket.Precondition{Now: testTime})
	wantErr(t, "SetObjectRetention in a missing bucket", err, wicket.NotFound, "NoSuchBucket")
}

// lockCase is a lock on the current object and the write's condition, with
// whether the store lets the write through.
type lockCase struct {
	name  string
	lock  wicket.ObjectLock
	cond  wicket.Precondition
	allow bool
}

func lockCases() []lockCase {
	now := testTime
	future, past := now.Add(time.Minute), now.Add(-time.Nanosecond)
	at := wicket.Precondition{Now: now}
	bypass := wicket.Precondition{Now: now, BypassGovernance: true}
	return []lockCase{
		{"no lock", wicket.ObjectLock{}, at, true},
		{"legal hold OFF", wicket.ObjectLock{LegalHold: wicket.HoldOff}, at, true},
		{"legal hold ON", wicket.ObjectLock{LegalHold: wicket.HoldOn}, at, false},
		{"legal hold ON, bypass", wicket.ObjectLock{LegalHold: wicket.HoldOn}, bypass, false},
		{"COMPLIANCE in force", wicket.ObjectLock{Mode: wicket.Compliance, RetainUntil: future}, at, false},
		{"COMPLIANCE in force, bypass", wicket.ObjectLock{Mode: wicket.Compliance, RetainUntil: future}, bypass, false},
		{"COMPLIANCE until now", wicket.ObjectLock{Mode: wicket.Compliance, RetainUntil: now}, at, true},
		{"COMPLIANCE expired", wicket.ObjectLock{Mode: wicket.Compliance, RetainUntil: past}, at, true},
		{"GOVERNANCE in force", wicket.ObjectLock{Mode: wicket.Governance, RetainUntil: future}, at, false},
		{"GOVERNANCE in force, bypass", wicket.ObjectLock{Mode: wicket.Governance, RetainUntil: future}, bypass, true},
		{"GOVERNANCE expired", wicket.ObjectLock{Mode: wicket.Governance, RetainUntil: past}, at, true},
		{"GOVERNANCE expired, legal hold ON", wicket.ObjectLock{Mode: wicket.Governance, RetainUntil: past, LegalHold: wicket.HoldOn}, bypass, false},
		// A write that does not say when it happens finds the lock in force.
		{"expired, no Now", wicket.ObjectLock{Mode: wicket.Governance, RetainUntil: past}, wicket.Precondition{}, false},
		// A lock is checked after the ETag conditions.
		{"ETag differs, locked", wicket.ObjectLock{LegalHold: wicket.HoldOn},
			wicket.Precondition{Now: now, IfMatch: "ffffffffffffffffffffffffffffffff"}, false},
	}
}

func testObjectLockEnforced(t *testing.T, newStore func(t *testing.T) wicket.MetaStore) {
	for _, via := range []string{"PutObject", "CompleteUpload", "DeleteObject"} {
		for _, tc := range lockCases() {
			t.Run(via+"/"+tc.name, func(t *testing.T) {
				s := newStore(t)
				createBucket(t, s, "b")
				cur := object("b", "k")
				cur.Lock = tc.lock
				putObject(t, s, cur)
				next := object("b", "k")
				var dropped []wicket.Segment
				var err error
				switch via {
				case "PutObject":
					dropped, err = s.PutObject(ctx, next, tc.cond)
				case "CompleteUpload":
					if err := s.CreateUpload(ctx, &wicket.Upload{ID: "u", Bucket: "b", Key: "k", Initiated: testTime}); err != nil {
						t.Fatal(err)
					}
					p := part("u", 1)
					if _, err := s.PutPart(ctx, "b", "k", p); err != nil {
						t.Fatal(err)
					}
					next.Segments = []wicket.Segment{p.Segment}
					dropped, err = s.CompleteUpload(ctx, "u", next, tc.cond)
				case "DeleteObject":
					dropped, err = s.DeleteObject(ctx, "b", "k", tc.cond)
				}
				got, gerr := s.GetObject(ctx, "b", "k")
				if !tc.allow {
					code := "AccessDenied"
					kind := wicket.AccessDenied
					if tc.cond.IfMatch != "" {
						code, kind = "PreconditionFailed", wicket.Conflict
					}
					wantErr(t, via+" of a protected object", err, kind, code)
					if len(dropped) != 0 {
						t.Errorf("a refused %s dropped %v", via, dropped)
					}
					if gerr != nil || got.ETag != cur.ETag {
						t.Errorf("a refused %s changed the object: %+v, %v", via, got, gerr)
					}
					if via == "CompleteUpload" {
						if _, err := s.GetUpload(ctx, "b", "k", "u"); err != nil {
							t.Errorf("a refused CompleteUpload lost its upload: %v", err)
						}
					}
					return
				}
				if err != nil {
					t.Fatalf("%s: %v", via, err)
				}
				if got, want := blobsOf(dropped), blobsOf(cur.Segments); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s dropped %v, want %v", via, got, want)
				}
				if via == "DeleteObject" {
					wantErr(t, "GetObject after the delete", gerr, wicket.NotFound, "NoSuchKey")
				} else if gerr != nil || got.ETag != next.ETag || got.Lock != (wicket.ObjectLock{}) {
					t.Errorf("after %s: %+v, %v; want the new object, without the old lock", via, got, gerr)
				}
			})
		}
	}
	// Deleting a missing key is still no error.
	s := newStore(t)
	createBucket(t, s, "b")
	if _, err := s.DeleteObject(ctx, "b", "never", wicket.Precondition{Now: testTime}); err != nil {
		t.Errorf("DeleteObject of a missing key: %v", err)
	}
}

func testSetObjectRetention(t *testing.T, newStore func(t *testing.T) wicket.MetaStore) {
	now := testTime
	soon, later := now.Add(time.Minute), now.Add(time.Hour)
	gov := wicket.ObjectLock{Mode: wicket.Governance, RetainUntil: soon}
	comp := wicket.ObjectLock{Mode: wicket.Compliance, RetainUntil: soon}
	expired := wicket.ObjectLock{Mode: wicket.Compliance, RetainUntil: now.Add(-time.Second)}
	for _, tc := range []struct {
		name   string
		cur    wicket.ObjectLock
		mode   string
		until  time.Time
		bypass bool
		allow  bool
	}{
		{"set on none", wicket.ObjectLock{}, wicket.Compliance, soon, false, true},
		{"GOVERNANCE extended", gov, wicket.Governance, later, false, true},
		{"GOVERNANCE kept", gov, wicket.Governance, soon, false, true},
		{"GOVERNANCE shortened", gov, wicket.Governance, now.Add(time.Second), false, false},
		{"GOVERNANCE shortened, bypass", gov, wicket.Governance, now.Add(time.Second), true, true},
		{"GOVERNANCE removed", gov, "", time.Time{}, false, false},
		{"GOVERNANCE removed, bypass", gov, "", time.Time{}, true, true},
		{"GOVERNANCE to COMPLIANCE", gov, wicket.Compliance, later, false, false},
		{"GOVERNANCE to COMPLIANCE, bypass", gov, wicket.Compliance, later, true, true},
		{"COMPLIANCE extended", comp, wicket.Compliance, later, false, true},
		{"COMPLIANCE shortened, bypass", comp, wicket.Compliance, now.Add(time.Second), true, false},
		{"COMPLIANCE removed, bypass", comp, "", time.Time{}, true, false},
		{"COMPLIANCE to GOVERNANCE, bypass", comp, wicket.Governance, later, true, false},
		{"expired COMPLIANCE replaced", expired, wicket.Governance, soon, false, true},
		{"expired COMPLIANCE removed", expired, "", time.Time{}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			createBucket(t, s, "b")
			o := object("b", "k")
			o.Lock = tc.cur
			o.Lock.LegalHold = wicket.HoldOn // untouched by a retention change
			putObject(t, s, o)
			err := s.SetObjectRetention(ctx, "b", "k", tc.mode, tc.until, wicket.Precondition{Now: now, BypassGovernance: tc.bypass})
			want := *o
			if tc.allow {
				if err != nil {
					t.Fatalf("SetObjectRetention: %v", err)
				}
				want.Lock.Mode, want.Lock.RetainUntil = tc.mode, tc.until
			} else {
				wantErr(t, "SetObjectRetention weakening a retention", err, wicket.AccessDenied, "AccessDenied")
			}
			got, err := s.GetObject(ctx, "b", "k")
			if err != nil {
				t.Fatal(err)
			}
			if d := diffObject(got, &want); d != "" {
				t.Errorf("after SetObjectRetention: %s", d)
			}
		})
	}
}
