package replay_test

import (
	"context"
	"fmt"
	"log"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/replay"
	"github.com/gorosys/rosys/robot"
)

// A user's main replays its robot's journal with its own modules: the
// same Install it runs live with, after robot.New.
func Example() {
	cfg, err := config.Load("/etc/robot/robot.yaml")
	if err != nil {
		log.Fatal(err)
	}
	addMine := func(r *robot.Robot) error {
		return r.Runtime.Add("mower", persistence.NewValue(struct {
			Height float64 `json:"height"`
		}{Height: 0.05}), rosys.Persist())
	}
	sum, err := replay.Run(context.Background(), replay.Options{
		Config: cfg, DataDir: "/var/lib/robot-copy", Mode: replay.Speedrun, Install: addMine,
	})
	if err != nil {
		log.Fatal(err)
	}
	if sum.CommandsDiffer {
		fmt.Println("the code now drives differently:", sum.FirstDifference)
	}
}
