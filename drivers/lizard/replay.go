package lizard

import (
	"errors"
	"io"
	"strings"
	"sync"
	"time"
)

// replayPort stands in for the serial port during replay: it never
// delivers input (recorded lines arrive through Feed) and keeps what the
// driver writes, so no command reaches a real motor controller.
type replayPort struct {
	mu     sync.Mutex
	sent   []string
	closed chan struct{}
	once   sync.Once
}

func (p *replayPort) Read([]byte) (int, error) {
	<-p.closed
	return 0, io.EOF
}

func (p *replayPort) Write(b []byte) (int, error) {
	select {
	case <-p.closed:
		return 0, errors.New("replay port closed")
	default:
	}
	if payload, err := ParseLine([]byte(strings.TrimRight(string(b), "\n"))); err == nil {
		p.mu.Lock()
		p.sent = append(p.sent, string(payload))
		p.mu.Unlock()
	}
	return len(b), nil
}

func (p *replayPort) Close() error {
	p.once.Do(func() { close(p.closed) })
	return nil
}

// Feed hands the driver a recorded line as if it arrived at recv (replay
// only). Call it from one goroutine, in recorded order.
func (d *Driver) Feed(line []byte, recv time.Time) {
	if d.replayState == nil {
		d.replayState = d.newLineState()
	}
	d.handleLine(d.replayState, line, recv)
}

// Sent lists the commands the driver sent during replay, without
// checksums.
func (d *Driver) Sent() []string {
	if d.replay == nil {
		return nil
	}
	d.replay.mu.Lock()
	defer d.replay.mu.Unlock()
	return append([]string(nil), d.replay.sent...)
}
