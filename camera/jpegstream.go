package camera

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// jpegStream splits a byte stream of concatenated JPEGs (ffmpeg's
// -f mjpeg output) into frames, reusing one buffer: a frame is valid
// until the next call. It walks the marker segments by their lengths (so
// an EXIF thumbnail's EOI inside an APP1 segment does not end the frame)
// and the entropy-coded data up to the next marker; every frame is
// bounded by max, and bytes before a frame's SOI by maxSkip.
type jpegStream struct {
	br      *bufio.Reader
	buf     []byte
	max     int
	maxSkip int    // bytes before a frame's SOI
	skipped uint64 // bytes skipped between frames, over the stream
}

const maxSkip = 1 << 20

func newJPEGStream(r io.Reader, max int) *jpegStream {
	return &jpegStream{br: bufio.NewReaderSize(r, 64<<10), max: max, maxSkip: maxSkip}
}

// errFrameTooLarge is wrapped by the error of a frame beyond the bound.
var errFrameTooLarge = errors.New("frame too large")

// add appends b to the frame, bounded.
func (s *jpegStream) add(b ...byte) error {
	if len(s.buf)+len(b) > s.max {
		return fmt.Errorf("%w: more than %d bytes without an end of image", errFrameTooLarge, s.max)
	}
	if cap(s.buf) < len(s.buf)+len(b) {
		s.buf = append(make([]byte, 0, grow(len(s.buf)+len(b), s.max)), s.buf...)
	}
	s.buf = append(s.buf, b...)
	return nil
}

// next returns the next complete JPEG.
func (s *jpegStream) next() ([]byte, error) {
	// Find SOI.
	skip := 0
	for {
		b, err := s.br.ReadByte()
		if err != nil {
			return nil, err
		}
		if b == 0xFF {
			if nb, err := s.br.Peek(1); err == nil && nb[0] == 0xD8 {
				_, _ = s.br.ReadByte()
				break
			}
		}
		if skip++; skip > s.maxSkip {
			return nil, fmt.Errorf("%w: %d bytes without a start of image", ErrNotJPEG, s.maxSkip)
		}
		s.skipped++
	}
	s.buf = append(s.buf[:0], 0xFF, 0xD8)
	m, err := s.marker()
	for err == nil {
		switch {
		case m == 0xD9:
			return s.buf, nil
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7):
			m, err = s.marker()
		default:
			if err = s.segment(); err != nil {
				break
			}
			if m == 0xDA {
				m, err = s.entropy()
			} else {
				m, err = s.marker()
			}
		}
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return nil, err
}

// marker reads the next marker (FF, fill bytes, the code) into the frame.
func (s *jpegStream) marker() (byte, error) {
	b, err := s.br.ReadByte()
	if err != nil {
		return 0, err
	}
	if b != 0xFF {
		return 0, fmt.Errorf("%w: byte %#02x where a marker belongs", ErrNotJPEG, b)
	}
	for b == 0xFF {
		if b, err = s.br.ReadByte(); err != nil {
			return 0, err
		}
	}
	return b, s.add(0xFF, b)
}

// segment reads a marker segment's length and body into the frame.
func (s *jpegStream) segment() error {
	l, err := s.br.Peek(2)
	if err != nil {
		return err
	}
	n := int(l[0])<<8 | int(l[1])
	if n < 2 {
		return fmt.Errorf("%w: segment length %d", ErrNotJPEG, n)
	}
	if len(s.buf)+n > s.max {
		return fmt.Errorf("%w: more than %d bytes", errFrameTooLarge, s.max)
	}
	for n > 0 {
		chunk, err := s.br.Peek(min(n, s.br.Size()))
		if err != nil && len(chunk) == 0 {
			return err
		}
		if err := s.add(chunk...); err != nil {
			return err
		}
		_, _ = s.br.Discard(len(chunk))
		n -= len(chunk)
	}
	return nil
}

// entropy reads entropy-coded data into the frame up to the next marker
// (an FF not followed by 00, a restart marker or a fill byte), which it
// reads too and returns.
func (s *jpegStream) entropy() (byte, error) {
	for {
		data, err := s.br.ReadSlice(0xFF)
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return 0, err
		}
		if err := s.add(data...); err != nil {
			return 0, err
		}
		if data[len(data)-1] != 0xFF {
			continue // the buffer filled before an FF
		}
		next, err := s.br.Peek(1)
		if err != nil {
			return 0, err
		}
		switch c := next[0]; {
		case c == 0x00 || (c >= 0xD0 && c <= 0xD7):
			_, _ = s.br.ReadByte()
			if err := s.add(c); err != nil {
				return 0, err
			}
		case c == 0xFF:
			// fill byte: the FF already taken stands for it
		default:
			_, _ = s.br.ReadByte()
			return c, s.add(c)
		}
	}
}
