package wire

import "time"

// clockWindow is how many recent messages the offset is averaged over.
const clockWindow = 20

// jumpThreshold resets the average: the controller restarted (its millis
// went back) or the link stalled for longer than this.
const jumpThreshold = 500 * time.Millisecond

// ClockSync maps controller milliseconds to host time. Each message gives
// an offset (host receive time minus controller time); their average over
// recent messages cancels the jitter of serial transfer and scheduling.
//
// Offsets are decades long (host epoch against controller uptime), so they
// are kept relative to the first offset after a reset: twenty raw ones
// would overflow time.Duration when summed.
type ClockSync struct {
	base   time.Duration
	deltas [clockWindow]time.Duration
	n      int
	sum    time.Duration
	last   int64
	Resets uint64
}

// Map records a message with controller time millis received at host time
// recv, and returns the host time that millis corresponds to (never after
// recv).
func (c *ClockSync) Map(millis int64, recv time.Time) time.Time {
	ctrl := time.UnixMilli(millis)
	off := recv.Sub(ctrl)
	if c.n > 0 && (millis < c.last || absDur(off-c.mean()) > jumpThreshold) {
		c.n, c.sum = 0, 0
		c.Resets++
	}
	if c.n == 0 {
		c.base = off
	}
	i := c.n % clockWindow
	if c.n >= clockWindow {
		c.sum -= c.deltas[i]
	}
	c.deltas[i] = off - c.base
	c.sum += c.deltas[i]
	c.n++
	c.last = millis
	// A message that travelled faster than average would map to a moment
	// after it arrived; no measurement is from the future. The result
	// carries no monotonic clock reading (Round(0)): durations between
	// measurements are then always wall-clock differences, the same live
	// and in a replay from the journal.
	recv = recv.Round(0)
	if t := ctrl.Add(c.mean()); t.Before(recv) {
		return t
	}
	return recv
}

func (c *ClockSync) mean() time.Duration {
	return c.base + c.sum/time.Duration(min(c.n, clockWindow))
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
