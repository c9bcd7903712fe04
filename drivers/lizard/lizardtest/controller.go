// Package lizardtest is a simulated Lizard microcontroller. It speaks the
// protocol on the master side of a real pseudo-terminal, so the driver
// under test opens a real serial device (the pty's slave, through a stable
// symlink) with the real go.bug.st/serial, exactly as on a robot.
package lizardtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/creack/pty"
	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
	"golang.org/x/term"
)

// Config configures a simulated controller.
type Config struct {
	// Link is the path the driver opens; it is a symlink to the current
	// pty and survives unplug/replug, like a udev name.
	Link string
	// Period between core messages and wheel steps (default 10 ms).
	Period time.Duration
	// KeepAliveTimeout stops the motors when no valid line arrived for
	// this long, as a robot's "when core.last_message_age > 500" rule
	// does (default 500 ms).
	KeepAliveTimeout time.Duration
	// LF ends lines in "\n" instead of Lizard's "\r\n".
	LF     bool
	Wheels sim.WheelsConfig
	// Mute makes a controller that never sends telemetry (it ignores
	// core.output), as one with a broken configuration would.
	Mute bool
}

// Controller is a running simulated controller.
type Controller struct {
	cfg    Config
	Wheels *sim.Wheels
	EStop  *sim.EStop

	mu       sync.Mutex
	ptmx     *os.File
	tty      *os.File
	fields   []string
	lastMsg  time.Time
	start    time.Time
	stop     chan struct{}
	loops    sync.WaitGroup
	received hardware.Topic[string]
	halted   atomic.Bool
	out      chan []byte // lines to the driver, written whole by one goroutine

	BadLines atomic.Uint64
	// Dropped counts core messages dropped because the driver did not
	// read fast enough: whole lines, as a UART buffer overrun would lose.
	Dropped atomic.Uint64
}

// Start creates the pty and starts answering on it.
func Start(cfg Config) (*Controller, error) {
	if cfg.Link == "" {
		return nil, errors.New("lizardtest: no link path")
	}
	if cfg.Period <= 0 {
		cfg.Period = 10 * time.Millisecond
	}
	if cfg.KeepAliveTimeout <= 0 {
		cfg.KeepAliveTimeout = 500 * time.Millisecond
	}
	c := &Controller{cfg: cfg, Wheels: sim.NewWheels(cfg.Wheels), EStop: &sim.EStop{}, start: time.Now()}
	c.Wheels.BlockWhen(c.EStop.Active)
	if err := c.plug(); err != nil {
		return nil, err
	}
	return c, nil
}

// Unplug closes the pty, as pulling the USB cable does: the driver's reads
// fail and the link dangles until Replug.
func (c *Controller) Unplug() {
	c.mu.Lock()
	stop := c.stop
	c.stop = nil
	ptmx, tty := c.ptmx, c.tty
	c.mu.Unlock()
	if stop == nil {
		return
	}
	close(stop)
	ptmx.Close()
	tty.Close()
	c.loops.Wait()
}

// Replug creates a new pty and points the link at it.
func (c *Controller) Replug() error { return c.plug() }

// Close stops the controller and removes the link.
func (c *Controller) Close() {
	c.Unplug()
	_ = os.Remove(c.cfg.Link)
}

func (c *Controller) plug() error {
	ptmx, tty, err := pty.Open()
	if err != nil {
		return fmt.Errorf("lizardtest: open pty: %w", err)
	}
	// No echo, no line editing: bytes pass as on a UART.
	if _, err := term.MakeRaw(int(tty.Fd())); err != nil {
		ptmx.Close()
		tty.Close()
		return fmt.Errorf("lizardtest: raw mode: %w", err)
	}
	tmp := c.cfg.Link + ".tmp"
	_ = os.Remove(tmp)
	if err := os.Symlink(tty.Name(), tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, c.cfg.Link); err != nil {
		return err
	}
	stop := make(chan struct{})
	out := make(chan []byte, 64)
	c.mu.Lock()
	c.ptmx, c.tty, c.stop, c.fields, c.out = ptmx, tty, stop, nil, out
	c.lastMsg = time.Now()
	c.mu.Unlock()
	c.loops.Add(3)
	go c.readLoop(ptmx, stop)
	go c.tickLoop(out, stop)
	go c.writeLoop(ptmx, out, stop)
	return nil
}

// writeLoop is the only writer of the pty, so lines never interleave or
// break in the middle.
func (c *Controller) writeLoop(ptmx *os.File, out <-chan []byte, stop <-chan struct{}) {
	defer c.loops.Done()
	for {
		select {
		case <-stop:
			return
		case b := <-out:
			if _, err := ptmx.Write(b); err != nil {
				return
			}
		}
	}
}

// Received delivers every valid command line the controller receives.
func (c *Controller) Received(buffer int) (<-chan string, func()) {
	return c.received.Subscribe(buffer)
}

// Halted reports whether the keep-alive rule stopped the motors.
func (c *Controller) Halted() bool { return c.halted.Load() }

// SendRaw queues bytes for the driver as they are, for garbage and bad
// checksums, in order with the controller's own lines.
func (c *Controller) SendRaw(b []byte) error {
	c.mu.Lock()
	out, stop := c.out, c.stop
	c.mu.Unlock()
	if stop == nil {
		return errors.New("lizardtest: unplugged")
	}
	select {
	case out <- b:
		return nil
	case <-stop:
		return errors.New("lizardtest: unplugged")
	}
}

// Send writes one line with a correct checksum.
func (c *Controller) Send(payload string) error {
	return c.SendRaw(c.line(payload))
}

func (c *Controller) line(payload string) []byte {
	b := lizard.AppendLine(nil, payload)
	if !c.cfg.LF {
		b = append(b[:len(b)-1], '\r', '\n')
	}
	return b
}

func (c *Controller) readLoop(ptmx *os.File, stop chan struct{}) {
	defer c.loops.Done()
	lr := lizard.NewLineReader(ptmx)
	for {
		line, err := lr.ReadLine()
		if err != nil {
			return
		}
		payload, err := lizard.ParseLine(line)
		if err != nil {
			c.BadLines.Add(1) // Lizard ignores lines with a wrong checksum
			continue
		}
		cmd := string(payload)
		c.mu.Lock()
		c.lastMsg = time.Now()
		c.mu.Unlock()
		c.handle(cmd)
		c.received.Publish(cmd)
	}
}

func (c *Controller) handle(cmd string) {
	switch {
	case strings.HasPrefix(cmd, `core.output("`) && strings.HasSuffix(cmd, `")`) && !c.cfg.Mute:
		fields := strings.Fields(cmd[len(`core.output("`) : len(cmd)-2])
		c.mu.Lock()
		c.fields = fields
		c.mu.Unlock()
	case strings.HasPrefix(cmd, "wheels.speed(") && strings.HasSuffix(cmd, ")"):
		args := strings.Split(cmd[len("wheels.speed("):len(cmd)-1], ",")
		if len(args) != 2 {
			return
		}
		lin, err1 := strconv.ParseFloat(strings.TrimSpace(args[0]), 64)
		ang, err2 := strconv.ParseFloat(strings.TrimSpace(args[1]), 64)
		if err1 == nil && err2 == nil {
			c.halted.Store(false)
			_ = c.Wheels.Drive(lin, ang)
		}
	}
}

func (c *Controller) tickLoop(out chan<- []byte, stop chan struct{}) {
	defer c.loops.Done()
	t := time.NewTicker(c.cfg.Period)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			c.mu.Lock()
			fields, last := c.fields, c.lastMsg
			c.mu.Unlock()
			if now.Sub(last) > c.cfg.KeepAliveTimeout && !c.halted.Load() {
				c.halted.Store(true)
				_ = c.Wheels.Stop()
			}
			c.Wheels.Step(now, c.cfg.Period)
			if fields == nil {
				continue
			}
			// Like a UART, a line nobody reads is lost (whole) rather
			// than blocking the controller.
			select {
			case out <- c.line(c.coreMessage(now, fields)):
			default:
				c.Dropped.Add(1)
			}
		}
	}
}

func (c *Controller) coreMessage(now time.Time, fields []string) string {
	var b bytes.Buffer
	b.WriteString("core")
	v := c.Wheels.Velocity()
	for _, spec := range fields {
		name, prec, _ := strings.Cut(spec, ":")
		p, err := strconv.Atoi(prec)
		if err != nil {
			p = 3
		}
		b.WriteByte(' ')
		switch name {
		case "core.millis":
			b.WriteString(strconv.FormatInt(now.Sub(c.start).Milliseconds(), 10))
		case "wheels.linear_speed":
			b.WriteString(strconv.FormatFloat(v.Linear, 'f', p, 64))
		case "wheels.angular_speed":
			b.WriteString(strconv.FormatFloat(v.Angular, 'f', p, 64))
		case "estop.active":
			b.WriteString(strconv.FormatBool(c.EStop.Active()))
		default:
			b.WriteString("0")
		}
	}
	return b.String()
}

// TempLink returns a link path in dir for a Config.
func TempLink(dir string) string { return filepath.Join(dir, "ttyLIZARD0") }
