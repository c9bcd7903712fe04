package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// scaleCell is one point of the scale curves: N modules of S bytes in the
// real process (bench/benchrobot), with same-run raw baselines on the same
// files.
type scaleCell struct {
	n, size   int
	fileBytes int
	startup   time.Duration // process start → first control tick, every module restored
	rawRead   time.Duration // the same files read by 4 goroutines, nothing decoded
	cycle     time.Duration // one backup cycle of every module
	flush     time.Duration // SIGTERM → exit: the final flush of every module
	rawWrite  time.Duration // rawDurable of the same files, 4 writers
	rssKiB    int           // after the cycle
	hwmKiB    int           // peak
}

// scaleCells runs the benchrobot for every N × S up to maxTotal bytes.
func scaleCells(robot, root string, sizes, ns []int, maxTotal, reps int) ([]scaleCell, error) {
	var cells []scaleCell
	for _, size := range sizes {
		for _, n := range ns {
			if n*size > maxTotal {
				continue
			}
			r := reps
			if n*size > 64<<20 {
				r = 1 // the large cells take seconds each: one run
			}
			c, err := scaleCellRun(robot, root, n, size, r)
			if err != nil {
				return cells, fmt.Errorf("%d × %s: %w", n, sizeName(size), err)
			}
			fmt.Fprintf(os.Stderr, "bench: scale %d × %s: start-up %s, cycle %s, flush %s, RSS %d MiB\n",
				n, sizeName(size), ms(c.startup), ms(c.cycle), ms(c.flush), c.rssKiB>>10)
			cells = append(cells, c)
		}
	}
	return cells, nil
}

func scaleCellRun(robot, root string, n, size, reps int) (scaleCell, error) {
	c := scaleCell{n: n, size: size}
	data, err := os.MkdirTemp(root, "scale-")
	if err != nil {
		return c, err
	}
	defer os.RemoveAll(data)
	args := []string{"-data", data, "-modules", strconv.Itoa(n), "-size", strconv.Itoa(size)}
	p, err := startProc(robot, append(args, "-mark")...)
	if err != nil {
		return c, err
	}
	if _, err := p.await("MARKED"); err != nil {
		return c, err
	}
	if _, err := p.term(); err != nil { // writes every module: the files exist from here on
		return c, err
	}
	info, err := os.Stat(filepath.Join(data, "m00000.json"))
	if err != nil {
		return c, fmt.Errorf("the first run wrote no module files: %w", err)
	}
	c.fileBytes = int(info.Size())
	content := []byte(strings.Repeat("x", c.fileBytes))
	var st, rr, cy, fl, rw []time.Duration
	for range reps {
		p, err := startProc(robot, append(args, "-cycle")...)
		if err != nil {
			return c, err
		}
		d, err := p.await("READY")
		if err != nil {
			return c, err
		}
		st = append(st, d)
		line, err := p.awaitPrefix("CYCLE ")
		if err != nil {
			return c, err
		}
		ns, err := strconv.ParseInt(strings.TrimPrefix(line, "CYCLE "), 10, 64)
		if err != nil {
			return c, fmt.Errorf("benchrobot printed %q", line)
		}
		cy = append(cy, time.Duration(ns))
		c.rssKiB, c.hwmKiB = procMem(p.cmd.Process.Pid)
		if d, err = p.term(); err != nil {
			return c, err
		}
		fl = append(fl, d)
		if d, err = rawRead(data, n); err != nil {
			return c, err
		}
		rr = append(rr, d)
		// Into the same directory, as in the backup section (same
		// block group, same churn).
		if d, err = rawDurable(data, n, content, storeWriters); err != nil {
			return c, err
		}
		rw = append(rw, d)
	}
	c.startup, c.rawRead, c.cycle, c.flush, c.rawWrite = median(st), median(rr), median(cy), median(fl), median(rw)
	return c, nil
}

// rawRead reads the n module files on 4 goroutines (as many as Restore
// reads ahead with) and decodes nothing: the floor for restoring them.
func rawRead(dir string, n int) (time.Duration, error) {
	start := time.Now()
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("m%05d.json", i))); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return time.Since(start), firstErr
}

// procMem reads a process's resident set size and its peak, in KiB.
func procMem(pid int) (rss, hwm int) {
	for _, l := range strings.Split(readFile(fmt.Sprintf("/proc/%d/status", pid)), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			rss, _ = strconv.Atoi(strings.Fields(v)[0])
		}
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			hwm, _ = strconv.Atoi(strings.Fields(v)[0])
		}
	}
	return rss, hwm
}

// growth says how a per-module cost changes from N = 100 (past the fixed
// costs of small N) to the largest N of one size: the ratio of the cost
// per module, which is 1 for linear growth.
func growth(cells []scaleCell, size int, f func(scaleCell) time.Duration) (float64, int, bool) {
	var lo, hi *scaleCell
	for i := range cells {
		c := &cells[i]
		if c.size != size || c.n < 100 {
			continue
		}
		if lo == nil || c.n < lo.n {
			lo = c
		}
		if hi == nil || c.n > hi.n {
			hi = c
		}
	}
	if lo == nil || hi == nil || lo == hi {
		return 0, 0, false
	}
	per := func(c *scaleCell) float64 { return float64(f(*c)) / float64(c.n) }
	return per(hi) / per(lo), hi.n, true
}

// bareStart is the median start of the bare binary to its first line.
func bareStart(hello string, reps int) (time.Duration, error) {
	var ds []time.Duration
	for range reps {
		h, err := startProc(hello)
		if err != nil {
			return 0, err
		}
		d, err := h.await("READY")
		if err != nil {
			return 0, err
		}
		ds = append(ds, d)
		h.term()
	}
	return median(ds), nil
}
