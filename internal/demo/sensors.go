package demo

import (
	"maps"
	"time"

	"github.com/gorosys/rosys/hardware"
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
