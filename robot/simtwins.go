package robot

import (
	"time"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
)

// SimModule is a simulated twin of a configured hardware module (a
// battery, an IMU, e-stops, bumpers) for a robot on simulated hardware:
// it shows in /api/status under hardware.drivers.<Name> as the real
// module would.
type SimModule struct {
	Name string
	// Build makes the runtime module (a rosys Stepper) once the robot's
	// wheels are known, so an IMU can follow them; nil adds none.
	Build func(wheels hardware.Wheels) any
	// Status is the module's state for /api/status.
	Status func(now time.Time) any
	// Safety are its e-stop or bumper inputs: the simulated wheels stop
	// while any is active.
	Safety []hardware.SafetyInput
}

// simModules are simulated twins of robot.yaml's Lizard modules, for
// board: sim: the status shows the same battery, IMU, e-stops and bumpers
// a real robot would.
func simModules(mods []config.LizardModule) []SimModule {
	var out []SimModule
	for _, m := range mods {
		switch m.Type {
		case "estop", "bumper":
			names := make([]string, len(m.Pins))
			for i, p := range m.Pins {
				names[i] = p.Name
			}
			in := sim.NewInputs(m.Type, names...)
			kind := m.Type
			out = append(out, SimModule{Name: m.Name, Safety: in.Inputs(), Status: func(time.Time) any {
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
			out = append(out, SimModule{Name: m.Name, Build: func(hardware.Wheels) any { return b },
				Status: func(now time.Time) any { return lizard.BatteryStatus(b.Battery(), now, stale) }})
		case "imu":
			var imu *sim.IMU
			out = append(out, SimModule{Name: m.Name,
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
