package pathplanning

import "math"

// guided tries the way the cost to go shows: its walk from a to b pulled
// taut (a line between two waypoints only where the grid says a disc of
// the robot's reach fits all along it), the robot's heading at each
// waypoint between the ways in and out, splines from pose to pose. It
// succeeds where every spline is free; the hybrid A* takes over where not.
func (p *planner) guided(h *costToGo, a, b pose) ([]step, bool) {
	pts := h.walk(a.x, a.y)
	if len(pts) < 2 {
		return nil, false
	}
	pts[len(pts)-1] = Point{b.x, b.y}
	way := []Point{pts[0]}
	for i := 0; i < len(pts)-1; {
		j := len(pts) - 1
		for ; j > i+1; j-- {
			if p.wideLine(pts[i], pts[j]) {
				break
			}
		}
		way = append(way, pts[j])
		i = j
	}
	poses := make([]pose, len(way))
	poses[0], poses[len(way)-1] = a, b
	for i := 1; i < len(way)-1; i++ {
		poses[i] = pose{way[i].X, way[i].Y, math.Atan2(way[i+1].Y-way[i-1].Y, way[i+1].X-way[i-1].X)}
	}
	var steps []step
	for i := 0; i+1 < len(poses); i++ {
		st, ok := p.join(poses[i], poses[i+1], false, math.Inf(1))
		if !ok {
			return nil, false
		}
		steps = append(steps, st)
	}
	return steps, true
}

// wideLine reports whether the grid shows room for the robot's reach all
// along the line from u to v (whatever its heading).
func (p *planner) wideLine(u, v Point) bool {
	l := math.Hypot(v.X-u.X, v.Y-u.Y)
	n := int(math.Ceil(l/p.grid.cell)) + 1
	for k := 0; k <= n; k++ {
		t := float64(k) / float64(n)
		if p.grid.clearance(u.X+t*(v.X-u.X), u.Y+t*(v.Y-u.Y)) <= p.rmax {
			return false
		}
	}
	return true
}
