package rosys

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// HistogramBuckets is how many finite buckets a Histogram has. Bucket k
// holds durations up to 2^k µs: 1 µs, 2 µs, 4 µs … 2^23 µs (8.4 s). Powers
// of two need no table of bounds (so the zero Histogram is ready to use)
// and find the bucket with one instruction instead of a search.
const HistogramBuckets = 24

// Histogram counts durations into fixed buckets with atomic adds only, so
// the control loop records into it without allocating, locking or calling
// into a metrics library; a scrape reads the buckets whenever it likes.
// The zero value is ready to use.
type Histogram struct {
	counts [HistogramBuckets + 1]atomic.Uint64 // the last one is +Inf
	sumNS  atomic.Int64
}

// Observe counts d. It never allocates.
func (h *Histogram) Observe(d time.Duration) {
	h.counts[bucketOf(d)].Add(1)
	h.sumNS.Add(int64(d))
}

// bucketOf is the smallest k with d <= 2^k µs, or HistogramBuckets (+Inf).
// With q = ceil(d/1µs) - 1, k is the bit length of q: 2^(k-1) <= q < 2^k
// gives 2^(k-1) µs < d <= 2^k µs.
func bucketOf(d time.Duration) int {
	if d <= time.Microsecond {
		return 0
	}
	q := uint64(d-1) / uint64(time.Microsecond)
	return min(bits.Len64(q), HistogramBuckets)
}

// BucketBound is the upper bound of finite bucket k.
func BucketBound(k int) time.Duration { return time.Microsecond << k }

// HistogramSnapshot is a Histogram read at one moment.
type HistogramSnapshot struct {
	// Counts are per bucket, not cumulative: Counts[k] for k <
	// HistogramBuckets holds durations in (BucketBound(k-1), BucketBound(k)],
	// the last one those above every bound.
	Counts [HistogramBuckets + 1]uint64
	Count  uint64
	Sum    time.Duration
}

// Snapshot reads the histogram. Count is the sum of the buckets read, so
// buckets and count always agree; Sum is read after them and may include
// an observation the buckets do not (a reader racing the loop), which a
// rate over minutes does not notice.
func (h *Histogram) Snapshot() HistogramSnapshot {
	var s HistogramSnapshot
	for i := range h.counts {
		s.Counts[i] = h.counts[i].Load()
		s.Count += s.Counts[i]
	}
	s.Sum = time.Duration(h.sumNS.Load())
	return s
}

// Metrics are the runtime's figures that a metrics exporter needs beyond
// Status: histograms and counters, all kept with atomics by the loops
// (the storage's are storage.MetricsOf's).
type Metrics struct {
	// PeriodError is how late each control tick started against its fixed
	// schedule (start + k*period).
	PeriodError HistogramSnapshot
	// Step is the time each control tick spent in the steps.
	Step HistogramSnapshot
}

// Metrics reads the runtime's histograms and counters. Like Status it
// takes no lock the control loop uses.
func (r *Runtime) Metrics() Metrics {
	return Metrics{
		PeriodError: r.stats.periodErr.Snapshot(),
		Step:        r.stats.stepTime.Snapshot(),
	}
}
