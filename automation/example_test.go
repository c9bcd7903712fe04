package automation_test

import (
	"context"
	"fmt"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/driving"
	"github.com/gorosys/rosys/hardware/sim"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/storage"
)

// An automation that drives to waypoints and checkpoints after each, on
// a drive train of sim wheels, the Arbiter and the Driver (docs/operating.md's
// example, as the demo robot wires it).
func Example() {
	rt := rosys.New(rosys.Config{}) // with a Store in a real robot
	wheels := sim.NewWheels(sim.WheelsConfig{LinearAccel: 1})
	odometer := sim.NewOdometer(wheels)
	params := driving.NewParameterStore(driving.DefaultParameters())
	arbiter := driving.NewArbiter(wheels, params, driving.NewSteerer(params, rt.Clock().Now))
	driver := driving.NewDriver(params, odometer, arbiter.Automation(), rt.Clock())
	waypoints := persistence.NewValue([]driving.Point{{X: 1}, {X: 1, Y: 1}})

	auto := automation.New(automation.Config{Clock: rt.Clock(), Output: arbiter.Automation(),
		Interlock: arbiter, Abort: driver.Abort, Restore: storage.StoreOf(rt)})
	arbiter.SetAutomation(auto)
	err := auto.Register("waypoints", func(ctx context.Context, h *automation.Handle) error {
		var cp struct{ Next int }
		if _, err := h.Load(&cp); err != nil { // false on a fresh start
			return err
		}
		pts := waypoints.Get()
		for i := cp.Next; i < len(pts); i++ {
			if err := driver.DriveTo(ctx, pts[i]); err != nil { // blocks; paused = waits
				return err
			}
			// Blocks while paused; after a restart the automator is paused here.
			if err := h.Save(ctx, struct{ Next int }{i + 1}, float64(i+1)/float64(len(pts))); err != nil {
				return err
			}
		}
		return nil // completed: the checkpoint is cleared
	})
	fmt.Println(err, auto.Names())
	for _, m := range []struct {
		name string
		v    any
	}{{"wheels", wheels}, {"odometer", odometer}, {"driver", driver}, {"arbiter", arbiter}} {
		_ = rt.Add(m.name, m.v)
	}
	// rt.Add("automation", auto.Module(), rosys.Persist()) with a store;
	// then rt.Run(ctx), and auto.Start("waypoints") from the API.

	// Output: <nil> [waypoints]
}
