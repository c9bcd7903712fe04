package lizard

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys/drivers/lizard/wire"
	"github.com/gorosys/rosys/hardware"
	"go.uber.org/zap"
)

// Pin is one named input of an e-stop or bumper module.
type Pin struct {
	Name string // "front"
	GPIO int
	// Field overrides the core field read ("estop.active" for a
	// hand-written configuration); empty means <module>_<name>.active.
	Field string
}

// inputModule is what e-stops and bumpers share: named Lizard Input pins,
// each reported on its own from its ".active" core field.
type inputModule struct {
	kind     string // "estop" or "bumper"
	object   string
	pins     []*SafetyPin
	inverted bool
	expander string
	noCode   bool // the objects exist already (hand-written core_fields)

	d       *Driver
	presses hardware.Topic[hardware.Press]
	changes hardware.Topic[bool] // any pin active
	anyOn   atomic.Bool
}

// SafetyPin is one e-stop or bumper input read from the core output. It
// counts as active (fail-safe) while the controller is not ready and when
// the core output lacks its field.
type SafetyPin struct {
	kind, module, name string
	gpio               int
	field              string
	idx                int
	d                  *Driver
	active             atomic.Bool
	since              atomic.Int64 // unix nanos of the last change
}

var _ hardware.SafetyInput = (*SafetyPin)(nil)

// Name implements hardware.SafetyInput.
func (p *SafetyPin) Name() string { return p.name }

// Kind implements hardware.SafetyInput.
func (p *SafetyPin) Kind() string { return p.kind }

// Field is the core field the pin is read from.
func (p *SafetyPin) Field() string { return p.field }

// Active implements hardware.SafetyInput. It never blocks or allocates.
func (p *SafetyPin) Active() bool { return p.idx < 0 || !p.d.ready.Load() || p.active.Load() }

// Missing reports whether the core output lacks the pin's field.
func (p *SafetyPin) Missing() bool { return p.idx < 0 }

func (m *inputModule) init(kind, object string, pins []Pin, inverted bool, expander string) {
	m.kind, m.object, m.inverted, m.expander = kind, object, inverted, expander
	for _, p := range pins {
		f := p.Field
		if f == "" {
			f = object + "_" + p.Name + ".active"
		} else {
			m.noCode = true
		}
		m.pins = append(m.pins, &SafetyPin{kind: kind, module: object, name: p.Name, gpio: p.GPIO, field: f, idx: -1})
	}
}

func (m *inputModule) Name() string { return m.object }
func (m *inputModule) Type() string { return m.kind }

func (m *inputModule) Deps() []string {
	if m.expander != "" {
		return []string{m.expander}
	}
	return nil
}

func (m *inputModule) Code() []string {
	if m.noCode {
		return nil
	}
	var c []string
	for _, p := range m.pins {
		obj := m.object + "_" + p.name
		c = append(c, fmt.Sprintf("%s = %sInput(%d)", obj, proxyPrefix(m.expander), p.gpio))
		if m.inverted {
			c = append(c, obj+".inverted = true")
		}
	}
	return c
}

func (m *inputModule) Fields() []wire.Field {
	out := make([]wire.Field, len(m.pins))
	for i, p := range m.pins {
		out[i] = field(p.field, -1)
	}
	return out
}

func (m *inputModule) bind(d *Driver, index func(string) int) {
	m.d = d
	for _, p := range m.pins {
		p.d, p.idx = d, index(p.field)
		if p.idx < 0 {
			d.log.Warn("safety input counts as active: the core output lacks its field, so the wheels will refuse to drive",
				zap.String(m.kind, m.object), zap.String("pin", p.name), zap.String("missing_field", p.field))
		}
	}
}

func (m *inputModule) decode(values []float64, at time.Time) {
	changed := false
	for _, p := range m.pins {
		if p.idx < 0 {
			continue
		}
		a := values[p.idx] != 0
		if a == p.active.Load() {
			continue
		}
		p.active.Store(a)
		p.since.Store(at.UnixNano())
		changed = true
		m.presses.Publish(hardware.Press{Kind: m.kind, Name: p.name, Active: a, Time: at})
		if a {
			m.d.log.Warn(m.kind+" active", zap.String(m.kind, m.object), zap.String("pin", p.name))
		} else {
			m.d.log.Info(m.kind+" released", zap.String(m.kind, m.object), zap.String("pin", p.name))
		}
	}
	if changed {
		m.publishAny()
	}
}

func (m *inputModule) publishAny() {
	a := m.active()
	if m.anyOn.Swap(a) != a {
		m.changes.Publish(a)
	}
}

// active reports whether any pin is active (fail-safe included).
func (m *inputModule) active() bool {
	for _, p := range m.pins {
		if p.Active() {
			return true
		}
	}
	return false
}

// reported reports whether telemetry says a pin is active, or a pin's
// field is missing (readiness aside).
func (m *inputModule) reported() bool {
	for _, p := range m.pins {
		if p.idx < 0 || p.active.Load() {
			return true
		}
	}
	return false
}

// Inputs are the module's pins, for an arbiter.
func (m *inputModule) Inputs() []hardware.SafetyInput {
	out := make([]hardware.SafetyInput, len(m.pins))
	for i, p := range m.pins {
		out[i] = p
	}
	return out
}

// SubscribePresses delivers every press and release of a pin.
func (m *inputModule) SubscribePresses(buffer int) (<-chan hardware.Press, func()) {
	return m.presses.Subscribe(buffer)
}

// reasons appends why the pins stop the wheels.
func (m *inputModule) reasons(out []string) []string {
	for _, p := range m.pins {
		label := m.object
		if p.name != "" {
			label += " " + p.name
		}
		switch {
		case p.idx < 0:
			out = append(out, fmt.Sprintf("%s: core field %s missing from the core output (counts as active)", label, p.field))
		case p.active.Load():
			out = append(out, label+" active")
		}
	}
	return out
}

func (m *inputModule) status(time.Time) any {
	pins := map[string]any{}
	var active []string
	for _, p := range m.pins {
		st := map[string]any{"active": p.Active(), "field": p.field}
		if !m.noCode {
			st["gpio"] = p.gpio
		}
		if p.idx < 0 {
			st["missing_field"] = true
		}
		if ns := p.since.Load(); ns != 0 {
			st["since"] = time.Unix(0, ns)
		}
		pins[p.name] = st
		if p.Active() {
			active = append(active, p.name)
		}
	}
	if active == nil {
		active = []string{}
	}
	out := map[string]any{"type": m.kind, "active": active, "pins": pins}
	if m.expander != "" {
		out["expander"] = m.expander
	}
	return out
}
