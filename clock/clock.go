package clock

import (
	"context"
	"time"
)

// Clock is the runtime's time source. Every loop of the runtime (control,
// backup, repeaters, watchdog) reads time and sleeps through its Clock, so a
// virtual clock (rosystest) can run them deterministically, days in
// milliseconds.
type Clock interface {
	Now() time.Time
	// NewTimer returns a reusable timer. Sleeping on it allocates nothing,
	// so the control loop can use it every tick.
	NewTimer() Timer
	// Go runs fn on a new goroutine that takes part in the clock's time: a
	// virtual clock only advances while every such goroutine is asleep in
	// a Timer or has returned.
	Go(fn func())
}

// Timer sleeps until a point in time.
type Timer interface {
	// SleepUntil blocks until the clock reaches t, wake delivers a value
	// (wake may be nil), or ctx is done, in which case it returns ctx.Err().
	SleepUntil(ctx context.Context, t time.Time, wake <-chan struct{}) error
	Stop()
}

// Real is the wall clock.
type Real struct{}

var _ Clock = Real{}

// Now implements Clock.
func (Real) Now() time.Time { return time.Now() }

// Go implements Clock.
func (Real) Go(fn func()) { go fn() }

// NewTimer implements Clock.
func (Real) NewTimer() Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &realTimer{t: t}
}

type realTimer struct{ t *time.Timer }

// preciseWindow is the last part of a sleep that is done with a blocking
// nanosleep instead of a Go timer. Go timers fire through the network
// poller, whose wake-ups are late by up to a millisecond or more; at 100 Hz
// that is a tenth of the period. A nanosleep on the control loop's own
// thread (locked, possibly SCHED_FIFO) wakes within tens of microseconds.
// The window is not interruptible, so cancellation may wait up to 2 ms.
const preciseWindow = 2 * time.Millisecond

// SleepUntil implements Timer: a cancellable Go timer for all but the last
// preciseWindow, then a precise sleep. Since Go 1.23, Reset on a stopped
// or fired timer never delivers a stale value, so no draining is needed.
func (r *realTimer) SleepUntil(ctx context.Context, t time.Time, wake <-chan struct{}) error {
	if d := time.Until(t) - preciseWindow; d > 0 {
		r.t.Reset(d)
		select {
		case <-r.t.C:
		case <-wake:
			r.t.Stop()
			return nil
		case <-ctx.Done():
			r.t.Stop()
			return ctx.Err()
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if wake == nil {
		sleepPrecise(time.Until(t))
		return nil
	}
	// Something else may wake us: stay interruptible, as precision only
	// matters for the control loop, which never passes wake.
	if d := time.Until(t); d > 0 {
		r.t.Reset(d)
		select {
		case <-r.t.C:
		case <-wake:
			r.t.Stop()
		case <-ctx.Done():
			r.t.Stop()
			return ctx.Err()
		}
	}
	return nil
}

func (r *realTimer) Stop() { r.t.Stop() }
