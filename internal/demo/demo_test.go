package demo_test

import (
	"math"
	"testing"
	"time"

	"github.com/gorosys/rosys/internal/demo"
	"github.com/gorosys/rosys/rosys"
	"github.com/gorosys/rosys/rosys/rosystest"
)

func TestDemoDrivesASquare(t *testing.T) {
	r := rosystest.New(t, rosys.Config{})
	robot, err := demo.Add(r.Runtime)
	if err != nil {
		t.Fatal(err)
	}
	r.Start()
	// One lap: 4 sides of 1 m at 0.3 m/s and 4 quarter turns at 0.6 rad/s,
	// plus acceleration: about 24 s.
	turns := 0
	last := robot.Square.Phase()
	for range 4000 { // 40 s in 10 ms steps
		r.Forward(10 * time.Millisecond)
		if ph := robot.Square.Phase(); ph != last {
			if ph == "driving" {
				turns++
			}
			last = ph
		}
		if turns == 4 {
			break
		}
	}
	if turns != 4 {
		t.Fatalf("only %d turns in 40 s", turns)
	}
	p := robot.Odometer.Pose()
	// Back at the start, heading the same way. Braking from 0.3 m/s at
	// 1 m/s² stretches every side alike (by 4.5 cm), so the square closes.
	if math.Hypot(p.X, p.Y) > 0.02 || math.Abs(p.Yaw) > 0.01 {
		t.Fatalf("after one lap at %+v", p)
	}
	robot.SimEStop.Press()
	r.Forward(time.Second)
	if v := robot.Wheels.Velocity(); v.Linear != 0 || v.Angular != 0 || robot.Square.Phase() != "stopped" {
		t.Fatalf("still moving with the e-stop pressed: %+v %s", v, robot.Square.Phase())
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if v := robot.SimWheels.Target(); v.Linear != 0 || v.Angular != 0 {
		t.Fatalf("not safely stopped: %+v", v)
	}
}
