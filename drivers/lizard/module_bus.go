package lizard

import (
	"fmt"
	"time"
)

// Serial is a serial port of the controller (Lizard's Serial), e.g. the
// one an expander is reached through.
type Serial struct {
	Object       string
	RxPin, TxPin int
	Baud, Num    int // default 115200, UART 1
	Expander     string
}

// Name implements Module.
func (s *Serial) Name() string { return s.Object }

// Type implements Module.
func (s *Serial) Type() string { return "serial" }

// Deps implements Module.
func (s *Serial) Deps() []string { return expanderDeps(s.Expander) }

// Code implements Module.
func (s *Serial) Code() []string {
	baud, num := s.Baud, s.Num
	if baud == 0 {
		baud = 115200
	}
	if num == 0 {
		num = 1
	}
	return []string{fmt.Sprintf("%s = %sSerial(%d, %d, %d, %d)", s.Object, proxyPrefix(s.Expander), s.RxPin, s.TxPin, baud, num)}
}

// Fields implements Module.
func (s *Serial) Fields() []Field                { return nil }
func (s *Serial) bind(*Driver, func(string) int) {}
func (s *Serial) decode([]float64, time.Time)    {}
func (s *Serial) status(time.Time) any {
	return map[string]any{"type": "serial", "rx_pin": s.RxPin, "tx_pin": s.TxPin}
}

// Can is a CAN bus interface of the controller (Lizard's Can), which the
// ODrive motors of a wheels module talk over.
type Can struct {
	Object       string
	RxPin, TxPin int
	Baud         int // default 1 000 000
	Expander     string
}

// Name implements Module.
func (c *Can) Name() string { return c.Object }

// Type implements Module.
func (c *Can) Type() string { return "can" }

// Deps implements Module.
func (c *Can) Deps() []string { return expanderDeps(c.Expander) }

// Code implements Module.
func (c *Can) Code() []string {
	baud := c.Baud
	if baud == 0 {
		baud = 1000000
	}
	return []string{fmt.Sprintf("%s = %sCan(%d, %d, %d)", c.Object, proxyPrefix(c.Expander), c.RxPin, c.TxPin, baud)}
}

// Fields implements Module.
func (c *Can) Fields() []Field                { return nil }
func (c *Can) bind(*Driver, func(string) int) {}
func (c *Can) decode([]float64, time.Time)    {}
func (c *Can) status(time.Time) any {
	return map[string]any{"type": "can", "rx_pin": c.RxPin, "tx_pin": c.TxPin}
}

// CodeLines is startup code written by hand (rules, a custom drive),
// added as it is.
type CodeLines struct {
	Object string
	Lines  []string
}

// Name implements Module.
func (c *CodeLines) Name() string { return c.Object }

// Type implements Module.
func (c *CodeLines) Type() string { return "code" }

// Deps implements Module.
func (c *CodeLines) Deps() []string { return nil }

// Code implements Module.
func (c *CodeLines) Code() []string { return c.Lines }

// Fields implements Module.
func (c *CodeLines) Fields() []Field                { return nil }
func (c *CodeLines) bind(*Driver, func(string) int) {}
func (c *CodeLines) decode([]float64, time.Time)    {}
func (c *CodeLines) status(time.Time) any {
	return map[string]any{"type": "code", "lines": len(c.Lines)}
}

func expanderDeps(e string) []string {
	if e == "" {
		return nil
	}
	return []string{e}
}
