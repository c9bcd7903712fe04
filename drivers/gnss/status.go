package gnss

import (
	"math"
	"time"

	"github.com/gorosys/rosys/hardware"
)

// Status is the driver's state for /api/status (hardware.drivers.gnss).
type Status struct {
	Source    string `json:"source"` // "serial /dev/ttyACM0" or "gpsd 127.0.0.1:2947"
	Connected bool   `json:"connected"`
	// Fix: the latest measurement holds a position and is not stale.
	Fix        bool    `json:"fix"`
	Quality    string  `json:"quality"`
	Satellites int     `json:"satellites"`
	HDOP       float64 `json:"hdop"`
	Lat        float64 `json:"lat"`
	Lon        float64 `json:"lon"`
	// X, Y (metres, x north, y west) and Yaw (radians) in the local
	// frame; null until there is a fix and a reference.
	X   *float64 `json:"x"`
	Y   *float64 `json:"y"`
	Yaw *float64 `json:"yaw"`
	// Heading in degrees clockwise from north, null without one.
	Heading       *float64 `json:"heading"`
	HeadingSource string   `json:"heading_source"`
	LatStdDev     float64  `json:"lat_std_dev"`
	LonStdDev     float64  `json:"lon_std_dev"`
	// AgeS is the seconds since the latest measurement arrived (null:
	// never). Stale is true when that is more than stale_after, or when
	// nothing ever arrived: a silent source is never reported as fresh.
	AgeS       *float64   `json:"age_s"`
	Stale      bool       `json:"stale"`
	StaleAfter float64    `json:"stale_after_s"`
	Reference  *Reference `json:"reference"`
	// Sentences counts good NMEA sentences (serial) or gpsd reports;
	// BadSentences those dropped as malformed or with a bad checksum;
	// Ignored valid ones of other types; Overlong lines over the bound.
	Sentences    uint64 `json:"sentences"`
	BadSentences uint64 `json:"bad_sentences"`
	Ignored      uint64 `json:"ignored"`
	Overlong     uint64 `json:"overlong_lines"`
	Reconnects   uint64 `json:"reconnects"`
	// CorrectionBytes counts the correction bytes (RTCM from NTRIP)
	// written to the receiver's port; CorrectionsDropped the writes
	// refused (port closed, queue full) or failed.
	CorrectionBytes    uint64 `json:"correction_bytes"`
	CorrectionsDropped uint64 `json:"corrections_dropped"`
	LastError          string `json:"last_error,omitempty"`
}

// Reference is the local frame's origin and where it came from.
type Reference struct {
	Lat    float64 `json:"lat"`
	Lon    float64 `json:"lon"`
	Source string  `json:"source"` // "config", "first_fix", or "restored" (an earlier run's first fix)
}

// Status reports the latest measurement, its age by the driver's clock,
// and the counters.
func (d *Driver) Status() Status {
	st := StatusOf(d.latest.Latest(), d.cfg.Now(), d.cfg.StaleAfter)
	st.Source, st.Connected = d.source, d.conn.Load()
	st.Sentences, st.BadSentences, st.Ignored = d.good.Load(), d.bad.Load(), d.ignored.Load()
	st.Overlong, st.Reconnects = d.overlong.Load(), d.reconnects.Load()
	st.CorrectionBytes, st.CorrectionsDropped = d.corrBytes.Load(), d.corrDropped.Load()
	if r := d.ref.Load(); r != nil {
		st.Reference = &Reference{Lat: r.ref.Lat, Lon: r.ref.Lon, Source: r.source}
	}
	if e := d.lastErr.Load(); e != nil {
		st.LastError = *e
	}
	return st
}

// StatusOf reports a measurement of any hardware.GNSSReceiver (the
// simulated one too) as Status does, judged at now.
func StatusOf(g hardware.GNSS, now time.Time, staleAfter time.Duration) Status {
	st := Status{
		Quality: g.Quality.String(), Satellites: g.Satellites, HDOP: g.HDOP,
		Lat: g.Latitude, Lon: g.Longitude, LatStdDev: g.LatStdDev, LonStdDev: g.LonStdDev,
		HeadingSource: g.HeadingSource.String(),
		Stale:         true, StaleAfter: staleAfter.Seconds(),
	}
	if age := g.Age(now); age >= 0 {
		s := math.Round(age.Seconds()*1000) / 1000
		st.AgeS = &s
		st.Stale = age > staleAfter
	}
	st.Fix = g.HasFix() && !st.Stale
	if g.HasLocal {
		x, y := g.X, g.Y
		st.X, st.Y = &x, &y
		if g.HasHeading {
			yaw := g.Yaw
			st.Yaw = &yaw
		}
	}
	if g.HasHeading {
		h := g.Heading
		st.Heading = &h
	}
	return st
}
