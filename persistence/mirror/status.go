package mirror

import (
	"maps"
	"slices"
	"time"
)

// Status is the mirror's state for the API and the dashboard.
type Status struct {
	Metadata    string    `json:"metadata"`
	Snapshots   string    `json:"snapshots"`
	Generation  uint64    `json:"generation"`
	Pending     []string  `json:"pending,omitempty"`
	BehindSince time.Time `json:"behind_since,omitzero"`
	LastUpload  time.Time `json:"last_upload,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	Failures    int       `json:"failures"`
	Blocked     bool      `json:"blocked"`
	// Recovered lists the modules restored from remote storage at start,
	// with the generation they came from.
	Recovered map[string]uint64 `json:"recovered,omitempty"`
	// JournalSegments counts journal segments in snapshot storage.
	JournalSegments int `json:"journal_segments"`
	// Refused names the objects of remote storage that were refused
	// (a malformed name, a damaged or foreign object, one too large),
	// each with why; nothing was written from them.
	Refused []string `json:"refused,omitempty"`
}

// Status reports the mirror.
func (m *Mirror) Status() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := Status{Metadata: m.cfg.Metadata.String(), Snapshots: m.cfg.Snapshots.String(), BehindSince: m.behindSince,
		LastUpload: m.lastUpload, LastError: m.lastErr, Failures: m.failures, Blocked: m.blocked != nil,
		Pending: slices.Sorted(maps.Keys(m.pending)), Recovered: maps.Clone(m.recovered), JournalSegments: len(m.remoteSegs),
		Refused: slices.Clone(m.refused)}
	if m.latest != nil {
		st.Generation = m.latest.Generation
	}
	return st
}
