package gnss

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/internal/reconnect"
	"go.bug.st/serial"
	"go.uber.org/zap"
)

// Defaults.
const (
	DefaultBaud       = 115200
	DefaultStaleAfter = 2 * time.Second
	DefaultGPSDSilent = 10 * time.Second
)

// Config configures a Driver: exactly one of Port and GPSD.
type Config struct {
	// Port is the receiver's serial device (NMEA 0183), at Baud 8N1.
	Port string
	Baud int
	// GPSD is the host:port of a gpsd daemon, read with its JSON protocol.
	GPSD string
	// Reference is the local frame's origin; nil takes the first fix.
	Reference *hardware.GeoReference
	// Antenna is the main antenna's pose in the robot's frame (x forward,
	// y left, metres; Yaw from the robot's forward direction to the
	// baseline from the main to the auxiliary antenna, counter-clockwise,
	// radians), as RoSys's antenna_pose. With a heading, measurements are
	// moved from the antenna to the robot's origin; without one the
	// position stays the antenna's.
	Antenna hardware.Pose
	// StaleAfter: a measurement older than this is stale (default 2 s).
	StaleAfter time.Duration
	// GPSDSilent is the longest gpsd may say nothing before the
	// connection counts as dead and is reopened; it also bounds the dial
	// (default 10 s).
	GPSDSilent time.Duration
	// Reconnect backoff after a failed open or a lost connection.
	ReconnectMin, ReconnectMax time.Duration
	// Open opens the serial port (default go.bug.st/serial at Baud 8N1);
	// Dial connects to gpsd (default net.Dialer).
	Open func(path string, baud int) (io.ReadCloser, error)
	Dial func(ctx context.Context, addr string) (net.Conn, error)
	Now  func() time.Time
	Log  *zap.Logger
}

func (c Config) withDefaults() Config {
	if c.Baud == 0 {
		c.Baud = DefaultBaud
	}
	if c.StaleAfter <= 0 {
		c.StaleAfter = DefaultStaleAfter
	}
	if c.GPSDSilent <= 0 {
		c.GPSDSilent = DefaultGPSDSilent
	}
	if c.ReconnectMin <= 0 {
		c.ReconnectMin = 100 * time.Millisecond
	}
	if c.ReconnectMax <= 0 {
		c.ReconnectMax = 5 * time.Second
	}
	if c.Open == nil {
		c.Open = OpenSerial
	}
	if c.Dial == nil {
		c.Dial = func(ctx context.Context, addr string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = zap.NewNop()
	}
	return c
}

// OpenSerial opens a serial port at baud, 8N1.
func OpenSerial(path string, baud int) (io.ReadCloser, error) {
	return serial.Open(path, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
}

// ErrConfig is returned by New for a configuration it cannot run.
var ErrConfig = errors.New("gnss: bad configuration")

// Driver reads a GNSS receiver, from its serial port or through gpsd, and
// keeps the latest measurement. It is a runtime module: Start returns at
// once and connects in the background, retrying while the port or gpsd is
// unreachable; the robot runs without a position meanwhile.
type Driver struct {
	cfg    Config
	log    *zap.Logger
	source string

	latest hardware.Topic[hardware.GNSS]
	events hardware.Topic[Connection]
	ref    atomic.Pointer[refInfo]
	onRef  refHook
	conn   atomic.Bool

	good, bad, ignored, overlong, reconnects atomic.Uint64
	lastErr                                  atomic.Pointer[string]

	// Corrections for the receiver (WriteCorrections): queued, written by
	// a goroutine of the serial session while writable.
	corr                   chan []byte
	writable               atomic.Bool
	corrBytes, corrDropped atomic.Uint64

	run reconnect.Runner // the open port or connection (SetConn), closed by Stop
}

type refInfo struct {
	ref    hardware.GeoReference
	source string // "config" or "first_fix"
}

var _ hardware.GNSSReceiver = (*Driver)(nil)

// New checks cfg and returns a driver; Start connects.
func New(cfg Config) (*Driver, error) {
	cfg = cfg.withDefaults()
	switch {
	case cfg.Port == "" && cfg.GPSD == "":
		return nil, fmt.Errorf("%w: name a serial port or a gpsd address", ErrConfig)
	case cfg.Port != "" && cfg.GPSD != "":
		return nil, fmt.Errorf("%w: name a serial port or a gpsd address, not both", ErrConfig)
	case cfg.Reference != nil && !cfg.Reference.Valid():
		return nil, fmt.Errorf("%w: reference point not made by hardware.NewGeoReference", ErrConfig)
	}
	d := &Driver{cfg: cfg, corr: make(chan []byte, correctionQueue)}
	if cfg.Port != "" {
		d.source = "serial " + cfg.Port
	} else {
		if _, _, err := net.SplitHostPort(cfg.GPSD); err != nil {
			return nil, fmt.Errorf("%w: gpsd %q is not host:port", ErrConfig, cfg.GPSD)
		}
		d.source = "gpsd " + cfg.GPSD
	}
	d.log = cfg.Log.Named("gnss").With(zap.String("source", d.source))
	if cfg.Reference != nil {
		d.ref.Store(&refInfo{*cfg.Reference, "config"})
	}
	return d, nil
}

// Start connects in the background and returns at once.
func (d *Driver) Start(context.Context) error {
	d.run.Start(d.loop(), d.session)
	return nil
}

// Stop closes the port or connection and waits for the reader to end.
func (d *Driver) Stop(ctx context.Context) error { return d.run.Stop(ctx) }

// GNSS implements hardware.GNSSReceiver: the latest measurement, fresh or
// not (judge with Fresh). It never blocks on I/O and never allocates.
func (d *Driver) GNSS() hardware.GNSS { return d.latest.Latest() }

// SubscribeGNSS implements hardware.GNSSReceiver.
func (d *Driver) SubscribeGNSS(buffer int) (<-chan hardware.GNSS, func()) {
	return d.latest.Subscribe(buffer)
}

// Connection is a change of the source's state: connected, or a failure
// to connect or a lost connection with its reason.
type Connection struct {
	Connected bool
	Err       string
}

// SubscribeConnection delivers every connect and every failure (each
// retry fails anew while the source stays unreachable).
func (d *Driver) SubscribeConnection(buffer int) (<-chan Connection, func()) {
	return d.events.Subscribe(buffer)
}

func (d *Driver) connected() {
	d.conn.Store(true)
	d.events.Publish(Connection{Connected: true})
}

// Fresh returns the latest measurement and whether it is a fix no older
// than the configured StaleAfter.
func (d *Driver) Fresh() (hardware.GNSS, bool) {
	g := d.latest.Latest()
	return g, g.Fresh(d.cfg.Now(), d.cfg.StaleAfter)
}

// newAssembler makes the merger for one session; the reference outlives
// sessions.
func (d *Driver) newAssembler() *assembler {
	a := &assembler{staleAfter: d.cfg.StaleAfter, antenna: d.cfg.Antenna, publish: d.latest.Publish}
	if r := d.ref.Load(); r != nil {
		a.ref = r.ref
	}
	a.onReference = func(ref hardware.GeoReference) {
		d.ref.Store(&refInfo{ref, "first_fix"})
		d.log.Info("local frame reference taken from the first fix", zap.Float64("lat", ref.Lat), zap.Float64("lon", ref.Lon))
		if fn := d.onRef.Load(); fn != nil {
			(*fn)(ref)
		}
	}
	return a
}

// loop reconnects with exponential backoff between failures; a session
// that received good data resets the backoff.
func (d *Driver) loop() reconnect.Loop {
	return reconnect.Loop{
		Min: d.cfg.ReconnectMin, Max: d.cfg.ReconnectMax, Progress: d.good.Load,
		Failed: func(err error, _ time.Duration, first bool) {
			d.setErr(err)
			d.events.Publish(Connection{Err: err.Error()})
			if first { // once per outage, not once per retry
				d.log.Warn("GNSS source unavailable; retrying", zap.Error(err))
			}
			d.reconnects.Add(1)
		},
	}
}

// session reads the serial port or gpsd until it fails.
func (d *Driver) session(ctx context.Context) error {
	defer d.conn.Store(false)
	if d.cfg.Port != "" {
		return d.serialSession(ctx)
	}
	return d.gpsdSession(ctx)
}

func (d *Driver) setErr(err error) {
	if err != nil {
		s := err.Error()
		d.lastErr.Store(&s)
	}
}
