package sim

import (
	"sync"

	"github.com/gorosys/rosys/hardware"
)

// Pin is a simulated digital line: what is written can be read back, and
// tests can drive it as an input with Set.
type Pin struct {
	name string
	mu   sync.Mutex
	high bool
}

var _ hardware.Pin = (*Pin)(nil)

// NewPin returns a low pin.
func NewPin(name string) *Pin { return &Pin{name: name} }

// Name implements hardware.Pin.
func (p *Pin) Name() string { return p.name }

// Read implements hardware.Pin.
func (p *Pin) Read() (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.high, nil
}

// Write implements hardware.Pin.
func (p *Pin) Write(high bool) error { p.Set(high); return nil }

// Set drives the line, as the outside world would for an input.
func (p *Pin) Set(high bool) {
	p.mu.Lock()
	p.high = high
	p.mu.Unlock()
}
