package rosys

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// statsWindow is how many recent ticks the jitter figures cover: 10 s at the
// default 100 Hz.
const statsWindow = 1024

// loopStats is written by the control loop and read by status requests.
// It is lock-free: the loop only stores atomics, so a reader can never make
// a tick wait. A reader may see a window that mixes two adjacent ticks,
// which does not matter for percentiles.
type loopStats struct {
	ticks    atomic.Uint64
	overruns atomic.Uint64
	panics   atomic.Uint64
	lateness [statsWindow]atomic.Int64 // ns between scheduled and actual start
	step     [statsWindow]atomic.Int64 // ns spent in the steps
	// Every tick, not just the window, for /metrics (see metrics.go).
	periodErr Histogram
	stepTime  Histogram

	// readers is the room a status read sorts the window in and reads the
	// process figures with, so that polling the status makes no garbage
	// (16 KiB a read otherwise). Only readers take the lock; the loop
	// never does.
	readers struct {
		sync.Mutex
		lat, step [statsWindow]int64
		proc      processReader
	}
}

func (s *loopStats) record(lateness, step time.Duration) {
	i := s.ticks.Load() % statsWindow
	s.lateness[i].Store(int64(lateness))
	s.step[i].Store(int64(step))
	s.periodErr.Observe(lateness)
	s.stepTime.Observe(step)
	s.ticks.Add(1)
}

// LoopStats describes the control loop. Times are in microseconds.
type LoopStats struct {
	PeriodUS float64 `json:"period_us"`
	Ticks    uint64  `json:"ticks"`
	// Overruns counts periods that were skipped because a tick (steps plus
	// lateness) ran into the next one.
	Overruns uint64 `json:"overruns"`
	Panics   uint64 `json:"panics"`
	// Window is how many recent ticks the percentiles cover.
	Window       int     `json:"window"`
	JitterP50US  float64 `json:"jitter_p50_us"`
	JitterP99US  float64 `json:"jitter_p99_us"`
	JitterMaxUS  float64 `json:"jitter_max_us"`
	StepP50US    float64 `json:"step_p50_us"`
	StepP99US    float64 `json:"step_p99_us"`
	StepMaxUS    float64 `json:"step_max_us"`
	Realtime     bool    `json:"realtime"`
	RealtimeNote string  `json:"realtime_note,omitempty"`
}

func (s *loopStats) snapshot(period time.Duration) LoopStats {
	ticks := s.ticks.Load()
	n := int(min(ticks, statsWindow))
	s.readers.Lock()
	defer s.readers.Unlock()
	lat, step := s.readers.lat[:n], s.readers.step[:n]
	for i := range n {
		lat[i] = s.lateness[i].Load()
		step[i] = s.step[i].Load()
	}
	st := LoopStats{
		PeriodUS: us(int64(period)),
		Ticks:    ticks,
		Overruns: s.overruns.Load(),
		Panics:   s.panics.Load(),
		Window:   n,
	}
	st.JitterP50US, st.JitterP99US, st.JitterMaxUS = percentiles(lat)
	st.StepP50US, st.StepP99US, st.StepMaxUS = percentiles(step)
	return st
}

func percentiles(v []int64) (p50, p99, maxV float64) {
	if len(v) == 0 {
		return 0, 0, 0
	}
	slices.Sort(v)
	at := func(q float64) float64 { return us(v[int(q*float64(len(v)-1))]) }
	return at(0.50), at(0.99), us(v[len(v)-1])
}

func us(ns int64) float64 { return float64(ns) / 1e3 }

// process reads the process figures (ProcessStats) with the readers' room.
func (s *loopStats) process() ProcessStats {
	s.readers.Lock()
	defer s.readers.Unlock()
	return s.readers.proc.read()
}
