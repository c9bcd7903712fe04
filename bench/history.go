package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/history"
)

type historyCell struct {
	n, size     int
	without     time.Duration // median cycle, history off
	with        time.Duration // median cycle, history on (pruning every cycle)
	versionsOut int           // versions kept per module at the end
}

// historyKeep bounds the history by count, small enough that pruning
// runs in most measured cycles, as on a robot that has run for a while.
const historyKeep = 5

// measureHistory times backup cycles of two stores side by side, one
// without history and one with it, interleaved so that a noisy neighbour
// hits both alike. Both stores are warmed up first (files exist, and the
// history is full, so every measured cycle prunes).
func measureHistory(root string, n, size, reps int) (historyCell, error) {
	c := historyCell{n: n, size: size}
	dir, err := os.MkdirTemp(root, "history-")
	if err != nil {
		return c, err
	}
	defer os.RemoveAll(dir)
	off, offVals, err := openModules(filepath.Join(dir, "off"), n, size)
	if err != nil {
		return c, err
	}
	defer off.Close()
	bounds := history.DefaultBounds
	bounds.Keep = historyKeep
	on, onVals, err := openModules(filepath.Join(dir, "on"), n, size, persistence.WithHistory(history.Config{Default: bounds}))
	if err != nil {
		return c, err
	}
	defer on.Close()
	for range historyKeep + 1 {
		if _, err := commitTime(off, offVals); err != nil {
			return c, err
		}
		if _, err := commitTime(on, onVals); err != nil {
			return c, err
		}
	}
	var without, with []time.Duration
	for i := range reps {
		// Alternate which goes first, too.
		order := []bool{false, true}
		if i%2 == 1 {
			order = []bool{true, false}
		}
		for _, h := range order {
			s, vals := off, offVals
			if h {
				s, vals = on, onVals
			}
			d, err := commitTime(s, vals)
			if err != nil {
				return c, err
			}
			if h {
				with = append(with, d)
			} else {
				without = append(without, d)
			}
		}
	}
	c.without, c.with = median(without), median(with)
	vs, err := on.History("m00000")
	if err != nil {
		return c, err
	}
	c.versionsOut = len(vs)
	return c, nil
}

// historyCost is the "with history" part of the backup section.
func (b *bench) historyCost() error {
	reps := 15
	if b.s.quick {
		reps = 5
	}
	b.r.p("History (`persistence.history`, on by default): the same backup cycle with every committed version kept "+
		"(a hard link of the committed file into `history/`, one fsync of that directory per cycle, pruning to %d versions "+
		"so that every measured cycle also deletes one old version per module), against the cycle without history, in "+
		"the same run, %d interleaved repetitions each (median).", historyKeep, reps)
	var rows [][]string
	worst := 0.0
	for _, cell := range []struct{ n, size int }{{10, 64 << 10}, {100, 1 << 10}, {100, 64 << 10}, {1000, 1 << 10}} {
		if cell.n*cell.size > b.s.maxBytes || cell.n > b.s.maxN {
			continue
		}
		c, err := measureHistory(b.root, cell.n, cell.size, reps)
		if err != nil {
			return err
		}
		if c.versionsOut != historyKeep {
			return fmt.Errorf("history kept %d versions, want %d", c.versionsOut, historyKeep)
		}
		worst = max(worst, float64(c.with)/float64(c.without))
		rows = append(rows, []string{sizeName(c.size), fmt.Sprint(c.n), ms(c.without), ms(c.with), ratio(c.with, c.without)})
	}
	b.r.table([]string{"S", "N", "cycle without history", "cycle with history", "with / without"}, rows)
	b.r.p("A commit of one module is about six file-system operations and an fsync (temporary file, write, fsync, `.prev` " +
		"link and rename, rename); the history adds two metadata operations per module (the link in, and the unlink of " +
		"the version pruned) and one directory fsync per cycle, so small modules, whose cycle is all metadata, pay most.")
	b.goal("history costs the backup cycle little", fmt.Sprintf("worst cell %.2f× the cycle without history", worst), "≤ 1.5×", worst <= 1.5)
	return nil
}
