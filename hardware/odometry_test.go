package hardware_test

import (
	"math"
	"testing"
	"time"

	"github.com/gorosys/rosys/hardware"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// drive feeds n updates of constant velocity every dt.
func drive(o *hardware.Odometry, from time.Time, lin, ang float64, dt time.Duration, n int) time.Time {
	at := from
	for range n {
		o.Update(hardware.Velocity{Linear: lin, Angular: ang, Time: at})
		at = at.Add(dt)
	}
	o.Update(hardware.Velocity{Linear: lin, Angular: ang, Time: at})
	return at
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestStraightLine(t *testing.T) {
	o := hardware.NewOdometry(hardware.Pose{Yaw: math.Pi / 6})
	drive(o, t0, 0.5, 0, 10*time.Millisecond, 400) // 4 s at 0.5 m/s
	p := o.Pose()
	if !near(p.X, 2*math.Cos(math.Pi/6), 1e-12) || !near(p.Y, 2*math.Sin(math.Pi/6), 1e-12) || p.Yaw != math.Pi/6 {
		t.Fatalf("pose %+v", p)
	}
}

func TestFullCircleReturnsToStart(t *testing.T) {
	o := hardware.NewOdometry(hardware.Pose{X: 1, Y: -2})
	// omega = 2pi/10 rad/s for 10 s in 1000 steps; radius 0.3/omega.
	omega := 2 * math.Pi / 10
	drive(o, t0, 0.3, omega, 10*time.Millisecond, 1000)
	p := o.Pose()
	if !near(p.X, 1, 1e-9) || !near(p.Y, -2, 1e-9) || !near(p.Yaw, 0, 1e-9) {
		t.Fatalf("after a full circle: %+v", p)
	}
	// Half-way, the robot is at the far side: 2r to the left of the start.
	half, ok := o.PoseAt(t0.Add(5 * time.Second))
	r := 0.3 / omega
	if !ok || !near(half.X, 1, 1e-9) || !near(half.Y, -2+2*r, 1e-9) || !near(math.Abs(half.Yaw), math.Pi, 1e-9) {
		t.Fatalf("half-way: %+v", half)
	}
}

func TestArcIsExactForAnyStep(t *testing.T) {
	coarse, fine := hardware.NewOdometry(hardware.Pose{}), hardware.NewOdometry(hardware.Pose{})
	drive(coarse, t0, 1, 0.7, 500*time.Millisecond, 6)
	drive(fine, t0, 1, 0.7, time.Millisecond, 3000)
	c, f := coarse.Pose(), fine.Pose()
	if !near(c.X, f.X, 1e-9) || !near(c.Y, f.Y, 1e-9) || !near(c.Yaw, f.Yaw, 1e-9) {
		t.Fatalf("step size changes the result: %+v vs %+v", c, f)
	}
}

func TestSpinInPlace(t *testing.T) {
	o := hardware.NewOdometry(hardware.Pose{X: 3, Y: 4})
	drive(o, t0, 0, math.Pi/2, 10*time.Millisecond, 300) // 3 s at 90°/s: 270°
	p := o.Pose()
	if p.X != 3 || p.Y != 4 || !near(p.Yaw, -math.Pi/2, 1e-9) {
		t.Fatalf("pose %+v", p)
	}
}

func TestWrapAngle(t *testing.T) {
	for in, want := range map[float64]float64{
		0: 0, math.Pi: math.Pi, -math.Pi: math.Pi, 3 * math.Pi: math.Pi, -3 * math.Pi / 2: math.Pi / 2, 7: 7 - 2*math.Pi,
	} {
		if got := hardware.WrapAngle(in); !near(got, want, 1e-12) {
			t.Errorf("WrapAngle(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestPoseAtOutsideHistory(t *testing.T) {
	o := hardware.NewOdometry(hardware.Pose{})
	if _, ok := o.PoseAt(t0); ok {
		t.Fatal("pose before any update")
	}
	drive(o, t0, 1, 0, time.Millisecond, 2000) // more than the history keeps
	if _, ok := o.PoseAt(t0); ok {
		t.Fatal("pose older than the kept history")
	}
	if p, ok := o.PoseAt(t0.Add(1500 * time.Millisecond)); !ok || !near(p.X, 1.5, 1e-9) {
		t.Fatalf("recent pose %+v %v", p, ok)
	}
}
