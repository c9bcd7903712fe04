package lizard

import (
	"math"
	"testing"
	"time"

	"github.com/gorosys/rosys/hardware"
)

func TestBMSRoundTripAndSplitLines(t *testing.T) {
	want := hardware.BatteryState{Voltage: 25.31, Current: -1.25, Percentage: 64, Temperature: 21.5}
	frame := EncodeBMS(want)
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
	bad := EncodeBMS(want)
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

func hexByte(c byte) string { return string([]byte{hexDigits[c>>4], hexDigits[c&0xf]}) }

// FuzzBMSFrame: no byte sequence crashes the frame assembler, and what it
// accepts passed its checksum.
func FuzzBMSFrame(f *testing.F) {
	f.Add(EncodeBMS(hardware.BatteryState{Voltage: 26, Percentage: 70, Temperature: 20}))
	f.Add([]byte{0xdd, 0x03, 0x00, 0x00, 0xff, 0xfd, 0x77})
	f.Add([]byte{0xdd, 0x03, 0x00, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		var fr bmsFrame
		for _, c := range data {
			st, done, err := fr.add(c)
			if done && (err != nil || math.IsNaN(st.Voltage)) {
				t.Fatalf("accepted %x: %+v %v", data, st, err)
			}
		}
	})
}
