package driving

import (
	"errors"
	"fmt"
	"math"
)

// Point is a position in metres in the odometry frame.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Segment is a piece of a path: a Line, an Arc or a Spline.
type Segment interface {
	// At is the point at parameter u in [0, 1] from start to end.
	At(u float64) Point
	// Length is the segment's length in metres (approximate for splines).
	Length() float64
}

// Line runs straight from From to To.
type Line struct{ From, To Point }

// At implements Segment.
func (l Line) At(u float64) Point {
	return Point{l.From.X + u*(l.To.X-l.From.X), l.From.Y + u*(l.To.Y-l.From.Y)}
}

// Length implements Segment.
func (l Line) Length() float64 { return math.Hypot(l.To.X-l.From.X, l.To.Y-l.From.Y) }

// Arc runs around Center at Radius from angle Start (rad) through Sweep
// (rad; positive is counter-clockwise).
type Arc struct {
	Center       Point
	Radius       float64
	Start, Sweep float64
}

// At implements Segment.
func (a Arc) At(u float64) Point {
	t := a.Start + u*a.Sweep
	return Point{a.Center.X + a.Radius*math.Cos(t), a.Center.Y + a.Radius*math.Sin(t)}
}

// Length implements Segment.
func (a Arc) Length() float64 { return math.Abs(a.Radius * a.Sweep) }

// Spline is a cubic Bézier curve from P0 to P3 with control points P1 and
// P2: leaving P0 towards P1 and arriving at P3 from P2.
type Spline struct{ P0, P1, P2, P3 Point }

// At implements Segment.
func (s Spline) At(u float64) Point {
	v := 1 - u
	a, b, c, d := v*v*v, 3*v*v*u, 3*v*u*u, u*u*u
	return Point{a*s.P0.X + b*s.P1.X + c*s.P2.X + d*s.P3.X, a*s.P0.Y + b*s.P1.Y + c*s.P2.Y + d*s.P3.Y}
}

// Length implements Segment, summing 256 chords.
func (s Spline) Length() float64 {
	const n = 256
	sum, prev := 0.0, s.P0
	for i := 1; i <= n; i++ {
		p := s.At(float64(i) / n)
		sum += math.Hypot(p.X-prev.X, p.Y-prev.Y)
		prev = p
	}
	return sum
}

// PathSegment is a Segment driven forwards, or backwards (reversing) when
// Backward and the parameters allow it.
type PathSegment struct {
	Segment
	Backward bool
}

// Path is a sequence of segments, each starting where the last ended.
type Path []PathSegment

// Resolution is the spacing of the samples the Driver follows.
const Resolution = 0.02

// MaxPathLength bounds a path (m), and so the memory its samples take.
const MaxPathLength = 10_000

// ErrBadPath is returned for a path the Driver cannot follow.
var ErrBadPath = errors.New("bad path")

// sample is one point of a sampled path.
type sample struct {
	x, y, s float64 // s: distance along the path from its start
	back    bool    // the edge to the next sample is driven backwards
}

// sampled turns p into points every Resolution metres or closer, with
// the distance along the path. The Driver follows these, so the control
// loop never evaluates curves.
func (p Path) sampled() ([]sample, error) {
	if len(p) == 0 {
		return nil, fmt.Errorf("%w: no segments", ErrBadPath)
	}
	total := 0.0
	for i, seg := range p {
		if seg.Segment == nil {
			return nil, fmt.Errorf("%w: segment %d is nil", ErrBadPath, i)
		}
		l := seg.Length()
		if math.IsNaN(l) || math.IsInf(l, 0) {
			return nil, fmt.Errorf("%w: segment %d has no finite length", ErrBadPath, i)
		}
		total += l
	}
	if total > MaxPathLength {
		return nil, fmt.Errorf("%w: %.0f m long, more than %d m", ErrBadPath, total, MaxPathLength)
	}
	if total < 1e-6 {
		return nil, fmt.Errorf("%w: zero length", ErrBadPath)
	}
	out := make([]sample, 0, int(total/Resolution)+2*len(p)+1)
	for i, seg := range p {
		n := max(1, int(math.Ceil(seg.Length()/Resolution)))
		k0 := 0
		if i > 0 {
			// The previous segment ended here; the edge that leaves this
			// point belongs to this one.
			k0 = 1
			out[len(out)-1].back = seg.Backward
		}
		for k := k0; k <= n; k++ {
			pt := seg.At(float64(k) / float64(n))
			if math.IsNaN(pt.X) || math.IsNaN(pt.Y) || math.IsInf(pt.X, 0) || math.IsInf(pt.Y, 0) {
				return nil, fmt.Errorf("%w: segment %d has a point that is not finite", ErrBadPath, i)
			}
			s := 0.0
			if len(out) > 0 {
				last := out[len(out)-1]
				s = last.s + math.Hypot(pt.X-last.x, pt.Y-last.y)
			}
			out = append(out, sample{x: pt.X, y: pt.Y, s: s, back: seg.Backward})
		}
	}
	return out, nil
}

// decimate keeps about one point every step metres, for the dashboard's
// map, always with the last point.
func decimate(pts []sample, step float64) []Point {
	out := []Point{{pts[0].x, pts[0].y}}
	last := pts[0].s
	for _, p := range pts[1:] {
		if p.s-last >= step {
			out = append(out, Point{p.x, p.y})
			last = p.s
		}
	}
	end := pts[len(pts)-1]
	if out[len(out)-1] != (Point{end.x, end.y}) {
		out = append(out, Point{end.x, end.y})
	}
	return out
}
