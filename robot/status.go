package robot

import (
	"maps"
	"time"

	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/localization"
)

// HardwareStatus is the robot's hardware as /api/status shows it under
// "hardware".
type HardwareStatus struct {
	// EStop is true while any e-stop is pressed: a hardware one or the
	// soft e-stop (SoftEStop tells which). Every active stop is listed in
	// the status's "stops".
	EStop     bool               `json:"estop_active"`
	SoftEStop bool               `json:"soft_estop_active"`
	Velocity  hardware.Velocity  `json:"velocity"`
	Target    *hardware.Velocity `json:"target,omitempty"` // simulated wheels only
	// Pose is the fused pose (PoseEstimate says how good it is); Odometry
	// is the wheels' dead reckoning since the start.
	Pose         hardware.Pose       `json:"pose"`
	PoseEstimate localization.Status `json:"pose_estimate"`
	Odometry     hardware.Pose       `json:"odometry"`
	Automation   string              `json:"automation"`
	Simulated    bool                `json:"simulated"`
	// Drivers is every driver's and simulated twin's state by name
	// (hardware.drivers.lizard, .gnss, .<module name>, .journal).
	Drivers any `json:"drivers,omitempty"`
}

// Hardware reports the robot's hardware for /api/status.
func (r *Robot) Hardware() any {
	st := HardwareStatus{
		EStop:        r.EStop.Active() || r.SoftEStop.Active(),
		SoftEStop:    r.SoftEStop.Active(),
		Velocity:     r.Wheels.Velocity(),
		Pose:         r.Pose.Pose(),
		PoseEstimate: r.Pose.Status(r.Runtime.Clock().Now()),
		Odometry:     r.Odometer.Pose(),
		Automation:   string(r.Automator.Status().State),
		Simulated:    r.SimWheels != nil,
	}
	if r.SimWheels != nil {
		t := r.SimWheels.Target()
		st.Target = &t
	}
	if r.hw.Status != nil {
		st.Drivers = r.hw.Status()
	}
	if len(r.hw.Sim) > 0 {
		st.Drivers = simStatus(st.Drivers, r.hw.Sim)
	}
	return st
}

// DrivingStatus is who drives the wheels and the path being followed.
type DrivingStatus struct {
	Arbiter driving.ArbiterStatus `json:"arbiter"`
	Driver  driving.DriverStatus  `json:"driver"`
	Pose    hardware.Pose         `json:"pose"`
}

// Driving reports the drive for the events stream and the dashboard's map.
func (r *Robot) Driving() any {
	return DrivingStatus{Arbiter: r.Arbiter.Status(), Driver: r.Driver.Status(), Pose: r.Pose.Pose()}
}

// simStatus adds the twins' states to the drivers' status.
func simStatus(drivers any, sims []SimModule) map[string]any {
	out := map[string]any{}
	if m, ok := drivers.(map[string]any); ok {
		maps.Copy(out, m)
	}
	now := time.Now()
	for _, sm := range sims {
		if sm.Status != nil {
			out[sm.Name] = sm.Status(now)
		}
	}
	return out
}

// withStatus returns a status function that reports what prev reports
// (a map by driver name) with key set to fn's value.
func withStatus(prev func() any, key string, fn func() any) func() any {
	return func() any {
		out := map[string]any{}
		if prev != nil {
			if m, ok := prev().(map[string]any); ok {
				maps.Copy(out, m)
			}
		}
		out[key] = fn()
		return out
	}
}
