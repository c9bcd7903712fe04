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
