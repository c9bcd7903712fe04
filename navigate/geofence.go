package navigate

import (
	"math"

	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/pathplanning"
)

// GeofenceStop is the geofence's name among the robot's stops.
const GeofenceStop = "geofence"

// Geofence is a safety stop (driving.Stop): active while the robot's
// reference point (the pose, the middle of the rear axle in RoSys's
// convention) is outside every accessible area of the World. Without areas
// there is no fence. Like every stop it wins over the API, the joystick
// and the automation on the next control tick; it is released once the
// robot is inside an area again, which takes a change of the areas (PUT
// /api/modules/path_planner) or carrying the robot back, since nothing
// drives it while it is active.
type Geofence struct {
	w    *World
	pose func() hardware.Pose
}

// NewGeofence fences the robot at pose into w's areas.
func NewGeofence(w *World, pose func() hardware.Pose) *Geofence { return &Geofence{w: w, pose: pose} }

// Active implements driving.Stop. It runs on the control loop: it reads
// an immutable snapshot of the areas and allocates nothing.
func (g *Geofence) Active() bool {
	set := g.w.areas.Load()
	if set == nil || len(set.polys) == 0 {
		return false
	}
	p := g.pose()
	return !set.contains(p.X, p.Y)
}

// Outside reports whether (x, y) is outside every area of w (false
// without areas).
func (w *World) Outside(x, y float64) bool {
	set := w.areas.Load()
	return set != nil && len(set.polys) > 0 && !set.contains(x, y)
}

// areaSet is the areas as the geofence tests them: closed polygons with
// their bounding boxes.
type areaSet struct{ polys []poly }

type poly struct {
	pts                    []pathplanning.Point
	minX, minY, maxX, maxY float64
}

func newAreaSet(m pathplanning.Map) *areaSet {
	s := &areaSet{}
	for _, k := range sortedKeys(m.Areas) {
		a := m.Areas[k]
		if len(a.Outline) < 3 {
			continue // as RoSys: not an area yet
		}
		p := poly{pts: a.Outline, minX: math.Inf(1), minY: math.Inf(1), maxX: math.Inf(-1), maxY: math.Inf(-1)}
		for _, q := range a.Outline {
			p.minX, p.maxX = math.Min(p.minX, q.X), math.Max(p.maxX, q.X)
			p.minY, p.maxY = math.Min(p.minY, q.Y), math.Max(p.maxY, q.Y)
		}
		s.polys = append(s.polys, p)
	}
	return s
}

func (s *areaSet) contains(x, y float64) bool {
	for i := range s.polys {
		p := &s.polys[i]
		if x < p.minX || x > p.maxX || y < p.minY || y > p.maxY {
			continue
		}
		if insidePolygon(p.pts, x, y) {
			return true
		}
	}
	return false
}

// insidePolygon is the even-odd rule (a ray to +x).
func insidePolygon(pts []pathplanning.Point, x, y float64) bool {
	in := false
	for i, j := 0, len(pts)-1; i < len(pts); j, i = i, i+1 {
		a, b := pts[i], pts[j]
		if (a.Y > y) != (b.Y > y) && x < (b.X-a.X)*(y-a.Y)/(b.Y-a.Y)+a.X {
			in = !in
		}
	}
	return in
}
