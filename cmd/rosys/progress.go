package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progressBar draws a restore's progress on a terminal, once it has run
// longer than progressAfter: a short restore prints nothing, and output
// that is not a terminal (a log, a pipe) never gets carriage returns.
type progressBar struct {
	w     io.Writer
	tty   bool
	now   func() time.Time
	start time.Time
	drawn bool
}

const progressAfter = 500 * time.Millisecond

func newProgressBar(w io.Writer, now func() time.Time) *progressBar {
	f, ok := w.(*os.File)
	return &progressBar{w: w, tty: ok && isTerminal(f), now: now, start: now()}
}

func (p *progressBar) update(done, total int64, doneModules, totalModules int) {
	if !p.tty || (!p.drawn && p.now().Sub(p.start) < progressAfter) {
		return
	}
	p.drawn = true
	fmt.Fprintf(p.w, "\r%s", progressLine(done, total, doneModules, totalModules))
}

func (p *progressBar) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

// progressLine is one frame: [#####.....] 12/40 modules, 3.2/9.0 MB.
func progressLine(done, total int64, doneModules, totalModules int) string {
	const width = 30
	filled := width
	if total > 0 {
		filled = int(done * width / total)
	}
	return fmt.Sprintf("[%s%s] %d/%d modules, %.1f/%.1f MB", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		doneModules, totalModules, float64(done)/1e6, float64(total)/1e6)
}
