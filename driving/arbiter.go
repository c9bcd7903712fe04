package driving

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/gorosys/rosys/hardware"
)

// Stop is a safety stop source: an e-stop, a soft e-stop, a bumper. While
// Active it is reported, the wheels get Stop on every tick.
type Stop interface {
	Active() bool
}

// Automation is what the Arbiter asks whether the automation's command
// may move the wheels: only while it runs (not paused, not stopped).
type Automation interface {
	Running() bool
}

// Sources of the wheels' command, as reported in ArbiterStatus.
const (
	SourceIdle       = "idle"
	SourceStop       = "stop"
	SourceManual     = "manual"
	SourceAutomation = "automation"
)

var sourceNames = [...]string{SourceIdle, SourceStop, SourceManual, SourceAutomation}

const (
	srcIdle int32 = iota
	srcStop
	srcManual
	srcAutomation
)

// ErrRunning is returned by AddStop once the Arbiter has stepped.
var ErrRunning = errors.New("arbiter already running")

type namedStop struct {
	name   string
	stop   Stop
	active bool // as seen on the last tick; the control loop's own
}

// Arbiter owns the wheels and decides on every control tick who drives
// them, in this order:
//
//  1. any active safety stop: Stop(), whatever anyone asks;
//  2. manual steering, while its deadman holds;
//  3. the automation's command, while the automation runs;
//  4. otherwise zero.
//
// Every command is clamped to the driving parameters' speed limits. Step
// allocates nothing and takes no lock that I/O holds.
type Arbiter struct {
	wheels     hardware.Wheels
	params     *ParameterStore
	steerer    *Steerer
	automation Automation
	auto       Command

	stops    []namedStop
	stepped  atomic.Bool
	trips    chan struct{}
	lastTrip atomic.Int32 // index+1 of the stop that tripped last
	tripN    atomic.Uint64

	source    atomic.Int32
	linear    atomic.Uint64 // float64 bits of the last command
	angular   atomic.Uint64
	sentZero  bool // a zero command was sent since the last motion
	stopTicks atomic.Uint64
}

// NewArbiter drives wheels with manual commands from steerer and
// automation commands from the Arbiter's own cell (Automation()).
func NewArbiter(wheels hardware.Wheels, params *ParameterStore, steerer *Steerer) *Arbiter {
	// sentZero starts true: wheels are at rest when the robot starts, and an
	// idle robot sends nothing until something moves it (so a replay that
	// starts at another tick than the recorded run sends the same commands).
	return &Arbiter{wheels: wheels, params: params, steerer: steerer, trips: make(chan struct{}, 1), sentZero: true}
}

// AddStop adds a named safety stop ("estop", "soft estop", "bumper
// front"). Add them all before the robot runs.
func (a *Arbiter) AddStop(name string, s Stop) error {
	if a.stepped.Load() {
		return fmt.Errorf("add stop %q: %w", name, ErrRunning)
	}
	if s == nil {
		return fmt.Errorf("add stop %q: nil", name)
	}
	for _, o := range a.stops {
		if o.name == name {
			return fmt.Errorf("add stop %q: a stop with that name was already added", name)
		}
	}
	a.stops = append(a.stops, namedStop{name: name, stop: s})
	return nil
}

// SetAutomation tells the Arbiter when the automation's command counts.
// Call before the robot runs.
func (a *Arbiter) SetAutomation(au Automation) { a.automation = au }

// Automation is the cell automations and the Driver write their desired
// velocity into.
func (a *Arbiter) Automation() *Command { return &a.auto }

// Step implements rosys.Stepper.
func (a *Arbiter) Step(now time.Time, _ time.Duration) {
	a.stepped.Store(true)
	stopped, tripped := false, false
	for i := range a.stops {
		s := &a.stops[i]
		active := s.stop.Active()
		if active && !s.active {
			a.lastTrip.Store(int32(i + 1))
			tripped = true
		}
		s.active = active
		stopped = stopped || active
	}
	if stopped {
		// Every tick, not just the first: a driver that lost a command
		// gets the next one.
		_ = a.wheels.Stop()
		a.stopTicks.Add(1)
		a.record(srcStop, 0, 0)
		a.sentZero = true
		if tripped {
			// Counted and signalled once the wheels were told to stop, so
			// whoever sees the trip (the automation pausing, and through
			// it an operator's page) sees a robot already stopping.
			a.tripN.Add(1)
			select { // wake whoever pauses the automation; never block
			case a.trips <- struct{}{}:
			default:
			}
		}
		return
	}
	if l, w, ok := a.steerer.Command(now); ok {
		a.drive(srcManual, l, w)
		return
	}
	if a.automation != nil && a.automation.Running() {
		l, w := a.auto.Get()
		a.drive(srcAutomation, l, w)
		return
	}
	a.drive(srcIdle, 0, 0)
}

// drive sends a clamped command. Motion is sent every tick (a keep-alive
// for controllers that stop on silence); zero once after motion, so an idle
// robot does not flood its serial line.
func (a *Arbiter) drive(src int32, linear, angular float64) {
	p := a.params.Get()
	linear = clamp(linear, p.LinearSpeedLimit)
	angular = clamp(angular, p.AngularSpeedLimit)
	a.record(src, linear, angular)
	if linear == 0 && angular == 0 {
		if !a.sentZero {
			_ = a.wheels.Stop()
			a.sentZero = true
		}
		return
	}
	a.sentZero = false
	_ = a.wheels.Drive(linear, angular)
}

func (a *Arbiter) record(src int32, linear, angular float64) {
	a.source.Store(src)
	a.linear.Store(math.Float64bits(linear))
	a.angular.Store(math.Float64bits(angular))
}

// clamp bounds v to ±limit; NaN becomes 0.
func clamp(v, limit float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return math.Max(-limit, math.Min(limit, v))
}

// SafeStop implements rosys.Actuator.
func (a *Arbiter) SafeStop() { _ = a.wheels.Stop() }

// Blocked names the first active stop, if any: the automator refuses to
// start or resume while one is.
func (a *Arbiter) Blocked() (string, bool) {
	for i := range a.stops {
		if a.stops[i].stop.Active() {
			return a.stops[i].name, true
		}
	}
	return "", false
}

// Tripped delivers a value after a stop became active (coalesced).
func (a *Arbiter) Tripped() <-chan struct{} { return a.trips }

// TripCount counts the ticks on which a stop became active (two on one
// tick are one trip), counted once the wheels were told to stop.
func (a *Arbiter) TripCount() uint64 { return a.tripN.Load() }

// LastTrip names the stop that became active last ("" if none ever did).
func (a *Arbiter) LastTrip() string {
	if i := a.lastTrip.Load(); i > 0 {
		return a.stops[i-1].name
	}
	return ""
}

// StopStatus is one safety stop.
type StopStatus struct {
	Name   string `json:"name"`
	Active bool   `json:"active"`
}

// ArbiterStatus tells who drives the wheels.
type ArbiterStatus struct {
	Source  string       `json:"source"`
	Linear  float64      `json:"linear"`
	Angular float64      `json:"angular"`
	Stops   []StopStatus `json:"stops"`
	// StopTicks counts ticks on which a safety stop held the wheels.
	StopTicks uint64 `json:"stop_ticks"`
}

// Status reports the last tick's decision and the stops now.
func (a *Arbiter) Status() ArbiterStatus {
	st := ArbiterStatus{
		Source:    sourceNames[a.source.Load()],
		Linear:    math.Float64frombits(a.linear.Load()),
		Angular:   math.Float64frombits(a.angular.Load()),
		Stops:     make([]StopStatus, len(a.stops)),
		StopTicks: a.stopTicks.Load(),
	}
	for i := range a.stops {
		st.Stops[i] = StopStatus{Name: a.stops[i].name, Active: a.stops[i].stop.Active()}
	}
	return st
}
