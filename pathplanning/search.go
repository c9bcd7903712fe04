package pathplanning

import (
	"context"
	"math"

	"github.com/gorosys/rosys/driving"
)

// The search: a hybrid A* over poses (x, y, heading) whose moves are short
// arcs and lines, forwards and (if allowed) backwards, guided by the cost
// to go of the 2-D grid, with a spline shot to the goal tried as it goes;
// then the path is shortened by replacing runs of moves by single splines.
// Every move and spline is tested with the robot's outline grown by
// Options.Margin + Clearance at poses 5 cm and 3° apart.
const debugSearch = false

const (
	moveLength   = 0.6  // m
	testStep     = 0.05 // m between tested poses
	yawBins      = 72
	reversePrice = 1.2 // a metre backwards costs this much
	switchPrice  = 1.0 // m, for each change of direction
	maxCurvature = 5.0 // 1/m, of a spline (a 20 cm radius) unless Options.MinTurnRadius says more
	// heuristicWeight > 1 trades the search's optimality (the shortening
	// afterwards recovers most of it) for far fewer expansions.
	heuristicWeight = 1.5
	// maxExpansions bounds a search (a few hundred milliseconds).
	maxExpansions = 50_000
)

// curvatures of the moves (1/m): straight, and radii of 1.25 m and 0.5 m,
// or MinTurnRadius and 2.5 times it when it is larger.
func (p *planner) curvatures() [5]float64 {
	k := 2.0
	if r := p.opts.MinTurnRadius; r > 0.5 {
		k = 1 / r
	}
	return [5]float64{0, k / 2.5, -k / 2.5, k, -k}
}

// maxCurv is the sharpest a spline may turn (1/m).
func (p *planner) maxCurv() float64 {
	if r := p.opts.MinTurnRadius; r > 1/maxCurvature {
		return 1 / r
	}
	return maxCurvature
}

// planner holds a map prepared for one search.
type planner struct {
	opts  Options
	w     *world // the grown outline
	grid  *grid
	rmax  float64
	rin   float64 // the disc about the pose inside the grown outline
	bufs  *rasters
	step  float64 // between tested poses
	yawSt float64
	// bounds is what the grid covers (less the robot's reach and a metre);
	// the grid is built when the first shot fails.
	bounds box
}

func newPlanner(m Map, shape Shape, opts Options, keep float64, step float64, a, b pose) *planner {
	grown := offset(shape.Outline, opts.Margin+keep)
	p := &planner{opts: opts, w: newWorld(m, grown, opts.AccessibleTypes), step: step, yawSt: 3 * maxYawStep}
	p.rmax = p.w.rmax
	p.rin = inradius(grown)
	p.bounds = box{math.Min(a.x, b.x), math.Min(a.y, b.y), math.Max(a.x, b.x), math.Max(a.y, b.y)}
	if p.w.hasAreas() {
		for _, ar := range p.w.areas {
			p.bounds = p.bounds.union(ar.box)
		}
	} else {
		for _, o := range p.w.obstacles {
			p.bounds = p.bounds.union(o.box)
		}
	}
	return p
}

// freePose is the exact test, skipped far from everything.
func (p *planner) freePose(x, y, yaw float64) bool {
	if p.grid == nil {
		_, hit := p.w.collision(x, y, yaw)
		return !hit
	}
	c := p.grid.clearance(x, y)
	if c > p.rmax {
		return true
	}
	if c+p.grid.reach < p.rin {
		// Closer to something than the disc inside the outline is wide
		// (the grid's lower bound plus its largest error).
		return false
	}
	if c <= 0 {
		if _, ok := p.grid.index(x, y); !ok || (x-p.rmax < p.grid.x0 || y-p.rmax < p.grid.y0) {
			return false // off the grid: beyond what the search covers
		}
	}
	_, hit := p.w.collision(x, y, yaw)
	return !hit
}

// free reports whether the robot can drive seg.
func (p *planner) free(seg driving.PathSegment) bool {
	return walk(driving.Path{seg}, p.step, p.yawSt, func(_ int, x, y, yaw float64) bool {
		return p.freePose(x, y, yaw)
	})
}

// healthy refuses splines that turn sharper than maxK or stall (RoSys's
// _is_healthy), tested at 64 points.
func healthy(s driving.Spline, maxK float64) bool {
	for i := 0; i <= 64; i++ {
		u := float64(i) / 64
		dx, dy := splineDeriv(s, u)
		v := 1 - u
		ddx := 6*v*(s.P2.X-2*s.P1.X+s.P0.X) + 6*u*(s.P3.X-2*s.P2.X+s.P1.X)
		ddy := 6*v*(s.P2.Y-2*s.P1.Y+s.P0.Y) + 6*u*(s.P3.Y-2*s.P2.Y+s.P1.Y)
		sp := math.Hypot(dx, dy)
		if sp < 1e-6 {
			if u == 0 || u == 1 {
				continue
			}
			return false
		}
		if math.Abs(dx*ddy-dy*ddx)/(sp*sp*sp) > maxK {
			return false
		}
	}
	return true
}

// shot tries single splines from a to b: forwards, and backwards if
// allowed; the shortest that is free.
func (p *planner) shot(a, b pose) (driving.PathSegment, bool) {
	var best driving.PathSegment
	bestL := math.Inf(1)
	for _, back := range p.dirs() {
		for _, k := range []float64{0.5, 0.35, 0.7} {
			s := spline(a, b, back, k)
			if !healthy(s, p.maxCurv()) {
				continue
			}
			seg := driving.PathSegment{Segment: s, Backward: back}
			if l := s.Length(); l < bestL && p.free(seg) {
				best, bestL = seg, l
				break
			}
		}
	}
	return best, bestL < math.Inf(1)
}

func (p *planner) dirs() []bool {
	if p.opts.AllowReverse {
		return []bool{false, true}
	}
	return []bool{false}
}

// node is one pose reached by the search.
type node struct {
	pose   pose
	g      float64
	parent int32
	move   driving.PathSegment // from the parent's pose
}

type openItem struct {
	f float64
	n int32
}

// move is the arc (or line) of length l and curvature k from a, backwards
// if back, and the pose at its end.
func move(a pose, k, l float64, back bool) (driving.Segment, pose) {
	line, arc, e := motion(a, k, l, back)
	if k == 0 {
		return line, e
	}
	return arc, e
}

// motion is move without the interface: the line (k = 0) or the arc as
// values, so the search can look at where a motion ends before it boxes
// the segment (each boxed arc is garbage, and garbage wakes the collector,
// which costs the control loop its ticks while a plan runs).
func motion(a pose, k, l float64, back bool) (driving.Line, driving.Arc, pose) {
	th := a.yaw
	if back {
		th += math.Pi
	}
	st, ct := math.Sincos(th)
	if k == 0 {
		e := pose{a.x + l*ct, a.y + l*st, a.yaw}
		return driving.Line{From: driving.Point{X: a.x, Y: a.y}, To: driving.Point{X: e.x, Y: e.y}}, driving.Arc{}, e
	}
	cx, cy := a.x-st/k, a.y+ct/k
	start := math.Atan2(a.y-cy, a.x-cx)
	sweep := k * l
	arc := driving.Arc{Center: driving.Point{X: cx, Y: cy}, Radius: math.Abs(1 / k), Start: start, Sweep: sweep}
	e := arc.At(1)
	return driving.Line{}, arc, pose{e.X, e.Y, normAngle(a.yaw + sweep)}
}

func (p *planner) search(ctx context.Context, a, b pose) (driving.Path, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if seg, ok := p.shot(a, b); ok {
		return driving.Path{seg}, nil
	}
	p.grid = newGrid(p.w, p.bounds.grow(2*p.rmax+1), p.bufs)
	g := p.grid
	hstep := 4
	// Where the robot's centre may be: the disc inside its (grown)
	// outline must be clear. A point that far from everything lies in a
	// cell whose centre is at least that minus a cell's diagonal from the
	// nearest forbidden cell's centre.
	h := newCostToGo(g, hstep, inradius(p.w.robot)-g.cell*math.Sqrt2-1e-9, p.rmax+g.reach, b.x, b.y, p.bufs)
	if math.IsInf(h.at(a.x, a.y), 1) {
		return nil, noPath("the goal cannot be reached from the start")
	}
	if steps, ok := p.guided(h, a, b); ok {
		return p.refine(ctx, steps), nil
	}
	hc := g.cell * float64(hstep)
	key := func(q pose) int64 {
		c := int64(math.Floor((q.x - g.x0) / hc))
		r := int64(math.Floor((q.y - g.y0) / hc))
		y := int64(math.Floor((normAngle(q.yaw) + math.Pi) / (2 * math.Pi) * yawBins))
		return (r*int64(h.nx)+c)*yawBins + y%yawBins
	}
	bf := p.bufs
	if bf.best == nil {
		bf.best, bf.closed = map[int64]float64{}, map[int64]bool{}
	}
	clear(bf.best)
	clear(bf.closed)
	nodes := append(bf.nodes[:0], node{pose: a, parent: -1})
	best, closed := bf.best, bf.closed
	best[key(a)] = 0
	open := &minHeap[openItem]{items: bf.items[:0], key: func(o openItem) float64 { return o.f }}
	defer func() {
		// Kept for the next search; the segments of the path returned
		// are copies of what nodes hold.
		clear(nodes)
		bf.nodes, bf.items = nodes[:0], open.items[:0]
	}()
	open.push(openItem{h.at(a.x, a.y), 0})
	for n := 0; open.Len() > 0; n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if n >= maxExpansions {
			return nil, noPath("no path found in %d steps of the search", maxExpansions)
		}
		it := open.pop()
		cur := nodes[it.n]
		k := key(cur.pose)
		if closed[k] {
			continue
		}
		closed[k] = true
		hc := h.at(cur.pose.x, cur.pose.y)
		euclid := math.Hypot(b.x-cur.pose.x, b.y-cur.pose.y)
		if n%32 == 0 || hc < euclid+0.5 || euclid < 3 {
			if seg, ok := p.shot(cur.pose, b); ok {
				if debugSearch {
					println("expansions", n, "nodes", len(nodes))
				}
				return p.refine(ctx, p.smooth(p.trace(nodes, it.n, seg))), nil
			}
		}
		for _, back := range p.dirs() {
			for _, kv := range p.curvatures() {
				_, _, e := motion(cur.pose, kv, moveLength, back)
				he := h.at(e.x, e.y)
				if math.IsInf(he, 1) {
					continue
				}
				cost := moveLength
				if back {
					cost *= reversePrice
				}
				if cur.parent >= 0 && cur.move.Backward != back {
					cost += switchPrice
				}
				ge := cur.g + cost
				ke := key(e)
				if closed[ke] {
					continue
				}
				if old, ok := best[ke]; ok && old <= ge {
					continue
				}
				seg, _ := move(cur.pose, kv, moveLength, back)
				ps := driving.PathSegment{Segment: seg, Backward: back}
				if !p.free(ps) {
					continue
				}
				best[ke] = ge
				nodes = append(nodes, node{pose: e, g: ge, parent: it.n, move: ps})
				open.push(openItem{ge + heuristicWeight*he, int32(len(nodes) - 1)})
			}
		}
	}
	return nil, noPath("no path")
}

// trace is the moves from the start to node i, then last.
func (p *planner) trace(nodes []node, i int32, last driving.PathSegment) []step {
	var out []step
	out = append(out, step{seg: last})
	for ; nodes[i].parent >= 0; i = nodes[i].parent {
		out = append(out, step{seg: nodes[i].move})
	}
	for l, r := 0, len(out)-1; l < r; l, r = l+1, r-1 {
		out[l], out[r] = out[r], out[l]
	}
	// Each step's start pose.
	q := nodes[i].pose
	for j := range out {
		out[j].from = q
		e := out[j].seg.At(1)
		q = pose{e.X, e.Y, heading(out[j].seg, 1)}
		out[j].to = q
	}
	return out
}

// step is a segment with the robot's poses at its ends.
type step struct {
	seg      driving.PathSegment
	from, to pose
}
