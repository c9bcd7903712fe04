package lizard

import "github.com/gorosys/rosys/hardware"

// Bumper is named bumper switches on Lizard Input pins (RoSys's
// BumperHardware). A press stops the wheels at once and is reported with
// the bumper's name.
type Bumper struct{ inputModule }

var _ hardware.Bumpers = (*Bumper)(nil)

// NewBumper declares bumper pins; inverted makes a low level active.
func NewBumper(name string, pins []Pin, inverted bool, expander string) *Bumper {
	m := &Bumper{}
	m.init("bumper", name, pins, inverted, expander)
	return m
}

// Pressed appends the names of the pressed bumpers to dst.
func (b *Bumper) Pressed(dst []string) []string {
	for _, p := range b.pins {
		if p.Active() {
			dst = append(dst, p.name)
		}
	}
	return dst
}
