package localization

import (
	"math"
	"time"

	"github.com/gorosys/rosys/hardware"
)

// Step implements rosys.Stepper: it reads the odometry and the IMU, takes
// the fixes that arrived since the last tick, and commits the pose module
// when due. It allocates nothing (journaling copies each record).
func (e *Estimator) Step(now time.Time, _ time.Duration) {
	if e.cfg.Replay {
		return
	}
	o := e.cfg.Odometer.Pose()
	var imuYaw float64
	hasIMU := false
	var imuTime time.Time
	if e.cfg.IMU != nil {
		// A silent IMU's last yaw would freeze the estimate's turning:
		// only a fresh one is taken, the wheels' turn otherwise.
		if s := e.cfg.IMU.IMU(); !s.Time.IsZero() && now.Sub(s.Time) <= e.cfg.StaleAfter {
			imuYaw, hasIMU, imuTime = s.Yaw, true, s.Time
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if hasIMU {
		e.lastIMU = imuTime
	}
	if !o.Time.IsZero() {
		e.lastOdom = o.Time
	}
	e.tick(now, o.X, o.Y, o.Yaw, imuYaw, hasIMU)
	if p := e.pendingSet; p != nil {
		e.pendingSet = nil
		e.set(now, *p)
	}
	if e.fixes != nil {
	drain:
		for {
			select {
			case g := <-e.fixes:
				ax, ay := e.antennaFor(&g)
				e.fix(now, &g, ax, ay)
			default:
				break drain
			}
		}
	}
	if e.commitDue || e.moving && now.Sub(e.lastCommit) >= CommitInterval || e.wasMoving && !e.moving {
		e.commitLocked(now)
	}
}

// tick advances the estimate by the odometry read at now.
func (e *Estimator) tick(now time.Time, ox, oy, oyaw, imuYaw float64, hasIMU bool) {
	e.record(recTick, now, ox, oy, oyaw, imuYaw, b2f(hasIMU))
	var m motion
	var dt float64
	moved := false
	if !e.hist.empty() {
		prev := e.hist.newest()
		m = between(prev.ox, prev.oy, prev.oyaw, ox, oy, oyaw)
		moved = math.Abs(m.dx)+math.Abs(m.dy) > 1e-7 || math.Abs(m.dyaw) > 1e-7
		if hasIMU && prev.hasIMU {
			m.dyaw, m.imu = wrap(imuYaw-prev.imuYaw), true
		}
		dt = now.Sub(prev.t).Seconds()
		e.cur.predict(m, &e.noise, dt)
	}
	n := e.hist.push()
	*n = entry{t: now, ox: ox, oy: oy, oyaw: oyaw, imuYaw: imuYaw, hasIMU: hasIMU, m: m, dt: dt, est: e.cur, moved: moved}
	e.wasMoving, e.moving = e.moving, moved
}

// set makes p the pose now.
func (e *Estimator) set(now time.Time, p hardware.Pose) {
	e.record(recSet, now, p.X, p.Y, p.Yaw, 0, 0)
	e.cur = state{x: p.X, y: p.Y, yaw: p.Yaw, p: mat3{{setPoseVar, 0, 0}, {0, setPoseVar, 0}, {0, 0, setYawVar}}}
	if !e.hist.empty() {
		n := e.hist.newest()
		n.est, n.barrier = e.cur, true
	}
	e.lastCorrection, e.correctionSrc = now, srcSetPose
	e.rejectSince = time.Time{}
	e.counts.SetPoses++
	e.confirmLocked()
	e.commitLocked(now)
}

const (
	setPoseVar = 0.01 * 0.01                       // (1 cm)²
	setYawVar  = (math.Pi / 180) * (math.Pi / 180) // (1°)²
	// gateYaw is χ² with one degree of freedom at 99.9 %.
	gateYaw = 10.8
)

// antennaFor is where g's position was measured on the robot: the
// antenna, unless the receiver moved the fix to the robot itself (those
// with a true heading, see drivers/gnss).
func (e *Estimator) antennaFor(g *hardware.GNSS) (ax, ay float64) {
	if g.HasHeading && g.HeadingSource == hardware.HeadingTrue {
		return 0, 0
	}
	return e.cfg.Antenna.X, e.cfg.Antenna.Y
}

// fix applies one GNSS measurement, taken by an antenna at (ax, ay) on
// the robot, at its own time.
func (e *Estimator) fix(now time.Time, g *hardware.GNSS, ax, ay float64) {
	if !g.HasFix() || !g.HasLocal {
		e.counts.NoFix++
		return
	}
	at := g.FixTime
	if at.IsZero() || at.After(g.Received) || g.Received.Sub(at) > time.Second {
		// The receiver's clock and ours disagree: take the arrival.
		at = g.Received
		e.counts.Clock++
	}
	k := e.hist.find(at)
	if now.Sub(at) > e.cfg.StaleAfter || k < 0 {
		e.counts.TooOld++
		return
	}
	for j := k + 1; j < e.hist.len(); j++ {
		if e.hist.at(j).barrier { // taken before a set pose
			e.counts.TooOld++
			return
		}
	}
	e.recordFix(now, g, ax, ay)
	vx, vy := sigma2(g.LatStdDev, g.Quality), sigma2(g.LonStdDev, g.Quality)
	en := e.hist.at(k)
	est := &en.est
	e.lastFix = g.Received
	switch e.cfg.Mode {
	case ModeReanchor:
		// RoSys: the fix is the pose at its time, whatever the odometry
		// says; its heading, if any, the yaw.
		if g.HasHeading {
			est.yaw = g.Yaw
		}
		sn, cs := math.Sincos(est.yaw)
		est.x, est.y = g.X-(cs*ax-sn*ay), g.Y-(sn*ax+cs*ay)
		est.since = 0
		e.accepted(at, g.HasHeading)
	default:
		nu, S, h02, h12 := est.positionInnovation(g.X, g.Y, ax, ay, vx, vy)
		if d2 := mahalanobis2(nu, S); d2 > e.cfg.Gate {
			e.counts.Rejected++
			if !e.disagreeing(at, g.X, g.Y, vx+vy) {
				return
			}
			// A sustained disagreement, consistent in itself: the filter
			// is wrong (pushed while off, a wheel slipping for long), not
			// the fixes. Start again from them.
			sn, cs := math.Sincos(est.yaw)
			est.x, est.y = g.X-(cs*ax-sn*ay), g.Y-(sn*ax+cs*ay)
			est.p = mat3{{vx, 0, 0}, {0, vy, 0}, {0, 0, math.Max(est.p[2][2], reinitYawVar)}}
			est.since = 0
			e.counts.Reinits++
			e.rejectSince = time.Time{}
			e.accepted(at, false)
			break
		}
		est.updatePosition(nu, S, h02, h12, vx, vy)
		est.since = 0
		e.rejectSince = time.Time{}
		heading := false
		if g.HasHeading {
			v := trueHeadingVar
			ok := g.HeadingSource == hardware.HeadingTrue
			if g.HeadingSource == hardware.HeadingCourse && en.dt > 0 && en.m.dx/en.dt > courseMinSpeed {
				v, ok = courseVar, true
			}
			if ok && est.updateYaw(g.Yaw, v, gateYaw) <= gateYaw {
				heading = true
				e.counts.Headings++
			}
		}
		e.accepted(at, heading)
	}
	e.repropagate(k)
}

const (
	trueHeadingVar = (0.5 * math.Pi / 180) * (0.5 * math.Pi / 180) // dual antenna: 0.5°
	courseVar      = (3 * math.Pi / 180) * (3 * math.Pi / 180)     // course over ground: 3°
	courseMinSpeed = 0.2                                           // m/s, forwards
	reinitYawVar   = (5 * math.Pi / 180) * (5 * math.Pi / 180)
)

// disagreeing notes a refused fix at (x, y) and reports whether the
// refusals have lasted ReinitAfter, each near the first.
func (e *Estimator) disagreeing(at time.Time, x, y, v float64) bool {
	if e.rejectSince.IsZero() || math.Hypot(x-e.rejectX, y-e.rejectY) > 3*math.Sqrt(v)+agreeRadius {
		e.rejectSince, e.rejectX, e.rejectY = at, x, y
		return false
	}
	return at.Sub(e.rejectSince) >= e.cfg.ReinitAfter
}

// agreeRadius (m): refused fixes within this of the first of them (plus
// their own error) agree with each other; a robot driving at speed moves
// a metre or so in ReinitAfter.
const agreeRadius = 1.5

func (e *Estimator) accepted(at time.Time, heading bool) {
	e.counts.Accepted++
	if at.After(e.lastCorrection) {
		e.lastCorrection, e.correctionSrc = at, srcGNSS
	}
	if heading {
		e.lastHeading = at
	}
	e.confirmLocked()
}

// confirmLocked marks a restored pose as confirmed by an absolute
// correction.
func (e *Estimator) confirmLocked() {
	if !e.confirmed {
		e.confirmed = true
		e.counts.Confirmed++
		e.commitDue = true
	}
}

// repropagate carries the estimate corrected at entry k forward to now
// along the recorded odometry.
func (e *Estimator) repropagate(k int) {
	s := e.hist.at(k).est
	for j := k + 1; j < e.hist.len(); j++ {
		en := e.hist.at(j)
		s.predict(en.m, &e.noise, en.dt)
		en.est = s
	}
	e.cur = s
}

// sigma2 is a fix's variance (m²) per axis: the receiver's own estimate
// (GST) when it gives one, else what its quality usually means.
func sigma2(std float64, q hardware.GNSSQuality) float64 {
	if !(std > 0) {
		switch q {
		case hardware.QualityRTKFixed:
			std = 0.02
		case hardware.QualityRTKFloat:
			std = 0.3
		case hardware.QualityDGPS, hardware.QualityPPS:
			std = 0.7
		case hardware.QualityGPS:
			std = 2.5
		default:
			std = 5
		}
	}
	std = math.Max(std, 0.005) // no receiver is better than 5 mm
	return std * std
}

// commitLocked copies the estimate into the pose module and asks for a
// commit (on the committer goroutine, never here).
func (e *Estimator) commitLocked(now time.Time) {
	e.lastCommit, e.commitDue = now, false
	e.mod.capture(e.savedLocked(now))
	select {
	case e.commitReq <- struct{}{}:
	default:
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
