package sim

import "github.com/gorosys/rosys/hardware"

// EStop is a simulated emergency stop that tests press and release.
type EStop struct {
	hardware.Latch
}

var _ hardware.EStop = (*EStop)(nil)

// Press activates the e-stop.
func (e *EStop) Press() { e.Set(true) }

// Release deactivates it.
func (e *EStop) Release() { e.Set(false) }
