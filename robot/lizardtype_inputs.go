package robot

import (
	"time"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
)

// estopType: e-stop buttons on Input pins. E-stop chains are wired
// active-low (RoSys's default), so they are inverted unless told.
func estopType() LizardType {
	return LizardType{
		Config: builtinConfig("estop"),
		Build: func(d LizardDecl) (lizard.Module, error) {
			return lizard.NewEStop(d.Name, lizardPins(d.LizardModule), inverted(d.LizardModule, true), d.Expander), nil
		},
		Sim: simInputs,
	}
}

// bumperType: bumper switches on Input pins.
func bumperType() LizardType {
	return LizardType{
		Config: builtinConfig("bumper"),
		Build: func(d LizardDecl) (lizard.Module, error) {
			return lizard.NewBumper(d.Name, lizardPins(d.LizardModule), inverted(d.LizardModule, false), d.Expander), nil
		},
		Sim: simInputs,
	}
}

func lizardPins(m *config.LizardModule) []lizard.Pin {
	pins := make([]lizard.Pin, len(m.Pins))
	for j, p := range m.Pins {
		pins[j] = lizard.Pin{Name: p.Name, GPIO: p.Pin}
	}
	return pins
}

func inverted(m *config.LizardModule, def bool) bool {
	if m.Inverted != nil {
		return *m.Inverted
	}
	return def
}

// simInputs is the twin of e-stop and bumper pins: inputs the simulated
// wheels stop for, pressed through the simulator.
func simInputs(d LizardDecl) (SimModule, error) {
	names := make([]string, len(d.Pins))
	for i, p := range d.Pins {
		names[i] = p.Name
	}
	in := sim.NewInputs(d.Type, names...)
	kind := d.Type
	return SimModule{Name: d.Name, Safety: in.Inputs(), Status: func(time.Time) any {
		return inputsStatus(kind, in.Inputs())
	}}, nil
}

func inputsStatus(kind string, inputs []hardware.SafetyInput) map[string]any {
	pins := map[string]any{}
	active := []string{}
	for _, in := range inputs {
		pins[in.Name()] = map[string]any{"active": in.Active()}
		if in.Active() {
			active = append(active, in.Name())
		}
	}
	return map[string]any{"type": kind, "active": active, "pins": pins, "simulated": true}
}
