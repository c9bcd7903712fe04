package robot_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/persistence/history"
	"github.com/gorosys/rosys/persistence/store"
	"github.com/gorosys/rosys/robot"
)

func TestHistoryConfig(t *testing.T) {
	r, err := config.Parse([]byte(`name: demo
persistence:
  history:
    keep: 50
    max_age: 48h
    max_bytes: 8MiB
    modules:
      model: {keep: 1000}
`))
	if err != nil {
		t.Fatal(err)
	}
	c := robot.HistoryConfig(r.Persistence.History)
	want := history.Bounds{Keep: 50, MaxAge: 48 * time.Hour, MaxBytes: 8 << 20}
	if c.Default != want {
		t.Errorf("default %+v, want %+v", c.Default, want)
	}
	if m := c.Modules["model"]; m != (history.Bounds{Keep: 1000, MaxAge: 48 * time.Hour, MaxBytes: 8 << 20}) {
		t.Errorf("model %+v: want keep 1000 and the rest inherited", m)
	}
	// Absent: on with the defaults; off: none.
	r, _ = config.Parse([]byte("name: demo\n"))
	if c := robot.HistoryConfig(r.Persistence.History); c == nil || c.Default != history.DefaultBounds {
		t.Errorf("absent history: %+v", c)
	}
	r, err = config.Parse([]byte("name: demo\npersistence:\n  history: off\n"))
	if err != nil || robot.HistoryConfig(r.Persistence.History) != nil {
		t.Errorf("history: off gave %v, %v", r, err)
	}
}

// config keeps its own copies of the store's names and defaults, so that
// reading a robot.yaml pulls in no storage engine: they must stay the same.
func TestConfigListsAreTheStores(t *testing.T) {
	if config.DefaultHistoryBounds != config.HistoryBounds(history.DefaultBounds) {
		t.Errorf("config.DefaultHistoryBounds %+v, history.DefaultBounds %+v", config.DefaultHistoryBounds, history.DefaultBounds)
	}
	same := func(what string, got []string, want []string) {
		if !slices.Equal(got, want) {
			t.Errorf("config.%s %q, the store's %q", what, got, want)
		}
	}
	same("SnapshotAccesses", config.SnapshotAccesses, strs(store.SnapshotAccesses()))
	same("Modes", config.Modes, strs(store.Modes()))
	same("FileFormats", config.FileFormats, strs(store.FileFormats()))
}

func strs[T ~string](v []T) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = string(s)
	}
	return out
}
