// Package link gives the store what it needs of a module's
// persistence.Tracker without making it part of the module author's API:
// package persistence sets the functions at init, package store calls
// them.
package link

// Tracked is a module's embedded Tracker as the store sees it.
type Tracked interface {
	// Generation grows with every backup request.
	Generation() uint64
	// SetNotify makes every later request call fn.
	SetNotify(fn func())
}

// TrackerOf returns the Tracker that p embeds; ok is false when it
// embeds none. Package persistence sets it.
var TrackerOf func(p any) (t Tracked, ok bool)
