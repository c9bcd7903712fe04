// Package lizardtest is a simulated Lizard microcontroller. It speaks the
// protocol on the master side of a real pseudo-terminal, so the driver
// under test opens a real serial device (the pty's slave, through a stable
// symlink) with the real go.bug.st/serial, exactly as on a robot.
//
// It stands in for Lizard well enough to configure it: it keeps the
// startup code sent with "!-", "!+line" and "!." (and prints it on "!?"),
// restarts on core.restart() with "Ready.", answers
// core.startup_checksum(), core.info() and core.version(), and runs the
// modules its startup code declares in simulation: Input pins for
// e-stops, bumpers and end switches (Press/Release), Outputs (on, off,
// level), ODriveWheels, a BMS behind a
// Serial that drains, an Imu that follows the simulated motion, and
// Expanders with proxies.
package lizardtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/creack/pty"
	"github.com/gorosys/rosys/drivers/lizard/wire"
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
	// does (default 500 ms). It applies while the controller has no
	// startup code; with startup code, only its rule stops them.
	KeepAliveTimeout time.Duration
	// LF ends lines in "\n" instead of Lizard's "\r\n".
	LF     bool
	Wheels sim.WheelsConfig
	// Mute makes a controller that never sends telemetry (it ignores
	// core.output), as one with a broken configuration would.
	Mute bool
	// Startup is the startup code already stored on the controller (as
	// if configured before); it runs at Start.
	Startup []string
	// RestartDelay is how long core.restart() takes until "Ready."
	// (default 50 ms; a real ESP32 takes about 2 s).
	RestartDelay time.Duration
	// NoReady makes a controller that never comes back from
	// core.restart(): no "Ready.", no answers, no telemetry.
	NoReady bool
	// Garbage makes a controller that answers every line with noise (a
	// wrong baud rate looks like this) and sends no valid line.
	Garbage bool
	// UnplugAfter pulls the cable (as Unplug) right after the controller
	// received this many "!+" lines, once: an unplug during configure.
	UnplugAfter int
	// StartupLimit keeps at most this many startup lines, dropping the
	// rest as a full flash would (0: no limit): a configure that cannot
	// match.
	StartupLimit int
	// Firmware is what core.info() reports as the version (default
	// "v0.9.9-sim").
	Firmware string
	// Observe, when set, is called with every valid command line the
	// moment it has been read off the pty, on the reading goroutine (it
	// must not block): for latency measurements, which Received's
	// subscriber goroutine would add its own wake-up to.
	Observe func(cmd string, at time.Time)
	// ObserveSent, when set, is called with every line (bytes as sent,
	// ending included) right before it is written to the pty, on the
	// writing goroutine (it must not block or keep the slice).
	ObserveSent func(line []byte, at time.Time)
	// Battery is the simulated BMS's start state and drain; zero values
	// take a 26.5 V battery losing 1 mV/s.
	BatteryVoltage, BatteryDrainPerSecond float64
}

// Controller is a running simulated controller.
type Controller struct {
	cfg    Config
	Wheels *sim.Wheels
	// EStop is the e-stop of a controller without startup code (field
	// estop.active); with startup code use Press and Release.
	EStop *sim.EStop

	mu       sync.Mutex
	ptmx     *os.File
	tty      *os.File
	lastMsg  time.Time
	start    time.Time
	stop     chan struct{}
	loops    sync.WaitGroup
	received hardware.Topic[string]
	halted   atomic.Bool
	out      chan []byte // lines to the driver, written whole by one goroutine

	brain brain // guarded by mu

	BadLines atomic.Uint64
	// Dropped counts core messages dropped because the driver did not
	// read fast enough: whole lines, as a UART buffer overrun would lose.
	Dropped atomic.Uint64
	// Restarts counts core.restart() calls.
	Restarts  atomic.Uint64
	plusLines atomic.Int64
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
	if cfg.RestartDelay <= 0 {
		cfg.RestartDelay = 50 * time.Millisecond
	}
	if cfg.Firmware == "" {
		cfg.Firmware = "v0.9.9-sim"
	}
	c := &Controller{cfg: cfg, Wheels: sim.NewWheels(cfg.Wheels), EStop: &sim.EStop{}, start: time.Now()}
	c.brain.init(c)
	c.Wheels.BlockWhen(c.EStop.Active)
	c.brain.saved = append([]string(nil), cfg.Startup...)
	c.brain.boot(time.Now())
	if err := c.plug(); err != nil {
		return nil, err
	}
	return c, nil
}

// Unplug closes the pty, as pulling the USB cable does: the driver's reads
// fail and the link dangles until Replug. The controller keeps running
// (and keeps its startup code).
func (c *Controller) Unplug() {
	if c.disconnect() {
		c.loops.Wait()
	}
}

// disconnect closes the pty without waiting for the loops to end.
func (c *Controller) disconnect() bool {
	c.mu.Lock()
	stop := c.stop
	c.stop = nil
	ptmx, tty := c.ptmx, c.tty
	c.mu.Unlock()
	if stop == nil {
		return false
	}
	close(stop)
	ptmx.Close()
	tty.Close()
	return true
}

// Replug creates a new pty and points the link at it.
func (c *Controller) Replug() error { return c.plug() }

// Close stops the controller and removes the link.
func (c *Controller) Close() {
	c.Unplug()
	_ = os.Remove(c.cfg.Link)
}

func (c *Controller) plug() error {
	c.loops.Wait() // the loops of the last connection have ended
	ptmx, tty, err := pty.Open()
	if err != nil {
		return fmt.Errorf("lizardtest: open pty: %w", err)
	}
	if ptmx, err = pollable(ptmx); err != nil {
		tty.Close()
		return fmt.Errorf("lizardtest: pty: %w", err)
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
	out := make(chan []byte, 256)
	c.mu.Lock()
	c.ptmx, c.tty, c.stop, c.out = ptmx, tty, stop, out
	c.lastMsg = time.Now()
	c.mu.Unlock()
	c.loops.Add(3)
	go c.readLoop(ptmx, stop)
	go c.tickLoop(out, stop)
	go c.writeLoop(ptmx, out, stop)
	return nil
}

// pollable returns f's descriptor as a file in Go's network poller, and
// closes f. creack/pty leaves the master in blocking mode (its ioctls go
// through File.Fd), so the controller's reads would block in read(2) and
// hold one of the process's Ps (Go scheduler slots) while waiting: a real
// controller is another chip, not a thread of the robot's process, and
// with the control loop's P and the driver's reader holding the others,
// nothing was left to poll the network but the runtime's 10 ms sysmon
// (#17: that was the tail of "command → controller" at 100 Hz).
func pollable(f *os.File) (*os.File, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	nfd := -1
	cerr := rc.Control(func(fd uintptr) {
		if nfd, err = syscall.Dup(int(fd)); err == nil {
			syscall.CloseOnExec(nfd)
			err = syscall.SetNonblock(nfd, true)
		}
	})
	name := f.Name()
	f.Close()
	if err = errors.Join(cerr, err); err != nil {
		if nfd >= 0 {
			syscall.Close(nfd)
		}
		return nil, err
	}
	return os.NewFile(uintptr(nfd), name), nil
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
			if c.cfg.ObserveSent != nil {
				c.cfg.ObserveSent(b, time.Now())
			}
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

// trySend queues a line unless the queue is full (like a UART, a line
// nobody reads is lost whole rather than blocking the controller).
func (c *Controller) trySend(b []byte) bool {
	c.mu.Lock()
	out, stop := c.out, c.stop
	c.mu.Unlock()
	if stop == nil {
		return false
	}
	select {
	case out <- b:
		return true
	default:
		return false
	}
}

func (c *Controller) line(payload string) []byte {
	b := wire.AppendLine(nil, payload)
	if !c.cfg.LF {
		b = append(b[:len(b)-1], '\r', '\n')
	}
	return b
}

func (c *Controller) readLoop(ptmx *os.File, stop chan struct{}) {
	defer c.loops.Done()
	lr := wire.NewLineReader(ptmx)
	for {
		line, err := lr.ReadLine()
		if err != nil {
			return
		}
		at := time.Now()
		payload, err := wire.ParseLine(line)
		if err != nil {
			c.BadLines.Add(1) // Lizard ignores lines with a wrong checksum
			continue
		}
		cmd := string(payload)
		if c.cfg.Observe != nil {
			c.cfg.Observe(cmd, at)
		}
		if strings.HasPrefix(cmd, "!+") && c.plusLines.Add(1) == int64(c.cfg.UnplugAfter) {
			c.disconnect()
			return
		}
		c.mu.Lock()
		c.lastMsg = time.Now()
		c.mu.Unlock()
		if c.cfg.Garbage {
			_ = c.SendRaw([]byte("\x13\xfe~?\x00garbage\xf7\r\n"))
		} else {
			c.handle(cmd)
		}
		c.received.Publish(cmd)
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
			last := c.lastMsg
			msg, lines := c.brain.tick(now, now.Sub(last))
			c.mu.Unlock()
			c.Wheels.Step(now, c.cfg.Period)
			for _, l := range lines {
				c.trySend(l)
			}
			if msg == "" {
				continue
			}
			select {
			case out <- c.line(msg):
			default:
				c.Dropped.Add(1)
			}
		}
	}
}

// Link is the path the driver opens.
func (c *Controller) Link() string { return c.cfg.Link }

// TempLink returns a link path in dir for a Config.
func TempLink(dir string) string { return filepath.Join(dir, "ttyLIZARD0") }
