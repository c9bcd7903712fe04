// Package demo is the simulated robot that `rosys run` starts without a
// configuration: wheels, e-stop and odometry on simulated hardware, a
// persistent list of waypoints driven by the automation "waypoints", manual
// steering with a deadman, a soft e-stop, and the persistent module "model"
// of the RoSys persistence reference (a value bound to a slider).
package demo

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/rosys"
)

// Model is the reference's slider example: {"value": float}.
type Model struct {
	Value persistence.Float `json:"value"` // NaN and infinities kept (RoSys files may hold them)
}

// Robot holds the demo's parts.
type Robot struct {
	Wheels    hardware.Wheels
	EStop     hardware.EStop
	Odometer  *sim.Odometer
	GNSS      hardware.GNSSReceiver // nil without one
	Model     *persistence.Value[Model]
	Waypoints *persistence.Value[Waypoints]
	// Operating the robot: see package driving and automation.
	SoftEStop *driving.SoftEStop
	Params    *driving.ParameterStore
	Steerer   *driving.Steerer
	Arbiter   *driving.Arbiter
	Driver    *driving.Driver
	Automator *automation.Automator
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
	// GNSS is the GNSS receiver, if the robot has one (never simulated
	// unless configured).
	GNSS hardware.GNSSReceiver
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

// Option configures the demo robot.
type Option func(*options)

type options struct{ autoResume bool }

// AutoResume resumes an automation found running or paused at start-up
// (robot.yaml automation.auto_resume).
func AutoResume(on bool) Option { return func(o *options) { o.autoResume = on } }

// Add builds the demo robot on simulated hardware into rt.
func Add(rt *rosys.Runtime, opts ...Option) (*Robot, error) { return AddWith(rt, Hardware{}, opts...) }

// AddWith builds the demo robot into rt on hw. Steppers run in this order
// every tick: wheels, odometer, path driver, arbiter; so the arbiter sends
// a command computed from this tick's pose.
func AddWith(rt *rosys.Runtime, hw Hardware, opts ...Option) (*Robot, error) {
	var o options
	for _, fn := range opts {
		fn(&o)
	}
	r := &Robot{
		Model: persistence.NewValue(Model{Value: 1.0}), Waypoints: persistence.NewValue(DefaultWaypoints(), persistence.Validate(Waypoints.Validate)),
		Wheels: hw.Wheels, EStop: hw.EStop, GNSS: hw.GNSS, status: hw.Status,
		SoftEStop: &driving.SoftEStop{}, Params: driving.NewParameterStore(driving.DefaultParameters()),
	}
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
	clock := rt.Clock()
	r.Odometer = sim.NewOdometer(r.Wheels)
	r.Steerer = driving.NewSteerer(r.Params, clock.Now)
	r.Arbiter = driving.NewArbiter(r.Wheels, r.Params, r.Steerer)
	r.Driver = driving.NewDriver(r.Params, r.Odometer, r.Arbiter.Automation(), clock)
	store := rt.Store()
	acfg := automation.Config{
		Clock: clock, Output: r.Arbiter.Automation(), Interlock: r.Arbiter, Abort: r.Driver.Abort,
		AutoResume: o.autoResume, Fresh: store != nil && store.ReadOnly(),
	}
	if store != nil {
		acfg.Restore = store
	}
	r.Automator = automation.New(acfg)
	r.Arbiter.SetAutomation(r.Automator)
	r.Steerer.PauseOnSteer(r.Automator)
	for _, s := range []struct {
		name string
		stop driving.Stop
	}{{"estop", r.EStop}, {"soft estop", r.SoftEStop}} {
		if err := r.Arbiter.AddStop(s.name, s.stop); err != nil {
			return nil, err
		}
	}
	// Every e-stop pin and bumper on its own, so a press stops the wheels
	// on the next tick whoever asks for speed, and pauses the automation
	// with the input's name ("bumper front").
	for _, in := range safety {
		if err := r.Arbiter.AddStop(in.Kind()+" "+in.Name(), in); err != nil {
			return nil, err
		}
	}
	if err := r.Automator.Register("waypoints", r.driveWaypoints); err != nil {
		return nil, err
	}
	mods = append(mods,
		mod{"odometer", r.Odometer, driverNames, false},
		mod{"driver", r.Driver, []string{"odometer"}, false},
		mod{"arbiter", r.Arbiter, []string{"driver"}, false},
		mod{automation.DefaultKey, r.Automator.Module(), []string{"arbiter"}, true},
		mod{"driving_parameters", r.Params, nil, true},
		mod{"waypoints", r.Waypoints, nil, true},
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
	// A new robot drives its waypoints once, as a demo should; a robot
	// that ran before comes back as it was (paused at its checkpoint,
	// stopped, completed, or idle with the reason its state was unusable).
	rt.OnStartup(func(ctx context.Context) error {
		if !r.neverRan(store) {
			return nil
		}
		err := r.Automator.Start("waypoints")
		if errors.Is(err, automation.ErrBlocked) {
			// A controller reports its e-stop active until it talks:
			// start once nothing stops the robot any more.
			clock.Go(func() { r.startWhenClear(ctx, clock) })
			return nil
		}
		return err
	})
	return r, nil
}

// startWhenClear tries to start the waypoints every 100 ms of the
// runtime's clock until it starts, someone else starts or stops something,
// or the robot shuts down.
func (r *Robot) startWhenClear(ctx context.Context, clock rosys.Clock) {
	timer := clock.NewTimer()
	defer timer.Stop()
	for {
		if timer.SleepUntil(ctx, clock.Now().Add(100*time.Millisecond), nil) != nil {
			return
		}
		if st := r.Automator.Status(); st.State != automation.Idle || st.Reason != "" {
			return
		}
		if err := r.Automator.Start("waypoints"); !errors.Is(err, automation.ErrBlocked) {
			return
		}
	}
}

func (r *Robot) neverRan(store *persistence.Store) bool {
	if st := r.Automator.Status(); st.State != automation.Idle || st.Reason != "" {
		return false
	}
	if store == nil || store.ReadOnly() {
		return true
	}
	ms, err := store.ModuleStatus(automation.DefaultKey)
	return err == nil && ms.RestoredFrom == persistence.FromDefaults && ms.RestoreError == ""
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
		Automation: string(r.Automator.Status().State),
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

// DrivingStatus is who drives the wheels and the path being followed.
type DrivingStatus struct {
	Arbiter driving.ArbiterStatus `json:"arbiter"`
	Driver  driving.DriverStatus  `json:"driver"`
	Pose    hardware.Pose         `json:"pose"`
}

// Driving reports the drive for the events stream and the dashboard's map.
func (r *Robot) Driving() any {
	return DrivingStatus{Arbiter: r.Arbiter.Status(), Driver: r.Driver.Status(), Pose: r.Odometer.Pose()}
}
