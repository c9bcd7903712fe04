package sim

import (
	"slices"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys/hardware"
)

// Inputs are simulated named safety inputs (e-stop buttons or bumpers)
// that tests and people press and release.
type Inputs struct {
	kind    string
	pins    []*Input
	presses hardware.Topic[hardware.Press]
}

// Input is one simulated safety input.
type Input struct {
	kind, name string
	active     atomic.Bool
}

var (
	_ hardware.SafetyInput = (*Input)(nil)
	_ hardware.Bumpers     = (*Inputs)(nil)
)

// NewInputs returns released inputs of a kind ("estop" or "bumper").
func NewInputs(kind string, names ...string) *Inputs {
	in := &Inputs{kind: kind}
	for _, n := range names {
		in.pins = append(in.pins, &Input{kind: kind, name: n})
	}
	return in
}

// Name implements hardware.SafetyInput.
func (p *Input) Name() string { return p.name }

// Kind implements hardware.SafetyInput.
func (p *Input) Kind() string { return p.kind }

// Active implements hardware.SafetyInput.
func (p *Input) Active() bool { return p.active.Load() }

// Press activates the named input; false if there is none.
func (in *Inputs) Press(name string) bool { return in.set(name, true) }

// Release deactivates it.
func (in *Inputs) Release(name string) bool { return in.set(name, false) }

func (in *Inputs) set(name string, active bool) bool {
	i := slices.IndexFunc(in.pins, func(p *Input) bool { return p.name == name })
	if i < 0 {
		return false
	}
	if in.pins[i].active.Swap(active) != active {
		in.presses.Publish(hardware.Press{Kind: in.kind, Name: name, Active: active, Time: time.Now()})
	}
	return true
}

// Inputs implements hardware.Bumpers.
func (in *Inputs) Inputs() []hardware.SafetyInput {
	out := make([]hardware.SafetyInput, len(in.pins))
	for i, p := range in.pins {
		out[i] = p
	}
	return out
}

// SubscribePresses implements hardware.Bumpers.
func (in *Inputs) SubscribePresses(buffer int) (<-chan hardware.Press, func()) {
	return in.presses.Subscribe(buffer)
}
