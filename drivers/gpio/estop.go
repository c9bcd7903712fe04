package gpio

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys/hardware"
	"periph.io/x/conn/v3/gpio"
)

// EStop is an emergency-stop input. It is sampled on the control loop
// (reading a GPIO level is a register or ioctl read of microseconds, no
// blocking I/O) and debounced on the loop's own time, so it is
// deterministic under the virtual clock. Add it before the modules that
// check it.
//
// It fails safe: until the first stable reading, the e-stop is active.
type EStop struct {
	p         gpio.PinIO
	activeLow bool
	debounce  time.Duration

	active    atomic.Bool
	changes   hardware.Topic[bool]
	journal   Recorder
	candidate bool
	since     time.Time
	started   bool
}

var _ hardware.EStop = (*EStop)(nil)

// NewEStop configures p as the e-stop input. With activeLow the circuit
// pulls the line low when pressed (the usual normally-closed wiring to
// ground), so the line gets a pull-up; otherwise a pull-down.
func NewEStop(p gpio.PinIO, activeLow bool, debounce time.Duration) (*EStop, error) {
	pull := gpio.PullDown
	if activeLow {
		pull = gpio.PullUp
	}
	if err := p.In(pull, gpio.NoEdge); err != nil {
		return nil, fmt.Errorf("gpio: e-stop %s as input: %w", p.Name(), err)
	}
	e := &EStop{p: p, activeLow: activeLow, debounce: debounce}
	e.active.Store(true)
	return e, nil
}

// Recorder records what a driver receives (journal.Journal).
type Recorder interface {
	RecordAt(at time.Time, source string, kind byte, data []byte)
}

// Journal records every change of the debounced state as "estop" input
// ("1" active, "0" released), for replay and post-mortems.
func (e *EStop) Journal(r Recorder) { e.journal = r }

// Step implements rosys.Stepper: a level must hold for the debounce time
// before the state follows it.
func (e *EStop) Step(now time.Time, _ time.Duration) {
	raw := (e.p.Read() == gpio.High) != e.activeLow
	if !e.started || raw != e.candidate {
		e.candidate, e.since, e.started = raw, now, true
	}
	if now.Sub(e.since) >= e.debounce && e.active.Load() != e.candidate {
		e.active.Store(e.candidate)
		e.changes.Publish(e.candidate)
		if e.journal != nil {
			state := []byte("0")
			if e.candidate {
				state = []byte("1")
			}
			e.journal.RecordAt(now, "estop", 'i', state)
		}
	}
}

// Active implements hardware.EStop.
func (e *EStop) Active() bool { return e.active.Load() }

// SubscribeChanges implements hardware.EStop.
func (e *EStop) SubscribeChanges(buffer int) (<-chan bool, func()) {
	return e.changes.Subscribe(buffer)
}

// LED is a status LED: on, off or blinking, stepped by the control loop.
// It writes the line only when its level changes.
type LED struct {
	out    *Output
	mode   atomic.Int32
	period atomic.Int64
	lit    atomic.Bool
	next   time.Time
}

// LED modes.
const (
	LEDOff = iota
	LEDOn
	LEDBlink
)

// NewLED drives an LED on p, off at first.
func NewLED(p gpio.PinIO) (*LED, error) {
	out, err := NewOutput(p, false)
	if err != nil {
		return nil, err
	}
	return &LED{out: out}, nil
}

// Set switches the LED on or off.
func (l *LED) Set(on bool) {
	if on {
		l.mode.Store(LEDOn)
	} else {
		l.mode.Store(LEDOff)
	}
}

// Blink toggles the LED every half period.
func (l *LED) Blink(period time.Duration) {
	l.period.Store(int64(period))
	l.mode.Store(LEDBlink)
}

// Step implements rosys.Stepper.
func (l *LED) Step(now time.Time, _ time.Duration) {
	want := l.lit.Load()
	switch l.mode.Load() {
	case LEDOff:
		want = false
	case LEDOn:
		want = true
	case LEDBlink:
		if !now.Before(l.next) {
			want = !l.lit.Load()
			l.next = now.Add(time.Duration(l.period.Load()) / 2)
		}
	}
	if want != l.lit.Load() {
		if l.out.Write(want) == nil {
			l.lit.Store(want)
		}
	}
}

// Lit reports whether the LED is on now.
func (l *LED) Lit() bool { return l.lit.Load() }

// SafeStop implements rosys.Actuator: the LED goes dark when the robot
// stops.
func (l *LED) SafeStop() {
	l.Set(false)
	if l.out.Write(false) == nil {
		l.lit.Store(false)
	}
}
