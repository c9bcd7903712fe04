package localization

import (
	"math"
	"time"
)

// Correction implements driving.CorrectedPose: when an absolute source
// (a GNSS fix, a set pose) last corrected the pose (zero: not since the
// start), whether the robot has an absolute source at all, and whether
// the Driver must hold: a restored pose that no fix has confirmed yet,
// when Config.ConfirmRestored asks for one.
func (e *Estimator) Correction() (last time.Time, absolute, hold bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	absolute = e.cfg.GNSS != nil && e.cfg.Mode != ModeOdometry
	hold = absolute && e.cfg.ConfirmRestored && e.restored != nil && !e.confirmed
	return e.lastCorrection, absolute, hold
}

// liveLocked is the sources whose last input is younger than StaleAfter.
func (e *Estimator) liveLocked(now time.Time) uint8 {
	var src uint8
	for bit, t := range [...]time.Time{srcOdometry: e.lastOdom, srcGNSS: e.lastFix, srcHeading: e.lastHeading, srcIMU: e.lastIMU} {
		if bit != 0 && !t.IsZero() && now.Sub(t) <= e.cfg.StaleAfter {
			src |= uint8(bit)
		}
	}
	return src
}

// Status is the estimate for /api/status (hardware.pose_estimate).
type Status struct {
	X   float64 `json:"x"`
	Y   float64 `json:"y"`
	Yaw float64 `json:"yaw"`
	// StdDev of x, y (m) and yaw (rad): the covariance's diagonal.
	StdDev     [3]float64    `json:"std_dev"`
	Covariance [3][3]float64 `json:"covariance"`
	Mode       string        `json:"mode"`
	// Sources are live now: their last input is younger than
	// hardware.gnss.stale_after.
	Sources []string `json:"sources"`
	// CorrectionAge (s) is how old the last absolute correction is; null
	// when there has been none since the start. CorrectionSource says
	// which it was (gnss, set_pose).
	CorrectionAge    *float64 `json:"correction_age"`
	CorrectionSource string   `json:"correction_source,omitempty"`
	// Confirmed: an absolute correction confirmed the pose since the
	// start. Hold: the Driver waits for one (a restored pose, GNSS
	// configured).
	Confirmed bool `json:"confirmed"`
	Hold      bool `json:"hold"`
	// Restored is the pose restored at start-up, and its age (s).
	Restored *RestoredStatus `json:"restored,omitempty"`
	Fixes    Counts          `json:"fixes"`
}

// RestoredStatus is the pose a restart restored.
type RestoredStatus struct {
	X    float64   `json:"x"`
	Y    float64   `json:"y"`
	Yaw  float64   `json:"yaw"`
	Time time.Time `json:"time"`
	// Age (s) is how old it is now.
	Age float64 `json:"age"`
}

// Status reports the estimate at now.
func (e *Estimator) Status(now time.Time) Status {
	last, _, hold := e.Correction()
	e.mu.Lock()
	defer e.mu.Unlock()
	st := Status{X: e.cur.x, Y: e.cur.y, Yaw: e.cur.yaw, Covariance: e.cur.p, Mode: e.cfg.Mode.String(),
		Sources: sourceList(e.liveLocked(now)), Confirmed: e.confirmed, Hold: hold, Fixes: e.counts}
	for i := range 3 {
		st.StdDev[i] = math.Sqrt(math.Max(e.cur.p[i][i], 0))
	}
	if !last.IsZero() {
		age := now.Sub(last).Seconds()
		st.CorrectionAge = &age
		for i, n := range sourceNames {
			if e.correctionSrc == 1<<i {
				st.CorrectionSource = n
			}
		}
	}
	if r := e.restored; r != nil {
		st.Restored = &RestoredStatus{X: r.x, Y: r.y, Yaw: r.yaw, Time: r.at, Age: now.Sub(r.at).Seconds()}
	}
	return st
}
