package main

import (
	"time"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
	"github.com/gorosys/rosys/internal/demo"
)

// simModules are simulated twins of robot.yaml's Lizard modules, for
// board: sim: the status shows the same battery, IMU, e-stops and bumpers
// a real robot would.
func simModules(mods []config.LizardModule) []demo.SimModule {
	var out []demo.SimModule
	for _, m := range mods {
		switch m.Type {
		case "estop", "bumper":
			names := make([]string, len(m.Pins))
			for i, p := range m.Pins {
				names[i] = p.Name
			}
			in := sim.NewInputs(m.Type, names...)
			kind := m.Type
			out = append(out, demo.SimModule{Name: m.Name, Safety: in.Inputs(), Status: func(time.Time) any {
				return inputsStatus(kind, in.Inputs())
			}})
		case "battery":
			b := sim.NewBattery(26.5, 0.001)
			stale := 3 * m.RequestInterval.D()
			if stale == 0 {
				stale = 15 * time.Second
			}
			if m.StaleAfter.D() > 0 {
				stale = m.StaleAfter.D()
			}
			out = append(out, demo.SimModule{Name: m.Name, Build: func(hardware.Wheels) any { return b },
				Status: func(now time.Time) any { return lizard.BatteryStatus(b.Battery(), now, stale) }})
		case "imu":
			var imu *sim.IMU
			out = append(out, demo.SimModule{Name: m.Name,
				Build:  func(w hardware.Wheels) any { imu = sim.NewIMU(w); return imu },
				Status: func(now time.Time) any { return lizard.IMUStatus(imu.IMU(), now) }})
		}
	}
	return out
}

func inputsStatus(kind string, inputs []hardware.SafetyInput) map[string]any {
	pins := map[string]any{}
	active := []string{}
	for _, in := range inputs {
		pins[in.Name()] = map[string]any{"active": in.Active()}
		if in.Active() {
			active = append(active, in.Name())
		}
	}
	return map[string]any{"type": kind, "active": active, "pins": pins, "simulated": true}
}
