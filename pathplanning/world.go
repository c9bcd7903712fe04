package pathplanning

import (
	"math"
	"slices"
)

// polygon is an outline with its bounding box.
type polygon struct {
	id     string
	pts    []Point
	box    box
	convex bool
}

// world is a map prepared for exact pose tests of one robot outline.
type world struct {
	obstacles []polygon
	areas     []polygon // accessible areas
	bounded   bool      // the map has areas: the robot must be inside the accessible ones
	robot     []Point   // the outline tested (the shape, maybe grown)
	rmax      float64   // largest distance of an outline point from the pose
	buf       []Point   // the placed outline (one world per goroutine)
	cuts      []float64
}

func newWorld(m Map, robot []Point, types []string) *world {
	w := &world{robot: robot, rmax: radius(robot), buf: make([]Point, 0, len(robot)),
		obstacles: make([]polygon, 0, len(m.Obstacles)), areas: make([]polygon, 0, len(m.Areas))}
	for _, id := range sortedKeys(m.Obstacles) {
		o := m.Obstacles[id]
		w.obstacles = append(w.obstacles, polygon{id: id, pts: o.Outline, box: boxOf(o.Outline)})
	}
	for _, id := range sortedKeys(m.Areas) {
		a := m.Areas[id]
		if len(a.Outline) < 3 {
			continue
		}
		w.bounded = true
		if len(types) > 0 && !slices.Contains(types, a.Type) {
			continue
		}
		w.areas = append(w.areas, polygon{id: id, pts: a.Outline, box: boxOf(a.Outline), convex: convex(a.Outline)})
	}
	return w
}

// hasAreas reports whether the map's accessible areas bound the robot.
func (w *world) hasAreas() bool { return w.bounded }

// collision says what the robot placed at (x, y, yaw) touches: "" when
// nothing, else the id of an obstacle or outsideAreas.
func (w *world) collision(x, y, yaw float64) (what string, hit bool) {
	w.buf = place(w.buf, w.robot, x, y, yaw)
	r := w.buf
	b := boxOf(r)
	for i := range w.obstacles {
		o := &w.obstacles[i]
		if o.box.overlaps(b) && polygonsIntersect(r, o.pts) {
			return o.id, true
		}
	}
	if w.bounded && !w.insideAreas(r, b) {
		return "", true
	}
	return "", false
}

// insideAreas reports whether the placed outline r lies inside the union of
// the accessible areas: each piece of its border between crossings with
// area borders lies inside some area. (A hole in the union that lies
// wholly inside the robot's outline is not seen.)
func (w *world) insideAreas(r []Point, b box) bool {
	// Every corner inside one convex area: the outline is inside it.
	for k := range w.areas {
		a := &w.areas[k]
		if !a.convex || b.minX < a.box.minX || b.maxX > a.box.maxX || b.minY < a.box.minY || b.maxY > a.box.maxY {
			continue
		}
		all := true
		for _, p := range r {
			if !inside(p, a.pts) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	for i := range r {
		p, q := r[i], r[(i+1)%len(r)]
		w.cuts = append(w.cuts[:0], 0, 1)
		for k := range w.areas {
			a := &w.areas[k]
			if !a.box.overlaps(b) {
				continue
			}
			for j := range a.pts {
				if t, ok := crossingParam(p, q, a.pts[j], a.pts[(j+1)%len(a.pts)]); ok {
					w.cuts = append(w.cuts, t)
				}
			}
		}
		if len(w.cuts) > 2 {
			slices.Sort(w.cuts)
		}
		if !w.inAnyArea(p) {
			return false
		}
		for c := 0; c+1 < len(w.cuts); c++ {
			if w.cuts[c+1]-w.cuts[c] < 1e-12 {
				continue
			}
			t := (w.cuts[c] + w.cuts[c+1]) / 2
			if !w.inAnyArea(Point{p.X + t*(q.X-p.X), p.Y + t*(q.Y-p.Y)}) {
				return false
			}
		}
	}
	return true
}

func (w *world) inAnyArea(p Point) bool {
	for k := range w.areas {
		a := &w.areas[k]
		if p.X >= a.box.minX && p.X <= a.box.maxX && p.Y >= a.box.minY && p.Y <= a.box.maxY && inside(p, a.pts) {
			return true
		}
	}
	return false
}

// distance is the distance from the robot's outline placed at (x, y, yaw)
// to the nearest obstacle or border of the accessible areas; 0 when it
// touches one or leaves the areas.
func (w *world) distance(x, y, yaw float64) float64 {
	if _, hit := w.collision(x, y, yaw); hit {
		return 0
	}
	r := w.buf
	d := math.Inf(1)
	for i := range w.obstacles {
		d = math.Min(d, outlineDist(r, w.obstacles[i].pts))
	}
	if w.bounded {
		// The border of the union: area edges not inside another area.
		for k := range w.areas {
			d = math.Min(d, w.borderDist(r, k))
		}
	}
	return d
}

// borderDist is the distance from outline r to the edges of area k that
// are border of the union (sampled: an edge counts where the point just
// beside its midpoint, on the side away from area k, lies in no area).
func (w *world) borderDist(r []Point, k int) float64 {
	a := w.areas[k].pts
	d := math.Inf(1)
	for j := range a {
		p, q := a[j], a[(j+1)%len(a)]
		l := math.Hypot(q.X-p.X, q.Y-p.Y)
		if l == 0 {
			continue
		}
		const eps = 1e-6
		mid := Point{(p.X + q.X) / 2, (p.Y + q.Y) / 2}
		nx, ny := (q.Y-p.Y)/l*eps, -(q.X-p.X)/l*eps
		left, right := Point{mid.X - nx, mid.Y - ny}, Point{mid.X + nx, mid.Y + ny}
		out := right
		if !inside(left, a) {
			out = left
		}
		if w.inAnyArea(out) {
			continue // shared with another area
		}
		for i := range r {
			d = math.Min(d, segSegDist(r[i], r[(i+1)%len(r)], p, q))
		}
	}
	return d
}
