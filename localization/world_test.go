package localization_test

import (
	"math"
	"testing"
	"time"

	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
	"github.com/gorosys/rosys/localization"
)

// world is a simulated robot stepped by hand on a virtual timeline: real
// sim twins (wheels with slip, odometer, GNSS with noise and latency, IMU
// with drift) and the estimator on them, stepped in the runtime's order.
type world struct {
	t      testing.TB
	now    time.Time
	period time.Duration
	wheels *sim.Wheels
	odo    *sim.Odometer
	gnss   *sim.GNSS
	imu    *sim.IMU
	est    *localization.Estimator
}

type worldConfig struct {
	slip    float64
	gnss    sim.GNSSConfig
	noGNSS  bool
	drift   float64 // rad/s
	noIMU   bool
	mode    localization.Mode
	confirm bool
	rec     localization.Recorder
}

func newWorld(t testing.TB, wc worldConfig) *world {
	t.Helper()
	w := &world{t: t, now: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC), period: 10 * time.Millisecond}
	w.wheels = sim.NewWheels(sim.WheelsConfig{LinearAccel: 1, AngularAccel: 3, Slip: wc.slip})
	w.odo = sim.NewOdometer(w.wheels)
	cfg := localization.Config{Odometer: w.odo, Mode: wc.mode, ConfirmRestored: wc.confirm, Recorder: wc.rec,
		Antenna: wc.gnss.Antenna}
	if !wc.noGNSS {
		w.gnss = sim.NewGNSS(wc.gnss)
		w.gnss.Follow(w.wheels)
		cfg.GNSS = w.gnss
	}
	if !wc.noIMU {
		w.imu = sim.NewIMU(w.wheels)
		w.imu.SetDrift(wc.drift)
		cfg.IMU = w.imu
	}
	est, err := localization.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.est = est
	return w
}

// run steps the world for d with the wheels commanded (linear, angular).
func (w *world) run(d time.Duration, linear, angular float64) {
	_ = w.wheels.Drive(linear, angular)
	for end := w.now.Add(d); w.now.Before(end); {
		w.now = w.now.Add(w.period)
		w.wheels.Step(w.now, w.period)
		w.odo.Step(w.now, w.period)
		if w.gnss != nil {
			w.gnss.Step(w.now, w.period)
		}
		if w.imu != nil {
			w.imu.Step(w.now, w.period)
		}
		w.est.Step(w.now, w.period)
	}
}

// errorNow is the distance (m) of the estimate from the true pose.
func (w *world) errorNow() float64 {
	p, truth := w.est.Pose(), w.wheels.TruePose()
	return math.Hypot(p.X-truth.X, p.Y-truth.Y)
}

func rtk() sim.GNSSConfig {
	return sim.GNSSConfig{StdDev: 0.02, Noise: 0.02, Latency: 150 * time.Millisecond, NoHeading: true, Seed: 7}
}

var _ hardware.Odometer = (*sim.Odometer)(nil)
