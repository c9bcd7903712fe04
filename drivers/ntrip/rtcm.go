package ntrip

// RTCM 3 framing (RTCM 10403.x, section 4):
//
//	frame := 0xD3 | 6 reserved bits (0) + 10-bit length | payload[length] | CRC-24Q[3]
//
// The CRC covers the preamble, the length bytes and the payload. The first
// 12 bits of the payload are the message number (1005: the reference
// station's position, 1074..1127: MSM observations, ...).

const (
	// Preamble starts every RTCM 3 frame.
	Preamble = 0xD3
	// MaxPayload is the largest payload the 10-bit length can say.
	MaxPayload = 1023
	// MaxFrame is the largest frame: header, payload and CRC.
	MaxFrame = 3 + MaxPayload + 3
)

// crc24qTable is CRC-24Q (polynomial 0x1864CFB), a byte at a time.
var crc24qTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i) << 16
		for range 8 {
			c <<= 1
			if c&0x1000000 != 0 {
				c ^= 0x1864CFB
			}
		}
		t[i] = c & 0xFFFFFF
	}
	return t
}()

// CRC24Q returns the CRC-24Q of b.
func CRC24Q(b []byte) uint32 {
	var c uint32
	for _, x := range b {
		c = (c<<8)&0xFFFFFF ^ crc24qTable[byte(c>>16)^x]
	}
	return c
}

// AppendFrame frames payload (at most MaxPayload bytes) as an RTCM 3
// message and appends it to buf; a longer payload appends nothing and
// reports false.
func AppendFrame(buf, payload []byte) ([]byte, bool) {
	if len(payload) > MaxPayload {
		return buf, false
	}
	start := len(buf)
	buf = append(buf, Preamble, byte(len(payload)>>8), byte(len(payload)))
	buf = append(buf, payload...)
	c := CRC24Q(buf[start:])
	return append(buf, byte(c>>16), byte(c>>8), byte(c)), true
}

// MessageType is the message number of a frame's payload (its first 12
// bits), 0 for a payload shorter than 2 bytes.
func MessageType(payload []byte) int {
	if len(payload) < 2 {
		return 0
	}
	return int(payload[0])<<4 | int(payload[1])>>4
}

// Framer finds RTCM 3 frames in a byte stream that may hold anything
// else (a caster's garbage, a stream cut mid-frame at a reconnect). It
// keeps at most one partial frame between writes: bytes that cannot start
// a valid frame are skipped and counted, never kept. Its work is linear
// in the bytes fed, whatever they are.
type Framer struct {
	buf []byte // unprocessed bytes: at most a partial frame between writes

	// Frames counts intact frames; BadFrames frames whose CRC failed;
	// Skipped the bytes outside intact frames (garbage, bad frames).
	Frames, BadFrames, Skipped uint64
}

// Write feeds p and calls frame for each intact frame found, in order;
// the slice is valid only during the call. It never fails.
func (f *Framer) Write(p []byte, frame func(frame []byte)) {
	f.buf = append(f.buf, p...)
	b := f.buf
	i := 0
	for i < len(b) {
		if b[i] != Preamble {
			f.Skipped++
			i++
			continue
		}
		if len(b)-i < 3 {
			break // a header still to come
		}
		if b[i+1]&0xFC != 0 {
			// Reserved bits set: this 0xD3 is not a frame's start.
			f.Skipped++
			i++
			continue
		}
		n := 3 + (int(b[i+1]&0x03)<<8 | int(b[i+2]))
		if len(b)-i < n+3 {
			break // the rest of the frame still to come
		}
		got := uint32(b[i+n])<<16 | uint32(b[i+n+1])<<8 | uint32(b[i+n+2])
		if CRC24Q(b[i:i+n]) != got {
			// A damaged frame, or a 0xD3 in garbage that looked like a
			// header: skip what it claimed, as RTKLIB does. Rescanning
			// from the next byte would find a frame that starts inside
			// it, at the cost of a CRC over up to 1 KiB for every byte
			// of hostile garbage.
			f.BadFrames++
			f.Skipped += uint64(n + 3)
			i += n + 3
			continue
		}
		f.Frames++
		frame(b[i : i+n+3])
		i += n + 3
	}
	f.buf = b[:copy(b, b[i:])]
}
