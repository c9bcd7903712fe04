package robot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/clock"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/storage"
	"go.uber.org/zap"
)

// StartOnFirstRun makes the robot start the automation name once it runs,
// if it has no automation state stored yet (robot.yaml's
// automation.start_on_first_run; New calls it), and makes the start
// durable at once. Call before Run. Nothing else
// ever starts the robot moving on its own: without the key a robot, the
// demo included, waits for an operator; and a robot that ran before comes
// back as it was (paused at its checkpoint, stopped, completed).
//
// "No state stored" cannot tell a first run from a robot killed before
// its first commit, so the start is committed before the hook returns:
// a power cut after it brings the robot back paused, not started again.
func (r *Robot) StartOnFirstRun(name string) {
	clock, store := r.Runtime.Clock(), storage.StoreOf(r.Runtime)
	r.Runtime.OnStartup(func(ctx context.Context) error {
		// A name nothing registered is an error at every start, not only
		// on the first.
		if names := r.Automator.Names(); !slices.Contains(names, name) {
			return fmt.Errorf("automation.start_on_first_run: %w: %q (registered: %v)", automation.ErrUnknown, name, names)
		}
		if !r.neverRan(store) {
			return nil
		}
		err := r.Automator.Start(name)
		switch {
		case errors.Is(err, automation.ErrBlocked):
			// A controller reports its e-stop active until it talks:
			// start once nothing stops the robot any more.
			clock.Go(func() { r.startWhenClear(ctx, clock, name) })
			return nil
		case err != nil:
			return fmt.Errorf("automation.start_on_first_run: %w", err)
		}
		r.log.Info("first run: automation started (automation.start_on_first_run)", zap.String("automation", name))
		return r.commitStart(ctx)
	})
}

func (r *Robot) commitStart(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := r.CommitOperating(cctx); err != nil {
		r.log.Warn("first run: the automation's start is not durable yet", zap.Error(err))
	}
	return nil
}

// startWhenClear tries to start the automation every 100 ms of the
// runtime's clock until it starts, someone else starts or stops something,
// or the robot shuts down.
func (r *Robot) startWhenClear(ctx context.Context, clock clock.Clock, name string) {
	timer := clock.NewTimer()
	defer timer.Stop()
	for {
		if timer.SleepUntil(ctx, clock.Now().Add(100*time.Millisecond), nil) != nil {
			return
		}
		if st := r.Automator.Status(); st.State != automation.Idle || st.Reason != "" {
			return
		}
		err := r.Automator.Start(name)
		if err == nil {
			_ = r.commitStart(ctx)
		}
		if !errors.Is(err, automation.ErrBlocked) {
			return
		}
	}
}

func (r *Robot) neverRan(store *store.Store) bool {
	if st := r.Automator.Status(); st.State != automation.Idle || st.Reason != "" {
		return false
	}
	if store == nil || store.ReadOnly() {
		return true
	}
	ms, err := store.ModuleStatus(automation.DefaultKey)
	return err == nil && ms.RestoredFrom == persistence.FromDefaults && ms.RestoreError == ""
}
