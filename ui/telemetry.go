package ui

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"
)

// The dashboard's plots reach telemetryWindow back. The robot samples the
// plotted series every telemetryEvery into a ring of fixed size, so that a
// page opened (or reloaded) in the field starts with the last minutes
// instead of an empty plot, and memory stays bounded however long the
// robot runs.
const (
	telemetryWindow = 5 * time.Minute
	telemetryEvery  = time.Second
)

// The plotted series, in the order of telemetrySample.v.
var telemetrySeries = [...]string{"jitter_p99_us", "battery_percentage"}

type telemetrySample struct {
	t time.Time
	v [len(telemetrySeries)]float64 // NaN: no value at t (no battery)
}

// telemetryRing holds the newest samples, at most cap(buf); the oldest is
// overwritten first.
type telemetryRing struct {
	mu     sync.Mutex
	window time.Duration
	buf    []telemetrySample
	next   int // where the next sample goes once buf is full
}

// newTelemetryRing holds a window's worth of samples taken every interval
// (and one more, so that a full window has both of its ends).
func newTelemetryRing(window, every time.Duration) *telemetryRing {
	return &telemetryRing{window: window, buf: make([]telemetrySample, 0, int(window/every)+1)}
}

func (r *telemetryRing) add(s telemetrySample) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) < cap(r.buf) {
		r.buf = append(r.buf, s)
		return
	}
	r.buf[r.next] = s
	r.next = (r.next + 1) % len(r.buf)
}

// recent is the samples of the window ending at now, oldest first. Samples
// outside it (older, or after now when the clock was set back) are left
// out.
func (r *telemetryRing) recent(now time.Time) []telemetrySample {
	r.mu.Lock()
	all := append(slices.Clone(r.buf[r.next:]), r.buf[:r.next]...)
	r.mu.Unlock()
	from := now.Add(-r.window)
	return slices.DeleteFunc(all, func(s telemetrySample) bool { return s.t.Before(from) || s.t.After(now) })
}

// startTelemetry samples the plotted series on the runtime's clock (so a
// virtual clock drives it in tests) until the runtime stops or the
// server's streams are closed.
func (s *Server) startTelemetry() {
	clock := s.rt.Clock()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer cancel()
		select {
		case <-s.rt.Stopped():
		case <-s.closing:
		}
	}()
	clock.Go(func() {
		timer := clock.NewTimer()
		defer timer.Stop()
		next := clock.Now()
		for {
			s.telemetry.add(s.sampleTelemetry(clock.Now()))
			next = next.Add(telemetryEvery)
			if now := clock.Now(); next.Before(now) {
				next = now // a late sample does not cause a burst of them
			}
			if timer.SleepUntil(ctx, next, nil) != nil {
				return
			}
		}
	})
}

// sampleTelemetry reads what the dashboard plots: the control loop's
// jitter p99 and, when a driver reports one, the battery's charge.
func (s *Server) sampleTelemetry(now time.Time) telemetrySample {
	smp := telemetrySample{t: now}
	smp.v[0] = s.rt.Status().Control.JitterP99US
	smp.v[1] = math.NaN()
	if s.hardware != nil {
		smp.v[1] = batteryPercentage(s.hardware())
	}
	return smp
}

// batteryPercentage finds the charge in the hardware status as the page
// does: hardware.drivers.battery.percentage, else the first driver (by
// name) of type "battery". NaN when there is none, or it has no number yet.
func batteryPercentage(hw any) float64 {
	b, err := json.Marshal(hw)
	if err != nil {
		return math.NaN()
	}
	var st struct {
		Drivers map[string]json.RawMessage `json:"drivers"`
	}
	if json.Unmarshal(b, &st) != nil {
		return math.NaN()
	}
	type battery struct {
		Type       string   `json:"type"`
		Percentage *float64 `json:"percentage"`
	}
	names := make([]string, 0, len(st.Drivers))
	for name := range st.Drivers {
		if name != "battery" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for i, name := range append([]string{"battery"}, names...) {
		var bat battery
		raw, ok := st.Drivers[name]
		if !ok || json.Unmarshal(raw, &bat) != nil || (i > 0 && bat.Type != "battery") {
			continue
		}
		if bat.Percentage != nil && !math.IsNaN(*bat.Percentage) && !math.IsInf(*bat.Percentage, 0) {
			return *bat.Percentage
		}
		return math.NaN()
	}
	return math.NaN()
}

// telemetryPoint is one sample of one series: t in Unix milliseconds.
type telemetryPoint struct {
	T int64   `json:"t"`
	V float64 `json:"v"`
}

type telemetryResponse struct {
	Now     int64                       `json:"now"` // Unix ms on the robot's clock
	WindowS float64                     `json:"window_s"`
	EveryS  float64                     `json:"every_s"`
	Series  map[string][]telemetryPoint `json:"series"`
}

// telemetryRecent serves the ring: every series' samples of the last
// window, oldest first; a series without values has an empty list.
func (s *Server) telemetryRecent(w http.ResponseWriter, _ *http.Request) {
	now := s.rt.Clock().Now()
	resp := telemetryResponse{Now: now.UnixMilli(), WindowS: telemetryWindow.Seconds(), EveryS: telemetryEvery.Seconds(),
		Series: map[string][]telemetryPoint{}}
	samples := s.telemetry.recent(now)
	for i, name := range telemetrySeries {
		pts := make([]telemetryPoint, 0, len(samples))
		for _, smp := range samples {
			if !math.IsNaN(smp.v[i]) {
				pts = append(pts, telemetryPoint{T: smp.t.UnixMilli(), V: smp.v[i]})
			}
		}
		resp.Series[name] = pts
	}
	writeJSON(w, http.StatusOK, resp)
}
