// Package rosys is the robot runtime: a lifecycle manager that restores
// persistent modules, starts drivers and modules, runs a fixed-rate control
// loop that I/O can never stall, runs its storage's loops (backup, mirror,
// daily schedule) on their own goroutines, and flushes every persistent
// module when the robot stops.
//
//	st, err := store.Open(dir) // package persistence/store
//	rt := rosys.New(rosys.Config{Storage: storage.New(st, nil)})
//	rt.Add("wheels", wheels)
//	rt.Add("model", model) // a persistence.Persistable, registered under "model"
//	err = rt.Run(ctx)      // until ctx is cancelled (SIGTERM in cmd/rosys)
//
// The runtime knows its storage only through [Storage], and time only
// through package clock, so a module that imports rosys pulls in no
// storage engine.
package rosys
