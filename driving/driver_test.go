package driving_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
	"github.com/gorosys/rosys/rosystest"
)

// drivingRig is the demo's drive train on a virtual-time runtime, with a
// probe stepping after the arbiter that measures the cross-track error of
// every tick against a dense sampling of the path.
type drivingRig struct {
	r      *rosystest.Robot
	wheels *sim.Wheels
	odo    *sim.Odometer
	params *driving.ParameterStore
	driver *driving.Driver
	arb    *driving.Arbiter
	probe  *probe
}

type running struct{}

func (running) Running() bool { return true }

func newDrivingRig(t *testing.T, prm driving.Parameters) *drivingRig {
	r := rosystest.New(t, rosys.Config{})
	g := &drivingRig{r: r, wheels: sim.NewWheels(sim.WheelsConfig{LinearAccel: 1, AngularAccel: 3}), params: driving.NewParameterStore(prm)}
	g.odo = sim.NewOdometer(g.wheels)
	st := driving.NewSteerer(g.params, r.Clock.Now)
	g.arb = driving.NewArbiter(g.wheels, g.params, st)
	g.arb.SetAutomation(running{})
	g.driver = driving.NewDriver(g.params, g.odo, g.arb.Automation(), r.Clock)
	g.probe = &probe{wheels: g.wheels, odo: g.odo, driver: g.driver}
	for _, m := range []struct {
		name string
		v    any
	}{{"wheels", g.wheels}, {"odometer", g.odo}, {"driver", g.driver}, {"arbiter", g.arb}, {"probe", g.probe}} {
		if err := r.Add(m.name, m.v); err != nil {
			t.Fatal(err)
		}
	}
	r.Start()
	return g
}

type probe struct {
	wheels   *sim.Wheels
	odo      *sim.Odometer
	driver   *driving.Driver
	dense    []driving.Point
	maxXTE   float64
	maxSpeed float64
	minLin   float64
	lastPose hardware.Pose
}

func (p *probe) Step(time.Time, time.Duration) {
	pose := p.odo.Pose()
	p.lastPose = pose
	if len(p.dense) > 0 {
		p.maxXTE = math.Max(p.maxXTE, distanceToPolyline(p.dense, pose.X, pose.Y))
	}
	v := p.wheels.Velocity()
	p.maxSpeed = math.Max(p.maxSpeed, math.Abs(v.Linear))
	p.minLin = math.Min(p.minLin, v.Linear)
}

func dense(p driving.Path) []driving.Point {
	var out []driving.Point
	for _, s := range p {
		n := int(s.Length()/0.002) + 1
		for k := 0; k <= n; k++ {
			out = append(out, s.At(float64(k)/float64(n)))
		}
	}
	return out
}

func distanceToPolyline(pts []driving.Point, x, y float64) float64 {
	best := math.Inf(1)
	for i := 0; i+1 < len(pts); i++ {
		a, b := pts[i], pts[i+1]
		vx, vy := b.X-a.X, b.Y-a.Y
		l2 := vx*vx + vy*vy
		u := 0.0
		if l2 > 0 {
			u = math.Max(0, math.Min(1, ((x-a.X)*vx+(y-a.Y)*vy)/l2))
		}
		best = math.Min(best, math.Hypot(a.X+u*vx-x, a.Y+u*vy-y))
	}
	return best
}

// testPath: a line, a quarter arc, a spline (all joined tangentially) and
// a line driven backwards from a cusp.
func testPath() driving.Path {
	return driving.Path{
		{Segment: driving.Line{From: driving.Point{X: 0, Y: 0}, To: driving.Point{X: 2, Y: 0}}},
		{Segment: driving.Arc{Center: driving.Point{X: 2, Y: 1}, Radius: 1, Start: -math.Pi / 2, Sweep: math.Pi / 2}},
		{Segment: driving.Spline{P0: driving.Point{X: 3, Y: 1}, P1: driving.Point{X: 3, Y: 2}, P2: driving.Point{X: 2, Y: 3}, P3: driving.Point{X: 1, Y: 3}}},
		{Segment: driving.Line{From: driving.Point{X: 1, Y: 3}, To: driving.Point{X: 2, Y: 3}}, Backward: true},
	}
}

// MaxCrossTrackError is the bound this package promises for the demo's
// drive (0.3 m/s, 1 m/s² and 3 rad/s² acceleration, carrot 0.3 m) on
// lines, arcs of 1 m radius and gentle splines.
const MaxCrossTrackError = 0.02

func TestFollowsLinesArcsSplinesAndReverses(t *testing.T) {
	g := newDrivingRig(t, driving.DefaultParameters())
	path := testPath()
	g.probe.dense = dense(path)
	if err := g.driver.SetPath(path); err != nil {
		t.Fatal(err)
	}
	if st := g.driver.Status(); !st.Active || len(st.Path) < 100 || st.Carrot == nil || st.Remaining < 7 {
		t.Fatalf("status %+v", st)
	}
	g.r.ForwardUntil(func() bool { return !g.driver.Status().Active }, time.Minute)
	g.r.Forward(time.Second) // let the wheels come to rest
	end := g.odo.Pose()
	if math.Hypot(end.X-2, end.Y-3) > 0.03 {
		t.Fatalf("ended at %+v, not at (2, 3)", end)
	}
	if math.Abs(hardware.WrapAngle(end.Yaw-math.Pi)) > 0.1 {
		t.Fatalf("the last segment is driven backwards, facing -x: yaw %v", end.Yaw)
	}
	if g.probe.minLin > -0.05 {
		t.Fatalf("never reversed (min linear %v)", g.probe.minLin)
	}
	if g.probe.maxSpeed > 0.3+1e-9 {
		t.Fatalf("speed limit exceeded: %v", g.probe.maxSpeed)
	}
	if g.probe.maxXTE > MaxCrossTrackError {
		t.Fatalf("cross-track error %.4f m, more than %.2f m", g.probe.maxXTE, MaxCrossTrackError)
	}
	t.Logf("max cross-track error %.1f mm over %.1f m", g.probe.maxXTE*1000, 7.0)
}

func TestNoBackwardsTurnsAround(t *testing.T) {
	prm := driving.DefaultParameters()
	prm.CanDriveBackwards = false
	g := newDrivingRig(t, prm)
	if err := g.driver.SetPath(testPath()); err != nil {
		t.Fatal(err)
	}
	g.r.ForwardUntil(func() bool { return !g.driver.Status().Active }, time.Minute)
	end := g.odo.Pose()
	if g.probe.minLin < -1e-9 || math.Hypot(end.X-2, end.Y-3) > 0.05 || math.Abs(end.Yaw) > 0.3 {
		t.Fatalf("min linear %v, end %+v: should turn round and drive forwards", g.probe.minLin, end)
	}
}

func TestThrottleAtEnd(t *testing.T) {
	g := newDrivingRig(t, driving.DefaultParameters())
	if err := g.driver.SetPath(driving.Path{{Segment: driving.Line{To: driving.Point{X: 2}}}}); err != nil {
		t.Fatal(err)
	}
	g.r.ForwardUntil(func() bool { return g.odo.Pose().X > 1.9 }, time.Minute)
	if v := g.wheels.Velocity().Linear; v > 0.3*0.1/0.3+0.02 || v < 0.04 {
		t.Fatalf("10 cm before the end at %v m/s; throttled to about 0.1 m/s expected", v)
	}
}

func TestMinimumTurningRadius(t *testing.T) {
	prm := driving.DefaultParameters()
	prm.MinimumTurningRadius = 2
	g := newDrivingRig(t, prm)
	if err := g.driver.SetPath(driving.Path{{Segment: driving.Line{To: driving.Point{X: 0, Y: 3}}}}); err != nil {
		t.Fatal(err)
	}
	maxCurv := 0.0
	for range 300 {
		g.r.Forward(10 * time.Millisecond)
		if v := g.wheels.Target(); v.Linear > 0.05 { // commanded: the sim lags
			maxCurv = math.Max(maxCurv, math.Abs(v.Angular/v.Linear))
		}
	}
	if maxCurv > 0.5+0.05 {
		t.Fatalf("curvature %v, tighter than a 2 m radius", maxCurv)
	}
}

func TestFollowAbortAndCancel(t *testing.T) {
	g := newDrivingRig(t, driving.DefaultParameters())
	result := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	g.r.Clock.Go(func() { result <- g.driver.Follow(ctx, driving.Path{{Segment: driving.Line{To: driving.Point{X: 5}}}}) })
	g.r.Forward(time.Second)
	g.driver.Abort()
	g.r.Forward(10 * time.Millisecond)
	if err := <-result; !errors.Is(err, driving.ErrAborted) {
		t.Fatalf("abort: %v", err)
	}
	if l, a := g.arb.Automation().Get(); l != 0 || a != 0 {
		t.Fatal("an aborted path leaves a command")
	}
	g.r.Clock.Go(func() { result <- g.driver.Follow(ctx, driving.Path{{Segment: driving.Line{To: driving.Point{X: 5}}}}) })
	g.r.Forward(time.Second)
	cancel()
	g.r.Forward(10 * time.Millisecond)
	if err := <-result; !errors.Is(err, context.Canceled) || g.driver.Status().Active {
		t.Fatalf("cancel: %v", err)
	}
	g.r.Clock.Go(func() { result <- g.driver.DriveTo(context.Background(), driving.Point{X: 0.5, Y: 0.5}) })
	g.r.ForwardUntil(func() bool { return len(result) == 1 }, time.Minute)
	if err := <-result; err != nil {
		t.Fatal(err)
	}
}

func TestBadPaths(t *testing.T) {
	g := newDrivingRig(t, driving.DefaultParameters())
	for name, p := range map[string]driving.Path{
		"empty":    nil,
		"nil":      {{}},
		"zero":     {{Segment: driving.Line{}}},
		"nan":      {{Segment: driving.Line{To: driving.Point{X: math.NaN()}}}},
		"too long": {{Segment: driving.Line{To: driving.Point{X: 1e6}}}},
	} {
		if err := g.driver.SetPath(p); !errors.Is(err, driving.ErrBadPath) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestParametersValidated(t *testing.T) {
	ps := driving.NewParameterStore(driving.Parameters{})
	for body, want := range map[string]string{
		`{"linear_speed_limit": -1}`:       "linear_speed_limit",
		`{"carrot_distance": 0}`:           "carrot_distance",
		`{"linear_speed_limt": 1}`:         "unknown field",
		`{"throttle_at_end_min_speed": 9}`: "throttle_at_end_min_speed",
		`{"angular_speed_limit": "fast"}`:  "cannot unmarshal",
	} {
		if err := ps.RestoreStrict([]byte(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", body, err)
		}
	}
	if ps.Get() != driving.DefaultParameters() {
		t.Fatal("a refused change changed the parameters")
	}
	if err := ps.RestoreStrict([]byte(`{"linear_speed_limit": 0.5}`)); err != nil || ps.Get().LinearSpeedLimit != 0.5 || ps.Get().CarrotDistance != 0.3 {
		t.Fatalf("%v %+v", err, ps.Get())
	}
}

// settablePose is a pose that the test moves by hand.
type settablePose struct {
	mu sync.Mutex
	p  hardware.Pose
}

func (s *settablePose) Pose() hardware.Pose {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.p
}

func (s *settablePose) set(p hardware.Pose) {
	s.mu.Lock()
	s.p = p
	s.mu.Unlock()
}

// TestDriveToStartsOnTheTick: DriveTo's line starts where the robot is on
// the control tick that picks it up, not where it was when the caller's
// goroutine ran (which depends on scheduling, and a replay cannot
// reproduce it).
func TestDriveToStartsOnTheTick(t *testing.T) {
	r := rosystest.New(t, rosys.Config{})
	params := driving.NewParameterStore(driving.DefaultParameters())
	pose := &settablePose{}
	var out driving.Command
	d := driving.NewDriver(params, pose, &out, r.Clock)
	if err := r.Add("driver", d); err != nil {
		t.Fatal(err)
	}
	r.Start()
	result := make(chan error, 1)
	r.Clock.Go(func() { result <- d.DriveTo(context.Background(), driving.Point{X: 1}) })
	r.ForwardUntil(func() bool { return d.Status().Active }, time.Second)
	// The robot moves before the next tick.
	pose.set(hardware.Pose{X: 0.2, Y: 0.1})
	r.Forward(20 * time.Millisecond)
	st := d.Status()
	if !st.Active || st.Path[0] != (driving.Point{X: 0.2, Y: 0.1}) || st.Path[len(st.Path)-1] != (driving.Point{X: 1}) {
		t.Fatalf("path %v", st.Path)
	}
	if math.Abs(st.Remaining-math.Hypot(0.8, 0.1)) > 0.03 {
		t.Fatalf("remaining %.3f", st.Remaining)
	}
	// Heading +x, the line goes right (-y) from (0.2, 0.1): turn right.
	if _, w := out.Get(); w >= 0 {
		t.Fatalf("angular %.3f, want a right turn towards the line from the tick's pose", w)
	}
	d.Abort()
	if err := <-result; !errors.Is(err, driving.ErrAborted) {
		t.Fatal(err)
	}
}

// max_detection_age_ramp is RoSys's [start, end] or null, validated.
func TestDetectionAgeRampParameter(t *testing.T) {
	var p driving.Parameters
	if err := json.Unmarshal([]byte(`{"max_detection_age_ramp": [1.5, 4]}`), &p); err != nil || p.MaxDetectionAgeRamp != (driving.AgeRamp{1.5, 4}) {
		t.Fatalf("%v %v", err, p.MaxDetectionAgeRamp)
	}
	b, _ := json.Marshal(driving.DefaultParameters())
	if !strings.Contains(string(b), `"max_detection_age_ramp":null`) {
		t.Fatalf("default is not null: %s", b)
	}
	if err := json.Unmarshal([]byte(`{"max_detection_age_ramp": [1]}`), &p); err == nil || !strings.Contains(err.Error(), "max_detection_age_ramp") {
		t.Fatalf("one number: %v", err)
	}
	for _, r := range []driving.AgeRamp{{3, 1}, {-1, 2}, {1, 1e9}, {nan(), 2}, {1, inf()}} {
		p := driving.DefaultParameters()
		p.MaxDetectionAgeRamp = r
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "max_detection_age_ramp") {
			t.Errorf("%v: %v", r, err)
		}
	}
}
