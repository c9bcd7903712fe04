package sim_test

import (
	"math"
	"testing"
	"time"

	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestWheelsFollowAccelerationLimits(t *testing.T) {
	w := sim.NewWheels(sim.WheelsConfig{LinearAccel: 1, AngularAccel: 2})
	updates, cancel := w.SubscribeVelocity(100)
	defer cancel()
	w.Drive(0.5, -1)
	for i := range 100 {
		w.Step(t0.Add(time.Duration(i+1)*10*time.Millisecond), 10*time.Millisecond)
		v := w.Velocity()
		wantLin := math.Min(0.5, 0.01*float64(i+1))
		wantAng := math.Max(-1, -0.02*float64(i+1))
		if math.Abs(v.Linear-wantLin) > 1e-12 || math.Abs(v.Angular-wantAng) > 1e-12 {
			t.Fatalf("tick %d: %+v, want %v %v", i, v, wantLin, wantAng)
		}
	}
	if len(updates) != 100 {
		t.Fatalf("%d updates delivered", len(updates))
	}
	w.SafeStop()
	w.Step(t0.Add(2*time.Second), 10*time.Millisecond)
	if v := w.Velocity(); math.Abs(v.Linear-0.49) > 1e-12 {
		t.Fatalf("after safe stop the drive decelerates within limits: %+v", v)
	}
}

func TestWheelsNoiseIsSeeded(t *testing.T) {
	run := func(seed uint64) []float64 {
		w := sim.NewWheels(sim.WheelsConfig{LinearNoise: 0.01, Seed: seed})
		w.Drive(1, 0)
		var out []float64
		for i := range 5 {
			w.Step(t0.Add(time.Duration(i)*time.Millisecond), time.Millisecond)
			out = append(out, w.Velocity().Linear)
		}
		return out
	}
	a, b, c := run(1), run(1), run(2)
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed, different noise")
		}
	}
	if a[0] == c[0] || a[0] == 1 {
		t.Fatal("noise missing or not seeded")
	}
}

func TestWheelsBlockedByEStop(t *testing.T) {
	e := &sim.EStop{}
	changes, cancel := e.SubscribeChanges(4)
	defer cancel()
	w := sim.NewWheels(sim.WheelsConfig{})
	w.BlockWhen(e.Active)
	w.Drive(1, 0)
	e.Press()
	w.Step(t0, 10*time.Millisecond)
	if v := w.Velocity(); v.Linear != 0 {
		t.Fatalf("moving with the e-stop pressed: %+v", v)
	}
	e.Release()
	w.Step(t0.Add(10*time.Millisecond), 10*time.Millisecond)
	if v := w.Velocity(); v.Linear != 1 {
		t.Fatalf("not moving after release: %+v", v)
	}
	if a, b := <-changes, <-changes; !a || b {
		t.Fatalf("changes %v %v", a, b)
	}
}

// Slipping wheels report more than the robot moves: the odometry runs
// ahead of TruePose by the slip; an IMU follows the true yaw plus its
// drift.
func TestSlipAndIMUDrift(t *testing.T) {
	w := sim.NewWheels(sim.WheelsConfig{Slip: 0.03})
	odo := sim.NewOdometer(w)
	imu := sim.NewIMU(w)
	imu.SetDrift(0.01)
	_ = w.Drive(1, 0.1)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 1000 {
		now = now.Add(10 * time.Millisecond)
		w.Step(now, 10*time.Millisecond)
		odo.Step(now, 10*time.Millisecond)
		imu.Step(now, 10*time.Millisecond)
	}
	truth, p := w.TruePose(), odo.Pose()
	if r := p.Yaw / truth.Yaw; math.Abs(r-1.03) > 1e-3 {
		t.Fatalf("odometry turned %v of the truth, want 1.03", r)
	}
	if d := imu.IMU().Yaw - truth.Yaw; math.Abs(d-0.01*9.99) > 1e-6 {
		t.Fatalf("IMU yaw %v off the truth %v, want the drift's 0.0999", imu.IMU().Yaw, truth.Yaw)
	}
	w.PlaceAt(hardware.Pose{X: 5, Y: 6, Yaw: 1})
	if got := w.TruePose(); got.X != 5 || got.Y != 6 || got.Yaw != 1 {
		t.Fatalf("placed at %+v", got)
	}
}
