package hardware

import (
	"errors"
	"math"
	"sync"
	"time"
)

// WrapAngle maps a to (-pi, pi].
func WrapAngle(a float64) float64 {
	w := math.Remainder(a, 2*math.Pi) // [-pi, pi]
	if w <= -math.Pi {
		w += 2 * math.Pi
	}
	return w
}

// Integrate moves p along a constant body velocity for dt. It is exact for
// constant velocity (the path is an arc, or a line when angular is 0),
// unlike Euler steps, so odometry does not drift with the step size.
func Integrate(p Pose, linear, angular float64, dt time.Duration) Pose {
	s := dt.Seconds()
	dyaw := angular * s
	if math.Abs(dyaw) < 1e-12 {
		p.X += linear * s * math.Cos(p.Yaw)
		p.Y += linear * s * math.Sin(p.Yaw)
	} else {
		r := linear / angular
		p.X += r * (math.Sin(p.Yaw+dyaw) - math.Sin(p.Yaw))
		p.Y -= r * (math.Cos(p.Yaw+dyaw) - math.Cos(p.Yaw))
		p.Yaw = WrapAngle(p.Yaw + dyaw)
	}
	p.Time = p.Time.Add(dt)
	return p
}

// historyLen keeps 10 s of poses at 100 Hz.
const historyLen = 1024

// Odometry integrates measured velocities into a pose, assuming each
// velocity holds until the next measurement. It keeps a history for
// pose-at-time queries (to place a camera frame taken 40 ms ago, say).
// Odometry is volatile: do not persist it (the RoSys reference warns
// against spending I/O on it).
type Odometry struct {
	mu      sync.RWMutex
	pose    Pose
	vel     Velocity
	started bool
	hist    [historyLen]sample
	n       int
}

type sample struct {
	pose Pose
	vel  Velocity
}

var _ Odometer = (*Odometry)(nil)

// NewOdometry starts at the given pose.
func NewOdometry(start Pose) *Odometry { return &Odometry{pose: start} }

// Update integrates up to v.Time with the previous velocity, then holds v.
func (o *Odometry) Update(v Velocity) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.started && v.Time.After(o.pose.Time) {
		o.pose = Integrate(o.pose, o.vel.Linear, o.vel.Angular, v.Time.Sub(o.pose.Time))
	} else if !o.started {
		o.pose.Time = v.Time
		o.started = true
	}
	o.vel = v
	o.hist[o.n%historyLen] = sample{o.pose, v}
	o.n++
}

// ErrBadPose is returned by SetPose for a pose that is not finite.
var ErrBadPose = errors.New("hardware: pose not finite")

// SetPose re-initialises the pose (an operator placing the robot on the
// map): X, Y and Yaw (wrapped) are taken, the time stays the last
// update's so integration goes on from there with the velocity held. The
// history is cleared: PoseAt answers only for times after the jump, not
// with poses of the old frame.
func (o *Odometry) SetPose(p Pose) error {
	if math.IsNaN(p.X+p.Y+p.Yaw) || math.IsInf(p.X+p.Y+p.Yaw, 0) {
		return ErrBadPose
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pose.X, o.pose.Y, o.pose.Yaw = p.X, p.Y, WrapAngle(p.Yaw)
	o.n = 0
	if o.started {
		o.hist[0] = sample{o.pose, o.vel}
		o.n = 1
	}
	return nil
}

// Pose implements Odometer: the pose at the last update.
func (o *Odometry) Pose() Pose {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.pose
}

// PoseAt implements Odometer.
func (o *Odometry) PoseAt(t time.Time) (Pose, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	count := min(o.n, historyLen)
	// Samples are in time order; walk back to the last one not after t.
	for i := 1; i <= count; i++ {
		s := o.hist[(o.n-i)%historyLen]
		if !s.pose.Time.After(t) {
			// After the newest sample this extrapolates with the latest
			// velocity, as the next update will.
			return Integrate(s.pose, s.vel.Linear, s.vel.Angular, t.Sub(s.pose.Time)), true
		}
	}
	return Pose{}, false
}
