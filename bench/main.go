// Command bench measures rosys-go against baselines taken in the same run
// and writes RESULTS.md with plots (see the Makefile's bench and
// bench-quick targets). Every figure that has a goal is reported as a
// ratio to something measured alongside it, because the machines this runs
// on are shared and noisy.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"time"
)

type settings struct {
	quick    bool
	loopDur  time.Duration
	reps     int
	maxBytes int // largest N×S backup cell
	maxN     int
	demoDur  time.Duration
	rtts     int
}

func main() {
	quick := flag.Bool("quick", false, "short runs (under 2 minutes) for development")
	out := flag.String("out", ".", "directory for RESULTS.md and the plots")
	gobench := flag.String("gobench", "", "go test -bench output to summarise")
	note := flag.String("note", "", "a remark on the run for the report's header (e.g. that other work shared the machine)")
	loopDur := flag.Duration("loopdur", 0, "length of each control-loop run (default 30s, 2s with -quick)")
	only := flag.String("only", "", "comma-separated sections to run (loop,backup,process,serial,s3,scale,cameras,pose,planner,garbage; history: only the history part of backup); default all")
	traceOut := flag.String("trace", "", "write a runtime/trace of the whole run to this file (for `go tool trace`)")
	memProfile := flag.String("memprofile", "", "write the run's allocation profile to this file at the end (for `go tool pprof -sample_index=alloc_space`)")
	apiClient := flag.String("apiclient", "", "(internal) poll the API at this URL, as section 12's client process")
	lizardSim := flag.String("lizardsim", "", "(internal) run the simulated Lizard controller on this link, as section 12's controller process")
	flag.Parse()
	if *lizardSim != "" {
		lizardSimMain(*lizardSim)
		return
	}
	if *apiClient != "" {
		apiClientMain(*apiClient)
		return
	}
	s := settings{quick: *quick, loopDur: 30 * time.Second, reps: 3, maxBytes: 256 << 20, maxN: 10000, demoDur: 60 * time.Second, rtts: 500}
	if s.quick {
		s = settings{quick: true, loopDur: 2 * time.Second, reps: 1, maxBytes: 8 << 20, maxN: 1000, demoDur: 8 * time.Second, rtts: 50}
	}
	if *loopDur > 0 {
		s.loopDur = *loopDur
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	// Data goes on the disk the robot's would (not a tmpfs): the fsync
	// figures are the point.
	root, err := os.MkdirTemp(".", ".bench-data-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(root)
	root, _ = filepath.Abs(root)
	sections := map[string]bool{}
	for _, x := range strings.Split(*only, ",") {
		if x != "" {
			sections[x] = true
		}
	}
	run := func(name string) bool { return len(sections) == 0 || sections[name] }

	if *traceOut != "" {
		stop, err := startTrace(*traceOut)
		if err != nil {
			fail(err)
		}
		defer stop()
	}
	ctx := context.Background()
	b := &bench{s: s, out: *out, root: root, ctx: ctx, note: *note}
	begin := time.Now()
	b.header()
	if run("loop") {
		b.section("1. Control-loop timing", b.loop)
	}
	if run("backup") {
		b.section("2. Backup cost", b.backup)
	}
	if sections["history"] && !run("backup") {
		b.section("2. Backup cost: history only", b.historyCost)
	}
	if run("process") {
		b.section("3–5. Shutdown, start-up and footprint", b.process)
	}
	if run("serial") {
		b.section("6. Serial protocol", b.serial)
	}
	if run("s3") {
		b.section("7. S3 mirror", b.s3)
	}
	if run("scale") {
		b.section("8. Scale curves", b.scale)
	}
	if run("cameras") {
		b.section("9. Cameras", b.cameras)
	}
	if run("pose") {
		b.section("10. Pose estimate", b.pose)
	}
	if run("planner") {
		b.section("11. Path planner", b.planner)
	}
	if run("garbage") {
		b.section("12. Steady-state garbage", b.garbage)
	}
	if *gobench != "" {
		b.section("Go benchmarks of the hot paths", func() error { return b.goBench(*gobench) })
	}
	if *memProfile != "" {
		if err := writeMemProfile(*memProfile); err != nil {
			fail(err)
		}
	}
	b.headline()
	b.findings()
	b.httpFindings()
	b.garbageFindings()
	b.r.p("Whole run: %s.", time.Since(begin).Round(time.Second))
	if err := os.WriteFile(filepath.Join(*out, "RESULTS.md"), []byte(b.head.b.String()+b.r.b.String()), 0o644); err != nil {
		fail(err)
	}
	fmt.Printf("wrote %s in %s\n", filepath.Join(*out, "RESULTS.md"), time.Since(begin).Round(time.Second))
	if b.failed {
		os.Exit(1)
	}
}

// startTrace writes a runtime/trace to path until the returned function
// is called: where a latency tail comes from (a goroutine runnable but not
// running, a syscall, the garbage collector) shows in `go tool trace`.
func startTrace(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := trace.Start(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { trace.Stop(); f.Close() }, nil
}

// writeMemProfile writes the allocations sampled since the start (where
// the garbage of section 12 comes from).
func writeMemProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup("allocs").WriteTo(f, 0)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

// bench holds the run's state and the two halves of the report: the
// headline (written last, shown first) and the sections.
type bench struct {
	s         settings
	out, root string
	note      string
	ctx       context.Context
	head, r   report
	goals     [][]string
	plots     []string
	failed    bool
}

func (b *bench) section(title string, fn func() error) {
	fmt.Fprintf(os.Stderr, "bench: %s\n", title)
	b.r.h2(title)
	start := time.Now()
	defer func() { fmt.Fprintf(os.Stderr, "bench: %s took %s\n", title, time.Since(start).Round(time.Second)) }()
	if err := fn(); err != nil {
		b.failed = true
		b.r.p("**Failed:** %v", err)
		fmt.Fprintf(os.Stderr, "bench: %s failed: %v\n", title, err)
	}
}

// goal records a headline row: what, the figure, its baseline ratio, the
// goal and whether it is met.
func (b *bench) goal(what, figure, goal string, met bool) {
	mark := "met"
	if !met {
		mark = "**not met** (see below)"
	}
	b.goals = append(b.goals, []string{what, figure, goal, mark})
}

func (b *bench) header() {
	mode := "full"
	if b.s.quick {
		mode = "quick (`make bench-quick`: short runs, not for quoting)"
	}
	b.head.line("# rosys-go benchmark results")
	b.head.line("")
	b.head.p("Written by `make bench` (bench/main.go); do not edit by hand. Mode: %s.", mode)
	if b.note != "" {
		b.head.p("**Note on this run:** %s", b.note)
	}
	b.head.table([]string{"machine", ""}, [][]string{
		{"date", time.Now().UTC().Format("2006-01-02 15:04 UTC")},
		{"CPU", cpuModel()},
		{"cores", fmt.Sprint(runtime.NumCPU())},
		{"memory", memTotal()},
		{"kernel", strings.TrimSpace(readFile("/proc/sys/kernel/osrelease"))},
		{"Go", runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH},
		{"disk", "data directories on " + fsType(b.root)},
	})
}

func (b *bench) headline() {
	b.head.h2("Headline")
	b.head.p("Each figure against a baseline measured in the same run; the sections below say how.")
	b.head.table([]string{"what", "result", "goal", ""}, b.goals)
	if len(b.plots) > 0 {
		for _, p := range b.plots {
			b.head.line("![%s](%s)", p, p)
		}
		b.head.line("")
	}
}

func readFile(p string) string {
	bs, _ := os.ReadFile(p)
	return string(bs)
}

func cpuModel() string {
	for _, l := range strings.Split(readFile("/proc/cpuinfo"), "\n") {
		if v, ok := strings.CutPrefix(l, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return runtime.GOARCH
}

func memTotal() string {
	for _, l := range strings.Split(readFile("/proc/meminfo"), "\n") {
		if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
			var kb int
			fmt.Sscan(v, &kb)
			return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	return "?"
}

// fsType names the file system that holds dir, from /proc/mounts.
func fsType(dir string) string {
	best, typ, dev := "", "?", ""
	sc := bufio.NewScanner(strings.NewReader(readFile("/proc/mounts")))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 3 && strings.HasPrefix(dir, f[1]) && len(f[1]) > len(best) {
			best, typ, dev = f[1], f[2], f[0]
		}
	}
	return fmt.Sprintf("%s (%s, mounted on %s)", typ, dev, best)
}

// findings records what the first runs of this harness showed and what was
// changed because of it, so a regression has something to be compared to.
func (b *bench) findings() {
	b.r.h2("Findings: what fell short in the first runs, and why")
	b.r.line("- **Loaded control-loop p99 of ~10 ms** (1.8× the bare ticker). The locked control thread, woken by its timer or")
	b.r.line("  returning from nanosleep, needed a free P (Go scheduler slot); CPU-bound encoding and GC mark workers held both")
	b.r.line("  until the scheduler's 10 ms preemption tick. Fix: the loop sleeps in raw nanosleeps that keep its P, and Run raises")
	b.r.line("  GOMAXPROCS by one (`rosys.Config.SharedP` opts out).")
	b.r.line("- **Backups of 64 KiB–1 MiB modules at 1.6–2.0× raw**. CPU profile of BenchmarkEncodeFile: json.MarshalIndent")
	b.r.line("  re-validated and re-indented the data (two scanner passes, 50 %% of the time) and allocated ~5× the module")
	b.r.line("  (memclr and GC another 30 %%). Fix: one pass into pooled buffers, data above 16 KiB written compact (64 KiB:")
	b.r.line("  497 → 90 µs), and up to 4 files written at once.")
	b.r.line("- **S3 upload of one changed module at 35.6 ms** (10.7× one PUT): generation collection (list, read the kept")
	b.r.line("  manifests, list objects, deletes) ran after every upload. Fix: once per KeepGenerations uploads.")
	b.r.line("")
	b.r.line("Issue #17 (baselines raised to cyclictest, a RoSys stand-in, 4 raw writers; scale curves):")
	b.r.line("")
	b.r.line("- **Start-up with 10 000 modules of 1 KiB: 1.4–2.3 s** (and 1000 × 10 KiB: 0.30–0.56 s), measured with bench/benchrobot")
	b.r.line("  on the shared machine. Profile (perf, pprof): the runtime's start order scanned all modules for the earliest ready one")
	b.r.line("  per module and Add scanned all names for a duplicate, both O(N²) (map lookups were the hottest symbol); then")
	b.r.line("  each file was parsed four times (envelope header, envelope, then the module's Decoder scan and decode, after copying")
	b.r.line("  into the Decoder's buffer), all on one goroutine. Fixes: start order by a min-heap of ready modules, a name set in")
	b.r.line("  Add; Restore reads and decodes main files ahead on up to 4 goroutines (from 2 modules on; module code still runs")
	b.r.line("  one at a time in registration order); one json pass for the envelope; FromJSON decodes in place. Same files,")
	b.r.line("  same machine, runs interleaved: 10 000 × 1 KiB 1.4–2.3 s → 0.41–0.90 s; 1000 × 10 KiB 0.30–0.56 s → 0.19–0.23 s.")
	b.r.line("  What is left is JSON decoding (about half, the module's own decode the larger part, and it stays sequential) and")
	b.r.line("  open/read/close of each file (a fifth).")
	b.r.line("- **Start-up with 10 modules of 10 MiB: 2.5 s**, four passes of encoding/json's scanner over every byte (~200 MB/s")
	b.r.line("  each) on one goroutine. Files laid out as rosys-go writes them are now parsed with one pass over the data (json.Valid;")
	b.r.line("  the header is decoded on its own; a fuzz target holds this path to the general parser's results), and read-ahead")
	b.r.line("  starts at two modules: restore of 10 × 10 MiB 2.0 s → 0.8–1.1 s in-process. The module's own decode (validate, then")
	b.r.line("  decode and unquote) is the rest.")
	b.r.line("- **Backup cycle at 1.3–1.6× the raw durable write with 4 writers** in the first runs of the new baseline. perf: the")
	b.r.line("  time went to ext4's inode allocation in `openat(O_CREAT)`, `recently_deleted()`: every durable write creates an")
	b.r.line("  inode and frees one, and ext4 skips inodes freed in the last seconds one inode-table read at a time, so a directory")
	b.r.line("  whose block group earlier cycles churned pays more per file. The store's and the baseline's directories were in")
	b.r.line("  different groups; the raw files now go into the store's own directory (same group, same churn), and the ratio")
	b.r.line("  dropped to 1.04–1.10× (15 interleaved runs). Also fixed: keeping `.prev` removed a temporary link name before")
	b.r.line("  every write (`os.Remove` of a missing name is two failed system calls, unlink then rmdir); it is now removed only")
	b.r.line("  when a crash left it. What the store still does beyond the baseline: encoding, and the `.prev` hard link and")
	b.r.line("  rename (two more directory operations per file).")
	b.r.line("- **Backup of 1 MiB modules at 1.5–1.6× the raw durable write** (4 writers; one writer 1.6–1.85×) after the fixes")
	b.r.line("  above. CPU per cycle (getrusage): 10 × 1 MiB takes 15.8 ms of CPU in the store against 4.9 ms in the raw sequence,")
	b.r.line("  and the store's wall time equals its CPU time: it is CPU-bound on the share of the 2 cores it gets. pprof of")
	b.r.line("  BenchmarkBackup10x1MiB: 59 %% of the store's CPU is encoding/json's string escaping (appendString, ~0.93 ms per")
	b.r.line("  MiB), 35 %% the system calls both sides make, 6 %% copying. Each writer encoded its file and only then wrote it, so")
	b.r.line("  the disk idled while it encoded. Fixes: files of 256 KiB and more (as last written) are encoded by a stage of")
	b.r.line("  their own ahead of the writers (at most as many encoders as writers and GOMAXPROCS; smaller files are still")
	b.r.line("  encoded by their writer, where the extra hand-off between goroutines cost more than it hid); the data is encoded")
	b.r.line("  straight into the file's buffer (one copy of the module less). The naive cycle's files are now flushed after it")
	b.r.line("  is timed: ext4 wrote them back (auto_da_alloc) during the store's next measurement, which followed it (100 × 1 MiB:")
	b.r.line("  ~1.3× → ~1.0× with that alone, 3 interleaved runs). Old and new store alternated on the shared machine (load 4–6),")
	b.r.line("  medians of 3–5 runs: 1 MiB with one writer 1.6–1.85× → 1.2–1.3×; with 4 writers 1.54× → 1.37× (10) and 1.55× →")
	b.r.line("  1.21× (100) in one set, no gain under heavier load in another (1.50× → 1.56×, 1.24× → 1.34×); cells up to 64 KiB")
	b.r.line("  unchanged within the noise (0.99–1.17×). Not met at 1 MiB: encoding JSON at ~1 GB/s a core is as slow as this")
	b.r.line("  disk, so the cell reaches 1.1× only where a core is free to encode while the disk writes.")
	b.r.line("- **Scale: the backup cycle is I/O-bound and linear** from 1000 to 10 000 small modules (~450 µs per 1 KiB module")
	b.r.line("  on this disk, fsync-bound; perf shows virtio notifications and ext4 directory and journal work, no hot spot of ours).")
	b.r.line("  What bends first is start-up with large state: around 1 GiB it is JSON-bound (encoding/json's scanner, ~125 MB/s")
	b.r.line("  over the passes that remain: validate and decode in the module), 25–40× the raw read, and its cost per module")
	b.r.line("  grows (1.3× from 100 to 1000 modules of 1 MiB) as the heap reaches 2.6 GB and the collector works harder. RSS is")
	b.r.line("  ≈ 2.6× the state there because bench/benchrobot's modules keep their (equally large) defaults besides the value;")
	b.r.line("  real modules' defaults are small.")
	b.r.line("- **Open: the loaded 1 kHz loop still misses ticks that cyclictest does not.** With garbage collection off")
	b.r.line("  (GOGC=off) the loaded runtime still missed ~25 ticks in 3 s with maxima of 4–10 ms. `perf sched timehist` of the")
	b.r.line("  loop's thread at 1 kHz under the backup load shows why: at each long interval (up to 58 ms) the thread left")
	b.r.line("  its nanosleep for `futex_wait` from `runtime.stoplockedm` ← `schedule` ← `goschedImpl` ← `newstack`, i.e. Go's")
	b.r.line("  sysmon preempted the loop goroutine (it never blocks as far as the scheduler can see, so after 10 ms it counts")
	b.r.line("  as running too long), the goroutine went to the global run queue, and its SCHED_FIFO thread slept until some")
	b.r.line("  ordinary-priority thread with a P picked it up and handed it back, which under CPU load took tens of ms; once")
	b.r.line("  woken, the thread ran within 15–30 µs. GC stop-the-world takes the same path. Sleeping in ordinary system calls")
	b.r.line("  instead (the P is then retaken, and on waking reacquired on the loop's own thread if one is idle) was not")
	b.r.line("  conclusive (session 3). Session 4: the loop now sleeps with an absolute `clock_nanosleep` as cyclictest does,")
	b.r.line("  its thread's timer slack is 1 ns, and it yields to the scheduler itself every 8 ms, only with at least 500 µs")
	b.r.line("  to the next tick, so sysmon never finds it running for 10 ms and the hand-back happens in the slack instead of")
	b.r.line("  at a random moment. Interleaved 5 s runs at 1 kHz under this load (machine otherwise idle): p99 359 / 325 /")
	b.r.line("  328 µs with the yields against 398 / 386 / 436 µs without (cyclictest 48–419 µs in the same sets: the floor")
	b.r.line("  moves between runs); 30 s runs at 100 Hz: 71 / 70 µs with, 62 / 81 µs without, cyclictest 52 µs. Published run:")
	b.r.line("  1 kHz p99 1.99× → 1.57× cyclictest. The hand-back itself still runs on an ordinary-priority thread: when other")
	b.r.line("  processes load every core it can take longer than a 1 kHz tick's slack.")
	b.r.line("- **Backup of 10 × 1 MiB at 1.17× the raw durable write** (session 4's published run). Timing each file inside the")
	b.r.line("  cycle showed the encoders and writers taking turns instead of overlapping: a writer in write(2) or fsync(2) keeps")
	b.r.line("  its P until Go's sysmon takes it back (it looks every 20 µs to 10 ms, longer after a quiet spell), so with")
	b.r.line("  GOMAXPROCS 2 the two encoders often shared one P. GOMAXPROCS 2 → 3 alone, 3 × 9 interleaved repetitions:")
	b.r.line("  10 × 1 MiB 1.22–1.48× → 0.97–1.04×, and every other cell faster too (100 × 1 KiB 0.52× → 0.24×). Fix: a store")
	b.r.line("  that writes files holds one more P while it is open (one for all stores). Tried and dropped: a buffered hand-off")
	b.r.line("  and yields between encoders and writers (no gain), encoders limited to the CPU count (1.07–1.14× against")
	b.r.line("  0.94–1.07×). Cells are now timed in steady state: the two cycles before a module has a spare to write over")
	b.r.line("  allocate new files, and right after a cell that freed as much they took 257 and 261 ms for 100 × 1 MiB against")
	b.r.line("  96 ms in steady state; with three repetitions the median had measured them (2.11× in one run). os.Rename's")
	b.r.line("  Lstat of the new name is gone (vfs.OS.Rename is rename(2) alone): one system call and one FileInfo less per")
	b.r.line("  rename, cycle garbage 298 → 238 KB per 100 modules.")
	b.r.line("- **Missed 1 kHz ticks come mostly with the garbage collector.** The loop section counts missed ticks whose interval")
	b.r.line("  overlapped a collection's final stop-the-world pause, or the 20 ms before it ended (MemStats keeps only that")
	b.r.line("  pause's end and both pauses' total; the first pause lies a mark phase earlier). In the published run 3 of the 8")
	b.r.line("  missed ticks overlapped a final pause and 5 the 20 ms before one (chance alone: 0.6 %% of intervals). A collection")
	b.r.line("  stops the world, the loop's goroutine is stopped with it, and it is handed back by an ordinary-priority thread.")
	b.r.line("  (Session 5's first runs reported 0 of 18 / 88 / 6: the counter wrapped NumGC, a uint32, and counted nothing.) Less")
	b.r.line("  garbage per backup cycle spaces collections out; the hand-back itself is Go's scheduler.")
	b.r.line("- **Against the fastest durable write found here the store is 1.1–1.9×.** Writing over an already allocated")
	b.r.line("  spare (10 × 1 MiB: 5.5–5.8 ms) beats the textbook sequence with a new temporary file (9.5–10.5 ms) on this disk,")
	b.r.line("  which discards every freed block; the store does so itself, which is why it is below 1× the textbook raw. The")
	b.r.line("  rest is JSON encoding (encoding/json, ~1.2 GB/s a core for a plain string, less for numbers) and `.prev`'s two")
	b.r.line("  directory operations per file. goccy/go-json encodes the same 1 MiB string 4× faster with identical output for")
	b.r.line("  these values, but its tracker lists divergences from encoding/json (maps with interface keys encoded where")
	b.r.line("  encoding/json refuses, panics on some types), so it was not put under the store's files.")
	b.r.line("")
}
