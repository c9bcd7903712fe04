package lizard

import (
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/gorosys/rosys/drivers/lizard/wire"
)

// replayPort stands in for the serial port during replay: it never
// delivers input (recorded lines arrive through Feed) and keeps what the
// driver sends, so no command reaches a real motor controller.
type replayPort struct {
	mu   sync.Mutex
	sent []sentRun
	// speed is the last speed kept by keepSpeed, while it is the last
	// command: repeating it only counts, so the control loop allocates
	// nothing while it asks for the same speed.
	speed     [2]float64
	haveSpeed bool
	closed    chan struct{}
	once      sync.Once
}

// sentRun is a command sent n times in a row.
type sentRun struct {
	cmd string
	n   int
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
	if payload, err := wire.ParseLine([]byte(strings.TrimRight(string(b), "\n"))); err == nil {
		p.mu.Lock()
		p.sent = append(p.sent, sentRun{cmd: string(payload), n: 1})
		p.haveSpeed = false
		p.mu.Unlock()
	}
	return len(b), nil
}

// keepSpeed records a speed the driver was asked for, on the caller's
// goroutine (the control loop's tick), as the command cmd formats.
func (p *replayPort) keepSpeed(linear, angular float64, cmd func() string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.haveSpeed && p.speed == [2]float64{linear, angular} {
		p.sent[len(p.sent)-1].n++
		return
	}
	p.sent = append(p.sent, sentRun{cmd: cmd(), n: 1})
	p.speed, p.haveSpeed = [2]float64{linear, angular}, true
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
// checksums: every speed the control loop asked for, in order (none
// coalesced, unlike on a serial line), and the other commands.
func (d *Driver) Sent() []string {
	if d.replay == nil {
		return nil
	}
	d.replay.mu.Lock()
	defer d.replay.mu.Unlock()
	var out []string
	for _, r := range d.replay.sent {
		for range r.n {
			out = append(out, r.cmd)
		}
	}
	return out
}
