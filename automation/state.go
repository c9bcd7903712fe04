package automation

import (
	"encoding/json"
	"errors"
	"time"
)

// State is what the Automator is doing.
type State string

// States, as GET /api/automation reports them.
const (
	Idle      State = "idle"      // nothing ran yet, or the checkpoint was unusable
	Running   State = "running"   // the automation's goroutine drives
	Paused    State = "paused"    // waiting for Resume; its goroutine blocks in the Handle
	Stopped   State = "stopped"   // stopped by Stop; checkpoint cleared
	Completed State = "completed" // the automation returned nil; checkpoint cleared
	Failed    State = "failed"    // it returned an error or panicked
)

// Sentinel errors callers branch on (the API maps them to status codes).
var (
	ErrUnknown    = errors.New("no automation registered under that name")
	ErrBusy       = errors.New("an automation is already running or paused")
	ErrNotActive  = errors.New("no automation is running or paused")
	ErrNotPaused  = errors.New("the automation is not paused")
	ErrNotRunning = errors.New("no automation is running")
	ErrBlocked    = errors.New("a safety stop is active")
	ErrShutdown   = errors.New("the automator is shutting down")
)

// Record is the persistent state, stored under the automator's key.
type Record struct {
	Name  string `json:"name,omitempty"`
	State State  `json:"state"`
	// Checkpoint is what the automation last saved with Handle.Save; it
	// gets it back from Handle.Load when resumed after a restart.
	Checkpoint json.RawMessage `json:"checkpoint,omitempty"`
	Progress   float64         `json:"progress"`
	Reason     string          `json:"reason,omitempty"`
	Updated    time.Time       `json:"updated,omitzero"`
}

func (r Record) clone() Record {
	if r.Checkpoint != nil {
		r.Checkpoint = append(json.RawMessage(nil), r.Checkpoint...)
	}
	return r
}

// Event kinds.
const (
	EventStarted   = "started"
	EventPaused    = "paused"
	EventResumed   = "resumed"
	EventStopped   = "stopped"
	EventFailed    = "failed"
	EventCompleted = "completed"
)

// Event is a change of the automator's state.
type Event struct {
	Kind   string    `json:"kind"`
	Name   string    `json:"name"`
	Reason string    `json:"reason,omitempty"`
	Time   time.Time `json:"time"`
}

// Status is the automator for the API and the dashboard.
type Status struct {
	State      State           `json:"state"`
	Name       string          `json:"name,omitempty"`
	Reason     string          `json:"reason,omitempty"`
	Progress   float64         `json:"progress"`
	Checkpoint json.RawMessage `json:"checkpoint,omitempty"`
	// Automations are the registered names: first those a nameless start
	// may pick (the first of them is the default), then those registered
	// OnlyByName (the robot's "goto").
	Automations []string `json:"automations"`
	// Blocked names an active safety stop: start and resume are refused.
	Blocked string `json:"blocked,omitempty"`
}
