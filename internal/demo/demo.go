// Package demo is the simulated robot that `rosys run` starts without a
// configuration: wheels, e-stop and odometry on simulated hardware, an
// automation that drives a square, and the persistent module "model" of the
// RoSys persistence reference (a value bound to a slider).
package demo

import (
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
	Wheels   *sim.Wheels
	EStop    *sim.EStop
	Odometer *sim.Odometer
	Square   *Square
	Model    *persistence.Value[Model]
}

// Add builds the demo robot into rt. Wheels step before the odometer, the
// odometer before the automation, so each tick sees fresh values.
func Add(rt *rosys.Runtime) (*Robot, error) {
	r := &Robot{
		Wheels: sim.NewWheels(sim.WheelsConfig{LinearAccel: 1, AngularAccel: 3}),
		EStop:  &sim.EStop{},
		Model:  persistence.NewValue(Model{Value: 1.0}),
	}
	r.Wheels.BlockWhen(r.EStop.Active)
	r.Odometer = sim.NewOdometer(r.Wheels)
	r.Square = NewSquare(r.Wheels, r.Odometer, r.EStop)
	for _, m := range []struct {
		name string
		v    any
		deps []string
	}{
		{"wheels", r.Wheels, nil},
		{"odometer", r.Odometer, []string{"wheels"}},
		{"square", r.Square, []string{"odometer"}},
		{"square_settings", r.Square.Settings, nil},
		{"model", r.Model, nil},
	} {
		if err := rt.Add(m.name, m.v, rosys.DependsOn(m.deps...)); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// HardwareStatus is the demo's hardware as the API shows it.
type HardwareStatus struct {
	EStop      bool              `json:"estop_active"`
	Velocity   hardware.Velocity `json:"velocity"`
	Target     hardware.Velocity `json:"target"`
	Pose       hardware.Pose     `json:"pose"`
	Automation string            `json:"automation"`
	Connected  bool              `json:"controller_connected"`
	Ready      bool              `json:"controller_ready"`
}

// Hardware reports the demo's hardware for /api/status.
func (r *Robot) Hardware() any {
	return HardwareStatus{
		EStop:      r.EStop.Active(),
		Velocity:   r.Wheels.Velocity(),
		Target:     r.Wheels.Target(),
		Pose:       r.Odometer.Pose(),
		Automation: r.Square.Phase(),
		Connected:  true,
		Ready:      true,
	}
}
