package demo

import (
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/persistence"
)

// SquareSettings are persistent, so a tuned square survives restarts.
type SquareSettings struct {
	Enabled   bool    `json:"enabled"`
	Side      float64 `json:"side"`       // m
	Speed     float64 `json:"speed"`      // m/s
	TurnSpeed float64 `json:"turn_speed"` // rad/s
}

// Bounds of the square's settings: what a field robot can physically do.
const (
	maxSide      = 1000.0 // m
	maxSpeed     = 5.0    // m/s
	maxTurnSpeed = 10.0   // rad/s
)

// check refuses settings no robot can drive: a side or speed that is not
// positive, beyond its bound, or not a number.
func (c SquareSettings) check() error {
	for _, f := range []struct {
		name     string
		v, limit float64
	}{{"side", c.Side, maxSide}, {"speed", c.Speed, maxSpeed}, {"turn_speed", c.TurnSpeed, maxTurnSpeed}} {
		if math.IsNaN(f.v) || f.v <= 0 || f.v > f.limit {
			return fmt.Errorf("%s %v is out of range (0, %v]", f.name, f.v, f.limit)
		}
	}
	return nil
}

// Square drives the robot around a square, on the control loop.
type Square struct {
	Settings *persistence.Value[SquareSettings]

	wheels hardware.Wheels
	odo    hardware.Odometer
	estop  hardware.EStop
	phase  atomic.Int32
	start  hardware.Pose // where the current side began
	head   float64       // heading of the current side
}

// headingGain steers towards the side's heading; turns end within
// headingTolerance, so errors do not add up from corner to corner.
const (
	headingGain      = 3.0
	headingTolerance = 0.005
)

const (
	phaseDriving = iota
	phaseTurning
	phaseStopped
)

var phaseNames = [...]string{"driving", "turning", "stopped"}

// NewSquare returns an enabled square of 1 m sides.
func NewSquare(w hardware.Wheels, o hardware.Odometer, e hardware.EStop) *Square {
	return &Square{
		Settings: persistence.NewValue(SquareSettings{Enabled: true, Side: 1, Speed: 0.3, TurnSpeed: 0.6},
			persistence.Validate(SquareSettings.check)),
		wheels: w, odo: o, estop: e,
	}
}

// Phase is what the automation does now.
func (s *Square) Phase() string { return phaseNames[s.phase.Load()] }

// Step implements rosys.Stepper. It allocates nothing.
func (s *Square) Step(time.Time, time.Duration) {
	cfg := s.Settings.Get()
	p := s.odo.Pose()
	if !cfg.Enabled || s.estop.Active() {
		if s.phase.Load() != phaseStopped {
			s.phase.Store(phaseStopped)
		}
		_ = s.wheels.Stop()
		return
	}
	switch s.phase.Load() {
	case phaseStopped:
		s.start, s.head = p, p.Yaw
		s.phase.Store(phaseDriving)
	case phaseDriving:
		if math.Hypot(p.X-s.start.X, p.Y-s.start.Y) >= cfg.Side {
			s.head = hardware.WrapAngle(s.head + math.Pi/2)
			s.phase.Store(phaseTurning)
			_ = s.wheels.Drive(0, cfg.TurnSpeed)
			return
		}
		_ = s.wheels.Drive(cfg.Speed, headingGain*hardware.WrapAngle(s.head-p.Yaw))
	case phaseTurning:
		e := hardware.WrapAngle(s.head - p.Yaw)
		if math.Abs(e) < headingTolerance {
			s.start = p
			s.phase.Store(phaseDriving)
			_ = s.wheels.Drive(cfg.Speed, 0)
			return
		}
		_ = s.wheels.Drive(0, math.Max(-cfg.TurnSpeed, math.Min(cfg.TurnSpeed, headingGain*e)))
	}
}

// SafeStop implements rosys.Actuator.
func (s *Square) SafeStop() { _ = s.wheels.Stop() }
