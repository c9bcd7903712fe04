package persistence

import "time"

// Where a module's state came from at start-up.
const (
	FromFile     = "file"     // the module's file
	FromPrevious = "previous" // the previous generation, <key>.json.prev
	FromDefaults = "defaults" // nothing usable was stored
	FromRemote   = "remote"   // recovered from the mirror's storage (no local file)
)

// ModuleStatus is what the store knows about one module, for logs, the
// status API and the dashboard.
type ModuleStatus struct {
	Key           string    `json:"key"`
	SchemaVersion int       `json:"schema_version"`
	RestoredFrom  string    `json:"restored_from,omitempty"`
	LastSaved     time.Time `json:"last_saved,omitzero"`
	Size          int       `json:"size"`
	Pending       bool      `json:"pending"`
	Saves         uint64    `json:"saves"`
	LastError     string    `json:"last_error,omitempty"`    // of the last write
	RestoreError  string    `json:"restore_error,omitempty"` // of start-up
	// HistoryError is why the last commit is not in the history (a
	// full disk); the commit itself succeeded.
	HistoryError string `json:"history_error,omitempty"`
	// HistoryIgnored lists files in the history directory named as
	// versions of this module that are none (a malformed or out-of-range
	// version number), each with why: never read, listed or replaced.
	HistoryIgnored []string `json:"history_ignored,omitempty"`
	// MovedAside lists files that could not be used and were kept aside.
	MovedAside []string `json:"moved_aside,omitempty"`
}
