package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/persistence/store"
)

// Model is the RoSys reference's example, written by hand.
type Model struct {
	persistence.Tracker // gives RequestBackup()
	mu                  sync.Mutex
	value               float64
}

func NewModel() *Model { return &Model{value: 1.0} }

func (m *Model) Backup() any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return map[string]any{"value": m.value}
}

func (m *Model) Restore(data json.RawMessage) error {
	var d struct{ Value *float64 }
	if err := json.Unmarshal(data, &d); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if d.Value != nil { // like data.get('value', 1.0): missing keeps the default
		m.value = *d.Value
	}
	return nil
}

func (m *Model) Set(v float64) {
	m.mu.Lock()
	m.value = v
	m.mu.Unlock()
	m.RequestBackup()
}

func Example() {
	dir, _ := os.MkdirTemp("", "rosys-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	st, _ := store.Open(dir)
	model := NewModel()
	st.Register("model", model) // file: <dir>/model.json
	st.Restore(ctx)
	model.Set(7.5)
	st.BackupRequested(ctx) // what the runtime's backup loop does every 10 s
	st.Close()

	// After a restart:
	st, _ = store.Open(dir)
	again := NewModel()
	st.Register("model", again)
	st.Restore(ctx)
	fmt.Println(again.value)
	// Output: 7.5
}

// Most modules need no Backup/Restore of their own: Value wraps the state
// behind a lock and marks it for backup on every change.
func ExampleValue() {
	dir, _ := os.MkdirTemp("", "rosys-example")
	defer os.RemoveAll(dir)
	type Settings struct {
		MaxSpeed float64 `json:"max_speed"`
		Name     string  `json:"name"`
	}
	st, _ := store.Open(dir)
	settings := persistence.NewValue(Settings{MaxSpeed: 0.5, Name: "field"})
	st.Register("settings", settings)
	st.Restore(context.Background())

	settings.Update(func(s *Settings) { s.MaxSpeed = 0.8 }) // marked for backup
	st.Flush(context.Background())                          // what shutdown does
	fmt.Printf("%+v\n", settings.Get())
	// Output: {MaxSpeed:0.8 Name:field}
}
