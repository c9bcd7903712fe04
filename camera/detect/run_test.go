package detect

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/gorosys/rosys/clock"
)

// The simulated detector finds the markers in view where the projector
// puts them; Runner places them back on the ground, and Points keeps them
// bounded.
func TestSimDetectorThroughRunnerToWorldPoints(t *testing.T) {
	// A camera looking straight down from 1 m, 100 px per metre at the
	// ground, its image centre above (x0, 0): u grows with y, v with x.
	x0 := 0.0
	project := func(_ time.Time, x, y, z float64) (float64, float64, bool) {
		return 320 + 100*y, 240 + 100*(x-x0), true
	}
	ground := func(_ time.Time, u, v float64) (float64, float64, bool) {
		return x0 + (v-240)/100, (u - 320) / 100, true
	}
	markers := []Marker{{"a", 0.5, 0.5}, {"b", -1, 0}, {"far", 10, 0}}
	pts := NewPoints(3)
	clk := clock.NewVirtual()
	frame := []byte{0xff, 0xd8}
	r := &Runner{Camera: "ground", Kind: "sim", Detector: &Sim{Markers: markers, Project: project}, Ground: ground, Points: pts,
		Interval: time.Second, Latest: func(buf []byte) (Image, bool) {
			return Image{Camera: "ground", Time: clk.Now(), JPEG: append(buf, frame...), Width: 640, Height: 480}, true
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	clk.Go(func() { defer close(done); r.Run(ctx, clk) })
	if err := clk.Forward(1500 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	last := r.Last()
	if len(last.Detections) != 2 || last.Detections[0].Category != "a" || last.Detections[0].X != 370 || last.Detections[0].Y != 290 {
		t.Fatalf("detections %+v", last.Detections)
	}
	got := pts.List("ground")
	if len(got) != 2 || math.Abs(got[0].X-0.5) > 1e-9 || math.Abs(got[0].Y-0.5) > 1e-9 || got[1].X != -1 || got[1].Category != "b" {
		t.Fatalf("world points %+v", got)
	}
	// Two more runs: 6 points found, 3 kept, the newest.
	if err := clk.Forward(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	got = pts.List("")
	if st := r.Status(); st.Runs != 3 || len(got) != 3 || !got[2].Time.Equal(clock.VirtualStart.Add(3*time.Second)) || got[2].Category != "b" {
		t.Fatalf("status %+v points %+v", r.Status(), got)
	}
	if len(pts.List("other")) != 0 {
		t.Fatal("another camera's points")
	}
}
