package lizard

import "github.com/gorosys/rosys/hardware"

// EStop is one or more e-stop buttons on Lizard Input pins, each reported
// on its own (RoSys's EStopHardware): "<name>_<pin> = Input(gpio)", and,
// since e-stop chains are usually wired active-low, ".inverted = true".
// It is a hardware.EStop: active while any pin is, or while its state is
// unknown.
type EStop struct{ inputModule }

var _ hardware.EStop = (*EStop)(nil)

// NewEStop declares e-stop pins; inverted makes a low level active.
// expander, if not empty, names the expander the pins are on.
func NewEStop(name string, pins []Pin, inverted bool, expander string) *EStop {
	m := &EStop{}
	m.init("estop", name, pins, inverted, expander)
	return m
}

// Active implements hardware.EStop.
func (e *EStop) Active() bool { return e.active() }

// SubscribeChanges implements hardware.EStop.
func (e *EStop) SubscribeChanges(buffer int) (<-chan bool, func()) {
	return e.changes.Subscribe(buffer)
}
