package driving

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// Deadman is how long a manual command lasts: with no new one for this
// long the Steerer's speed drops to zero. A page sends commands several
// times a second while its joystick is held, so a closed tab, a crashed
// browser or a dropped network stops the robot within Deadman.
const Deadman = 500 * time.Millisecond

// ErrBeyondLimit is returned for a manual command beyond the driving
// parameters' speed limits.
var ErrBeyondLimit = errors.New("beyond the speed limit")

// ErrNotANumber is returned for a NaN or infinite command.
var ErrNotANumber = errors.New("not a finite number")

// Pauser is what steering pauses: the automator.
type Pauser interface {
	PauseIfRunning(reason string)
}

// Steerer takes manual velocity commands (the joystick, POST /api/steer).
// Each command holds for Deadman; the Arbiter reads it on the control loop.
type Steerer struct {
	params *ParameterStore
	now    func() time.Time
	pauser Pauser

	mu      sync.Mutex
	linear  float64
	angular float64
	at      time.Time
	set     bool
}

// NewSteerer checks commands against params and stamps them with now (the
// runtime's clock).
func NewSteerer(params *ParameterStore, now func() time.Time) *Steerer {
	return &Steerer{params: params, now: now}
}

// PauseOnSteer makes every command pause p (the automator) with the reason
// "manual steering". Call before the robot runs.
func (s *Steerer) PauseOnSteer(p Pauser) { s.pauser = p }

// Steer sets the manual velocity for the next Deadman. A value that is not
// finite or beyond the limits is refused with an error naming the field,
// and nothing changes.
func (s *Steerer) Steer(linear, angular float64) error {
	p := s.params.Get()
	for _, f := range []struct {
		name, unit string
		v, limit   float64
	}{{"linear", "m/s", linear, p.LinearSpeedLimit}, {"angular", "rad/s", angular, p.AngularSpeedLimit}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("%s: %w", f.name, ErrNotANumber)
		}
		if math.Abs(f.v) > f.limit {
			return fmt.Errorf("%s: %g %s is %w of %g %s", f.name, f.v, f.unit, ErrBeyondLimit, f.limit, f.unit)
		}
	}
	if s.pauser != nil {
		s.pauser.PauseIfRunning("manual steering")
	}
	s.mu.Lock()
	s.linear, s.angular, s.at, s.set = linear, angular, s.now(), true
	s.mu.Unlock()
	return nil
}

// Release ends manual steering at once (the joystick was let go).
func (s *Steerer) Release() {
	s.mu.Lock()
	s.linear, s.angular, s.set = 0, 0, false
	s.mu.Unlock()
}

// Command is the manual velocity at now; ok is false once the deadman has
// expired or after Release. It never allocates.
func (s *Steerer) Command(now time.Time) (linear, angular float64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.set || now.Sub(s.at) >= Deadman {
		return 0, 0, false
	}
	return s.linear, s.angular, true
}

// SteerStatus is the Steerer for the API.
type SteerStatus struct {
	Active  bool    `json:"active"`
	Linear  float64 `json:"linear"`
	Angular float64 `json:"angular"`
}

// Status reports whether a manual command holds now.
func (s *Steerer) Status() SteerStatus {
	l, a, ok := s.Command(s.now())
	return SteerStatus{Active: ok, Linear: l, Angular: a}
}
