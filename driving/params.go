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
	// MaxDetectionAgeRamp is RoSys's [start, end] in seconds: as the last
	// absolute correction of the pose (a GNSS fix, a set pose) ages past
	// start, the Driver slows linearly, and from end on it holds the robot
	// ("stale pose" among the stops) until a correction comes. Nil (the
	// default, as in RoSys) never slows; a robot without an absolute
	// source never slows either. hardware.gnss.stale_after is a different
	// question: when a receiver's last fix stops counting as live.
	MaxDetectionAgeRamp AgeRamp `json:"max_detection_age_ramp"`
}

// AgeRamp is [start, end] in seconds; the zero value is RoSys's None
// (null in JSON): no ramp. An array, not a pointer, so that reading the
// parameters on the control tick copies without allocating.
type AgeRamp [2]float64

// Off reports whether r is the zero value (no ramp).
func (r AgeRamp) Off() bool { return r == AgeRamp{} }

// MarshalJSON writes null for no ramp, as RoSys's None.
func (r AgeRamp) MarshalJSON() ([]byte, error) {
	if r.Off() {
		return []byte("null"), nil
	}
	return json.Marshal([2]float64(r))
}

// UnmarshalJSON reads null or [start, end].
func (r *AgeRamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*r = AgeRamp{}
		return nil
	}
	var v []float64
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("max_detection_age_ramp: %w", err)
	}
	if len(v) != 2 {
		return fmt.Errorf("max_detection_age_ramp: want [start, end] in seconds or null, got %d numbers", len(v))
	}
	*r = AgeRamp{v[0], v[1]}
	return nil
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
	maxLinearSpeed  = 10.0   // m/s
	maxAngularSpeed = 20.0   // rad/s
	maxDistance     = 100.0  // m, for every distance parameter
	maxDetectionAge = 3600.0 // s
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
	if r := p.MaxDetectionAgeRamp; !r.Off() {
		// Written so that NaN is refused too.
		if !(r[0] >= 0 && r[1] > r[0] && r[1] <= maxDetectionAge) {
			return fmt.Errorf("max_detection_age_ramp [%v, %v]: want 0 <= start < end <= %g (s), or null", r[0], r[1], maxDetectionAge)
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
