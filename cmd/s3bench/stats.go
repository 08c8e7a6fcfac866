package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// maxSamples bounds the latencies one worker keeps: 1 Mi samples, 8 MiB.
// A 15-second run of 32 workers at 40,000 requests a second stays far
// below it, so its percentiles are exact.
const maxSamples = 1 << 20

// samples collects one worker's latencies. Past its capacity it keeps a
// uniform random sample of all it was given (reservoir sampling, Vitter's
// algorithm R), so memory stays bounded however long a run is.
type samples struct {
	d    []time.Duration
	seen int64
	max  int
	rng  *rand.Rand
}

func newSamples(capacity int, seed uint64) *samples {
	return &samples{max: capacity, rng: rand.New(rand.NewPCG(seed, 0x5eed))}
}

func (s *samples) add(d time.Duration) {
	s.seen++
	if len(s.d) < s.max {
		s.d = append(s.d, d)
		return
	}
	if j := s.rng.Int64N(s.seen); j < int64(s.max) {
		s.d[j] = d
	}
}

// merge returns the latencies of every worker, sorted. Workers of one run
// make about as many requests each, so their reservoirs (if any filled)
// weigh alike.
func merge(all []*samples) []time.Duration {
	n := 0
	for _, s := range all {
		n += len(s.d)
	}
	out := make([]time.Duration, 0, n)
	for _, s := range all {
		out = append(out, s.d...)
	}
	slices.Sort(out)
	return out
}

// percentile returns the p-th percentile (0 < p ≤ 100) of sorted latencies
// by the nearest-rank method: the smallest value that at least p% of the
// values do not exceed. It is always one of the values; 0 for none.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// result is one run's outcome, printed as one JSON line. MB are 10^6
// bytes; latencies are from sending a request to reading the last byte of
// its response.
type result struct {
	Op          string  `json:"op"`
	Endpoint    string  `json:"endpoint"`
	Size        int64   `json:"size"`
	Concurrency int     `json:"concurrency"`
	Ops         int64   `json:"ops"` // successful requests measured
	Errors      int64   `json:"errors"`
	Seconds     float64 `json:"seconds"`
	OpsPerSec   float64 `json:"ops_per_sec"`
	MBPerSec    float64 `json:"mb_per_sec"`
	P50ms       float64 `json:"p50_ms"`
	P90ms       float64 `json:"p90_ms"`
	P99ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
	FirstError  string  `json:"first_error,omitempty"`
}

// summarize fills in the rates and percentiles of res from the successful
// requests' latencies, the bytes moved and the time measured.
func summarize(res *result, lat []time.Duration, moved int64, elapsed time.Duration) {
	res.Seconds = elapsed.Seconds()
	if res.Seconds > 0 {
		res.OpsPerSec = float64(res.Ops) / res.Seconds
		res.MBPerSec = float64(moved) / 1e6 / res.Seconds
	}
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 } // to the microsecond
	res.P50ms = ms(percentile(lat, 50))
	res.P90ms = ms(percentile(lat, 90))
	res.P99ms = ms(percentile(lat, 99))
	res.MaxMs = ms(percentile(lat, 100))
	res.OpsPerSec = math.Round(res.OpsPerSec*10) / 10
	res.MBPerSec = math.Round(res.MBPerSec*10) / 10
	res.Seconds = math.Round(res.Seconds*1000) / 1000
}
