package lizard

import (
	"io"
	"time"

	"go.bug.st/serial"
	"go.uber.org/zap"
)

// Defaults for a RoSys-style robot.
var (
	DefaultCoreFields = []string{"wheels.linear_speed:3", "wheels.angular_speed:3", "estop.active"}
)

const (
	DefaultBaud             = 115200
	DefaultKeepAlive        = 100 * time.Millisecond
	DefaultKeepAliveCommand = "core.keep_alive()"
)

// Config configures a Driver. Zero fields take defaults.
type Config struct {
	// Port is the serial device, e.g. /dev/serial0 (the board gives it).
	Port string
	Baud int // default 115200, 8N1
	// CoreFields are the values the controller reports in each core
	// message, after core.millis.
	CoreFields []string
	// Which core fields hold the measured velocity and the e-stop state.
	LinearField, AngularField, EStopField string
	// KeepAlive is the longest the driver stays silent: when no command
	// went out for this long it sends KeepAliveCommand, so a rule such as
	// "when core.last_message_age > 500 then wheels.off(); end" only fires
	// when the host is really gone.
	KeepAlive        time.Duration
	KeepAliveCommand string
	// TelemetryTimeout: when no core message arrived for this long (a
	// controller that restarted, hung or lost its output), the driver
	// counts it as not ready: drive refused, e-stops and bumpers active,
	// until core messages flow again (default 1 s; Lizard sends one every
	// 10 ms).
	TelemetryTimeout time.Duration
	// Reconnect backoff after an unplug or a failed open.
	ReconnectMin, ReconnectMax time.Duration
	Log                        *zap.Logger
	// Open opens the port; the default is go.bug.st/serial at Baud 8N1.
	Open func(path string, baud int) (io.ReadWriteCloser, error)
	Now  func() time.Time
	// Journal, when set, records every line received and sent, for
	// replay (journal.Journal satisfies it). JournalSource names the
	// source (default "lizard").
	Journal       Recorder
	JournalSource string
	// Modules are the hardware modules on the controller; the startup
	// code and the core fields are generated from them. Without modules,
	// CoreFields and the *Field names above describe a hand-written
	// configuration.
	Modules []Module
	// Configure is what happens when the controller's startup checksum
	// differs from the generated code's: "check" (default: report it and
	// refuse to drive), "auto" (upload the code, then check) or "off".
	Configure string
	// Chip is the controller's chip ("esp32", the default, or "esp32s3"):
	// the generated code is checked against the firmware's rules for it.
	Chip string
	// Timeouts of an automatic configure (see ConfigureOptions).
	ConfigureOptions ConfigureOptions
	// Replay makes a driver that opens no port: recorded lines are fed to
	// it with Feed, and the commands it would send are kept for
	// comparison (Sent) instead of reaching any controller.
	Replay bool
}

// Recorder records what a driver receives and sends, with the driver's own
// time for it (journal.Journal satisfies it).
type Recorder interface {
	RecordAt(at time.Time, source string, kind byte, data []byte)
}

// Journal record kinds, as package persistence writes them.
const (
	RecordInput   = 'i'
	RecordCommand = 'c'
)

func (c Config) withDefaults() Config {
	if c.Baud == 0 {
		c.Baud = DefaultBaud
	}
	if len(c.CoreFields) == 0 {
		c.CoreFields = DefaultCoreFields
	}
	if c.LinearField == "" {
		c.LinearField = "wheels.linear_speed"
	}
	if c.AngularField == "" {
		c.AngularField = "wheels.angular_speed"
	}
	if c.EStopField == "" {
		c.EStopField = "estop.active"
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = DefaultKeepAlive
	}
	if c.KeepAliveCommand == "" {
		c.KeepAliveCommand = DefaultKeepAliveCommand
	}
	if c.TelemetryTimeout <= 0 {
		c.TelemetryTimeout = time.Second
	}
	if c.ReconnectMin <= 0 {
		c.ReconnectMin = 100 * time.Millisecond
	}
	if c.ReconnectMax <= 0 {
		c.ReconnectMax = 2 * time.Second
	}
	if c.Log == nil {
		c.Log = zap.NewNop()
	}
	if c.Open == nil {
		c.Open = OpenSerial
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Configure == "" {
		c.Configure = "check"
	}
	if c.JournalSource == "" {
		c.JournalSource = "lizard"
	}
	return c
}

// OpenSerial opens a serial port at baud, 8 data bits, no parity, one stop
// bit, for this process alone: while another process holds it, it fails
// with a *PortBusyError naming that process (ErrPortBusy), before
// touching the port (see lockPort).
func OpenSerial(path string, baud int) (io.ReadWriteCloser, error) {
	unlock, err := lockPort(path)
	if err != nil {
		return nil, err
	}
	p, err := serial.Open(path, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
	if err != nil {
		_ = unlock()
		return nil, err
	}
	return &lockedPort{ReadWriteCloser: p, unlock: unlock}, nil
}
