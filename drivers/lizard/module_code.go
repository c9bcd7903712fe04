package lizard

import (
	"time"

	"github.com/gorosys/rosys/drivers/lizard/wire"
)

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
func (c *CodeLines) Fields() []wire.Field           { return nil }
func (c *CodeLines) bind(*Driver, func(string) int) {}
func (c *CodeLines) decode([]float64, time.Time)    {}
func (c *CodeLines) status(time.Time) any {
	return map[string]any{"type": "code", "lines": len(c.Lines)}
}
