package wire

import (
	"bufio"
	"errors"
	"io"
)

// MaxLineLength bounds a line. Lizard's lines are far shorter; a longer one
// is garbage (noise on the wire, a wrong baud rate) and is dropped without
// buffering it, so memory stays bounded whatever arrives.
const MaxLineLength = 1024

// LineReader splits a byte stream into lines ending in "\n" or "\r\n",
// keeping their order.
type LineReader struct {
	r        *bufio.Reader
	Overlong uint64 // lines dropped for exceeding MaxLineLength
}

// NewLineReader reads lines from r.
func NewLineReader(r io.Reader) *LineReader {
	return &LineReader{r: bufio.NewReaderSize(r, MaxLineLength)}
}

// ReadLine returns the next line without its ending. The slice is valid
// until the next call. An overlong line is skipped and counted.
func (l *LineReader) ReadLine() ([]byte, error) {
	for {
		line, err := l.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			l.Overlong++
			if err := l.skipRest(); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err // a partial line at EOF is dropped: it has no end
		}
		line = line[:len(line)-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		return line, nil
	}
}

func (l *LineReader) skipRest() error {
	for {
		_, err := l.r.ReadSlice('\n')
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
}
