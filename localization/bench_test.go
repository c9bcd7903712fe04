package localization_test

import (
	"testing"
	"time"
)

// BenchmarkEstimatorTick is the filter's share of a control tick in the
// field run's conditions: odometry and IMU every tick, a fix 150 ms late
// every tenth with its re-propagation (the sim twins step outside the
// timer).
func BenchmarkEstimatorTick(b *testing.B) {
	w := newWorld(b, worldConfig{slip: 0.03, gnss: rtk(), drift: 1e-4})
	w.run(2*time.Second, 1.0, 0.05)
	_ = w.wheels.Drive(1.0, 0.05)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		w.now = w.now.Add(w.period)
		w.wheels.Step(w.now, w.period)
		w.odo.Step(w.now, w.period)
		w.gnss.Step(w.now, w.period)
		w.imu.Step(w.now, w.period)
		b.StartTimer()
		w.est.Step(w.now, w.period)
	}
}
