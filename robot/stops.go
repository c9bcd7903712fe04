package robot

import (
	"context"
	"errors"
	"fmt"

	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/persistence/store"
)

// Stops names every stop active now, in one list: each e-stop pin and
// bumper and the soft e-stop as the Arbiter names them ("estop", "soft
// estop", "bumper front"), the Driver's hold on its path ("stale pose",
// "pose unconfirmed"), then each reason the motor controller refuses
// to drive ("lizard: controller not connected"). Empty when the robot may
// move. /api/status shows it as "stops"; commands it refuses name it.
func (r *Robot) Stops() []string {
	out := []string{}
	for _, s := range r.Arbiter.Status().Stops {
		if s.Active {
			out = append(out, s.Name)
		}
	}
	if h := r.Driver.Held(); h != "" && r.Automator.Running() {
		// The path waits for a fresh or confirmed pose. Only while the
		// automation runs: paused, its path does not move the wheels, and
		// the operator may steer.
		out = append(out, h)
	}
	if r.hw.Refusing != nil {
		for _, reason := range r.hw.Refusing() {
			out = append(out, "lizard: "+reason)
		}
	}
	return out
}

// CommitOperating makes the operating state (the automation's record and
// the soft e-stop) durable now, and returns once it is: an operator's
// start, pause, resume, stop and e-stop survive a power cut the moment
// the API answers. Without a store, or in a replay, there is nothing to
// commit.
func (r *Robot) CommitOperating(ctx context.Context) error {
	if r.Store == nil || r.Store.ReadOnly() {
		return nil
	}
	// One commit writes every module that asked, these two included;
	// WaitDurable then returns at once, or waits for a cycle that was
	// already writing an older state. Another module failing to write
	// does not matter here, only whether these two are durable.
	commitErr := r.Store.BackupRequested(ctx)
	for _, key := range []string{automation.DefaultKey, driving.SoftEStopKey} {
		err := r.Store.WaitDurable(ctx, key)
		if err != nil && !errors.Is(err, store.ErrReadOnly) && !errors.Is(err, store.ErrUnknownKey) {
			return fmt.Errorf("%s not durable: %w", key, errors.Join(err, commitErr))
		}
	}
	return nil
}
