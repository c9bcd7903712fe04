package driving

import (
	"encoding/json"
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

// Validate names the first field with a value the driver cannot use.
func (p Parameters) Validate() error {
	positive := []struct {
		name string
		v    float64
	}{
		{"linear_speed_limit", p.LinearSpeedLimit}, {"angular_speed_limit", p.AngularSpeedLimit},
		{"carrot_distance", p.CarrotDistance}, {"turn_in_place_angle", p.TurnInPlaceAngle},
		{"goal_tolerance", p.GoalTolerance},
	}
	for _, f := range positive {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v <= 0 {
			return fmt.Errorf("%s: %v must be a positive number", f.name, f.v)
		}
	}
	nonNegative := []struct {
		name string
		v    float64
	}{
		{"minimum_turning_radius", p.MinimumTurningRadius}, {"carrot_offset", p.CarrotOffset},
		{"throttle_at_end_distance", p.ThrottleAtEndDistance}, {"throttle_at_end_min_speed", p.ThrottleAtEndMinSpeed},
	}
	for _, f := range nonNegative {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return fmt.Errorf("%s: %v must be zero or positive", f.name, f.v)
		}
	}
	if p.ThrottleAtEndMinSpeed > p.LinearSpeedLimit {
		return errors.New("throttle_at_end_min_speed: above linear_speed_limit")
	}
	return nil
}

// ParameterStore holds the parameters as a persistent module whose
// Restore refuses values the driver cannot use, so a typo in a PUT, or a
// hand-edited file, never reaches the wheels (a bad file is kept aside and
// the defaults are used).
type ParameterStore struct {
	*persistence.Value[Parameters]
	def Parameters
}

// NewParameterStore holds p (DefaultParameters when p is the zero value).
func NewParameterStore(p Parameters) *ParameterStore {
	if p == (Parameters{}) {
		p = DefaultParameters()
	}
	return &ParameterStore{Value: persistence.NewValue(p), def: p}
}

// Restore implements persistence.Persistable.
func (s *ParameterStore) Restore(data json.RawMessage) error { return s.checked(data, false) }

// RestoreStrict implements persistence.StrictRestorer (the HTTP PUT).
func (s *ParameterStore) RestoreStrict(data json.RawMessage) error { return s.checked(data, true) }

// checked decodes into a scratch value first and validates it, so a
// refused change leaves the parameters as they were.
func (s *ParameterStore) checked(data json.RawMessage, strict bool) error {
	probe := persistence.NewValue(s.def)
	restore, apply := probe.Restore, s.Value.Restore
	if strict {
		restore, apply = probe.RestoreStrict, s.Value.RestoreStrict
	}
	if err := restore(data); err != nil {
		return err
	}
	if err := probe.Get().Validate(); err != nil {
		return err
	}
	return apply(data)
}
