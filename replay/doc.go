// Package replay runs a robot's recorded input journal again: the
// controller lines a live run journaled (hardware.lizard.journal) are fed
// to the same robot assembly on a replay driver, and what the code sends
// now is compared with what it sent then. A recorded field run becomes a
// regression test.
//
// `rosys replay` calls Run with the demo's modules when the run was the
// demo's; a user's own main replays its robot's journals by passing its
// own assembly in Options.Install:
//
//	sum, err := replay.Run(ctx, replay.Options{
//		Config: cfg, DataDir: "/var/lib/robot",
//		Install: func(r *robot.Robot) error { return addMyModules(r.Runtime) },
//	})
//
// A replay reads the data directory and never writes it (replay access):
// the robot's stored state is the starting point, its files stay as they
// are.
package replay
