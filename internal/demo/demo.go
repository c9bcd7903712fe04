// Package demo is what makes the robot `rosys run` starts a demo: a
// persistent list of waypoints driven by the automation "waypoints"
// (when an operator starts it, or on a first run when robot.yaml says
// automation.start_on_first_run: waypoints), and the persistent module "model" of
// the RoSys persistence reference (a value bound to a slider). The robot
// itself (wheels, e-stops, odometry, steering, the automator) is package
// robot's; a user's own robot has none of this.
package demo

import (
	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/robot"
)

// Automation is the name of the demo's automation (it drives the
// waypoints).
const Automation = "waypoints"

// Model is the reference's slider example: {"value": float}.
type Model struct {
	Value persistence.Float `json:"value"` // NaN and infinities kept (RoSys files may hold them)
}

// Robot is a robot with the demo's modules.
type Robot struct {
	*robot.Robot
	Model     *persistence.Value[Model]
	Waypoints *persistence.Value[Waypoints]
}

// Add builds the demo robot on simulated hardware into rt.
func Add(rt *rosys.Runtime, opts ...robot.Option) (*Robot, error) {
	return AddWith(rt, robot.Hardware{}, opts...)
}

// AddWith builds the demo robot into rt on hw. Built in process like this
// (tests, examples), a new demo robot drives its waypoints once on its
// first run (robot.StartOnFirstRun); `rosys run` does that only when
// robot.yaml says automation.start_on_first_run: waypoints.
func AddWith(rt *rosys.Runtime, hw robot.Hardware, opts ...robot.Option) (*Robot, error) {
	r, err := robot.Assemble(rt, hw, opts...)
	if err != nil {
		return nil, err
	}
	d, err := Install(r)
	if err != nil {
		return nil, err
	}
	d.StartOnFirstRun(Automation)
	return d, nil
}

// Install adds the demo's modules to r before it runs: the persistent
// modules "waypoints" and "model", and the automation "waypoints". It
// starts nothing: the robot waits for an operator unless robot.yaml's
// automation.start_on_first_run says otherwise (robot.New).
func Install(base *robot.Robot) (*Robot, error) {
	r := &Robot{Robot: base, Model: persistence.NewValue(Model{Value: 1.0}),
		Waypoints: persistence.NewValue(DefaultWaypoints(), persistence.Validate(Waypoints.Validate))}
	if err := r.Automator.Register(Automation, r.driveWaypoints); err != nil {
		return nil, err
	}
	rt := r.Runtime
	if err := rt.Add("waypoints", r.Waypoints, rosys.Persist()); err != nil {
		return nil, err
	}
	if err := rt.Add("model", r.Model, rosys.Persist()); err != nil {
		return nil, err
	}
	return r, nil
}
