package linearaxis

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/drivers/lizard/wire"
)

// Module is the axis on a Lizard controller: a lizard.CustomModule (the
// driver runs it) and an Axis (the robot's code drives it).
type Module struct {
	name                       string
	moveIn, moveOut            int
	endIn, endOut              int
	inverted                   bool
	objIn, objOut, objEndIn    string
	objEndOut                  string
	b                          lizard.Binding
	iEndIn, iEndOut, iIn, iOut int

	// The state the reader goroutine decodes, read by State and Status
	// from any goroutine: bits (see pack) and the controller's time.
	bits atomic.Uint32
	at   atomic.Int64
}

var (
	_ lizard.CustomModule = (*Module)(nil)
	_ Axis                = (*Module)(nil)
)

func newModule(name string, s Settings) *Module {
	return &Module{name: name, moveIn: *s.MoveIn, moveOut: *s.MoveOut, endIn: *s.EndIn, endOut: *s.EndOut,
		inverted: invertedOr(s, true),
		objIn:    name + "_in", objOut: name + "_out", objEndIn: name + "_end_in", objEndOut: name + "_end_out",
		iEndIn: -1, iEndOut: -1, iIn: -1, iOut: -1}
}

// Name implements lizard.CustomModule.
func (m *Module) Name() string { return m.name }

// Type implements lizard.CustomModule.
func (m *Module) Type() string { return TypeName }

// Deps implements lizard.CustomModule.
func (m *Module) Deps() []string { return nil }

// Code implements lizard.CustomModule: two relay outputs, two end
// switches, and the rules that make the axis safe on the controller
// alone: an end switch stops the motor driving into it, and a silent
// host (its process gone, the cable pulled) stops the motor within a
// second, as the wheels' rule does.
func (m *Module) Code() []string {
	return []string{
		fmt.Sprintf("%s = Output(%d)", m.objIn, m.moveIn),
		fmt.Sprintf("%s = Output(%d)", m.objOut, m.moveOut),
		fmt.Sprintf("%s = Input(%d)", m.objEndIn, m.endIn),
		fmt.Sprintf("%s = Input(%d)", m.objEndOut, m.endOut),
		fmt.Sprintf("%s.inverted = %t", m.objEndIn, m.inverted),
		fmt.Sprintf("%s.inverted = %t", m.objEndOut, m.inverted),
		fmt.Sprintf("when %s.active then %s.off(); end", m.objEndIn, m.objIn),
		fmt.Sprintf("when %s.active then %s.off(); end", m.objEndOut, m.objOut),
		fmt.Sprintf("when core.last_message_age > 1000 then %s.off(); %s.off(); end", m.objIn, m.objOut),
	}
}

// Fields implements lizard.CustomModule: the end switches and the relays.
func (m *Module) Fields() []wire.Field {
	return []wire.Field{{Name: m.objEndIn + ".active", Precision: -1}, {Name: m.objEndOut + ".active", Precision: -1},
		{Name: m.objIn + ".level", Precision: -1}, {Name: m.objOut + ".level", Precision: -1}}
}

// Bind implements lizard.CustomModule.
func (m *Module) Bind(b lizard.Binding) {
	m.b = b
	m.iEndIn, m.iEndOut = b.Index(m.objEndIn+".active"), b.Index(m.objEndOut+".active")
	m.iIn, m.iOut = b.Index(m.objIn+".level"), b.Index(m.objOut+".level")
}

const (
	bitAtIn = 1 << iota
	bitAtOut
	bitIn
	bitOut
	bitKnown
)

// Decode implements lizard.CustomModule. Should the controller's rule
// not have stopped a motor at its end yet (a rule fires on the next
// cycle), the host stops it too: two independent paths.
func (m *Module) Decode(values []float64, at time.Time) {
	if m.iEndIn < 0 || m.iEndOut < 0 || m.iIn < 0 || m.iOut < 0 {
		return
	}
	var bits uint32 = bitKnown
	for _, f := range []struct {
		i   int
		bit uint32
	}{{m.iEndIn, bitAtIn}, {m.iEndOut, bitAtOut}, {m.iIn, bitIn}, {m.iOut, bitOut}} {
		if values[f.i] != 0 {
			bits |= f.bit
		}
	}
	prev := m.bits.Swap(bits)
	m.at.Store(at.UnixNano())
	if bits&(bitAtIn|bitIn) == bitAtIn|bitIn && prev&bitAtIn == 0 {
		_ = m.b.Send(m.objIn + ".off()")
	}
	if bits&(bitAtOut|bitOut) == bitAtOut|bitOut && prev&bitAtOut == 0 {
		_ = m.b.Send(m.objOut + ".off()")
	}
}

// State implements Axis.
func (m *Module) State() State {
	bits := m.bits.Load()
	st := State{AtIn: bits&bitAtIn != 0, AtOut: bits&bitAtOut != 0}
	switch {
	case bits&bitIn != 0 && bits&bitOut == 0:
		st.Direction = -1
	case bits&bitOut != 0 && bits&bitIn == 0:
		st.Direction = 1
	}
	if t := m.at.Load(); t != 0 {
		st.Time = time.Unix(0, t)
	}
	return st
}

// MoveIn implements Axis.
func (m *Module) MoveIn() error { return m.move(bitAtIn, m.objOut, m.objIn) }

// MoveOut implements Axis.
func (m *Module) MoveOut() error { return m.move(bitAtOut, m.objIn, m.objOut) }

// move switches the other direction's relay off before this one's on:
// both on would short a DC motor's H-bridge of relays.
func (m *Module) move(end uint32, other, this string) error {
	if m.bits.Load()&end != 0 {
		return ErrAtEnd
	}
	if err := m.b.Send(other + ".off()"); err != nil {
		return err
	}
	return m.b.Send(this + ".on()")
}

// Stop implements Axis.
func (m *Module) Stop() error {
	err1 := m.b.Send(m.objIn + ".off()")
	err2 := m.b.Send(m.objOut + ".off()")
	if err1 != nil {
		return err1
	}
	return err2
}

// Status implements lizard.CustomModule.
func (m *Module) Status(time.Time) any {
	out := status(m.name, m.State(), false)
	out["known"] = m.bits.Load()&bitKnown != 0
	return out
}
