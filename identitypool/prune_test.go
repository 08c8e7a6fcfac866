package identitypool

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/storage/memory"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestPruneGuests(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	s := New(Options{Docs: memory.NewDocStore(), Clock: clock, Region: "us-east-1"})
	p, err := s.CreatePool(ctx, &Pool{Name: "guests", AllowUnauthenticatedIdentities: true})
	if err != nil {
		t.Fatal(err)
	}
	var old []string
	for range 2 {
		id, err := s.GetID(ctx, p.ID, nil, "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		old = append(old, id)
	}
	clock.add(5 * 24 * time.Hour)
	recent, err := s.GetID(ctx, p.ID, nil, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.PruneGuests(ctx, 3*24*time.Hour)
	if err != nil || n != 2 {
		t.Fatalf("PruneGuests = %d, %v; want 2", n, err)
	}
	for _, id := range old {
		if _, err := s.DescribeIdentity(ctx, id); wicket.KindOf(err) != wicket.NotFound {
			t.Errorf("pruned identity %s: %v", id, err)
		}
		c := &wicket.SessionClaims{Pool: p.ID, Subject: id, Issued: clock.Now().Add(-time.Minute)}
		if !s.Revoked(c) {
			t.Errorf("credentials of pruned identity %s are not revoked", id)
		}
	}
	if _, err := s.DescribeIdentity(ctx, recent); err != nil {
		t.Errorf("recent identity: %v", err)
	}
	if s.Revoked(&wicket.SessionClaims{Pool: p.ID, Subject: recent, Issued: clock.Now()}) {
		t.Error("the recent identity's credentials are revoked")
	}
	// Revocations older than any credential's life are forgotten.
	clock.add(maxCredentialLife + time.Hour)
	if err := s.PruneRevocations(ctx); err != nil {
		t.Fatal(err)
	}
	s.revMu.RLock()
	left := len(s.revoked)
	s.revMu.RUnlock()
	if left != 0 {
		t.Errorf("%d revocations left after pruning", left)
	}
}
