package rosys

import (
	"fmt"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/mirror"
)

// Status is a snapshot of the runtime for the API and the dashboard.
type Status struct {
	Name        string                     `json:"name"`
	State       string                     `json:"state"`
	StartedAt   time.Time                  `json:"started_at,omitzero"`
	UptimeS     float64                    `json:"uptime_s"`
	Control     LoopStats                  `json:"control"`
	Backup      BackupStatus               `json:"backup"`
	Modules     []ModuleInfo               `json:"modules"`
	Repeaters   []RepeaterStatus           `json:"repeaters"`
	Persistence []persistence.ModuleStatus `json:"persistence"`
	Schedule    *archive.ScheduleStatus    `json:"schedule,omitempty"`
	Mirror      *mirror.Status             `json:"mirror,omitempty"`
	// Imports are the newest imports and their outcomes, oldest first
	// (store.Store.Imports).
	Imports []archive.ImportRecord `json:"imports,omitempty"`
	Process ProcessStats           `json:"process"`
}

// BackupStatus describes the backup loop.
type BackupStatus struct {
	IntervalS    float64 `json:"interval_s"`
	Cycles       uint64  `json:"cycles"`
	Failures     uint64  `json:"failures"`
	LastCycleMS  float64 `json:"last_cycle_ms"`
	DataDir      string  `json:"data_dir,omitempty"`
	PendingCount int     `json:"pending"`
	// LastError is the last cycle's error; empty once a cycle succeeds.
	// The module's own status says which write failed and why.
	LastError string `json:"last_error,omitempty"`
	// ReservedFiles are module files found at start whose keys are now
	// reserved (persistence.ValidateKey): kept untouched, not restored.
	ReservedFiles []string `json:"reserved_files,omitempty"`
}

// ModuleInfo describes one added module.
type ModuleInfo struct {
	Name      string   `json:"name"`
	Type      string   `json:"type"`
	Roles     []string `json:"roles"`
	Started   bool     `json:"started"`
	DependsOn []string `json:"depends_on,omitempty"`
}

// RepeaterStatus describes one OnRepeat function.
type RepeaterStatus struct {
	Name      string  `json:"name"`
	IntervalS float64 `json:"interval_s"`
	Runs      uint64  `json:"runs"`
	Errors    uint64  `json:"errors"`
	Panics    uint64  `json:"panics"`
	LastError string  `json:"last_error,omitempty"`
}

// Status reports the runtime's state. It takes no lock the control loop
// uses, so it is safe to call at any rate.
func (r *Runtime) Status() Status {
	r.mu.Lock()
	st := Status{Name: r.cfg.Name, State: r.state, StartedAt: r.startedAt}
	mods := append([]*module(nil), r.mods...)
	reps := append([]*repeater(nil), r.repeaters...)
	r.mu.Unlock()
	if !st.StartedAt.IsZero() {
		st.UptimeS = r.clock.Now().Sub(st.StartedAt).Seconds()
	}
	st.Control = r.stats.snapshot(r.cfg.ControlPeriod)
	st.Process = processStats()
	st.Control.Realtime = r.realtime.Load()
	if n := r.rtNote.Load(); n != nil {
		st.Control.RealtimeNote = *n
	}
	for _, m := range mods {
		st.Modules = append(st.Modules, ModuleInfo{
			Name: m.name, Type: typeName(m.v), Roles: roles(m.v), Started: m.started.Load(), DependsOn: m.deps,
		})
	}
	for _, rep := range reps {
		rs := RepeaterStatus{Name: rep.name, IntervalS: rep.interval.Seconds(), Runs: rep.runs.Load(),
			Errors: rep.errors.Load(), Panics: rep.panics.Load()}
		if e := rep.lastErr.Load(); e != nil {
			rs.LastError = *e
		}
		st.Repeaters = append(st.Repeaters, rs)
	}
	st.Backup = BackupStatus{
		IntervalS:   max(r.cfg.BackupInterval, 0).Seconds(), // 0: commit at once
		Cycles:      r.backup.cycles.Load(),
		Failures:    r.backup.failures.Load(),
		LastCycleMS: float64(r.backup.lastDur.Load()) / 1e6,
	}
	if e := r.backup.lastErr.Load(); e != nil {
		st.Backup.LastError = *e
	}
	if r.cfg.Schedule != nil {
		ss := r.cfg.Schedule.Status()
		st.Schedule = &ss
	}
	if r.store != nil && r.store.Mirror() != nil {
		ms := r.store.Mirror().Status()
		st.Mirror = &ms
	}
	if r.store != nil {
		st.Persistence = r.store.Status()
		st.Imports = r.store.Imports()
		st.Backup.DataDir = r.store.Dir()
		st.Backup.ReservedFiles = r.store.ReservedFiles()
		for _, p := range st.Persistence {
			if p.Pending {
				st.Backup.PendingCount++
			}
		}
	}
	return st
}

func roles(v any) []string {
	var out []string
	if _, ok := v.(Starter); ok {
		out = append(out, "starter")
	}
	if _, ok := v.(Stopper); ok {
		out = append(out, "stopper")
	}
	if _, ok := v.(Stepper); ok {
		out = append(out, "stepper")
	}
	if _, ok := v.(Actuator); ok {
		out = append(out, "actuator")
	}
	if _, ok := v.(persistence.Persistable); ok {
		out = append(out, "persistent")
	}
	return out
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }
