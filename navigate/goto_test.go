package navigate_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/navigate"
	"github.com/gorosys/rosys/pathplanning"
	"github.com/gorosys/rosys/robot"
	"github.com/gorosys/rosys/rosystest"
)

// rig is a simulated robot on virtual time with the planner's parts.
type rig struct {
	*rosystest.Robot
	r *robot.Robot
	t *testing.T
	// poses seen on every tick ForwardUntil checked (the robot's track).
	track []hardware.Pose
}

func newRig(t *testing.T) *rig {
	t.Helper()
	rt := rosystest.New(t, rosys.Config{})
	r, err := robot.Assemble(rt.Runtime, robot.Hardware{})
	if err != nil {
		t.Fatal(err)
	}
	rt.Start()
	return &rig{Robot: rt, r: r, t: t}
}

func box(id string, x0, y0, x1, y1 float64) pathplanning.Obstacle {
	return pathplanning.Obstacle{ID: id, Outline: []pathplanning.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}}
}

func area(id string, x0, y0, x1, y1 float64) pathplanning.Area {
	return pathplanning.Area{ID: id, Color: "green", Closed: true, Outline: box(id, x0, y0, x1, y1).Outline}
}

func (g *rig) state() automation.State { return g.r.Automator.Status().State }

// drive forwards virtual time until cond holds (at most d), noting the
// pose on every check.
func (g *rig) drive(cond func() bool, d time.Duration) {
	g.t.Helper()
	g.ForwardUntil(func() bool {
		g.track = append(g.track, g.r.Odometer.Pose())
		return cond()
	}, d)
}

// clear fails the test if the robot's outline touched an obstacle of m at
// any pose of its track.
func (g *rig) clear(m pathplanning.Map) {
	g.t.Helper()
	for _, p := range g.track {
		if d := pathplanning.ObstacleDistance(pathplanning.Map{Obstacles: m.Obstacles}, pathplanning.DefaultShape(), p); d <= 0 {
			g.t.Fatalf("the robot touched an obstacle at %+v (distance %.3f m)", p, d)
		}
	}
}

// arrive runs a started goto to its end and checks where the robot ends.
func (g *rig) arrive(x, y float64, within time.Duration) {
	g.t.Helper()
	g.drive(func() bool { s := g.state(); return s != automation.Running && s != automation.Paused }, within)
	if st := g.r.Automator.Status(); st.State != automation.Completed {
		g.t.Fatalf("goto ended %s: %s", st.State, st.Reason)
	}
	g.Forward(time.Second) // braking
	p := g.r.Odometer.Pose()
	if d := math.Hypot(p.X-x, p.Y-y); d > 0.1 {
		g.t.Fatalf("ended at %+v, %.2f m from the goal (%v, %v)", p, d, x, y)
	}
}

func TestGotoAroundABox(t *testing.T) {
	g := newRig(t)
	if err := g.r.World.SetObstacle(box("box", 2, -1, 3, 1)); err != nil {
		t.Fatal(err)
	}
	view, err := g.r.Navigator.Goto(context.Background(), navigate.Goal{X: 6, Y: 0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Around, not through: longer than the straight 6 m, every drawn
	// point outside the box.
	if view.Length <= 6.2 || len(view.Segments) == 0 || len(view.Points) < 60 {
		t.Fatalf("path %+v", view)
	}
	for _, p := range view.Points {
		if p.X > 1.9 && p.X < 3.1 && p.Y > -1.1 && p.Y < 1.1 {
			t.Fatalf("the path runs through the box at %+v", p)
		}
	}
	if !g.r.Navigator.Path().Active && g.state() != automation.Running {
		t.Fatalf("not started: %+v", g.r.Automator.Status())
	}
	g.arrive(6, 0, 3*time.Minute)
	g.clear(g.r.World.Map())
	if p := g.r.Navigator.Path(); p.Active || p.Goal == nil || p.Goal.X != 6 {
		t.Fatalf("after arriving, /api/path shows %+v", p)
	}
}

func TestGotoThroughANarrowPassage(t *testing.T) {
	g := newRig(t)
	// A wall across the field with a 1.5 m gap for the 1 m wide robot,
	// off the straight line to the goal.
	for _, o := range []pathplanning.Obstacle{box("wall_left", 3, 0.25, 3.5, 6), box("wall_right", 3, -6, 3.5, -1.25)} {
		if err := g.r.World.SetObstacle(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.r.World.SetArea(area("field", -2, -6, 9, 6)); err != nil {
		t.Fatal(err)
	}
	if _, err := g.r.Navigator.Goto(context.Background(), navigate.Goal{X: 7, Y: 2}, nil); err != nil {
		t.Fatal(err)
	}
	g.arrive(7, 2, 3*time.Minute)
	g.clear(g.r.World.Map())
	passed := false
	for _, p := range g.track {
		if p.X > 3 && p.X < 3.5 {
			passed = true
			if p.Y < -1.25 || p.Y > 0.25 {
				t.Fatalf("crossed the wall outside the gap at %+v", p)
			}
		}
	}
	if !passed {
		t.Fatal("never crossed the wall")
	}
	if slices.Contains(g.r.Stops(), navigate.GeofenceStop) {
		t.Fatal("left the field")
	}
}

func TestNoPathAndTheRobotNeverMoves(t *testing.T) {
	g := newRig(t)
	if err := g.r.World.SetObstacle(box("tree", 4, -0.5, 5, 0.5)); err != nil {
		t.Fatal(err)
	}
	_, err := g.r.Navigator.Goto(context.Background(), navigate.Goal{X: 4.5, Y: 0}, nil)
	var noPath *pathplanning.NoPathError
	if !errors.As(err, &noPath) || noPath.Reason != "goal inside obstacle 'tree'" {
		t.Fatalf("goto into the tree: %v", err)
	}
	if err := g.r.World.SetArea(area("field", 2, -3, 8, 3)); err != nil {
		t.Fatal(err)
	}
	_, err = g.r.Navigator.Goto(context.Background(), navigate.Goal{X: 7, Y: 0}, nil)
	if !errors.As(err, &noPath) || noPath.Reason != "start outside every area" {
		t.Fatalf("goto from outside the field: %v", err)
	}
	g.Forward(3 * time.Second)
	if p := g.r.Odometer.Pose(); p.X != 0 || p.Y != 0 || p.Yaw != 0 {
		t.Fatalf("the robot moved: %+v", p)
	}
	if tgt := g.r.SimWheels.Target(); tgt.Linear != 0 || tgt.Angular != 0 {
		t.Fatalf("wheels commanded: %+v", tgt)
	}
	if s := g.state(); s != automation.Idle {
		t.Fatalf("automation %s", s)
	}
}

func TestObstacleAcrossThePathStopsAndReplans(t *testing.T) {
	g := newRig(t)
	if _, err := g.r.Navigator.Goto(context.Background(), navigate.Goal{X: 8, Y: 0}, nil); err != nil {
		t.Fatal(err)
	}
	g.drive(func() bool { return g.r.Odometer.Pose().X > 2 }, time.Minute)
	if err := g.r.World.SetObstacle(box("dropped", 4.5, -1, 5.5, 1)); err != nil {
		t.Fatal(err)
	}
	// Stopped: the wheels stand still within a second, short of the box.
	g.drive(func() bool { return g.r.Navigator.Replans() == 1 }, time.Second)
	stoppedAt := 0.0
	g.drive(func() bool {
		v := g.r.Wheels.Velocity()
		stoppedAt = g.r.Odometer.Pose().X
		return v.Linear == 0 && v.Angular == 0
	}, 2*time.Second)
	if stoppedAt > 3.5 {
		t.Fatalf("stopped at x = %.2f, too close to the box", stoppedAt)
	}
	g.arrive(8, 0, 3*time.Minute)
	g.clear(g.r.World.Map())
	if n := g.r.Navigator.Replans(); n != 1 {
		t.Fatalf("%d replans", n)
	}
}

func TestAnObstacleAwayFromThePathDoesNotStop(t *testing.T) {
	g := newRig(t)
	if _, err := g.r.Navigator.Goto(context.Background(), navigate.Goal{X: 4, Y: 0}, nil); err != nil {
		t.Fatal(err)
	}
	g.drive(func() bool { return g.r.Odometer.Pose().X > 1 }, time.Minute)
	if err := g.r.World.SetObstacle(box("far", 2, 5, 3, 6)); err != nil {
		t.Fatal(err)
	}
	g.arrive(4, 0, time.Minute)
	if n := g.r.Navigator.Replans(); n != 0 {
		t.Fatalf("%d replans for an obstacle 5 m off the path", n)
	}
}

func TestGeofenceStopsTheRobot(t *testing.T) {
	g := newRig(t)
	if err := g.r.World.SetArea(area("field", -2, -3, 2, 3)); err != nil {
		t.Fatal(err)
	}
	// Steered towards the border at x = 2, the deadman fed every 100 ms.
	crossed := false
	for i := 0; i < 200; i++ {
		if err := g.r.Steerer.Steer(0.3, 0); err != nil {
			t.Fatal(err)
		}
		g.Forward(100 * time.Millisecond)
		if slices.Contains(g.r.Stops(), navigate.GeofenceStop) {
			crossed = true
			break
		}
	}
	if !crossed {
		t.Fatalf("never stopped; at %+v", g.r.Odometer.Pose())
	}
	// Within one tick the command is a stop; the robot brakes and stays.
	g.Forward(10 * time.Millisecond)
	if st := g.r.Arbiter.Status(); st.Source != "stop" {
		t.Fatalf("arbiter %+v", st)
	}
	for i := 0; i < 20; i++ {
		_ = g.r.Steerer.Steer(0.3, 0) // pushing on does not move it
		g.Forward(100 * time.Millisecond)
	}
	p := g.r.Odometer.Pose()
	// At 0.3 m/s, a 10 ms tick and 1 m/s² braking: 2 + 0.003 + 0.045.
	if p.X < 2 || p.X > 2.06 {
		t.Fatalf("stopped at %+v", p)
	}
	if v := g.r.Wheels.Velocity(); v.Linear != 0 {
		t.Fatalf("still moving %+v", v)
	}
	// Growing the field lets it go on.
	if err := g.r.World.SetArea(area("field", -2, -3, 5, 3)); err != nil {
		t.Fatal(err)
	}
	g.Forward(10 * time.Millisecond)
	if slices.Contains(g.r.Stops(), navigate.GeofenceStop) {
		t.Fatalf("stops %v after the field grew", g.r.Stops())
	}
}

func TestGotoIsRefusedWhileAnotherAutomationRuns(t *testing.T) {
	g := newRig(t)
	if _, err := g.r.Navigator.Goto(context.Background(), navigate.Goal{X: 3, Y: 0}, nil); err != nil {
		t.Fatal(err)
	}
	_, err := g.r.Navigator.Goto(context.Background(), navigate.Goal{X: 1, Y: 1}, nil)
	if !errors.Is(err, automation.ErrBusy) || !strings.Contains(err.Error(), "goto is running") {
		t.Fatalf("second goto: %v", err)
	}
	// Started by name without a goal it fails, naming the API.
	g.arrive(3, 0, time.Minute)
	if err := g.r.Automator.Start(navigate.Automation); err != nil {
		t.Fatal(err)
	}
	g.drive(func() bool { return g.state() == automation.Failed }, time.Second)
	if r := g.r.Automator.Status().Reason; !strings.Contains(r, "POST /api/goto") {
		t.Fatalf("reason %q", r)
	}
}

// The geofence wins over the automation: areas shrunk under a running
// goto stop the wheels on the next tick and pause it, naming the fence.
func TestGeofenceWinsOverGoto(t *testing.T) {
	g := newRig(t)
	if err := g.r.World.SetArea(area("field", -2, -3, 10, 3)); err != nil {
		t.Fatal(err)
	}
	if _, err := g.r.Navigator.Goto(context.Background(), navigate.Goal{X: 8, Y: 0}, nil); err != nil {
		t.Fatal(err)
	}
	g.drive(func() bool { return g.r.Odometer.Pose().X > 1.5 }, time.Minute)
	if err := g.r.World.SetArea(area("field", 5, -3, 10, 3)); err != nil {
		t.Fatal(err)
	}
	g.Forward(10 * time.Millisecond)
	if st := g.r.Arbiter.Status(); st.Source != "stop" || !slices.Contains(g.r.Stops(), navigate.GeofenceStop) {
		t.Fatalf("one tick after: arbiter %+v, stops %v", st, g.r.Stops())
	}
	g.drive(func() bool { return g.state() == automation.Paused }, time.Second)
	if st := g.r.Automator.Status(); st.Reason != navigate.GeofenceStop {
		t.Fatalf("paused: %+v", st)
	}
	if err := g.r.Automator.Resume(); !errors.Is(err, automation.ErrBlocked) {
		t.Fatalf("resume outside the fence: %v", err)
	}
}

// A path_planner.json as RoSys writes it (the data object alone) in the
// data directory is the robot's map at start-up, and a goal in its tree
// has no path.
func TestRoSysFileInTheDataDirectory(t *testing.T) {
	rt := rosystest.New(t, rosys.Config{})
	data, err := os.ReadFile("testdata/rosys_path_planner.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rt.Dir, "path_planner.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := robot.Assemble(rt.Runtime, robot.Hardware{})
	if err != nil {
		t.Fatal(err)
	}
	rt.Start()
	if m := r.World.Map(); len(m.Obstacles) != 2 || m.Areas["headland"].Type != "turn" {
		t.Fatalf("restored %+v", m)
	}
	_, err = r.Navigator.Goto(context.Background(), navigate.Goal{X: 4.5, Y: 0}, nil)
	var noPath *pathplanning.NoPathError
	if !errors.As(err, &noPath) || noPath.Reason != "goal inside obstacle 'tree'" {
		t.Fatalf("goto into RoSys's tree: %v", err)
	}
	if !r.Navigator.TestSpline(driving.Spline{P0: driving.Point{X: 2}, P1: driving.Point{X: 4}, P2: driving.Point{X: 5}, P3: driving.Point{X: 7}}, false) {
		t.Fatal("a spline through the tree does not touch it")
	}
	if d := r.Navigator.ObstacleDistance(hardware.Pose{X: 2}); math.Abs(d-1.25) > 0.01 {
		t.Fatalf("distance from (2, 0) with the nose 0.75 m ahead to the tree at 4 m: %.3f", d)
	}
}

// The goal is durable when the start is (the API answers after
// CommitOperating): killed at that moment, the robot comes back with goto
// paused at its goal and the map, does not move, and once resumed plans
// again and arrives.
func TestGotoKilledAtTheAnswerResumes(t *testing.T) {
	g := newRig(t)
	if err := g.r.World.SetObstacle(box("box", 2, -1, 3, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := g.r.Navigator.Goto(context.Background(), navigate.Goal{X: 6, Y: 0}, nil); err != nil {
		t.Fatal(err)
	}
	if err := g.r.CommitOperating(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := g.Store().CommitNow(context.Background(), navigate.Key); err != nil {
		t.Fatal(err)
	}
	rt2 := rosystest.NewIn(t, rosystest.Killed(t, g.Dir), rosys.Config{})
	r2, err := robot.Assemble(rt2.Runtime, robot.Hardware{})
	if err != nil {
		t.Fatal(err)
	}
	rt2.Start()
	st := r2.Automator.Status()
	var cp struct{ Goal navigate.Goal }
	_ = json.Unmarshal(st.Checkpoint, &cp)
	if st.State != automation.Paused || st.Name != navigate.Automation || cp.Goal.X != 6 || cp.Goal.Y != 0 {
		t.Fatalf("after the kill: %+v (checkpoint %s)", st, st.Checkpoint)
	}
	if _, ok := r2.World.Map().Obstacles["box"]; !ok {
		t.Fatalf("map after the kill: %+v", r2.World.Map())
	}
	rt2.Forward(3 * time.Second)
	if p := r2.Odometer.Pose(); p.X != 0 || p.Y != 0 {
		t.Fatalf("moved on its own: %+v", p)
	}
	if err := r2.Automator.Resume(); err != nil {
		t.Fatal(err)
	}
	g2 := &rig{Robot: rt2, r: r2, t: t}
	g2.arrive(6, 0, 3*time.Minute)
	g2.clear(r2.World.Map())
}

// An obstacle put across the path after the search but before the robot
// set off counts too: the robot replans before it reaches it.
func TestObstacleBetweenPlanAndStart(t *testing.T) {
	g := newRig(t)
	if _, err := g.r.Navigator.Goto(context.Background(), navigate.Goal{X: 6, Y: 0}, nil); err != nil {
		t.Fatal(err)
	}
	if err := g.r.World.SetObstacle(box("late", 3, -1, 4, 1)); err != nil {
		t.Fatal(err)
	}
	g.arrive(6, 0, 3*time.Minute)
	g.clear(g.r.World.Map())
	if n := g.r.Navigator.Replans(); n != 1 {
		t.Fatalf("%d replans", n)
	}
}
