package calib

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/gorosys/rosys/hardware"
)

// Calibration is a camera's full calibration, in RoSys's JSON shape:
// {"intrinsics": {…}, "extrinsics": {"_frame_id", "x", "y", "z",
// "rotation": {"R"}}}.
type Calibration struct {
	Intrinsics Intrinsics `json:"intrinsics"`
	// Extrinsics is the camera's pose in the robot frame (camera →
	// robot), see the package doc.
	Extrinsics Pose3 `json:"extrinsics"`
}

// ErrNoGroundPoint is returned by GroundPoint for a pixel whose ray does
// not meet the plane in front of the camera (at or above the horizon, or
// the camera below the plane looking away from it).
var ErrNoGroundPoint = errors.New("the pixel's ray does not meet the ground plane in front of the camera")

// ErrUndistort is returned for a pixel the distortion cannot be inverted
// at (see Intrinsics.Undistort).
var ErrUndistort = errors.New("the pixel cannot be undistorted (outside the calibrated model's invertible region)")

// Check refuses a calibration whose intrinsics or rotation cannot be used.
func (c Calibration) Check() error {
	if err := c.Intrinsics.Check(); err != nil {
		return err
	}
	return c.Extrinsics.Rotation.Check()
}

// Valid says whether the calibration can be applied to frames of
// width×height (see Intrinsics.Valid; errors.Is(err, ErrResolution) for a
// calibration made at another size).
func (c Calibration) Valid(width, height int) error {
	if err := c.Intrinsics.Valid(width, height); err != nil {
		return err
	}
	return c.Extrinsics.Rotation.Check()
}

// UnmarshalJSON reads RoSys's shape and refuses what Check refuses; a
// missing extrinsics is the identity pose.
func (c *Calibration) UnmarshalJSON(b []byte) error {
	type plain Calibration
	v := plain{Extrinsics: Pose3{Rotation: Identity()}}
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("calibration: %w", err)
	}
	if v.Intrinsics.Model == "" {
		return errors.New("calibration: no intrinsics")
	}
	if err := Calibration(v).Check(); err != nil {
		return fmt.Errorf("calibration: %w", err)
	}
	*c = Calibration(v)
	return nil
}

// CameraPose is the camera's pose in the world (camera → world) with the
// robot at robot: RobotPose3(robot)∘Extrinsics.
func (c *Calibration) CameraPose(robot hardware.Pose) Pose3 {
	return RobotPose3(robot).Mul(c.Extrinsics)
}

// Project maps a world point to its pixel with the robot at robot. ok is
// false for a point behind the camera (z ≤ 0 in the camera frame). The
// pixel may lie outside the image; InImage says whether it does.
func (c *Calibration) Project(world Point3, robot hardware.Pose) (Point2, bool) {
	return c.ProjectFrom(c.CameraPose(robot), world)
}

// ProjectFrom is Project with the camera's world pose already computed
// (CameraPose), for many points at one robot pose.
func (c *Calibration) ProjectFrom(camera Pose3, world Point3) (Point2, bool) {
	pc := camera.Rotation.T().Apply(world.Sub(camera.Translation()))
	return c.Intrinsics.Project(pc)
}

// InImage says whether px lies on the image (the pixels' area, −½ to
// width−½).
func (in *Intrinsics) InImage(px Point2) bool {
	return px.X >= -0.5 && px.Y >= -0.5 && px.X < float64(in.Width)-0.5 && px.Y < float64(in.Height)-0.5
}

// Ray returns the world ray of a pixel with the robot at robot: its origin
// (the camera's centre) and a unit direction.
func (c *Calibration) Ray(px Point2, robot hardware.Pose) (origin, dir Point3, err error) {
	return c.RayFrom(c.CameraPose(robot), px)
}

// RayFrom is Ray with the camera's world pose already computed.
func (c *Calibration) RayFrom(camera Pose3, px Point2) (origin, dir Point3, err error) {
	r, ok := c.Intrinsics.Unproject(px)
	if !ok {
		return Point3{}, Point3{}, fmt.Errorf("pixel (%.2f, %.2f): %w", px.X, px.Y, ErrUndistort)
	}
	d := camera.Rotation.Apply(r)
	return camera.Translation(), d.Scale(1 / d.Norm()), nil
}

// GroundPoint maps a pixel to the point where its ray meets the horizontal
// plane z = height in the world frame, with the robot at robot (RoSys's
// Calibration.project_from_image and CameraProjector). Errors wrap
// ErrUndistort or ErrNoGroundPoint.
func (c *Calibration) GroundPoint(px Point2, robot hardware.Pose, height float64) (Point3, error) {
	return c.GroundPointFrom(c.CameraPose(robot), px, height)
}

// GroundPointFrom is GroundPoint with the camera's world pose already
// computed, for many pixels at one robot pose.
func (c *Calibration) GroundPointFrom(camera Pose3, px Point2, height float64) (Point3, error) {
	o, d, err := c.RayFrom(camera, px)
	if err != nil {
		return Point3{}, err
	}
	// The ray o + s·d, s > 0, meets z = height at s = (height − o.z)/d.z.
	s := (height - o.Z) / d.Z
	if !(s > 0) || math.IsInf(s, 0) {
		return Point3{}, fmt.Errorf("pixel (%.2f, %.2f): %w", px.X, px.Y, ErrNoGroundPoint)
	}
	p := o.Add(d.Scale(s))
	p.Z = height
	return p, nil
}
