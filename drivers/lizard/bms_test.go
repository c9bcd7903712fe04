package lizard

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/gorosys/rosys/drivers/lizard/wire"
	"github.com/gorosys/rosys/hardware"
)

func TestBMSRoundTripAndSplitLines(t *testing.T) {
	want := hardware.BatteryState{Voltage: 25.31, Current: -1.25, Percentage: 64, Temperature: 21.5}
	frame := wire.EncodeBMS(want)
	b := &Battery{ChargeDetectThreshold: -0.4}
	states, cancel := b.SubscribeBattery(4)
	defer cancel()
	// Three lines, split anywhere, with noise before the frame.
	var words [][]byte
	for _, c := range frame {
		words = append(words, []byte(hexByte(c)))
	}
	at := time.Unix(100, 0)
	b.handleLine(append([][]byte{[]byte("battery"), []byte("00"), []byte("77")}, words[:5]...), at)
	b.handleLine(append([][]byte{[]byte("battery")}, words[5:20]...), at)
	if len(states) != 0 {
		t.Fatal("a state before the frame was whole")
	}
	b.handleLine(append([][]byte{[]byte("battery")}, words[20:]...), at)
	got := <-states
	if math.Abs(got.Voltage-want.Voltage) > 1e-9 || got.Current != want.Current || got.Percentage != want.Percentage ||
		math.Abs(got.Temperature-want.Temperature) > 0.051 || got.Charging || got.Time != at {
		t.Fatalf("got %+v", got)
	}
	// A corrupted checksum is counted, not published.
	bad := wire.EncodeBMS(want)
	bad[len(bad)-2] ^= 1
	words = words[:0]
	for _, c := range bad {
		words = append(words, []byte(hexByte(c)))
	}
	b.handleLine(append([][]byte{[]byte("battery")}, words...), at)
	if len(states) != 0 || b.bad.Load() != 1 {
		t.Fatalf("bad frame: %d states, %d bad", len(states), b.bad.Load())
	}
}

func hexByte(c byte) string { return fmt.Sprintf("%02x", c) }
