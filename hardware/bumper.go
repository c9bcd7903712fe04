package hardware

import "time"

// SafetyInput is one named input that must stop the robot while active:
// an e-stop button or a bumper. Active never blocks or allocates, so an
// arbiter may read every input on every control tick.
type SafetyInput interface {
	// Name is the input's own name ("front"); Kind is "estop" or
	// "bumper".
	Name() string
	Kind() string
	Active() bool
}

// Press is a change of a named safety input.
type Press struct {
	Kind   string    `json:"kind"`
	Name   string    `json:"name"`
	Active bool      `json:"active"`
	Time   time.Time `json:"time"`
}

// Bumpers are named bumper inputs; a press is reported with its name.
type Bumpers interface {
	// Inputs are the bumpers, one per pin.
	Inputs() []SafetyInput
	// SubscribePresses delivers every press and release.
	SubscribePresses(buffer int) (presses <-chan Press, cancel func())
}

// AnyActive reports whether any of the inputs is active.
func AnyActive(inputs []SafetyInput) bool {
	for _, in := range inputs {
		if in.Active() {
			return true
		}
	}
	return false
}
