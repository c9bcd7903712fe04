// Package demo is what makes the robot `rosys run` starts a demo: a
// persistent list of waypoints driven by the automation "waypoints"
// (once, on a robot's first run), and the persistent module "model" of
// the RoSys persistence reference (a value bound to a slider). The robot
// itself (wheels, e-stops, odometry, steering, the automator) is package
// robot's; a user's own robot has none of this.
package demo

import (
	"context"
	"errors"
	"time"

	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/robot"
	"github.com/gorosys/rosys/rosys"
)

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

// AddWith builds the demo robot into rt on hw.
func AddWith(rt *rosys.Runtime, hw robot.Hardware, opts ...robot.Option) (*Robot, error) {
	r, err := robot.Assemble(rt, hw, opts...)
	if err != nil {
		return nil, err
	}
	return Install(r)
}

// Install adds the demo's modules to r before it runs: the persistent
// modules "waypoints" and "model", and the automation "waypoints".
func Install(base *robot.Robot) (*Robot, error) {
	r := &Robot{Robot: base, Model: persistence.NewValue(Model{Value: 1.0}),
		Waypoints: persistence.NewValue(DefaultWaypoints(), persistence.Validate(Waypoints.Validate))}
	if err := r.Automator.Register("waypoints", r.driveWaypoints); err != nil {
		return nil, err
	}
	rt := r.Runtime
	if err := rt.Add("waypoints", r.Waypoints, rosys.Persist()); err != nil {
		return nil, err
	}
	if err := rt.Add("model", r.Model, rosys.Persist()); err != nil {
		return nil, err
	}
	// A new robot drives its waypoints once, as a demo should; a robot
	// that ran before comes back as it was (paused at its checkpoint,
	// stopped, completed, or idle with the reason its state was unusable).
	clock, store := rt.Clock(), rt.Store()
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
