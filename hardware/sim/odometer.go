package sim

import (
	"context"
	"time"

	"github.com/gorosys/rosys/hardware"
)

// Odometer feeds the measurements of some wheels into odometry. It
// integrates every measurement, in order (drained from a subscription each
// control tick), not just the latest one at the tick: so the pose does not
// depend on how ticks and measurements interleave, and a replay of the same
// measurements gives the same pose.
type Odometer struct {
	*hardware.Odometry
	updates <-chan hardware.Velocity
	cancel  func()
}

// NewOdometer integrates the velocities of wheels, starting at the origin.
func NewOdometer(wheels hardware.Wheels) *Odometer {
	updates, cancel := wheels.SubscribeVelocity(1024)
	return &Odometer{Odometry: hardware.NewOdometry(hardware.Pose{}), updates: updates, cancel: cancel}
}

// Step implements rosys.Stepper.
func (o *Odometer) Step(time.Time, time.Duration) {
	for {
		select {
		case v := <-o.updates:
			if !v.Time.IsZero() {
				o.Update(v)
			}
		default:
			return
		}
	}
}

// Stop implements rosys.Stopper: it ends the subscription.
func (o *Odometer) Stop(context.Context) error {
	o.cancel()
	return nil
}
