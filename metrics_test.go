package rosys

import (
	"context"
	"testing"
	"time"
)

// TestBucketOf checks the bucket arithmetic against the definition: the
// smallest k with d <= 2^k µs, at and around every bound.
func TestBucketOf(t *testing.T) {
	want := func(d time.Duration) int {
		for k := range HistogramBuckets {
			if d <= BucketBound(k) {
				return k
			}
		}
		return HistogramBuckets
	}
	ds := []time.Duration{-time.Second, 0, 1, 999, 1000, 1001, time.Hour}
	for k := range HistogramBuckets + 1 {
		b := BucketBound(k)
		ds = append(ds, b-1, b, b+1, b+b/3)
	}
	for _, d := range ds {
		if got := bucketOf(d); got != want(d) {
			t.Errorf("bucketOf(%v) = %d, want %d", d, got, want(d))
		}
	}
	if BucketBound(HistogramBuckets-1) < 8*time.Second {
		t.Fatalf("largest bound %v: a slow backup cycle would only show as +Inf", BucketBound(HistogramBuckets-1))
	}
}

func TestHistogramSnapshot(t *testing.T) {
	var h Histogram
	for _, d := range []time.Duration{500 * time.Nanosecond, 3 * time.Microsecond, 3 * time.Microsecond, time.Hour} {
		h.Observe(d)
	}
	s := h.Snapshot()
	if s.Count != 4 || s.Counts[0] != 1 || s.Counts[2] != 2 || s.Counts[HistogramBuckets] != 1 {
		t.Fatalf("snapshot %+v", s)
	}
	if want := time.Hour + 6*time.Microsecond + 500*time.Nanosecond; s.Sum != want {
		t.Fatalf("sum %v, want %v", s.Sum, want)
	}
}

// TestTickHistogramsCountEveryTick runs real ticks and checks that both
// control histograms saw each one, and that recording allocated nothing
// (TestTickAllocatesNothing covers the same tick; this one also proves the
// histograms are on its path).
func TestTickHistogramsCountEveryTick(t *testing.T) {
	r := New(Config{DisableRealtime: true})
	s := &countingStepper{}
	r.steppers = []namedStepper{{s, "counter"}}
	timer, _ := r.controlTimer()
	next := r.clock.Now()
	ctx := context.Background()
	allocs := testing.AllocsPerRun(300, func() {
		next, _ = r.tick(ctx, timer, next, 20*time.Microsecond)
	})
	if allocs != 0 {
		t.Fatalf("a tick with histograms allocates %v times", allocs)
	}
	m, ticks := r.Metrics(), r.stats.ticks.Load()
	if ticks < 300 || m.PeriodError.Count != ticks || m.Step.Count != ticks {
		t.Fatalf("ticks %d, period-error count %d, step count %d", ticks, m.PeriodError.Count, m.Step.Count)
	}
	if m.Step.Sum <= 0 {
		t.Fatalf("step time sum %v after %d real ticks", m.Step.Sum, ticks)
	}
}

func TestObserveAllocatesNothing(t *testing.T) {
	var h Histogram
	d := time.Duration(0)
	if a := testing.AllocsPerRun(1000, func() { d += 7 * time.Microsecond; h.Observe(d) }); a != 0 {
		t.Fatalf("Observe allocates %v times", a)
	}
}

// BenchmarkHistogramObserve is what a tick pays per histogram; compare it
// with BenchmarkTick in the same run.
func BenchmarkHistogramObserve(b *testing.B) {
	var h Histogram
	b.ReportAllocs()
	d := time.Duration(0)
	for b.Loop() {
		d += 3 * time.Microsecond
		h.Observe(d % time.Second)
	}
}
