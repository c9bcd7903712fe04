// Package demo is the simulated robot that `rosys run` starts without a
// configuration: wheels, e-stop and odometry on simulated hardware, an
// automation that drives a square, and the persistent module "model" of the
// RoSys persistence reference (a value bound to a slider).
package demo

import (
	"context"
	"slices"
	"time"

	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/rosys"
)

// Model is the reference's slider example: {"value": float}.
type Model struct {
	Value float64 `json:"value"`
}

// Robot holds the demo's parts.
type Robot struct {
	Wheels   hardware.Wheels
	EStop    hardware.EStop
	Odometer *sim.Odometer
	Square   *Square
	Model    *persistence.Value[Model]
	// SimWheels and SimEStop are set when the hardware is simulated.
	SimWheels *sim.Wheels
	SimEStop  *sim.EStop

	status func() any
	sims   []SimModule
}

// Hardware is what the demo drives. Zero fields are simulated.
type Hardware struct {
	Wheels hardware.Wheels
	EStop  hardware.EStop
	// Drivers are added to the runtime first, under their names, so they
	// start before and stop after the modules that use them.
	Drivers []Driver
	// Status reports the drivers for /api/status.
	Status func() any
	// Safety are e-stops and bumpers read by a driver: simulated wheels
	// stop while any is active.
	Safety []hardware.SafetyInput
	// Sim are simulated twins of configured modules (board: sim).
	Sim []SimModule
	// Exchange sends one line to the motor controller and collects its
	// replies (POST /api/lizard/send); nil without a controller.
	Exchange func(ctx context.Context, line string, window time.Duration) ([]string, error)
}

// Driver is a module that talks to hardware.
type Driver struct {
	Name string
	V    any
}

// Add builds the demo robot on simulated hardware into rt.
func Add(rt *rosys.Runtime) (*Robot, error) { return AddWith(rt, Hardware{}) }

// AddWith builds the demo robot into rt on hw. Wheels step before the
// odometer, the odometer before the automation, so each tick sees fresh
// values.
func AddWith(rt *rosys.Runtime, hw Hardware) (*Robot, error) {
	r := &Robot{Model: persistence.NewValue(Model{Value: 1.0}), Wheels: hw.Wheels, EStop: hw.EStop, status: hw.Status}
	type mod struct {
		name    string
		v       any
		deps    []string
		persist bool
	}
	var mods []mod
	var driverNames []string
	for _, d := range hw.Drivers {
		mods = append(mods, mod{d.Name, d.V, nil, false})
		driverNames = append(driverNames, d.Name)
	}
	if r.EStop == nil {
		r.SimEStop = &sim.EStop{}
		r.EStop = r.SimEStop
	}
	safety := slices.Clone(hw.Safety)
	for _, sm := range hw.Sim {
		safety = append(safety, sm.Safety...)
	}
	if r.Wheels == nil {
		r.SimWheels = sim.NewWheels(sim.WheelsConfig{LinearAccel: 1, AngularAccel: 3})
		r.SimWheels.BlockWhen(func() bool { return r.EStop.Active() || hardware.AnyActive(safety) })
		r.Wheels = r.SimWheels
		mods = append(mods, mod{"wheels", r.SimWheels, driverNames, false})
		driverNames = append(driverNames, "wheels")
	}
	for _, sm := range hw.Sim {
		if sm.Build != nil {
			if v := sm.Build(r.Wheels); v != nil {
				mods = append(mods, mod{"sim_" + sm.Name, v, driverNames, false})
			}
		}
		r.sims = append(r.sims, sm)
	}
	r.Odometer = sim.NewOdometer(r.Wheels)
	r.Square = NewSquare(r.Wheels, r.Odometer, r.EStop)
	mods = append(mods,
		mod{"odometer", r.Odometer, driverNames, false},
		mod{"square", r.Square, []string{"odometer"}, false},
		mod{"square_settings", r.Square.Settings, nil, true},
		mod{"model", r.Model, nil, true},
	)
	for _, m := range mods {
		opts := []rosys.AddOption{rosys.DependsOn(m.deps...)}
		if m.persist {
			opts = append(opts, rosys.Persist())
		}
		if err := rt.Add(m.name, m.v, opts...); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// HardwareStatus is the demo's hardware as the API shows it.
type HardwareStatus struct {
	EStop      bool               `json:"estop_active"`
	Velocity   hardware.Velocity  `json:"velocity"`
	Target     *hardware.Velocity `json:"target,omitempty"` // simulated wheels only
	Pose       hardware.Pose      `json:"pose"`
	Automation string             `json:"automation"`
	Simulated  bool               `json:"simulated"`
	Drivers    any                `json:"drivers,omitempty"`
}

// Hardware reports the demo's hardware for /api/status.
func (r *Robot) Hardware() any {
	st := HardwareStatus{
		EStop:      r.EStop.Active(),
		Velocity:   r.Wheels.Velocity(),
		Pose:       r.Odometer.Pose(),
		Automation: r.Square.Phase(),
		Simulated:  r.SimWheels != nil,
	}
	if r.SimWheels != nil {
		t := r.SimWheels.Target()
		st.Target = &t
	}
	if r.status != nil {
		st.Drivers = r.status()
	}
	if len(r.sims) > 0 {
		st.Drivers = simStatus(st.Drivers, r.sims)
	}
	return st
}
