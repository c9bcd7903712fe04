package robot

import (
	"math"
	"testing"

	"github.com/gorosys/rosys/hardware"
)

// A frame taken before the last motion is placed where the robot was
// then: the odometry's motion since, undone from the fused pose, even
// when the two frames differ by a rotation and a shift.
func TestRelocateUndoesTheMotionSince(t *testing.T) {
	// The odometry drove 1 m forward from (5, 5) facing +y; the fused
	// estimate has the robot at (10, 0) facing +x (another frame).
	then := hardware.Pose{X: 5, Y: 5, Yaw: math.Pi / 2}
	now := hardware.Pose{X: 5, Y: 6, Yaw: math.Pi / 2}
	got := relocate(hardware.Pose{X: 10, Y: 0, Yaw: 0}, now, then)
	want := hardware.Pose{X: 9, Y: 0, Yaw: 0}
	if math.Abs(got.X-want.X) > 1e-9 || math.Abs(got.Y-want.Y) > 1e-9 || math.Abs(got.Yaw-want.Yaw) > 1e-9 {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	// A turn of 90° left since then: back then the robot faced 90° right
	// of now.
	then = hardware.Pose{X: 0, Y: 0, Yaw: 0}
	now = hardware.Pose{X: 0, Y: 0, Yaw: math.Pi / 2}
	got = relocate(hardware.Pose{X: 1, Y: 2, Yaw: math.Pi}, now, then)
	if math.Abs(got.X-1) > 1e-9 || math.Abs(got.Y-2) > 1e-9 || math.Abs(got.Yaw-math.Pi/2) > 1e-9 {
		t.Fatalf("turn: got %+v", got)
	}
	// No motion: the fused pose itself.
	p := hardware.Pose{X: 3, Y: -4, Yaw: 1}
	if got := relocate(p, now, now); math.Abs(got.X-p.X) > 1e-9 || math.Abs(got.Y-p.Y) > 1e-9 || math.Abs(got.Yaw-p.Yaw) > 1e-9 {
		t.Fatalf("still: got %+v", got)
	}
}
