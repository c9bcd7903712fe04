package ntrip

import (
	"math"
	"time"
)

// Status is the client's state for /api/status (hardware.drivers.gnss.ntrip).
// It never holds the user or the password.
type Status struct {
	Caster    string `json:"caster"`  // host:port/mountpoint
	Version   int    `json:"version"` // asked for now (see Config.Version)
	Connected bool   `json:"connected"`
	// Bytes and Messages count the intact frames written to the
	// receiver; BadFrames those whose CRC failed; SkippedBytes what the
	// stream held outside intact frames; Dropped frames the receiver's
	// queue had no room for (or its port was closed).
	Bytes        uint64 `json:"bytes"`
	Messages     uint64 `json:"messages"`
	BadFrames    uint64 `json:"bad_frames"`
	SkippedBytes uint64 `json:"skipped_bytes"`
	Dropped      uint64 `json:"dropped"`
	// LastMessageAgeS is the seconds since the last intact frame (null:
	// none yet); LastMessageType its RTCM message number.
	LastMessageAgeS *float64 `json:"last_message_age_s"`
	LastMessageType int      `json:"last_message_type,omitempty"`
	GGASent         uint64   `json:"gga_sent"`
	Reconnects      uint64   `json:"reconnects"`
	LastError       string   `json:"last_error,omitempty"`
}

// Status reports the connection and the counters.
func (c *Client) Status() Status {
	st := Status{
		Caster: c.caster, Version: int(c.version.Load()), Connected: c.conn.Load(),
		Bytes: c.bytes.Load(), Messages: c.frames.Load(), BadFrames: c.bad.Load(), SkippedBytes: c.skipped.Load(),
		Dropped: c.dropped.Load(), LastMessageType: int(c.lastType.Load()), GGASent: c.ggaSent.Load(),
		Reconnects: c.reconnects.Load(),
	}
	if at := c.lastFrame.Load(); at != 0 {
		age := max(c.cfg.Now().Sub(time.Unix(0, at)), 0)
		s := math.Round(age.Seconds()*1000) / 1000
		st.LastMessageAgeS = &s
	}
	if e := c.lastErr.Load(); e != nil {
		st.LastError = *e
	}
	return st
}

// SensorTimes implements metrics.SensorClock: the time of the last intact
// frame, as rosys_sensor_age_seconds{driver="ntrip",sensor="rtcm"}.
func (c *Client) SensorTimes() map[string]time.Time {
	var t time.Time
	if at := c.lastFrame.Load(); at != 0 {
		t = time.Unix(0, at)
	}
	return map[string]time.Time{"rtcm": t}
}

// CorrectionCounts is what /metrics exports of the client: bytes and
// frames written to the receiver, bad frames, and whether it is connected.
func (c *Client) CorrectionCounts() (bytes, messages, bad uint64, connected bool) {
	return c.bytes.Load(), c.frames.Load(), c.bad.Load(), c.conn.Load()
}
