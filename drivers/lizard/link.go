package lizard

import (
	"bytes"
	"context"
	"io"
	"sync"
	"sync/atomic"

	"github.com/gorosys/rosys/drivers/lizard/wire"
)

// Link is a direct connection to a controller, without a driver: what
// `rosys lizard configure` and `rosys lizard send` use. Replies are the
// controller's lines other than core messages (checksums checked), plus
// "Ready." when it restarts; the channel closes when the port fails.
type Link struct {
	port    io.ReadWriteCloser
	replies chan string
	wmu     sync.Mutex
	closed  chan struct{}
	once    sync.Once
	// Garbage counts lines that failed the checksum (a wrong baud rate,
	// noise, or another program on the port).
	Garbage atomic.Uint64
	// Dropped counts replies dropped because nobody read them.
	Dropped atomic.Uint64
}

// Dial opens the serial port at baud (8N1).
func Dial(path string, baud int) (*Link, error) {
	if baud == 0 {
		baud = DefaultBaud
	}
	p, err := OpenSerial(path, baud)
	if err != nil {
		return nil, err
	}
	return NewLink(p), nil
}

// NewLink reads and writes port.
func NewLink(port io.ReadWriteCloser) *Link {
	l := &Link{port: port, replies: make(chan string, 1024), closed: make(chan struct{})}
	go l.read()
	return l
}

func (l *Link) read() {
	defer close(l.replies)
	lr := wire.NewLineReader(l.port)
	for {
		line, err := lr.ReadLine()
		if err != nil {
			return
		}
		var reply string
		if payload, err := wire.ParseLine(line); err == nil {
			if wire.IsCore(payload) {
				continue
			}
			reply = string(payload)
		} else if IsReady(string(line)) {
			reply = "Ready." // printed without a checksum at boot
		} else {
			if len(bytes.TrimSpace(line)) > 0 {
				l.Garbage.Add(1)
			}
			continue
		}
		select {
		case l.replies <- reply:
		default:
			l.Dropped.Add(1)
		}
	}
}

// Replies are the controller's lines.
func (l *Link) Replies() <-chan string { return l.replies }

// SendLine implements LineSender.
func (l *Link) SendLine(ctx context.Context, cmd string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.wmu.Lock()
	defer l.wmu.Unlock()
	_, err := l.port.Write(wire.AppendLine(nil, cmd))
	return err
}

// Close closes the port.
func (l *Link) Close() error {
	var err error
	l.once.Do(func() { err = l.port.Close() })
	return err
}
