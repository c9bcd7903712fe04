package gnss

import (
	"bufio"
	"errors"
	"io"
)

// lineReader splits a stream into lines ending in "\n" or "\r\n". A line
// longer than its bound is dropped without being buffered, so memory stays
// bounded whatever arrives (noise, a wrong baud rate, a hostile peer).
type lineReader struct {
	r        *bufio.Reader
	overlong uint64
}

func newLineReader(r io.Reader, maxLine int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, maxLine)}
}

// readLine returns the next line without its ending, valid until the next
// call. A partial line at the end of the stream is dropped: it has no end.
func (l *lineReader) readLine() ([]byte, error) {
	for {
		line, err := l.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			l.overlong++
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = l.r.ReadSlice('\n')
			}
			if err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		line = line[:len(line)-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		return line, nil
	}
}
