package navigate

import (
	"math"
	"time"

	"github.com/gorosys/rosys/driving"
)

// PathView is a planned path as GET /api/path and POST /api/goto show it:
// its segments as the Driver takes them, and points along it for drawing.
type PathView struct {
	// Active is true while the robot drives this path.
	Active   bool          `json:"active"`
	Goal     *Goal         `json:"goal,omitempty"`
	Length   float64       `json:"length"`
	Planned  *time.Time    `json:"planned,omitempty"`
	Segments []SegmentView `json:"segments"`
	// Points are along the path, every PointSpacing metres or further
	// apart on long paths (at most maxViewPoints), ends included.
	Points []driving.Point `json:"points"`
}

// SegmentView is one segment: "line" (from, to), "arc" (center, radius,
// start, sweep: radians, counter-clockwise positive) or "spline" (a cubic
// Bézier p0..p3); backward when driven reversing.
type SegmentView struct {
	Type     string         `json:"type"`
	Backward bool           `json:"backward"`
	From     *driving.Point `json:"from,omitempty"`
	To       *driving.Point `json:"to,omitempty"`
	Center   *driving.Point `json:"center,omitempty"`
	Radius   *float64       `json:"radius,omitempty"`
	Start    *float64       `json:"start,omitempty"`
	Sweep    *float64       `json:"sweep,omitempty"`
	P0       *driving.Point `json:"p0,omitempty"`
	P1       *driving.Point `json:"p1,omitempty"`
	P2       *driving.Point `json:"p2,omitempty"`
	P3       *driving.Point `json:"p3,omitempty"`
}

// PointSpacing is the spacing of a drawn path's points (m).
const PointSpacing = 0.1

const maxViewPoints = 4000

func (p *planned) view() PathView {
	g, at := p.goal, p.at
	v := PathView{Active: p.active, Goal: &g, Length: p.length, Planned: &at, Segments: make([]SegmentView, 0, len(p.path))}
	total := 0.0
	for _, s := range p.path {
		v.Segments = append(v.Segments, segmentView(s))
		total += s.Length()
	}
	step := math.Max(PointSpacing, total/maxViewPoints)
	v.Points = []driving.Point{}
	for _, s := range p.path {
		k := max(1, int(math.Ceil(s.Length()/step)))
		for i := 0; i <= k; i++ {
			if i == 0 && len(v.Points) > 0 {
				continue
			}
			v.Points = append(v.Points, s.At(float64(i)/float64(k)))
		}
	}
	return v
}

func segmentView(s driving.PathSegment) SegmentView {
	v := SegmentView{Backward: s.Backward}
	pt := func(p driving.Point) *driving.Point { return &p }
	f := func(x float64) *float64 { return &x }
	switch g := s.Segment.(type) {
	case driving.Line:
		v.Type, v.From, v.To = "line", pt(g.From), pt(g.To)
	case *driving.Line:
		v.Type, v.From, v.To = "line", pt(g.From), pt(g.To)
	case driving.Arc:
		v.Type, v.Center, v.Radius, v.Start, v.Sweep = "arc", pt(g.Center), f(g.Radius), f(g.Start), f(g.Sweep)
	case *driving.Arc:
		v.Type, v.Center, v.Radius, v.Start, v.Sweep = "arc", pt(g.Center), f(g.Radius), f(g.Start), f(g.Sweep)
	case driving.Spline:
		v.Type, v.P0, v.P1, v.P2, v.P3 = "spline", pt(g.P0), pt(g.P1), pt(g.P2), pt(g.P3)
	case *driving.Spline:
		v.Type, v.P0, v.P1, v.P2, v.P3 = "spline", pt(g.P0), pt(g.P1), pt(g.P2), pt(g.P3)
	default:
		// A segment type of the planner's own: its ends.
		v.Type, v.From, v.To = "curve", pt(s.At(0)), pt(s.At(1))
	}
	return v
}
