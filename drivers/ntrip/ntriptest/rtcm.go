// Package ntriptest helps test NTRIP: valid RTCM 3 messages to serve, and
// a real caster (RTKLIB's str2str) on this machine.
package ntriptest

import (
	"math"

	"github.com/gorosys/rosys/drivers/ntrip"
)

// bitWriter packs big-endian bit fields, as RTCM 3 lays them out.
type bitWriter struct {
	b []byte
	n int // bits written
}

func (w *bitWriter) put(v uint64, bits int) {
	for i := bits - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>uint(i)&1 == 1 {
			w.b[len(w.b)-1] |= 0x80 >> uint(w.n%8)
		}
		w.n++
	}
}

// putSigned writes v in two's complement over bits.
func (w *bitWriter) putSigned(v int64, bits int) { w.put(uint64(v)&(1<<uint(bits)-1), bits) }

// Message1005 is the payload of RTCM message 1005 (stationary reference
// station: its antenna reference point in ECEF metres, 0.1 mm
// resolution): 152 bits, 19 bytes.
func Message1005(station int, x, y, z float64) []byte {
	var w bitWriter
	w.put(1005, 12)
	w.put(uint64(station)&0xFFF, 12)
	w.put(0, 6) // ITRF realisation year
	w.put(1, 1) // GPS
	w.put(1, 1) // GLONASS
	w.put(1, 1) // Galileo
	w.put(0, 1) // a physical reference station
	w.putSigned(int64(math.Round(x*1e4)), 38)
	w.put(0, 1) // single receiver oscillator
	w.put(0, 1) // reserved
	w.putSigned(int64(math.Round(y*1e4)), 38)
	w.put(0, 2) // quarter cycle indicator
	w.putSigned(int64(math.Round(z*1e4)), 38)
	return w.b
}

// Frames returns n framed 1005 messages, each unique (the station id and
// the position count up), concatenated, and the frames one by one.
func Frames(first, n int) (all []byte, frames [][]byte) {
	for i := first; i < first+n; i++ {
		f, _ := ntrip.AppendFrame(nil, Message1005(i%4096, 4164000+float64(i)*0.01, 855000, 4745000))
		frames = append(frames, f)
		all = append(all, f...)
	}
	return all, frames
}
