package metrics_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/metrics"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/backend"
	"github.com/gorosys/rosys/persistence/mirror"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/rosystest"
	"github.com/gorosys/rosys/storage"
	dto "github.com/prometheus/client_model/go"
)

type model struct {
	Value float64 `json:"value"`
}

func newRobot(t *testing.T, cfg rosys.Config) (*rosystest.Robot, *persistence.Value[model]) {
	t.Helper()
	r := rosystest.New(t, cfg)
	m := persistence.NewValue(model{Value: 1})
	if err := r.Add("model", m, rosys.Persist()); err != nil {
		t.Fatal(err)
	}
	return r, m
}

func TestControlLoopMetricsMove(t *testing.T) {
	r, _ := newRobot(t, rosys.Config{ControlPeriod: 10 * time.Millisecond})
	r.Start()
	url := serve(t, r.Runtime)

	before := scrape(t, url)
	r.Forward(time.Second)
	after := scrape(t, url)

	if got := after.gauge(t, "rosys_control_period_seconds"); got != 0.01 {
		t.Fatalf("period %v", got)
	}
	t0, t1 := before.counter(t, "rosys_control_ticks_total"), after.counter(t, "rosys_control_ticks_total")
	if t1-t0 != 100 {
		t.Fatalf("ticks went from %v to %v over 1 s at 100 Hz", t0, t1)
	}
	for _, name := range []string{"rosys_control_period_error_seconds", "rosys_control_step_seconds"} {
		h := after.histogram(t, name)
		if float64(h.GetSampleCount()) != t1 {
			t.Fatalf("%s counts %d ticks, the counter %v", name, h.GetSampleCount(), t1)
		}
		b := h.GetBucket() // the parser adds +Inf
		if len(b) != rosys.HistogramBuckets+1 || b[0].GetUpperBound() != 1e-6 || b[len(b)-2].GetUpperBound() != rosys.BucketBound(rosys.HistogramBuckets-1).Seconds() {
			t.Fatalf("%s buckets %v", name, b)
		}
		// On the virtual clock no tick is late and steps take no time:
		// every tick sits in the first bucket.
		if b[0].GetCumulativeCount() != h.GetSampleCount() || h.GetSampleSum() != 0 {
			t.Fatalf("%s: first bucket %d of %d, sum %v", name, b[0].GetCumulativeCount(), h.GetSampleCount(), h.GetSampleSum())
		}
	}
	if after.counter(t, "rosys_control_overruns_total") != 0 || after.gauge(t, "rosys_control_realtime") != 0 {
		t.Fatal("overruns or real-time priority in a virtual-clock test")
	}
	if got := after.gauge(t, "rosys_uptime_seconds") - before.gauge(t, "rosys_uptime_seconds"); got != 1 {
		t.Fatalf("uptime moved %v s over 1 s", got)
	}
}

// An overrun: a step that takes longer than the period on the virtual
// clock is counted, and lands in the step-time histogram's right bucket.
func TestOverrunAndSlowStepAreCounted(t *testing.T) {
	r := rosystest.New(t, rosys.Config{ControlPeriod: 10 * time.Millisecond})
	slow := &slowStepper{clock: r.Clock}
	if err := r.Add("slow", slow); err != nil {
		t.Fatal(err)
	}
	r.Start()
	url := serve(t, r.Runtime)
	slow.next.Store(int64(25 * time.Millisecond))
	r.ForwardUntil(func() bool { return slow.done.Load() }, time.Second)
	s := scrape(t, url)
	if got := s.counter(t, "rosys_control_overruns_total"); got != 2 {
		t.Fatalf("a 25 ms step at 10 ms: %v overruns, want 2", got)
	}
	h := s.histogram(t, "rosys_control_step_seconds")
	if h.GetSampleSum() != 0.025 {
		t.Fatalf("step time sum %v, want 0.025", h.GetSampleSum())
	}
	for _, b := range h.GetBucket() {
		want := h.GetSampleCount() - 1 // the slow one is above 16.384 ms
		if b.GetUpperBound() >= 0.025 {
			want = h.GetSampleCount()
		}
		if b.GetCumulativeCount() != want {
			t.Fatalf("bucket le=%v holds %d of %d", b.GetUpperBound(), b.GetCumulativeCount(), h.GetSampleCount())
		}
	}
}

type slowStepper struct {
	clock *rosystest.VirtualClock
	next  atomic.Int64
	done  atomic.Bool
}

func (s *slowStepper) Step(time.Time, time.Duration) {
	if d := s.next.Swap(0); d > 0 {
		s.clock.Set(s.clock.Now().Add(time.Duration(d))) // the step "takes" d
		s.done.Store(true)
	}
}

func TestBackupMetrics(t *testing.T) {
	r, m := newRobot(t, rosys.Config{BackupInterval: 10 * time.Second})
	r.Start()
	url := serve(t, r.Runtime)

	m.Set(model{Value: 2})
	s := scrape(t, url)
	if s.gauge(t, "rosys_module_pending", "module", "model") != 1 || s.gauge(t, "rosys_backup_pending_modules") != 1 {
		t.Fatal("a changed module is not shown pending")
	}
	if s.has("rosys_module_save_age_seconds", "module", "model") {
		t.Fatal("a module never saved has a save age")
	}
	r.Forward(10 * time.Second)
	s = scrape(t, url)
	fi, err := os.Stat(filepath.Join(r.Dir, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	if s.gauge(t, "rosys_module_pending", "module", "model") != 0 || s.gauge(t, "rosys_backup_pending_modules") != 0 {
		t.Fatal("still pending after a backup cycle")
	}
	if s.counter(t, "rosys_module_saves_total", "module", "model") != 1 {
		t.Fatal("save not counted")
	}
	if got := s.counter(t, "rosys_backup_written_bytes_total"); got != float64(fi.Size()) {
		t.Fatalf("written bytes %v, the file has %d", got, fi.Size())
	}
	if s.gauge(t, "rosys_backup_last_cycle_bytes") != float64(fi.Size()) || s.gauge(t, "rosys_module_size_bytes", "module", "model") != float64(fi.Size()) {
		t.Fatal("last cycle bytes or module size differ from the file")
	}
	cycles := s.counter(t, "rosys_backup_cycles_total")
	if h := s.histogram(t, "rosys_backup_cycle_duration_seconds"); cycles != 1 || float64(h.GetSampleCount()) != cycles || h.GetSampleSum() <= 0 {
		t.Fatalf("cycles %v, histogram %d samples summing to %v s", cycles, h.GetSampleCount(), h.GetSampleSum())
	}

	// Staleness grows with the clock while nothing changes; a cycle with
	// nothing to write adds no bytes.
	r.Forward(15 * time.Second)
	s = scrape(t, url)
	if got := s.gauge(t, "rosys_module_save_age_seconds", "module", "model"); got != 15 {
		t.Fatalf("save age %v s, want 15", got)
	}
	if s.counter(t, "rosys_backup_written_bytes_total") != float64(fi.Size()) || s.gauge(t, "rosys_backup_last_cycle_bytes") != 0 {
		t.Fatal("a cycle that wrote nothing counted bytes")
	}
	if s.counter(t, "rosys_backup_failures_total") != 0 || s.gauge(t, "rosys_module_write_failing", "module", "model") != 0 {
		t.Fatal("failures without a failure")
	}
}

// failing is a persistent module whose Backup panics while broken, as a
// module with a bug would; the store turns that into a failed write.
type failing struct {
	persistence.Tracker
	broken atomic.Bool
}

func (f *failing) Backup() any {
	if f.broken.Load() {
		panic("broken module")
	}
	return map[string]int{"n": 1}
}

func (f *failing) Restore(json.RawMessage) error { return nil }

func TestFailedBackupIsCounted(t *testing.T) {
	r := rosystest.New(t, rosys.Config{BackupInterval: 10 * time.Second})
	f := &failing{}
	if err := r.Add("fragile", f, rosys.Persist()); err != nil {
		t.Fatal(err)
	}
	r.Start()
	url := serve(t, r.Runtime)
	f.broken.Store(true)
	if err := r.Store().RequestBackup("fragile"); err != nil {
		t.Fatal(err)
	}
	r.Forward(10 * time.Second)
	s := scrape(t, url)
	if s.counter(t, "rosys_backup_failures_total") != 1 || s.gauge(t, "rosys_module_write_failing", "module", "fragile") != 1 {
		t.Fatalf("failures %v", s.counter(t, "rosys_backup_failures_total"))
	}
	// Retried after 100 ms, 200 ms, …: every retry is a cycle and a failure.
	r.Forward(time.Second)
	s = scrape(t, url)
	failures, cycles := s.counter(t, "rosys_backup_failures_total"), s.counter(t, "rosys_backup_cycles_total")
	if failures < 3 || failures != cycles {
		t.Fatalf("after retries: %v failures in %v cycles", failures, cycles)
	}
	f.broken.Store(false)
	r.Forward(time.Second)
	s = scrape(t, url)
	if s.counter(t, "rosys_backup_failures_total") != failures || s.gauge(t, "rosys_module_write_failing", "module", "fragile") != 0 ||
		s.counter(t, "rosys_module_saves_total", "module", "fragile") != 1 {
		t.Fatal("the repaired module's save did not show")
	}
}

func TestMirrorMetrics(t *testing.T) {
	clock := rosystest.NewVirtualClock()
	down := &persistencetest.Flaky{Backend: backend.NewMemory()}
	mir, err := mirror.New(mirror.Config{Metadata: down, Snapshots: down, Robot: "demo", Host: "a",
		Now: clock.Now, RetryMin: time.Second, RetryMax: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	store := persistencetest.Open(t, t.TempDir(), store.WithMirror(mir), store.WithClock(clock.Now))
	r, m := newRobot(t, rosys.Config{Clock: clock, Storage: storage.New(store, nil), BackupInterval: 10 * time.Second})
	down.Down.Store(true)
	r.Start()
	url := serve(t, r.Runtime)

	m.Set(model{Value: 3})
	r.Forward(10 * time.Second) // committed locally; the upload fails
	r.Forward(5 * time.Second)
	s := scrape(t, url)
	if s.gauge(t, "rosys_mirror_pending_modules") != 1 || s.gauge(t, "rosys_mirror_behind_seconds") < 5 {
		t.Fatalf("backlog %v, behind %v s", s.gauge(t, "rosys_mirror_pending_modules"), s.gauge(t, "rosys_mirror_behind_seconds"))
	}
	errs := s.counter(t, "rosys_mirror_upload_errors_total")
	if errs < 1 || s.gauge(t, "rosys_mirror_consecutive_failures") < errs || s.has("rosys_mirror_last_upload_timestamp_seconds") {
		t.Fatalf("upload errors %v, consecutive %v", errs, s.gauge(t, "rosys_mirror_consecutive_failures"))
	}
	r.Forward(time.Second) // one more retry, one more error
	if got := scrape(t, url).counter(t, "rosys_mirror_upload_errors_total"); got != errs+1 {
		t.Fatalf("upload errors %v a retry later, were %v", got, errs)
	}
	errs++

	down.Down.Store(false)
	r.ForwardUntil(func() bool { return len(mir.Status().Pending) == 0 }, 10*time.Second)
	s = scrape(t, url)
	if s.gauge(t, "rosys_mirror_pending_modules") != 0 || s.gauge(t, "rosys_mirror_behind_seconds") != 0 ||
		s.gauge(t, "rosys_mirror_consecutive_failures") != 0 || s.gauge(t, "rosys_mirror_generation") != 1 {
		t.Fatal("mirror not shown caught up")
	}
	if s.counter(t, "rosys_mirror_upload_errors_total") < errs {
		t.Fatal("the upload error counter went back")
	}
	if got, now := s.gauge(t, "rosys_mirror_last_upload_timestamp_seconds"), float64(clock.Now().UnixNano())/1e9; got <= now-10 || got > now {
		t.Fatalf("last upload at %v, now is %v", got, now)
	}
}

func TestRepeaterAndProcessMetrics(t *testing.T) {
	r, _ := newRobot(t, rosys.Config{})
	r.OnRepeat("flaky", time.Second, func(context.Context) error { return errors.New("no luck") })
	r.Start()
	url := serve(t, r.Runtime)
	r.Forward(3 * time.Second)
	s := scrape(t, url)
	if s.counter(t, "rosys_repeater_runs_total", "repeater", "flaky") != 3 || s.counter(t, "rosys_repeater_errors_total", "repeater", "flaky") != 3 {
		t.Fatal("repeater runs or errors")
	}
	// Open descriptors, not the resident size: qemu's user-mode emulation
	// (make test-arm64) reports an RSS of 0 in the /proc/self/stat it
	// fakes; the family must be there all the same.
	if s.gauge(t, "go_goroutines") < 1 || s.gauge(t, "process_open_fds") < 1 {
		t.Fatal("Go or process metrics missing")
	}
	s.family(t, "process_resident_memory_bytes", dto.MetricType_GAUGE)
	s.family(t, "go_gc_duration_seconds", dto.MetricType_SUMMARY)
	s.family(t, "process_cpu_seconds_total", dto.MetricType_COUNTER)
}

func TestWithoutProcess(t *testing.T) {
	r, _ := newRobot(t, rosys.Config{})
	s := scrape(t, serve(t, r.Runtime, metrics.WithoutProcess()))
	if s.has("go_goroutines") || !s.has("rosys_control_ticks_total") {
		t.Fatal("WithoutProcess")
	}
	for name := range s {
		if name[:6] != "rosys_" {
			t.Errorf("%s in a registry without process metrics", name)
		}
	}
}

// TestScrapeWhileTheLoopRuns scrapes a runtime on the real clock while its
// control loop ticks at 1 kHz: under -race this checks that a scrape only
// reads what the loop writes with atomics. A scrape reads the tick counter
// before the histograms, so the histograms never hold fewer ticks.
func TestScrapeWhileTheLoopRuns(t *testing.T) {
	store := persistencetest.Open(t, t.TempDir())
	rt := rosys.New(rosys.Config{ControlPeriod: time.Millisecond, DisableRealtime: true, Storage: storage.New(store, nil), Notifier: rosystest.NoNotify{}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	<-rt.Ready()
	url := serve(t, rt)
	last := 0.0
	for range 20 {
		s := scrape(t, url)
		ticks := s.counter(t, "rosys_control_ticks_total")
		if ticks < last {
			t.Fatalf("ticks went back from %v to %v", last, ticks)
		}
		for _, name := range []string{"rosys_control_period_error_seconds", "rosys_control_step_seconds"} {
			if n := float64(s.histogram(t, name).GetSampleCount()); n < ticks {
				t.Fatalf("%s holds %v ticks, the counter read before it %v", name, n, ticks)
			}
		}
		last = ticks
	}
}
