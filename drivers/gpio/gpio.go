// Package gpio drives digital lines through periph.io: inputs, outputs,
// an e-stop input with debounce, and a status LED. Lines are opened by
// kernel line name ("GPIO17" on a Pi, "PAC.06" on a Jetson Orin); boards
// maps header pins to those names.
package gpio

import (
	"fmt"
	"slices"
	"sync"

	"github.com/gorosys/rosys/hardware"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/host/v3"
)

// Init loads periph's host drivers (character device, sysfs, SoC
// registers, whichever this machine has). It is safe to call repeatedly.
func Init() error {
	initOnce.Do(func() { _, initErr = host.Init() })
	return initErr
}

var (
	initOnce sync.Once
	initErr  error
)

// Lookup finds a line by name. A name this host does not have is an error
// naming the line and the board, and listing what there is.
func Lookup(name, board string) (gpio.PinIO, error) {
	p := gpioreg.ByName(name)
	if p == nil {
		var known []string
		for _, q := range gpioreg.All() {
			known = append(known, q.Name())
		}
		slices.Sort(known)
		if len(known) > 12 {
			known = append(known[:12], "...")
		}
		return nil, fmt.Errorf("gpio: no line %q on this host (board %s); lines here: %v", name, board, known)
	}
	return p, nil
}

// Input is a digital input.
type Input struct{ p gpio.PinIO }

var _ hardware.Pin = (*Input)(nil)

// NewInput configures p as an input with the given pull.
func NewInput(p gpio.PinIO, pull gpio.Pull) (*Input, error) {
	if err := p.In(pull, gpio.NoEdge); err != nil {
		return nil, fmt.Errorf("gpio: %s as input: %w", p.Name(), err)
	}
	return &Input{p}, nil
}

// Name implements hardware.Pin.
func (i *Input) Name() string { return i.p.Name() }

// Read implements hardware.Pin.
func (i *Input) Read() (bool, error) { return i.p.Read() == gpio.High, nil }

// Write implements hardware.Pin: an input cannot be written.
func (i *Input) Write(bool) error { return fmt.Errorf("gpio: %s is an input", i.p.Name()) }

// Output is a digital output.
type Output struct {
	p    gpio.PinIO
	mu   sync.Mutex
	high bool
}

var _ hardware.Pin = (*Output)(nil)

// NewOutput configures p as an output at level high.
func NewOutput(p gpio.PinIO, high bool) (*Output, error) {
	if err := p.Out(gpio.Level(high)); err != nil {
		return nil, fmt.Errorf("gpio: %s as output: %w", p.Name(), err)
	}
	return &Output{p: p, high: high}, nil
}

// Name implements hardware.Pin.
func (o *Output) Name() string { return o.p.Name() }

// Read implements hardware.Pin: the level last written.
func (o *Output) Read() (bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.high, nil
}

// Write implements hardware.Pin.
func (o *Output) Write(high bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.p.Out(gpio.Level(high)); err != nil {
		return fmt.Errorf("gpio: write %s: %w", o.p.Name(), err)
	}
	o.high = high
	return nil
}
