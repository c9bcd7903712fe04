// Package gnsstest is a simulated GNSS receiver. It writes NMEA 0183
// sentences (GGA, RMC, GST, HDT) for a pose on the master side of a real
// pseudo-terminal, so the driver under test — or gpsd — opens a real serial
// device (the pty's slave, through a stable symlink) as on a robot.
package gnsstest

import (
	"errors"
	"fmt"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/creack/pty"
	"github.com/gorosys/rosys/drivers/gnss"
	"github.com/gorosys/rosys/hardware"
	"golang.org/x/term"
)

// Config configures a simulated receiver.
type Config struct {
	// Link is the path the driver opens: a symlink to the current pty
	// that survives Unplug and Replug, like a udev name.
	Link string
	// Period between bursts of sentences (default 100 ms, 10 Hz). A
	// negative period sends nothing by itself: the test calls SendBurst.
	Period time.Duration
	// Reference places the local frame (required).
	Reference hardware.GeoReference
	// Pose is the antenna's pose in the local frame (x north, y west,
	// yaw counter-clockwise from north); nil stands still at the origin.
	Pose func() hardware.Pose
	// Fix as the receiver reports it. Zero fields take an RTK-fixed
	// receiver's values: quality 4, 14 satellites, HDOP 0.7, 14 mm.
	Quality    hardware.GNSSQuality
	Satellites int
	HDOP       float64
	StdDev     float64
	// NoHeading leaves HDT out (a single-antenna receiver).
	NoHeading bool
	Talker    string // default "GN"
	// Now is the receiver's clock for fix times (default time.Now).
	Now func() time.Time
}

// Receiver is a running simulated receiver.
type Receiver struct {
	cfg Config

	wmu     sync.Mutex
	mu      sync.Mutex
	ptmx    *os.File
	tty     *os.File
	stop    chan struct{}
	loops   sync.WaitGroup
	quality hardware.GNSSQuality
	last    hardware.Pose
	hasLast bool

	muted atomic.Bool
	// Bursts counts the bursts written.
	Bursts atomic.Uint64

	// What the driver wrote to the receiver (corrections), kept up to
	// maxReceived bytes; got is signalled after each read.
	rmu      sync.Mutex
	received []byte
	got      chan struct{}
}

// maxReceived bounds the bytes Received keeps.
const maxReceived = 4 << 20

// Start creates the pty and starts sending.
func Start(cfg Config) (*Receiver, error) {
	if cfg.Link == "" {
		return nil, errors.New("gnsstest: no link path")
	}
	if !cfg.Reference.Valid() {
		return nil, errors.New("gnsstest: no reference point")
	}
	if cfg.Period == 0 {
		cfg.Period = 100 * time.Millisecond
	}
	if cfg.Pose == nil {
		cfg.Pose = func() hardware.Pose { return hardware.Pose{} }
	}
	fix := hardware.SimFix{Quality: cfg.Quality, Satellites: cfg.Satellites, HDOP: cfg.HDOP, StdDev: cfg.StdDev}.Defaults()
	cfg.Quality, cfg.Satellites, cfg.HDOP, cfg.StdDev = fix.Quality, fix.Satellites, fix.HDOP, fix.StdDev
	if cfg.Talker == "" {
		cfg.Talker = "GN"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := &Receiver{cfg: cfg, quality: cfg.Quality, got: make(chan struct{}, 1)}
	if err := r.plug(); err != nil {
		return nil, err
	}
	return r, nil
}

// SetQuality changes the fix quality of the next bursts (QualityNone sends
// empty position fields, as a receiver without a fix does).
func (r *Receiver) SetQuality(q hardware.GNSSQuality) {
	r.mu.Lock()
	r.quality = q
	r.mu.Unlock()
}

// Mute stops (or resumes) the periodic bursts: a receiver gone silent.
func (r *Receiver) Mute(m bool) { r.muted.Store(m) }

// Send writes raw bytes (a damaged sentence, noise) to the driver. Like a
// UART, it does not wait for a reader: when nobody reads for a second the
// bytes are lost.
func (r *Receiver) Send(b []byte) error {
	r.wmu.Lock() // whole bursts: never interleaved with another Send
	defer r.wmu.Unlock()
	r.mu.Lock()
	p := r.ptmx
	r.mu.Unlock()
	if p == nil {
		return errors.New("gnsstest: unplugged")
	}
	_ = p.SetWriteDeadline(time.Now().Add(time.Second))
	_, err := p.Write(b)
	return err
}

// SendBurst writes one burst for the current pose now.
func (r *Receiver) SendBurst() error { return r.Send(r.Burst(nil, r.cfg.Now())) }

// Burst appends the sentences of one epoch at time now to buf: GGA, RMC
// (course and speed from the motion since the last burst), GST and HDT.
func (r *Receiver) Burst(buf []byte, now time.Time) []byte {
	p := r.cfg.Pose()
	r.mu.Lock()
	q := r.quality
	speed, course, moving := 0.0, 0.0, false
	if r.hasLast && now.After(r.last.Time) {
		dist := math.Hypot(p.X-r.last.X, p.Y-r.last.Y)
		speed = dist / now.Sub(r.last.Time).Seconds()
		// Direction of travel: local yaw atan2(dy, dx), heading = -yaw.
		course, moving = math.Mod(360-math.Atan2(p.Y-r.last.Y, p.X-r.last.X)*180/math.Pi, 360), dist > 0
	}
	r.last, r.hasLast = hardware.Pose{X: p.X, Y: p.Y, Yaw: p.Yaw, Time: now}, true
	r.mu.Unlock()
	return AppendBurst(buf, r.cfg, q, p, now, speed, course, moving)
}

// AppendBurst writes the sentences of one epoch for pose p in cfg's frame.
func AppendBurst(buf []byte, cfg Config, q hardware.GNSSQuality, p hardware.Pose, now time.Time, speed, course float64, moving bool) []byte {
	now = now.UTC()
	tod := now.Sub(time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)).Truncate(10 * time.Millisecond)
	lat, lon := cfg.Reference.ToGeo(p.X, p.Y)
	fix := q != hardware.QualityNone
	gga := gnss.GGA{Time: tod, HasTime: true, Lat: lat, Lon: lon, HasPosition: fix, Quality: q, Altitude: 512.3, GeoidSeparation: 47.4}
	if fix {
		gga.Satellites, gga.HDOP = cfg.Satellites, cfg.HDOP
		if q == hardware.QualityRTKFixed || q == hardware.QualityRTKFloat || q == hardware.QualityDGPS {
			gga.DiffAge = 1
		}
	}
	buf = gnss.AppendGGA(buf, cfg.Talker, gga)
	date := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	rmc := gnss.RMC{Time: tod, HasTime: true, Active: fix, Lat: lat, Lon: lon, HasPosition: fix, Date: date, HasDate: true, Mode: rmcMode(q)}
	if fix && moving {
		rmc.Speed, rmc.Course, rmc.HasCourse = speed, course, true
	}
	buf = gnss.AppendRMC(buf, cfg.Talker, rmc)
	if fix {
		s := cfg.StdDev
		buf = gnss.AppendGST(buf, cfg.Talker, gnss.GST{Time: tod, HasTime: true, RMS: s, Major: s, Minor: s, LatStd: s, LonStd: s, AltStd: 2 * s})
		if !cfg.NoHeading {
			buf = gnss.AppendHDT(buf, cfg.Talker, gnss.HDT{Heading: cfg.Reference.HeadingFromYaw(lat, lon, p.Yaw), HasHeading: true})
		}
	}
	return buf
}

func rmcMode(q hardware.GNSSQuality) byte {
	switch q {
	case hardware.QualityNone:
		return 'N'
	case hardware.QualityDGPS:
		return 'D'
	case hardware.QualityRTKFixed:
		return 'R'
	case hardware.QualityRTKFloat:
		return 'F'
	case hardware.QualityDeadReckoning:
		return 'E'
	case hardware.QualityManual:
		return 'M'
	case hardware.QualitySimulation:
		return 'S'
	}
	return 'A'
}

// Unplug closes the pty, as pulling the USB cable does.
func (r *Receiver) Unplug() {
	r.mu.Lock()
	stop := r.stop
	r.stop = nil
	ptmx, tty := r.ptmx, r.tty
	r.ptmx, r.tty = nil, nil
	r.mu.Unlock()
	if stop == nil {
		return
	}
	close(stop)
	ptmx.Close() // ends a Write in progress
	tty.Close()
	r.loops.Wait()
}

// Replug creates a new pty and points the link at it.
func (r *Receiver) Replug() error { return r.plug() }

// Close stops the receiver and removes the link.
func (r *Receiver) Close() {
	r.Unplug()
	_ = os.Remove(r.cfg.Link)
}

// TTY is the pty's slave device the link points to.
func (r *Receiver) TTY() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tty == nil {
		return ""
	}
	return r.tty.Name()
}

func (r *Receiver) plug() error {
	ptmx, tty, err := pty.Open()
	if err != nil {
		return fmt.Errorf("gnsstest: open pty: %w", err)
	}
	// No echo, no line editing: bytes pass as on a UART.
	if _, err := term.MakeRaw(int(tty.Fd())); err != nil {
		ptmx.Close()
		tty.Close()
		return fmt.Errorf("gnsstest: raw mode: %w", err)
	}
	// A non-blocking master joins Go's poller, so a write to a driver
	// that stopped reading times out and Close ends it (a blocking one
	// would hang Unplug).
	if ptmx, err = pollable(ptmx); err != nil {
		tty.Close()
		return fmt.Errorf("gnsstest: %w", err)
	}
	tmp := r.cfg.Link + ".tmp"
	_ = os.Remove(tmp)
	if err := os.Symlink(tty.Name(), tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, r.cfg.Link); err != nil {
		return err
	}
	stop := make(chan struct{})
	r.mu.Lock()
	r.ptmx, r.tty, r.stop = ptmx, tty, stop
	r.mu.Unlock()
	r.loops.Add(2)
	go r.sendLoop(stop)
	go r.readLoop(ptmx)
	return nil
}

// readLoop keeps what the driver writes to the port (RTCM corrections),
// as a receiver takes them in, until the pty closes.
func (r *Receiver) readLoop(ptmx *os.File) {
	defer r.loops.Done()
	buf := make([]byte, 4096)
	for {
		n, err := ptmx.Read(buf)
		if n > 0 {
			r.rmu.Lock()
			if len(r.received)+n <= maxReceived {
				r.received = append(r.received, buf[:n]...)
			}
			r.rmu.Unlock()
			select {
			case r.got <- struct{}{}:
			default:
			}
		}
		if err != nil {
			return
		}
	}
}

// Received returns a copy of the bytes the driver wrote to the receiver
// so far (up to 4 MiB), across unplugs.
func (r *Receiver) Received() []byte {
	r.rmu.Lock()
	defer r.rmu.Unlock()
	return append([]byte(nil), r.received...)
}

// Got is signalled (coalesced) whenever bytes from the driver arrive.
func (r *Receiver) Got() <-chan struct{} { return r.got }

func (r *Receiver) sendLoop(stop <-chan struct{}) {
	defer r.loops.Done()
	if r.cfg.Period < 0 {
		return
	}
	t := time.NewTicker(r.cfg.Period)
	defer t.Stop()
	var buf []byte
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if r.muted.Load() {
			continue
		}
		buf = r.Burst(buf[:0], r.cfg.Now())
		if r.Send(buf) == nil {
			r.Bursts.Add(1)
		}
	}
}

func pollable(f *os.File) (*os.File, error) {
	fd, err := syscall.Dup(int(f.Fd()))
	f.Close()
	if err != nil {
		return nil, err
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}
