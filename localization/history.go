package localization

import "time"

// historyLen is how many control ticks of past states the filter keeps to
// place a late fix where it belongs: 5 s at 100 Hz, far beyond any
// receiver's latency (fixes older than the history are dropped).
const historyLen = 512

// entry is one control tick: the odometry (and IMU yaw) read on it, and
// the estimate after it.
type entry struct {
	t            time.Time
	ox, oy, oyaw float64 // odometry pose
	imuYaw       float64
	hasIMU       bool
	m            motion  // from the previous entry
	dt           float64 // seconds since the previous entry
	est          state
	moved        bool
	barrier      bool // a set pose or re-initialisation: no fix before it is applied
}

// ring holds the last historyLen entries, oldest first.
type ring struct {
	buf [historyLen]entry
	n   int // entries written in all
}

func (r *ring) len() int        { return min(r.n, historyLen) }
func (r *ring) at(i int) *entry { return &r.buf[(r.n-r.len()+i)%historyLen] } // 0 is the oldest kept
func (r *ring) newest() *entry  { return &r.buf[(r.n-1)%historyLen] }
func (r *ring) push() *entry    { e := &r.buf[r.n%historyLen]; r.n++; return e }
func (r *ring) empty() bool     { return r.n == 0 }

// find is the index of the newest entry not after t, or -1 when t is
// before every kept entry.
func (r *ring) find(t time.Time) int {
	for i := r.len() - 1; i >= 0; i-- {
		if !r.at(i).t.After(t) {
			return i
		}
	}
	return -1
}
