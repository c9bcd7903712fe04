package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/gorosys/rosys/drivers/lizard/lizardtest"
)

// pythonPath is Debian's python3, not a pyenv or venv one: the stand-in's
// figures depend on the interpreter, and this one is reproducible (make
// bench installs the package when it is missing).
const pythonPath = "/usr/bin/python3"

// standinRun is how one run of bench/rosys_standin.py is configured.
type standinRun struct {
	name       string
	checkEvery time.Duration // each module's backup_check_interval
	onLoop     bool          // json.dumps + write_text on the event loop instead of the thread pool
}

type standinResult struct {
	loopResult
	run              standinRun
	loopCPU, procCPU time.Duration // per tick
	lines, backups   int
	python           string
}

// runStandin runs the RoSys stand-in for d at 100 Hz: 100 modules of 64 KiB
// re-requested every 100 ms (the Go load's rate), checked every
// run.checkEvery, and the simulated Lizard controller sending 100 Hz
// telemetry over a real pty that the stand-in's step reads.
func runStandin(ctx context.Context, dir string, run standinRun, d time.Duration) (standinResult, error) {
	var res standinResult
	script, err := filepath.Abs("rosys_standin.py")
	if err != nil {
		return res, err
	}
	if _, err := os.Stat(pythonPath); err != nil {
		return res, fmt.Errorf("%s is missing (Debian package python3; make bench installs it): %w", pythonPath, err)
	}
	link := lizardtest.TempLink(dir)
	ctrl, err := lizardtest.Start(lizardtest.Config{Link: link, Period: 10 * time.Millisecond})
	if err != nil {
		return res, err
	}
	defer ctrl.Close()
	const period = 10 * time.Millisecond
	args := []string{script, "--dir", filepath.Join(dir, "data"), "--period", "0.01",
		"--duration", fmt.Sprint(d.Seconds()), "--modules", "100", "--size", fmt.Sprint(64 << 10),
		"--request-every", "0.1", "--check-every", fmt.Sprint(run.checkEvery.Seconds()), "--serial", link}
	if run.onLoop {
		args = append(args, "--on-loop")
	}
	cmd := exec.CommandContext(ctx, pythonPath, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	env := markEnv()
	out, err := cmd.Output()
	envd := env.since()
	if err != nil {
		return res, fmt.Errorf("rosys_standin.py: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var r struct {
		Ticks    []int64 `json:"ticks_ns"`
		LoopCPU  int64   `json:"loop_cpu_ns"`
		ProcCPU  int64   `json:"process_cpu_ns"`
		Lines    int     `json:"lines"`
		BadLines int     `json:"bad_lines"`
		Backups  int     `json:"backups"`
		Python   string  `json:"python"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return res, fmt.Errorf("rosys_standin.py output: %w", err)
	}
	if len(r.Ticks) < 10 {
		return res, fmt.Errorf("rosys_standin.py ran %d steps", len(r.Ticks))
	}
	if r.Lines == 0 {
		return res, fmt.Errorf("rosys_standin.py read no telemetry from the simulated controller (%d bad lines)", r.BadLines)
	}
	ts := make([]time.Time, len(r.Ticks))
	for i, t := range r.Ticks {
		ts[i] = time.Unix(0, t)
	}
	errs, missed := periodErrors(ts, period)
	n := time.Duration(len(r.Ticks))
	res.loopResult = loopResult{name: run.name, period: period, dist: summarise(errs), missed: missed, errs: errs, env: envd}
	res.loopCPU, res.procCPU = time.Duration(r.LoopCPU)/n, time.Duration(r.ProcCPU)/n
	res.lines, res.backups, res.python = r.Lines, r.Backups, r.Python
	res.run = run
	return res, nil
}
