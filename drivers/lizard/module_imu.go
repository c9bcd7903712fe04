package lizard

import (
	"math"
	"time"

	"github.com/gorosys/rosys/drivers/lizard/wire"
	"github.com/gorosys/rosys/hardware"
)

// IMU is Lizard's Imu module (a BNO055): its calibration levels and its
// orientation quaternion, from which roll, pitch and yaw are derived.
type IMU struct {
	Object   string
	Expander string

	d     *Driver
	idx   [8]int
	state hardware.Topic[hardware.IMUState]
}

var _ hardware.IMU = (*IMU)(nil)

var imuProps = [8]string{"cal_sys", "cal_gyr", "cal_acc", "cal_mag", "quat_w", "quat_x", "quat_y", "quat_z"}

// Name implements Module.
func (m *IMU) Name() string {
	if m.Object == "" {
		return "imu"
	}
	return m.Object
}

// Type implements Module.
func (m *IMU) Type() string { return "imu" }

// Deps implements Module.
func (m *IMU) Deps() []string {
	if m.Expander != "" {
		return []string{m.Expander}
	}
	return nil
}

// Code implements Module.
func (m *IMU) Code() []string { return []string{m.Name() + " = " + proxyPrefix(m.Expander) + "Imu()"} }

// Fields implements Module.
func (m *IMU) Fields() []wire.Field {
	out := make([]wire.Field, len(imuProps))
	for i, p := range imuProps {
		prec := -1
		if i >= 4 {
			prec = 4
		}
		out[i] = field(m.Name()+"."+p, prec)
	}
	return out
}

func (m *IMU) bind(d *Driver, index func(string) int) {
	m.d = d
	for i, p := range imuProps {
		m.idx[i] = index(m.Name() + "." + p)
	}
}

func (m *IMU) decode(values []float64, at time.Time) {
	var v [8]float64
	for i, j := range m.idx {
		if j < 0 {
			return
		}
		v[i] = values[j]
	}
	w, x, y, z := v[4], v[5], v[6], v[7]
	if n := math.Sqrt(w*w + x*x + y*y + z*z); n > 0 {
		w, x, y, z = w/n, x/n, y/n, z/n
	}
	st := hardware.IMUState{
		Quaternion:  [4]float64{w, x, y, z},
		Calibration: hardware.IMUCalibration{System: int(v[0]), Gyroscope: int(v[1]), Accelerometer: int(v[2]), Magnetometer: int(v[3])},
		Time:        at,
	}
	st.Roll, st.Pitch, st.Yaw = hardware.EulerFromQuaternion(w, x, y, z)
	m.state.Publish(st)
}

// IMU implements hardware.IMU.
func (m *IMU) IMU() hardware.IMUState { return m.state.Latest() }

// SubscribeIMU delivers every new measurement.
func (m *IMU) SubscribeIMU(buffer int) (<-chan hardware.IMUState, func()) {
	return m.state.Subscribe(buffer)
}

func (m *IMU) status(now time.Time) any { return imuStatus(m.state.Latest(), now) }

// imuStatus is an IMU state for /api/status, angles in degrees.
func imuStatus(st hardware.IMUState, now time.Time) map[string]any {
	out := map[string]any{"type": "imu", "calibration": st.Calibration, "quaternion": st.Quaternion}
	if st.Time.IsZero() {
		out["roll_deg"], out["pitch_deg"], out["yaw_deg"], out["age_s"] = nil, nil, nil, nil
		return out
	}
	deg := 180 / math.Pi
	out["roll_deg"], out["pitch_deg"], out["yaw_deg"] = st.Roll*deg, st.Pitch*deg, st.Yaw*deg
	out["age_s"] = now.Sub(st.Time).Seconds()
	return out
}

// IMUStatus is an IMU state as /api/status shows it (simulated IMUs use
// it too, so both look alike).
func IMUStatus(st hardware.IMUState, now time.Time) map[string]any { return imuStatus(st, now) }
