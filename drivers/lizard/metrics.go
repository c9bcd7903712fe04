package lizard

import "time"

// LineCounts reports the lines read from the controller: good ones passed
// the checksum (whether or not their content was then usable, which
// Status tells apart), bad ones were dropped for a bad or missing
// checksum or for being overlong. It is what metrics.LineCounter asks for.
func (d *Driver) LineCounts() (good, bad uint64) {
	return d.stats.lines.Load(), d.stats.badChecksum.Load() + d.stats.overlong.Load()
}

// SensorTimes reports when the latest core message's values were taken,
// on the local clock: "core" carries the wheels' velocity and the
// e-stop. Zero until the first one. It is what metrics.SensorClock asks
// for.
func (d *Driver) SensorTimes() map[string]time.Time {
	return map[string]time.Time{"core": d.velocity.Latest().Time}
}
