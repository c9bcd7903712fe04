package wire

import (
	"errors"
	"fmt"

	"github.com/gorosys/rosys/hardware"
)

// BMSFrame assembles a JBD BMS reply: 0xdd, register, status, length,
// length data bytes, a 16-bit checksum (0x10000 minus the sum of status,
// length and data) and 0x77.
type BMSFrame struct {
	buf [4 + 255 + 3]byte
	n   int
}

func (f *BMSFrame) Reset() { f.n = 0 }

// Add appends a byte; done reports a whole, valid basic-information
// frame, decoded into st.
func (f *BMSFrame) Add(c byte) (st hardware.BatteryState, done bool, err error) {
	if f.n == 0 && c != 0xdd {
		return st, false, nil // between frames: noise or the end of a bad one
	}
	f.buf[f.n] = c
	f.n++
	if f.n < 4 {
		return st, false, nil
	}
	length := int(f.buf[3])
	if f.n < 4+length+3 {
		return st, false, nil
	}
	frame := f.buf[:f.n]
	f.Reset()
	st, err = DecodeBMS(frame)
	if err != nil {
		return st, false, err
	}
	return st, true, nil
}

// ErrBMSFrame is a BMS reply that fails its checks.
var ErrBMSFrame = errors.New("bad BMS frame")

// DecodeBMS checks a whole frame and decodes the basic information
// (register 0x03): voltage, current, state of charge and the temperature
// sensors' mean.
func DecodeBMS(frame []byte) (hardware.BatteryState, error) {
	var st hardware.BatteryState
	n := len(frame)
	if n < 7 || frame[0] != 0xdd || frame[n-1] != 0x77 || int(frame[3]) != n-7 {
		return st, fmt.Errorf("%w: framing", ErrBMSFrame)
	}
	data := frame[4 : n-3]
	sum := int(frame[2]) + int(frame[3])
	for _, c := range data {
		sum += int(c)
	}
	if want := uint16(0x10000 - sum); uint16(frame[n-3])<<8|uint16(frame[n-2]) != want {
		return st, fmt.Errorf("%w: checksum", ErrBMSFrame)
	}
	if frame[1] != 0x03 {
		return st, fmt.Errorf("%w: register 0x%02x is not the basic information", ErrBMSFrame, frame[1])
	}
	if frame[2] != 0 {
		return st, fmt.Errorf("%w: BMS reports status 0x%02x", ErrBMSFrame, frame[2])
	}
	// voltage 2, current 2, residual 2, nominal 2, cycles 2, date 2,
	// balance 4, protection 2, version 1, percent 1, fet 1, cells 1,
	// sensors 1, then 2 per sensor.
	if len(data) < 23 {
		return st, fmt.Errorf("%w: %d data bytes, need 23", ErrBMSFrame, len(data))
	}
	u16 := func(i int) int { return int(data[i])<<8 | int(data[i+1]) }
	st.Voltage = float64(u16(0)) / 100
	st.Current = float64(int16(u16(2))) / 100
	st.Percentage = float64(data[19])
	sensors := int(data[22])
	if len(data) < 23+2*sensors {
		return st, fmt.Errorf("%w: %d temperature sensors announced, data ends early", ErrBMSFrame, sensors)
	}
	if sensors > 0 {
		var t float64
		for i := range sensors {
			t += float64(u16(23+2*i))/10 - 273.15
		}
		st.Temperature = t / float64(sensors)
	}
	return st, nil
}

// EncodeBMS builds a basic-information reply for st, as a JBD BMS sends it
// (for simulated controllers and tests).
func EncodeBMS(st hardware.BatteryState) []byte {
	data := make([]byte, 23+4)
	put := func(i, v int) { data[i], data[i+1] = byte(v>>8), byte(v) }
	put(0, int(st.Voltage*100+0.5))
	put(2, int(int16(roundInt(st.Current*100))))
	put(4, 5000)  // residual capacity, 10 mAh
	put(6, 10000) // nominal capacity
	data[18] = 0x10
	data[19] = byte(roundInt(st.Percentage))
	data[20] = 3
	data[21] = 7
	data[22] = 2
	k := roundInt((st.Temperature + 273.15) * 10)
	put(23, k)
	put(25, k)
	frame := []byte{0xdd, 0x03, 0x00, byte(len(data))}
	frame = append(frame, data...)
	sum := int(frame[2]) + int(frame[3])
	for _, c := range data {
		sum += int(c)
	}
	cs := uint16(0x10000 - sum)
	return append(frame, byte(cs>>8), byte(cs), 0x77)
}

func roundInt(v float64) int {
	if v < 0 {
		return int(v - 0.5)
	}
	return int(v + 0.5)
}
