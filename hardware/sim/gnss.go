package sim

import (
	"math"
	"math/rand/v2"
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
	StdDev     float64              // metres, default 0.014: what the receiver reports (GST)
	NoHeading  bool                 // a single-antenna receiver
	// Noise (m) is the standard deviation of the error actually put on
	// each axis of each fix (seeded by Seed, so runs repeat); 0 reports
	// the exact position (tests compare values).
	Noise float64
	Seed  uint64
	// Latency is how long after its fix time a measurement arrives
	// (FixTime is the time of the position, Received its arrival).
	Latency time.Duration
	// FirstFix makes the receiver take its local frame's origin from its
	// first fix, as a real one without a configured reference does (unless
	// UseReference gave it one); Reference stays where the simulated world
	// is centred.
	FirstFix bool
	// Antenna is the antenna's place on the robot (x forward, y left): a
	// receiver without heading reports the antenna's position, as a real
	// one does; one with heading reports the robot's (as drivers/gnss moves
	// it).
	Antenna hardware.Pose
}

// DefaultSimLat and DefaultSimLon are where a simulated robot without a
// configured reference stands: a field near Munich.
const DefaultSimLat, DefaultSimLon = 48.1173, 11.5167

// GNSS is a simulated receiver on the control loop: every Interval it
// reports the pose it follows (the simulated robot's true pose) as a fix
// around the reference point, exactly unless Noise says otherwise. The
// odometry frame is the GNSS local frame: x north, y west.
type GNSS struct {
	cfg    GNSSConfig
	follow atomic.Pointer[poseBox]
	frame  atomic.Pointer[simRef] // the local frame's origin in use
	onRef  atomic.Pointer[func(hardware.GeoReference)]
	latest hardware.Topic[hardware.GNSS]
	silent atomic.Bool

	mu      sync.Mutex // guards quality and offset
	quality hardware.GNSSQuality
	dx, dy  float64   // a multipath jump
	next    time.Time // control loop only
	rng     *rand.Rand
	pending [64]hardware.GNSS // measured, not yet arrived (Latency)
	head, n int
}

// PoseFollower is what a simulated receiver reports: the robot's true
// pose (sim.Wheels), or an odometer.
type PoseFollower interface{ Pose() hardware.Pose }

type poseBox struct{ o PoseFollower }

type simRef struct {
	ref    hardware.GeoReference
	source string
}

var _ hardware.GNSSReceiver = (*GNSS)(nil)

// NewGNSS returns a simulated receiver; it reports nothing until it
// follows a pose.
func NewGNSS(cfg GNSSConfig) *GNSS {
	if !cfg.Reference.Valid() {
		cfg.Reference, _ = hardware.NewGeoReference(DefaultSimLat, DefaultSimLon)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 100 * time.Millisecond
	}
	fix := hardware.SimFix{Quality: cfg.Quality, Satellites: cfg.Satellites, HDOP: cfg.HDOP, StdDev: cfg.StdDev}.Defaults()
	cfg.Quality, cfg.Satellites, cfg.HDOP, cfg.StdDev = fix.Quality, fix.Satellites, fix.HDOP, fix.StdDev
	g := &GNSS{cfg: cfg, quality: cfg.Quality, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5851f42d4c957f2d))}
	if !cfg.FirstFix {
		g.frame.Store(&simRef{cfg.Reference, "config"})
	}
	return g
}

// UseReference makes ref the local frame's origin unless the receiver has
// one (see drivers/gnss.Driver.UseReference).
func (g *GNSS) UseReference(ref hardware.GeoReference) bool {
	return ref.Valid() && g.frame.CompareAndSwap(nil, &simRef{ref, "restored"})
}

// OnReference calls fn with the reference a first fix makes.
func (g *GNSS) OnReference(fn func(hardware.GeoReference)) { g.onRef.Store(&fn) }

// ReferenceInUse is the local frame's origin and where it came from.
func (g *GNSS) ReferenceInUse() (hardware.GeoReference, string, bool) {
	if r := g.frame.Load(); r != nil {
		return r.ref, r.source, true
	}
	return hardware.GeoReference{}, "", false
}

// Follow makes the receiver report o's pose. It may be called after the
// receiver was added to the runtime (the wheels are often built later).
func (g *GNSS) Follow(o PoseFollower) { g.follow.Store(&poseBox{o}) }

// Reference is the point the local frame is centred on.
func (g *GNSS) Reference() hardware.GeoReference { return g.cfg.Reference }

// SetQuality changes the fix quality; QualityNone reports no position.
func (g *GNSS) SetQuality(q hardware.GNSSQuality) {
	g.mu.Lock()
	g.quality = q
	g.mu.Unlock()
}

// SetOffset shifts every fix by (dx, dy) metres in the local frame, as
// multipath does near a wall or a tree line; (0, 0) ends it.
func (g *GNSS) SetOffset(dx, dy float64) {
	g.mu.Lock()
	g.dx, g.dy = dx, dy
	g.mu.Unlock()
}

// SetSilent stops (or resumes) the measurements: a receiver gone silent,
// whose last value ages into staleness (an outage).
func (g *GNSS) SetSilent(s bool) { g.silent.Store(s) }

// Step implements rosys.Stepper. It does no I/O and allocates nothing.
func (g *GNSS) Step(now time.Time, _ time.Duration) {
	g.deliver(now)
	box := g.follow.Load()
	if box == nil || g.silent.Load() || now.Before(g.next) {
		return
	}
	g.next = now.Add(g.cfg.Interval)
	g.mu.Lock()
	q, dx, dy := g.quality, g.dx, g.dy
	g.mu.Unlock()
	m := hardware.GNSS{Quality: q, FixTime: now, Received: now.Add(g.cfg.Latency)}
	if q.HasFix() {
		p := box.o.Pose()
		x, y := p.X+dx, p.Y+dy
		if g.cfg.NoHeading {
			s, c := math.Sincos(p.Yaw)
			x += c*g.cfg.Antenna.X - s*g.cfg.Antenna.Y
			y += s*g.cfg.Antenna.X + c*g.cfg.Antenna.Y
		}
		if g.cfg.Noise > 0 {
			x += g.rng.NormFloat64() * g.cfg.Noise
			y += g.rng.NormFloat64() * g.cfg.Noise
		}
		ref := g.cfg.Reference
		m.Latitude, m.Longitude = ref.ToGeo(x, y)
		m.Altitude = 512.3
		m.Satellites, m.HDOP = g.cfg.Satellites, g.cfg.HDOP
		m.LatStdDev, m.LonStdDev, m.AltStdDev = g.cfg.StdDev, g.cfg.StdDev, 2*g.cfg.StdDev
		m.X, m.Y, m.HasLocal = x, y, true
		fr := g.frame.Load()
		if fr == nil { // the first fix makes the frame (allocates once)
			if r, err := hardware.NewGeoReference(m.Latitude, m.Longitude); err == nil {
				fr = &simRef{r, "first_fix"}
				if g.frame.CompareAndSwap(nil, fr) {
					if fn := g.onRef.Load(); fn != nil {
						defer (*fn)(r)
					}
				}
				fr = g.frame.Load()
			}
		}
		if fr != nil && fr.ref != ref {
			m.X, m.Y = fr.ref.ToLocal(m.Latitude, m.Longitude)
		}
		if !g.cfg.NoHeading {
			m.Heading = ref.HeadingFromYaw(m.Latitude, m.Longitude, p.Yaw)
			m.HasHeading, m.HeadingSource, m.Yaw = true, hardware.HeadingTrue, p.Yaw
		}
	}
	if g.cfg.Latency <= 0 {
		g.latest.Publish(m)
		return
	}
	if g.n == len(g.pending) { // a latency longer than 64 intervals: drop the oldest
		g.head, g.n = (g.head+1)%len(g.pending), g.n-1
	}
	g.pending[(g.head+g.n)%len(g.pending)] = m
	g.n++
}

// deliver publishes the measurements that have arrived by now.
func (g *GNSS) deliver(now time.Time) {
	for g.n > 0 && !g.pending[g.head].Received.After(now) {
		g.latest.Publish(g.pending[g.head])
		g.head, g.n = (g.head+1)%len(g.pending), g.n-1
	}
}

// GNSS implements hardware.GNSSReceiver.
func (g *GNSS) GNSS() hardware.GNSS { return g.latest.Latest() }

// SubscribeGNSS implements hardware.GNSSReceiver.
func (g *GNSS) SubscribeGNSS(buffer int) (<-chan hardware.GNSS, func()) {
	return g.latest.Subscribe(buffer)
}
