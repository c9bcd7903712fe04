// Command axisrobot is a robot's own main with a Lizard module type of
// its own: it registers linearaxis.Type, runs the robot robot.yaml
// describes and shuttles the axis from end to end. With the simulated
// controller:
//
//	go run ./cmd/lizardsim --link /tmp/rosys-linearaxis/ttyLIZARD0
//	go run ./examples/linearaxis/axisrobot --config examples/linearaxis/robot.yaml --board auto
//
// and type "press axis_end_out" into lizardsim when the carriage arrives
// (the robot then moves it back in; "release axis_end_out" as it leaves).
// With board: sim (robot.yaml's default) the axis is its twin.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/examples/linearaxis"
	"github.com/gorosys/rosys/robot"
	"go.uber.org/zap"
)

func main() {
	cfgPath := flag.String("config", "robot.yaml", "robot.yaml")
	dataDir := flag.String("data-dir", "", "data directory (default: robot.yaml's)")
	board := flag.String("board", "", "override robot.yaml's board (auto to use the serial port)")
	flag.Parse()
	if err := run(*cfgPath, *dataDir, *board); err != nil {
		fmt.Fprintln(os.Stderr, "axisrobot:", err)
		os.Exit(1)
	}
}

func run(cfgPath, dataDir, board string) error {
	log, err := zap.NewDevelopment()
	if err != nil {
		return err
	}
	opts := robot.Options{DataDir: dataDir, Log: log, LizardTypes: []robot.LizardType{linearaxis.Type()}}
	cfg, err := robot.Load(cfgPath, opts)
	if err != nil {
		return err // names the key and its line
	}
	if board != "" {
		cfg.Board = config.Board(board)
	}
	r, err := robot.New(cfg, opts)
	if err != nil {
		return err
	}
	v, ok := r.LizardModule("axis")
	axis, isAxis := v.(linearaxis.Axis)
	if !ok || !isAxis {
		_ = r.Close()
		return errors.New("robot.yaml declares no linear_axis named axis")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go shuttle(ctx, axis, log)
	return r.Run(ctx)
}

// shuttle moves the axis out, then in, then out again, whenever it has
// stopped at an end.
func shuttle(ctx context.Context, axis linearaxis.Axis, log *zap.Logger) {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			_ = axis.Stop()
			return
		case <-tick.C:
		}
		st := axis.State()
		if st.Direction != 0 {
			continue
		}
		var err error
		if st.AtOut {
			err = axis.MoveIn()
		} else {
			err = axis.MoveOut()
		}
		log.Info("axis", zap.Bool("at_in", st.AtIn), zap.Bool("at_out", st.AtOut), zap.Error(err))
	}
}
