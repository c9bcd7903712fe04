package sim

import (
	"time"

	"github.com/gorosys/rosys/hardware"
)

// IMU is a simulated IMU whose yaw follows the angular velocity of some
// wheels (as RoSys's ImuSimulation follows the pose), fully calibrated.
// It is a rosys Stepper; step it after the wheels.
type IMU struct {
	wheels hardware.Wheels
	truth  interface{ Pose() hardware.Pose } // the wheels' true pose, if they know it
	yaw    float64
	drift  float64 // rad/s
	start  time.Time
	state  hardware.Topic[hardware.IMUState]
}

// SetDrift makes the yaw drift by rate rad/s (a real gyro's bias; a
// BNO055 drifts some tenths of a degree a minute). Call before it steps.
func (m *IMU) SetDrift(rate float64) { m.drift = rate }

var _ hardware.IMU = (*IMU)(nil)

// NewIMU follows wheels.
// When the wheels know their true pose (sim.Wheels), the yaw is the true
// yaw (plus the drift), untouched by the wheels' slip.
func NewIMU(wheels hardware.Wheels) *IMU {
	m := &IMU{wheels: wheels}
	m.truth, _ = wheels.(interface{ Pose() hardware.Pose })
	return m
}

// Step implements rosys.Stepper.
func (m *IMU) Step(now time.Time, period time.Duration) {
	if m.start.IsZero() {
		m.start = now
	}
	if m.truth != nil {
		m.yaw = hardware.WrapAngle(m.truth.Pose().Yaw + m.drift*now.Sub(m.start).Seconds())
	} else {
		m.yaw = hardware.WrapAngle(m.yaw + (m.wheels.Velocity().Angular+m.drift)*period.Seconds())
	}
	w, x, y, z := hardware.QuaternionFromEuler(0, 0, m.yaw)
	m.state.Publish(hardware.IMUState{Yaw: m.yaw, Quaternion: [4]float64{w, x, y, z},
		Calibration: hardware.IMUCalibration{System: 3, Gyroscope: 3, Accelerometer: 3, Magnetometer: 3}, Time: now})
}

// IMU implements hardware.IMU.
func (m *IMU) IMU() hardware.IMUState { return m.state.Latest() }
