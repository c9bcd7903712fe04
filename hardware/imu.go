package hardware

import (
	"math"
	"time"
)

// IMUState is an orientation as Lizard's Imu (a BNO055) reports it: a
// unit quaternion, the Euler angles derived from it in radians, and the
// sensor's calibration levels (0 = uncalibrated … 3 = fully calibrated).
type IMUState struct {
	Roll  float64 `json:"roll"`
	Pitch float64 `json:"pitch"`
	Yaw   float64 `json:"yaw"`
	// Quaternion is w, x, y, z.
	Quaternion  [4]float64     `json:"quaternion"`
	Calibration IMUCalibration `json:"calibration"`
	Time        time.Time      `json:"time"`
}

// IMUCalibration is the BNO055's calibration status per subsystem.
type IMUCalibration struct {
	System        int `json:"system"`
	Gyroscope     int `json:"gyroscope"`
	Accelerometer int `json:"accelerometer"`
	Magnetometer  int `json:"magnetometer"`
}

// IMU reports the latest orientation without blocking.
type IMU interface {
	IMU() IMUState
}

// EulerFromQuaternion returns roll (about x), pitch (about y) and yaw
// (about z) in radians, the aerospace ZYX convention.
func EulerFromQuaternion(w, x, y, z float64) (roll, pitch, yaw float64) {
	roll = math.Atan2(2*(w*x+y*z), 1-2*(x*x+y*y))
	s := 2 * (w*y - z*x)
	s = math.Max(-1, math.Min(1, s)) // rounding can push it past ±1 at the poles
	pitch = math.Asin(s)
	yaw = math.Atan2(2*(w*z+x*y), 1-2*(y*y+z*z))
	return roll, pitch, yaw
}

// QuaternionFromEuler is the inverse of EulerFromQuaternion.
func QuaternionFromEuler(roll, pitch, yaw float64) (w, x, y, z float64) {
	cr, sr := math.Cos(roll/2), math.Sin(roll/2)
	cp, sp := math.Cos(pitch/2), math.Sin(pitch/2)
	cy, sy := math.Cos(yaw/2), math.Sin(yaw/2)
	return cr*cp*cy + sr*sp*sy, sr*cp*cy - cr*sp*sy, cr*sp*cy + sr*cp*sy, cr*cp*sy - sr*sp*cy
}
