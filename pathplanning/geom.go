package pathplanning

import "math"

// box is an axis-aligned bounding box.
type box struct{ minX, minY, maxX, maxY float64 }

func boxOf(pts []Point) box {
	b := box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range pts {
		b.minX, b.minY = math.Min(b.minX, p.X), math.Min(b.minY, p.Y)
		b.maxX, b.maxY = math.Max(b.maxX, p.X), math.Max(b.maxY, p.Y)
	}
	return b
}

func (b box) overlaps(o box) bool {
	return b.minX <= o.maxX && o.minX <= b.maxX && b.minY <= o.maxY && o.minY <= b.maxY
}

func (b box) grow(d float64) box { return box{b.minX - d, b.minY - d, b.maxX + d, b.maxY + d} }

func (b box) union(o box) box {
	return box{math.Min(b.minX, o.minX), math.Min(b.minY, o.minY), math.Max(b.maxX, o.maxX), math.Max(b.maxY, o.maxY)}
}

func signedArea(pts []Point) float64 {
	a := 0.0
	for i := range pts {
		p, q := pts[i], pts[(i+1)%len(pts)]
		a += p.X*q.Y - q.X*p.Y
	}
	return a / 2
}

// inside reports whether p lies inside the closed polygon pts (even-odd
// rule; a point exactly on the border may go either way: callers that
// must count touching test the borders with segmentsIntersect).
func inside(p Point, pts []Point) bool {
	in := false
	n := len(pts)
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		a, b := pts[i], pts[j]
		if (a.Y > p.Y) != (b.Y > p.Y) {
			x := a.X + (p.Y-a.Y)/(b.Y-a.Y)*(b.X-a.X)
			if p.X < x {
				in = !in
			}
		}
	}
	return in
}

func cross(o, a, b Point) float64 { return (a.X-o.X)*(b.Y-o.Y) - (a.Y-o.Y)*(b.X-o.X) }

func onSegment(p, a, b Point) bool {
	const eps = 1e-12
	if math.Abs(cross(a, b, p)) > eps*(1+math.Abs(b.X-a.X)+math.Abs(b.Y-a.Y)) {
		return false
	}
	return math.Min(a.X, b.X)-eps <= p.X && p.X <= math.Max(a.X, b.X)+eps &&
		math.Min(a.Y, b.Y)-eps <= p.Y && p.Y <= math.Max(a.Y, b.Y)+eps
}

// segmentsIntersect reports whether segments ab and cd share a point.
func segmentsIntersect(a, b, c, d Point) bool {
	if math.Max(a.X, b.X) < math.Min(c.X, d.X) || math.Max(c.X, d.X) < math.Min(a.X, b.X) ||
		math.Max(a.Y, b.Y) < math.Min(c.Y, d.Y) || math.Max(c.Y, d.Y) < math.Min(a.Y, b.Y) {
		return false
	}
	d1, d2 := cross(c, d, a), cross(c, d, b)
	d3, d4 := cross(a, b, c), cross(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	// Touching or collinear: an end on the other segment.
	return onSegment(a, c, d) || onSegment(b, c, d) || onSegment(c, a, b) || onSegment(d, a, b)
}

// crossingParam is the parameter t in (0, 1) along ab where it crosses cd,
// if it does so properly.
func crossingParam(a, b, c, d Point) (float64, bool) {
	rx, ry := b.X-a.X, b.Y-a.Y
	sx, sy := d.X-c.X, d.Y-c.Y
	den := rx*sy - ry*sx
	if den == 0 {
		return 0, false
	}
	qx, qy := c.X-a.X, c.Y-a.Y
	t := (qx*sy - qy*sx) / den
	u := (qx*ry - qy*rx) / den
	if t <= 0 || t >= 1 || u < 0 || u > 1 {
		return 0, false
	}
	return t, true
}

// polygonsIntersect reports whether closed polygons a and b share a point.
func polygonsIntersect(a, b []Point) bool {
	for i := range a {
		p, q := a[i], a[(i+1)%len(a)]
		for j := range b {
			if segmentsIntersect(p, q, b[j], b[(j+1)%len(b)]) {
				return true
			}
		}
	}
	return inside(a[0], b) || inside(b[0], a)
}

// pointSegDist is the distance from p to segment ab.
func pointSegDist(p, a, b Point) float64 {
	vx, vy := b.X-a.X, b.Y-a.Y
	l2 := vx*vx + vy*vy
	u := 0.0
	if l2 > 0 {
		u = math.Max(0, math.Min(1, ((p.X-a.X)*vx+(p.Y-a.Y)*vy)/l2))
	}
	return math.Hypot(a.X+u*vx-p.X, a.Y+u*vy-p.Y)
}

// segSegDist is the distance between segments ab and cd.
func segSegDist(a, b, c, d Point) float64 {
	if segmentsIntersect(a, b, c, d) {
		return 0
	}
	return math.Min(math.Min(pointSegDist(a, c, d), pointSegDist(b, c, d)),
		math.Min(pointSegDist(c, a, b), pointSegDist(d, a, b)))
}

// outlineDist is the distance between the borders of two polygons.
func outlineDist(a, b []Point) float64 {
	d := math.Inf(1)
	for i := range a {
		p, q := a[i], a[(i+1)%len(a)]
		for j := range b {
			d = math.Min(d, segSegDist(p, q, b[j], b[(j+1)%len(b)]))
		}
	}
	return d
}

// offset returns pts moved outwards by d with mitred corners: a polygon
// that holds every point within d of pts (for d small against its edges).
func offset(pts []Point, d float64) []Point {
	if d == 0 {
		return append([]Point(nil), pts...)
	}
	sign := 1.0 // outward normal of edge (dx, dy) is (dy, -dx) for counter-clockwise
	if signedArea(pts) < 0 {
		sign = -1
	}
	n := len(pts)
	out := make([]Point, n)
	for i := range pts {
		prev, cur, next := pts[(i+n-1)%n], pts[i], pts[(i+1)%n]
		n1 := normal(prev, cur, sign)
		n2 := normal(cur, next, sign)
		bx, by := n1.X+n2.X, n1.Y+n2.Y
		c := (1 + n1.X*n2.X + n1.Y*n2.Y) / 2 // cos² of half the turn
		if c < 0.01 {
			c = 0.01 // a needle point: the mitre is capped at 10 d
		}
		l := math.Hypot(bx, by)
		if l == 0 {
			out[i] = Point{cur.X + d*n1.X, cur.Y + d*n1.Y}
			continue
		}
		k := d / math.Sqrt(c)
		out[i] = Point{cur.X + k*bx/l, cur.Y + k*by/l}
	}
	return out
}

func normal(a, b Point, sign float64) Point {
	dx, dy := b.X-a.X, b.Y-a.Y
	l := math.Hypot(dx, dy)
	if l == 0 {
		return Point{}
	}
	return Point{sign * dy / l, -sign * dx / l}
}

// radius is the largest distance of an outline point from the origin.
func radius(pts []Point) float64 {
	r := 0.0
	for _, p := range pts {
		r = math.Max(r, math.Hypot(p.X, p.Y))
	}
	return r
}

// inradius is the radius of the largest disc around the origin inside the
// outline (0 if the origin is outside it).
func inradius(pts []Point) float64 {
	if !inside(Point{}, pts) {
		return 0
	}
	r := math.Inf(1)
	for i := range pts {
		r = math.Min(r, pointSegDist(Point{}, pts[i], pts[(i+1)%len(pts)]))
	}
	return r
}

// place writes outline pts placed at pose (x, y, yaw) into dst.
func place(dst, pts []Point, x, y, yaw float64) []Point {
	s, c := math.Sincos(yaw)
	dst = dst[:0]
	for _, p := range pts {
		dst = append(dst, Point{x + c*p.X - s*p.Y, y + s*p.X + c*p.Y})
	}
	return dst
}

// convex reports whether pts turns one way only (a convex polygon).
func convex(pts []Point) bool {
	sign := 0.0
	n := len(pts)
	for i := range pts {
		c := cross(pts[i], pts[(i+1)%n], pts[(i+2)%n])
		if c == 0 {
			continue
		}
		if sign == 0 {
			sign = c
		} else if (c > 0) != (sign > 0) {
			return false
		}
	}
	return sign != 0
}
