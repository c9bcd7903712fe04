package driving

import (
	"sync"

	"github.com/gorosys/rosys/hardware"
)

// SoftEStop is an e-stop pressed and released in software (the API's
// POST /api/estop, the dashboard's button). Releasing takes an explicit
// Set(false): nothing releases it by itself.
type SoftEStop struct {
	mu      sync.Mutex
	active  bool
	changes hardware.Topic[bool]
}

var _ hardware.EStop = (*SoftEStop)(nil)

// Set presses (true) or releases (false) the e-stop.
func (e *SoftEStop) Set(active bool) {
	e.mu.Lock()
	changed := e.active != active
	e.active = active
	e.mu.Unlock()
	if changed {
		e.changes.Publish(active)
	}
}

// Active implements hardware.EStop.
func (e *SoftEStop) Active() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.active
}

// SubscribeChanges implements hardware.EStop.
func (e *SoftEStop) SubscribeChanges(buffer int) (<-chan bool, func()) {
	return e.changes.Subscribe(buffer)
}
