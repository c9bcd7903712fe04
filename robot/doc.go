// Package robot builds a robot from robot.yaml: what `rosys run` runs,
// and what a user's own main calls to run the same robot with modules of
// its own.
//
//	cfg, err := config.Load("robot.yaml")
//	r, err := robot.New(cfg, robot.Options{Log: log})
//	r.Runtime.Add("mine", m, rosys.Persist())   // your modules
//	r.Automator.Register("mow", mow)            // your automations
//	r.Arbiter.AddStop("light curtain", curtain) // your safety stops
//	err = r.Run(ctx)                            // until ctx ends, then the final flush
//
// How a robot is put together, in the order New does it:
//
//   - the data directory (Options.DataDir, robot.yaml's filesystem
//     backend, $ROSYS_DATA_DIR, ~/.rosys) and the store on it, with
//     robot.yaml's backends, snapshot interval and daily backup schedule
//     (storage.go); the input journal when a driver records (journal.go);
//   - the board: named, or detected with "auto" (hardware.go);
//   - the drivers robot.yaml names: the Lizard controller with its
//     modules (lizardmodules.go), a GPIO e-stop, a GNSS receiver
//     (gnss.go). With "board: sim" every one of them is simulated
//     instead: twins of the Lizard modules (battery, IMU, e-stops,
//     bumpers; simtwins.go) and of the GNSS receiver;
//   - the runtime (package rosys) and the standard modules (Assemble,
//     assemble.go): simulated wheels and e-stop for what no driver
//     provides, odometry, the path driver, the arbiter that lets the
//     e-stops, bumpers and soft e-stop win over every source of speed,
//     the steerer (deadman), the automator and the driving parameters;
//   - the HTTP API of package ui with its status (status.go), /metrics
//     (metrics.go), and the bounds on clients: timeouts, a connection
//     limit kept below the open-files limit, a grace at shutdown
//     (http.go, limitlistener.go).
//
// The robot has no automation of its own: the demo's waypoints and its
// "model" slider live in internal/demo, which `rosys run` installs for the
// demo only (no robot.yaml, --demo, or robot.yaml's demo: true).
//
// Assemble alone builds the standard modules on given hardware into a
// runtime of the caller's, for a test on the virtual clock
// (rosystest) or a replay of a recorded journal.
package robot
