package rosys

import (
	"context"
	"runtime"
	"time"

	"github.com/gorosys/rosys/clock"

	"go.uber.org/zap"
)

// controlLoop ticks every period on its own OS thread until ctx is done.
// Ticks are scheduled on a fixed grid (start + k*period), so lateness does
// not accumulate; a tick that runs into the next slot skips the slots it
// missed and counts them as overruns, rather than firing a burst to catch up.
//
// Steady state allocates nothing: the timer is reused, the steppers slice
// is fixed before the loop starts, and statistics are atomic stores.
func (r *Runtime) controlLoop(ctx context.Context, done chan<- struct{}, timer clock.Timer) {
	defer close(done)
	// The thread is never unlocked: if it got real-time priority, it must
	// die with this goroutine instead of going back to Go's thread pool.
	runtime.LockOSThread()
	r.tryRealtime()

	period := r.cfg.ControlPeriod
	defer timer.Stop()
	next := r.clock.Now().Add(period)
	for ok := true; ok; {
		next, ok = r.tick(ctx, timer, next, period)
	}
}

// tick sleeps until next, runs the steppers and returns when the following
// tick is due; false once ctx is done.
func (r *Runtime) tick(ctx context.Context, timer clock.Timer, next time.Time, period time.Duration) (time.Time, bool) {
	if timer.SleepUntil(ctx, next, nil) != nil {
		return next, false
	}
	start := r.clock.Now()
	for _, s := range r.steppers {
		r.step(s, start, period)
	}
	end := r.clock.Now()
	r.stats.record(start.Sub(next), end.Sub(start))
	next = next.Add(period)
	if !end.Before(next) {
		missed := end.Sub(next)/period + 1
		r.stats.overruns.Add(uint64(missed))
		next = next.Add(missed * period)
	}
	return next, true
}

// step runs one stepper; a panic is logged and counted, and the loop goes
// on: a robot whose control loop died would keep its last command.
func (r *Runtime) step(s namedStepper, now time.Time, period time.Duration) {
	defer func() {
		if p := recover(); p != nil {
			r.stats.panics.Add(1)
			r.log.Error("panic in control step", zap.String("module", s.name), zap.Any("panic", p))
		}
	}()
	s.Step(now, period)
}

type namedStepper struct {
	Stepper
	name string
}

func (r *Runtime) tryRealtime() {
	if err := setTimerSlack(); err != nil {
		r.log.Debug("control loop keeps the default timer slack", zap.Error(err))
	}
	if r.cfg.DisableRealtime {
		r.rtNote.Store(ptr("disabled by configuration"))
		return
	}
	if err := setRealtime(r.cfg.RealtimePriority); err != nil {
		r.rtNote.Store(ptr("SCHED_FIFO not permitted: " + err.Error()))
		r.log.Info("control loop runs without real-time priority",
			zap.Error(err), zap.String("hint", "grant CAP_SYS_NICE or run under systemd with CPUSchedulingPolicy=fifo"))
		return
	}
	r.realtime.Store(true)
	r.log.Info("control loop runs with real-time priority", zap.String("policy", "SCHED_FIFO"), zap.Int("priority", r.cfg.RealtimePriority))
}

func ptr[T any](v T) *T { return &v }

// controlTimer is the timer the control loop sleeps on, decided once per
// run: pinned on the real clock unless Config.SharedP.
// pinned tells whether the timer keeps its P.
func (r *Runtime) controlTimer() (t clock.Timer, pinned bool) {
	t = r.clock.NewTimer()
	if r.cfg.SharedP {
		return t, false
	}
	return clock.Pin(t)
}
