package pathplanning

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/hardware"
)

func rect(id string, x0, y0, x1, y1 float64) Obstacle {
	return Obstacle{ID: id, Outline: []Point{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}}
}

func rectArea(id, typ string, x0, y0, x1, y1 float64) Area {
	return Area{ID: id, Type: typ, Color: "green", Closed: true, Outline: []Point{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}}
}

func mapOf(obstacles []Obstacle, areas ...Area) Map {
	m := Map{Obstacles: map[string]Obstacle{}, Areas: map[string]Area{}}
	for _, o := range obstacles {
		m.Obstacles[o.ID] = o
	}
	for _, a := range areas {
		m.Areas[a.ID] = a
	}
	return m
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// planOK plans and asserts the path runs from start to goal and passes
// the independent check.
func planOK(t *testing.T, m Map, start, goal hardware.Pose, opts Options) Result {
	t.Helper()
	r, err := Plan(ctxT(t), m, DefaultShape(), start, goal, opts)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if len(r.Segments) == 0 {
		t.Fatal("no segments")
	}
	if err := Check(m, DefaultShape(), r.Segments, 0.01); err != nil {
		t.Fatalf("planned path fails the check: %v", err)
	}
	first, last := r.Segments[0].At(0), r.Segments[len(r.Segments)-1].At(1)
	if d := dist(first.X, first.Y, start.X, start.Y); d > 1e-9 {
		t.Errorf("path starts %g m from the start", d)
	}
	if d := dist(last.X, last.Y, goal.X, goal.Y); d > 1e-9 {
		t.Errorf("path ends %g m from the goal", d)
	}
	if h := heading(r.Segments[0], 0); abs(angleDiff(h, start.Yaw)) > 1e-3 {
		t.Errorf("path leaves at heading %g, the robot faces %g", h, start.Yaw)
	}
	if h := heading(r.Segments[len(r.Segments)-1], 1); abs(angleDiff(h, goal.Yaw)) > 1e-3 {
		t.Errorf("path arrives at heading %g, the goal is %g", h, goal.Yaw)
	}
	return r
}

func TestStraightOnEmptyField(t *testing.T) {
	r := planOK(t, Map{}, hardware.Pose{}, hardware.Pose{X: 10}, Options{})
	if r.Length < 10 || r.Length > 10.001 {
		t.Errorf("length %g, want 10", r.Length)
	}
}

func TestGoalInsideObstacle(t *testing.T) {
	m := mapOf([]Obstacle{rect("tree", 4, -1, 6, 1)})
	_, err := Plan(ctxT(t), m, DefaultShape(), hardware.Pose{}, hardware.Pose{X: 5}, Options{})
	var np *NoPathError
	if !errors.As(err, &np) || np.Reason != "goal inside obstacle 'tree'" {
		t.Fatalf("err %v, want goal inside obstacle 'tree'", err)
	}
}

func TestStartOutsideEveryArea(t *testing.T) {
	m := mapOf(nil, rectArea("field", "", 0, 0, 10, 10))
	_, err := Plan(ctxT(t), m, DefaultShape(), hardware.Pose{X: -5, Y: 5}, hardware.Pose{X: 5, Y: 5}, Options{})
	var np *NoPathError
	if !errors.As(err, &np) || np.Reason != "start outside every area" {
		t.Fatalf("err %v, want start outside every area", err)
	}
}

func TestCheckFindsCollision(t *testing.T) {
	m := mapOf([]Obstacle{rect("rock", 4, -0.2, 4.4, 0.2)})
	path := planOK(t, Map{}, hardware.Pose{}, hardware.Pose{X: 10}, Options{}).Segments
	var ce *CollisionError
	if err := Check(m, DefaultShape(), path, 0); !errors.As(err, &ce) || ce.Obstacle != "rock" {
		t.Fatalf("Check: %v, want a collision with rock", err)
	}
	// The robot's nose reaches 0.75 m ahead: it first touches the rock
	// with its centre at 3.25; the first pose tested beyond that is at
	// most CheckStep further.
	if ce.Pose.X < 3.25 || ce.Pose.X > 3.25+CheckStep {
		t.Errorf("first collision at x=%g, want within %g m after 3.25", ce.Pose.X, CheckStep)
	}
	// Beside the path, half a metre plus the robot's half width away.
	side := mapOf([]Obstacle{rect("post", 4, 0.52, 4.4, 1)})
	if err := Check(side, DefaultShape(), path, 0); err != nil {
		t.Errorf("obstacle 2 cm beside the robot: %v", err)
	}
	if d := ObstacleDistance(side, DefaultShape(), hardware.Pose{X: 4}); abs(d-0.02) > 1e-9 {
		t.Errorf("ObstacleDistance %g, want 0.02", d)
	}
}

func dist(ax, ay, bx, by float64) float64 { return hypot(ax-bx, ay-by) }

func TestAlreadyThere(t *testing.T) {
	r, err := Plan(ctxT(t), Map{}, DefaultShape(), hardware.Pose{X: 1, Y: 2, Yaw: 1}, hardware.Pose{X: 1, Y: 2.0005, Yaw: 1.001}, Options{})
	if err != nil || len(r.Segments) != 0 || r.Length != 0 {
		t.Fatalf("start at the goal: %+v, %v; want no segments", r, err)
	}
	// Same place, turned round: a manoeuvre, not nothing.
	r = planOK(t, Map{}, hardware.Pose{X: 1, Y: 2}, hardware.Pose{X: 1, Y: 2, Yaw: math.Pi}, Options{AllowReverse: true})
	if r.Length < 1 {
		t.Errorf("turning round: %.2f m", r.Length)
	}
}

func TestObstacleDistanceToAreaBorder(t *testing.T) {
	m := mapOf(nil, rectArea("field", "", 0, 0, 10, 10))
	// The nose reaches x = 5.75: 4.25 m from the east border.
	if d := ObstacleDistance(m, DefaultShape(), hardware.Pose{X: 5, Y: 5}); abs(d-4.25) > 1e-9 {
		t.Errorf("distance %g, want 4.25", d)
	}
	// Two areas sharing an edge: the shared edge is no border.
	two := mapOf(nil, rectArea("a", "", 0, 0, 5, 10), rectArea("b", "", 5, 0, 10, 10))
	if d := ObstacleDistance(two, DefaultShape(), hardware.Pose{X: 5, Y: 5}); abs(d-4.25) > 1e-9 {
		t.Errorf("across two areas: distance %g, want 4.25", d)
	}
	if d := ObstacleDistance(m, DefaultShape(), hardware.Pose{X: 9.5, Y: 5}); d != 0 {
		t.Errorf("nose out of the field: distance %g, want 0", d)
	}
	if d := ObstacleDistance(Map{}, DefaultShape(), hardware.Pose{}); !math.IsInf(d, 1) {
		t.Errorf("empty map: %g", d)
	}
}

func TestBadInput(t *testing.T) {
	nan := mapOf([]Obstacle{{ID: "rock", Outline: []Point{{0, 0}, {1, math.NaN()}, {1, 1}}}})
	if err := nan.Validate(); err == nil || !strings.Contains(err.Error(), `obstacle "rock": point 1`) {
		t.Errorf("NaN point: %v", err)
	}
	line := mapOf([]Obstacle{{ID: "twig", Outline: []Point{{0, 0}, {1, 0}}}})
	if _, err := Plan(ctxT(t), line, DefaultShape(), hardware.Pose{X: -3}, hardware.Pose{X: 3}, Options{}); err == nil || !strings.Contains(err.Error(), `obstacle "twig": 2 points`) {
		t.Errorf("two-point obstacle: %v", err)
	}
	if _, err := Plan(ctxT(t), Map{}, Shape{Outline: []Point{{0, 0}, {1, 0}, {2, 0}}}, hardware.Pose{}, hardware.Pose{X: 3}, Options{}); err == nil || !strings.Contains(err.Error(), "encloses no area") {
		t.Errorf("flat shape: %v", err)
	}
	if _, err := Plan(ctxT(t), Map{}, DefaultShape(), hardware.Pose{Yaw: math.Inf(1)}, hardware.Pose{X: 3}, Options{}); err == nil || !strings.Contains(err.Error(), "start pose") {
		t.Errorf("infinite yaw: %v", err)
	}
	if _, err := Plan(ctxT(t), Map{}, DefaultShape(), hardware.Pose{}, hardware.Pose{X: 3}, Options{Margin: -1}); err == nil || !strings.Contains(err.Error(), "margin") {
		t.Errorf("negative margin: %v", err)
	}
	big := Map{Obstacles: map[string]Obstacle{}}
	for i := range 101 {
		pts := make([]Point, MaxOutlinePoints)
		for k := range pts {
			a := 2 * math.Pi * float64(k) / float64(len(pts))
			pts[k] = Point{float64(i)*3 + math.Cos(a), math.Sin(a)}
		}
		big.Obstacles[fmt.Sprint(i)] = Obstacle{ID: fmt.Sprint(i), Outline: pts}
	}
	if err := big.Validate(); err == nil || !strings.Contains(err.Error(), "at most 1000000") {
		t.Errorf("1 010 000 points: %v", err)
	}
}
