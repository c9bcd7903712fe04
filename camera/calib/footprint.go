package calib

import (
	"fmt"
	"math"

	"github.com/gorosys/rosys/hardware"
)

// MaxFootprintSteps bounds Footprint's samples per image edge.
const MaxFootprintSteps = 256

// Footprint is the outline of the ground the camera sees with the robot at
// robot, for a map: the image's border walked clockwise from the top-left
// corner, steps pixels per edge, each projected onto the ground (z = 0).
// Points farther than maxRange metres from the point under the camera, and
// rays at or above the horizon, are drawn at maxRange along the ray's
// bearing, so the outline stays closed and bounded. A camera looking up,
// or a pixel that cannot be undistorted, contributes no point; nil when
// no point is left.
func (c *Calibration) Footprint(robot hardware.Pose, steps int, maxRange float64) ([]Point3, error) {
	if steps < 1 || steps > MaxFootprintSteps {
		return nil, fmt.Errorf("footprint: %d steps per edge, want 1..%d", steps, MaxFootprintSteps)
	}
	if !(maxRange > 0) || math.IsInf(maxRange, 0) {
		return nil, fmt.Errorf("footprint: range %v m must be positive and finite", maxRange)
	}
	cam := c.CameraPose(robot)
	foot := Point3{cam.X, cam.Y, 0}
	w, h := float64(c.Intrinsics.Width)-1, float64(c.Intrinsics.Height)-1
	corners := [5]Point2{{0, 0}, {w, 0}, {w, h}, {0, h}, {0, 0}}
	out := make([]Point3, 0, 4*steps)
	for e := range 4 {
		a, b := corners[e], corners[e+1]
		for i := range steps {
			f := float64(i) / float64(steps)
			px := Point2{a.X + f*(b.X-a.X), a.Y + f*(b.Y-a.Y)}
			_, d, err := c.RayFrom(cam, px)
			if err != nil {
				continue
			}
			g, err := c.GroundPointFrom(cam, px, 0)
			if err != nil || g.Sub(foot).Norm() > maxRange {
				hd := math.Hypot(d.X, d.Y)
				if hd < 1e-9 {
					continue // straight up or down: no bearing
				}
				g = Point3{foot.X + maxRange*d.X/hd, foot.Y + maxRange*d.Y/hd, 0}
			}
			out = append(out, g)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
