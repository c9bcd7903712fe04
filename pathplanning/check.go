package pathplanning

import (
	"fmt"
	"math"

	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/hardware"
)

// CollisionError is Check's finding: the first pose along the path where
// the robot touches an obstacle or leaves the accessible areas.
type CollisionError struct {
	Segment int           // index of the segment
	Pose    hardware.Pose // the robot's pose there (Time unset)
	// Obstacle is the id of the obstacle touched; empty when the robot
	// leaves the accessible areas.
	Obstacle string
}

func (e *CollisionError) Error() string {
	what := "leaves the accessible areas"
	if e.Obstacle != "" {
		what = fmt.Sprintf("touches obstacle %q", e.Obstacle)
	}
	return fmt.Sprintf("segment %d: the robot at (%.3f, %.3f, yaw %.3f) %s", e.Segment, e.Pose.X, e.Pose.Y, e.Pose.Yaw, what)
}

// maxYawStep (rad) is the largest turn between two poses Check tests.
const maxYawStep = 1 * math.Pi / 180

// Check tests segs densely: the robot's outline placed at poses at most
// step metres and 1° apart along the path (heading along the tangent,
// reversed on Backward segments, turning in place where one segment's
// heading does not meet the next one's) must touch no obstacle and stay
// inside the accessible areas (Map). step ≤ 0 means CheckStep. It returns
// nil or a *CollisionError. It shares nothing with the search but the
// polygon tests: no grid, no clearance map, every obstacle each pose.
func Check(m Map, shape Shape, segs driving.Path, step float64) error {
	if err := shape.Validate(); err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	return checkTypes(m, shape, segs, step, nil)
}

func checkTypes(m Map, shape Shape, segs driving.Path, step float64, types []string) error {
	if step <= 0 {
		step = CheckStep
	}
	w := newWorld(m, shape.Outline, types)
	var found *CollisionError
	walk(segs, step, maxYawStep, func(i int, x, y, yaw float64) bool {
		if id, hit := w.collision(x, y, yaw); hit {
			found = &CollisionError{Segment: i, Pose: hardware.Pose{X: x, Y: y, Yaw: yaw}, Obstacle: id}
			return false
		}
		return true
	})
	if found != nil {
		return found
	}
	return nil
}

// TestSpline is RoSys's test_spline: whether the robot driving s (backwards
// if backward) touches an obstacle or leaves the accessible areas, tested
// as Check does.
func TestSpline(m Map, shape Shape, s driving.Spline, backward bool) bool {
	return Check(m, shape, driving.Path{{Segment: s, Backward: backward}}, 0) != nil
}

// ObstacleDistance is the distance (m) from the robot's outline at pose to
// the nearest obstacle or border of the accessible areas: 0 where the robot
// touches an obstacle or is not inside the areas, +Inf on an empty map.
// (RoSys's get_obstacle_distance measures from the pose's point to the
// obstacles grown by the robot's shape; this is the gap around the robot.)
func ObstacleDistance(m Map, shape Shape, pose hardware.Pose) float64 {
	return newWorld(m, shape.Outline, nil).distance(pose.X, pose.Y, pose.Yaw)
}

// walk calls fn with poses along segs, at most step apart and maxYaw
// apart in heading, until fn returns false; it reports whether it got to
// the end.
func walk(segs driving.Path, step, maxYaw float64, fn func(seg int, x, y, yaw float64) bool) bool {
	lastYaw, started := 0.0, false
	for i, ps := range segs {
		if ps.Segment == nil {
			continue
		}
		l := ps.Length()
		n := max(1, int(math.Ceil(l/step)))
		if n > 1_000_000 {
			n = 1_000_000
		}
		p0 := ps.At(0)
		y0 := heading(ps, 0)
		if started {
			// Turning in place from the last heading to this one.
			d := angleDiff(y0, lastYaw)
			k := int(math.Ceil(math.Abs(d) / maxYaw))
			for j := 1; j < k; j++ {
				if !fn(i, p0.X, p0.Y, lastYaw+d*float64(j)/float64(k)) {
					return false
				}
			}
		}
		if !fn(i, p0.X, p0.Y, y0) {
			return false
		}
		u0 := 0.0
		for j := 1; j <= n; j++ {
			u1 := float64(j) / float64(n)
			p1 := ps.At(u1)
			y1 := heading(ps, u1)
			if !between(ps, i, u0, p0, y0, u1, p1, y1, step, maxYaw, 0, fn) {
				return false
			}
			if !fn(i, p1.X, p1.Y, y1) {
				return false
			}
			u0, p0, y0 = u1, p1, y1
		}
		lastYaw, started = y0, true
	}
	return true
}

// between fills in poses between two neighbours that are too far apart.
func between(ps driving.PathSegment, i int, u0 float64, p0 driving.Point, y0, u1 float64, p1 driving.Point, y1, step, maxYaw float64, depth int,
	fn func(int, float64, float64, float64) bool) bool {
	if depth > 20 || (math.Hypot(p1.X-p0.X, p1.Y-p0.Y) <= step && math.Abs(angleDiff(y1, y0)) <= maxYaw) {
		return true
	}
	um := (u0 + u1) / 2
	pm := ps.At(um)
	ym := heading(ps, um)
	return between(ps, i, u0, p0, y0, um, pm, ym, step, maxYaw, depth+1, fn) &&
		fn(i, pm.X, pm.Y, ym) &&
		between(ps, i, um, pm, ym, u1, p1, y1, step, maxYaw, depth+1, fn)
}

// heading is the robot's heading at u on ps: the tangent, reversed when
// driven backwards.
func heading(ps driving.PathSegment, u float64) float64 {
	dx, dy := tangent(ps.Segment, u)
	yaw := math.Atan2(dy, dx)
	if ps.Backward {
		yaw += math.Pi
	}
	return normAngle(yaw)
}

// tangent is the direction of travel along s at u (not normalised).
func tangent(s driving.Segment, u float64) (float64, float64) {
	switch s := s.(type) {
	case driving.Line:
		return s.To.X - s.From.X, s.To.Y - s.From.Y
	case driving.Arc:
		t := s.Start + u*s.Sweep
		sn, cs := math.Sincos(t)
		return -sn * s.Sweep, cs * s.Sweep
	case driving.Spline:
		dx, dy := splineDeriv(s, u)
		if dx*dx+dy*dy > 1e-18 {
			return dx, dy
		}
		// A control point on its end point: the direction just beside it.
		const h = 1e-4
		if u < 0.5 {
			a, b := s.At(u), s.At(u+h)
			return b.X - a.X, b.Y - a.Y
		}
		a, b := s.At(u-h), s.At(u)
		return b.X - a.X, b.Y - a.Y
	}
	const h = 1e-5
	a, b := s.At(math.Max(0, u-h)), s.At(math.Min(1, u+h))
	return b.X - a.X, b.Y - a.Y
}

func splineDeriv(s driving.Spline, u float64) (float64, float64) {
	v := 1 - u
	a, b, c := 3*v*v, 6*v*u, 3*u*u
	return a*(s.P1.X-s.P0.X) + b*(s.P2.X-s.P1.X) + c*(s.P3.X-s.P2.X),
		a*(s.P1.Y-s.P0.Y) + b*(s.P2.Y-s.P1.Y) + c*(s.P3.Y-s.P2.Y)
}

func normAngle(a float64) float64 {
	a = math.Mod(a+math.Pi, 2*math.Pi)
	if a < 0 {
		a += 2 * math.Pi
	}
	return a - math.Pi
}

// angleDiff is a-b in (-π, π].
func angleDiff(a, b float64) float64 { return normAngle(a - b) }
