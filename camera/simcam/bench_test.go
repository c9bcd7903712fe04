package simcam

import (
	"testing"

	"github.com/gorosys/rosys/hardware"
)

// BenchmarkFrame renders and encodes one 640×480 frame of the default
// scene (a Go benchmark: run it by hand, it is no test).
func BenchmarkFrame(b *testing.B) {
	s, err := New(Options{Calibration: DefaultCalibration()})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Frame(hardware.Pose{X: float64(i%100) * 0.01}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender is the rendering alone.
func BenchmarkRender(b *testing.B) {
	s, err := New(Options{Calibration: DefaultCalibration()})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Render(hardware.Pose{})
	}
}
