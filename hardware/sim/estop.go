package sim

import (
	"sync"

	"github.com/gorosys/rosys/hardware"
)

// EStop is a simulated emergency stop that tests press and release.
type EStop struct {
	mu      sync.Mutex
	active  bool
	changes hardware.Topic[bool]
}

var _ hardware.EStop = (*EStop)(nil)

// Press activates the e-stop.
func (e *EStop) Press() { e.set(true) }

// Release deactivates it.
func (e *EStop) Release() { e.set(false) }

func (e *EStop) set(active bool) {
	e.mu.Lock()
	changed := e.active != active
	e.active = active
	e.mu.Unlock()
	if changed {
		e.changes.Publish(active)
	}
}

// Active implements hardware.EStop.
func (e *EStop) Active() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.active
}

// SubscribeChanges implements hardware.EStop.
func (e *EStop) SubscribeChanges(buffer int) (<-chan bool, func()) {
	return e.changes.Subscribe(buffer)
}
