package gnss

import (
	"math"
	"time"

	"github.com/gorosys/rosys/hardware"
)

// MinCourseSpeed is the slowest ground speed (m/s) at which the course over
// ground stands in for a missing true heading: below it the course is
// noise.
const MinCourseSpeed = 0.3

// fixUpdate is a new position from either source.
type fixUpdate struct {
	fixTime     time.Time
	lat, lon    float64
	hasPosition bool
	quality     hardware.GNSSQuality
	satellites  int // -1: the source does not say (gpsd: SKY does)
	hdop        float64
	altitude    float64
}

// assembler merges what a receiver reports piecewise — position, error
// estimates, heading, satellites — into one hardware.GNSS per update and
// places it in the local frame. Only the source's goroutine uses it.
type assembler struct {
	staleAfter time.Duration
	ref        hardware.GeoReference
	antenna    hardware.Pose // the main antenna in the robot's frame
	publish    func(hardware.GNSS)
	// onReference is called once when the reference is taken from the
	// first fix.
	onReference func(hardware.GeoReference)

	cur     hardware.GNSS
	haveFix bool // cur holds a position update

	// Pending error estimate for a fix whose position has not come yet
	// (GST before GGA in a burst).
	std     [3]float64
	stdTime time.Time

	trueHeading, course     float64
	trueHeadingAt, courseAt time.Time // receive times; zero: never
	satellites              int
	hdop                    float64
	ggaSeen                 bool // RMC positions are used only without GGA

	lastDate time.Time // full UTC time of the last RMC, for the day of a GGA
}

// position applies a new fix and publishes it.
func (a *assembler) position(u fixUpdate, recv time.Time) {
	g := hardware.GNSS{
		Latitude: u.lat, Longitude: u.lon, Altitude: u.altitude, Quality: u.quality,
		Satellites: u.satellites, HDOP: u.hdop, FixTime: u.fixTime, Received: recv,
	}
	if !u.hasPosition {
		g.Quality = hardware.QualityNone // empty fields: no fix, whatever the quality field says
	}
	if u.satellites < 0 {
		g.Satellites, g.HDOP = a.satellites, a.hdop
	}
	if !a.stdTime.IsZero() && a.stdTime.Equal(u.fixTime) {
		g.LatStdDev, g.LonStdDev, g.AltStdDev = a.std[0], a.std[1], a.std[2]
	}
	a.cur, a.haveFix = g, true
	a.emit(recv)
}

// stdDev applies an error estimate for the fix at fixTime: to the current
// fix if it is that one, else to the fix when it comes.
func (a *assembler) stdDev(lat, lon, alt float64, fixTime time.Time, recv time.Time) {
	a.std, a.stdTime = [3]float64{lat, lon, alt}, fixTime
	if a.haveFix && a.cur.FixTime.Equal(fixTime) {
		a.cur.LatStdDev, a.cur.LonStdDev, a.cur.AltStdDev = lat, lon, alt
		a.emit(recv)
	}
}

// heading records a true heading (HDT, ATT).
func (a *assembler) heading(deg float64, recv time.Time) {
	a.trueHeading, a.trueHeadingAt = deg, recv
	if a.haveFix {
		a.emit(recv)
	}
}

// courseOverGround records the direction of travel, used as a heading only
// while moving and while no true heading is fresh.
func (a *assembler) courseOverGround(deg, speed float64, recv time.Time) {
	if speed < MinCourseSpeed {
		return
	}
	a.course, a.courseAt = deg, recv
	if a.haveFix {
		a.emit(recv)
	}
}

// sky records satellites and HDOP reported apart from the fix (gpsd SKY).
func (a *assembler) sky(satellites int, hdop float64, recv time.Time) {
	a.satellites, a.hdop = satellites, hdop
	if a.haveFix {
		a.cur.Satellites, a.cur.HDOP = satellites, hdop
		a.emit(recv)
	}
}

// emit completes the current fix with heading and local pose, moves it
// from the antenna to the robot, and publishes it. cur itself stays the
// antenna's measurement, so a later emit for the same fix (GST, HDT
// arriving) starts again from it.
func (a *assembler) emit(now time.Time) {
	g := a.cur
	switch {
	case !a.trueHeadingAt.IsZero() && now.Sub(a.trueHeadingAt) <= a.staleAfter:
		// The receiver measures the direction from its main to its
		// auxiliary antenna; the robot faces antenna.Yaw clockwise of it
		// (compass degrees turn the other way round from yaw).
		g.HasHeading, g.HeadingSource, g.Heading = true, hardware.HeadingTrue, compass(a.trueHeading+a.antenna.Yaw*180/math.Pi)
	case !a.courseAt.IsZero() && now.Sub(a.courseAt) <= a.staleAfter:
		// The direction of travel is the robot's, not the antennas'.
		g.HasHeading, g.HeadingSource, g.Heading = true, hardware.HeadingCourse, a.course
	}
	newRef := false
	if !a.ref.Valid() && g.HasFix() {
		if ref, err := hardware.NewGeoReference(g.Latitude, g.Longitude); err == nil {
			a.ref, newRef = ref, true
		}
	}
	if a.ref.Valid() && g.HasFix() {
		g.X, g.Y = a.ref.ToLocal(g.Latitude, g.Longitude)
		g.HasLocal = true
		if g.HasHeading {
			g.Yaw = a.ref.YawFromHeading(g.Latitude, g.Longitude, g.Heading)
			if ox, oy := a.antenna.X, a.antenna.Y; ox != 0 || oy != 0 {
				// The antenna sits at (ox, oy) in the robot's frame:
				// the robot is that offset, turned by its yaw, behind it.
				s, c := math.Sincos(g.Yaw)
				g.X -= c*ox - s*oy
				g.Y -= s*ox + c*oy
				g.Latitude, g.Longitude = a.ref.ToGeo(g.X, g.Y)
			}
		}
	}
	a.publish(g)
	// After the publication: whoever learns of the reference finds the
	// fix that made it.
	if newRef && a.onReference != nil {
		a.onReference(a.ref)
	}
}

// compass maps degrees into [0, 360).
func compass(h float64) float64 {
	h = math.Mod(h, 360)
	if h < 0 {
		h += 360
	}
	return h
}

// resolveDay places a UTC time of day on the day nearest to base.
func resolveDay(tod time.Duration, base time.Time) time.Time {
	base = base.UTC()
	t := time.Date(base.Year(), base.Month(), base.Day(), 0, 0, 0, 0, time.UTC).Add(tod)
	switch d := t.Sub(base); {
	case d > 12*time.Hour:
		t = t.Add(-24 * time.Hour)
	case d < -12*time.Hour:
		t = t.Add(24 * time.Hour)
	}
	return t
}

// nmea feeds one parsed sentence into the assembler.
func (a *assembler) nmea(s *Sentence, recv time.Time) {
	// The day of a time of day: from the receiver's last RMC date when
	// there is one (a board without a real-time clock may not know the
	// date yet), else from the host's clock.
	base := recv
	if !a.lastDate.IsZero() {
		base = a.lastDate
	}
	switch s.Kind {
	case KindGGA:
		g := &s.GGA
		var ft time.Time
		if g.HasTime {
			ft = resolveDay(g.Time, base)
		}
		a.position(fixUpdate{fixTime: ft, lat: g.Lat, lon: g.Lon, hasPosition: g.HasPosition, quality: g.Quality,
			satellites: g.Satellites, hdop: g.HDOP, altitude: g.Altitude}, recv)
		a.ggaSeen = true
	case KindRMC:
		r := &s.RMC
		if r.HasDate && r.HasTime {
			a.lastDate = r.Date.Add(r.Time)
		}
		if !a.ggaSeen && r.HasTime {
			// A receiver that sends no GGA: RMC's position, without
			// satellites or altitude.
			q := rmcQuality(r)
			a.position(fixUpdate{fixTime: resolveDay(r.Time, base), lat: r.Lat, lon: r.Lon, hasPosition: r.HasPosition && q.HasFix(),
				quality: q, satellites: 0}, recv)
		}
		if r.Active && r.HasCourse {
			a.courseOverGround(r.Course, r.Speed, recv)
		}
	case KindGST:
		g := &s.GST
		if g.HasTime {
			a.stdDev(g.LatStd, g.LonStd, g.AltStd, resolveDay(g.Time, base), recv)
		}
	case KindHDT:
		if s.HDT.HasHeading {
			a.heading(s.HDT.Heading, recv)
		}
	}
}

// rmcQuality maps RMC's status and NMEA 2.3 mode to a GGA quality.
func rmcQuality(r *RMC) hardware.GNSSQuality {
	if !r.Active {
		return hardware.QualityNone
	}
	switch r.Mode {
	case 'D':
		return hardware.QualityDGPS
	case 'R':
		return hardware.QualityRTKFixed
	case 'F':
		return hardware.QualityRTKFloat
	case 'E':
		return hardware.QualityDeadReckoning
	case 'M':
		return hardware.QualityManual
	case 'S':
		return hardware.QualitySimulation
	case 'N':
		return hardware.QualityNone
	}
	return hardware.QualityGPS
}
