package rosys

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// startLoops starts the backup loop, the repeaters and the watchdog on
// clock goroutines; the returned channel closes when all have returned.
func (r *Runtime) startLoops(ctx context.Context) <-chan struct{} {
	var wg sync.WaitGroup
	run := func(fn func(context.Context)) {
		wg.Add(1)
		r.clock.Go(func() {
			defer wg.Done()
			fn(ctx)
		})
	}
	if r.store != nil {
		run(r.backupLoop)
	}
	if r.cfg.Schedule != nil {
		run(r.scheduleLoop)
	}
	if r.store != nil && r.store.Mirror() != nil {
		run(r.mirrorLoop)
	}
	r.mu.Lock()
	reps := r.repeaters
	r.mu.Unlock()
	for _, rep := range reps {
		run(func(ctx context.Context) { r.repeat(ctx, rep) })
	}
	if iv := r.watchdogInterval(); iv > 0 {
		run(func(ctx context.Context) { r.watchdog(ctx, iv) })
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}

type backupStats struct {
	cycles   atomic.Uint64
	failures atomic.Uint64
	lastDur  atomic.Int64
	lastErr  atomic.Pointer[string] // nil after a good cycle
	// For /metrics (see metrics.go).
	durations    Histogram
	bytes        atomic.Uint64
	lastBytes    atomic.Uint64
	mirrorErrors atomic.Uint64
}

// Backoff between retries of a failed commit.
const (
	retryFirst = 100 * time.Millisecond
	retryMax   = 10 * time.Second
)

// backupLoop commits requested backups once per BackupInterval, or as soon
// as a module asks when the interval is negative. It runs apart from the
// control loop, so a slow disk delays only the next backup.
//
// A failed commit is retried after 100 ms, doubling to 10 s, whatever the
// interval: with "commit at once" nothing else would ever wake the loop
// for a change whose write failed (a full disk), and a power cut would
// take that acknowledged change once space was freed.
func (r *Runtime) backupLoop(ctx context.Context) {
	timer := r.clock.NewTimer()
	defer timer.Stop()
	var retry time.Duration // 0 after a good cycle
	saves := map[string]uint64{}
	for {
		next, wake := r.clock.Now().Add(r.cfg.BackupInterval), (<-chan struct{})(nil)
		if r.cfg.BackupInterval < 0 {
			next, wake = r.clock.Now().Add(24*time.Hour), r.store.Requests()
		}
		if at := r.clock.Now().Add(retry); retry > 0 && at.Before(next) {
			next = at
		}
		if timer.SleepUntil(ctx, next, wake) != nil {
			return
		}
		start := time.Now()
		if err := r.store.BackupRequested(ctx); err != nil {
			r.backup.failures.Add(1) // the store logged each module's error
			msg := err.Error()
			r.backup.lastErr.Store(&msg)
			retry = min(max(2*retry, retryFirst), retryMax)
		} else {
			r.backup.lastErr.Store(nil)
			retry = 0
		}
		r.backup.cycles.Add(1)
		took := time.Since(start)
		r.backup.lastDur.Store(int64(took))
		r.backup.durations.Observe(took)
		r.countWritten(saves)
	}
}

// mirrorLoop uploads commits to remote storage on its own goroutine, so
// a slow or unreachable bucket delays neither the control loop nor local
// commits. After a failure it waits for the mirror's backoff.
func (r *Runtime) mirrorLoop(ctx context.Context) {
	m := r.store.Mirror()
	timer := r.clock.NewTimer()
	defer timer.Stop()
	for {
		if err := m.Sync(ctx); err != nil && ctx.Err() == nil && !m.Status().Blocked {
			r.backup.mirrorErrors.Add(1) // logged and in the status
		}
		next := m.NextTry()
		if next.IsZero() {
			next = r.clock.Now().Add(24 * time.Hour) // until a commit wakes us
		}
		if timer.SleepUntil(ctx, next, m.Wake()) != nil {
			return
		}
	}
}

// scheduleLoop runs the daily backup schedule on the runtime's clock.
func (r *Runtime) scheduleLoop(ctx context.Context) {
	timer := r.clock.NewTimer()
	defer timer.Stop()
	for {
		next := r.cfg.Schedule.Tick(ctx, r.clock.Now())
		if timer.SleepUntil(ctx, next, nil) != nil {
			return
		}
	}
}

// repeater is a function run every interval, as RoSys' on_repeat.
type repeater struct {
	name     string
	interval time.Duration
	fn       func(context.Context) error
	runs     atomic.Uint64
	errors   atomic.Uint64
	panics   atomic.Uint64
	lastErr  atomic.Pointer[string]
}

// OnRepeat runs fn every interval on its own goroutine while the robot
// runs, starting one interval after start-up. An error or a panic in fn is
// logged and counted, and the repeater goes on.
func (r *Runtime) OnRepeat(name string, interval time.Duration, fn func(context.Context) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.repeaters = append(r.repeaters, &repeater{name: name, interval: interval, fn: fn})
}

func (r *Runtime) repeat(ctx context.Context, rep *repeater) {
	timer := r.clock.NewTimer()
	defer timer.Stop()
	next := r.clock.Now()
	for {
		next = next.Add(rep.interval)
		if now := r.clock.Now(); next.Before(now) {
			next = now // a slow run does not cause a burst of catch-up runs
		}
		if timer.SleepUntil(ctx, next, nil) != nil {
			return
		}
		rep.runs.Add(1)
		var panicked bool
		err := func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					panicked = true
					err = panicError{p}
				}
			}()
			return rep.fn(ctx)
		}()
		if err != nil {
			if panicked {
				rep.panics.Add(1)
			} else {
				rep.errors.Add(1)
			}
			msg := err.Error()
			rep.lastErr.Store(&msg)
			r.log.Error("repeater failed", zap.String("repeater", rep.name), zap.Error(err), zap.Bool("panic", panicked))
		}
	}
}

type panicError struct{ v any }

func (p panicError) Error() string { return fmt.Sprint("panic: ", p.v) }
