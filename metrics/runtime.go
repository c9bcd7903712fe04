package metrics

import (
	"sync"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/storage"
	"github.com/prometheus/client_golang/prometheus"
)

// runtimeCollector exports a runtime's loops, persistent modules, mirror
// and schedule. It reads rosys.Runtime.Status and Metrics at scrape time;
// both take no lock the control loop uses.
type runtimeCollector struct {
	rt   *rosys.Runtime
	all  []*prometheus.Desc
	desc map[string]*prometheus.Desc

	// st and ss are refilled at every scrape (rosys.Runtime.StatusInto,
	// storage.StatusInto), so that a scrape does not build the module
	// lists afresh; scrapes may overlap
	// (promhttp lets a few run), hence the lock.
	mu sync.Mutex
	st rosys.Status
	ss storage.Status
}

type metricSpec struct {
	name, help string
	labels     []string
}

// runtimeMetrics names every metric of the runtime collector, with its
// help text and variable labels. docs/metrics.md lists the same.
func runtimeMetrics() []metricSpec {
	return []metricSpec{
		{"rosys_uptime_seconds", "Seconds since the runtime started.", nil},
		{"rosys_control_period_seconds", "The control loop's configured period.", nil},
		{"rosys_control_ticks_total", "Control loop ticks run.", nil},
		{"rosys_control_overruns_total", "Control periods skipped because a tick ran into the next one.", nil},
		{"rosys_control_panics_total", "Panics recovered in control steps.", nil},
		{"rosys_control_realtime", "1 if the control loop runs with real-time priority (SCHED_FIFO).", nil},
		{"rosys_control_period_error_seconds", "How late each control tick started against its fixed schedule.", nil},
		{"rosys_control_step_seconds", "Time each control tick spent in its steps.", nil},
		{"rosys_backup_cycles_total", "Backup cycles run.", nil},
		{"rosys_backup_failures_total", "Backup cycles in which a module could not be written.", nil},
		{"rosys_backup_cycle_duration_seconds", "Duration of each backup cycle (encoding, writes, fsyncs).", nil},
		{"rosys_backup_written_bytes_total", "Bytes of module files written by backup cycles.", nil},
		{"rosys_backup_last_cycle_bytes", "Bytes of module files written by the latest backup cycle.", nil},
		{"rosys_backup_pending_modules", "Persistent modules with a change not yet durable.", nil},
		{"rosys_module_pending", "1 while a persistent module has a change not yet durable.", []string{"module"}},
		{"rosys_module_save_age_seconds", "Seconds since the module was last saved durably by this process; absent until its first save.", []string{"module"}},
		{"rosys_module_saves_total", "Durable saves of the module by this process.", []string{"module"}},
		{"rosys_module_size_bytes", "Size of the module's file at its last save.", []string{"module"}},
		{"rosys_module_write_failing", "1 if the module's last write failed.", []string{"module"}},
		{"rosys_mirror_pending_modules", "Modules committed locally but not yet uploaded to the mirror (the backlog).", nil},
		{"rosys_mirror_behind_seconds", "Seconds the mirror has been behind the local state; 0 when caught up.", nil},
		{"rosys_mirror_upload_errors_total", "Mirror syncs that failed (connection or upload); a blocked mirror is not counted again.", nil},
		{"rosys_mirror_consecutive_failures", "Failed mirror syncs since the last good one.", nil},
		{"rosys_mirror_blocked", "1 if the mirror refuses to upload (remote storage belongs to a newer generation).", nil},
		{"rosys_mirror_generation", "Generation of the latest manifest uploaded.", nil},
		{"rosys_mirror_last_upload_timestamp_seconds", "Unix time of the latest successful upload; absent before one.", nil},
		{"rosys_schedule_last_backup_timestamp_seconds", "Unix time of the latest daily backup archive; absent before one.", nil},
		{"rosys_schedule_failures_total", "Daily backup attempts that failed.", nil},
		{"rosys_repeater_runs_total", "Runs of an OnRepeat function.", []string{"repeater"}},
		{"rosys_repeater_errors_total", "Runs of an OnRepeat function that returned an error or panicked.", []string{"repeater"}},
	}
}

func newRuntimeCollector(rt *rosys.Runtime) *runtimeCollector {
	c := &runtimeCollector{rt: rt, desc: map[string]*prometheus.Desc{}}
	for _, m := range runtimeMetrics() {
		d := prometheus.NewDesc(m.name, m.help, m.labels, nil)
		c.all = append(c.all, d)
		c.desc[m.name] = d
	}
	return c
}

func (c *runtimeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.all {
		ch <- d
	}
}

func (c *runtimeCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := &c.st
	c.rt.StatusInto(st)
	m := c.rt.Metrics()
	storage.StatusInto(c.rt, &c.ss)
	ss, sm := &c.ss, storage.MetricsOf(c.rt)
	now := c.rt.Clock().Now()
	gauge := func(name string, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(c.desc[name], prometheus.GaugeValue, v, labels...)
	}
	counter := func(name string, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(c.desc[name], prometheus.CounterValue, float64(v), labels...)
	}
	hist := func(name string, h rosys.HistogramSnapshot) { ch <- constHistogram(c.desc[name], h) }

	gauge("rosys_uptime_seconds", st.UptimeS)
	gauge("rosys_control_period_seconds", st.Control.PeriodUS/1e6)
	counter("rosys_control_ticks_total", st.Control.Ticks)
	counter("rosys_control_overruns_total", st.Control.Overruns)
	counter("rosys_control_panics_total", st.Control.Panics)
	gauge("rosys_control_realtime", boolFloat(st.Control.Realtime))
	hist("rosys_control_period_error_seconds", m.PeriodError)
	hist("rosys_control_step_seconds", m.Step)

	counter("rosys_backup_cycles_total", ss.Backup.Cycles)
	counter("rosys_backup_failures_total", ss.Backup.Failures)
	hist("rosys_backup_cycle_duration_seconds", sm.BackupCycle)
	counter("rosys_backup_written_bytes_total", sm.BackupBytes)
	gauge("rosys_backup_last_cycle_bytes", float64(sm.LastCycleBytes))
	gauge("rosys_backup_pending_modules", float64(ss.Backup.PendingCount))
	for _, p := range ss.Persistence {
		gauge("rosys_module_pending", boolFloat(p.Pending), p.Key)
		if !p.LastSaved.IsZero() {
			gauge("rosys_module_save_age_seconds", now.Sub(p.LastSaved).Seconds(), p.Key)
		}
		counter("rosys_module_saves_total", p.Saves, p.Key)
		gauge("rosys_module_size_bytes", float64(p.Size), p.Key)
		gauge("rosys_module_write_failing", boolFloat(p.LastError != ""), p.Key)
	}

	if ms := ss.Mirror; ms != nil {
		gauge("rosys_mirror_pending_modules", float64(len(ms.Pending)))
		behind := 0.0
		if !ms.BehindSince.IsZero() {
			behind = now.Sub(ms.BehindSince).Seconds()
		}
		gauge("rosys_mirror_behind_seconds", behind)
		counter("rosys_mirror_upload_errors_total", sm.MirrorErrors)
		gauge("rosys_mirror_consecutive_failures", float64(ms.Failures))
		gauge("rosys_mirror_blocked", boolFloat(ms.Blocked))
		gauge("rosys_mirror_generation", float64(ms.Generation))
		if !ms.LastUpload.IsZero() {
			gauge("rosys_mirror_last_upload_timestamp_seconds", unixSeconds(ms.LastUpload))
		}
	}
	if ss := ss.Schedule; ss != nil {
		if !ss.LastBackup.IsZero() {
			gauge("rosys_schedule_last_backup_timestamp_seconds", unixSeconds(ss.LastBackup))
		}
		counter("rosys_schedule_failures_total", uint64(ss.Failures))
	}
	for _, r := range st.Repeaters {
		counter("rosys_repeater_runs_total", r.Runs, r.Name)
		counter("rosys_repeater_errors_total", r.Errors+r.Panics, r.Name)
	}
}

// constHistogram turns the loop's atomic buckets into a Prometheus
// histogram: cumulative counts under each bound, in seconds.
func constHistogram(d *prometheus.Desc, h rosys.HistogramSnapshot) prometheus.Metric {
	buckets := make(map[float64]uint64, rosys.HistogramBuckets)
	var cum uint64
	for k := range rosys.HistogramBuckets {
		cum += h.Counts[k]
		buckets[rosys.BucketBound(k).Seconds()] = cum
	}
	m, err := prometheus.NewConstHistogram(d, h.Count, h.Sum.Seconds(), buckets)
	if err != nil {
		return prometheus.NewInvalidMetric(d, err)
	}
	return m
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
