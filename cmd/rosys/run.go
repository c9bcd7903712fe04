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

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/internal/demo"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/robot"
	"go.uber.org/zap"
)

func (a app) runCommand(args []string, _, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "robot description (robot.yaml); without it, the simulated demo robot")
	dataDir := fs.String("data-dir", "", "where module state lives (default: config, then $ROSYS_DATA_DIR, then ~/.rosys)")
	httpAddr := fs.String("http", "", `API address, or "off" (default: config, then 127.0.0.1:8080)`)
	forceSim := fs.Bool("sim", false, "simulate all hardware, whatever the config names")
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
	}
	if *httpAddr != "" {
		cfg.HTTP = *httpAddr
		if err := cfg.Validate(); err != nil {
			log.Error("bad --http", zap.Error(err))
			return 2
		}
	}
	if *forceSim {
		cfg.Board = "sim"
	}
	ctx, stop := signalContext(log)
	defer stop()
	if err := a.run(ctx, cfg, *dataDir, log); err != nil {
		log.Error("robot failed", zap.Error(err))
		return exitCode(err)
	}
	return 0
}

// run starts the robot described by cfg (package robot builds it, with
// the demo's waypoints and model) and runs it until ctx ends. A robot.yaml
// asking for a replay replays the journal first.
func (a app) run(ctx context.Context, cfg *config.Robot, dataDir string, log *zap.Logger) error {
	if mode, ok := robot.ReplayMode(cfg); ok {
		dir, err := robot.DataDir(cfg, dataDir)
		if err != nil {
			return err
		}
		// robot.yaml asks for a replay of this data directory's journal.
		sum, err := replay(cfg, dir, mode, log)
		if err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		printSummary(os.Stdout, sum)
		if c := cfg.Persistence.ContinueAfterReplay; c != nil && !*c {
			return nil
		}
		live := *cfg
		live.Persistence.PersistenceMode = config.PersistenceMode(persistence.ModePersisting)
		log.Info("replay finished; going live (continue_after_replay)")
		return a.run(ctx, &live, dataDir, log)
	}
	r, err := robot.New(cfg, robot.Options{DataDir: dataDir, Log: log, Version: version})
	if err != nil {
		return err
	}
	defer r.Close() //nolint:errcheck // Run closes it; this is for the errors before Run
	if _, err := demo.Install(r); err != nil {
		return err
	}
	if a.extraModules != nil {
		if err := a.extraModules(r.Runtime); err != nil {
			return err
		}
	}
	return r.Run(ctx)
}

// signalContext is cancelled by the first SIGTERM or SIGINT; a second one
// exits at once. It is set up before anything runs, so no signal finds the
// process without a handler (between a replay and going live, say).
func signalContext(log *zap.Logger) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		sig, ok := <-sigs
		if !ok {
			return
		}
		log.Info("signal received; stopping (send it again to exit at once)", zap.String("signal", sig.String()))
		cancel()
		sig = <-sigs
		log.Error("second signal; exiting without a final flush", zap.String("signal", sig.String()))
		_ = log.Sync()
		os.Exit(128 + int(sig.(syscall.Signal)))
	}()
	return ctx, func() { signal.Stop(sigs); cancel() }
}
