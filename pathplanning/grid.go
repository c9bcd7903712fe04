package pathplanning

import (
	"math"
	"slices"
)

// grid is a raster of the map: which cells hold something the robot must
// not touch (obstacles, the outside of the accessible areas), and each
// cell's distance to the nearest such cell. The search uses it only to
// skip exact tests far from everything and to guide itself; whether a pose
// is free is always decided by the exact polygon test.
type grid struct {
	x0, y0 float64 // the corner of cell (0, 0)
	cell   float64
	nx, ny int
	dist   []float32 // centre to the nearest forbidden centre (m)
	// reach is clearance's largest error: the true distance from a point
	// to the nearest forbidden point is at most clearance + reach.
	reach float64
}

// maxCells bounds the raster (the cell grows on large maps).
const maxCells = 1 << 20

// rasters are the grid's buffers, kept by a Planner between plans.
type rasters struct {
	forbidden []bool
	dist      []float32
	// The cost to go's grid and queue.
	cost, clear []float64
	open        []bool
	queue       []costItem
	// The hybrid A*'s nodes, queue and sets.
	nodes  []node
	items  []openItem
	best   map[int64]float64
	closed map[int64]bool
}

// coarse returns the cost to go's buffers for n cells, cleared.
func (r *rasters) coarse(n int) (cost, clr []float64, open []bool) {
	if cap(r.cost) < n {
		r.cost, r.clear, r.open = make([]float64, n), make([]float64, n), make([]bool, n)
	}
	r.cost, r.clear, r.open = r.cost[:n], r.clear[:n], r.open[:n]
	clear(r.clear)
	clear(r.open)
	return r.cost, r.clear, r.open
}

func (r *rasters) get(n int) ([]bool, []float32) {
	if cap(r.forbidden) < n {
		r.forbidden, r.dist = make([]bool, n), make([]float32, n)
	}
	r.forbidden, r.dist = r.forbidden[:n], r.dist[:n]
	clear(r.forbidden)
	return r.forbidden, r.dist
}

func newGrid(w *world, b box, bufs *rasters) *grid {
	c := 0.05
	if a := (b.maxX - b.minX) * (b.maxY - b.minY); a/(c*c) > maxCells {
		c = math.Sqrt(a / maxCells)
	}
	g := &grid{x0: b.minX, y0: b.minY, cell: c}
	g.nx = int(math.Ceil((b.maxX-b.minX)/c)) + 1
	g.ny = int(math.Ceil((b.maxY-b.minY)/c)) + 1
	forbidden, dist := bufs.get(g.nx * g.ny)
	if w.hasAreas() {
		for i := range forbidden {
			forbidden[i] = true
		}
		for _, a := range w.areas {
			g.fill(forbidden, a.pts, false)
		}
		for k := range w.areas {
			g.traceBorder(forbidden, w, k)
		}
	}
	for _, o := range w.obstacles {
		g.fill(forbidden, o.pts, true)
		g.trace(forbidden, o.pts)
	}
	g.dist = edt(forbidden, dist, g.nx, g.ny, c)
	// A marked cell's centre is within half a diagonal of a forbidden
	// point; the point within half a diagonal of its cell's centre.
	g.reach = 2*c + c*math.Sqrt2
	return g
}

// fill sets the cells whose centres lie inside pts (even-odd) to v.
func (g *grid) fill(f []bool, pts []Point, v bool) {
	b := boxOf(pts)
	r0 := max(0, int(math.Floor((b.minY-g.y0)/g.cell)))
	r1 := min(g.ny-1, int(math.Ceil((b.maxY-g.y0)/g.cell)))
	var xs []float64
	for r := r0; r <= r1; r++ {
		y := g.y0 + (float64(r)+0.5)*g.cell
		xs = xs[:0]
		for i := range pts {
			a, q := pts[i], pts[(i+1)%len(pts)]
			if (a.Y > y) != (q.Y > y) {
				xs = append(xs, a.X+(y-a.Y)/(q.Y-a.Y)*(q.X-a.X))
			}
		}
		slices.Sort(xs)
		for k := 0; k+1 < len(xs); k += 2 {
			c0 := max(0, int(math.Ceil((xs[k]-g.x0)/g.cell-0.5)))
			c1 := min(g.nx-1, int(math.Floor((xs[k+1]-g.x0)/g.cell-0.5)))
			for c := c0; c <= c1; c++ {
				f[r*g.nx+c] = v
			}
		}
	}
}

// trace marks the cells along the border of pts as forbidden.
func (g *grid) trace(f []bool, pts []Point) {
	for i := range pts {
		a, b := pts[i], pts[(i+1)%len(pts)]
		n := int(math.Ceil(math.Hypot(b.X-a.X, b.Y-a.Y)/(g.cell/3))) + 1
		for k := 0; k <= n; k++ {
			t := float64(k) / float64(n)
			if i, ok := g.index(a.X+t*(b.X-a.X), a.Y+t*(b.Y-a.Y)); ok {
				f[i] = true
			}
		}
	}
}

// traceBorder marks the cells along the border of area k where it is
// border of the union of the areas (not where another area lies beyond).
func (g *grid) traceBorder(f []bool, w *world, k int) {
	pts := w.areas[k].pts
	for i := range pts {
		a, b := pts[i], pts[(i+1)%len(pts)]
		l := math.Hypot(b.X-a.X, b.Y-a.Y)
		if l == 0 {
			continue
		}
		// Points a millimetre either side of the edge.
		nx, ny := (b.Y-a.Y)/l*1e-3, -(b.X-a.X)/l*1e-3
		n := int(math.Ceil(l/(g.cell/3))) + 1
		for j := 0; j <= n; j++ {
			t := float64(j) / float64(n)
			x, y := a.X+t*(b.X-a.X), a.Y+t*(b.Y-a.Y)
			if w.inAnyArea(Point{x + nx, y + ny}) && w.inAnyArea(Point{x - nx, y - ny}) {
				continue // inside the union: another area lies beyond
			}
			if i, ok := g.index(x, y); ok {
				f[i] = true
			}
		}
	}
}

func (g *grid) index(x, y float64) (int, bool) {
	c := int(math.Floor((x - g.x0) / g.cell))
	r := int(math.Floor((y - g.y0) / g.cell))
	if c < 0 || r < 0 || c >= g.nx || r >= g.ny {
		return 0, false
	}
	return r*g.nx + c, true
}

// clearance is a lower bound of the distance from (x, y) to anything
// forbidden; 0 outside the grid.
func (g *grid) clearance(x, y float64) float64 {
	i, ok := g.index(x, y)
	if !ok {
		return 0
	}
	// The point is within half a diagonal of its cell's centre, and the
	// nearest forbidden point within a half diagonal and a trace step
	// (a third of a cell) of a marked cell's centre.
	return float64(g.dist[i]) - 2*g.cell
}

// edt is the Euclidean distance transform of f (distance of every cell
// centre to the nearest true cell's centre), by Felzenszwalb and
// Huttenlocher's lower envelope of parabolas, rows then columns, into d.
func edt(f []bool, d []float32, nx, ny int, cell float64) []float32 {
	const inf = 1e20
	for i, v := range f {
		if v {
			d[i] = 0
		} else {
			d[i] = inf
		}
	}
	n := max(nx, ny)
	buf := make([]float64, n)
	out := make([]float64, n)
	v := make([]int, n)
	z := make([]float64, n+1)
	for r := 0; r < ny; r++ {
		row := d[r*nx : (r+1)*nx]
		for c, x := range row {
			buf[c] = float64(x)
		}
		dt1(buf[:nx], out[:nx], v, z)
		for c := range row {
			// Squared cell counts: integers, exact in a float32 below 2²⁴.
			row[c] = float32(out[c])
		}
	}
	for c := 0; c < nx; c++ {
		for r := 0; r < ny; r++ {
			buf[r] = float64(d[r*nx+c])
		}
		dt1(buf[:ny], out[:ny], v, z)
		for r := 0; r < ny; r++ {
			// Rounded down, so that the distance stays a lower bound.
			d[r*nx+c] = float32(math.Sqrt(out[r])*cell) * (1 - 1e-6)
		}
	}
	return d
}

func dt1(f, d []float64, v []int, z []float64) {
	n := len(f)
	k := 0
	v[0] = 0
	z[0], z[1] = math.Inf(-1), math.Inf(1)
	for q := 1; q < n; q++ {
		s := ((f[q] + float64(q*q)) - (f[v[k]] + float64(v[k]*v[k]))) / float64(2*q-2*v[k])
		for s <= z[k] {
			k--
			s = ((f[q] + float64(q*q)) - (f[v[k]] + float64(v[k]*v[k]))) / float64(2*q-2*v[k])
		}
		k++
		v[k] = q
		z[k], z[k+1] = s, math.Inf(1)
	}
	k = 0
	for q := 0; q < n; q++ {
		for z[k+1] < float64(q) {
			k++
		}
		d[q] = float64((q-v[k])*(q-v[k])) + f[v[k]]
	}
}

// costToGo is the cost of the cheapest 8-connected walk from every cell
// of a coarse grid to the goal's, through cells where the robot's centre
// might be (a fine cell in it with clearance at least minClear); +Inf
// where none leads.
type costToGo struct {
	g      *grid
	step   int // coarse cell = step fine cells
	nx, ny int
	cost   []float64
}

// newCostToGo walks out from the goal (gx, gy). A step costs its length;
// a step into a cell whose clearance is below wide costs up to twice its
// length (more the narrower): the walk keeps away from obstacles where it
// can, so that the robot's corners have room when it turns.
func newCostToGo(g *grid, step int, minClear, wide float64, gx, gy float64, bufs *rasters) *costToGo {
	h := &costToGo{g: g, step: step, nx: (g.nx + step - 1) / step, ny: (g.ny + step - 1) / step}
	var open []bool
	var clear []float64 // the best clearance in the cell
	h.cost, clear, open = bufs.coarse(h.nx * h.ny)
	for fr := 0; fr < g.ny; fr++ {
		for fc := 0; fc < g.nx; fc++ {
			i := (fr/step)*h.nx + fc/step
			d := float64(g.dist[fr*g.nx+fc])
			clear[i] = math.Max(clear[i], d)
			if d >= minClear {
				open[i] = true
			}
		}
	}
	price := func(i int) float64 {
		if clear[i] >= wide || wide <= minClear {
			return 1
		}
		return 1 + (wide-clear[i])/(wide-minClear)
	}
	for i := range h.cost {
		h.cost[i] = math.Inf(1)
	}
	cs := g.cell * float64(step)
	start, ok := h.cellOf(gx, gy)
	if !ok {
		return h
	}
	open[start] = true
	h.cost[start] = 0
	q := &minHeap[costItem]{items: bufs.queue[:0], key: func(c costItem) float64 { return c.c }}
	defer func() { bufs.queue = q.items }()
	q.push(costItem{0, int32(start)})
	diag := cs * math.Sqrt2
	for q.Len() > 0 {
		it := q.pop()
		i := int(it.i)
		if it.c > h.cost[i] {
			continue
		}
		r, c := i/h.nx, i%h.nx
		for dr := -1; dr <= 1; dr++ {
			for dc := -1; dc <= 1; dc++ {
				if dr == 0 && dc == 0 {
					continue
				}
				nr, nc := r+dr, c+dc
				if nr < 0 || nc < 0 || nr >= h.ny || nc >= h.nx {
					continue
				}
				j := nr*h.nx + nc
				if !open[j] {
					continue
				}
				d := cs
				if dr != 0 && dc != 0 {
					d = diag
				}
				d *= price(j)
				if nc := it.c + d; nc < h.cost[j] {
					h.cost[j] = nc
					q.push(costItem{nc, int32(j)})
				}
			}
		}
	}
	return h
}

func (h *costToGo) cellOf(x, y float64) (int, bool) {
	cs := h.g.cell * float64(h.step)
	c := int(math.Floor((x - h.g.x0) / cs))
	r := int(math.Floor((y - h.g.y0) / cs))
	if c < 0 || r < 0 || c >= h.nx || r >= h.ny {
		return 0, false
	}
	return r*h.nx + c, true
}

// at is the cost to go from (x, y): the least over its cell and the
// neighbours (the walk is between cell centres).
func (h *costToGo) at(x, y float64) float64 {
	i, ok := h.cellOf(x, y)
	if !ok {
		return math.Inf(1)
	}
	return h.cost[i]
}

type costItem struct {
	c float64
	i int32
}

// walk is the descent from (x, y) to the goal through the cost to go: the
// centres of the cells on the way, (x, y) first; nil where none leads.
func (h *costToGo) walk(x, y float64) []Point {
	i, ok := h.cellOf(x, y)
	if !ok || math.IsInf(h.cost[i], 1) {
		return nil
	}
	cs := h.g.cell * float64(h.step)
	out := []Point{{x, y}}
	for n := 0; h.cost[i] > 0 && n < len(h.cost); n++ {
		r, c := i/h.nx, i%h.nx
		best := i
		for dr := -1; dr <= 1; dr++ {
			for dc := -1; dc <= 1; dc++ {
				nr, nc := r+dr, c+dc
				if nr < 0 || nc < 0 || nr >= h.ny || nc >= h.nx {
					continue
				}
				if j := nr*h.nx + nc; h.cost[j] < h.cost[best] {
					best = j
				}
			}
		}
		if best == i {
			return nil
		}
		i = best
		out = append(out, Point{h.g.x0 + (float64(i%h.nx)+0.5)*cs, h.g.y0 + (float64(i/h.nx)+0.5)*cs})
	}
	return out
}
