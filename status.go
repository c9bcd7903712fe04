package rosys

import (
	"fmt"
	"time"

	"github.com/gorosys/rosys/persistence"
)

// Status is a snapshot of the runtime for the API and the dashboard; the
// storage's part is package storage's (storage.StatusOf).
type Status struct {
	Name      string           `json:"name"`
	State     string           `json:"state"`
	StartedAt time.Time        `json:"started_at,omitzero"`
	UptimeS   float64          `json:"uptime_s"`
	Control   LoopStats        `json:"control"`
	Modules   []ModuleInfo     `json:"modules"`
	Repeaters []RepeaterStatus `json:"repeaters"`
	Process   ProcessStats     `json:"process"`
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
	var st Status
	r.StatusInto(&st)
	return st
}

// StatusInto is Status written into st, reusing the room of st.Modules and
// st.Repeaters, so that a caller polling with one Status allocates nothing
// here in steady state. The Roles and DependsOn of the modules are shared
// with the runtime: read them, never change them.
func (r *Runtime) StatusInto(st *Status) {
	mods, reps := st.Modules[:0], st.Repeaters[:0]
	r.mu.Lock()
	*st = Status{Name: r.cfg.Name, State: r.state, StartedAt: r.startedAt}
	// Built under the lock rather than from a copy of the lists: a few
	// atomic loads per entry, nothing that waits.
	for _, m := range r.mods {
		mods = append(mods, ModuleInfo{Name: m.name, Type: m.typ, Roles: m.roles, Started: m.started.Load(), DependsOn: m.deps})
	}
	for _, rep := range r.repeaters {
		rs := RepeaterStatus{Name: rep.name, IntervalS: rep.interval.Seconds(), Runs: rep.runs.Load(),
			Errors: rep.errors.Load(), Panics: rep.panics.Load()}
		if e := rep.lastErr.Load(); e != nil {
			rs.LastError = *e
		}
		reps = append(reps, rs)
	}
	r.mu.Unlock()
	// Empty lists stay null, as they were before StatusInto reused room.
	if len(mods) > 0 {
		st.Modules = mods
	}
	if len(reps) > 0 {
		st.Repeaters = reps
	}
	if !st.StartedAt.IsZero() {
		st.UptimeS = r.clock.Now().Sub(st.StartedAt).Seconds()
	}
	st.Control = r.stats.snapshot(r.cfg.ControlPeriod)
	st.Process = r.stats.process()
	st.Control.Realtime = r.realtime.Load()
	if n := r.rtNote.Load(); n != nil {
		st.Control.RealtimeNote = *n
	}
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
