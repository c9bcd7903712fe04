package navigate_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/navigate"
	"github.com/gorosys/rosys/pathplanning"
)

// BenchmarkGeofenceWorstCase is the geofence's cost on the control loop
// at the module's bounds: 100 areas of 1000 points (the 100 000-point
// bound), every bounding box around the robot, which is in none of them
// (it stands in each ring's hole), so every edge is tested every tick.
func BenchmarkGeofenceWorstCase(b *testing.B) {
	w := navigate.NewWorld(nil)
	for i := range 100 {
		// A ring band with a slit: its box holds the origin, the band
		// does not.
		r := 5 + float64(i)*0.1
		out := make([]pathplanning.Point, 0, 1000)
		for k := range 500 {
			a := 0.01 + (2*math.Pi-0.02)*float64(k)/499
			out = append(out, pathplanning.Point{X: r * math.Cos(a), Y: r * math.Sin(a)})
		}
		for k := range 500 {
			a := 2*math.Pi - 0.01 - (2*math.Pi-0.02)*float64(k)/499
			out = append(out, pathplanning.Point{X: r / 2 * math.Cos(a), Y: r / 2 * math.Sin(a)})
		}
		if err := w.SetArea(pathplanning.Area{ID: fmt.Sprint("a", i), Outline: out}); err != nil {
			b.Fatal(err)
		}
	}
	pose := hardware.Pose{}
	g := navigate.NewGeofence(w, func() hardware.Pose { return pose })
	if !g.Active() {
		b.Fatal("the benchmark's robot is inside an area")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		g.Active()
	}
}
