// Package persistence keeps module state across restarts and power cuts.
//
// A module implements [Persistable] (or wraps its state in a [Value]) and is
// registered with a [Store] under a key. The store restores every module at
// start, writes the modules that asked for it ([Tracker.RequestBackup],
// [Store.RequestBackup]) once per backup cycle, and writes all of them on
// [Store.Flush] at shutdown.
//
// Every write is atomic and durable: a crash at any instant leaves either the
// old or the new complete file, never a torn one. A file that cannot be read is
// moved aside, never deleted or overwritten, and the module falls back to the
// previous generation or to its defaults; start-up never fails because of one
// bad file.
//
// The package knows nothing of robots: the runtime in package rosys drives the
// backup cycle on its own goroutine.
package persistence
