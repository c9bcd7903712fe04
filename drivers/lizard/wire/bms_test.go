package wire

import (
	"math"
	"testing"

	"github.com/gorosys/rosys/hardware"
)

// FuzzBMSFrame: no byte sequence crashes the frame assembler, and what it
// accepts passed its checksum.
func FuzzBMSFrame(f *testing.F) {
	f.Add(EncodeBMS(hardware.BatteryState{Voltage: 26, Percentage: 70, Temperature: 20}))
	f.Add([]byte{0xdd, 0x03, 0x00, 0x00, 0xff, 0xfd, 0x77})
	f.Add([]byte{0xdd, 0x03, 0x00, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		var fr BMSFrame
		for _, c := range data {
			st, done, err := fr.Add(c)
			if done && (err != nil || math.IsNaN(st.Voltage)) {
				t.Fatalf("accepted %x: %+v %v", data, st, err)
			}
		}
	})
}
