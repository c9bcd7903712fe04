package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/internal/demo"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/replay"
	"github.com/gorosys/rosys/robot"
	"go.uber.org/zap"
)

func (a app) replayCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := dataDirFlag(fs)
	cfgPath := fs.String("config", "", "the robot.yaml the run was recorded with (without it: the demo robot)")
	withDemo := fs.Bool("demo", false, "the run was the demo's (its waypoints and model modules), whatever robot.yaml says")
	speedrun := fs.Bool("speedrun", false, "replay as fast as possible on virtual time (the default)")
	realtime := fs.Bool("realtime", false, "replay at the recorded pace")
	batch := fs.Bool("batch", false, "feed all recorded input at once, then report the resulting state")
	cont := fs.Bool("continue", false, "go live on the real drivers after the journal ends (as rosys run)")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error")
	if _, err := parseAnyOrder(fs, args); err != nil {
		return 2
	}
	mode := replay.Speedrun
	switch {
	case *speedrun && *realtime, *speedrun && *batch, *realtime && *batch:
		fmt.Fprintln(stderr, "rosys replay: one of --speedrun, --realtime, --batch")
		return 2
	case *realtime:
		mode = replay.Realtime
	case *batch:
		mode = replay.Batch
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
	demoRobot := isDemo(*cfgPath, *withDemo, cfg)
	if err := checkDemoNeeds(cfg, demoRobot); err != nil {
		fmt.Fprintln(stderr, "rosys replay:", err)
		return 2
	}
	d, err := resolveDir(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "rosys replay:", err)
		return 1
	}
	ctx, stop := signalContext(log, a.signalWindow)
	defer stop()
	sum, err := runReplay(ctx, cfg, d, mode, demoRobot, log)
	if err != nil {
		fmt.Fprintln(stderr, "rosys replay:", err)
		return exitCode(err)
	}
	printSummary(stdout, sum)
	if *cont && ctx.Err() == nil {
		return a.goLive(ctx, cfg, d, demoRobot, log)
	}
	return 0
}

// runReplay replays dir's journal on the robot cfg describes, with the
// demo's modules when the recorded robot was the demo.
func runReplay(ctx context.Context, cfg *config.Robot, dir string, mode replay.Mode, demoRobot bool, log *zap.Logger) (replay.Summary, error) {
	o := replay.Options{Config: cfg, DataDir: dir, Mode: mode, Log: log}
	if demoRobot {
		o.Install = installDemo
	}
	return replay.Run(ctx, o)
}

func installDemo(r *robot.Robot) error {
	_, err := demo.Install(r)
	return err
}

func printSummary(w io.Writer, sum replay.Summary) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(sum)
}

// goLive runs the robot on its real drivers after a replay. The replay was
// read-only, so the live robot restores the stored state as any start does.
func (a app) goLive(ctx context.Context, cfg *config.Robot, dir string, demoRobot bool, log *zap.Logger) int {
	live := *cfg
	live.Persistence.PersistenceMode = config.PersistenceMode(store.ModePersisting)
	log.Info("replay finished; going live")
	if err := a.run(ctx, &live, dir, demoRobot, log); err != nil {
		log.Error("robot failed", zap.Error(err))
		return exitCode(err)
	}
	return 0
}
