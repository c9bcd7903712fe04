package localization

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gorosys/rosys/hardware"
)

// Journal records (source JournalSource, kind 'i'): the first byte says
// what, then little-endian fields. Each input is recorded as the filter
// takes it, in order, so Replay applies the same inputs in the same
// order and computes the same estimate, bit for bit.
//
//	't' tick:     now (unix ns), odometry x, y, yaw, IMU yaw, has IMU (0|1)
//	's' set pose: now, x, y, yaw, 0, 0
//	'g' fix:      now, x, y, yaw, lat σ, lon σ, fix time, received (unix ns),
//	              quality, flags (has fix|has local|has heading), heading source,
//	              antenna x, y (where on the robot the fix was measured)
const (
	recTick   = 't'
	recSet    = 's'
	recFix    = 'g'
	kindInput = 'i'
)

func (e *Estimator) record(what byte, now time.Time, a, b, c, d, f float64) {
	if e.cfg.Recorder == nil {
		return
	}
	buf := e.rec[:0]
	buf = append(buf, what)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(now.UnixNano()))
	for _, v := range [...]float64{a, b, c, d, f} {
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
	}
	e.cfg.Recorder.RecordAt(now, JournalSource, kindInput, buf)
}

func (e *Estimator) recordFix(now time.Time, g *hardware.GNSS, ax, ay float64) {
	if e.cfg.Recorder == nil {
		return
	}
	buf := e.rec[:0]
	buf = append(buf, recFix)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(now.UnixNano()))
	for _, v := range [...]float64{g.X, g.Y, g.Yaw, g.LatStdDev, g.LonStdDev} {
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
	}
	buf = binary.LittleEndian.AppendUint64(buf, uint64(g.FixTime.UnixNano()))
	buf = binary.LittleEndian.AppendUint64(buf, uint64(g.Received.UnixNano()))
	var flags byte = 1 // has local (only such fixes are recorded)
	if g.HasHeading {
		flags |= 2
	}
	buf = append(buf, byte(g.Quality), flags, byte(g.HeadingSource))
	buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(ax))
	buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(ay))
	e.cfg.Recorder.RecordAt(now, JournalSource, kindInput, buf)
}

// ErrRecord is returned by Apply for a record it cannot read.
var ErrRecord = errors.New("localization: bad journal record")

// Apply feeds one recorded input (the data of a journal record of source
// JournalSource) to e, as Step took it. An estimator built for a replay
// has no Odometer reads, receivers or IMU of its own: Apply is its only
// input.
func (e *Estimator) Apply(data []byte) error {
	if len(data) < 1+8+5*8 {
		return fmt.Errorf("%w: %d bytes", ErrRecord, len(data))
	}
	what := data[0]
	u := func(i int) uint64 { return binary.LittleEndian.Uint64(data[1+8*i:]) }
	f := func(i int) float64 { return math.Float64frombits(u(i)) }
	now := time.Unix(0, int64(u(0)))
	e.mu.Lock()
	defer e.mu.Unlock()
	switch what {
	case recTick:
		e.tick(now, f(1), f(2), f(3), f(4), f(5) != 0)
		e.lastOdom = now
		if f(5) != 0 {
			e.lastIMU = now
		}
	case recSet:
		e.set(now, hardware.Pose{X: f(1), Y: f(2), Yaw: f(3)})
	case recFix:
		if len(data) != 1+8*8+3+16 {
			return fmt.Errorf("%w: fix of %d bytes", ErrRecord, len(data))
		}
		g := hardware.GNSS{X: f(1), Y: f(2), Yaw: f(3), LatStdDev: f(4), LonStdDev: f(5),
			FixTime: time.Unix(0, int64(u(6))), Received: time.Unix(0, int64(u(7))), HasLocal: true}
		tail := data[1+8*8:]
		g.Quality, g.HasHeading, g.HeadingSource = hardware.GNSSQuality(tail[0]), tail[1]&2 != 0, hardware.HeadingSource(tail[2])
		ant := tail[3:]
		e.fix(now, &g, math.Float64frombits(binary.LittleEndian.Uint64(ant)), math.Float64frombits(binary.LittleEndian.Uint64(ant[8:])))
	default:
		return fmt.Errorf("%w: kind %q", ErrRecord, what)
	}
	return nil
}
