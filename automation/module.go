package automation

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/gorosys/rosys/persistence"
	"go.uber.org/zap"
)

// Module is the Automator as a runtime module: persistent (the record),
// started after the store restored it, stopped at shutdown without
// touching the record, so the final flush keeps the checkpoint.
type Module struct {
	persistence.Tracker
	a *Automator
}

// Backup implements persistence.Persistable.
func (m *Module) Backup() any {
	m.a.mu.Lock()
	defer m.a.mu.Unlock()
	return m.a.rec.clone()
}

// Restore implements persistence.Persistable. At start-up it takes the
// stored record; on a running robot (an import, a PUT) it replaces the
// current automation, which comes back paused at the restored checkpoint.
func (m *Module) Restore(data json.RawMessage) error {
	// Through the persistence package's decoder, so field names match
	// exactly there too ({"STATE": ...} is refused, not taken for state).
	rec, err := persistence.FromJSON(data, Record{})
	if err != nil {
		return err
	}
	switch rec.State {
	case "":
		rec.State = Idle
	case Idle, Running, Paused, Stopped, Completed, Failed:
	default:
		return fmt.Errorf("state %q is not one of idle, running, paused, stopped, completed, failed", rec.State)
	}
	a := m.a
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.started {
		a.rec = rec
		return nil
	}
	if a.shutdown {
		return ErrShutdown
	}
	if _, ok := a.fns[rec.Name]; (rec.State == Running || rec.State == Paused) && !ok {
		return fmt.Errorf("%w: %q", ErrUnknown, rec.Name)
	}
	a.disown()
	if rec.State == Running {
		rec.State, rec.Reason = Paused, "restored from stored state; resume to continue"
	}
	a.rec = rec
	a.changedLocked(EventPaused, rec.Reason)
	return nil
}

// Start implements rosys.Starter: it takes the restored record (paused at
// its checkpoint, or idle with the reason it is unusable) and watches the
// safety stops.
func (m *Module) Start(context.Context) error {
	a := m.a
	a.mu.Lock()
	a.base, a.stopBase = context.WithCancel(context.Background())
	a.started = true
	a.recoverLocked()
	resume := a.cfg.AutoResume && a.rec.State == Paused
	a.running.Store(false)
	a.mu.Unlock()
	m.RequestBackup()
	if resume {
		if err := a.Resume(); err != nil {
			a.log.Warn("auto_resume refused", zap.Error(err))
		}
	}
	if il := a.cfg.Interlock; il != nil {
		ctx := a.base
		a.cfg.Clock.Go(func() { a.watchStops(ctx, il) })
	}
	return nil
}

// recoverLocked turns the restored record into the state after a
// restart; a.mu held.
func (a *Automator) recoverLocked() {
	if a.cfg.Fresh {
		a.rec = Record{State: Idle}
		return
	}
	if rr := a.cfg.Restore; rr != nil {
		if st, err := rr.ModuleStatus(a.cfg.Key); err == nil && st.RestoreError != "" {
			switch st.RestoredFrom {
			case persistence.FromDefaults:
				a.rec = Record{State: Idle, Reason: "checkpoint unusable, kept aside: " + st.RestoreError}
				a.log.Error("automation checkpoint unusable; idle", zap.String("error", st.RestoreError), zap.Strings("moved_aside", st.MovedAside))
				return
			case persistence.FromPrevious:
				a.log.Warn("automation checkpoint damaged; using the previous one", zap.String("error", st.RestoreError))
			}
		}
	}
	switch a.rec.State {
	case Running, Paused:
		if _, ok := a.fns[a.rec.Name]; !ok {
			a.rec = Record{State: Idle, Reason: fmt.Sprintf("checkpoint of unknown automation %q dropped (registered: %v)", a.rec.Name, a.names)}
			return
		}
		was := a.rec.State
		a.rec.State = Paused
		if was == Running {
			a.rec.Reason = "interrupted by a restart; resume to continue from the last checkpoint"
		} else {
			a.rec.Reason += " (then restarted)"
		}
		a.log.Info("automation restored paused", zap.String("automation", a.rec.Name), zap.ByteString("checkpoint", a.rec.Checkpoint))
	case "":
		a.rec.State = Idle
	}
}

// watchStops pauses the automation when a safety stop trips. It sleeps
// on the clock until the Arbiter's control step signals a trip, since the
// control loop itself must not take the automator's lock.
func (a *Automator) watchStops(ctx context.Context, il Interlock) {
	timer := a.cfg.Clock.NewTimer()
	defer timer.Stop()
	for {
		if err := timer.SleepUntil(ctx, a.cfg.Clock.Now().Add(24*time.Hour), il.Tripped()); err != nil {
			return
		}
		count, name := il.TripCount(), il.LastTrip()
		if n, ok := il.Blocked(); ok {
			name = n
		}
		if name != "" {
			a.pauseOnTrip(count, name)
		}
	}
}

// Stop implements rosys.Stopper: the automation's goroutine is cancelled
// but the record is left as it is, so the robot comes back paused at the
// checkpoint.
func (m *Module) Stop(context.Context) error {
	a := m.a
	a.mu.Lock()
	defer a.mu.Unlock()
	a.shutdown = true
	if a.cancel != nil {
		a.cancel()
	}
	if a.stopBase != nil {
		a.stopBase()
	}
	a.running.Store(false)
	a.abort()
	return nil
}

// Names lists the registered automations.
func (a *Automator) Names() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.names)
}
