package rosys

import (
	"runtime"
	"runtime/metrics"
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

// processReader reads ProcessStats, keeping the room it reads with (the
// samples, the directory buffer) from one read to the next, so that a
// status poll makes no garbage here (on Linux: process_linux.go). Not safe
// for concurrent use: loopStats.readers guards it.
type processReader struct {
	samples [2]metrics.Sample
	buf     []byte // process_linux.go
}

func (p *processReader) read() ProcessStats {
	if p.samples[0].Name == "" {
		p.samples[0].Name = "/memory/classes/heap/objects:bytes"
		p.samples[1].Name = "/gc/cycles/total:gc-cycles"
	}
	metrics.Read(p.samples[:])
	st := ProcessStats{Goroutines: runtime.NumGoroutine()}
	if p.samples[0].Value.Kind() == metrics.KindUint64 {
		st.HeapBytes = p.samples[0].Value.Uint64()
	}
	if p.samples[1].Value.Kind() == metrics.KindUint64 {
		st.GCCycles = p.samples[1].Value.Uint64()
	}
	st.OpenFiles, st.RSSBytes = p.files()
	return st
}
