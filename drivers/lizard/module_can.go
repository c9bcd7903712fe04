package lizard

import (
	"fmt"
	"time"

	"github.com/gorosys/rosys/drivers/lizard/wire"
)

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
func (c *Can) Fields() []wire.Field           { return nil }
func (c *Can) bind(*Driver, func(string) int) {}
func (c *Can) decode([]float64, time.Time)    {}
func (c *Can) status(time.Time) any {
	return map[string]any{"type": "can", "rx_pin": c.RxPin, "tx_pin": c.TxPin}
}
