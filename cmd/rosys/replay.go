package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/clock"
	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/internal/demo"
	"github.com/gorosys/rosys/persistence/journal"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/persistence/vfs"
	"github.com/gorosys/rosys/robot"
	"github.com/gorosys/rosys/storage"
	"go.uber.org/zap"
)

// replaySummary is what `rosys replay` prints: a recorded field run as a
// regression test.
type replaySummary struct {
	Mode             string                     `json:"mode"`
	Records          int                        `json:"records"`
	Inputs           int                        `json:"inputs"`
	From             time.Time                  `json:"from"`
	To               time.Time                  `json:"to"`
	FinalPose        hardware.Pose              `json:"final_pose"`
	Modules          map[string]json.RawMessage `json:"modules"`
	RecordedCommands int                        `json:"recorded_speed_commands"`
	SentCommands     int                        `json:"sent_speed_commands"`
	// CommandsDiffer is set when the distinct speed commands the code
	// sends now differ from those recorded; FirstDifference says where.
	CommandsDiffer  bool   `json:"commands_differ"`
	FirstDifference string `json:"first_difference,omitempty"`
}

func (a app) replayCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := dataDirFlag(fs)
	cfgPath := fs.String("config", "", "the robot.yaml the run was recorded with")
	speedrun := fs.Bool("speedrun", false, "replay as fast as possible on virtual time (the default)")
	realtime := fs.Bool("realtime", false, "replay at the recorded pace")
	batch := fs.Bool("batch", false, "feed all recorded input at once, then report the resulting state")
	cont := fs.Bool("continue", false, "go live on the real drivers after the journal ends (as rosys run)")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error")
	if _, err := parseAnyOrder(fs, args); err != nil {
		return 2
	}
	mode := "speedrun"
	switch {
	case *speedrun && *realtime, *speedrun && *batch, *realtime && *batch:
		fmt.Fprintln(stderr, "rosys replay: one of --speedrun, --realtime, --batch")
		return 2
	case *realtime:
		mode = "realtime"
	case *batch:
		mode = "batch"
	}
	log, err := newLogger(*logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "rosys replay:", err)
		return 2
	}
	cfg := config.Default()
	if *cfgPath != "" {
		if cfg, err = config.Load(*cfgPath); err != nil {
			fmt.Fprintln(stderr, "rosys replay:", err)
			return 2
		}
	}
	d, err := resolveDir(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "rosys replay:", err)
		return 1
	}
	ctx, stop := signalContext(log, a.signalWindow)
	defer stop()
	sum, err := replay(cfg, d, mode, log)
	if err != nil {
		fmt.Fprintln(stderr, "rosys replay:", err)
		return exitCode(err)
	}
	printSummary(stdout, sum)
	if *cont && ctx.Err() == nil {
		return a.goLive(ctx, cfg, d, log)
	}
	return 0
}

func printSummary(w io.Writer, sum replaySummary) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(sum)
}

// goLive runs the robot on its real drivers after a replay. The replay was
// read-only, so the live robot restores the stored state as any start does.
func (a app) goLive(ctx context.Context, cfg *config.Robot, dir string, log *zap.Logger) int {
	live := *cfg
	live.Persistence.PersistenceMode = config.PersistenceMode(store.ModePersisting)
	log.Info("replay finished; going live")
	if err := a.run(ctx, &live, dir, log); err != nil {
		log.Error("robot failed", zap.Error(err))
		return exitCode(err)
	}
	return 0
}

// replay runs a recorded journal: mode speedrun (virtual time, as fast as
// possible), realtime (the recorded pace) or batch (all input at once,
// then the resulting state).
func replay(cfg *config.Robot, dir string, mode string, log *zap.Logger) (replaySummary, error) {
	realtime := mode == "realtime"
	sum := replaySummary{Mode: mode, Modules: map[string]json.RawMessage{}}
	var recs []journal.Record
	var recorded []string
	var lastTick uint64 // the live run's last control tick
	err := journal.Read(context.Background(), vfs.OS{}, filepath.Join(dir, "journal"), func(r journal.Record) error {
		if r.Kind == journal.RecordTick {
			lastTick = max(lastTick, r.Tick)
			return nil
		}
		if r.Source != "lizard" {
			return nil
		}
		switch r.Kind {
		case journal.RecordInput:
			recs = append(recs, r)
		case journal.RecordCommand:
			if c := string(r.Data); strings.HasPrefix(c, speedPrefix(cfg)) {
				recorded = append(recorded, strings.SplitN(c, "@", 2)[0])
			}
		}
		return nil
	})
	if err != nil {
		return sum, err
	}
	if len(recs) == 0 {
		return sum, fmt.Errorf("no recorded controller input in %s (enable hardware.lizard.journal)", filepath.Join(dir, "journal"))
	}
	if len(recs[0].Data) == 0 {
		return sum, errors.New("the journal holds offsets only (snapshot_access: offsets_only): nothing to replay")
	}
	// Replay access: the robot's stored state is read, never written.
	st, err := store.Open(dir, store.WithLogger(log), store.WithAccess(store.AccessReplay))
	if errors.Is(err, store.ErrLocked) {
		return sum, fmt.Errorf("%w: replay a copy of the data, or stop the robot", err)
	} else if err != nil {
		return sum, err
	}
	defer st.Close()
	var fields []string
	var modules []lizard.Module
	if cfg.Hardware.Lizard != nil {
		fields = cfg.Hardware.Lizard.CoreFields
		modules = robot.LizardModules(cfg.Hardware.Lizard.Modules) // the fields the recorded core lines carry
	}
	drv, err := lizard.New(lizard.Config{Replay: true, CoreFields: fields, Modules: modules, Log: log})
	if err != nil {
		return sum, err
	}
	var clk clock.Clock = clock.Real{}
	vc := clock.NewVirtual()
	if !realtime {
		vc.Set(recs[0].Time.Add(-time.Millisecond))
		clk = vc
	}
	rt := rosys.New(rosys.Config{Name: cfg.Name, ControlPeriod: cfg.ControlPeriod.D(), Storage: storage.New(st, nil), Clock: clk,
		Log: log, DisableRealtime: true, Notifier: noNotify{}, BackupInterval: time.Hour})
	base, err := robot.Assemble(rt, robot.Hardware{Wheels: drv.Wheels(), EStop: drv.EStop(), Drivers: []robot.Driver{{Name: "lizard", V: drv}}})
	if err != nil {
		return sum, err
	}
	r, err := demo.Install(base)
	if err != nil {
		return sum, err
	}
	// As the recorded run did: only robot.yaml starts anything by itself.
	if name := cfg.Automation.StartOnFirstRun; name != "" {
		r.StartOnFirstRun(name)
	}
	// Counts the replay's control ticks: each recorded line is fed between
	// the same two ticks as in the live run (its journal tick number).
	ticks := &tickCounter{}
	if err := rt.Add("replay_ticks", ticks); err != nil {
		return sum, err
	}
	byTick := recs[len(recs)-1].Tick > 0 // journals of a robot with its journal module
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() { result <- rt.Run(ctx) }()
	select {
	case <-rt.Ready():
	case err := <-result:
		cancel()
		return sum, err
	}
	start := time.Now()
	for _, r := range recs {
		if realtime {
			time.Sleep(time.Until(start.Add(r.Time.Sub(recs[0].Time)))) // the recorded pace
		} else if mode == "batch" {
			// all input at once: time moves only after the last record
		} else if byTick {
			// The live run's tick r.Tick had begun when the line was
			// recorded, so tick r.Tick+1 was the first to see it: run
			// ticks up to r.Tick, then feed.
			want := r.Tick
			if err := vc.ForwardUntil(func() bool { return ticks.n.Load() >= want }, time.Hour); err != nil {
				cancel()
				return sum, err
			}
		} else if d := r.Time.Sub(vc.Now()); d > 0 {
			if err := vc.Forward(d); err != nil {
				cancel()
				return sum, err
			}
		}
		drv.Feed(r.Data, r.Time)
	}
	// The live run's control loop stopped after its last tick: what the
	// replay's sends after that tick, on measurements the live run never
	// ticked on, is not compared (only the stop at shutdown is).
	compareUpTo := -1
	if byTick && !realtime && mode != "batch" && lastTick > 0 {
		if err := vc.ForwardUntil(func() bool { return ticks.n.Load() >= lastTick }, time.Hour); err != nil {
			cancel()
			return sum, err
		}
		compareUpTo = len(drv.Sent())
	}
	// Let the last measurements reach the odometer.
	if mode == "batch" {
		if d := recs[len(recs)-1].Time.Sub(vc.Now()); d > 0 {
			_ = vc.Forward(d)
		}
		_ = vc.Forward(time.Second)
	} else if !realtime {
		_ = vc.Forward(time.Second)
	} else {
		time.Sleep(100 * time.Millisecond)
	}
	sum.Records, sum.Inputs = len(recs)+len(recorded), len(recs)
	sum.From, sum.To = recs[0].Time, recs[len(recs)-1].Time
	sum.FinalPose = r.Odometer.Pose()
	for _, k := range st.Keys() {
		if m, ok := st.Module(k); ok {
			sum.Modules[k], _ = json.Marshal(m.Backup())
		}
	}
	// Stop as the live run did (its last command was the safe stop),
	// then compare what was sent.
	beforeStop := len(drv.Sent())
	cancel()
	if err := <-result; err != nil {
		return sum, err
	}
	all := drv.Sent()
	if compareUpTo >= 0 {
		all = append(all[:compareUpTo:compareUpTo], all[beforeStop:]...)
	}
	var sent []string
	for _, c := range all {
		if strings.HasPrefix(c, speedPrefix(cfg)) {
			sent = append(sent, c)
		}
	}
	sum.RecordedCommands, sum.SentCommands = len(recorded), len(sent)
	sum.CommandsDiffer, sum.FirstDifference = compareCommands(recorded, sent)
	return sum, nil
}

// speedPrefix starts the wheels' speed commands: "<wheels module>.speed(".
func speedPrefix(cfg *config.Robot) string {
	if l := cfg.Hardware.Lizard; l != nil {
		for _, m := range l.Modules {
			if m.Type == "wheels" {
				return m.Name + ".speed("
			}
		}
	}
	return "wheels.speed("
}

// compareCommands compares the distinct successive commands (the driver
// coalesces repeated speeds, so counts differ with timing; changes do not).
func compareCommands(recorded, sent []string) (bool, string) {
	a, b := slices.Compact(slices.Clone(recorded)), slices.Compact(slices.Clone(sent))
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return true, fmt.Sprintf("change %d: recorded %s, now %s", i+1, a[i], b[i])
		}
	}
	if len(a) != len(b) {
		return true, fmt.Sprintf("recorded %d distinct commands, now %d", len(a), len(b))
	}
	return false, ""
}

// tickCounter counts control ticks.
type tickCounter struct{ n atomic.Uint64 }

func (c *tickCounter) Step(time.Time, time.Duration) { c.n.Add(1) }

type noNotify struct{}

func (noNotify) Notify(string) error { return nil }
