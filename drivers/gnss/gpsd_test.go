package gnss_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/drivers/gnss"
	"github.com/gorosys/rosys/drivers/gnss/gnsstest"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/internal/testwait"
)

// The gpsd source against the real gpsd, which reads NMEA from the
// simulated receiver's pty: position, RTK quality, GST's deviations and
// HDT's heading (gpsd's ATT) come through its JSON protocol.
func TestGPSDSource(t *testing.T) {
	var p pose
	p.set(hardware.Pose{X: 7.5, Y: 2.25, Yaw: 1.2})
	rx := startReceiver(t, gnsstest.Config{Period: 100 * time.Millisecond, Pose: p.get, StdDev: 0.018})
	addr := gnsstest.StartGPSD(t, rx.TTY())
	ref := field
	d := startDriver(t, gnss.Config{GPSD: addr, Reference: &ref})
	updates, cancel := d.SubscribeGNSS(256)
	defer cancel()

	g := testwait.For(t, updates, "a complete fix through gpsd", func(g hardware.GNSS) bool {
		return g.HasFix() && g.HeadingSource == hardware.HeadingTrue && g.LatStdDev > 0 && !g.FixTime.IsZero()
	})
	checkPose(t, g, p.get())
	if g.Quality != hardware.QualityRTKFixed || g.LatStdDev != 0.018 || g.LonStdDev != 0.018 || g.Altitude != 512.3 {
		t.Fatalf("%+v", g)
	}
	if age := time.Since(g.FixTime); age < -time.Second || age > 5*time.Second {
		t.Fatalf("fix time %v is not now", g.FixTime)
	}
	p.set(hardware.Pose{X: -3, Y: 11, Yaw: -0.7})
	rx.SetQuality(hardware.QualityRTKFloat)
	g = testwait.For(t, updates, "the float fix at the new pose", func(g hardware.GNSS) bool {
		return g.Quality == hardware.QualityRTKFloat && g.HasHeading && near(g.X, -3, 1e-3) && near(g.Yaw, -0.7, 1e-4)
	})
	checkPose(t, g, p.get())
	rx.SetQuality(hardware.QualityNone)
	testwait.For(t, updates, "the lost fix", func(g hardware.GNSS) bool { return !g.HasFix() && !g.HasLocal })

	st := d.Status()
	if !st.Connected || st.Source != "gpsd "+addr || st.Sentences == 0 || st.Ignored == 0 || st.Fix {
		t.Fatalf("status %+v", st)
	}
}

// gpsd not running: a clear error naming the address, and retries.
func TestGPSDUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	d := startDriver(t, gnss.Config{GPSD: addr})
	conn, cancel := d.SubscribeConnection(64)
	defer cancel()
	for range 2 {
		c := testwait.For(t, conn, "a failed connect", func(c gnss.Connection) bool { return !c.Connected })
		if !strings.Contains(c.Err, "connect to gpsd at "+addr) {
			t.Fatalf("%q", c.Err)
		}
	}
	if st := d.Status(); !strings.Contains(st.LastError, addr) || !st.Stale || st.Connected {
		t.Fatalf("%+v", st)
	}
}

// A gpsd that accepts and then says nothing (hung, or a half-open
// connection) is left after GPSDSilent and reconnected.
func TestGPSDSilentConnectionIsReopened(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 8)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	d := startDriver(t, gnss.Config{GPSD: l.Addr().String(), GPSDSilent: 100 * time.Millisecond})
	conn, cancel := d.SubscribeConnection(64)
	defer cancel()
	first := testwait.For(t, accepted, "the connection", func(net.Conn) bool { return true })
	defer first.Close()
	c := testwait.For(t, conn, "the silence", func(c gnss.Connection) bool { return !c.Connected })
	if !strings.Contains(c.Err, "sent nothing for 100ms") {
		t.Fatalf("%q", c.Err)
	}
	second := testwait.For(t, accepted, "a new connection", func(net.Conn) bool { return true })
	second.Close()
}
