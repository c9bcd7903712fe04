// Package rosys is the robot runtime: a lifecycle manager that restores
// persistent modules, starts drivers and modules, runs a fixed-rate control
// loop that I/O can never stall, runs the backup loop on its own goroutine,
// and flushes every persistent module when the robot stops.
//
//	rt := rosys.New(rosys.Config{Store: store})
//	rt.Add("wheels", wheels)
//	rt.Add("model", model) // a persistence.Persistable, registered under "model"
//	err := rt.Run(ctx)     // until ctx is cancelled (SIGTERM in cmd/rosys)
package rosys
