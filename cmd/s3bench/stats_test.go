package main

import (
	"testing"
	"time"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = ms(i + 1)
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"none", nil, 50, 0},
		{"one p50", []time.Duration{ms(7)}, 50, ms(7)},
		{"one p99", []time.Duration{ms(7)}, 99, ms(7)},
		{"two p50 is the lower", []time.Duration{ms(1), ms(2)}, 50, ms(1)},
		{"two p51 is the upper", []time.Duration{ms(1), ms(2)}, 51, ms(2)},
		{"hundred p50", hundred, 50, ms(50)},
		{"hundred p90", hundred, 90, ms(90)},
		{"hundred p99", hundred, 99, ms(99)},
		{"hundred p99.5 rounds up", hundred, 99.5, ms(100)},
		{"hundred max", hundred, 100, ms(100)},
		{"tiny p is the minimum", hundred, 0.001, ms(1)},
		{"ten p90", hundred[:10], 90, ms(9)},
		{"ten p91", hundred[:10], 91, ms(10)},
	}
	for _, tt := range tests {
		if got := percentile(tt.sorted, tt.p); got != tt.want {
			t.Errorf("%s: percentile(p%v) = %v, want %v", tt.name, tt.p, got, tt.want)
		}
	}
}

func TestMergeSorts(t *testing.T) {
	a, b := newSamples(10, 1), newSamples(10, 2)
	for _, d := range []int{5, 1, 9} {
		a.add(ms(d))
	}
	for _, d := range []int{3, 7} {
		b.add(ms(d))
	}
	got := merge([]*samples{a, b})
	want := []time.Duration{ms(1), ms(3), ms(5), ms(7), ms(9)}
	if len(got) != len(want) {
		t.Fatalf("merge = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("merge = %v, want %v", got, want)
		}
	}
}

// TestReservoirBounded checks that a full reservoir keeps its size and
// still represents the whole stream, not only its beginning.
func TestReservoirBounded(t *testing.T) {
	s := newSamples(1000, 3)
	for i := range 100_000 {
		s.add(time.Duration(i))
	}
	if len(s.d) != 1000 || s.seen != 100_000 {
		t.Fatalf("kept %d of %d seen, want 1000 of 100000", len(s.d), s.seen)
	}
	sorted := merge([]*samples{s})
	// The median of 0..99999 is about 50000; a reservoir of 1000 lands
	// within a few percent of it.
	if p50 := percentile(sorted, 50); p50 < 45_000 || p50 > 55_000 {
		t.Errorf("reservoir median = %d, want about 50000", p50)
	}
}

func TestSummarize(t *testing.T) {
	res := &result{Size: 4096, Ops: 4}
	summarize(res, []time.Duration{ms(1), ms(2), ms(3), ms(4)}, 3_000_000, 2*time.Second)
	if res.OpsPerSec != 2 || res.MBPerSec != 1.5 || res.Seconds != 2 {
		t.Errorf("rates = %v ops/s, %v MB/s over %vs; want 2, 1.5, 2", res.OpsPerSec, res.MBPerSec, res.Seconds)
	}
	if res.P50ms != 2 || res.P90ms != 4 || res.P99ms != 4 || res.MaxMs != 4 {
		t.Errorf("percentiles = %v/%v/%v/%v ms, want 2/4/4/4", res.P50ms, res.P90ms, res.P99ms, res.MaxMs)
	}
}
