package calib

import (
	"math"
	"math/rand/v2"

	"github.com/gorosys/rosys/hardware"
)

// cameras are the intrinsics the tests run on: realistic values of each
// model and distortion length (a 1280×720 webcam, a rational-model wide
// lens with thin prism terms, an 800×600 camera without distortion, and a
// fisheye).
func cameras() map[string]Intrinsics {
	return map[string]Intrinsics{
		"pinhole5": {Model: Pinhole, K: CameraMatrix{Fx: 910.4, Fy: 908.1, Cx: 643.2, Cy: 362.7},
			D: []float64{-0.281, 0.072, 0.0011, -0.0006, -0.0081}, Width: 1280, Height: 720},
		"rational12": {Model: Pinhole, K: CameraMatrix{Fx: 702.5, Fy: 701.9, Cx: 655.1, Cy: 398.4},
			D:     []float64{0.9, 0.15, 0.0009, 0.0004, 0.002, 1.2, 0.35, 0.01, 0.0011, -0.0002, -0.0008, 0.0001},
			Width: 1280, Height: 800},
		"ideal": Default(800, 600, 570),
		"fisheye": {Model: Fisheye, K: CameraMatrix{Fx: 600.3, Fy: 599.8, Cx: 639.4, Cy: 401.2},
			D: []float64{-0.013, 0.021, -0.011, 0.0021}, Width: 1280, Height: 800},
	}
}

// lookingDown is a calibration of in mounted on a robot 0.3 m ahead of its
// centre, 1.2 m up, looking forward and 50° down (every pixel sees the
// ground).
func lookingDown(in Intrinsics) Calibration {
	return Calibration{Intrinsics: in, Extrinsics: Pose3{X: 0.3, Y: 0, Z: 1.2, Rotation: downForward(50 * math.Pi / 180)}}
}

// downForward is LookingForward: the camera ahead along the robot's x,
// tilted below the horizon.
func downForward(tilt float64) Rotation { return LookingForward(tilt) }

func randomRobot(rng *rand.Rand) hardware.Pose {
	return hardware.Pose{X: rng.Float64()*20 - 10, Y: rng.Float64()*20 - 10, Yaw: rng.Float64()*2*math.Pi - math.Pi}
}

func randomPixel(rng *rand.Rand, in Intrinsics) Point2 {
	return Point2{rng.Float64()*float64(in.Width) - 0.5, rng.Float64()*float64(in.Height) - 0.5}
}

func dist2(a, b Point2) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }
