package pathplanning

import (
	"context"

	"github.com/gorosys/rosys/driving"
)

// planner holds a map prepared for one search.
type planner struct {
	m     Map
	shape Shape
	opts  Options
	w     *world // the grown outline
}

func newPlanner(m Map, shape Shape, opts Options) *planner {
	grown := offset(shape.Outline, opts.Margin+Clearance)
	return &planner{m: m, shape: shape, opts: opts, w: newWorld(m, grown, opts.AccessibleTypes)}
}

// free reports whether the robot can drive seg.
func (p *planner) free(seg driving.PathSegment) bool {
	return walk(driving.Path{seg}, 0.05, 3*maxYawStep, func(_ int, x, y, yaw float64) bool {
		_, hit := p.w.collision(x, y, yaw)
		return !hit
	})
}

func (p *planner) search(ctx context.Context, a, b pose) (driving.Path, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dirs := []bool{false}
	if p.opts.AllowReverse {
		dirs = append(dirs, true)
	}
	for _, back := range dirs {
		seg := driving.PathSegment{Segment: spline(a, b, back, 0.5), Backward: back}
		if p.free(seg) {
			return driving.Path{seg}, nil
		}
	}
	return nil, noPath("no path")
}
