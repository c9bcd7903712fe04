package rosys_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/hardware/sim"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/storage"
)

// Cruise drives forward at the persistent speed, on the control loop.
type Cruise struct {
	wheels *sim.Wheels
	speed  *persistence.Value[float64]
}

func (c *Cruise) Step(now time.Time, period time.Duration) {
	_ = c.wheels.Drive(c.speed.Get(), 0) // never blocks, allocates nothing
}

// A minimal robot: simulated wheels, a control step, a persistent setting.
func Example() {
	dir, _ := os.MkdirTemp("", "rosys-example")
	defer os.RemoveAll(dir)
	store, err := store.Open(dir) // on a robot: store.DefaultDir()
	if err != nil {
		panic(err)
	}
	defer store.Close()

	rt := rosys.New(rosys.Config{Name: "cruiser", Storage: storage.New(store, nil), DisableRealtime: true})
	wheels := sim.NewWheels(sim.WheelsConfig{LinearAccel: 1})
	speed := persistence.NewValue(0.3)
	rt.Add("wheels", wheels)                                            // Stepper + Actuator
	rt.Add("cruise", &Cruise{wheels, speed}, rosys.DependsOn("wheels")) // Stepper
	rt.Add("speed", speed)                                              // persisted as speed.json

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond) // just for the example
	defer cancel()
	if err := rt.Run(ctx); err != nil { // returns after the final flush
		panic(err)
	}
	saved, _ := os.ReadFile(store.Path("speed"))
	fmt.Println("command after safe stop:", wheels.Target().Linear, "m/s; speed.json saved:", len(saved) > 0)
	// Output: command after safe stop: 0 m/s; speed.json saved: true
}
