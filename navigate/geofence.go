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
// their bounding boxes, and their edges sorted into horizontal strips, so
// a test looks only at the edges that span the point's y (a ray cast to
// +x crosses no others): at the module's bounds (100 000 points) a tick
// tests a few hundred edges, not all of them.
type areaSet struct{ polys []poly }

type poly struct {
	pts                    []pathplanning.Point
	minX, minY, maxX, maxY float64
	strip                  float64   // height of a strip
	strips                 [][]int32 // edge i runs from pts[i] to pts[i+1]
}

// edgesPerStrip is the strips' aim: about this many edges each.
const edgesPerStrip = 8

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
		n := len(a.Outline)
		p.strips = make([][]int32, max(1, min(256, n/edgesPerStrip)))
		p.strip = (p.maxY - p.minY) / float64(len(p.strips))
		for i := range n {
			a, b := a.Outline[i], a.Outline[(i+1)%n]
			lo, hi := p.stripOf(math.Min(a.Y, b.Y)), p.stripOf(math.Max(a.Y, b.Y))
			for j := lo; j <= hi; j++ {
				p.strips[j] = append(p.strips[j], int32(i))
			}
		}
		s.polys = append(s.polys, p)
	}
	return s
}

// stripOf is the strip holding y (clamped to the polygon's).
func (p *poly) stripOf(y float64) int {
	if p.strip <= 0 {
		return 0
	}
	return max(0, min(len(p.strips)-1, int((y-p.minY)/p.strip)))
}

func (s *areaSet) contains(x, y float64) bool {
	for i := range s.polys {
		p := &s.polys[i]
		if x < p.minX || x > p.maxX || y < p.minY || y > p.maxY {
			continue
		}
		if p.inside(x, y) {
			return true
		}
	}
	return false
}

// inside is the even-odd rule (a ray to +x) over the edges of y's strip.
func (p *poly) inside(x, y float64) bool {
	in := false
	n := len(p.pts)
	for _, i := range p.strips[p.stripOf(y)] {
		a, b := p.pts[i], p.pts[(int(i)+1)%n]
		if (a.Y > y) != (b.Y > y) && x < (b.X-a.X)*(y-a.Y)/(b.Y-a.Y)+a.X {
			in = !in
		}
	}
	return in
}
