package robot

import (
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
