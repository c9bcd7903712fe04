package robot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/boards"
	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
	"github.com/gorosys/rosys/localization"
	"github.com/gorosys/rosys/navigate"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/store"
	"go.uber.org/zap"
)

// ErrReplayMode is returned by New for a robot.yaml whose
// persistence_mode asks for a replay (speedrun_replay, realtime_replay,
// batch): a replay runs the recorded journal, not the robot (`rosys
// replay`, or `rosys run`, which replays first).
var ErrReplayMode = errors.New("persistence_mode asks for a replay")

// Robot is a robot's parts: the runtime, the hardware (real or
// simulated), and the modules that drive it. Fields are set by New or
// Assemble and must not be replaced.
type Robot struct {
	// Runtime runs every module; add your own with Runtime.Add before Run.
	Runtime *rosys.Runtime

	Wheels   hardware.Wheels
	EStop    hardware.EStop
	Odometer *sim.Odometer // dead reckoning from the wheels' velocity
	// Pose is the fused pose estimate the Driver follows paths on
	// (odometry, GNSS, IMU): see package localization.
	Pose *localization.Estimator
	// Reference is the persistent GNSS reference in use (nil without a
	// receiver that takes one).
	Reference *persistence.Value[Reference]
	GNSS      hardware.GNSSReceiver // nil without hardware.gnss

	// Operating the robot: see packages driving and automation.
	SoftEStop *driving.SoftEStop
	Params    *driving.ParameterStore
	Steerer   *driving.Steerer
	Arbiter   *driving.Arbiter // AddStop adds a stop of your own
	Driver    *driving.Driver
	Automator *automation.Automator

	// Cameras are robot.yaml's cameras (nil without any): their module
	// camera_provider, capture, recording and detection.
	Cameras *Cameras

	// The path planner: obstacles and areas (the persistent module
	// path_planner), the geofence stop, and the automation "goto".
	World     *navigate.World
	Geofence  *navigate.Geofence
	Navigator *navigate.Navigator

	// SimWheels and SimEStop are set when the hardware is simulated.
	SimWheels *sim.Wheels
	SimEStop  *sim.EStop

	// Set by New only.
	Config  *config.Robot
	Store   *store.Store
	Board   boards.Profile
	DataDir string

	hw       Hardware
	poseIn   *poseInput
	log      *zap.Logger
	version  string
	ln       net.Listener // nil with http: off
	maxConns int
	files    uint64
	closers  []func() error
	close    sync.Once
}

// New builds the robot cfg describes: it opens the store in the data
// directory, resolves the board, starts nothing yet but creates the
// drivers robot.yaml names (the rest simulated), the runtime, the
// standard modules (see Assemble) and the HTTP listener. Add modules of
// your own to r.Runtime, then call Run. If Run is never called, Close
// releases the store and the listener.
func New(cfg *config.Robot, o Options) (r *Robot, err error) {
	log := o.logger()
	if _, ok := replayMode(cfg.Persistence.PersistenceMode); ok {
		return nil, fmt.Errorf("%w (%s): run it with `rosys replay`", ErrReplayMode, cfg.Persistence.PersistenceMode)
	}
	dir, err := DataDir(cfg, o.DataDir)
	if err != nil {
		return nil, err
	}
	var closers []func() error
	defer func() {
		if err != nil {
			for i := len(closers) - 1; i >= 0; i-- {
				_ = closers[i]()
			}
		}
	}()
	files := raiseFileLimit(log)
	pcfg, err := persistenceConfig(cfg, dir)
	if err != nil {
		return nil, err
	}
	store, err := store.OpenConfig(dir, cfg.Name, pcfg, log)
	if err != nil {
		return nil, err
	}
	closers = append(closers, store.Close)
	board, err := ResolveBoard(cfg, log)
	if err != nil {
		return nil, err
	}
	journal, err := openJournal(cfg, dir, store.Mirror(), log)
	if err != nil {
		return nil, err
	}
	if journal != nil {
		closers = append(closers, journal.Close) // closes once; its module closes it at Run's end
	}
	hw, err := buildHardware(cfg, board, journal, o.LizardTypes, log)
	if err != nil {
		return nil, err
	}
	rc, err := runtimeConfig(cfg, store, log, o.Clock)
	if err != nil {
		return nil, err
	}
	rt := rosys.New(rc)
	if journal != nil {
		// Added first, so it stops last: after the drivers that record.
		if err := rt.Add("journal", &journalModule{j: journal}); err != nil {
			return nil, err
		}
		hw.Status = withStatus(hw.Status, "journal", func() any { return journal.Status() })
	}
	r, err = Assemble(rt, hw, AutoResume(cfg.Automation.AutoResume), Shape(shapeOf(cfg)))
	if err != nil {
		return nil, err
	}
	if len(cfg.Cameras) > 0 {
		if err := r.addCameras(cfg, dir, log); err != nil {
			return nil, err
		}
	}
	r.Config, r.Store, r.Board, r.DataDir = cfg, store, board, dir
	r.log, r.version, r.files = log, o.Version, files
	r.poseIn.journal, r.poseIn.log = journal, log // poses set by an operator are inputs a replay repeats
	r.Navigator.SetLogger(log)
	if name := cfg.Automation.StartOnFirstRun; name != "" {
		r.StartOnFirstRun(name)
	}
	if addr := cfg.HTTPAddress(); addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("http: %w", err)
		}
		r.maxConns = connLimit(files)
		r.ln = newConnPool(ln, r.maxConns, log.Named("http"))
		closers = append(closers, r.ln.Close)
	}
	r.closers = closers
	return r, nil
}

// Addr is the address the HTTP API listens on (the port chosen when
// robot.yaml says :0); "" with http: off.
func (r *Robot) Addr() string {
	if r.ln == nil {
		return ""
	}
	return r.ln.Addr().String()
}

// Run runs the robot until ctx ends, then shuts it down: the HTTP API
// stops taking changes, the wheels stop, drivers stop, and every
// persistent module is flushed. It serves the HTTP API once every module
// is restored. A Robot from Assemble runs its runtime only.
func (r *Robot) Run(ctx context.Context) error {
	defer r.Close() //nolint:errcheck // after the final flush; nothing left to report it to
	if r.ln != nil {
		srv, api, err := r.httpServer()
		if err != nil {
			return err
		}
		// Serve only once modules are restored: a PUT before that would be
		// overwritten by the restore.
		go func() {
			select {
			case <-r.Runtime.Ready():
			case <-r.Runtime.Stopped():
				return
			}
			r.log.Info("http listening", zap.String("addr", r.Addr()), zap.String("url", "http://"+r.Addr()+"/"),
				zap.Int("max_connections", r.maxConns), zap.Uint64("open_files_limit", r.files))
			if err := srv.Serve(r.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				r.log.Error("http server failed", zap.Error(err))
			}
		}()
		// Stop taking changes before the final flush, so none comes after it.
		r.Runtime.OnShutdown(func(ctx context.Context) { shutdownHTTP(ctx, srv, api, r.log.Named("http")) })
		defer srv.Close()
	}
	if r.Config != nil {
		r.log.Info("starting", zap.String("robot", r.Config.Name), zap.String("board", r.Board.Name),
			zap.String("data_dir", r.DataDir), zap.String("version", r.version))
	}
	return r.Runtime.Run(ctx)
}

// Close releases what New opened (the listener, the store) if Run never
// ran; Run closes them itself once it returns.
func (r *Robot) Close() error {
	var err error
	r.close.Do(func() {
		for i := len(r.closers) - 1; i >= 0; i-- {
			if e := r.closers[i](); e != nil && !errors.Is(e, net.ErrClosed) {
				err = errors.Join(err, e)
			}
		}
	})
	return err
}
