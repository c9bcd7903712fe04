package driving

import "github.com/gorosys/rosys/hardware"

// SoftEStop is an e-stop pressed and released in software (the API's
// POST /api/estop, the dashboard's button): Set(true) presses it, and
// releasing takes an explicit Set(false); nothing releases it by itself.
type SoftEStop struct {
	hardware.Latch
}

var _ hardware.EStop = (*SoftEStop)(nil)
