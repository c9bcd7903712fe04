package lizard

import (
	"fmt"
	"time"

	"github.com/gorosys/rosys/drivers/lizard/wire"
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
func (s *Serial) Fields() []wire.Field           { return nil }
func (s *Serial) bind(*Driver, func(string) int) {}
func (s *Serial) decode([]float64, time.Time)    {}
func (s *Serial) status(time.Time) any {
	return map[string]any{"type": "serial", "rx_pin": s.RxPin, "tx_pin": s.TxPin}
}

func expanderDeps(e string) []string {
	if e == "" {
		return nil
	}
	return []string{e}
}
