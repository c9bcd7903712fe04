package gnss_test

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorosys/rosys/drivers/gnss"
	"github.com/gorosys/rosys/drivers/gnss/gnsstest"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/internal/testwait"
	"go.uber.org/zap/zaptest"
)

var field = func() hardware.GeoReference {
	r, err := hardware.NewGeoReference(48.1173, 11.5167)
	if err != nil {
		panic(err)
	}
	return r
}()

// pose is a pose the test moves and the receiver reports.
type pose struct {
	mu sync.Mutex
	p  hardware.Pose
}

func (p *pose) get() hardware.Pose  { p.mu.Lock(); defer p.mu.Unlock(); return p.p }
func (p *pose) set(v hardware.Pose) { p.mu.Lock(); p.p = v; p.mu.Unlock() }

// clock is a settable clock for the driver.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func startReceiver(t *testing.T, cfg gnsstest.Config) *gnsstest.Receiver {
	t.Helper()
	if cfg.Link == "" {
		cfg.Link = filepath.Join(t.TempDir(), "ttyGNSS0")
	}
	if !cfg.Reference.Valid() {
		cfg.Reference = field
	}
	r, err := gnsstest.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

func startDriver(t *testing.T, cfg gnss.Config) *gnss.Driver {
	t.Helper()
	cfg.Log = zaptest.NewLogger(t)
	if cfg.ReconnectMax == 0 {
		cfg.ReconnectMin, cfg.ReconnectMax = 10*time.Millisecond, 50*time.Millisecond
	}
	d, err := gnss.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := d.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return d
}

// waitConnected returns once the driver has its port open.
func waitConnected(t *testing.T, d *gnss.Driver) {
	t.Helper()
	conn, cancel := d.SubscribeConnection(8)
	defer cancel()
	if d.Status().Connected { // subscribed first: no event is missed
		return
	}
	testwait.For(t, conn, "connected", func(c gnss.Connection) bool { return c.Connected })
}

// checkPose asserts a measurement places the robot at p.
func checkPose(t *testing.T, g hardware.GNSS, p hardware.Pose) {
	t.Helper()
	// 7 decimals of minutes on the wire: 0.2 mm; heading 3 decimals.
	if !g.HasLocal || !near(g.X, p.X, 1e-3) || !near(g.Y, p.Y, 1e-3) || !g.HasHeading || !near(g.Yaw, p.Yaw, 1e-4) {
		t.Fatalf("measurement %+v, want pose %+v", g, p)
	}
}

// The serial source over a real pty: position, quality, satellites, HDOP,
// GST's deviations and HDT's heading arrive, placed in the local frame.
func TestSerialSource(t *testing.T) {
	var p pose
	p.set(hardware.Pose{X: 12.5, Y: -3.25, Yaw: 0.5})
	rx := startReceiver(t, gnsstest.Config{Period: 20 * time.Millisecond, Pose: p.get, Satellites: 17, HDOP: 0.6, StdDev: 0.021})
	ref := field
	d := startDriver(t, gnss.Config{Port: rx.TTY(), Reference: &ref})
	updates, cancel := d.SubscribeGNSS(64)
	defer cancel()

	g := testwait.For(t, updates, "a complete fix", func(g hardware.GNSS) bool { return g.HasHeading && g.LatStdDev > 0 })
	checkPose(t, g, p.get())
	if g.Quality != hardware.QualityRTKFixed || g.Satellites != 17 || g.HDOP != 0.6 || g.LatStdDev != 0.021 || g.LonStdDev != 0.021 ||
		g.AltStdDev != 0.042 || g.HeadingSource != hardware.HeadingTrue || g.Altitude != 512.3 {
		t.Fatalf("%+v", g)
	}
	if age := time.Since(g.FixTime); age < -time.Second || age > 5*time.Second {
		t.Fatalf("fix time %v is not now", g.FixTime)
	}
	// The robot moves and turns; the driver follows.
	p.set(hardware.Pose{X: -40, Y: 25, Yaw: -2.5})
	g = testwait.For(t, updates, "the new pose", func(g hardware.GNSS) bool { return g.HasHeading && near(g.X, -40, 1e-3) && near(g.Yaw, -2.5, 1e-4) })
	checkPose(t, g, p.get())

	st := d.Status()
	if !st.Connected || !st.Fix || st.Stale || st.Quality != "rtk_fixed" || st.Source != "serial "+rx.TTY() || st.Sentences == 0 ||
		st.BadSentences != 0 || st.Reference == nil || st.Reference.Source != "config" || st.HeadingSource != "true" || st.X == nil || st.Heading == nil {
		t.Fatalf("status %+v", st)
	}
	// The control loop reads the cell every tick: no allocation.
	if n := testing.AllocsPerRun(100, func() { _, _ = d.Fresh(); _ = d.GNSS() }); n != 0 {
		t.Fatalf("%v allocations per read", n)
	}
}

// Without a configured reference the first fix is the origin.
func TestFirstFixIsTheReference(t *testing.T) {
	var p pose
	p.set(hardware.Pose{X: 100, Y: 50})
	rx := startReceiver(t, gnsstest.Config{Period: -1, Pose: p.get})
	d := startDriver(t, gnss.Config{Port: rx.TTY()})
	updates, cancel := d.SubscribeGNSS(64)
	defer cancel()
	waitConnected(t, d)

	if err := rx.SendBurst(); err != nil {
		t.Fatal(err)
	}
	g := testwait.For(t, updates, "the first fix", func(g hardware.GNSS) bool { return g.HasLocal })
	if !near(g.X, 0, 1e-9) || !near(g.Y, 0, 1e-9) {
		t.Fatalf("first fix at %v, %v", g.X, g.Y)
	}
	p.set(hardware.Pose{X: 110, Y: 45})
	if err := rx.SendBurst(); err != nil {
		t.Fatal(err)
	}
	g = testwait.For(t, updates, "a second fix", func(g hardware.GNSS) bool { return g.HasLocal && g.X > 1 })
	if !near(g.X, 10, 1e-3) || !near(g.Y, -5, 1e-3) {
		t.Fatalf("10 m north, 5 m east of the first fix: %v, %v", g.X, g.Y)
	}
	if r := d.Status().Reference; r == nil || r.Source != "first_fix" {
		t.Fatalf("reference %+v", r)
	}
}

// Damaged and foreign lines are counted and dropped; the reader goes on.
func TestBadSentencesAreCountedAndDropped(t *testing.T) {
	rx := startReceiver(t, gnsstest.Config{Period: -1})
	ref := field
	d := startDriver(t, gnss.Config{Port: rx.TTY(), Reference: &ref})
	updates, cancel := d.SubscribeGNSS(64)
	defer cancel()
	waitConnected(t, d)

	good := string(gnss.AppendGGA(nil, "GN", gnss.GGA{HasTime: true, Lat: 48.1173, Lon: 11.5167, HasPosition: true, Quality: 1, Altitude: 1}))
	for _, l := range []string{
		strings.Replace(good, "GGA", "GGB", 1),         // checksum no longer matches
		good[:30] + "\r\n",                             // truncated
		"$GPGSV,3,1,11,03,03,111,00*4A\r\n",            // valid, not read
		strings.Repeat("\xff", 3000) + "\r\n",          // noise: overlong
		"\r\n",                                         // a stray line ending
		strings.Replace(good, "1.000,M", "9.000,M", 1), // bad checksum too
	} {
		if err := rx.Send([]byte(l)); err != nil {
			t.Fatal(err)
		}
	}
	if err := rx.Send([]byte(good)); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, updates, "the good sentence", func(g hardware.GNSS) bool { return g.HasFix() })
	st := d.Status()
	if st.Sentences != 1 || st.BadSentences != 3 || st.Ignored != 1 || st.Overlong != 1 {
		t.Fatalf("counters: %d good, %d bad, %d ignored, %d overlong", st.Sentences, st.BadSentences, st.Ignored, st.Overlong)
	}
}

// A receiver that goes silent makes the value stale, with its age, by the
// driver's clock; a stale heading is dropped from newer fixes.
func TestStaleness(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	rx := startReceiver(t, gnsstest.Config{Period: -1, Now: clk.now})
	ref := field
	d := startDriver(t, gnss.Config{Port: rx.TTY(), Reference: &ref, Now: clk.now, StaleAfter: 2 * time.Second})
	updates, cancel := d.SubscribeGNSS(64)
	defer cancel()
	waitConnected(t, d)

	if st := d.Status(); !st.Stale || st.Fix || st.AgeS != nil {
		t.Fatalf("before any fix: %+v", st)
	}
	if err := rx.SendBurst(); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, updates, "the burst's heading", func(g hardware.GNSS) bool { return g.HasHeading })
	if st := d.Status(); st.Stale || !st.Fix || st.AgeS == nil || *st.AgeS != 0 {
		t.Fatalf("fresh: %+v", st)
	}
	clk.add(1900 * time.Millisecond)
	if st := d.Status(); st.Stale || !st.Fix || *st.AgeS != 1.9 {
		t.Fatalf("after 1.9 s: stale %v, age %v", st.Stale, *st.AgeS)
	}
	if g, fresh := d.Fresh(); !fresh || !g.HasFix() {
		t.Fatal("not fresh after 1.9 s")
	}
	clk.add(200 * time.Millisecond)
	st := d.Status()
	if !st.Stale || st.Fix || *st.AgeS != 2.1 || st.Quality != "rtk_fixed" {
		t.Fatalf("after 2.1 s: %+v", st)
	}
	if _, fresh := d.Fresh(); fresh {
		t.Fatal("fresh after 2.1 s of silence")
	}
	// A GGA alone, 3 s after the last HDT: position fresh, heading gone.
	clk.add(900 * time.Millisecond)
	gga := gnss.AppendGGA(nil, "GN", gnss.GGA{Time: 12*time.Hour + 3*time.Second, HasTime: true, Lat: 48.1173, Lon: 11.5167, HasPosition: true, Quality: 5})
	if err := rx.Send(gga); err != nil {
		t.Fatal(err)
	}
	g := testwait.For(t, updates, "the GGA", func(g hardware.GNSS) bool { return g.Quality == hardware.QualityRTKFloat })
	if g.HasHeading || g.HeadingSource != hardware.HeadingNone || !g.FixTime.Equal(clk.now()) {
		t.Fatalf("%+v", g)
	}
}

// A receiver without a fix sends empty fields: no position, never a fix.
func TestNoFix(t *testing.T) {
	rx := startReceiver(t, gnsstest.Config{Period: -1})
	rx.SetQuality(hardware.QualityNone)
	ref := field
	d := startDriver(t, gnss.Config{Port: rx.TTY(), Reference: &ref})
	updates, cancel := d.SubscribeGNSS(64)
	defer cancel()
	waitConnected(t, d)
	if err := rx.SendBurst(); err != nil {
		t.Fatal(err)
	}
	g := testwait.For(t, updates, "a measurement", func(hardware.GNSS) bool { return true })
	if g.HasFix() || g.HasLocal || g.Quality != hardware.QualityNone || g.Received.IsZero() {
		t.Fatalf("%+v", g)
	}
	if st := d.Status(); st.Fix || st.X != nil || st.Quality != "none" || st.Stale {
		t.Fatalf("%+v", st)
	}
	rx.SetQuality(hardware.QualityDGPS)
	if err := rx.SendBurst(); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, updates, "a DGPS fix", func(g hardware.GNSS) bool { return g.HasLocal && g.Quality == hardware.QualityDGPS })
}

// Unplugging fails the session with a reason; replugging resumes.
func TestUnplugAndReplug(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttyGNSS")
	rx := startReceiver(t, gnsstest.Config{Link: link, Period: 20 * time.Millisecond})
	ref := field
	d := startDriver(t, gnss.Config{Port: link, Reference: &ref})
	updates, cancel := d.SubscribeGNSS(256)
	defer cancel()
	conn, cancelConn := d.SubscribeConnection(64)
	defer cancelConn()
	testwait.For(t, updates, "a fix", func(g hardware.GNSS) bool { return g.HasFix() })

	rx.Unplug()
	c := testwait.For(t, conn, "the lost connection", func(c gnss.Connection) bool { return !c.Connected })
	if !strings.Contains(c.Err, link) {
		t.Fatalf("error %q does not name the port", c.Err)
	}
	if st := d.Status(); st.Connected || st.LastError == "" {
		t.Fatalf("unplugged: %+v", st)
	}
	if err := rx.Replug(); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, conn, "the reconnection", func(c gnss.Connection) bool { return c.Connected })
	before := rx.Bursts.Load()
	testwait.For(t, updates, "a fix after replugging", func(g hardware.GNSS) bool { return g.HasFix() && rx.Bursts.Load() > before })
	if d.Status().Reconnects == 0 {
		t.Fatal("no reconnect counted")
	}
}

// A port that does not exist: a clear error, and the driver keeps trying.
func TestUnreachablePort(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "ttyACM9")
	d := startDriver(t, gnss.Config{Port: missing})
	conn, cancel := d.SubscribeConnection(64)
	defer cancel()
	for i := range 3 {
		c := testwait.For(t, conn, "a failed open", func(c gnss.Connection) bool { return !c.Connected })
		if !strings.Contains(c.Err, "open "+missing) {
			t.Fatalf("attempt %d: %q", i, c.Err)
		}
	}
	st := d.Status()
	if st.Connected || !strings.Contains(st.LastError, missing) || st.Reconnects < 2 || !st.Stale || st.Fix {
		t.Fatalf("%+v", st)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []gnss.Config{{}, {Port: "/dev/x", GPSD: "127.0.0.1:2947"}, {GPSD: "nohost"}, {Port: "/dev/x", Reference: &hardware.GeoReference{}}} {
		if _, err := gnss.New(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}
