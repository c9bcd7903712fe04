// Package storage runs a persistence store for the runtime: it registers
// the runtime's persistent modules with the store, runs the backup, mirror
// and daily-schedule loops beside the control loop, does the final flush
// (and the upload after it) at shutdown, and reports their status.
//
// The runtime (package rosys) knows storage only through rosys.Storage,
// so a program, driver or module that imports rosys pulls in no storage
// engine; the assembly (package robot) or a user's main joins them:
//
//	st, _ := store.Open(dir)
//	rt := rosys.New(rosys.Config{Storage: storage.New(st, nil)})
package storage
