package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/internal/demo"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/archive"
	"github.com/gorosys/rosys/persistence/vfs"
	"github.com/gorosys/rosys/rosys"
	"github.com/gorosys/rosys/ui"
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
		return 1
	}
	return 0
}

// run starts the robot described by cfg and runs it until SIGTERM or
// SIGINT. A second signal exits at once.
func (a app) run(ctx context.Context, cfg *config.Robot, dataDir string, log *zap.Logger) error {
	dir, err := resolveDataDir(cfg, dataDir)
	if err != nil {
		return err
	}
	if mode, ok := replayMode(cfg.Persistence.PersistenceMode); ok {
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
	softFiles := raiseFileLimit(log)
	pcfg, err := persistenceConfig(cfg, dir)
	if err != nil {
		return err
	}
	store, err := persistence.OpenConfig(dir, cfg.Name, pcfg, log)
	if err != nil {
		return err
	}
	defer store.Close()

	board, err := resolveBoard(cfg, log)
	if err != nil {
		return err
	}
	journal, err := openJournal(cfg, dir, store.Mirror(), log)
	if err != nil {
		return err
	}
	hw, err := buildHardware(cfg, board, journal, log)
	if err != nil {
		return err
	}
	rc := runtimeConfig(cfg, store, log)
	if bs := cfg.BackupSchedule; bs != nil {
		dir, err := vfs.ExpandHome(bs.Directory)
		if err != nil {
			return err
		}
		h, m := bs.Time.HourMinute()
		sc := archive.ScheduleConfig{
			Directory: dir, Hour: h, Minute: m, AtMidnight: h == 0 && m == 0, BackupCount: bs.BackupCount, Robot: cfg.Name,
			Log: log.Named("persistence"), // as before the split: persistence.schedule
		}
		if bs.Storage == config.BackupStorageBackend {
			sc.Remote = pcfg.MetadataStorage // beside the manifests, where rosys fleet list looks
		}
		if rc.Schedule, err = archive.NewSchedule(store, sc); err != nil {
			return err
		}
	}
	rt := rosys.New(rc)
	if journal != nil {
		// Added first, so it stops last: after the drivers that record.
		if err := rt.Add("journal", &journalModule{j: journal}); err != nil {
			return err
		}
		status := hw.Status
		hw.Status = func() any {
			out := map[string]any{}
			if status != nil {
				if m, ok := status().(map[string]any); ok {
					maps.Copy(out, m)
				}
			}
			out["journal"] = journal.Status()
			return out
		}
	}
	robot, err := demo.AddWith(rt, hw, demo.AutoResume(cfg.Automation.AutoResume))
	if err != nil {
		return err
	}
	followSimGNSS(hw, robot.Odometer)
	if a.extraModules != nil {
		if err := a.extraModules(rt); err != nil {
			return err
		}
	}
	var srv *http.Server
	if addr := cfg.HTTPAddress(); addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("http: %w", err)
		}
		maxConns := connLimit(softFiles)
		ln = newLimitListener(ln, maxConns, log.Named("http"))
		reg, err := metricsRegistry(rt, hw)
		if err != nil {
			return err
		}
		api := ui.NewServer(rt, ui.WithToken(cfg.Token()), ui.WithLogger(log), ui.WithHardware(robot.Hardware),
			ui.WithListenAddr(ln.Addr().String()), ui.WithMetrics(reg), ui.WithLizard(ui.LizardExchange(hw.Exchange)),
			ui.WithOperation(ui.Operation{Automator: robot.Automator, Steerer: robot.Steerer, SoftEStop: robot.SoftEStop, Driving: robot.Driving}))
		srv = newHTTPServer(api)
		srv.RegisterOnShutdown(api.CloseStreams)
		// Serve only once modules are restored: a PUT before that would be
		// overwritten by the restore.
		go func() {
			select {
			case <-rt.Ready():
			case <-rt.Stopped():
				return
			}
			log.Info("http listening", zap.String("addr", ln.Addr().String()), zap.String("url", "http://"+ln.Addr().String()+"/"),
				zap.Int("max_connections", maxConns), zap.Uint64("open_files_limit", softFiles))
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("http server failed", zap.Error(err))
			}
		}()
		// Stop taking changes before the final flush, so none comes after it.
		rt.OnShutdown(func(ctx context.Context) { shutdownHTTP(ctx, srv, log.Named("http")) })
		defer srv.Close()
	}
	log.Info("starting", zap.String("robot", cfg.Name), zap.String("board", board.Name),
		zap.String("data_dir", dir), zap.String("version", version))

	return rt.Run(ctx)
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

func runtimeConfig(cfg *config.Robot, store *persistence.Store, log *zap.Logger) rosys.Config {
	rc := rosys.Config{
		Name:            cfg.Name,
		ControlPeriod:   cfg.ControlPeriod.D(),
		ShutdownTimeout: cfg.ShutdownTimeout.D(),
		Store:           store,
		Log:             log,
	}
	if iv := cfg.Persistence.SnapshotInterval; iv != nil {
		rc.BackupInterval = iv.D()
		if rc.BackupInterval == 0 {
			rc.BackupInterval = -1 // commit as soon as asked
		}
	}
	return rc
}

// resolveDataDir: --data-dir, then the config's filesystem backend, then
// $ROSYS_DATA_DIR, then ~/.rosys.
func resolveDataDir(cfg *config.Robot, flagDir string) (string, error) {
	if flagDir != "" {
		return vfs.ExpandHome(flagDir)
	}
	if b := cfg.Persistence.Backend; b != nil && b.Filesystem != nil {
		return vfs.ExpandHome(b.Filesystem.Path)
	}
	return persistence.DefaultDir()
}

// replayMode names the replay that persistence_mode asks for, if any.
func replayMode(m config.PersistenceMode) (string, bool) {
	switch persistence.PersistenceMode(m) {
	case persistence.ModeSpeedrunReplay:
		return "speedrun", true
	case persistence.ModeRealtimeReplay:
		return "realtime", true
	case persistence.ModeBatch:
		return "batch", true
	}
	return "", false
}
