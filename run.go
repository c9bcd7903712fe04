package rosys

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gorosys/rosys/internal/procs"
	"go.uber.org/zap"
)

// Run starts the robot and runs it until ctx is done, then shuts it down:
//
//	restore persistent modules → start modules in dependency order →
//	OnStartup hooks → control loop, backup loop, repeaters, watchdog →
//	READY=1 … ctx done … STOPPING=1 → control loop stops → actuators'
//	SafeStop → loops stop → OnShutdown hooks → modules stop in reverse
//	order → final flush of every persistent module.
//
// If a start fails, the modules already started are stopped in reverse
// order and Run returns the error naming the module. After a shutdown Run
// returns nil, or the final flush's error naming each module not saved.
func (r *Runtime) Run(ctx context.Context) error {
	if !r.runCalled.CompareAndSwap(false, true) {
		return ErrAlreadyRun
	}
	defer close(r.stopped)
	r.mu.Lock()
	r.state = StateStarting
	r.startedAt = r.clock.Now()
	mods := slices.Clone(r.mods)
	r.mu.Unlock()

	order, err := startOrder(mods)
	if err != nil {
		r.setState(StateFailed)
		return err
	}
	if r.store != nil {
		if err := r.store.Restore(ctx); err != nil {
			r.setState(StateFailed)
			return fmt.Errorf("restore: %w", err)
		}
	}
	started, err := r.startModules(ctx, order)
	if err != nil {
		r.stopModules(context.Background(), started)
		r.setState(StateFailed)
		return err
	}
	for _, m := range order {
		if s, ok := m.v.(Stepper); ok {
			r.steppers = append(r.steppers, namedStepper{s, m.name})
		}
	}

	controlCtx, stopControl := context.WithCancel(context.Background())
	controlDone := make(chan struct{})
	timer, pinned := r.controlTimer()
	if pinned {
		// The control loop keeps one P to itself (see Config.SharedP).
		procs.Add(1) // runtimes that run at once (tests do) each add their own
		defer procs.Add(-1)
	}
	r.clock.Go(func() { r.controlLoop(controlCtx, controlDone, timer) })
	loopsCtx, stopLoops := context.WithCancel(context.Background())
	loopsDone := r.startLoops(loopsCtx)

	r.notify("READY=1")
	r.setState(StateRunning)
	close(r.ready)
	r.log.Info("running", zap.String("robot", r.cfg.Name), zap.Duration("control_period", r.cfg.ControlPeriod),
		zap.String("backup_interval", r.cfg.backupIntervalText()), zap.Int("modules", len(order)))

	<-ctx.Done()
	return r.shutdownAll(started, stopControl, controlDone, stopLoops, loopsDone)
}

func (r *Runtime) startModules(ctx context.Context, order []*module) ([]*module, error) {
	var started []*module
	for _, m := range order {
		s, ok := m.v.(Starter)
		if !ok {
			m.started.Store(true)
			started = append(started, m)
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, r.cfg.StartTimeout)
		err := callErr(func() error { return s.Start(sctx) })
		cancel()
		if err != nil {
			r.log.Error("start failed", zap.String("module", m.name), zap.Error(err))
			return started, fmt.Errorf("start module %q: %w", m.name, err)
		}
		m.started.Store(true)
		started = append(started, m)
		r.log.Debug("started", zap.String("module", m.name))
	}
	r.mu.Lock()
	hooks := slices.Clone(r.startup)
	r.mu.Unlock()
	for i, fn := range hooks {
		if err := callErr(func() error { return fn(ctx) }); err != nil {
			return started, fmt.Errorf("startup hook %d: %w", i+1, err)
		}
	}
	return started, nil
}

// shutdownAll runs the shutdown sequence within ShutdownTimeout. Each step
// is bounded, so a hung driver cannot keep the final flush from running.
func (r *Runtime) shutdownAll(started []*module, stopControl context.CancelFunc, controlDone <-chan struct{},
	stopLoops context.CancelFunc, loopsDone <-chan struct{}) error {
	begin := time.Now()
	r.setState(StateStopping)
	r.notify("STOPPING=1")
	r.log.Info("stopping")
	// The steps before the final flush share half the deadline; the flush
	// (and the upload after it) always keeps the rest, however many
	// drivers hang in Stop. The total stays within ShutdownTimeout.
	deadline := begin.Add(r.cfg.ShutdownTimeout)
	ctx, cancel := context.WithDeadline(context.Background(), begin.Add(r.cfg.ShutdownTimeout/2))
	defer cancel()

	stopControl()
	<-controlDone // a tick is short; the loop exits at its next sleep
	for _, m := range started {
		if a, ok := m.v.(Actuator); ok {
			if err := callErr(func() error { a.SafeStop(); return nil }); err != nil {
				r.log.Error("safe stop failed", zap.String("module", m.name), zap.Error(err))
			}
		}
	}
	stopLoops()
	select {
	case <-loopsDone:
	case <-ctx.Done():
		r.log.Error("backup loop or repeaters did not stop in time")
	}
	r.mu.Lock()
	hooks := slices.Clone(r.shutdown)
	r.mu.Unlock()
	for _, fn := range hooks {
		r.bounded(ctx, "shutdown hook", func(ctx context.Context) error { fn(ctx); return nil })
	}
	r.stopModules(ctx, started)

	ctx, cancel = context.WithDeadline(context.Background(), deadline)
	defer cancel()
	var flushErr error
	if r.store != nil {
		flushErr = r.store.FinalFlush(ctx)
		if flushErr != nil {
			r.log.Error("final flush failed", zap.Error(flushErr))
		}
	}
	r.setState(StateStopped)
	r.log.Info("stopped", zap.Duration("shutdown", time.Since(begin)))
	if flushErr != nil {
		return fmt.Errorf("final flush: %w", flushErr)
	}
	return nil
}

// stopModules stops started modules in reverse start order, each within
// StopTimeout and all within parent's deadline.
func (r *Runtime) stopModules(parent context.Context, started []*module) {
	for _, m := range slices.Backward(started) {
		s, ok := m.v.(Stopper)
		if !ok {
			continue
		}
		ctx, cancel := context.WithTimeout(parent, r.cfg.StopTimeout)
		if err := r.bounded(ctx, "stop "+m.name, s.Stop); err != nil {
			r.log.Error("stop failed", zap.String("module", m.name), zap.Error(err))
		}
		cancel()
		m.started.Store(false)
	}
}

// giveUpGrace is how long bounded still waits for a step after its
// deadline passed.
const giveUpGrace = 50 * time.Millisecond

// bounded runs fn and gives up waiting when ctx is done: a Stop that
// ignores its context must not hold up the final flush.
func (r *Runtime) bounded(ctx context.Context, what string, fn func(context.Context) error) error {
	done := make(chan error, 1)
	go func() { done <- callErr(func() error { return fn(ctx) }) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		// A step that gets its turn only as the deadline passes (an
		// earlier one used the time) still gets giveUpGrace to finish: a
		// Stop that returns at once is not reported as given up.
		grace := time.NewTimer(giveUpGrace)
		defer grace.Stop()
		select {
		case err := <-done:
			return err
		case <-grace.C:
		}
		return fmt.Errorf("%s: gave up: %w", what, ctx.Err())
	}
}

// callErr calls fn, turning a panic into an error.
func callErr(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return fn()
}

func (r *Runtime) notify(state string) {
	if err := r.cfg.Notifier.Notify(state); err != nil {
		r.log.Warn("sd_notify failed", zap.String("state", state), zap.Error(err))
	}
}
