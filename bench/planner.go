package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/pathplanning"
)

// plannerCase is one map given to both planners.
type plannerCase struct {
	name        string
	m           pathplanning.Map
	start, goal hardware.Pose
}

func pbox(id string, x0, y0, x1, y1 float64) pathplanning.Obstacle {
	return pathplanning.Obstacle{ID: id, Outline: []pathplanning.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}}
}

func parea(id, typ string, x0, y0, x1, y1 float64) pathplanning.Area {
	return pathplanning.Area{ID: id, Type: typ, Color: "green", Closed: true,
		Outline: []pathplanning.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}}
}

func pmap(areas []pathplanning.Area, obs ...pathplanning.Obstacle) pathplanning.Map {
	m := pathplanning.Map{Obstacles: map[string]pathplanning.Obstacle{}, Areas: map[string]pathplanning.Area{}}
	for _, a := range areas {
		m.Areas[a.ID] = a
	}
	for _, o := range obs {
		m.Obstacles[o.ID] = o
	}
	return m
}

// randomBoxes are n boxes of lo to hi m in the 20 × 20 m field, none
// within 2 m of the start or goal (seeded: the same every run).
func randomBoxes(n int, seed uint64, lo, hi float64, start, goal hardware.Pose) []pathplanning.Obstacle {
	rng := rand.New(rand.NewPCG(seed, 26))
	var out []pathplanning.Obstacle
	for len(out) < n {
		x, y := rng.Float64()*19, rng.Float64()*19
		w, h := lo+rng.Float64()*(hi-lo), lo+rng.Float64()*(hi-lo)
		near := func(p hardware.Pose) bool {
			return x-2 < p.X && p.X < x+w+2 && y-2 < p.Y && p.Y < y+h+2
		}
		if near(start) || near(goal) {
			continue
		}
		out = append(out, pbox(fmt.Sprintf("box%d", len(out)), x, y, x+w, y+h))
	}
	return out
}

func plannerCases() []plannerCase {
	field := []pathplanning.Area{parea("field", "", 0, 0, 20, 20)}
	s, g := hardware.Pose{X: 2, Y: 2}, hardware.Pose{X: 18, Y: 18, Yaw: math.Pi / 2}
	u := pathplanning.Obstacle{ID: "u", Outline: []pathplanning.Point{{X: 3, Y: -3}, {X: 6, Y: -3}, {X: 6, Y: 3}, {X: 3, Y: 3}, {X: 3, Y: 2}, {X: 5, Y: 2}, {X: 5, Y: -2}, {X: 3, Y: -2}}}
	return []plannerCase{
		{"empty field", pmap(field), s, g},
		{"20 random obstacles (0.3–1.5 m)", pmap(field, randomBoxes(20, 1, 0.3, 1.5, s, g)...), s, g},
		{"100 random obstacles (0.2–0.6 m)", pmap(field, randomBoxes(100, 2, 0.2, 0.6, s, g)...), s, g},
		{"U-shaped trap", pmap([]pathplanning.Area{parea("field", "", -5, -8, 15, 8)}, u), hardware.Pose{}, hardware.Pose{X: 9}},
		{"narrow passage (1.4 m gap, robot 1 m wide)", pmap([]pathplanning.Area{parea("field", "", -2, -6, 12, 6)},
			pbox("south", 5, -6, 5.5, 1), pbox("north", 5, 2.4, 5.5, 6)), hardware.Pose{}, hardware.Pose{X: 10}},
		{"headland turn inside a field area", pmap([]pathplanning.Area{parea("field", "field", 0, 0, 20, 6)}),
			hardware.Pose{X: 15, Y: 1.5}, hardware.Pose{X: 15, Y: 4.5, Yaw: math.Pi}},
	}
}

// rosysRun is what bench/rosys_planner.py prints.
type rosysRun struct {
	Times []float64 `json:"times"`
	Path  []struct {
		P        [4][2]float64 `json:"p"`
		Backward bool          `json:"backward"`
	} `json:"path"`
	Error *string `json:"error"`
}

func (r rosysRun) segments() driving.Path {
	var out driving.Path
	for _, s := range r.Path {
		pt := func(i int) driving.Point { return driving.Point{X: s.P[i][0], Y: s.P[i][1]} }
		out = append(out, driving.PathSegment{Segment: driving.Spline{P0: pt(0), P1: pt(1), P2: pt(2), P3: pt(3)}, Backward: s.Backward})
	}
	return out
}

func pathLength(p driving.Path) float64 {
	l := 0.0
	for _, s := range p {
		l += s.Length()
	}
	return l
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// runRoSysPlanner runs RoSys's planner on c, written as JSON into dir.
func runRoSysPlanner(ctx context.Context, checkout, dir string, c plannerCase, shape pathplanning.Shape, repeats int) (rosysRun, error) {
	outline := make([][2]float64, len(shape.Outline))
	for i, p := range shape.Outline {
		outline[i] = [2]float64{p.X, p.Y}
	}
	spec := map[string]any{
		"robot_outline": outline, "obstacles": c.m.Obstacles, "areas": c.m.Areas,
		"start":   map[string]float64{"x": c.start.X, "y": c.start.Y, "yaw": c.start.Yaw},
		"goal":    map[string]float64{"x": c.goal.X, "y": c.goal.Y, "yaw": c.goal.Yaw},
		"repeats": repeats,
	}
	data, err := json.Marshal(spec)
	if err != nil {
		return rosysRun{}, err
	}
	file := filepath.Join(dir, strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, c.name)+".json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return rosysRun{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, pythonPath, "rosys_planner.py", checkout, file)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return rosysRun{}, fmt.Errorf("rosys_planner.py: %w: %s", err, lastLines(stderr.String(), 5))
	}
	var r rosysRun
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		return rosysRun{}, fmt.Errorf("rosys_planner.py printed %q: %w", lastLines(stdout.String(), 2), err)
	}
	return r, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

func (b *bench) planner() error {
	shape := pathplanning.DefaultShape()
	opts := pathplanning.Options{AllowReverse: true}
	ours, theirs := 21, 7
	if b.s.quick {
		ours, theirs = 5, 3
	}
	checkout := os.Getenv("ROSYS_CHECKOUT")
	haveRoSys := false
	if checkout != "" {
		if _, err := os.Stat(filepath.Join(checkout, "rosys", "pathplanning", "delaunay_planner.py")); err == nil {
			haveRoSys = true
		}
	}
	b.r.p("pathplanning.Plan against RoSys's own planner (`rosys/pathplanning`'s DelaunayPlanner: an obstacle map per yaw, a single spline, "+
		"a shunt, then a Delaunay graph search) on the same maps (written as JSON for both), RoSys's default robot shape, reversing allowed "+
		"(RoSys always may). Time: median of %d plans (ours) and %d (RoSys's, each a fresh planner: map building and search, as its planner "+
		"process does for a new map), on the caller's goroutine. Length: of the path each returns. Collisions: the independent "+
		"`pathplanning.Check` (the exact outline at poses 2 cm and 1° apart along the path, heading along its tangent) on every path of both.", ours, theirs)
	if !haveRoSys {
		b.r.p("**RoSys's checkout is absent** (set ROSYS_CHECKOUT to a directory holding RoSys's `rosys` package, e.g. "+
			"`git archive HEAD rosys | tar -x -C DIR` of github.com/zauberzeug/rosys): ours runs alone%s.", map[bool]string{true: " (ROSYS_CHECKOUT=" + checkout + " has no rosys/pathplanning/delaunay_planner.py)", false: ""}[checkout != ""])
	} else {
		out, _ := exec.Command(pythonPath, "-c", "import numpy, scipy, cv2, networkx, matplotlib; print(f'numpy {numpy.__version__}, scipy {scipy.__version__}, OpenCV {cv2.__version__}, networkx {networkx.__version__}, matplotlib {matplotlib.__version__}')").CombinedOutput()
		b.r.p("RoSys from %s, run by bench/rosys_planner.py under Debian's %s with Debian's %s (python3-numpy, -scipy, -opencv, -networkx, -matplotlib). "+
			"**NiceGUI is stubbed** in `sys.modules` at run time (it cannot be installed here) and the package `__init__`s of rosys, rosys.driving, "+
			"rosys.geometry and rosys.pathplanning are skipped; the planner's own modules run unchanged.", checkout, pythonPath, strings.TrimSpace(string(out)))
	}
	dir, err := os.MkdirTemp(b.root, "planner-maps-")
	if err != nil {
		return err
	}
	var rows [][]string
	var timeRatios, lenRatios []float64
	collOurs, collTheirs, pathsTheirs := 0, 0, 0
	for _, c := range plannerCases() {
		var times []time.Duration
		var res pathplanning.Result
		var perr error
		for range ours {
			ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
			t0 := time.Now()
			res, perr = pathplanning.Plan(ctx, c.m, shape, c.start, c.goal, opts)
			times = append(times, time.Since(t0))
			cancel()
		}
		ourMed := median(times)
		row := []string{c.name, ms(ourMed)}
		ourLen := math.NaN()
		if perr != nil {
			row = append(row, "no path: "+perr.Error())
		} else {
			ourLen = res.Length
			coll := "0"
			if err := pathplanning.Check(c.m, shape, res.Segments, 0); err != nil {
				collOurs++
				coll = "1: " + err.Error()
			}
			row = append(row, fmt.Sprintf("%.2f m, %d segments, collisions %s", res.Length, len(res.Segments), coll))
		}
		if haveRoSys {
			rr, err := runRoSysPlanner(b.ctx, checkout, dir, c, shape, theirs)
			if err != nil {
				return err
			}
			var ts []time.Duration
			for _, t := range rr.Times {
				ts = append(ts, seconds(t))
			}
			tm := median(ts)
			row = append(row, ms(tm), fmt.Sprintf("**%.0f×**", float64(tm)/float64(ourMed)))
			timeRatios = append(timeRatios, float64(tm)/float64(ourMed))
			if rr.Path == nil {
				e := "none"
				if rr.Error != nil {
					e = *rr.Error
				}
				row = append(row, "no path: "+e, "")
			} else {
				segs := rr.segments()
				l := pathLength(segs)
				pathsTheirs++
				coll := "0"
				if err := pathplanning.Check(c.m, shape, segs, 0); err != nil {
					collTheirs++
					var ce *pathplanning.CollisionError
					if errors.As(err, &ce) {
						coll = fmt.Sprintf("1 (first at %.2f, %.2f: %s)", ce.Pose.X, ce.Pose.Y, map[bool]string{true: "obstacle " + ce.Obstacle, false: "outside the area"}[ce.Obstacle != ""])
					} else {
						coll = "1: " + err.Error()
					}
				}
				row = append(row, fmt.Sprintf("%.2f m, %d segments, collisions %s", l, len(segs), coll))
				if !math.IsNaN(ourLen) {
					row = append(row, fmt.Sprintf("%.3f", ourLen/l))
					lenRatios = append(lenRatios, ourLen/l)
				} else {
					row = append(row, "")
				}
			}
		}
		rows = append(rows, row)
		fmt.Fprintf(os.Stderr, "bench: planner %s: %v\n", c.name, row)
	}
	head := []string{"map", "ours (median)", "our path"}
	if haveRoSys {
		head = append(head, "RoSys (median)", "RoSys / ours", "RoSys's path", "length ours / RoSys")
	}
	b.r.table(head, rows)
	b.goal("planner: collisions found by the independent check on our paths", fmt.Sprintf("%d of %d maps", collOurs, len(rows)), "0", collOurs == 0)
	if haveRoSys && len(timeRatios) > 0 {
		slices.Sort(timeRatios)
		worst := timeRatios[0]
		b.goal("planner: plan time, RoSys / ours (worst map)", fmt.Sprintf("%.0f× (median over maps %.0f×)", worst, timeRatios[len(timeRatios)/2]), "≥ 10×", worst >= 10)
		if len(lenRatios) > 0 {
			slices.Sort(lenRatios)
			w := lenRatios[len(lenRatios)-1]
			b.goal("planner: path length, ours / RoSys's (worst map)", fmt.Sprintf("%.3f", w), "≤ 1.05", w <= 1.05)
		}
		b.r.p("Collisions on RoSys's paths found by the same check: %d of %d paths (its obstacle map is a 10 cm raster with 36 yaw layers; "+
			"the check tests the exact outline).", collTheirs, pathsTheirs)
	}
	return b.plannerLoop()
}

// plannerLoop measures the control loop (100 Hz, no other load) while a
// goroutine plans the 100-obstacle map over and over, against runs
// without it, interleaved.
func (b *bench) plannerLoop() error {
	d := min(b.s.loopDur, 10*time.Second)
	reps := 5 // interleaved: the machine is shared and noisy
	if b.s.quick {
		reps = 1
	}
	var c plannerCase
	for _, x := range plannerCases() {
		if strings.HasPrefix(x.name, "100 ") {
			c = x
		}
	}
	var without, with []time.Duration
	plans, gcs0, gcs1 := 0, uint32(0), uint32(0)
	rt, steal := true, 0.0
	for range reps {
		r, err := runRuntime(b.ctx, b.root, 10*time.Millisecond, d, false)
		if err != nil {
			return err
		}
		without = append(without, r.dist.P99)
		gcs0 += r.env.gcs
		rt, steal = rt && r.realtime, max(steal, r.env.stealShare)
		stop := make(chan struct{})
		done := make(chan int)
		go func() {
			n := 0
			var pl pathplanning.Planner
			for {
				select {
				case <-stop:
					done <- n
					return
				default:
				}
				ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
				_, _ = pl.Plan(ctx, c.m, pathplanning.DefaultShape(), c.start, c.goal, pathplanning.Options{AllowReverse: true})
				cancel()
				n++
			}
		}()
		r, err = runRuntime(b.ctx, b.root, 10*time.Millisecond, d, false)
		close(stop)
		plans += <-done
		if err != nil {
			return err
		}
		with = append(with, r.dist.P99)
		gcs1 += r.env.gcs
		rt, steal = rt && r.realtime, max(steal, r.env.stealShare)
	}
	w0, w1 := median(without), median(with)
	rat := float64(w1) / float64(max(w0, time.Microsecond))
	pairs := make([]float64, len(with))
	for i := range with {
		pairs[i] = float64(with[i]) / float64(max(without[i], time.Microsecond))
	}
	b.r.p("Control loop at 100 Hz (the runtime alone, as section 1's no-load run) for %s, %d× each way, interleaved: tick-time error p99 %s without the planner, "+
		"%s while a goroutine plans the 100-obstacle map over and over on one pathplanning.Planner (%d plans), **%.2f×** (median of the runs' p99s; each pair: %s). "+
		"Garbage collections: %d without, %d with. The loop got SCHED_FIFO in every run: %v. CPU steal (worst run): %.1f %%.", d, reps, us(w0), us(w1), plans, rat, ratioList(pairs), gcs0, gcs1, rt, 100*steal)
	b.goal("planner: control loop p99 while planning the 100-obstacle map", fmt.Sprintf("%s vs %s without (%.2f×)", us(w1), us(w0), rat), "≤ 1.1×", rat <= 1.1)
	return nil
}
