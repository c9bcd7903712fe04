package storage

import (
	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/mirror"
)

// Status is the storage's part of the robot's status (/api/status beside
// rosys.Status).
type Status struct {
	Backup      BackupStatus               `json:"backup"`
	Persistence []persistence.ModuleStatus `json:"persistence"`
	Schedule    *archive.ScheduleStatus    `json:"schedule,omitempty"`
	Mirror      *mirror.Status             `json:"mirror,omitempty"`
	// Imports are the newest imports and their outcomes, oldest first
	// (store.Store.Imports).
	Imports []archive.ImportRecord `json:"imports,omitempty"`
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

// StatusOf reports the storage of rt; without a store it has the backup
// interval and nothing else. It takes no lock the control loop uses.
func StatusOf(rt *rosys.Runtime) Status {
	var st Status
	StatusInto(rt, &st)
	return st
}

// StatusInto is StatusOf written into st, reusing the room of
// st.Persistence, so that a caller polling with one Status (the API's
// status, a scrape) allocates little here.
func StatusInto(rt *rosys.Runtime, st *Status) {
	persist := st.Persistence
	*st = Status{Backup: BackupStatus{IntervalS: max(rt.BackupInterval(), 0).Seconds()}} // 0: commit at once
	s := Of(rt)
	if s == nil {
		return
	}
	st.Backup.Cycles = s.stats.cycles.Load()
	st.Backup.Failures = s.stats.failures.Load()
	st.Backup.LastCycleMS = float64(s.stats.lastDur.Load()) / 1e6
	if e := s.stats.lastErr.Load(); e != nil {
		st.Backup.LastError = *e
	}
	if s.schedule != nil {
		ss := s.schedule.Status()
		st.Schedule = &ss
	}
	if m := s.store.Mirror(); m != nil {
		ms := m.Status()
		st.Mirror = &ms
	}
	// Status gives an empty list, never null, even without modules.
	st.Persistence = s.store.StatusInto(persist)
	if st.Persistence == nil {
		st.Persistence = []persistence.ModuleStatus{}
	}
	st.Imports = s.store.Imports()
	st.Backup.DataDir = s.store.Dir()
	st.Backup.ReservedFiles = s.store.ReservedFiles()
	for _, p := range st.Persistence {
		if p.Pending {
			st.Backup.PendingCount++
		}
	}
}

// Metrics are the storage's figures that a metrics exporter needs beyond
// Status, kept with atomics by the loops.
type Metrics struct {
	// BackupCycle is the duration of each backup cycle.
	BackupCycle rosys.HistogramSnapshot
	// BackupBytes counts the bytes of the module files that backup cycles
	// wrote; LastCycleBytes is those of the latest cycle.
	BackupBytes    uint64
	LastCycleBytes uint64
	// MirrorErrors counts mirror syncs that failed (an upload or the
	// connection), not counting a mirror that is blocked.
	MirrorErrors uint64
}

// MetricsOf reads the storage's histograms and counters of rt (zero
// without a store).
func MetricsOf(rt *rosys.Runtime) Metrics {
	s := Of(rt)
	if s == nil {
		return Metrics{}
	}
	return Metrics{
		BackupCycle:    s.stats.durations.Snapshot(),
		BackupBytes:    s.stats.bytes.Load(),
		LastCycleBytes: s.stats.lastBytes.Load(),
		MirrorErrors:   s.stats.mirrorErrors.Load(),
	}
}
