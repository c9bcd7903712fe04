package main

import (
	"fmt"
	"image/color"
	"math"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
}

// jitterPlot draws the distribution of period errors (µs, log-binned) of
// each loop as a step histogram of the share of ticks per bin.
func jitterPlot(path, title string, runs []loopResult) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "period error, µs (log scale)"
	p.Y.Label.Text = "share of ticks"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	edges := []float64{}
	for e := 1.0; e <= 1e5; e *= math.Pow(10, 0.1) {
		edges = append(edges, e)
	}
	for i, r := range runs {
		counts := make([]float64, len(edges))
		for _, e := range r.errs {
			v := math.Max(float64(e)/float64(time.Microsecond), 1)
			j := int(math.Log10(v) * 10)
			counts[min(j, len(counts)-1)]++
		}
		pts := plotter.XYs{}
		for j := range edges {
			if counts[j] > 0 {
				pts = append(pts, plotter.XY{X: edges[j], Y: counts[j] / float64(len(r.errs))})
			}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color = palette[i%len(palette)]
		l.Width = vg.Points(1.5)
		l.StepStyle = plotter.MidStep
		p.Add(l)
		p.Legend.Add(r.name, l)
	}
	p.Legend.Top = true
	return p.Save(7*vg.Inch, 4*vg.Inch, path)
}

// backupPlot draws commit time against module count, per size, for the
// store and the raw durable baseline (log-log).
func backupPlot(path string, cells []backupCell) error {
	p := plot.New()
	p.Title.Text = "Backup cycle: store vs raw durable writes of the same bytes"
	p.X.Label.Text = "modules written"
	p.Y.Label.Text = "time, ms"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	sizes := []int{}
	for _, c := range cells {
		if len(sizes) == 0 || sizes[len(sizes)-1] != c.size {
			found := false
			for _, s := range sizes {
				found = found || s == c.size
			}
			if !found {
				sizes = append(sizes, c.size)
			}
		}
	}
	for i, size := range sizes {
		var st, raw plotter.XYs
		for _, c := range cells {
			if c.size == size {
				st = append(st, plotter.XY{X: float64(c.n), Y: float64(c.store) / 1e6})
				raw = append(raw, plotter.XY{X: float64(c.n), Y: float64(c.raw) / 1e6})
			}
		}
		ls, ps, err := plotter.NewLinePoints(st)
		if err != nil {
			return err
		}
		lr, pr, err := plotter.NewLinePoints(raw)
		if err != nil {
			return err
		}
		col := palette[i%len(palette)]
		ls.Color, ps.Color, lr.Color, pr.Color = col, col, col, col
		lr.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		pr.Shape = nil
		p.Add(ls, ps, lr)
		p.Legend.Add(fmt.Sprintf("store, %s", sizeName(size)), ls, ps)
		p.Legend.Add(fmt.Sprintf("raw, %s", sizeName(size)), lr)
	}
	p.Legend.Top, p.Legend.Left = true, true
	return p.Save(7*vg.Inch, 4.5*vg.Inch, path)
}

func sizeName(b int) string {
	switch {
	case b >= 1<<20:
		return fmt.Sprintf("%d MiB", b>>20)
	case b >= 1<<10:
		return fmt.Sprintf("%d KiB", b>>10)
	}
	return fmt.Sprintf("%d B", b)
}
