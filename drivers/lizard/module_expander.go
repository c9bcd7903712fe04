package lizard

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys/drivers/lizard/wire"
)

// Expander is a second ESP32 running Lizard, reached through a serial
// module of the main controller. Modules with Expander set are proxies
// on it ("x = p0.Input(12)"): their properties come back to the main
// controller, so their fields are in its core output. Lines the expander
// prints arrive prefixed with "<name>: "; the driver removes the prefix
// before handing them on, as RoSys does.
type Expander struct {
	Object       string
	Serial       string
	Boot, Enable int // pins to flash and reset it; -1 for none

	d       *Driver
	idx     int
	ready   atomic.Bool
	lines   atomic.Uint64
	lastMsg atomic.Pointer[string]
}

// Name implements Module.
func (e *Expander) Name() string { return e.Object }

// Type implements Module.
func (e *Expander) Type() string { return "expander" }

// Deps implements Module.
func (e *Expander) Deps() []string { return []string{e.Serial} }

// Code implements Module.
func (e *Expander) Code() []string {
	if e.Boot < 0 || e.Enable < 0 {
		return []string{fmt.Sprintf("%s = Expander(%s)", e.Object, e.Serial)}
	}
	return []string{fmt.Sprintf("%s = Expander(%s, %d, %d)", e.Object, e.Serial, e.Boot, e.Enable)}
}

// Fields implements Module: whether the expander has booted.
func (e *Expander) Fields() []wire.Field { return []wire.Field{field(e.Object+".is_ready", -1)} }

func (e *Expander) bind(d *Driver, index func(string) int) {
	e.d, e.idx = d, index(e.Object+".is_ready")
}

func (e *Expander) decode(values []float64, _ time.Time) {
	if e.idx >= 0 {
		e.ready.Store(values[e.idx] != 0)
	}
}

// Ready reports whether the expander said it has booted.
func (e *Expander) Ready() bool { return e.ready.Load() }

// prefix is what the expander's lines start with.
func (e *Expander) prefix() string { return e.Object + ":" }

func (e *Expander) sawLine(line string) {
	e.lines.Add(1)
	e.lastMsg.Store(&line)
}

func (e *Expander) status(time.Time) any {
	out := map[string]any{"type": "expander", "ready": e.ready.Load(), "serial": e.Serial, "lines": e.lines.Load()}
	if m := e.lastMsg.Load(); m != nil {
		out["last_line"] = *m
	}
	return out
}
