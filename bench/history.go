package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/store"
)

type historyCell struct {
	n, size     int
	without     time.Duration // median cycle, history off
	with        time.Duration // median time to durable (the cycle's return), history on (pruning every cycle)
	withTotal   time.Duration // median cycle plus its history record (HistorySettled): all the work
	versionsOut int           // versions kept per module at the end
}

// historyCycle times one cycle of a store with history: to its durable
// point (BackupRequested returns, WaitDurable has woken), and to the end
// of its history record, which runs after it (the total work, and what
// the cycle cost before the history was taken off the durable path).
func historyCycle(s *store.Store, vals []*persistence.Value[blob]) (durable, total time.Duration, err error) {
	ctx := context.Background()
	if err := s.HistorySettled(ctx); err != nil { // nothing of the last cycle left over
		return 0, 0, err
	}
	for _, v := range vals {
		v.RequestBackup()
	}
	start := time.Now()
	if err := s.BackupRequested(ctx); err != nil {
		return 0, 0, err
	}
	durable = time.Since(start)
	err = s.HistorySettled(ctx)
	return durable, time.Since(start), err
}

// historyKeep bounds the history by count, small enough that pruning
// runs in most measured cycles, as on a robot that has run for a while.
const historyKeep = 5

// historyPause comes before every measured cycle, as a robot's backup
// period does (seconds): back to back, a cycle's fsync can wait for the
// file system's work left from the cycle before (the journal commit of
// the last history record, the discards of blocks freed), which is no
// cost a robot pays. It does not hide the history's own work: the record
// is waited for (HistorySettled) and its pruned files are not freed but
// written over by the next commit (see historyCost's text).
const historyPause = 300 * time.Millisecond

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
	on, onVals, err := openModules(filepath.Join(dir, "on"), n, size, store.WithHistory(history.Config{Default: bounds}))
	if err != nil {
		return c, err
	}
	defer on.Close()
	for range historyKeep + 1 {
		if _, err := commitTime(off, offVals); err != nil {
			return c, err
		}
		if _, _, err := historyCycle(on, onVals); err != nil {
			return c, err
		}
	}
	var without, with, withTotal []time.Duration
	for i := range reps {
		// Alternate which goes first, too.
		order := []bool{false, true}
		if i%2 == 1 {
			order = []bool{true, false}
		}
		for _, h := range order {
			time.Sleep(historyPause)
			if h {
				d, t, err := historyCycle(on, onVals)
				if err != nil {
					return c, err
				}
				with, withTotal = append(with, d), append(withTotal, t)
				continue
			}
			d, err := commitTime(off, offVals)
			if err != nil {
				return c, err
			}
			without = append(without, d)
		}
	}
	c.without, c.with, c.withTotal = median(without), median(with), median(withTotal)
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
		"(a file of its own per version: the committed file read back, checked against the checksum of what was written, and copied under a temporary name that link(2) gives the version's name only if it is free; one fsync of `history/` per cycle; pruning to %d versions "+
		"so that every measured cycle also prunes one old version per module), against the cycle without history, in "+
		"the same run, %d interleaved repetitions each (median). The history is recorded right after the commit is "+
		"durable, off its path: *time to durable* is until the cycle returns (WaitDurable has woken then), *total work* "+
		"until its history record is done too (what a cycle cost when the record was part of it).", historyKeep, reps)
	var rows [][]string
	worst, worstTotal := 0.0, 0.0
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
		worstTotal = max(worstTotal, float64(c.withTotal)/float64(c.without))
		rows = append(rows, []string{sizeName(c.size), fmt.Sprint(c.n), ms(c.without), ms(c.with), ms(c.withTotal),
			ratio(c.with, c.without), ratio(c.withTotal, c.without)})
	}
	b.r.table([]string{"S", "N", "cycle without history", "with history: time to durable", "with history: total work",
		"durable with / without", "total with / without"}, rows)
	b.r.p("A commit of one module is about six file-system operations and an fsync (temporary file, write, fsync, `.prev`" +
		" link and rename, rename). Freeing a file's blocks on a file system mounted with `-o discard` (this machine's," +
		" and many SSD and virtual disks) discards them, work the cycle's fsyncs wait for, so neither cycle frees any: " +
		"the generation a new `.prev` replaces is kept as a spare and the next commit writes its file over it, and the " +
		"version the history prunes becomes the history's own spare in `history/`, written over by a later record once " +
		"no other name points at it. Since issue 21 a version is no hard link of the live file any more (an editor " +
		"writing `<key>.json` in place rewrote the version too): the record reads the committed file back, checks it, " +
		"and writes the copy with its own fsync, so a cycle with history writes each module's bytes twice; the record " +
		"runs after the commit is durable, so the copy costs the total work, not the time to durable.")
	b.goal("history costs the backup cycle little", fmt.Sprintf("worst cell: time to durable %.2f×, total work %.2f× the cycle without history",
		worst, worstTotal), "time to durable ≤ 1.1×", worst <= 1.1)
	return nil
}
