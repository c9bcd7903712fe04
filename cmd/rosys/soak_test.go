package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSoak runs the demo robot on the serial driver against the simulated
// controller, with a backup every second, the input journal on, and a
// client changing the model ten times a second, for ROSYS_SOAK (make soak
// DURATION=30m; CI: 60s). Skipped without ROSYS_SOAK. At the end the
// goroutines, open files and heap are back near where they were after
// warm-up (no leak), and the control loop's overruns are reported.
func TestSoak(t *testing.T) {
	endToEnd(t)
	d, err := time.ParseDuration(os.Getenv("ROSYS_SOAK"))
	if err != nil || d <= 0 {
		t.Skip("set ROSYS_SOAK=60s (make soak) to run the soak test")
	}
	r := newSerialRig(t, "    journal: true\n")
	cfg := filepath.Join(r.dir, "soak.yaml")
	os.WriteFile(cfg, []byte(r.yaml+"persistence:\n  snapshot_interval: 1s\n"), 0o644)
	p := startRosys(t, "--config", cfg, "--data-dir", filepath.Join(r.dir, "data"))

	stop := make(chan struct{})
	puts := make(chan int)
	go func() { // ten changes a second, as an operator's slider would
		n := 0
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				puts <- n
				return
			case <-t.C:
				n++
				req, _ := http.NewRequest("PUT", "http://"+p.addr+"/api/modules/model", strings.NewReader(fmt.Sprintf(`{"value": %d}`, n%10)))
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
			}
		}
	}()
	warmup := min(d/6, 10*time.Second)
	<-time.After(warmup) // the soak's own clock: what is measured, not a synchronisation
	_, s0 := p.do("GET", "/api/status", "")
	<-time.After(d - warmup)
	_, s1 := p.do("GET", "/api/status", "")
	close(stop)
	n := <-puts
	proc := func(s map[string]any, k string) float64 { return s["process"].(map[string]any)[k].(float64) }
	ctl := s1["control"].(map[string]any)
	t.Logf("soak %v: %d API changes, %v ticks, %v overruns, jitter p99 %.0f µs; goroutines %v→%v, open files %v→%v, heap %.1f→%.1f MiB, RSS %.1f MiB",
		d, n, ctl["ticks"], ctl["overruns"], ctl["jitter_p99_us"],
		proc(s0, "goroutines"), proc(s1, "goroutines"), proc(s0, "open_files"), proc(s1, "open_files"),
		proc(s0, "heap_bytes")/(1<<20), proc(s1, "heap_bytes")/(1<<20), proc(s1, "rss_bytes")/(1<<20))
	if g0, g1 := proc(s0, "goroutines"), proc(s1, "goroutines"); g1 > g0+5 {
		t.Errorf("goroutines grew from %v to %v", g0, g1)
	}
	if f0, f1 := proc(s0, "open_files"), proc(s1, "open_files"); f1 > f0+3 {
		t.Errorf("open files grew from %v to %v", f0, f1)
	}
	if h0, h1 := proc(s0, "heap_bytes"), proc(s1, "heap_bytes"); h1 > 2*h0+8<<20 {
		t.Errorf("heap grew from %.1f to %.1f MiB", h0/(1<<20), h1/(1<<20))
	}
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
