package robot

import (
	"time"

	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
)

// imuType: the controller's BNO055 (Lizard's Imu); its twin follows the
// simulated wheels.
func imuType() LizardType {
	return LizardType{
		Config: builtinConfig("imu"),
		Build: func(d LizardDecl) (lizard.Module, error) {
			return &lizard.IMU{Object: d.Name, Expander: d.Expander}, nil
		},
		Sim: func(d LizardDecl) (SimModule, error) {
			var imu *sim.IMU
			return SimModule{Name: d.Name,
				Build:  func(w hardware.Wheels) any { imu = sim.NewIMU(w); return imu },
				Status: func(now time.Time) any { return lizard.IMUStatus(imu.IMU(), now) }}, nil
		},
	}
}
