package hardware

import "sync"

// Latch is a boolean that stays as it was last set, with every change
// fanned out: an e-stop pressed and released by code (the simulated one,
// the API's soft e-stop). The zero value is released. It implements EStop.
type Latch struct {
	mu      sync.Mutex
	active  bool
	count   uint64 // presses and releases so far
	changes Topic[bool]
}

var _ EStop = (*Latch)(nil)

// Set presses (true) or releases (false) the latch; a change is published
// to subscribers, a repeated value is not.
func (l *Latch) Set(active bool) {
	l.mu.Lock()
	changed := l.active != active
	l.active = active
	if changed {
		l.count++
	}
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

// State is the latch's state with the number of presses and releases
// before it, read together. A client that hears the state by more than one
// path (an answer, an event stream) keeps the one with the higher count: a
// state with a lower count is older, whatever order it arrived in.
func (l *Latch) State() (active bool, changes uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.active, l.count
}

// SubscribeChanges implements EStop.
func (l *Latch) SubscribeChanges(buffer int) (<-chan bool, func()) {
	return l.changes.Subscribe(buffer)
}
