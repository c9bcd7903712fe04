// Package linearaxis is a Lizard module type of a user's own, as a
// robot builder writes one: a linear axis (a tool carriage, a lifting
// mast) driven by two relay outputs, one per direction, and stopped by an
// end switch at each end. It registers everything rosys needs in one
// place (Type): the robot.yaml keys and their checks, the startup code
// (objects and the rules that stop the motor on the controller itself,
// without the host), the core fields and their decoding into a typed
// State, the status, and a simulated twin for board: sim.
//
// A robot's main registers it and declares it in robot.yaml by type:
//
//	opts := robot.Options{LizardTypes: []robot.LizardType{linearaxis.Type()}}
//	cfg, err := robot.Load("robot.yaml", opts)
//	r, err := robot.New(cfg, opts)
//	v, _ := r.LizardModule("axis")
//	axis := v.(linearaxis.Axis) // the real module, or its twin on board: sim
//	err = axis.MoveOut()
//
// See robot.yaml beside this file and docs/lizard-modules.md.
package linearaxis

import (
	"errors"
	"time"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/robot"
)

// TypeName is the type robot.yaml declares the axis by.
const TypeName = "linear_axis"

// Axis is the typed value a robot's code drives; the module on the
// controller and its simulated twin both are one.
type Axis interface {
	// MoveIn and MoveOut start the motor towards an end; the end switch
	// stops it there. Moving towards an end the axis is at is
	// ErrAtEnd.
	MoveIn() error
	MoveOut() error
	// Stop stops the motor.
	Stop() error
	// State is the latest state.
	State() State
}

// ErrAtEnd is a move towards the end the axis is already at.
var ErrAtEnd = errors.New("linear axis: already at that end")

// State is the axis as the controller last reported it.
type State struct {
	AtIn, AtOut bool // end switches
	// Direction is -1 moving in, +1 moving out, 0 stopped.
	Direction int
	Time      time.Time
}

// Settings are the module's robot.yaml keys.
type Settings struct {
	// MoveIn and MoveOut are the GPIOs of the relays that drive the
	// motor inwards and outwards.
	MoveIn  *int `yaml:"move_in"`
	MoveOut *int `yaml:"move_out"`
	// EndIn and EndOut are the GPIOs of the end switches.
	EndIn  *int `yaml:"end_in"`
	EndOut *int `yaml:"end_out"`
	// Inverted: the end switches are wired active-low (normally closed
	// switches, as end switches should be: a broken wire reads as "at
	// the end" and stops the motor).
	Inverted *bool `yaml:"inverted"`
	// TravelTime is how long the simulated axis takes from end to end.
	TravelTime config.Duration `yaml:"travel_time"`
}

var keys = []string{"move_in", "move_out", "end_in", "end_out", "inverted", "travel_time"}

// settings decodes and checks a declared module's keys: every pin given,
// an ESP32 GPIO, none used twice, the outputs on pins that can drive.
func settings(m *config.LizardModule) (Settings, error) {
	var s Settings
	if err := m.Decode(&s); err != nil {
		return s, err
	}
	var errs []error
	seen := map[int]string{}
	for _, p := range []struct {
		key    string
		pin    *int
		output bool
	}{{"move_in", s.MoveIn, true}, {"move_out", s.MoveOut, true}, {"end_in", s.EndIn, false}, {"end_out", s.EndOut, false}} {
		switch {
		case p.pin == nil:
			errs = append(errs, m.Errorf(p.key, "missing: name the GPIO"))
		case *p.pin < 0 || *p.pin > 48:
			errs = append(errs, m.Errorf(p.key, "GPIO %d is out of range [0, 48] (ESP32 GPIO numbers)", *p.pin))
		case p.output && *p.pin >= 34 && *p.pin <= 39:
			errs = append(errs, m.Errorf(p.key, "GPIO %d is input-only on the ESP32; a relay needs an output pin", *p.pin))
		case seen[*p.pin] != "":
			errs = append(errs, m.Errorf(p.key, "GPIO %d is already %s", *p.pin, seen[*p.pin]))
		default:
			seen[*p.pin] = p.key
		}
	}
	if d := s.TravelTime.D(); d < 0 || d > time.Hour {
		errs = append(errs, m.Errorf("travel_time", "%v is out of range [0, 1h]", d))
	}
	return s, errors.Join(errs...)
}

// Type is the registration: pass it in robot.Options.LizardTypes.
func Type() robot.LizardType {
	return robot.LizardType{
		Config: config.LizardType{
			Type: TypeName, Keys: keys, DefaultName: "axis",
			Check: func(m *config.LizardModule) error { _, err := settings(m); return err },
			Objects: func(m *config.LizardModule) []string {
				return []string{m.Name + "_in", m.Name + "_out", m.Name + "_end_in", m.Name + "_end_out"}
			},
		},
		Build: func(d robot.LizardDecl) (lizard.Module, error) {
			s, err := settings(d.LizardModule)
			if err != nil {
				return nil, err
			}
			return lizard.Custom(newModule(d.Name, s)), nil
		},
		Sim: func(d robot.LizardDecl) (robot.SimModule, error) {
			s, err := settings(d.LizardModule)
			if err != nil {
				return robot.SimModule{}, err
			}
			a := NewSim(d.Name, s.TravelTime.D())
			return robot.SimModule{Name: d.Name,
				Build:  func(hardware.Wheels) any { return a },
				Status: func(time.Time) any { return a.Status() }}, nil
		},
	}
}

func status(name string, st State, simulated bool) map[string]any {
	return map[string]any{"type": TypeName, "name": name, "at_in": st.AtIn, "at_out": st.AtOut,
		"direction": st.Direction, "time": st.Time, "simulated": simulated}
}

func invertedOr(s Settings, def bool) bool {
	if s.Inverted != nil {
		return *s.Inverted
	}
	return def
}
