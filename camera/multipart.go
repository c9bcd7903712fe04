package camera

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Bounds of a multipart MJPEG stream's framing: what a camera sends
// around its JPEGs is small, so anything longer is a broken stream.
const (
	maxPartHeaderLine  = 1024     // bytes of one part header line
	maxPartHeaders     = 32       // header lines of one part
	maxBetweenParts    = 4096     // bytes skipped looking for a boundary
	multipartReadBytes = 16 << 10 // under a frame's size: most of a part is read straight into its buffer, past bufio
)

// partReader splits a multipart/x-mixed-replace body into its parts'
// bodies, reusing one buffer: a part's bytes are valid until the next
// call. With a Content-Length it reads exactly that; without one it reads
// the JPEG by its structure (jpegStream), so a frame is handed on as soon
// as its last byte is in, not when the next part begins. Every read is
// bounded by max.
type partReader struct {
	br       *bufio.Reader
	boundary []byte // as the Content-Type declares it
	buf      []byte
	max      int
	js       jpegStream // parts without Content-Length; shares br
	// atPart: the reader is past a boundary line, at a part's headers.
	atPart bool
}

func newPartReader(r io.Reader, boundary string, max int) *partReader {
	br := bufio.NewReaderSize(r, multipartReadBytes)
	return &partReader{br: br, boundary: []byte(boundary), max: max,
		js: jpegStream{br: br, max: max, maxSkip: maxBetweenParts}}
}

// errStreamEnd is the closing boundary: the camera ended the stream.
var errStreamEnd = errors.New("closing boundary")

// isBoundary reports whether line (without its line end) delimits parts:
// "--boundary", or "boundary" itself (cameras that declare the dashes as
// part of it), and whether it is the closing one ("--boundary--").
func (p *partReader) isBoundary(line []byte) (ok, closing bool) {
	line = bytes.TrimRight(line, " \t")
	if rest, found := bytes.CutPrefix(line, []byte("--")); found && bytes.HasPrefix(rest, p.boundary) {
		rest = rest[len(p.boundary):]
		return len(rest) == 0 || string(rest) == "--", len(rest) > 0
	}
	if bytes.HasPrefix(line, p.boundary) {
		rest := line[len(p.boundary):]
		return len(rest) == 0 || string(rest) == "--", len(rest) > 0
	}
	return false, false
}

// line reads one line of framing, without its line end, bounded.
func (p *partReader) line() ([]byte, error) {
	l, err := p.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) || len(l) > maxPartHeaderLine {
		return nil, fmt.Errorf("mjpeg: a header line longer than %d bytes", maxPartHeaderLine)
	}
	if err != nil {
		if err == io.EOF && len(l) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return bytes.TrimRight(l, "\r\n"), nil
}

// skipToBoundary reads lines until a boundary line, at most
// maxBetweenParts bytes.
func (p *partReader) skipToBoundary() error {
	skipped := 0
	for {
		l, err := p.br.ReadSlice('\n')
		skipped += len(l)
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
		if err == nil {
			if ok, closing := p.isBoundary(bytes.TrimRight(l, "\r\n")); ok {
				if closing {
					return errStreamEnd
				}
				return nil
			}
		}
		if skipped > maxBetweenParts {
			return fmt.Errorf("mjpeg: no boundary %q within %d bytes", p.boundary, maxBetweenParts)
		}
	}
}

// next returns the body of the next part.
func (p *partReader) next() ([]byte, error) {
	if !p.atPart {
		// The line end after the last part, the boundary line.
		if err := p.skipToBoundary(); err != nil {
			return nil, noEOF(err)
		}
		p.atPart = true
	}
	length := -1
	for n := 0; ; n++ {
		if n == maxPartHeaders {
			return nil, fmt.Errorf("mjpeg: more than %d header lines in a part", maxPartHeaders)
		}
		l, err := p.line()
		if err != nil {
			return nil, err
		}
		if len(l) == 0 {
			break
		}
		if v, ok := headerValue(l, "content-length"); ok {
			if length, err = parseLength(v, p.max); err != nil {
				return nil, err
			}
		}
	}
	if length >= 0 {
		if cap(p.buf) < length {
			p.buf = make([]byte, length, grow(length, p.max))
		}
		p.buf = p.buf[:length]
		if _, err := io.ReadFull(p.br, p.buf); err != nil {
			return nil, noEOF(err)
		}
		p.atPart = false
		return p.buf, nil
	}
	p.atPart = false
	return p.js.next()
}

// headerValue returns the value of a "Name: value" line if the name is
// name (lower case), without allocating.
func headerValue(line []byte, name string) ([]byte, bool) {
	colon := bytes.IndexByte(line, ':')
	if colon != len(name) || !bytes.EqualFold(line[:colon], []byte(name)) {
		return nil, false
	}
	return bytes.TrimSpace(line[colon+1:]), true
}

// parseLength reads a decimal Content-Length, at most max.
func parseLength(v []byte, max int) (int, error) {
	if len(v) == 0 || len(v) > 10 {
		return 0, fmt.Errorf("mjpeg: bad Content-Length %q", v)
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("mjpeg: bad Content-Length %q", v)
		}
		n = n*10 + int(c-'0')
	}
	if n > max {
		return 0, fmt.Errorf("mjpeg: a part of %d bytes, more than the %d allowed", n, max)
	}
	return n, nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
