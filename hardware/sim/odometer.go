package sim

import (
	"time"

	"github.com/gorosys/rosys/hardware"
)

// Odometer feeds the measurements of some wheels into odometry once per
// control tick. Add it after the wheels so it reads this tick's value.
type Odometer struct {
	*hardware.Odometry
	wheels hardware.Wheels
}

// NewOdometer integrates the velocities of wheels, starting at the origin.
func NewOdometer(wheels hardware.Wheels) *Odometer {
	return &Odometer{Odometry: hardware.NewOdometry(hardware.Pose{}), wheels: wheels}
}

// Step implements rosys.Stepper.
func (o *Odometer) Step(now time.Time, _ time.Duration) {
	if v := o.wheels.Velocity(); !v.Time.IsZero() {
		o.Update(v)
	}
}
