package hardware_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/gorosys/rosys/hardware"
)

func TestSetPoseReinitialisesOdometry(t *testing.T) {
	t0 := time.Unix(1000, 0)
	o := hardware.NewOdometry(hardware.Pose{})
	o.Update(hardware.Velocity{Linear: 1, Time: t0})
	o.Update(hardware.Velocity{Linear: 1, Time: t0.Add(time.Second)})
	if err := o.SetPose(hardware.Pose{X: 10, Y: -5, Yaw: math.Pi / 2}); err != nil {
		t.Fatal(err)
	}
	if p := o.Pose(); p.X != 10 || p.Y != -5 || p.Yaw != math.Pi/2 || !p.Time.Equal(t0.Add(time.Second)) {
		t.Fatalf("after SetPose: %+v", p)
	}
	// Integration goes on from the new pose, facing +y now.
	o.Update(hardware.Velocity{Linear: 1, Time: t0.Add(2 * time.Second)})
	if p := o.Pose(); math.Abs(p.X-10) > 1e-9 || math.Abs(p.Y+4) > 1e-9 {
		t.Fatalf("after a second at 1 m/s: %+v", p)
	}
	// No pose of the old frame is answered.
	if p, ok := o.PoseAt(t0.Add(500 * time.Millisecond)); ok {
		t.Fatalf("PoseAt before the jump: %+v", p)
	}
	if err := o.SetPose(hardware.Pose{X: math.NaN()}); !errors.Is(err, hardware.ErrBadPose) {
		t.Fatal(err)
	}
	if p := o.SetPose(hardware.Pose{Yaw: 3 * math.Pi}); p != nil || math.Abs(o.Pose().Yaw-math.Pi) > 1e-12 {
		t.Fatalf("yaw not wrapped: %v", o.Pose().Yaw)
	}
}
