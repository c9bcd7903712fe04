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
	w.actual.Linear = approach(w.actual.Linear, target.Linear, w.cfg.LinearAccel*dt)
	w.actual.Angular = approach(w.actual.Angular, target.Angular, w.cfg.AngularAccel*dt)
	m := hardware.Velocity{Linear: w.actual.Linear, Angular: w.actual.Angular, Time: now}
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
