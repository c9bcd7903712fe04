package config_test

import (
	"strings"
	"testing"

	"github.com/gorosys/rosys/config"
)

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
