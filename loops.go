package rosys

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// startLoops starts the storage's loops, the repeaters and the watchdog on
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
		for _, fn := range r.store.Loops(LoopEnv{Clock: r.clock, BackupInterval: r.cfg.BackupInterval, Log: r.log}) {
			run(fn)
		}
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
