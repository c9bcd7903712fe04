package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Service is the service manager's view of the robot's unit.
type Service interface {
	// Restart stops the unit (waiting for it to stop), clears a failed
	// state and starts it without waiting for it to become ready.
	Restart(ctx context.Context) error
	State(ctx context.Context) (ServiceState, error)
}

// ServiceState is what systemctl show says of the unit.
type ServiceState struct {
	Active    string // ActiveState: active, activating, failed, ...
	Sub       string // SubState: running, start, auto-restart, ...
	MainPID   int
	NRestarts int
	Result    string
}

// Ready is systemd's word that a Type=notify service sent READY=1 and runs.
func (s ServiceState) Ready() bool {
	return s.Active == "active" && s.Sub == "running" && s.MainPID > 0
}

// Exited tells that the main process ended by itself (systemd is about to
// restart it or gave up).
func (s ServiceState) Exited() bool { return s.Active == "failed" || s.Sub == "auto-restart" }

// UpdateOptions says what `rosys update` does.
type UpdateOptions struct {
	Layout Layout
	// Binary is the new binary (rollback: the previous version's).
	Binary  string
	Service Service
	// Probe asks the running robot which install id it runs from
	// (/api/status version.running_id); nil: systemd's word alone.
	Probe func(ctx context.Context) (string, error)
	// Backup exports the robot's state before the switch and returns
	// where it went; nil skips it.
	Backup func(ctx context.Context) (string, error)
	// Timeout bounds the wait for the new version to become ready (and,
	// after a rollback, for the old one).
	Timeout time.Duration
	// Poll is the interval between looks (default 250 ms).
	Poll time.Duration
	Log  io.Writer
}

// UpdateRecord is /opt/rosys/last-update.json, also in /api/status.
type UpdateRecord struct {
	At      time.Time `json:"at"`
	From    string    `json:"from"`
	To      string    `json:"to"`
	Outcome string    `json:"outcome"` // kept | rolled back | rolled back, old version not ready
	Reason  string    `json:"reason,omitempty"`
	Backup  string    `json:"backup,omitempty"`
}

// Sentinel errors callers branch on.
var (
	ErrRolledBack  = errors.New("update rolled back")
	ErrSameVersion = errors.New("that version is running already")
)

// Update switches the service to o.Binary and keeps it only if it becomes
// ready within o.Timeout; otherwise it switches back to the version that
// ran and restarts that. The data directory is never touched.
func Update(ctx context.Context, o UpdateOptions) (UpdateRecord, error) {
	l := o.Layout
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Poll <= 0 {
		o.Poll = 250 * time.Millisecond
	}
	say := func(format string, a ...any) { fmt.Fprintf(o.Log, "update: "+format+"\n", a...) }
	unlock, err := l.lock()
	if err != nil {
		return UpdateRecord{}, err
	}
	defer unlock()
	old, err := l.CurrentID()
	if err != nil {
		return UpdateRecord{}, err
	}
	if old == "" {
		return UpdateRecord{}, ErrNotInstalled
	}
	oldPrev, err := l.PreviousID()
	if err != nil {
		return UpdateRecord{}, err
	}
	id, err := l.Stage(ctx, o.Binary)
	if err != nil {
		return UpdateRecord{}, err
	}
	if id == old {
		return UpdateRecord{}, fmt.Errorf("%w (%s)", ErrSameVersion, id)
	}
	rec := UpdateRecord{At: time.Now().UTC(), From: old, To: id}
	if o.Backup != nil {
		path, err := o.Backup(ctx)
		if err != nil {
			return rec, fmt.Errorf("export before the update failed, nothing changed: %w (--no-backup skips the export)", err)
		}
		rec.Backup = path
		say("state exported to %s", path)
	}
	// previous first: a power cut between the two renames leaves the old
	// version current, with previous naming it too.
	if err := l.setLink(l.Previous(), old); err != nil {
		return rec, fmt.Errorf("previous: %w", err)
	}
	if err := l.setLink(l.Current(), id); err != nil {
		return rec, fmt.Errorf("current: %w", err)
	}
	say("current -> %s (was %s); restarting", id, old)
	err = o.Service.Restart(ctx)
	if err == nil {
		err = waitReady(ctx, o, id)
	}
	if err == nil {
		rec.Outcome = "kept"
		say("%s is ready: kept (previous: %s)", id, old)
		if err := l.prune(); err != nil {
			say("removing old versions and exports: %v", err)
		}
		return rec, l.record(rec)
	}
	// Back to the old version; previous names what it named before.
	rec.Reason = err.Error()
	say("%s not ready: %v; rolling back to %s", id, err, old)
	if err := l.setLink(l.Current(), old); err != nil {
		return rec, fmt.Errorf("rollback: current: %w", err)
	}
	if oldPrev != "" {
		if err := l.setLink(l.Previous(), oldPrev); err != nil {
			return rec, fmt.Errorf("rollback: previous: %w", err)
		}
	} else if err := os.Remove(l.Previous()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return rec, fmt.Errorf("rollback: previous: %w", err)
	}
	rec.Outcome = "rolled back"
	err = o.Service.Restart(ctx)
	if err == nil {
		err = waitReady(ctx, o, old)
	}
	if err != nil {
		rec.Outcome = "rolled back, old version not ready"
		_ = l.record(rec)
		return rec, fmt.Errorf("%w to %s, which is not ready either: %v (journalctl -u rosys)", ErrRolledBack, old, err)
	}
	say("%s runs again", old)
	if err := l.record(rec); err != nil {
		return rec, err
	}
	return rec, fmt.Errorf("%w to %s: %s", ErrRolledBack, old, rec.Reason)
}

// waitReady waits until systemd says the unit is ready and the robot
// answers that it runs version id.
func waitReady(ctx context.Context, o UpdateOptions, id string) error {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	t := time.NewTicker(o.Poll)
	defer t.Stop()
	var last error
	for {
		st, err := o.Service.State(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			// The deadline cut the look short: the last state says more.
		case err != nil:
			last = err
		case st.Exited():
			return fmt.Errorf("the service exited (%s/%s, result %s)", st.Active, st.Sub, st.Result)
		case !st.Ready():
			last = fmt.Errorf("not ready (%s/%s)", st.Active, st.Sub)
		case o.Probe == nil:
			return nil
		default:
			got, err := o.Probe(ctx)
			if err == nil && got == id {
				return nil
			}
			if err == nil {
				err = fmt.Errorf("/api/status says it runs %q", got)
			}
			last = err
		}
		select {
		case <-ctx.Done():
			if last == nil {
				last = ctx.Err()
			}
			return fmt.Errorf("not ready within %s: %v", o.Timeout, last)
		case <-t.C:
		}
	}
}

// LastUpdate reads last-update.json (nil when there is none).
func (l Layout) LastUpdate() *UpdateRecord {
	b, err := readBounded(l.path(Prefix+"/last-update.json"), 64<<10)
	if err != nil {
		return nil
	}
	var r UpdateRecord
	if json.Unmarshal(b, &r) != nil {
		return nil
	}
	return &r
}

func (l Layout) record(r UpdateRecord) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(l.path(Prefix+"/last-update.json"), append(b, '\n'), 0o644)
}

// lock holds an exclusive flock on the layout for the whole update: two
// updates at once would interleave their renames.
func (l Layout) lock() (func(), error) {
	dir := l.path(Prefix)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, ".update.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another update or rollback runs (lock %s): %w", f.Name(), err)
	}
	return func() { f.Close() }, nil
}
