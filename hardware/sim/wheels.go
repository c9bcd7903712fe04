package sim

import (
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/gorosys/rosys/hardware"
)

// WheelsConfig describes a simulated drive.
type WheelsConfig struct {
	// Limits on acceleration, in m/s² and rad/s²; zero means instant.
	LinearAccel, AngularAccel float64
	// Standard deviation of the noise on measured velocities; zero for
	// none. The noise is seeded, so runs repeat exactly.
	LinearNoise, AngularNoise float64
	Seed                      uint64
	// Slip is how much the wheels turn beyond the ground they cover (0.03:
	// the odometry reports 3 % more than the robot moves; the robot's true
	// pose, TruePose, moves by the actual velocity).
	Slip float64
}

// Wheels simulates a drive that follows commands within acceleration
// limits. It is a rosys Stepper: each control tick advances the motion.
type Wheels struct {
	cfg WheelsConfig

	mu      sync.Mutex
	target  hardware.Velocity
	actual  hardware.Velocity
	rng     *rand.Rand
	blocked func() bool // e.g. an active e-stop
	truth   hardware.Pose

	measured hardware.Topic[hardware.Velocity]
}

var _ hardware.Wheels = (*Wheels)(nil)

// NewWheels returns simulated wheels at rest.
func NewWheels(cfg WheelsConfig) *Wheels {
	return &Wheels{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))}
}

// BlockWhen makes the wheels stop (within their limits) while cond holds,
// as motor drivers do when the e-stop chain is open.
func (w *Wheels) BlockWhen(cond func() bool) { w.blocked = cond }

// Drive implements hardware.Wheels.
func (w *Wheels) Drive(linear, angular float64) error {
	w.mu.Lock()
	w.target.Linear, w.target.Angular = linear, angular
	w.mu.Unlock()
	return nil
}

// Stop implements hardware.Wheels.
func (w *Wheels) Stop() error { return w.Drive(0, 0) }

// SafeStop implements rosys.Actuator.
func (w *Wheels) SafeStop() { _ = w.Stop() }

// Velocity implements hardware.Wheels.
func (w *Wheels) Velocity() hardware.Velocity { return w.measured.Latest() }

// SubscribeVelocity implements hardware.Wheels.
func (w *Wheels) SubscribeVelocity(buffer int) (<-chan hardware.Velocity, func()) {
	return w.measured.Subscribe(buffer)
}

// Target is the last commanded velocity.
func (w *Wheels) Target() hardware.Velocity {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.target
}

// Step implements rosys.Stepper: it moves the actual velocity towards the
// target and publishes a measurement stamped now.
func (w *Wheels) Step(now time.Time, period time.Duration) {
	dt := period.Seconds()
	w.mu.Lock()
	target := w.target
	if w.blocked != nil && w.blocked() {
		target.Linear, target.Angular = 0, 0
	}
	// The true pose moves as the odometry integrates: by the velocity
	// held since the last tick.
	w.truth = hardware.Integrate(w.truth, w.actual.Linear, w.actual.Angular, period)
	w.truth.Time = now
	w.actual.Linear = approach(w.actual.Linear, target.Linear, w.cfg.LinearAccel*dt)
	w.actual.Angular = approach(w.actual.Angular, target.Angular, w.cfg.AngularAccel*dt)
	m := hardware.Velocity{Linear: w.actual.Linear * (1 + w.cfg.Slip), Angular: w.actual.Angular * (1 + w.cfg.Slip), Time: now}
	if w.cfg.LinearNoise > 0 {
		m.Linear += w.rng.NormFloat64() * w.cfg.LinearNoise
	}
	if w.cfg.AngularNoise > 0 {
		m.Angular += w.rng.NormFloat64() * w.cfg.AngularNoise
	}
	w.mu.Unlock()
	w.measured.Publish(m)
}

// approach moves v towards target by at most step (any step if step is 0).
func approach(v, target, step float64) float64 {
	if step <= 0 || math.Abs(target-v) <= step {
		return target
	}
	if target > v {
		return v + step
	}
	return v - step
}

// TruePose is where the simulated robot really is (its odometry drifts
// from it by the slip and the noise), in the frame it started in.
func (w *Wheels) TruePose() hardware.Pose {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.truth
}

// Pose is TruePose: a simulated GNSS receiver or IMU follows it.
func (w *Wheels) Pose() hardware.Pose { return w.TruePose() }

// PlaceAt puts the simulated robot at p: after a restart it stands where
// it stood before (its restored pose).
func (w *Wheels) PlaceAt(p hardware.Pose) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.truth.X, w.truth.Y, w.truth.Yaw = p.X, p.Y, p.Yaw
}
