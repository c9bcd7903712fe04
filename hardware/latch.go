package hardware

import "sync"

// Latch is a boolean that stays as it was last set, with every change
// fanned out: an e-stop pressed and released by code (the simulated one,
// the API's soft e-stop). The zero value is released. It implements EStop.
type Latch struct {
	mu      sync.Mutex
	active  bool
	changes Topic[bool]
}

var _ EStop = (*Latch)(nil)

// Set presses (true) or releases (false) the latch; a change is published
// to subscribers, a repeated value is not.
func (l *Latch) Set(active bool) {
	l.mu.Lock()
	changed := l.active != active
	l.active = active
	l.mu.Unlock()
	if changed {
		l.changes.Publish(active)
	}
}

// Active implements EStop.
func (l *Latch) Active() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.active
}

// SubscribeChanges implements EStop.
func (l *Latch) SubscribeChanges(buffer int) (<-chan bool, func()) {
	return l.changes.Subscribe(buffer)
}
