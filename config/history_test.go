package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/config"
	"github.com/gorosys/rosys/persistence/history"
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
	c := r.Persistence.History.Config()
	want := history.Bounds{Keep: 50, MaxAge: 48 * time.Hour, MaxBytes: 8 << 20}
	if c.Default != want {
		t.Errorf("default %+v, want %+v", c.Default, want)
	}
	if m := c.Modules["model"]; m != (history.Bounds{Keep: 1000, MaxAge: 48 * time.Hour, MaxBytes: 8 << 20}) {
		t.Errorf("model %+v: want keep 1000 and the rest inherited", m)
	}
	// Absent: on with the defaults; off: none.
	r, _ = config.Parse([]byte("name: demo\n"))
	if c := r.Persistence.History.Config(); c == nil || c.Default != history.DefaultBounds {
		t.Errorf("absent history: %+v", c)
	}
	r, err = config.Parse([]byte("name: demo\npersistence:\n  history: off\n"))
	if err != nil || r.Persistence.History.Config() != nil {
		t.Errorf("history: off gave %v, %v", r, err)
	}
}

func TestHistoryConfigRefusesNonsense(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"keep: -1", "line 4: persistence.history.keep"},
		{"keep: 0", "line 4: persistence.history.keep"},
		{"max_bytes: 0", "line 4: persistence.history.max_bytes"},
		{"max_bytes: 0MiB", "line 4: persistence.history.max_bytes"},
		{"max_bytes: lots", "line 4: persistence.history.max_bytes"},
		{"max_age: -1h", "line 4: persistence.history.max_age"},
		{"max_age: 10", "line 4: persistence.history.max_age"},
		{"kep: 10", "line 4: unknown key kep"},
		{"modules: {model: {keep: 0}}", "persistence.history.modules.model.keep"},
		{"modules: {model: {max_bytes: -5}}", "persistence.history.modules.model.max_bytes"},
	} {
		_, err := config.Parse([]byte("name: demo\npersistence:\n  history:\n    " + c.yaml + "\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %q", c.yaml, err, c.want)
		}
	}
}
