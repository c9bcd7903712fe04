package localization

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/gorosys/rosys/hardware"
	"go.uber.org/zap"
)

// Mode is how absolute corrections reach the estimate.
type Mode uint8

const (
	// ModeFilter weighs every source by its uncertainty (an extended
	// Kalman filter over x, y, yaw) and gates fixes that disagree.
	ModeFilter Mode = iota
	// ModeReanchor is RoSys's rule: each fix replaces the pose at its own
	// time, odometry carries it to now. No weighing, no gate.
	ModeReanchor
	// ModeOdometry takes no absolute correction (a baseline).
	ModeOdometry
)

var modeNames = [...]string{"filter", "reanchor", "odometry"}

func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("mode(%d)", m)
}

// ParseMode reads a Mode by its name.
func ParseMode(s string) (Mode, error) {
	for i, n := range modeNames {
		if n == s {
			return Mode(i), nil
		}
	}
	return 0, fmt.Errorf("pose mode %q: want filter, reanchor or odometry", s)
}

// Recorder journals the estimator's inputs (journal.Journal satisfies
// it), so that Replay computes the same estimate.
type Recorder interface {
	RecordAt(at time.Time, source string, kind byte, data []byte)
}

// Config configures an Estimator. Only Odometer is required.
type Config struct {
	// Odometer is the wheel odometry, read once per control tick.
	Odometer hardware.Odometer
	// GNSS, if the robot has a receiver: its fixes correct the pose at
	// their own time (FixTime), placed in the odometry history.
	GNSS hardware.GNSSReceiver
	// IMU, if the robot has one: its yaw turns the estimate between ticks
	// instead of the wheels' (a gyro does not slip).
	IMU hardware.IMU
	// Antenna is the GNSS main antenna in the robot's frame (x forward, y
	// left, metres). Fixes the receiver already moved to the robot (those
	// with a true heading, see drivers/gnss) are taken as they are.
	Antenna hardware.Pose
	// StaleAfter is hardware.gnss.stale_after: a source is live while its
	// last input is younger; a fix that arrives older is dropped.
	StaleAfter time.Duration
	// ConfirmRestored makes a restored pose wait for a GNSS fix that
	// agrees with it before the Driver moves on it (Correction).
	ConfirmRestored bool
	Mode            Mode
	// Gate is the squared Mahalanobis distance beyond which a fix is
	// refused (default 13.8: χ² with 2 degrees of freedom at 99.9 %).
	Gate float64
	// ReinitAfter: fixes refused for this long, agreeing with each other,
	// re-initialise the position on them (default 3 s).
	ReinitAfter time.Duration
	// Commit makes the persistent module "pose" durable now (the store's
	// CommitNow); nil leaves it to the next backup cycle.
	Commit func(ctx context.Context) error
	// OnRestore is told the restored pose (a simulated robot is put
	// there).
	OnRestore func(hardware.Pose)
	Recorder  Recorder
	Log       *zap.Logger
	// Fresh ignores the stored estimate (Module.Restore keeps nothing): a
	// replay reproduces a run from its start, not from where it ended.
	Fresh bool
	// Replay builds an estimator fed only by Apply (recorded inputs): it
	// needs no Odometer, and Step does nothing.
	Replay bool
}

// Defaults.
const (
	DefaultGate        = 13.8
	DefaultReinitAfter = 3 * time.Second
	DefaultStaleAfter  = 2 * time.Second
	// CommitInterval is how often a moving robot's pose is committed.
	CommitInterval = time.Second
	// JournalSource names the estimator's records in the journal.
	JournalSource = "localization"
)

// Sources, as bits.
const (
	srcOdometry uint8 = 1 << iota
	srcGNSS
	srcHeading
	srcIMU
	srcSetPose
)

var sourceNames = [...]string{"odometry", "gnss", "gnss_heading", "imu", "set_pose"}

// Estimator is the robot's pose: wheel odometry, corrected by GNSS fixes
// (and GNSS heading), turned by the IMU's yaw. It is a rosys Stepper (add
// it after the odometer and the receiver) and the persistent module
// "pose" (Module). Pose, Correction and Status are safe for concurrent
// use; Step allocates nothing.
type Estimator struct {
	cfg   Config
	log   *zap.Logger
	noise noise
	fixes <-chan hardware.GNSS
	unsub func()

	mu   sync.Mutex // guards all below; held by Step for microseconds
	hist ring
	cur  state

	lastCorrection time.Time
	correctionSrc  uint8
	lastFix        time.Time // last accepted fix (arrival)
	lastHeading    time.Time
	lastIMU        time.Time
	lastOdom       time.Time
	confirmed      bool
	restored       *restoredPose // nil: nothing restored
	rejectSince    time.Time     // first of the refused fixes in a row; zero when the last fix was taken
	rejectX        float64       // where they put the robot
	rejectY        float64
	counts         Counts
	pendingSet     *hardware.Pose // SetPose, applied on the next tick

	lastCommit time.Time
	moving     bool
	commitDue  bool
	wasMoving  bool
	mod        *Module
	commitReq  chan struct{}
	stopCommit context.CancelFunc
	commitDone chan struct{}
	rec        [96]byte
}

// Counts are the fixes the estimator saw.
type Counts struct {
	Accepted  uint64 `json:"accepted"`
	Rejected  uint64 `json:"rejected"`  // refused by the gate
	Reinits   uint64 `json:"reinits"`   // re-initialised on a sustained disagreement
	TooOld    uint64 `json:"too_old"`   // older than the history or stale on arrival
	NoFix     uint64 `json:"no_fix"`    // measurements without a position
	Clock     uint64 `json:"clock"`     // fix time not within a second before arrival: arrival used
	Headings  uint64 `json:"headings"`  // GNSS headings taken
	SetPoses  uint64 `json:"set_poses"` // SetPose calls
	Confirmed uint64 `json:"-"`
}

// New returns an estimator at the origin of the odometry frame.
func New(cfg Config) (*Estimator, error) {
	if cfg.Odometer == nil && !cfg.Replay {
		return nil, errors.New("localization: Config.Odometer is required")
	}
	if cfg.Gate <= 0 {
		cfg.Gate = DefaultGate
	}
	if cfg.ReinitAfter <= 0 {
		cfg.ReinitAfter = DefaultReinitAfter
	}
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = DefaultStaleAfter
	}
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	e := &Estimator{cfg: cfg, log: cfg.Log.Named("pose"), noise: defaultNoise(), commitReq: make(chan struct{}, 1)}
	e.cur.p = initialCovariance()
	e.mod = &Module{e: e}
	if cfg.GNSS != nil && cfg.Mode != ModeOdometry && !cfg.Replay {
		e.fixes, e.unsub = cfg.GNSS.SubscribeGNSS(64)
	}
	return e, nil
}

// imuDriftPerSecond (rad/s): how fast an IMU's yaw may drift (a BNO055's
// gyro, fused, drifts well under a degree a minute).
const imuDriftPerSecond = 0.0003

func defaultNoise() noise {
	return noise{along: 0.05, lateral: 0.02, turn: 0.05, turnPerMetre: 0.01, floor: 1e-5, slip: 0.05, perSecond: imuDriftPerSecond}
}

// initialCovariance is the estimate's uncertainty before any absolute
// correction: the odometry frame's origin is the robot's start, known
// exactly in that frame, but not in the GNSS frame.
func initialCovariance() mat3 { return mat3{{1e-6, 0, 0}, {0, 1e-6, 0}, {0, 0, 1e-6}} }

// SetCommit sets Config.Commit; call it before Start.
func (e *Estimator) SetCommit(fn func(ctx context.Context) error) { e.cfg.Commit = fn }

// Module is the persistent module "pose".
func (e *Estimator) Module() *Module { return e.mod }

// Pose implements driving.PoseSource: the estimate at the last tick.
func (e *Estimator) Pose() hardware.Pose {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.poseLocked()
}

func (e *Estimator) poseLocked() hardware.Pose {
	p := hardware.Pose{X: e.cur.x, Y: e.cur.y, Yaw: e.cur.yaw}
	if !e.hist.empty() {
		p.Time = e.hist.newest().t
	}
	return p
}

// Covariance is the estimate's covariance over (x, y, yaw): m², m·rad,
// rad².
func (e *Estimator) Covariance() [3][3]float64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cur.p
}

// Start implements rosys.Starter: it runs the goroutine that commits the
// persistent module when Step asks.
func (e *Estimator) Start(context.Context) error {
	if e.cfg.Commit == nil {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.stopCommit, e.commitDone = cancel, make(chan struct{})
	go func() {
		defer close(e.commitDone)
		for {
			select {
			case <-ctx.Done():
				return
			case <-e.commitReq:
				if err := e.cfg.Commit(ctx); err != nil && ctx.Err() == nil {
					e.log.Warn("pose not committed", zap.Error(err))
				}
			}
		}
	}()
	return nil
}

// Stop implements rosys.Stopper. It captures the last estimate into the
// pose module, so the final flush writes where the robot stopped.
func (e *Estimator) Stop(ctx context.Context) error {
	if e.unsub != nil {
		e.unsub()
	}
	e.mu.Lock()
	if !e.hist.empty() {
		e.mod.capture(e.savedLocked(e.hist.newest().t))
	}
	e.mu.Unlock()
	if e.stopCommit != nil {
		e.stopCommit()
		select {
		case <-e.commitDone:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// SetPose makes p the robot's pose now: a fresh absolute correction with
// a small covariance (1 cm, 1°) that confirms a restored pose. Fixes
// taken before it are not applied. It is applied on the next control
// tick; it never blocks on I/O.
func (e *Estimator) SetPose(p hardware.Pose) error {
	const limit = 1e5 // m, as far as a waypoint may be
	if !(math.Abs(p.X) <= limit && math.Abs(p.Y) <= limit) || math.IsNaN(p.Yaw) || math.IsInf(p.Yaw, 0) {
		return fmt.Errorf("set pose: x and y must be finite and within %g m of the origin, yaw finite (got %v, %v, %v)", limit, p.X, p.Y, p.Yaw)
	}
	p.Yaw = wrap(p.Yaw)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pendingSet = &p
	return nil
}
