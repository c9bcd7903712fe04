package demo_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
	"github.com/gorosys/rosys/internal/demo"
	assembly "github.com/gorosys/rosys/robot"
	"github.com/gorosys/rosys/rosystest"
)

// TestSimTwins: simulated twins of a configured battery, IMU and bumper
// run with the demo robot: the battery drains, the IMU follows the
// wheels' turning, a pressed bumper stops the wheels and pauses the
// waypoints automation naming it, resume is refused while it is pressed,
// and the status shows each under its name.
func TestSimTwins(t *testing.T) {
	r := rosystest.New(t, rosys.Config{})
	bumper := sim.NewInputs("bumper", "front")
	bat := sim.NewBattery(26.5, 0.01)
	var imu *sim.IMU
	hw := assembly.Hardware{Sim: []assembly.SimModule{
		{Name: "bumper", Safety: bumper.Inputs(), Status: func(time.Time) any { return bumper.Inputs()[0].Active() }},
		{Name: "battery", Build: func(hardware.Wheels) any { return bat }, Status: func(time.Time) any { return bat.Battery().Percentage }},
		{Name: "imu", Build: func(w hardware.Wheels) any { imu = sim.NewIMU(w); return imu }},
	}}
	robot, err := demo.AddWith(r.Runtime, hw)
	if err != nil {
		t.Fatal(err)
	}
	r.Start()
	// The waypoints start with a straight side, then turn at the corner.
	r.ForwardUntil(func() bool { return robot.Odometer.Pose().Yaw > 0.3 }, time.Minute)
	if y := imu.IMU().Yaw; y < 0.1 || y-robot.Odometer.Pose().Yaw > 0.05 || robot.Odometer.Pose().Yaw-y > 0.05 {
		t.Fatalf("imu yaw %.3f, odometry %.3f", y, robot.Odometer.Pose().Yaw)
	}
	if p := bat.Battery().Percentage; p >= 80 || p < 70 {
		t.Fatalf("battery at %.2f %%", p)
	}
	bumper.Press("front")
	r.Forward(2 * time.Second)
	if v := robot.Wheels.Velocity(); v.Linear != 0 || v.Angular != 0 {
		t.Fatalf("moving with the bumper pressed: %+v", v)
	}
	drivers := robot.Hardware().(assembly.HardwareStatus).Drivers.(map[string]any)
	if drivers["bumper"] != true || drivers["battery"] == nil {
		t.Fatalf("status %v", drivers)
	}
	if st := robot.Automator.Status(); st.State != automation.Paused || st.Reason != "bumper front" {
		t.Fatalf("automation %s (%q) after the bumper press, want paused by \"bumper front\"", st.State, st.Reason)
	}
	if err := robot.Automator.Resume(); err == nil || !strings.Contains(err.Error(), "bumper front") {
		t.Fatalf("resume with the bumper pressed: %v, want refused naming it", err)
	}
	bumper.Release("front")
	r.Forward(2 * time.Second)
	if v := robot.Wheels.Velocity(); v.Linear != 0 || v.Angular != 0 {
		t.Fatalf("moving after the release without a resume: %+v", v)
	}
	if err := robot.Automator.Resume(); err != nil {
		t.Fatal(err)
	}
	r.Forward(2 * time.Second)
	if v := robot.Wheels.Velocity(); v.Linear == 0 && v.Angular == 0 {
		t.Fatal("still stopped after the release and resume")
	}
}
