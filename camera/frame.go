package camera

import (
	"errors"
	"fmt"
	"time"
)

// Frame is one JPEG image from a camera.
//
// JPEG belongs to whoever filled the Frame. The Camera never hands out its
// ring's own buffers: Latest, At and a Subscription's Next copy into a
// buffer of the caller's (Frame.JPEG's, grown when too small), so a Frame
// stays valid until the caller fills the same Frame again. A Frame filled
// by LatestInto, AtInto or Next is therefore only valid until the next
// call with the same destination: keep it longer with Clone or CopyTo.
type Frame struct {
	Seq           uint64    // 1 for a camera's first frame, +1 for every frame kept
	Time          time.Time // arrival: when the source had the whole frame
	Width, Height int       // from the JPEG's frame header (SOF)
	JPEG          []byte    // a complete JPEG, SOI to EOI, with Huffman tables
}

// CopyTo copies f into dst, reusing dst.JPEG's buffer when it is large
// enough (no allocation then).
func (f *Frame) CopyTo(dst *Frame) {
	buf := dst.JPEG
	if cap(buf) < len(f.JPEG) {
		buf = make([]byte, len(f.JPEG))
	}
	buf = buf[:len(f.JPEG)]
	copy(buf, f.JPEG)
	*dst = *f
	dst.JPEG = buf
}

// Clone returns a copy of f with a buffer of its own.
func (f *Frame) Clone() Frame {
	var c Frame
	f.CopyTo(&c)
	return c
}

// ErrNotJPEG is wrapped by the errors of data that is no JPEG image.
var ErrNotJPEG = errors.New("not a JPEG image")

// Size reads a JPEG's width and height from its frame header (SOF),
// walking the marker segments before it without allocating. It checks
// that the data starts with SOI and that every segment it walks fits.
func Size(jpeg []byte) (width, height int, err error) {
	if len(jpeg) < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8 {
		return 0, 0, fmt.Errorf("%w: no SOI marker at the start", ErrNotJPEG)
	}
	i := 2
	for {
		// Markers may be preceded by fill bytes 0xFF.
		for i < len(jpeg) && jpeg[i] == 0xFF && i+1 < len(jpeg) && jpeg[i+1] == 0xFF {
			i++
		}
		if i+4 > len(jpeg) {
			return 0, 0, fmt.Errorf("%w: no frame header (SOF) in %d bytes", ErrNotJPEG, len(jpeg))
		}
		if jpeg[i] != 0xFF {
			return 0, 0, fmt.Errorf("%w: byte %#02x at offset %d where a marker belongs", ErrNotJPEG, jpeg[i], i)
		}
		m := jpeg[i+1]
		switch {
		case m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7):
			i += 2 // markers without a length
			continue
		case m == 0xD9 || m == 0xDA:
			return 0, 0, fmt.Errorf("%w: marker %#02x before any frame header (SOF)", ErrNotJPEG, m)
		}
		n := int(jpeg[i+2])<<8 | int(jpeg[i+3])
		if n < 2 || i+2+n > len(jpeg) {
			return 0, 0, fmt.Errorf("%w: segment %#02x at offset %d of length %d overruns %d bytes", ErrNotJPEG, m, i, n, len(jpeg))
		}
		if isSOF(m) {
			if n < 8 {
				return 0, 0, fmt.Errorf("%w: frame header (SOF) of %d bytes", ErrNotJPEG, n)
			}
			height = int(jpeg[i+5])<<8 | int(jpeg[i+6])
			width = int(jpeg[i+7])<<8 | int(jpeg[i+8])
			if width == 0 || height == 0 {
				return 0, 0, fmt.Errorf("%w: frame header says %dx%d", ErrNotJPEG, width, height)
			}
			return width, height, nil
		}
		i += 2 + n
	}
}

// isSOF reports whether m is a start-of-frame marker (C0-CF but DHT C4,
// JPG C8 and DAC CC).
func isSOF(m byte) bool {
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC
}
