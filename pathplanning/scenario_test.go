package pathplanning

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/hardware"
)

func TestAroundABox(t *testing.T) {
	m := mapOf([]Obstacle{rect("box", 4, -1.5, 6, 1.5)})
	r := planOK(t, m, hardware.Pose{}, hardware.Pose{X: 10}, Options{})
	// Around the box: at least the way over its corner, with room for the
	// robot's half width.
	min := 2 * math.Hypot(5, 1.5+0.5)
	if r.Length < min || r.Length > 1.35*min {
		t.Errorf("length %.2f m, want between %.2f and %.2f", r.Length, min, 1.35*min)
	}
	if TestSpline(m, DefaultShape(), spline(pose{}, pose{10, 0, 0}, false, 0.5), false) == false {
		t.Error("TestSpline: the straight spline through the box is free")
	}
}

// walls across the way with a gap of width gap at y from 2.
func passage(gap float64) Map {
	return mapOf([]Obstacle{rect("south", 5, -10, 5.5, 2), rect("north", 5, 2+gap, 5.5, 10)},
		rectArea("field", "", -2, -10, 12, 10))
}

func TestThroughANarrowPassage(t *testing.T) {
	// The robot is 1 m wide: a 1.3 m gap lets it through.
	m := passage(1.3)
	r := planOK(t, m, hardware.Pose{}, hardware.Pose{X: 10}, Options{})
	through := false
	walk(r.Segments, 0.05, 1, func(_ int, x, y, _ float64) bool {
		if x > 5 && x < 5.5 {
			through = through || (y > 2 && y < 3.3)
		}
		return true
	})
	if !through {
		t.Error("the path does not go through the gap")
	}
	// A 0.9 m gap is too narrow: the goal cannot be reached.
	_, err := Plan(ctxT(t), passage(0.9), DefaultShape(), hardware.Pose{}, hardware.Pose{X: 10}, Options{})
	var np *NoPathError
	if !errors.As(err, &np) {
		t.Fatalf("0.9 m gap: %v, want a NoPathError", err)
	}
}

// uTrap opens towards the start: the straight way leads into it.
func uTrap() Map {
	return mapOf([]Obstacle{{ID: "u", Outline: []Point{{3, -3}, {6, -3}, {6, 3}, {3, 3}, {3, 2}, {5, 2}, {5, -2}, {3, -2}}}})
}

func TestOutOfAUTrap(t *testing.T) {
	r := planOK(t, uTrap(), hardware.Pose{}, hardware.Pose{X: 9}, Options{})
	if r.Length < 9 || r.Length > 20 {
		t.Errorf("length %.2f m", r.Length)
	}
	// From inside the U, facing its bottom: out backwards when allowed,
	// or turning inside it.
	for _, rev := range []bool{false, true} {
		r := planOK(t, uTrap(), hardware.Pose{X: 3.6}, hardware.Pose{X: 9}, Options{AllowReverse: rev})
		back := false
		for _, s := range r.Segments {
			back = back || s.Backward
		}
		if back && !rev {
			t.Error("a backward segment though reversing is not allowed")
		}
	}
}

func TestHeadlandTurnInsideAField(t *testing.T) {
	m := mapOf(nil, rectArea("field", "field", 0, 0, 20, 6))
	r := planOK(t, m, hardware.Pose{X: 15, Y: 1.5}, hardware.Pose{X: 15, Y: 4.5, Yaw: math.Pi}, Options{AccessibleTypes: []string{"field"}})
	if r.Length < 3 || r.Length > 15 {
		t.Errorf("length %.2f m", r.Length)
	}
	// The same field as a type that is not accessible: start outside.
	_, err := Plan(ctxT(t), m, DefaultShape(), hardware.Pose{X: 15, Y: 1.5}, hardware.Pose{X: 15, Y: 4.5}, Options{AccessibleTypes: []string{"road"}})
	var np *NoPathError
	if !errors.As(err, &np) || np.Reason != "start outside every area" {
		t.Errorf("inaccessible field: %v", err)
	}
}

func TestDeadline(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Plan(ctx, uTrap(), DefaultShape(), hardware.Pose{}, hardware.Pose{X: 9}, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// randomMap is n boxes of 0.3 to 1.5 m in a 20 × 20 m field.
func randomMap(rng *rand.Rand, n int) Map {
	var obs []Obstacle
	for i := range n {
		x, y := rng.Float64()*20, rng.Float64()*20
		w, h := 0.3+rng.Float64()*1.2, 0.3+rng.Float64()*1.2
		obs = append(obs, rect(string(rune('a'+i%26))+string(rune('0'+i/26)), x, y, x+w, y+h))
	}
	return mapOf(obs, rectArea("field", "", -1, -1, 21, 21))
}

func freePose(rng *rand.Rand, m Map) hardware.Pose {
	w := newWorld(m, offset(DefaultShape().Outline, 0.1), nil)
	for {
		p := hardware.Pose{X: rng.Float64() * 20, Y: rng.Float64() * 20, Yaw: (rng.Float64()*2 - 1) * math.Pi}
		if _, hit := w.collision(p.X, p.Y, p.Yaw); !hit {
			return p
		}
	}
}

// Every path Plan returns passes the independent check, on random maps;
// the only failures are NoPathErrors.
func TestPropertyRandomMaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(26, 1))
	runs := 40
	if testing.Short() {
		runs = 10
	}
	found, none := 0, 0
	for i := range runs {
		m := randomMap(rng, 5+rng.IntN(40))
		start, goal := freePose(rng, m), freePose(rng, m)
		opts := Options{AllowReverse: i%2 == 1}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		r, err := Plan(ctx, m, DefaultShape(), start, goal, opts)
		cancel()
		var np *NoPathError
		switch {
		case errors.As(err, &np):
			none++
			continue
		case err != nil:
			t.Fatalf("run %d: %v", i, err)
		}
		found++
		if err := Check(m, DefaultShape(), r.Segments, 0.01); err != nil {
			t.Errorf("run %d: %v", i, err)
		}
		end := r.Segments[len(r.Segments)-1].At(1)
		if dist(end.X, end.Y, goal.X, goal.Y) > 1e-9 {
			t.Errorf("run %d: ends at %v, goal %v", i, end, goal)
		}
	}
	if found < runs*3/4 {
		t.Errorf("paths found in %d of %d runs (%d without)", found, runs, none)
	}
	t.Logf("%d paths, %d without", found, none)
}

// A goal walled in all round: no path, said so.
func TestPropertyEnclosedGoal(t *testing.T) {
	rng := rand.New(rand.NewPCG(26, 2))
	for i := range 5 {
		m := randomMap(rng, 10)
		gx, gy := 5+rng.Float64()*10, 5+rng.Float64()*10
		for id, o := range map[string]Obstacle{
			"ring-s": rect("ring-s", gx-2, gy-2, gx+2, gy-1.6), "ring-n": rect("ring-n", gx-2, gy+1.6, gx+2, gy+2),
			"ring-w": rect("ring-w", gx-2, gy-2, gx-1.6, gy+2), "ring-e": rect("ring-e", gx+1.6, gy-2, gx+2, gy+2),
		} {
			m.Obstacles[id] = o
		}
		for id, o := range m.Obstacles {
			if len(id) == 2 && boxOf(o.Outline).overlaps(box{gx - 2, gy - 2, gx + 2, gy + 2}) {
				delete(m.Obstacles, id)
			}
		}
		start := freePose(rng, m)
		if math.Abs(start.X-gx) < 2.5 && math.Abs(start.Y-gy) < 2.5 {
			continue
		}
		_, err := Plan(ctxT(t), m, DefaultShape(), start, hardware.Pose{X: gx, Y: gy}, Options{AllowReverse: true})
		var np *NoPathError
		if !errors.As(err, &np) {
			t.Errorf("run %d: %v, want a NoPathError", i, err)
		}
	}
}

// maxPathCurvature samples every segment's curvature (1/m).
func maxPathCurvature(segs []driving.PathSegment) float64 {
	k := 0.0
	for _, ps := range segs {
		switch s := ps.Segment.(type) {
		case driving.Arc:
			k = math.Max(k, 1/s.Radius)
		case driving.Spline:
			for i := 0; i <= 200; i++ {
				u := float64(i) / 200
				dx, dy := splineDeriv(s, u)
				v := 1 - u
				ddx := 6*v*(s.P2.X-2*s.P1.X+s.P0.X) + 6*u*(s.P3.X-2*s.P2.X+s.P1.X)
				ddy := 6*v*(s.P2.Y-2*s.P1.Y+s.P0.Y) + 6*u*(s.P3.Y-2*s.P2.Y+s.P1.Y)
				if sp := math.Hypot(dx, dy); sp > 1e-6 {
					k = math.Max(k, math.Abs(dx*ddy-dy*ddx)/(sp*sp*sp))
				}
			}
		}
	}
	return k
}

func TestMinTurnRadius(t *testing.T) {
	m := mapOf([]Obstacle{rect("box", 4, -1.5, 6, 1.5)})
	loose := planOK(t, m, hardware.Pose{}, hardware.Pose{X: 10, Y: 4, Yaw: math.Pi / 2}, Options{})
	r := planOK(t, m, hardware.Pose{}, hardware.Pose{X: 10, Y: 4, Yaw: math.Pi / 2}, Options{MinTurnRadius: 3})
	// Sampled between the 64 points the planner tests: a little slack.
	if k := maxPathCurvature(r.Segments); k > 1.05/3 {
		t.Errorf("curvature %.3f 1/m, more than a 3 m radius allows", k)
	}
	if k := maxPathCurvature(loose.Segments); k <= 1.0/3 {
		t.Logf("without a limit the path turns at most %.3f 1/m anyway", k)
	}
}

// A Planner's buffers carry nothing from one plan to the next: the same
// answers as fresh plans, map after map, big and small.
func TestPlannerReuse(t *testing.T) {
	var pl Planner
	rng := rand.New(rand.NewPCG(26, 3))
	for i := range 6 {
		m := randomMap(rng, 10+rng.IntN(30))
		if i%2 == 1 {
			m = passage(1.3)
		}
		start, goal := hardware.Pose{X: 0.5, Y: 0.5}, hardware.Pose{X: 10, Y: 0.5}
		if i%2 == 0 {
			start, goal = freePose(rng, m), freePose(rng, m)
		}
		a, errA := pl.Plan(ctxT(t), m, DefaultShape(), start, goal, Options{AllowReverse: true})
		b, errB := Plan(ctxT(t), m, DefaultShape(), start, goal, Options{AllowReverse: true})
		if (errA == nil) != (errB == nil) || a.Length != b.Length || len(a.Segments) != len(b.Segments) {
			t.Errorf("map %d: reused %.4f m, %v; fresh %.4f m, %v", i, a.Length, errA, b.Length, errB)
		}
	}
}

// Two fields sharing an edge are one accessible region: the robot crosses
// from one into the other.
func TestAcrossAdjacentAreas(t *testing.T) {
	m := mapOf([]Obstacle{rect("wall", 4, 1.5, 6, 10)}, rectArea("west", "", 0, 0, 5, 10), rectArea("east", "", 5, 0, 10, 10))
	r := planOK(t, m, hardware.Pose{X: 2, Y: 5, Yaw: -math.Pi / 2}, hardware.Pose{X: 8, Y: 5, Yaw: math.Pi / 2}, Options{})
	if r.Length < 6 {
		t.Errorf("length %.2f m", r.Length)
	}
}
