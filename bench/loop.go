package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/drivers/lizard/lizardtest"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/storage"
	"go.uber.org/zap"
)

// blob is a module of a given size.
type blob struct {
	Text string `json:"text"`
}

// load is the background work of section 1: 100 modules of 64 KiB asking
// for a backup every 100 ms, and the serial driver exchanging telemetry
// with the simulated controller over a pty.
type load struct {
	store *store.Store
	vals  []*persistence.Value[blob]
	stop  []func()
}

func startLoad(ctx context.Context, dir string, modules int) (*load, error) {
	return startLoadWith(ctx, dir, modules, false)
}

// startLoadWith is startLoad with the simulated controller in a process of
// its own when ctrlApart (this binary again, -lizardsim): section 12
// counts the robot's garbage, not its simulator's.
func startLoadWith(ctx context.Context, dir string, modules int, ctrlApart bool) (*load, error) {
	l := &load{}
	s, err := store.Open(filepath.Join(dir, "data"))
	if err != nil {
		return nil, err
	}
	l.store = s
	l.stop = append(l.stop, func() { s.Close() })
	for range modules {
		l.vals = append(l.vals, persistence.NewValue(blob{Text: strings.Repeat("x", 64<<10)}))
	}
	if ctrlApart {
		stop, err := startControllerApart(dir)
		if err != nil {
			s.Close()
			return nil, err
		}
		l.stop = append(l.stop, stop)
	} else {
		ctrl, err := lizardtest.Start(lizardtest.Config{Link: lizardtest.TempLink(dir), Period: 10 * time.Millisecond})
		if err != nil {
			return nil, err
		}
		l.stop = append(l.stop, ctrl.Close)
	}
	drv, err := lizard.New(lizard.Config{Port: lizardtest.TempLink(dir), Log: zap.NewNop()})
	if err != nil {
		return nil, err
	}
	if err := drv.Start(ctx); err != nil {
		return nil, err
	}
	l.stop = append(l.stop, func() { drv.Stop(context.Background()) })
	// Re-request every module every 100 ms.
	l.every(ctx, 100*time.Millisecond, func(context.Context) {
		for _, v := range l.vals {
			v.RequestBackup()
		}
	})
	return l, nil
}

// registerAndRestore registers the load's modules with its store, for a
// loop that runs without the runtime (which does this itself).
func (l *load) registerAndRestore(ctx context.Context) error {
	for i, v := range l.vals {
		if err := l.store.Register(fmt.Sprintf("m%03d", i), v); err != nil {
			return err
		}
	}
	return l.store.Restore(ctx)
}

// backupLoop commits every 100 ms, as the runtime's backup loop does; the
// bare-ticker baseline runs it since it has no runtime.
func (l *load) backupLoop(ctx context.Context) {
	l.every(ctx, 100*time.Millisecond, func(ctx context.Context) { _ = l.store.BackupRequested(ctx) })
}

// every runs fn each interval on its own goroutine until the load closes.
func (l *load) every(ctx context.Context, interval time.Duration, fn func(context.Context)) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fn(ctx)
			}
		}
	}()
	l.stop = append(l.stop, func() { cancel(); <-done })
}

func (l *load) close() {
	for i := len(l.stop) - 1; i >= 0; i-- {
		l.stop[i]()
	}
}

// recorder is a control-loop step that notes when it ran.
type recorder struct {
	ts  []time.Time
	n   atomic.Int64
	tid atomic.Int64 // the control loop's OS thread, for its CPU time
}

func (r *recorder) Step(now time.Time, _ time.Duration) {
	if r.tid.Load() == 0 {
		r.tid.Store(int64(syscall.Gettid()))
	}
	if i := r.n.Load(); int(i) < len(r.ts) {
		r.ts[i] = now
		r.n.Store(i + 1)
	}
}

func (r *recorder) samples() []time.Time { return r.ts[:r.n.Load()] }

// periodErrors is |interval − period| for each pair of ticks, and the
// ticks missed (an interval of two periods or more misses one).
func periodErrors(ts []time.Time, period time.Duration) (errs []time.Duration, missed int) {
	for i := 1; i < len(ts); i++ {
		d := ts[i].Sub(ts[i-1])
		e := d - period
		if e < 0 {
			e = -e
		}
		errs = append(errs, e)
		if n := int((d + period/2) / period); n > 1 {
			missed += n - 1
		}
	}
	return errs, missed
}

// gcLead is how far before a collection's final stop-the-world pause
// missedInGC also looks. MemStats keeps, per collection, only the end of
// that pause and the total of both pauses; the first one (sweep
// termination) came at the collection's start, a mark phase earlier,
// which for this benchmark's heap of a few tens of MB on 2 cores is a
// few milliseconds.
const gcLead = 20 * time.Millisecond

// missedInGC counts the missed ticks (as periodErrors does) whose late
// interval overlapped a collection: its final stop-the-world pause
// (inFinal), or the gcLead before that pause's end (inLead, which holds
// the first pause of any collection shorter than gcLead).
func missedInGC(ts []time.Time, period time.Duration, stops [][2]int64) (inFinal, inLead int) {
	for i := 1; i < len(ts); i++ {
		d := ts[i].Sub(ts[i-1])
		k := int((d + period/2) / period)
		if k < 2 {
			continue
		}
		from, to := ts[i-1].UnixNano(), ts[i].UnixNano()
		final, lead := false, false
		for _, s := range stops {
			final = final || (s[0] < to && s[1] > from)
			lead = lead || (s[1]-int64(gcLead) < to && s[1] > from)
		}
		if final {
			inFinal += k - 1
		}
		if lead {
			inLead += k - 1
		}
	}
	return inFinal, inLead
}

type loopResult struct {
	name     string
	period   time.Duration
	dist     dist
	missed   int
	inGC     int // of missed: in an interval that held a GC's final stop-the-world
	nearGC   int // of missed: in an interval within gcLead before a GC's final pause ended
	window   time.Duration
	overruns uint64 // the runtime's own count
	errs     []time.Duration
	env      envDelta
	realtime bool // the runtime's status: SCHED_FIFO granted
	// CPU time per tick of the loop's thread and of the whole process
	// (zero where not measured).
	loopCPU, procCPU time.Duration
}

// envDelta is what else happened during a run: garbage collections in
// this process, and CPU time the hypervisor gave to other guests.
type envDelta struct {
	gcs        uint32
	gcPause    time.Duration
	stealShare float64 // of all CPU time
	// gcStops are the garbage collector's stop-the-world pauses in the
	// run (wall clock, Unix ns: start, end), for missedInGC.
	gcStops [][2]int64
}

type envMark struct {
	ms           runtime.MemStats
	steal, total uint64
}

func markEnv() envMark {
	var m envMark
	runtime.ReadMemStats(&m.ms)
	m.steal, m.total = cpuSteal()
	return m
}

func (m envMark) since() envDelta {
	now := markEnv()
	d := envDelta{gcs: now.ms.NumGC - m.ms.NumGC, gcPause: time.Duration(now.ms.PauseTotalNs - m.ms.PauseTotalNs)}
	d.gcStops = gcStopsBetween(&m.ms, &now.ms)
	if t := now.total - m.total; t > 0 {
		d.stealShare = float64(now.steal-m.steal) / float64(t)
	}
	return d
}

// gcStopsBetween lists the stop-the-world pauses of the collections
// after before and up to now. MemStats keeps the last 256 cycles' pauses
// in circular buffers.
func gcStopsBetween(before, now *runtime.MemStats) (stops [][2]int64) {
	// In int: NumGC is a uint32, and NumGC-255 before the 255th
	// collection would wrap round and skip every pause.
	for k := max(int(before.NumGC)+1, int(now.NumGC)-255); k <= int(now.NumGC); k++ {
		i := (k + 255) % 256
		end := int64(now.PauseEnd[i])
		stops = append(stops, [2]int64{end - int64(now.PauseNs[i]), end})
	}
	return stops
}

// threadCPU is the CPU time of one of this process's threads, from the
// scheduler's nanosecond account (utime/stime in /proc are in 10 ms ticks,
// too coarse for a thread that runs microseconds per tick).
func threadCPU(tid int) time.Duration {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/schedstat", tid))
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	ns, _ := strconv.ParseInt(f[0], 10, 64)
	return time.Duration(ns)
}

// processCPU is the user and system time of the whole process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuSteal reads the steal and total jiffies of all CPUs from /proc/stat.
func cpuSteal() (steal, total uint64) {
	b, _ := os.ReadFile("/proc/stat")
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	for i, v := range f[1:] {
		n, _ := strconv.ParseUint(v, 10, 64)
		if i < 8 { // user nice system idle iowait irq softirq steal
			total += n
		}
		if i == 7 {
			steal = n
		}
	}
	return steal, total
}

// runRuntime runs the rosys control loop at period for d, with the load
// (and its backup loop) or without.
func runRuntime(ctx context.Context, dir string, period, d time.Duration, withLoad bool) (loopResult, error) {
	rec := &recorder{ts: make([]time.Time, int(d/period)+100)}
	cfg := rosys.Config{Name: "bench", ControlPeriod: period, Log: zap.NewNop()}
	var l *load
	if withLoad {
		var err error
		if l, err = startLoad(ctx, dir, 100); err != nil {
			return loopResult{}, err
		}
		defer l.close()
		cfg.Storage, cfg.BackupInterval = storage.New(l.store, nil), 100*time.Millisecond
	}
	r := rosys.New(cfg)
	if err := r.Add("recorder", rec); err != nil {
		return loopResult{}, err
	}
	if l != nil {
		for i, v := range l.vals {
			if err := r.Add(fmt.Sprintf("m%03d", i), v); err != nil {
				return loopResult{}, err
			}
		}
	}
	rctx, cancel := context.WithCancel(ctx)
	res := make(chan error, 1)
	go func() { res <- r.Run(rctx) }()
	select {
	case <-r.Ready():
	case err := <-res:
		cancel()
		return loopResult{}, err
	}
	env := markEnv()
	for rec.tid.Load() == 0 && ctx.Err() == nil {
		time.Sleep(time.Millisecond) // the first tick names the loop's thread; not part of the window
	}
	tid := int(rec.tid.Load())
	n0, thread0, proc0 := rec.n.Load(), threadCPU(tid), processCPU()
	time.Sleep(d) // the measurement window: wall time is what is measured
	ticks := time.Duration(max(rec.n.Load()-n0, 1))
	loopCPU, procCPU := (threadCPU(tid)-thread0)/ticks, (processCPU()-proc0)/ticks
	st := r.Status()
	envd := env.since()
	cancel()
	if err := <-res; err != nil {
		return loopResult{}, err
	}
	name := "rosys runtime, no load"
	if withLoad {
		name = "rosys runtime + load"
	}
	errs, missed := periodErrors(rec.samples(), period)
	inGC, nearGC := missedInGC(rec.samples(), period, envd.gcStops)
	return loopResult{name: name, period: period, dist: summarise(errs), missed: missed, inGC: inGC, nearGC: nearGC, window: d, overruns: st.Control.Overruns, errs: errs, env: envd,
		realtime: st.Control.Realtime, loopCPU: loopCPU, procCPU: procCPU}, nil
}

// runTicker is the baseline: a bare time.Ticker loop on a goroutine, with
// the same load and a plain goroutine committing backups every 100 ms.
func runTicker(ctx context.Context, dir string, period, d time.Duration) (loopResult, error) {
	l, err := startLoad(ctx, dir, 100)
	if err != nil {
		return loopResult{}, err
	}
	defer l.close()
	if err := l.registerAndRestore(ctx); err != nil {
		return loopResult{}, err
	}
	l.backupLoop(ctx)
	ts := make([]time.Time, 0, int(d/period)+100)
	env := markEnv()
	t := time.NewTicker(period)
	end := time.Now().Add(d)
	for range t.C {
		ts = append(ts, time.Now())
		if ts[len(ts)-1].After(end) {
			break
		}
	}
	t.Stop()
	errs, missed := periodErrors(ts, period)
	return loopResult{name: "bare time.Ticker + load", period: period, dist: summarise(errs), missed: missed, errs: errs, env: env.since()}, nil
}
