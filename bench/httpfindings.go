package main

// httpFindings continues the findings with the steady-state HTTP paths
// (issue 28, goal 1: the API polled and the event stream open must not
// wake the collector). The figures are the Go benchmarks BenchmarkStatus,
// BenchmarkEvent and BenchmarkMetricsScrape (package ui, demo robot after
// 12 s of virtual time), before and after the change, one run each on the
// shared 2-core machine; the allocation counts are pinned by
// ui.TestSteadyPathsAllocations.
func (b *bench) httpFindings() {
	b.r.line("- **Steady-state HTTP garbage: 51.7 KB a GET /api/status, 52.4 KB an /api/events event, 287 KB a /metrics")
	b.r.line("  scrape.** alloc_space profiles: two 8 KiB slices per status read to sort the loop's window in, a fresh indenting")
	b.r.line("  json.Encoder per answer (its buffer as large as the answer), os.ReadDir of /proc/self/fd, a new module and")
	b.r.line("  persistence list per read, the event's snapshot marshalled twice through a map of RawMessage, and")
	b.r.line("  promhttp's Timeout (http.TimeoutHandler) buffering every scrape in a new bytes.Buffer. Fix: StatusInto for the")
	b.r.line("  runtime and the storage, reusing the caller's lists; the window sorted in room the readers share; /proc read with")
	b.r.line("  raw syscalls into a kept buffer; pooled encoders; an event written field by field from kept buffers, its status")
	b.r.line("  encoded once; a scrape timeout with a pooled buffer. After: 1.2 KB and 23 allocations a status, 2.5 KB and 48")
	b.r.line("  an event, 189 KB and 1850 a scrape. What remains: time.Time's MarshalJSON (a new slice each, and a boxed copy")
	b.r.line("  when reached through an any), the hardware and drive status built and boxed per read, the modules' Backup")
	b.r.line("  copies, and in a scrape client_golang's Gather, process and Go collectors (~85 %% of its bytes).")
}
