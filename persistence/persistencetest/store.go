// Package persistencetest helps tests that use package persistence.
package persistencetest

import (
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/store"
	"go.uber.org/zap/zaptest"
)

// Epoch is the time a FixedClock starts at.
var Epoch = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// FixedClock returns a clock that reads Epoch and advances one millisecond
// per reading, so save times and corrupt-file names are deterministic. It
// is safe for concurrent use: the store reads it from its history's
// goroutine too.
func FixedClock() func() time.Time {
	var n atomic.Int64
	return func() time.Time {
		return Epoch.Add(time.Duration(n.Add(1)) * time.Millisecond)
	}
}

// Open opens a store on dir with a test logger and a FixedClock, and closes
// it when the test ends.
func Open(t testing.TB, dir string, opts ...store.Option) *store.Store {
	t.Helper()
	opts = append([]store.Option{
		store.WithLogger(zaptest.NewLogger(t)),
		store.WithClock(FixedClock()),
	}, opts...)
	s, err := store.Open(dir, opts...)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Module is a hand-written Persistable that counts calls. Its state is a
// map, so it also checks that the store encodes the copy Backup returns.
type Module struct {
	persistence.Tracker
	State    map[string]float64
	Backups  int
	Restores int
}

var _ persistence.Persistable = (*Module)(nil)

// NewModule returns a Module holding state.
func NewModule(state map[string]float64) *Module { return &Module{State: state} }

// Backup implements persistence.Persistable.
func (m *Module) Backup() any {
	m.Backups++
	out := make(map[string]float64, len(m.State))
	for k, v := range m.State {
		out[k] = v
	}
	return out
}

// Restore implements persistence.Persistable.
func (m *Module) Restore(data json.RawMessage) error {
	m.Restores++
	return persistence.ReplaceMap(m.State, data, nil)
}
