package rosys

import (
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
)

// ProcessStats describes the process, for leak hunting in soak tests and
// for the dashboard. It is read with runtime/metrics, which does not stop
// the world (runtime.ReadMemStats would, and pause the control loop).
type ProcessStats struct {
	Goroutines int    `json:"goroutines"`
	HeapBytes  uint64 `json:"heap_bytes"`
	OpenFiles  int    `json:"open_files"`
	RSSBytes   uint64 `json:"rss_bytes"`
	GCCycles   uint64 `json:"gc_cycles"`
}

func processStats() ProcessStats {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/gc/cycles/total:gc-cycles"},
	}
	metrics.Read(samples)
	st := ProcessStats{Goroutines: runtime.NumGoroutine()}
	if samples[0].Value.Kind() == metrics.KindUint64 {
		st.HeapBytes = samples[0].Value.Uint64()
	}
	if samples[1].Value.Kind() == metrics.KindUint64 {
		st.GCCycles = samples[1].Value.Uint64()
	}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		st.OpenFiles = len(fds) - 1 // the directory being read
	}
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			pages, _ := strconv.ParseUint(f[1], 10, 64)
			st.RSSBytes = pages * uint64(os.Getpagesize())
		}
	}
	return st
}
