package driving

import (
	"errors"
	"fmt"
	"math"

	"github.com/gorosys/rosys/persistence"
)

// Parameters tune manual steering and path following. They are the
// persistent module "driving_parameters", in the spirit of RoSys'
// DriveParameters.
type Parameters struct {
	// LinearSpeedLimit (m/s) and AngularSpeedLimit (rad/s) bound every
	// command that reaches the wheels, and manual commands are refused
	// beyond them.
	LinearSpeedLimit  float64 `json:"linear_speed_limit"`
	AngularSpeedLimit float64 `json:"angular_speed_limit"`
	// MinimumTurningRadius (m) keeps the path follower from curving
	// tighter; 0 lets it turn on the spot.
	MinimumTurningRadius float64 `json:"minimum_turning_radius"`
	// CanDriveBackwards lets the driver follow backward path segments in
	// reverse; without it they are driven forwards.
	CanDriveBackwards bool `json:"can_drive_backwards"`
	// CarrotDistance (m) is how far ahead along the path the carrot runs
	// in front of the robot's projection onto the path; CarrotOffset (m)
	// is how far in front of the wheel axis the projected point (the hook)
	// sits.
	CarrotDistance float64 `json:"carrot_distance"`
	CarrotOffset   float64 `json:"carrot_offset"`
	// Within ThrottleAtEndDistance (m) of the path's end the speed drops
	// linearly, down to ThrottleAtEndMinSpeed (m/s).
	ThrottleAtEndDistance float64 `json:"throttle_at_end_distance"`
	ThrottleAtEndMinSpeed float64 `json:"throttle_at_end_min_speed"`
	// TurnInPlaceAngle (rad): when the carrot is further off the heading
	// than this, the robot turns on the spot first (only with
	// MinimumTurningRadius 0).
	TurnInPlaceAngle float64 `json:"turn_in_place_angle"`
	// GoalTolerance (m): the path is done once the robot is this close to
	// its end, or has passed it.
	GoalTolerance float64 `json:"goal_tolerance"`
}

// DefaultParameters suit the demo robot: 0.3 m/s, 1 rad/s.
func DefaultParameters() Parameters {
	return Parameters{
		LinearSpeedLimit: 0.3, AngularSpeedLimit: 1.0, CanDriveBackwards: true,
		CarrotDistance: 0.3, ThrottleAtEndDistance: 0.3, ThrottleAtEndMinSpeed: 0.05,
		TurnInPlaceAngle: 0.8, GoalTolerance: 0.01,
	}
}

// Limits of the parameters: far beyond any field robot, so only typos
// and absurd values (a speed of 1e308) are refused.
const (
	maxLinearSpeed  = 10.0  // m/s
	maxAngularSpeed = 20.0  // rad/s
	maxDistance     = 100.0 // m, for every distance parameter
)

// Validate names the first field with a value the driver cannot use.
func (p Parameters) Validate() error {
	type field struct {
		name     string
		v        float64
		min, max float64
		open     bool // min itself is refused
	}
	for _, f := range []field{
		{"linear_speed_limit", p.LinearSpeedLimit, 0, maxLinearSpeed, true},
		{"angular_speed_limit", p.AngularSpeedLimit, 0, maxAngularSpeed, true},
		{"carrot_distance", p.CarrotDistance, 0, maxDistance, true},
		{"turn_in_place_angle", p.TurnInPlaceAngle, 0, math.Pi, true},
		{"goal_tolerance", p.GoalTolerance, 0, maxDistance, true},
		{"minimum_turning_radius", p.MinimumTurningRadius, 0, maxDistance, false},
		{"carrot_offset", p.CarrotOffset, 0, maxDistance, false},
		{"throttle_at_end_distance", p.ThrottleAtEndDistance, 0, maxDistance, false},
		{"throttle_at_end_min_speed", p.ThrottleAtEndMinSpeed, 0, maxLinearSpeed, false},
	} {
		// Written so that NaN fails every comparison and is refused.
		inRange := f.v <= f.max && (f.v > f.min || !f.open && f.v == f.min)
		if !inRange {
			lo := "["
			if f.open {
				lo = "("
			}
			return fmt.Errorf("%s %v is out of range %s%g, %g]", f.name, f.v, lo, f.min, f.max)
		}
	}
	if p.ThrottleAtEndMinSpeed > p.LinearSpeedLimit {
		return errors.New("throttle_at_end_min_speed: above linear_speed_limit")
	}
	return nil
}

// ParameterStore holds the parameters as a persistent module whose
// Restore refuses values the driver cannot use (persistence.Validate), so a
// typo in a PUT, or a hand-edited file, never reaches the wheels: a bad
// file is kept aside and the defaults are used.
type ParameterStore struct {
	*persistence.Value[Parameters]
}

// NewParameterStore holds p (DefaultParameters when p is the zero value).
func NewParameterStore(p Parameters) *ParameterStore {
	if p == (Parameters{}) {
		p = DefaultParameters()
	}
	return &ParameterStore{Value: persistence.NewValue(p, persistence.Validate(Parameters.Validate))}
}
