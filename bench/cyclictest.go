package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// cyclictestPath is where Debian's rt-tests puts it (make bench installs
// the package when it is missing).
const cyclictestPath = "cyclictest"

// cyclicResult is one cyclictest run: its own wake-up latencies and, from
// them, the same interval error the Go loops are measured by.
type cyclicResult struct {
	loopResult
	latency dist   // cyclictest's own figure: wake-up − ideal grid time
	args    string // the command line, for the report
}

// runCyclictest runs cyclictest for d at period, under the same load as the
// runtime's loaded run (the store committing 100 × 64 KiB every 100 ms and
// the serial driver with its simulated controller, in this process). With
// rt it asks for SCHED_FIFO at prio, as the runtime did; otherwise it runs
// SCHED_OTHER, as the runtime then does.
//
// Options: -d 0 because cyclictest otherwise adds its default thread
// distance (500 µs) to the interval even of a single thread (rt-tests 2.4
// prints "Interval: 1500" for -i 1000); --default-system so it does not
// write /dev/cpu_dma_latency, a system-wide tuning our runtime does not do;
// no -m (mlockall), which the runtime does not do either; -v -N for every
// sample in nanoseconds.
func runCyclictest(ctx context.Context, dir string, period, d time.Duration, rt bool, prio int) (cyclicResult, error) {
	var res cyclicResult
	path, err := exec.LookPath(cyclictestPath)
	if err != nil {
		return res, fmt.Errorf("cyclictest not found (Debian package rt-tests; make bench installs it): %w", err)
	}
	l, err := startLoad(ctx, dir, 100)
	if err != nil {
		return res, err
	}
	defer l.close()
	if err := l.registerAndRestore(ctx); err != nil {
		return res, err
	}
	l.backupLoop(ctx)
	loops := int(d / period)
	args := []string{"--default-system", "-d", "0", "-i", strconv.Itoa(int(period / time.Microsecond)),
		"-l", strconv.Itoa(loops), "-v", "-N", "-q"}
	if rt {
		args = append(args, "-p", strconv.Itoa(prio))
	}
	env := markEnv()
	cmd := exec.CommandContext(ctx, path, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	envd := env.since()
	if err != nil {
		return res, fmt.Errorf("cyclictest %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	lat, err := parseCyclictest(out)
	if err != nil {
		return res, err
	}
	if len(lat) < loops/2 {
		return res, fmt.Errorf("cyclictest printed %d samples, want %d", len(lat), loops)
	}
	errs, missed := cyclicIntervalErrors(lat, period)
	policy := "SCHED_OTHER"
	if rt {
		policy = fmt.Sprintf("SCHED_FIFO %d", prio)
	}
	res.loopResult = loopResult{name: "cyclictest (C, " + policy + ") + load", period: period, dist: summarise(errs), missed: missed, errs: errs, env: envd}
	res.latency = summarise(lat)
	res.args = "cyclictest " + strings.Join(args, " ")
	return res, nil
}

// parseCyclictest reads the "thread: cycle: latency" lines of -v output.
func parseCyclictest(out []byte) ([]time.Duration, error) {
	var lat []time.Duration
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) != 3 {
			continue
		}
		if _, err := strconv.Atoi(strings.TrimSpace(f[0])); err != nil {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSpace(f[2]), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("cyclictest output %q: %w", sc.Text(), err)
		}
		lat = append(lat, time.Duration(v))
	}
	return lat, sc.Err()
}

// cyclicIntervalErrors turns cyclictest's wake-up latencies (against its
// ideal grid) into the figure the Go loops report: |interval − period|
// between consecutive wake-ups. Wake-up k happens at g_k + L_k; cyclictest
// then moves its next deadline past "now" one period at a time, so after a
// wake-up later than a period it skips floor(L_k/period) slots, exactly as
// the runtime's loop does. The interval to wake-up k+1 is therefore
// (floor(L_k/period)+1)·period + L_{k+1} − L_k.
func cyclicIntervalErrors(lat []time.Duration, period time.Duration) (errs []time.Duration, missed int) {
	if len(lat) == 0 {
		return nil, 0
	}
	// Wake-up times relative to the first grid point, then the same
	// arithmetic as for the Go loops' recorded ticks.
	ts := make([]time.Time, len(lat))
	var base time.Time
	ts[0] = base.Add(lat[0])
	for k := 1; k < len(lat); k++ {
		skip := lat[k-1] / period
		ts[k] = ts[k-1].Add((skip+1)*period + lat[k] - lat[k-1])
	}
	return periodErrors(ts, period)
}
