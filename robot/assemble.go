package robot

import (
	"context"
	"slices"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/hardware"
	"github.com/gorosys/rosys/hardware/sim"
	"github.com/gorosys/rosys/localization"
	"github.com/gorosys/rosys/navigate"
	"github.com/gorosys/rosys/pathplanning"
	"github.com/gorosys/rosys/storage"
	"go.uber.org/zap"
)

// Hardware is what a robot drives. Zero fields are simulated.
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
	// Safety are e-stops and bumpers read by a driver: each stops the
	// wheels on its own, and simulated wheels stop while any is active.
	Safety []hardware.SafetyInput
	// Sim are simulated twins of configured modules (board: sim).
	Sim []SimModule
	// Modules are the Lizard modules' typed values by name (see
	// Robot.LizardModule).
	Modules map[string]any
	// Refusing names each reason the motor controller refuses to drive
	// now (listed among the robot's stops); nil without a controller.
	Refusing func() []string
	// Pose configures the pose estimate.
	Pose PoseConfig
	// Exchange sends one line to the motor controller and collects its
	// replies (POST /api/lizard/send); nil without a controller.
	Exchange func(ctx context.Context, line string, window time.Duration) ([]string, error)
}

// Driver is a runtime module that talks to hardware.
type Driver struct {
	Name string
	V    any
}

// Option configures Assemble.
type Option func(*options)

type options struct {
	autoResume bool
	shape      *pathplanning.Shape
}

// AutoResume resumes an automation found running or paused at start-up
// (robot.yaml automation.auto_resume).
func AutoResume(on bool) Option { return func(o *options) { o.autoResume = on } }

// Assemble builds the standard modules on hw into rt and returns the
// robot; New calls it, and so can a test on the virtual clock
// (rosystest) or a replay. Modules added, in this order (each stepper
// runs in this order every tick, so the arbiter sends a command computed
// from this tick's pose):
//
//	hw.Drivers              under their own names
//	wheels                  simulated wheels, when hw has none
//	sim_<name>              simulated twins that step (battery, IMU)
//	pose_input              poses an operator sets (SetPose), taken each tick
//	odometer, localization  the pose estimate (package localization)
//	pose                    its last estimate (persistent)
//	driver, arbiter
//	automation              the Automator (persistent)
//	driving_parameters      speed limits (persistent)
//	soft_estop              the soft e-stop (persistent)
//	gnss_reference          the GNSS frame's origin in use (persistent; with a GNSS)
//	path_planner            obstacles and areas (persistent; package navigate)
//
// The arbiter stops the wheels for the e-stop, the soft e-stop, every
// e-stop pin and bumper on its own, and the geofence (outside every area
// of path_planner). The automation "goto" (POST /api/goto) is registered
// only by name; the caller registers its own with r.Automator.Register
// before Run, and the first of those is the one a nameless start runs.
func Assemble(rt *rosys.Runtime, hw Hardware, opts ...Option) (*Robot, error) {
	var o options
	for _, fn := range opts {
		fn(&o)
	}
	r := &Robot{
		Runtime: rt, Wheels: hw.Wheels, EStop: hw.EStop, GNSS: hw.GNSS, hw: hw, log: zap.NewNop(),
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
				r.hw.setModule(sm.Name, v)
			}
		}
	}
	clock := rt.Clock()
	r.Odometer = sim.NewOdometer(r.Wheels)
	store := storage.StoreOf(rt)
	// A replay starts from the recorded run's start, not its stored end.
	pose, ref, err := r.buildPose(hw.Pose, store != nil && store.ReadOnly())
	if err != nil {
		return nil, err
	}
	r.Pose, r.Reference = pose, ref
	if store != nil && !store.ReadOnly() {
		pose.SetCommit(func(ctx context.Context) error { return store.CommitNow(ctx, localization.ModuleKey) })
	}
	// Poses an operator sets go to the estimator on the next tick.
	r.poseIn = &poseInput{target: r.Pose, log: r.log}
	r.Steerer = driving.NewSteerer(r.Params, clock.Now)
	r.Arbiter = driving.NewArbiter(r.Wheels, r.Params, r.Steerer)
	r.Driver = driving.NewDriver(r.Params, r.Pose, r.Arbiter.Automation(), clock)
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
	if err := r.addPlanner(o); err != nil {
		return nil, err
	}
	mods = append(mods,
		// Before the odometer: a pose an operator set since the last tick
		// is in place when the odometry integrates.
		mod{"pose_input", r.poseIn, driverNames, false},
		mod{"odometer", r.Odometer, append(slices.Clone(driverNames), "pose_input"), false},
		mod{"localization", r.Pose, append(slices.Clone(driverNames), "odometer"), false},
		mod{localization.ModuleKey, r.Pose.Module(), nil, true},
		mod{"driver", r.Driver, []string{"localization"}, false},
		mod{"arbiter", r.Arbiter, []string{"driver"}, false},
		mod{automation.DefaultKey, r.Automator.Module(), []string{"arbiter"}, true},
		mod{"driving_parameters", r.Params, nil, true},
		// Pressed before a crash, still pressed after it.
		mod{driving.SoftEStopKey, r.SoftEStop, nil, true},
		mod{navigate.Key, r.World, nil, true},
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
	if r.Reference != nil {
		if err := rt.Add(ReferenceKey, r.Reference, rosys.Persist()); err != nil {
			return nil, err
		}
		keeper := r.GNSS.(referenceKeeper)
		rt.OnStartup(func(context.Context) error { syncReference(keeper, r.Reference); return nil })
	}
	// A simulated GNSS twin reports the robot's true pose (the odometry's,
	// with real wheels) around its reference.
	if s, ok := hw.GNSS.(*sim.GNSS); ok {
		if r.SimWheels != nil {
			s.Follow(r.SimWheels)
		} else {
			s.Follow(r.Odometer)
		}
	}
	return r, nil
}
