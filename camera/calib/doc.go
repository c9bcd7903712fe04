// Package calib holds a camera's calibration and the geometry built on it:
// intrinsics (the pinhole and fisheye models of OpenCV, with their
// distortion), extrinsics (the camera's pose on the robot), projection of
// world points to pixels, pixels to rays and to points on the ground plane
// through the robot's current pose (RoSys's CameraProjector), point
// undistortion, spatial resection (SolvePnP) and the import of OpenCV's
// calibration files (cv::FileStorage YAML and JSON).
//
// Conventions (the same as RoSys and OpenCV):
//   - Lengths in metres, angles in radians, pixels with the centre of the
//     top-left pixel at (0, 0), u to the right, v down.
//   - The camera frame is OpenCV's: x right, y down, z along the optical
//     axis (forward).
//   - The robot frame: x forward, y left, z up, origin on the ground under
//     the robot's reference point; the world frame is the robot's odometry
//     frame (hardware.Pose): the robot at (X, Y, 0) turned by Yaw about z.
//   - Extrinsics are the camera's pose in the robot frame, as RoSys's
//     Pose3d: a point p in camera coordinates is R·p + t in robot
//     coordinates. A camera looking straight down has roll π
//     (RotationFromEuler(math.Pi, 0, 0)); Euler angles compose as
//     Rz(yaw)·Ry(pitch)·Rx(roll).
//   - A camera fixed in the world rather than on the robot is given the
//     zero robot pose (hardware.Pose{}).
//
// The package imports only hardware (for hardware.Pose) and gonum, so
// drivers, the camera module and tests can all use it. Nothing here
// allocates per call except SolvePnP and the file parsers.
package calib
