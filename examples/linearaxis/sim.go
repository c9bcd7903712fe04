package linearaxis

import (
	"sync"
	"time"
)

// Sim is the simulated twin of an axis (board: sim): a carriage that
// travels from end to end in TravelTime while a direction is on, and
// stops at the end switches, as the controller's rules make the real one
// stop. The runtime steps it on the control loop.
type Sim struct {
	name   string
	travel time.Duration

	mu  sync.Mutex
	pos float64 // 0 = in, 1 = out
	dir int
	at  time.Time
}

var _ Axis = (*Sim)(nil)

// NewSim makes a twin at its inner end; travel 0 takes 2 s.
func NewSim(name string, travel time.Duration) *Sim {
	if travel <= 0 {
		travel = 2 * time.Second
	}
	return &Sim{name: name, travel: travel}
}

// Step moves the carriage (a rosys Stepper).
func (s *Sim) Step(now time.Time, period time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pos += float64(s.dir) * period.Seconds() / s.travel.Seconds()
	if s.pos <= 0 || s.pos >= 1 {
		s.pos = min(max(s.pos, 0), 1)
		s.dir = 0
	}
	s.at = now
}

// State implements Axis.
func (s *Sim) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return State{AtIn: s.pos <= 0, AtOut: s.pos >= 1, Direction: s.dir, Time: s.at}
}

// Position is how far out the carriage is, 0 to 1.
func (s *Sim) Position() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pos
}

// MoveIn implements Axis.
func (s *Sim) MoveIn() error { return s.move(-1) }

// MoveOut implements Axis.
func (s *Sim) MoveOut() error { return s.move(1) }

func (s *Sim) move(dir int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if (dir < 0 && s.pos <= 0) || (dir > 0 && s.pos >= 1) {
		return ErrAtEnd
	}
	s.dir = dir
	return nil
}

// Stop implements Axis.
func (s *Sim) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dir = 0
	return nil
}

// Status is the twin's state for /api/status, in the real module's shape.
func (s *Sim) Status() map[string]any {
	out := status(s.name, s.State(), true)
	out["known"] = true
	out["position"] = s.Position()
	return out
}
