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
	yaw    float64
	state  hardware.Topic[hardware.IMUState]
}

var _ hardware.IMU = (*IMU)(nil)

// NewIMU follows wheels.
func NewIMU(wheels hardware.Wheels) *IMU { return &IMU{wheels: wheels} }

// Step implements rosys.Stepper.
func (m *IMU) Step(now time.Time, period time.Duration) {
	m.yaw = hardware.WrapAngle(m.yaw + m.wheels.Velocity().Angular*period.Seconds())
	w, x, y, z := hardware.QuaternionFromEuler(0, 0, m.yaw)
	m.state.Publish(hardware.IMUState{Yaw: m.yaw, Quaternion: [4]float64{w, x, y, z},
		Calibration: hardware.IMUCalibration{System: 3, Gyroscope: 3, Accelerometer: 3, Magnetometer: 3}, Time: now})
}

// IMU implements hardware.IMU.
func (m *IMU) IMU() hardware.IMUState { return m.state.Latest() }
