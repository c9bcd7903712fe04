package pathplanning

import (
	"context"
	"fmt"
	"math"

	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/hardware"
)

// pose is a planning pose: the robot's heading, not the path's.
type pose struct{ x, y, yaw float64 }

func fromHW(p hardware.Pose) pose { return pose{p.X, p.Y, normAngle(p.Yaw)} }

// spline is the cubic from a to b leaving a along its heading and arriving
// at b along its heading (both reversed when backward), its control points
// k times the distance from their ends (RoSys's Spline.from_poses: k = ½).
func spline(a, b pose, backward bool, k float64) driving.Spline {
	d := k * math.Hypot(b.x-a.x, b.y-a.y)
	if backward {
		d = -d
	}
	sa, ca := math.Sincos(a.yaw)
	sb, cb := math.Sincos(b.yaw)
	return driving.Spline{
		P0: driving.Point{X: a.x, Y: a.y},
		P1: driving.Point{X: a.x + d*ca, Y: a.y + d*sa},
		P2: driving.Point{X: b.x - d*cb, Y: b.y - d*sb},
		P3: driving.Point{X: b.x, Y: b.y},
	}
}

// Plan searches a path for a robot of shape from start to goal (headings
// included) that keeps clear of m's obstacles and inside its accessible
// areas. It returns a *NoPathError saying why when there is none, or ctx's
// error when ctx ends first. It runs on the caller's goroutine, with
// buffers of its own (see Planner).
func Plan(ctx context.Context, m Map, shape Shape, start, goal hardware.Pose, opts Options) (Result, error) {
	return new(Planner).Plan(ctx, m, shape, start, goal, opts)
}

// Planner is Plan with the raster's buffers (a few MB on a field of some
// hundred square metres) kept from one plan to the next, so that a robot
// planning often makes little garbage for the collector. The zero value is
// ready; one Planner plans one path at a time (not for concurrent use).
type Planner struct {
	bufs rasters
}

// Plan is the package's Plan on p's buffers.
func (pl *Planner) Plan(ctx context.Context, m Map, shape Shape, start, goal hardware.Pose, opts Options) (Result, error) {
	if err := shape.Validate(); err != nil {
		return Result{}, err
	}
	if err := m.Validate(); err != nil {
		return Result{}, err
	}
	for _, p := range []struct {
		name string
		p    hardware.Pose
	}{{"start", start}, {"goal", goal}} {
		if !finite(p.p.X) || !finite(p.p.Y) || !finite(p.p.Yaw) || math.Abs(p.p.X) > 1e6 || math.Abs(p.p.Y) > 1e6 {
			return Result{}, fmt.Errorf("%s pose (%g, %g, %g) is not finite or beyond 1000 km", p.name, p.p.X, p.p.Y, p.p.Yaw)
		}
	}
	if opts.Margin < 0 || opts.Margin > 10 || !finite(opts.Margin) {
		return Result{}, fmt.Errorf("margin %g m: want 0 to 10", opts.Margin)
	}
	if opts.MinTurnRadius < 0 || opts.MinTurnRadius > 100 || !finite(opts.MinTurnRadius) {
		return Result{}, fmt.Errorf("minimum turning radius %g m: want 0 to 100", opts.MinTurnRadius)
	}
	exact := newWorld(m, shape.Outline, opts.AccessibleTypes)
	if err := poseError(exact, "start", fromHW(start)); err != nil {
		return Result{}, err
	}
	if err := poseError(exact, "goal", fromHW(goal)); err != nil {
		return Result{}, err
	}
	a, b := fromHW(start), fromHW(goal)
	if math.Hypot(b.x-a.x, b.y-a.y) < 1e-3 && math.Abs(angleDiff(b.yaw, a.yaw)) < 0.01 {
		return Result{}, nil // there already
	}
	// The search keeps Clearance and tests poses 5 cm apart; from a start
	// or to a goal closer than that to something, 1 cm and 1 cm.
	keep, step := Clearance, testStep
	grown := newWorld(m, offset(shape.Outline, opts.Margin+keep), opts.AccessibleTypes)
	if _, hit := grown.collision(a.x, a.y, a.yaw); hit {
		keep, step = 0.01, 0.01
	} else if _, hit := grown.collision(b.x, b.y, b.yaw); hit {
		keep, step = 0.01, 0.01
	}
	p := newPlanner(m, shape, opts, keep, step, a, b)
	p.bufs = &pl.bufs
	segs, err := p.search(ctx, a, b)
	if err != nil {
		return Result{}, err
	}
	if err := checkTypes(m, shape, segs, CheckStep, opts.AccessibleTypes); err != nil {
		// The search tests its poses with room to spare; this is a bug.
		return Result{}, fmt.Errorf("planned path failed the final check: %w", err)
	}
	r := Result{Segments: segs}
	for _, s := range segs {
		r.Length += s.Length()
	}
	return r, nil
}

// poseError says why the robot cannot stand at p, if it cannot.
func poseError(w *world, name string, p pose) error {
	id, hit := w.collision(p.x, p.y, p.yaw)
	if !hit {
		return nil
	}
	if id != "" {
		for _, o := range w.obstacles {
			if o.id == id && inside(Point{p.x, p.y}, o.pts) {
				return noPath("%s inside obstacle '%s'", name, id)
			}
		}
		return noPath("%s too close to obstacle '%s' for the robot's shape", name, id)
	}
	if !w.inAnyArea(Point{p.x, p.y}) {
		return noPath("%s outside every area", name)
	}
	return noPath("%s too close to the border of the accessible areas for the robot's shape", name)
}
