package sim

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys/hardware"
)

// GNSSConfig configures a simulated GNSS receiver. Zero fields take an
// RTK-fixed receiver's values.
type GNSSConfig struct {
	// Reference is the geographic point of the odometry's origin; zero
	// means DefaultSimReference.
	Reference hardware.GeoReference
	// Interval between measurements (default 100 ms, 10 Hz).
	Interval   time.Duration
	Quality    hardware.GNSSQuality // default RTK fixed
	Satellites int                  // default 14
	HDOP       float64              // default 0.7
	StdDev     float64              // metres, default 0.014
	NoHeading  bool                 // a single-antenna receiver
}

// DefaultSimLat and DefaultSimLon are where a simulated robot without a
// configured reference stands: a field near Munich.
const DefaultSimLat, DefaultSimLon = 48.1173, 11.5167

// GNSS is a simulated receiver on the control loop: every Interval it
// reports the pose of the odometer it follows as a fix around the
// reference point, exactly (no noise: tests compare values). The odometry
// frame is the GNSS local frame: x north, y west.
type GNSS struct {
	cfg    GNSSConfig
	follow atomic.Pointer[odometerBox]
	latest hardware.Topic[hardware.GNSS]
	silent atomic.Bool

	mu      sync.Mutex // guards quality
	quality hardware.GNSSQuality
	next    time.Time // control loop only
}

type odometerBox struct{ o hardware.Odometer }

var _ hardware.GNSSReceiver = (*GNSS)(nil)

// NewGNSS returns a simulated receiver; it reports nothing until it
// follows an odometer.
func NewGNSS(cfg GNSSConfig) *GNSS {
	if !cfg.Reference.Valid() {
		cfg.Reference, _ = hardware.NewGeoReference(DefaultSimLat, DefaultSimLon)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 100 * time.Millisecond
	}
	fix := hardware.SimFix{Quality: cfg.Quality, Satellites: cfg.Satellites, HDOP: cfg.HDOP, StdDev: cfg.StdDev}.Defaults()
	cfg.Quality, cfg.Satellites, cfg.HDOP, cfg.StdDev = fix.Quality, fix.Satellites, fix.HDOP, fix.StdDev
	return &GNSS{cfg: cfg, quality: cfg.Quality}
}

// Follow makes the receiver report o's pose. It may be called after the
// receiver was added to the runtime (the odometer is often built later).
func (g *GNSS) Follow(o hardware.Odometer) { g.follow.Store(&odometerBox{o}) }

// Reference is the point the local frame is centred on.
func (g *GNSS) Reference() hardware.GeoReference { return g.cfg.Reference }

// SetQuality changes the fix quality; QualityNone reports no position.
func (g *GNSS) SetQuality(q hardware.GNSSQuality) {
	g.mu.Lock()
	g.quality = q
	g.mu.Unlock()
}

// SetSilent stops (or resumes) the measurements: a receiver gone silent,
// whose last value ages into staleness.
func (g *GNSS) SetSilent(s bool) { g.silent.Store(s) }

// Step implements rosys.Stepper. It does no I/O and allocates nothing.
func (g *GNSS) Step(now time.Time, _ time.Duration) {
	box := g.follow.Load()
	if box == nil || g.silent.Load() || now.Before(g.next) {
		return
	}
	g.next = now.Add(g.cfg.Interval)
	g.mu.Lock()
	q := g.quality
	g.mu.Unlock()
	m := hardware.GNSS{Quality: q, FixTime: now, Received: now}
	if q.HasFix() {
		p := box.o.Pose()
		ref := g.cfg.Reference
		m.Latitude, m.Longitude = ref.ToGeo(p.X, p.Y)
		m.Altitude = 512.3
		m.Satellites, m.HDOP = g.cfg.Satellites, g.cfg.HDOP
		m.LatStdDev, m.LonStdDev, m.AltStdDev = g.cfg.StdDev, g.cfg.StdDev, 2*g.cfg.StdDev
		m.X, m.Y, m.HasLocal = p.X, p.Y, true
		if !g.cfg.NoHeading {
			m.Heading = ref.HeadingFromYaw(m.Latitude, m.Longitude, p.Yaw)
			m.HasHeading, m.HeadingSource, m.Yaw = true, hardware.HeadingTrue, p.Yaw
		}
	}
	g.latest.Publish(m)
}

// GNSS implements hardware.GNSSReceiver.
func (g *GNSS) GNSS() hardware.GNSS { return g.latest.Latest() }

// SubscribeGNSS implements hardware.GNSSReceiver.
func (g *GNSS) SubscribeGNSS(buffer int) (<-chan hardware.GNSS, func()) {
	return g.latest.Subscribe(buffer)
}
