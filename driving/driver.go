package driving

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys/clock"
	"github.com/gorosys/rosys/hardware"
)

// PoseSource gives the robot's pose: odometry alone, or the fused
// estimate (package localization).
type PoseSource interface {
	Pose() hardware.Pose
}

// CorrectedPose is a PoseSource that absolute sources (GNSS fixes, a pose
// an operator set) correct. The Driver judges it on every tick.
type CorrectedPose interface {
	PoseSource
	// Correction reports when the pose was last corrected by an absolute
	// source (zero: not since the start), whether the robot has an
	// absolute source at all (without one, the age means nothing and the
	// Driver does not slow for it), and whether the Driver must hold: a
	// restored pose not yet confirmed by a fix.
	Correction() (last time.Time, absolute, hold bool)
}

// Reasons the Driver holds the robot, as Held names them (and the robot's
// stops list them).
const (
	HoldStalePose   = "stale pose"
	HoldUnconfirmed = "pose unconfirmed"
)

// ErrAborted is returned by Follow when the path was aborted (Abort, or a
// new Follow).
var ErrAborted = errors.New("path aborted")

// Driver follows paths with a carrot (pure-pursuit) controller on the
// control loop: each tick it projects the robot onto the path, puts the
// carrot CarrotDistance further along, and steers on the arc through the
// carrot. It writes its command into a Command cell (the Arbiter's
// automation cell), so it moves the wheels only while the automation runs.
type Driver struct {
	params    *ParameterStore
	pose      PoseSource
	corrected CorrectedPose // pose, if it is one
	out       *Command
	clock     clock.Clock

	held     atomic.Int32  // index+1 into holdNames; the control loop writes it
	throttle atomic.Uint64 // float64 bits of the last tick's speed factor

	mu  sync.Mutex // guards run; held by Step for microseconds, never during I/O
	run *following
}

// NewDriver follows paths on pose, writing commands into out.
func NewDriver(params *ParameterStore, pose PoseSource, out *Command, clock clock.Clock) *Driver {
	d := &Driver{params: params, pose: pose, out: out, clock: clock}
	d.corrected, _ = pose.(CorrectedPose)
	d.throttle.Store(math.Float64bits(1))
	return d
}

// Follow drives along p and returns once the robot is at its end (nil),
// the path was aborted (ErrAborted), or ctx is done (its error). It blocks
// only its caller, sleeping on the runtime's clock. While the automation
// is paused the Arbiter ignores the command, so the robot waits on the
// path and goes on from where it is when resumed.
func (d *Driver) Follow(ctx context.Context, p Path) error {
	f, err := d.begin(p)
	if err != nil {
		return err
	}
	return d.wait(ctx, f)
}

// wait blocks until f ends or ctx is done.
func (d *Driver) wait(ctx context.Context, f *following) error {
	timer := d.clock.NewTimer()
	defer timer.Stop()
	for {
		select {
		case <-f.done:
			return f.err
		default:
		}
		if err := timer.SleepUntil(ctx, d.clock.Now().Add(time.Hour), f.done); err != nil {
			d.mu.Lock()
			if d.run == f {
				d.finishLocked(err)
			}
			d.mu.Unlock()
			return err
		}
	}
}

// SetPath starts following p without waiting (see Follow), replacing
// the path being followed.
func (d *Driver) SetPath(p Path) error {
	_, err := d.begin(p)
	return err
}

func (d *Driver) begin(p Path) (*following, error) {
	pts, err := p.sampled()
	if err != nil {
		return nil, err
	}
	f := &following{pts: pts, view: decimate(pts, 0.05), done: make(chan struct{})}
	f.runEnd = f.nextRunEnd(0)
	d.start(f)
	return f, nil
}

// start makes f the path being followed, aborting the previous one.
func (d *Driver) start(f *following) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.run != nil {
		d.finishLocked(ErrAborted)
	}
	d.run = f
}

// DriveTo follows a straight line from the robot's position to target.
// The line starts where the robot is on the control tick that picks it up,
// not where it was when DriveTo was called: when the calling goroutine
// gets to run is a matter of scheduling, the tick is not, so a replay of a
// recorded run drives the same line.
func (d *Driver) DriveTo(ctx context.Context, target Point) error {
	p := d.pose.Pose()
	if math.Hypot(target.X-p.X, target.Y-p.Y) < d.params.Get().GoalTolerance {
		return nil // already there
	}
	// Sampled from here for room and validation; resampled in place on
	// the tick, with room for a robot that moved a little meanwhile.
	line := Line{From: Point{p.X, p.Y}, To: target}
	if _, err := (Path{{Segment: line}}).sampled(); err != nil {
		return err
	}
	pts := make([]sample, 0, int((line.Length()+lineRoom)/Resolution)+2)
	f := &following{pts: sampleLine(pts, line), lineTo: &target, done: make(chan struct{})}
	f.view = decimate(f.pts, 0.05)
	f.runEnd = f.nextRunEnd(0)
	d.start(f)
	return d.wait(ctx, f)
}

// lineRoom (m) is how much longer than when DriveTo was called a line may
// become on its tick without allocating.
const lineRoom = 1.0

// sampleLine samples l into buf[:0] as Path.sampled does a one-line path;
// it allocates only if buf is too small.
func sampleLine(buf []sample, l Line) []sample {
	n := max(1, int(math.Ceil(l.Length()/Resolution)))
	out := buf[:0]
	for k := 0; k <= n; k++ {
		pt := l.At(float64(k) / float64(n))
		s := 0.0
		if len(out) > 0 {
			last := out[len(out)-1]
			s = last.s + math.Hypot(pt.X-last.x, pt.Y-last.y)
		}
		out = append(out, sample{x: pt.X, y: pt.Y, s: s})
	}
	return out
}

// Abort ends the path being followed; its Follow returns ErrAborted.
func (d *Driver) Abort() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.run != nil {
		d.finishLocked(ErrAborted)
	}
}

func (d *Driver) finishLocked(err error) {
	d.run.err = err
	close(d.run.done)
	d.run = nil
	d.out.Set(0, 0)
}

// Step implements rosys.Stepper. It allocates nothing.
func (d *Driver) Step(now time.Time, _ time.Duration) {
	prm := d.params.Get()
	d.mu.Lock()
	defer d.mu.Unlock()
	f := d.run
	if f == nil {
		d.held.Store(0)
		d.throttle.Store(math.Float64bits(1))
		return
	}
	factor, held := d.speedFactor(now, prm)
	d.throttle.Store(math.Float64bits(factor))
	d.held.Store(held)
	if factor <= 0 {
		// Holding: the path waits where it is, and goes on when the pose
		// is fresh again.
		d.out.Set(0, 0)
		return
	}
	pose := d.pose.Pose()
	if f.lineTo != nil {
		// DriveTo's line, from where the robot is on this tick.
		f.pts = sampleLine(f.pts, Line{From: Point{pose.X, pose.Y}, To: *f.lineTo})
		f.runEnd, f.lineTo, f.stale = f.nextRunEnd(0), nil, true
	}
	linear, angular, done := f.step(pose, prm)
	if done {
		d.finishLocked(nil)
		return
	}
	d.out.Set(linear*factor, angular*factor)
}

var holdNames = [...]string{HoldStalePose, HoldUnconfirmed}

// speedFactor is RoSys's throttle on the age of the last absolute
// correction (max_detection_age_ramp: full speed up to its start, zero
// from its end, linear between), and zero while the pose source holds.
// held is index+1 into holdNames, 0 when nothing holds.
func (d *Driver) speedFactor(now time.Time, prm Parameters) (factor float64, held int32) {
	if d.corrected == nil {
		return 1, 0
	}
	last, absolute, hold := d.corrected.Correction()
	if hold {
		return 0, 2
	}
	ramp := prm.MaxDetectionAgeRamp
	if !absolute || ramp.Off() {
		return 1, 0
	}
	if last.IsZero() {
		return 0, 1
	}
	age := now.Sub(last).Seconds()
	switch {
	case age <= ramp[0]:
		return 1, 0
	case age >= ramp[1]:
		return 0, 1
	}
	return (ramp[1] - age) / (ramp[1] - ramp[0]), 0
}

// Held names why the Driver holds the robot still on the path it follows
// ("stale pose", "pose unconfirmed"), or "" when it does not (or follows
// none). It is a stop: it wins over the path on the tick that sees it,
// and the robot lists it among its stops.
func (d *Driver) Held() string {
	if i := d.held.Load(); i > 0 {
		return holdNames[i-1]
	}
	return ""
}

// SpeedFactor is the factor (0…1) the staleness ramp put on the last
// tick's command.
func (d *Driver) SpeedFactor() float64 { return math.Float64frombits(d.throttle.Load()) }

// DriverStatus is the Driver for the API and the dashboard's map.
type DriverStatus struct {
	Active bool `json:"active"`
	// Path is the followed path, a point every 5 cm.
	Path   []Point `json:"path,omitempty"`
	Carrot *Point  `json:"carrot,omitempty"`
	// CrossTrackError is the robot's distance from the path (m) now.
	CrossTrackError float64 `json:"cross_track_error"`
	// Remaining is the distance (m) along the path to its end.
	Remaining float64 `json:"remaining"`
}

// Status reports the path being followed.
func (d *Driver) Status() DriverStatus {
	d.mu.Lock()
	defer d.mu.Unlock()
	f := d.run
	if f == nil {
		return DriverStatus{}
	}
	if f.stale {
		f.view, f.stale = decimate(f.pts, 0.05), false
	}
	c := f.carrot
	return DriverStatus{Active: true, Path: f.view, Carrot: &c, CrossTrackError: f.xte,
		Remaining: f.pts[len(f.pts)-1].s - f.pts[f.idx].s}
}

// following is one path being followed; the control loop's own.
type following struct {
	pts      []sample
	view     []Point
	idx      int // the robot's projection onto the path
	runEnd   int // the end of the stretch driven in one direction
	aligning bool
	// lineTo is DriveTo's target until the tick that starts its line.
	lineTo *Point
	stale  bool // view is not of pts (redrawn by Status)
	carrot Point
	xte    float64
	done   chan struct{}
	err    error
}

// nextRunEnd is the last sample of the stretch starting at a that is
// driven in a's direction: the end of the path, or a cusp.
func (f *following) nextRunEnd(a int) int {
	j := a + 1
	for j < len(f.pts)-1 && f.pts[j].back == f.pts[a].back {
		j++
	}
	return j
}

// searchAhead is how far beyond the carrot the projection may jump in one
// tick: far enough for any speed, short enough that a path crossing itself
// is not short-cut.
const searchAhead = 1.0

// step computes the command for pose p; done once the path's end is
// reached.
func (f *following) step(p hardware.Pose, prm Parameters) (linear, angular float64, done bool) {
	back := f.pts[f.idx].back && prm.CanDriveBackwards
	heading := p.Yaw
	if back {
		heading += math.Pi
	}
	ch, sh := math.Cos(heading), math.Sin(heading)
	hx, hy := p.X+prm.CarrotOffset*ch, p.Y+prm.CarrotOffset*sh

	// Project the hook onto the path, moving only forwards.
	limit := f.pts[f.idx].s + prm.CarrotDistance + searchAhead
	best, bestD := f.idx, dist2(f.pts[f.idx], hx, hy)
	for j := f.idx + 1; j <= f.runEnd && f.pts[j].s <= limit; j++ {
		if dd := dist2(f.pts[j], hx, hy); dd < bestD {
			best, bestD = j, dd
		}
	}
	f.idx = best
	f.xte = f.distanceToPath(hx, hy)

	end := f.pts[f.runEnd]
	remaining := end.s - f.pts[f.idx].s
	ex, ey := f.direction(f.runEnd)
	along := (end.x-p.X)*ex + (end.y-p.Y)*ey // > 0 while the end is ahead
	if math.Hypot(end.x-p.X, end.y-p.Y) < prm.GoalTolerance ||
		(along <= 0 && remaining < prm.CarrotDistance+prm.GoalTolerance) {
		if f.runEnd == len(f.pts)-1 {
			return 0, 0, true
		}
		// A cusp: stop for a tick, then drive the next stretch.
		f.idx, f.runEnd, f.aligning = f.runEnd, f.nextRunEnd(f.runEnd), false
		return 0, 0, false
	}

	// The carrot: CarrotDistance along the path from the projection,
	// continued straight beyond the end of the stretch.
	target := f.pts[f.idx].s + prm.CarrotDistance
	c := f.idx
	for c < f.runEnd && f.pts[c].s < target {
		c++
	}
	cx, cy := f.pts[c].x, f.pts[c].y
	if over := target - f.pts[c].s; over > 0 {
		cx, cy = cx+over*ex, cy+over*ey
	} else if c > f.idx {
		prev := f.pts[c-1]
		if seg := f.pts[c].s - prev.s; seg > 0 {
			u := (target - prev.s) / seg
			cx, cy = prev.x+u*(cx-prev.x), prev.y+u*(cy-prev.y)
		}
	}
	f.carrot = Point{cx, cy}

	// The carrot in the frame of the direction of travel.
	dx, dy := cx-p.X, cy-p.Y
	lx, ly := ch*dx+sh*dy, -sh*dx+ch*dy
	if prm.MinimumTurningRadius == 0 {
		angleErr := math.Atan2(ly, lx)
		if math.Abs(angleErr) > prm.TurnInPlaceAngle {
			f.aligning = true
		}
		if f.aligning {
			if math.Abs(angleErr) > prm.TurnInPlaceAngle/4 {
				return 0, clamp(2*angleErr, prm.AngularSpeedLimit), false
			}
			f.aligning = false
		}
	}
	k := 0.0 // curvature of the arc through the carrot
	if l2 := lx*lx + ly*ly; l2 > 1e-12 {
		k = 2 * ly / l2
	}
	if r := prm.MinimumTurningRadius; r > 0 {
		k = clamp(k, 1/r)
	}
	v := prm.LinearSpeedLimit
	if d := prm.ThrottleAtEndDistance; d > 0 && remaining < d {
		v = math.Max(prm.ThrottleAtEndMinSpeed, v*remaining/d)
	}
	w := k * v
	if math.Abs(w) > prm.AngularSpeedLimit {
		v = prm.AngularSpeedLimit / math.Abs(k)
		w = math.Copysign(prm.AngularSpeedLimit, k)
	}
	if back {
		v = -v
	}
	return v, w, false
}

// direction is the unit direction of the path arriving at sample i.
func (f *following) direction(i int) (float64, float64) {
	if i == 0 {
		i = 1
	}
	a, b := f.pts[i-1], f.pts[i]
	l := math.Hypot(b.x-a.x, b.y-a.y)
	if l == 0 {
		return 1, 0
	}
	return (b.x - a.x) / l, (b.y - a.y) / l
}

// distanceToPath is the distance from (x, y) to the path's edges next to
// the projection.
func (f *following) distanceToPath(x, y float64) float64 {
	d := math.Inf(1)
	for i := max(f.idx-1, 0); i < min(f.idx+1, len(f.pts)-1); i++ {
		d = math.Min(d, segDist(f.pts[i], f.pts[i+1], x, y))
	}
	return d
}

func dist2(s sample, x, y float64) float64 { return (s.x-x)*(s.x-x) + (s.y-y)*(s.y-y) }

func segDist(a, b sample, x, y float64) float64 {
	vx, vy := b.x-a.x, b.y-a.y
	l2 := vx*vx + vy*vy
	u := 0.0
	if l2 > 0 {
		u = math.Max(0, math.Min(1, ((x-a.x)*vx+(y-a.y)*vy)/l2))
	}
	return math.Hypot(a.x+u*vx-x, a.y+u*vy-y)
}
