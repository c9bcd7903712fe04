package robot_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/robot"
)

// Mission is a module of your own, persisted as mission.json.
type Mission struct {
	Field string `json:"field"`
	Rows  int    `json:"rows"`
}

// A user's own main: the robot robot.yaml describes (drivers, the sim for
// what it does not name, the standard modules, the HTTP API), plus a
// module of your own.
func Example() {
	dir, _ := os.MkdirTemp("", "rosys-example")
	defer os.RemoveAll(dir)
	yaml := "name: mine\nboard: sim\nhttp: \"off\"\n" // on a robot: your robot.yaml
	_ = os.WriteFile(filepath.Join(dir, "robot.yaml"), []byte(yaml), 0o644)

	cfg, err := config.Load(filepath.Join(dir, "robot.yaml"))
	if err != nil {
		panic(err) // names the key and its line
	}
	r, err := robot.New(cfg, robot.Options{DataDir: dir}) // on a robot: Options{Log: logger}
	if err != nil {
		panic(err)
	}
	mission := persistence.NewValue(Mission{Field: "north", Rows: 12})
	if err := r.Runtime.Add("mission", mission, rosys.Persist()); err != nil {
		panic(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond) // just for the example
	defer cancel()
	if err := r.Run(ctx); err != nil { // serves the API; returns after the final flush
		panic(err)
	}
	_, err = os.Stat(filepath.Join(dir, "mission.json"))
	fmt.Println("simulated:", r.SimWheels != nil, "- mission.json saved:", err == nil)
	// Output: simulated: true - mission.json saved: true
}
