package ui

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/clock"
	"github.com/gorosys/rosys/rosystest"
)

func TestTelemetryRingIsBounded(t *testing.T) {
	r := newTelemetryRing(5*time.Minute, time.Second)
	t0 := clock.VirtualStart
	var now time.Time
	for i := range 10_000 {
		now = t0.Add(time.Duration(i) * time.Second)
		r.add(telemetrySample{t: now, v: [2]float64{float64(i), math.NaN()}})
		if len(r.buf) > 301 || cap(r.buf) != 301 {
			t.Fatalf("after %d samples the ring holds %d (capacity %d)", i+1, len(r.buf), cap(r.buf))
		}
	}
	got := r.recent(now)
	if len(got) != 301 || !got[0].t.Equal(now.Add(-5*time.Minute)) || !got[300].t.Equal(now) {
		t.Fatalf("%d samples from %v to %v", len(got), got[0].t, got[len(got)-1].t)
	}
	for i := 1; i < len(got); i++ {
		if got[i].v[0] != got[i-1].v[0]+1 {
			t.Fatalf("out of order at %d: %v after %v", i, got[i].v[0], got[i-1].v[0])
		}
	}
	// Samples outside the window ending at now are left out: older ones,
	// and ones after now (a clock set back).
	if n := len(r.recent(now.Add(time.Minute))); n != 241 {
		t.Fatalf("a minute later: %d samples, want 241", n)
	}
	if n := len(r.recent(now.Add(-time.Minute))); n != 241 {
		t.Fatalf("a minute earlier: %d samples, want 241", n)
	}
	if n := len(newTelemetryRing(time.Minute, time.Second).recent(now)); n != 0 {
		t.Fatalf("empty ring: %d", n)
	}
}

// The server samples on the runtime's clock: after 12 virtual minutes the
// route serves exactly the last 5, a sample a second, ending now.
func TestTelemetryKeepsFiveMinutesOnVirtualClock(t *testing.T) {
	r := rosystest.New(t, rosys.Config{Name: "demo", ControlPeriod: 100 * time.Millisecond}) // few ticks: only the sampler matters
	var battery atomic.Int64
	battery.Store(90)
	hw := func() any {
		return map[string]any{"drivers": map[string]any{"bms": map[string]any{"type": "battery", "percentage": battery.Load()}}}
	}
	r.Start()
	api := NewServer(r.Runtime, WithHardware(hw))
	t.Cleanup(api.CloseStreams)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	get := func() telemetryResponse {
		t.Helper()
		resp, err := http.Get(srv.URL + "/api/telemetry/recent")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out telemetryResponse
		if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&out) != nil {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return out
	}
	if got := get(); len(got.Series["jitter_p99_us"]) > 1 {
		t.Fatalf("a new robot already has %d samples", len(got.Series["jitter_p99_us"]))
	}
	r.Forward(7 * time.Minute)
	battery.Store(80)
	r.Forward(5 * time.Minute)
	got := get()
	now := r.Clock.Now().UnixMilli()
	if got.Now != now || got.WindowS != 300 || got.EveryS != 1 {
		t.Fatalf("now %d (want %d), window %v s, every %v s", got.Now, now, got.WindowS, got.EveryS)
	}
	for _, name := range []string{"jitter_p99_us", "battery_percentage"} {
		pts := got.Series[name]
		if len(pts) != 301 || pts[0].T != now-300_000 || pts[300].T != now {
			t.Fatalf("%s: %d points from %d to %d, want 301 from %d to %d", name, len(pts), pts[0].T, pts[len(pts)-1].T, now-300_000, now)
		}
		for i := 1; i < len(pts); i++ {
			if pts[i].T-pts[i-1].T != 1000 {
				t.Fatalf("%s: points %d ms apart at %d", name, pts[i].T-pts[i-1].T, i)
			}
		}
	}
	// The battery changed 5 minutes ago: the window holds only the new value
	// but for its first point (taken as the value changed).
	for _, p := range got.Series["battery_percentage"][1:] {
		if p.V != 80 {
			t.Fatalf("battery %v in the last 5 minutes", p.V)
		}
	}
}

func TestBatteryPercentageAsThePageFindsIt(t *testing.T) {
	drivers := func(d any) any { return map[string]any{"drivers": d} }
	for _, tc := range []struct {
		name string
		hw   any
		want float64 // NaN: none
	}{
		{"named battery", drivers(map[string]any{"battery": map[string]any{"type": "battery", "percentage": 55.5}}), 55.5},
		{"named battery wins", drivers(map[string]any{"a": map[string]any{"type": "battery", "percentage": 1},
			"battery": map[string]any{"percentage": 2}}), 2},
		{"first of type battery", drivers(map[string]any{"z": map[string]any{"type": "battery", "percentage": 3},
			"bms": map[string]any{"type": "battery", "percentage": 4}, "imu": map[string]any{"percentage": 9}}), 4},
		{"not measured yet", drivers(map[string]any{"battery": map[string]any{"type": "battery", "percentage": nil}}), math.NaN()},
		{"not a battery", drivers(map[string]any{"imu": map[string]any{"type": "imu", "percentage": 7}}), math.NaN()},
		{"battery of the wrong shape", drivers(map[string]any{"battery": "full", "bms": map[string]any{"type": "battery", "percentage": 5}}), 5},
		{"no drivers", map[string]any{"pose": 1}, math.NaN()},
		{"drivers not an object", drivers([]int{1}), math.NaN()},
		{"nil", nil, math.NaN()},
	} {
		got := batteryPercentage(tc.hw)
		if got != tc.want && !(math.IsNaN(got) && math.IsNaN(tc.want)) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
