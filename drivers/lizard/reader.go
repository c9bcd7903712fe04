package lizard

import (
	"bufio"
	"errors"
	"io"
	"runtime"
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

// yieldingReader gives up the processor before each read of the port.
// go.bug.st/serial's Read blocks in select(2) and keeps the goroutine's P
// meanwhile, so goroutines the reader has just made runnable (subscribers
// of velocity, e-stop changes, messages) wait in that P's run queue until
// another thread steals them or the runtime's sysmon takes the P back,
// which it does every 20 µs to 10 ms: traced, subscribers saw values up
// to 10 ms after the reader published them. Yielding first lets them run
// before the reader blocks. It costs a trip through the scheduler per
// read, a few hundred per second.
type yieldingReader struct{ r io.Reader }

func (y yieldingReader) Read(p []byte) (int, error) {
	runtime.Gosched()
	return y.r.Read(p)
}
