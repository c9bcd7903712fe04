package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/internal/demo"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/replay"
	"github.com/gorosys/rosys/robot"
	"go.uber.org/zap"
)

func (a app) runCommand(args []string, _, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "robot description (robot.yaml); without it, the simulated demo robot")
	dataDir := fs.String("data-dir", "", "where module state lives (default: config, then $ROSYS_DATA_DIR, then ~/.rosys)")
	httpAddr := fs.String("http", "", `API address, or "off" (default: config, then $ROSYS_HTTP, then 127.0.0.1:8080)`)
	forceSim := fs.Bool("sim", false, "simulate all hardware, whatever the config names")
	withDemo := fs.Bool("demo", false, "add the demo's modules (waypoints, model) to robot.yaml's robot")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rosys run: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	log, err := newLogger(*logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "rosys run:", err)
		return 2
	}
	defer log.Sync() //nolint:errcheck // stderr may not support sync

	cfg := config.Default()
	if *configPath != "" {
		if cfg, err = config.Load(*configPath); err != nil {
			log.Error("bad configuration", zap.Error(err))
			return 2
		}
		// Startup code the firmware would reject is a configuration
		// error, as for `rosys lizard code`.
		if l := cfg.Hardware.Lizard; l != nil && len(l.Modules) > 0 {
			if _, err := robot.LizardCode(l); err != nil {
				log.Error("bad configuration", zap.Error(err))
				return 2
			}
		}
	}
	if *httpAddr != "" {
		cfg.HTTP = *httpAddr
	}
	if *forceSim {
		cfg.Board = "sim"
	}
	// Again after the flags, and for the demo robot too: --http and the
	// environment (ROSYS_HTTP, ROSYS_HTTP_TOKEN) are checked as robot.yaml is.
	if err := cfg.Validate(); err != nil {
		log.Error("bad configuration", zap.Error(err))
		return 2
	}
	demoRobot := isDemo(*configPath, *withDemo, cfg)
	if err := checkDemoNeeds(cfg, demoRobot); err != nil {
		log.Error("bad configuration", zap.Error(err))
		return 2
	}
	ctx, stop := signalContext(log, a.signalWindow)
	defer stop()
	if err := a.run(ctx, cfg, *dataDir, demoRobot, log); err != nil {
		log.Error("robot failed", zap.Error(err))
		return exitCode(err)
	}
	return 0
}

// isDemo says whether the robot gets the demo's modules: without a
// robot.yaml (the demo robot), with --demo, or with robot.yaml's demo:
// true. A user's robot otherwise has exactly the modules it declares plus
// the standard ones: a production data directory never gets model.json or
// waypoints.json.
func isDemo(configPath string, flag bool, cfg *config.Robot) bool {
	return configPath == "" || flag || cfg.Demo
}

// checkDemoNeeds refuses a robot.yaml that names the demo's automation
// for a robot without the demo: it would fail at start-up with "no
// automation registered", which does not say how to fix it.
func checkDemoNeeds(cfg *config.Robot, demoRobot bool) error {
	if !demoRobot && cfg.Automation.StartOnFirstRun == demo.Automation {
		return fmt.Errorf("automation.start_on_first_run: %q is the demo's automation; this robot has the demo's modules only with demo: true in robot.yaml (or --demo)", demo.Automation)
	}
	return nil
}

// run starts the robot described by cfg (package robot builds it; with
// demoRobot, internal/demo adds its waypoints and model) and runs it until
// ctx ends. A robot.yaml asking for a replay replays the journal first.
func (a app) run(ctx context.Context, cfg *config.Robot, dataDir string, demoRobot bool, log *zap.Logger) error {
	if mode, ok := robot.ReplayMode(cfg); ok {
		dir, err := robot.DataDir(cfg, dataDir)
		if err != nil {
			return err
		}
		// robot.yaml asks for a replay of this data directory's journal.
		sum, err := runReplay(ctx, cfg, dir, replay.Mode(mode), demoRobot, log)
		if err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		printSummary(os.Stdout, sum)
		if c := cfg.Persistence.ContinueAfterReplay; c != nil && !*c {
			return nil
		}
		live := *cfg
		live.Persistence.PersistenceMode = config.PersistenceMode(store.ModePersisting)
		log.Info("replay finished; going live (continue_after_replay)")
		return a.run(ctx, &live, dataDir, demoRobot, log)
	}
	r, err := robot.New(cfg, robot.Options{DataDir: dataDir, Log: log, Version: version})
	if err != nil {
		return err
	}
	defer r.Close() //nolint:errcheck // Run closes it; this is for the errors before Run
	if demoRobot {
		if _, err := demo.Install(r); err != nil {
			return err
		}
	}
	if a.extraModules != nil {
		if err := a.extraModules(r.Runtime); err != nil {
			return err
		}
	}
	return r.Run(ctx)
}

// signalWindow: a second signal this soon after the first is part of the
// same stop request. Shells and supervisors often send two at once (Ctrl-C
// reaches the whole process group, and a Makefile's trap or a supervisor
// adds a SIGTERM milliseconds later); skipping the final flush for that
// lost the last changes.
const signalWindow = 2 * time.Second

// signalGate decides what each SIGTERM or SIGINT means: the first stops
// the robot, one within window of it is ignored, a later one (an operator
// insisting) exits without the final flush.
type signalGate struct {
	window time.Duration
	first  time.Time
	seen   bool
}

type signalAction int

const (
	signalStop signalAction = iota
	signalIgnore
	signalExit
)

func (g *signalGate) on(now time.Time) signalAction {
	switch {
	case !g.seen:
		g.seen, g.first = true, now
		return signalStop
	case now.Sub(g.first) < g.window:
		return signalIgnore
	}
	return signalExit
}

// signalContext is cancelled by the first SIGTERM or SIGINT; a repeat
// within window is ignored and a later one exits at once (signalGate).
// It is set up before anything runs, so no signal finds the process
// without a handler (between a replay and going live, say).
func signalContext(log *zap.Logger, window time.Duration) (context.Context, func()) {
	if window <= 0 {
		window = signalWindow
	}
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		g := signalGate{window: window}
		for sig := range sigs {
			switch g.on(time.Now()) {
			case signalStop:
				log.Info("signal received; stopping (the same signal again after "+window.String()+" exits without a final flush)",
					zap.String("signal", sig.String()))
				cancel()
			case signalIgnore:
				log.Warn("signal again within "+window.String()+" of the first; ignored, the stop and final flush go on",
					zap.String("signal", sig.String()), zap.Duration("after", time.Since(g.first)))
			case signalExit:
				log.Error("signal again "+window.String()+" or more after the first (an operator insisting); exiting without a final flush",
					zap.String("signal", sig.String()), zap.Duration("after", time.Since(g.first)))
				_ = log.Sync()
				os.Exit(128 + int(sig.(syscall.Signal)))
			}
		}
	}()
	return ctx, func() { signal.Stop(sigs); cancel() }
}
