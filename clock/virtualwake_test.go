package clock_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/gorosys/rosys/clock"
)

// A clock goroutine that wakes another sleeper through its wake channel
// and then sleeps itself must not let Forward move time before the woken
// one has reacted. With one P the scheduler runs Forward's goroutine
// (readied last) before the woken one, which made the old clock advance
// time in between nearly every iteration.
func TestVirtualClockWakeIsSettledBeforeTimeMoves(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for i := range 200 {
		c := clock.NewVirtual()
		ctx, cancel := context.WithCancel(context.Background())
		wake := make(chan struct{}, 1)
		reacted := make(chan time.Time, 1)
		c.Go(func() { // the woken one: reacts by noting the time and sleeping 100 ms
			timer := c.NewTimer()
			if timer.SleepUntil(ctx, c.Now().Add(time.Hour), wake) != nil {
				return
			}
			reacted <- c.Now()
			_ = timer.SleepUntil(ctx, c.Now().Add(100*time.Millisecond), nil)
		})
		c.Go(func() { // the waker: at 1 s it sends, then sleeps long
			timer := c.NewTimer()
			if timer.SleepUntil(ctx, c.Now().Add(time.Second), nil) != nil {
				return
			}
			select {
			case wake <- struct{}{}:
			default:
			}
			_ = timer.SleepUntil(ctx, c.Now().Add(time.Hour), nil)
		})
		if err := c.Forward(5 * time.Second); err != nil {
			t.Fatal(err)
		}
		select {
		case at := <-reacted:
			if want := clock.VirtualStart.Add(time.Second); !at.Equal(want) {
				t.Fatalf("iteration %d: woken goroutine reacted at %v, want %v (time moved before it ran)", i, at.Sub(clock.VirtualStart), want.Sub(clock.VirtualStart))
			}
		default:
			t.Fatalf("iteration %d: Forward returned before the woken goroutine reacted", i)
		}
		cancel()
	}
}

// A wake from outside the clock while no Forward runs (an HTTP handler
// waking the backup loop while the test waits on a channel) still wakes
// the sleeper, at the current virtual time.
func TestVirtualClockWakeWithoutForward(t *testing.T) {
	c := clock.NewVirtual()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wake := make(chan struct{}, 1)
	reacted := make(chan time.Time)
	c.Go(func() {
		timer := c.NewTimer()
		for timer.SleepUntil(ctx, c.Now().Add(time.Hour), wake) == nil {
			reacted <- c.Now()
		}
	})
	for range 3 {
		wake <- struct{}{} // from the test goroutine, not a clock goroutine
		if at := <-reacted; !at.Equal(clock.VirtualStart) {
			t.Fatalf("reacted at %v, want the start", at)
		}
	}
	// After a Forward the watcher must be back.
	if err := c.Forward(time.Minute); err != nil {
		t.Fatal(err)
	}
	close(wake)
	if at := <-reacted; !at.Equal(clock.VirtualStart.Add(time.Minute)) {
		t.Fatalf("reacted at %v after Forward, want 1 min", at.Sub(clock.VirtualStart))
	}
}

// Cancelling ctx with no Forward running ends sleepers (shutdown), with
// ctx's error, even when their wake channel is ready too.
func TestVirtualClockCancelWithoutForward(t *testing.T) {
	c := clock.NewVirtual()
	ctx, cancel := context.WithCancel(context.Background())
	wake := make(chan struct{}, 1)
	errs := make(chan error, 2)
	for range 2 {
		c.Go(func() {
			errs <- c.NewTimer().SleepUntil(ctx, c.Now().Add(time.Hour), wake)
		})
	}
	if err := c.Forward(time.Second); err != nil { // both asleep now
		t.Fatal(err)
	}
	cancel()
	for range 2 {
		if err := <-errs; err != context.Canceled {
			t.Fatalf("SleepUntil returned %v, want context.Canceled", err)
		}
	}
}

// A closed channel shared by several sleepers wakes all of them, in the
// order they went to sleep, before time moves on.
func TestVirtualClockClosedWakeWakesAllInOrder(t *testing.T) {
	c := clock.NewVirtual()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	order := make(chan int, 3)
	at := make(chan time.Time, 3)
	for i := range 3 {
		c.Go(func() {
			if c.NewTimer().SleepUntil(ctx, c.Now().Add(time.Hour), done) == nil {
				order <- i
				at <- c.Now()
			}
		})
		if err := c.Forward(0); err != nil { // asleep before the next one starts
			t.Fatal(err)
		}
	}
	c.Go(func() {
		timer := c.NewTimer()
		if timer.SleepUntil(ctx, c.Now().Add(time.Second), nil) == nil {
			close(done)
			_ = timer.SleepUntil(ctx, c.Now().Add(time.Hour), nil)
		}
	})
	if err := c.Forward(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if got := <-order; got != i {
			t.Fatalf("woken %d-th: sleeper %d, want %d", i, got, i)
		}
		if got := <-at; !got.Equal(clock.VirtualStart.Add(time.Second)) {
			t.Fatalf("sleeper woke at %v, want 1 s", got.Sub(clock.VirtualStart))
		}
	}
}
