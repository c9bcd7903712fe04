package gnss

import (
	"math"
	"testing"
	"time"

	"github.com/gorosys/rosys/hardware"
)

func feed(t *testing.T, a *assembler, recv time.Time, lines ...[]byte) {
	t.Helper()
	for _, l := range lines {
		s, err := Parse(l)
		if err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		a.nmea(&s, recv)
	}
}

func newTestAssembler(out *[]hardware.GNSS) *assembler {
	ref, _ := hardware.NewGeoReference(48.1173, 11.5167)
	return &assembler{staleAfter: 2 * time.Second, ref: ref, publish: func(g hardware.GNSS) { *out = append(*out, g) }}
}

// GST may come before or after its GGA; it is attached to the fix of its
// own epoch only.
func TestGSTMatchesItsEpoch(t *testing.T) {
	var out []hardware.GNSS
	a := newTestAssembler(&out)
	recv := time.Date(2026, 11, 30, 10, 0, 0, 500e6, time.UTC)
	tod := 10 * time.Hour
	gga := GGA{Time: tod, HasTime: true, Lat: 48.1173, Lon: 11.5167, HasPosition: true, Quality: hardware.QualityRTKFixed}
	feed(t, a, recv,
		AppendGST(nil, "GN", GST{Time: tod, HasTime: true, LatStd: 0.01, LonStd: 0.02, AltStd: 0.03}),
		AppendGGA(nil, "GN", gga))
	if g := out[len(out)-1]; g.LatStdDev != 0.01 || g.LonStdDev != 0.02 || g.AltStdDev != 0.03 {
		t.Fatalf("GST before GGA: %+v", g)
	}
	gga.Time += time.Second
	feed(t, a, recv.Add(time.Second), AppendGGA(nil, "GN", gga))
	if g := out[len(out)-1]; g.LatStdDev != 0 {
		t.Fatalf("last epoch's GST on a new fix: %+v", g)
	}
	feed(t, a, recv.Add(time.Second), AppendGST(nil, "GN", GST{Time: tod + time.Second, HasTime: true, LatStd: 0.04, LonStd: 0.05}))
	if g := out[len(out)-1]; g.LatStdDev != 0.04 || g.LonStdDev != 0.05 {
		t.Fatalf("GST after GGA: %+v", g)
	}
	n := len(out)
	feed(t, a, recv.Add(time.Second), AppendGST(nil, "GN", GST{Time: tod - time.Second, HasTime: true, LatStd: 9}))
	if len(out) != n || out[n-1].LatStdDev != 0.04 {
		t.Fatal("an old epoch's GST changed the fix")
	}
}

// Without HDT the course over ground stands in while moving, flagged, and
// ages out; HDT wins over it.
func TestCourseFallback(t *testing.T) {
	var out []hardware.GNSS
	a := newTestAssembler(&out)
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	gga := AppendGGA(nil, "GN", GGA{Time: 10 * time.Hour, HasTime: true, Lat: 48.1173, Lon: 11.5167, HasPosition: true, Quality: 4})
	rmc := func(speed, course float64) []byte {
		return AppendRMC(nil, "GN", RMC{Time: 10 * time.Hour, HasTime: true, Active: true, Lat: 48.1173, Lon: 11.5167, HasPosition: true,
			Speed: speed, Course: course, HasCourse: true, Date: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), HasDate: true, Mode: 'R'})
	}
	feed(t, a, t0, gga, rmc(1.0, 270))
	g := out[len(out)-1]
	if !g.HasHeading || g.HeadingSource != hardware.HeadingCourse || g.Heading != 270 || math.Abs(g.Yaw-math.Pi/2) > 1e-6 {
		t.Fatalf("course: %+v", g)
	}
	feed(t, a, t0.Add(time.Second), rmc(0.1, 90)) // too slow: not taken
	if g := out[len(out)-1]; g.Heading != 270 {
		t.Fatalf("slow course taken: %+v", g)
	}
	feed(t, a, t0.Add(time.Second), AppendHDT(nil, "GN", HDT{Heading: 10, HasHeading: true}))
	if g := out[len(out)-1]; g.HeadingSource != hardware.HeadingTrue || g.Heading != 10 {
		t.Fatalf("HDT did not win: %+v", g)
	}
	feed(t, a, t0.Add(3500*time.Millisecond), gga)
	if g := out[len(out)-1]; g.HasHeading || g.HeadingSource != hardware.HeadingNone {
		t.Fatalf("stale headings kept: %+v", g)
	}
	// The RMC's position is not used when GGA comes: it carries no quality.
	if g := out[len(out)-1]; g.Quality != hardware.QualityRTKFixed {
		t.Fatalf("%+v", g)
	}
}

// A receiver that sends only RMC still gives a position, its quality from
// the mode indicator.
func TestRMCOnlyReceiver(t *testing.T) {
	var out []hardware.GNSS
	a := newTestAssembler(&out)
	r := RMC{Time: 10 * time.Hour, HasTime: true, Active: true, Lat: 48.1174, Lon: 11.5167, HasPosition: true,
		Date: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), HasDate: true, Mode: 'F'}
	feed(t, a, time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC), AppendRMC(nil, "GP", r))
	g := out[len(out)-1]
	if g.Quality != hardware.QualityRTKFloat || !g.HasLocal || math.Abs(g.X-11.12) > 0.01 || !g.FixTime.Equal(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("%+v", g)
	}
	r.Active, r.Mode = false, 'N'
	feed(t, a, time.Date(2026, 11, 30, 10, 0, 1, 0, time.UTC), AppendRMC(nil, "GP", r))
	if g := out[len(out)-1]; g.HasFix() || g.HasLocal {
		t.Fatalf("void RMC is a fix: %+v", g)
	}
}

// A time of day lands on the day nearest the reference time: fixes just
// before midnight received just after it belong to the day before.
func TestResolveDay(t *testing.T) {
	base := time.Date(2026, 12, 1, 0, 0, 1, 0, time.UTC)
	if got := resolveDay(23*time.Hour+59*time.Minute+59*time.Second, base); !got.Equal(time.Date(2026, 11, 30, 23, 59, 59, 0, time.UTC)) {
		t.Fatalf("before midnight: %v", got)
	}
	base = time.Date(2026, 11, 30, 23, 59, 59, 0, time.UTC)
	if got := resolveDay(time.Second, base); !got.Equal(time.Date(2026, 12, 1, 0, 0, 1, 0, time.UTC)) {
		t.Fatalf("after midnight: %v", got)
	}
	if got := resolveDay(12*time.Hour, time.Date(2026, 11, 30, 11, 0, 0, 0, time.FixedZone("x", 3600*5))); !got.Equal(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("a host clock in another zone: %v", got)
	}
}

// With the antennas off the robot's origin and turned, the published pose
// is the robot's: RoSys's antenna_pose.
func TestAntennaOffset(t *testing.T) {
	var out []hardware.GNSS
	a := newTestAssembler(&out)
	a.antenna = hardware.Pose{X: 0.8, Y: -0.3, Yaw: math.Pi / 2} // auxiliary antenna to the left of the main one
	robot := hardware.Pose{X: 10, Y: 5, Yaw: 0.6}
	s, c := math.Sincos(robot.Yaw)
	ax, ay := robot.X+c*0.8-s*(-0.3), robot.Y+s*0.8+c*(-0.3)
	lat, lon := a.ref.ToGeo(ax, ay)
	baseline := a.ref.HeadingFromYaw(lat, lon, robot.Yaw+math.Pi/2)
	recv := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	feed(t, a, recv, AppendGGA(nil, "GN", GGA{Time: 10 * time.Hour, HasTime: true, Lat: lat, Lon: lon, HasPosition: true, Quality: 4}))
	if g := out[len(out)-1]; math.Abs(g.X-ax) > 1e-3 || math.Abs(g.Y-ay) > 1e-3 || g.HasHeading {
		t.Fatalf("without a heading the position is the antenna's: %+v", g)
	}
	feed(t, a, recv, AppendHDT(nil, "GN", HDT{Heading: baseline, HasHeading: true}))
	g := out[len(out)-1]
	if math.Abs(g.X-10) > 1e-3 || math.Abs(g.Y-5) > 1e-3 || math.Abs(g.Yaw-0.6) > 1e-4 {
		t.Fatalf("robot pose %v %v %v, want 10 5 0.6", g.X, g.Y, g.Yaw)
	}
	rlat, rlon := a.ref.ToGeo(10, 5)
	if math.Abs(g.Latitude-rlat) > 1e-8 || math.Abs(g.Longitude-rlon) > 1e-8 ||
		math.Abs(g.Heading-a.ref.HeadingFromYaw(rlat, rlon, 0.6)) > 1e-3 || g.HeadingSource != hardware.HeadingTrue {
		t.Fatalf("robot's geo pose %+v", g)
	}
	// Another emit for the same fix (its GST) starts from the antenna's
	// measurement again: the offset is not applied twice.
	feed(t, a, recv, AppendGST(nil, "GN", GST{Time: 10 * time.Hour, HasTime: true, LatStd: 0.01}))
	if g2 := out[len(out)-1]; math.Abs(g2.X-10) > 1e-3 || math.Abs(g2.Y-5) > 1e-3 || g2.LatStdDev != 0.01 {
		t.Fatalf("after GST: %+v", g2)
	}
}
