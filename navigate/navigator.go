package navigate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/clock"
	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/pathplanning"
	"go.uber.org/zap"
)

// Automation is the name of the automation that drives to a goal.
const Automation = "goto"

// DefaultPlanTimeout bounds one search: RoSys's default (3 s) and more.
const DefaultPlanTimeout = 5 * time.Second

// ErrNoGoal is the goto automation started without a goal (through
// /api/automation/start rather than /api/goto).
var ErrNoGoal = errors.New(`no goal: send the robot with POST /api/goto {"x": ..., "y": ...}`)

// ErrPlanTimeout is a search that did not end within the plan timeout.
var ErrPlanTimeout = errors.New("no path found within the plan timeout")

// ErrPlanning is returned while another goto is being planned.
var ErrPlanning = errors.New("another goto is being planned")

// Config is what a Navigator drives with.
type Config struct {
	World *World
	Shape pathplanning.Shape
	// Pose is the robot's pose in the local frame.
	Pose func() hardware.Pose
	// Moving reports whether the wheels still turn (after a stop for a
	// replan, the search waits until they stand).
	Moving    func() bool
	Driver    *driving.Driver
	Automator *automation.Automator
	Clock     clock.Clock
	// PlanTimeout bounds each search (DefaultPlanTimeout).
	PlanTimeout time.Duration
	Options     pathplanning.Options
	// AllowReverse, if set, says whether paths may reverse now (the
	// driving parameters' can_drive_backwards); it overrides
	// Options.AllowReverse.
	AllowReverse func() bool
	Log          *zap.Logger
}

// Navigator plans paths on the World and drives them as the automation
// "goto". Register it with Register before the robot runs.
type Navigator struct {
	cfg      Config
	log      *zap.Logger
	planning sync.Mutex // one goto request plans at a time

	searchMu sync.Mutex           // guards searcher
	searcher pathplanning.Planner // its buffers kept between plans: less garbage

	mu      sync.Mutex
	pending *planned // the goal and path Goto hands to the automation
	current *planned // the path being (or last) driven, for /api/path
	replans int
}

// Goal is where POST /api/goto sends the robot: x, y in metres in the
// local frame; yaw (rad) the heading to arrive with, if given.
type Goal struct {
	X   float64  `json:"x"`
	Y   float64  `json:"y"`
	Yaw *float64 `json:"yaw,omitempty"`
}

// planned is one search's result.
type planned struct {
	goal    Goal
	version uint64 // of the map planned on
	path    driving.Path
	length  float64
	at      time.Time
	active  bool
}

// New returns a Navigator; Register adds its automation.
func New(cfg Config) *Navigator {
	if cfg.PlanTimeout <= 0 {
		cfg.PlanTimeout = DefaultPlanTimeout
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	return &Navigator{cfg: cfg, log: cfg.Log.Named("goto")}
}

// Register registers the automation "goto" with the Automator (only by
// name: the robot's own automation stays the default).
func (n *Navigator) Register() error {
	return n.cfg.Automator.Register(Automation, n.run, automation.OnlyByName())
}

// Goto plans a path from the robot's pose to g and starts the automation
// "goto" on it. The search runs on the caller's goroutine (never the
// control loop) within the plan timeout; the robot does not move unless a
// path was found. ready, if not nil, is asked after the search and before
// the start (the API refuses while a stop is active); its error is
// returned as it is. Errors: a *pathplanning.NoPathError naming why there
// is no path, automation.ErrBusy (another automation is running or paused,
// or ErrPlanning), ErrPlanTimeout, or ctx's.
func (n *Navigator) Goto(ctx context.Context, g Goal, ready func() error) (PathView, error) {
	if err := g.validate(); err != nil {
		return PathView{}, err
	}
	if !n.planning.TryLock() {
		return PathView{}, fmt.Errorf("%w: %w", automation.ErrBusy, ErrPlanning)
	}
	defer n.planning.Unlock()
	if st := n.cfg.Automator.Status(); st.State == automation.Running || st.State == automation.Paused {
		return PathView{}, fmt.Errorf("%w: %s is %s", automation.ErrBusy, st.Name, st.State)
	}
	p, err := n.plan(ctx, g)
	if err != nil {
		return PathView{}, err
	}
	if ready != nil {
		if err := ready(); err != nil {
			return PathView{}, err
		}
	}
	// The goal is the checkpoint from the start: durable once the start
	// is, so a restart right after the answer resumes to it.
	cp, err := json.Marshal(checkpoint{Goal: g})
	if err != nil {
		return PathView{}, err
	}
	n.mu.Lock()
	n.pending = p
	n.mu.Unlock()
	if err := n.cfg.Automator.StartFrom(Automation, cp); err != nil {
		n.mu.Lock()
		if n.pending == p {
			n.pending = nil
		}
		n.mu.Unlock()
		return PathView{}, err
	}
	v := p.view()
	v.Active = true // started: the automation drives it
	return v, nil
}

// Preview plans a path from the robot's pose to g as Goto does, and only
// shows it: nothing starts, the robot does not move (the dashboard draws
// it before the operator sends the robot). Errors as Goto's.
func (n *Navigator) Preview(ctx context.Context, g Goal) (PathView, error) {
	if err := g.validate(); err != nil {
		return PathView{}, err
	}
	if !n.planning.TryLock() {
		return PathView{}, fmt.Errorf("%w: %w", automation.ErrBusy, ErrPlanning)
	}
	defer n.planning.Unlock()
	p, err := n.plan(ctx, g)
	if err != nil {
		return PathView{}, err
	}
	return p.view(), nil
}

func (g Goal) same(o Goal) bool {
	return g.X == o.X && g.Y == o.Y && (g.Yaw == nil) == (o.Yaw == nil) && (g.Yaw == nil || *g.Yaw == *o.Yaw)
}

func (g Goal) validate() error {
	if !(math.Abs(g.X) <= MaxCoordinate && math.Abs(g.Y) <= MaxCoordinate) {
		return fmt.Errorf("goal (%v, %v) is not within %d m of the origin", g.X, g.Y, MaxCoordinate)
	}
	if g.Yaw != nil && !(math.Abs(*g.Yaw) <= 2*math.Pi) {
		return fmt.Errorf("yaw %v: want radians in [-2π, 2π]", *g.Yaw)
	}
	return nil
}

// plan searches from the robot's pose now to g within the plan timeout.
func (n *Navigator) plan(ctx context.Context, g Goal) (*planned, error) {
	start := n.cfg.Pose()
	goal := hardware.Pose{X: g.X, Y: g.Y}
	if g.Yaw != nil {
		goal.Yaw = hardware.WrapAngle(*g.Yaw)
	} else if math.Hypot(g.X-start.X, g.Y-start.Y) > 1e-6 {
		goal.Yaw = math.Atan2(g.Y-start.Y, g.X-start.X)
	} else {
		goal.Yaw = start.Yaw
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.PlanTimeout)
	defer cancel()
	began := time.Now()
	opts := n.cfg.Options
	if n.cfg.AllowReverse != nil {
		opts.AllowReverse = n.cfg.AllowReverse()
	}
	m, version := n.cfg.World.Snapshot()
	n.searchMu.Lock()
	res, err := n.searcher.Plan(ctx, m, n.cfg.Shape, start, goal, opts)
	n.searchMu.Unlock()
	took := time.Since(began)
	var noPath *pathplanning.NoPathError
	if err != nil && !errors.As(err, &noPath) && errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		err = fmt.Errorf("%w (%v): %w", ErrPlanTimeout, n.cfg.PlanTimeout, err)
	}
	if err != nil {
		n.log.Info("no path", zap.Any("goal", g), zap.Duration("took", took), zap.Error(err))
		return nil, err
	}
	path := resultPath(res)
	if len(path) == 0 {
		return nil, &pathplanning.NoPathError{Reason: "the planner returned no segments"}
	}
	n.log.Info("path planned", zap.Any("goal", g), zap.Int("segments", len(path)), zap.Float64("length", res.Length), zap.Duration("took", took))
	return &planned{goal: g, version: version, path: path, length: res.Length, at: n.cfg.Clock.Now()}, nil
}

// resultPath is the Driver's path for a search's result.
func resultPath(res pathplanning.Result) driving.Path { return driving.Path(res.Segments) }

// checkpoint is what the automation "goto" saves: its goal, so that after
// a restart it replans from wherever the robot is then.
type checkpoint struct {
	Goal Goal `json:"goal"`
}

// run is the automation "goto".
func (n *Navigator) run(ctx context.Context, h *automation.Handle) error {
	var cp checkpoint
	if ok, err := h.Load(&cp); err != nil {
		return err
	} else if !ok {
		return ErrNoGoal
	}
	if err := cp.Goal.validate(); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	// Started by Goto: its path, planned from where the robot stands.
	// Resumed after a restart: none, planned again below.
	n.mu.Lock()
	next := n.pending
	n.pending = nil
	n.mu.Unlock()
	if next != nil && !next.goal.same(cp.Goal) {
		next = nil
	}
	defer n.setCurrent(nil, false)
	for {
		if err := h.Wait(ctx); err != nil {
			return err
		}
		if next == nil {
			var err error
			if next, err = n.plan(ctx, cp.Goal); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return err
			}
		}
		n.setCurrent(next, true)
		replan, err := n.follow(ctx, next)
		switch {
		case err == nil:
			return h.Save(ctx, cp, 1)
		case ctx.Err() != nil:
			return ctx.Err()
		case !replan:
			return err
		}
		n.mu.Lock()
		n.replans++
		n.mu.Unlock()
		n.log.Info("an obstacle is across the path: stopped to replan", zap.Any("goal", cp.Goal))
		if err := n.waitStanding(ctx, h); err != nil {
			return err
		}
		next = nil
	}
}

func (n *Navigator) setCurrent(p *planned, active bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if p != nil {
		cp := *p
		cp.active = active
		n.current = &cp
	} else if n.current != nil {
		cp := *n.current
		cp.active = active
		n.current = &cp
	}
}

// Replans counts the stops to replan since the robot started.
func (n *Navigator) Replans() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.replans
}

// Path is the path being driven (Active), or the last one driven.
func (n *Navigator) Path() PathView {
	n.mu.Lock()
	p := n.current
	n.mu.Unlock()
	if p == nil {
		return PathView{Segments: []SegmentView{}, Points: []driving.Point{}}
	}
	return p.view()
}

// SetLogger sets the logger (before the robot runs).
func (n *Navigator) SetLogger(log *zap.Logger) { n.log = log.Named("goto") }

// TestSpline is RoSys's test_spline on the map now: true when the robot
// driving s (backwards when backward) touches an obstacle or leaves the
// accessible areas.
func (n *Navigator) TestSpline(s driving.Spline, backward bool) bool {
	return pathplanning.TestSpline(n.cfg.World.Map(), n.cfg.Shape, s, backward)
}

// ObstacleDistance is RoSys's get_obstacle_distance on the map now: the
// gap (m) around the robot's outline at pose to the nearest obstacle or
// area border (see pathplanning.ObstacleDistance).
func (n *Navigator) ObstacleDistance(pose hardware.Pose) float64 {
	return pathplanning.ObstacleDistance(n.cfg.World.Map(), n.cfg.Shape, pose)
}
