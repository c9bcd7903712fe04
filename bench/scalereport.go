package main

import (
	"fmt"
	"path/filepath"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// scale is section 8: backup cycle, start-up, final flush and RSS from 10
// to 10 000 modules of 1 KiB to 10 MiB, in the real process.
func (b *bench) scale() error {
	_, robot, hello, err := b.buildRobots()
	if err != nil {
		return err
	}
	bare, err := bareStart(hello, 5)
	if err != nil {
		return err
	}
	sizes, ns, maxTotal, reps := []int{1 << 10, 64 << 10, 1 << 20, 10 << 20}, []int{10, 100, 1000, 10000}, 1<<30, 3
	if b.s.quick {
		sizes, ns, maxTotal, reps = []int{1 << 10, 64 << 10}, []int{10, 100, 1000}, 8<<20, 1
	}
	b.r.p("N modules of S bytes in the real process (bench/benchrobot: the runtime and store as cmd/rosys runs them), for every N × S up to %s "+
		"(a first run writes the files; then %d run(s) of each cell, medians; one above 64 MiB). Per run: **start-up**, process start to the "+
		"first control tick with every module restored; **backup cycle**, every module asked, one commit; **RSS** after that cycle (and the peak); "+
		"**final flush**, SIGTERM to exit, which writes every module. Baselines, on the same files in the same run: **raw read**, the files read by "+
		"4 goroutines, nothing decoded, plus the start of a bare static Go binary to its first line (bench/hello, %s; together the floor for start-up); **raw write**, the files written by the minimal durable sequence with 4 writers "+
		"and one directory fsync (the floor for a cycle and for the flush).", sizeName(maxTotal), reps, ms(bare))
	cells, err := scaleCells(robot, b.root, sizes, ns, maxTotal, reps)
	if err != nil {
		return err
	}
	for i := range cells {
		cells[i].rawRead += bare
	}
	var rows [][]string
	for _, c := range cells {
		rows = append(rows, []string{sizeName(c.size), fmt.Sprint(c.n), fmt.Sprintf("%.0f MiB", float64(c.n*c.fileBytes)/(1<<20)),
			ms(c.startup), ms(c.rawRead), ratio(c.startup, c.rawRead),
			ms(c.cycle), ms(c.flush), ms(c.rawWrite), ratio(c.cycle, c.rawWrite), ratio(c.flush, c.rawWrite),
			fmt.Sprintf("%.0f / %.0f MiB", float64(c.rssKiB)/1024, float64(c.hwmKiB)/1024), fmt.Sprintf("%.2f", float64(c.rssKiB)*1024/float64(c.n*c.fileBytes))})
	}
	b.r.table([]string{"S", "N", "on disk", "start-up", "raw read + bare start", "start-up / raw", "backup cycle", "final flush", "raw write", "cycle / raw", "flush / raw", "RSS / peak", "RSS / state"}, rows)

	var lin [][]string
	for _, size := range sizes {
		row := []string{sizeName(size)}
		ok := false
		for _, f := range []func(scaleCell) time.Duration{
			func(c scaleCell) time.Duration { return c.startup },
			func(c scaleCell) time.Duration { return c.cycle },
			func(c scaleCell) time.Duration { return c.flush },
			func(c scaleCell) time.Duration { return time.Duration(c.rssKiB) },
			func(c scaleCell) time.Duration { return c.rawWrite },
		} {
			g, hi, has := growth(cells, size, f)
			if !has {
				row = append(row, "–")
				continue
			}
			ok = true
			row = append(row, fmt.Sprintf("%.2f (N = 100 → %d)", g, hi))
		}
		if ok {
			lin = append(lin, row)
		}
	}
	b.r.p("**Is growth linear?** Cost per module at the largest N of each size divided by the cost per module at N = 100 " +
		"(1.00 is linear; below 1, fixed costs still being amortised; above 1, something grows faster than N):")
	b.r.table([]string{"S", "start-up", "backup cycle", "final flush", "RSS", "raw write (baseline)"}, lin)

	for _, pl := range []struct {
		file, title, y string
		f, base        func(scaleCell) float64
	}{
		{"scale-startup.png", "Start-up (process start → first tick, all restored)", "time, ms",
			func(c scaleCell) float64 { return msf(c.startup) }, func(c scaleCell) float64 { return msf(c.rawRead) }},
		{"scale-cycle.png", "Backup cycle, every module", "time, ms",
			func(c scaleCell) float64 { return msf(c.cycle) }, func(c scaleCell) float64 { return msf(c.rawWrite) }},
		{"scale-flush.png", "Final flush (SIGTERM → exit)", "time, ms",
			func(c scaleCell) float64 { return msf(c.flush) }, func(c scaleCell) float64 { return msf(c.rawWrite) }},
		{"scale-rss.png", "RSS after a backup cycle", "MiB",
			func(c scaleCell) float64 { return float64(c.rssKiB) / 1024 }, func(c scaleCell) float64 { return float64(c.n*c.fileBytes) / (1 << 20) }},
	} {
		if err := scalePlot(filepath.Join(b.out, pl.file), pl.title, pl.y, sizes, cells, pl.f, pl.base); err != nil {
			return err
		}
		b.plots = append(b.plots, pl.file)
		b.r.line("![%s](%s)", pl.file, pl.file)
	}
	b.r.line("")
	b.r.p("Dashed: the baseline of each size (raw read, raw write; for RSS the bytes of state on disk).")
	for _, c := range cells {
		if c.size == 1<<10 && c.n == ns[len(ns)-1] {
			b.goal(fmt.Sprintf("start-up with %d modules of 1 KiB", c.n), fmt.Sprintf("%s (raw read of the files + bare binary start: %s, %s)", ms(c.startup), ms(c.rawRead), ratio(c.startup, c.rawRead)),
				"< 1 s for 10 000", c.startup < time.Second)
		}
	}
	worstCycle, worstFlush, at, atF := 0.0, 0.0, "", ""
	for _, c := range cells {
		if r := float64(c.cycle) / float64(c.rawWrite); r > worstCycle {
			worstCycle, at = r, fmt.Sprintf("%d × %s", c.n, sizeName(c.size))
		}
		if r := float64(c.flush) / float64(c.rawWrite); r > worstFlush {
			worstFlush, atF = r, fmt.Sprintf("%d × %s", c.n, sizeName(c.size))
		}
	}
	b.goal("scale: backup cycle and final flush vs raw write, every cell", fmt.Sprintf("worst cycle %.2f× (%s), worst flush %.2f× (%s, includes process exit)", worstCycle, at, worstFlush, atF),
		"(no goal set)", true)
	return nil
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// scalePlot draws one metric against N per size (log-log), with the
// baseline dashed.
func scalePlot(path, title, ylabel string, sizes []int, cells []scaleCell, f, base func(scaleCell) float64) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "modules"
	p.Y.Label.Text = ylabel
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	for i, size := range sizes {
		var ours, bl plotter.XYs
		for _, c := range cells {
			if c.size == size {
				ours = append(ours, plotter.XY{X: float64(c.n), Y: max(f(c), 1e-3)})
				bl = append(bl, plotter.XY{X: float64(c.n), Y: max(base(c), 1e-3)})
			}
		}
		if len(ours) == 0 {
			continue
		}
		lo, po, err := plotter.NewLinePoints(ours)
		if err != nil {
			return err
		}
		lb, err := plotter.NewLine(bl)
		if err != nil {
			return err
		}
		col := palette[i%len(palette)]
		lo.Color, po.Color, lb.Color = col, col, col
		lb.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(lo, po, lb)
		p.Legend.Add(sizeName(size), lo, po)
	}
	p.Legend.Top, p.Legend.Left = true, true
	return p.Save(7*vg.Inch, 4.5*vg.Inch, path)
}
