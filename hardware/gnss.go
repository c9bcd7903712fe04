package hardware

import (
	"strconv"
	"time"
)

// GNSSQuality is a fix's quality, numbered as NMEA 0183's GGA sentence
// numbers it (and RoSys's GpsQuality).
type GNSSQuality uint8

// The GGA fix qualities.
const (
	QualityNone          GNSSQuality = 0 // no fix: position invalid
	QualityGPS           GNSSQuality = 1 // autonomous fix
	QualityDGPS          GNSSQuality = 2 // differential (SBAS, DGPS)
	QualityPPS           GNSSQuality = 3 // precise positioning service
	QualityRTKFixed      GNSSQuality = 4 // RTK, integer ambiguities fixed: centimetres
	QualityRTKFloat      GNSSQuality = 5 // RTK, float ambiguities: decimetres
	QualityDeadReckoning GNSSQuality = 6 // estimated: the receiver extrapolates
	QualityManual        GNSSQuality = 7 // manual input (surveyed position)
	QualitySimulation    GNSSQuality = 8 // simulator
)

var qualityNames = [...]string{"none", "gps", "dgps", "pps", "rtk_fixed", "rtk_float", "dead_reckoning", "manual", "simulation"}

// String is the quality's snake_case name ("rtk_fixed"), or its number when
// the receiver sent one NMEA does not define.
func (q GNSSQuality) String() string {
	if int(q) < len(qualityNames) {
		return qualityNames[q]
	}
	return strconv.Itoa(int(q))
}

// MarshalText makes the quality its name in JSON.
func (q GNSSQuality) MarshalText() ([]byte, error) { return []byte(q.String()), nil }

// HasFix reports whether a position comes with this quality. Dead
// reckoning, manual and simulated positions count: the receiver vouches
// for them, and the quality says how far to trust them.
func (q GNSSQuality) HasFix() bool { return q != QualityNone && int(q) < len(qualityNames) }

// HeadingSource says where a GNSS heading comes from.
type HeadingSource uint8

// Heading sources, best first.
const (
	HeadingNone HeadingSource = iota
	// HeadingTrue is the vehicle's heading from a dual-antenna receiver
	// (NMEA HDT, gpsd ATT).
	HeadingTrue
	// HeadingCourse is the course over ground (NMEA RMC, gpsd TPV track):
	// the direction of travel, not of the robot's nose. It is only taken
	// while moving, and it points backwards when the robot reverses.
	HeadingCourse
)

var headingSourceNames = [...]string{"none", "true", "course"}

// String names the source.
func (s HeadingSource) String() string {
	if int(s) < len(headingSourceNames) {
		return headingSourceNames[s]
	}
	return strconv.Itoa(int(s))
}

// MarshalText makes the source its name in JSON.
func (s HeadingSource) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// GNSS is one GNSS measurement.
//
// The local frame is RoSys's: x points north, y west, z up (right-handed),
// in metres from the reference point; Yaw is counter-clockwise from x, so
// yaw 0 faces north and yaw pi/2 faces west. Heading is a compass heading:
// degrees clockwise from true north. See GeoReference for the projection.
type GNSS struct {
	// Latitude and Longitude in degrees (WGS84); Altitude in metres above
	// mean sea level.
	Latitude  float64     `json:"lat"`
	Longitude float64     `json:"lon"`
	Altitude  float64     `json:"altitude"`
	Quality   GNSSQuality `json:"quality"`
	// Satellites used in the fix; HDOP is the horizontal dilution of
	// precision (0: not reported).
	Satellites int     `json:"satellites"`
	HDOP       float64 `json:"hdop"`
	// Standard deviations in metres from the receiver's error estimate
	// (NMEA GST, gpsd GST); 0 means not reported.
	LatStdDev float64 `json:"lat_std_dev"`
	LonStdDev float64 `json:"lon_std_dev"`
	AltStdDev float64 `json:"alt_std_dev"`

	// Heading in degrees clockwise from true north, [0, 360). Only
	// meaningful when HasHeading.
	Heading       float64       `json:"heading"`
	HasHeading    bool          `json:"has_heading"`
	HeadingSource HeadingSource `json:"heading_source"`

	// X, Y (metres) and Yaw (radians, (-pi, pi]) in the local frame; only
	// meaningful when HasLocal (a reference point is known and there is a
	// fix; Yaw also needs HasHeading).
	X        float64 `json:"x"`
	Y        float64 `json:"y"`
	Yaw      float64 `json:"yaw"`
	HasLocal bool    `json:"has_local"`

	// FixTime is the receiver's UTC time of the fix; Received is the
	// host's clock when it arrived. Consumers judge staleness from
	// Received (see Age): the receiver's clock and the host's may differ.
	FixTime  time.Time `json:"fix_time"`
	Received time.Time `json:"received"`
}

// HasFix reports whether the measurement holds a position.
func (g GNSS) HasFix() bool { return !g.Received.IsZero() && g.Quality.HasFix() }

// Age is how long ago the measurement arrived; negative if never.
func (g GNSS) Age(now time.Time) time.Duration {
	if g.Received.IsZero() {
		return -1
	}
	return now.Sub(g.Received)
}

// Fresh reports whether the measurement holds a fix that arrived no more
// than maxAge before now. A robot acts only on fresh fixes.
func (g GNSS) Fresh(now time.Time, maxAge time.Duration) bool {
	return g.HasFix() && now.Sub(g.Received) <= maxAge
}

// GNSSReceiver is a source of GNSS measurements.
//
// GNSS returns the latest measurement without blocking on I/O and without
// allocating, so the control loop may read it every tick (it judges its
// age with Fresh).
type GNSSReceiver interface {
	GNSS() GNSS
	// SubscribeGNSS delivers every new measurement; a slow subscriber
	// misses values instead of blocking the receiver.
	SubscribeGNSS(buffer int) (updates <-chan GNSS, cancel func())
}
