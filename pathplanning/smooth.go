package pathplanning

import (
	"context"
	"math"

	"github.com/gorosys/rosys/driving"
)

// smooth replaces runs of steps in one direction by single splines where
// they are free, the furthest first.
func (p *planner) smooth(steps []step) []step {
	var out []step
	for i := 0; i < len(steps); {
		end := i
		for end+1 < len(steps) && steps[end+1].seg.Backward == steps[i].seg.Backward {
			end++
		}
		found := false
		for j := end; j > i; j-- {
			old := 0.0
			for k := i; k <= j; k++ {
				old += steps[k].seg.Length()
			}
			if st, ok := p.join(steps[i].from, steps[j].to, steps[i].seg.Backward, old); ok {
				out = append(out, st)
				i, found = j+1, true
				break
			}
		}
		if !found {
			out = append(out, steps[i])
			i++
		}
	}
	return out
}

// join is the shortest free spline from a to b (of the control distances
// tried) shorter than limit.
func (p *planner) join(a, b pose, back bool, limit float64) (step, bool) {
	best, bestL := step{}, limit
	for _, k := range []float64{0.5, 0.4, 0.6, 0.3} {
		s := spline(a, b, back, k)
		l := s.Length()
		if l >= bestL || !healthy(s, p.maxCurv()) {
			continue
		}
		seg := driving.PathSegment{Segment: s, Backward: back}
		if p.free(seg) {
			best, bestL = step{seg: seg, from: a, to: b}, l
		}
	}
	return best, bestL < limit
}

// refine shortens the path further: each joint between two steps gets the
// heading (of a few tried) that makes the two splines through it shortest,
// or goes where one spline can replace both; until nothing improves, three
// rounds at most, or ctx ends.
func (p *planner) refine(ctx context.Context, steps []step) driving.Path {
	for range 3 {
		improved := false
		for j := 1; j < len(steps) && ctx.Err() == nil; j++ {
			a, b := steps[j-1], steps[j]
			old := a.seg.Length() + b.seg.Length()
			if a.seg.Backward == b.seg.Backward {
				if st, ok := p.join(a.from, b.to, a.seg.Backward, old-1e-3); ok {
					steps = append(steps[:j-1], append([]step{st}, steps[j+1:]...)...)
					improved = true
					j--
					continue
				}
			}
			w := a.to
			chord := math.Atan2(b.to.y-a.from.y, b.to.x-a.from.x)
			if a.seg.Backward {
				chord += math.Pi
			}
			cands := []float64{chord}
			for _, d := range []float64{3, -3, 8, -8, 15, -15} {
				cands = append(cands, w.yaw+d*math.Pi/180)
			}
			bestL := old - 1e-3
			var s1, s2 step
			found := false
			for _, yaw := range cands {
				m := pose{w.x, w.y, normAngle(yaw)}
				x, ok := p.join(a.from, m, a.seg.Backward, bestL)
				if !ok {
					continue
				}
				y, ok := p.join(m, b.to, b.seg.Backward, bestL-x.seg.Length())
				if !ok {
					continue
				}
				s1, s2, bestL, found = x, y, x.seg.Length()+y.seg.Length(), true
			}
			if found {
				steps[j-1], steps[j] = s1, s2
				improved = true
			}
		}
		if !improved {
			break
		}
	}
	out := make(driving.Path, len(steps))
	for i, s := range steps {
		out[i] = s.seg
	}
	return out
}
