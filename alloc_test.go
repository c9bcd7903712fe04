package rosys

import (
	"context"
	"testing"
	"time"
)

type countingStepper struct{ n, sum int }

func (c *countingStepper) Step(now time.Time, period time.Duration) {
	c.n++
	c.sum += int(period / time.Microsecond)
}

// TestTickAllocatesNothing runs real ticks (real clock, real timer, the
// stepper calls and the statistics) and counts allocations.
func TestTickAllocatesNothing(t *testing.T) {
	r := New(Config{DisableRealtime: true})
	s := &countingStepper{}
	r.steppers = []namedStepper{{s, "counter"}, {s, "again"}}
	timer, _ := r.controlTimer()
	period := 20 * time.Microsecond
	next := r.clock.Now()
	ctx := context.Background()
	allocs := testing.AllocsPerRun(500, func() {
		next, _ = r.tick(ctx, timer, next, period)
	})
	if allocs != 0 {
		t.Fatalf("a control tick allocates %v times", allocs)
	}
	if s.n < 1000 || r.stats.ticks.Load() < 500 {
		t.Fatalf("steps ran %d times, ticks %d", s.n, r.stats.ticks.Load())
	}
}

// BenchmarkTick is one control tick's own cost (two steps, statistics,
// overrun bookkeeping) with the sleep taken out: the period is so short
// that every tick is already due.
func BenchmarkTick(b *testing.B) {
	r := New(Config{DisableRealtime: true})
	s := &countingStepper{}
	r.steppers = []namedStepper{{s, "counter"}, {s, "again"}}
	timer, _ := r.controlTimer()
	next := r.clock.Now()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		next, _ = r.tick(ctx, timer, next, time.Nanosecond)
	}
}
