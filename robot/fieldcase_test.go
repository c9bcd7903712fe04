package robot_test

import (
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/gorosys/rosys/persistence"
	"github.com/gorosys/rosys/robot"
	"go.uber.org/zap/zaptest"
)

// TestEveryModuleRefusesFieldNamesInOtherCase holds the rule of field
// names (issue 21.6) to every persistent module a robot registers, the
// camera provider included, rather than to the ones a test names: for
// each field of each module's own data, the name in upper case instead of
// it, and beside it with another value, is refused by Restore (a file at
// start-up, a history version) and by RestoreStrict (PUT, import) with
// persistence.ErrFieldCase. A module decoding with encoding/json alone
// (which matches names case-insensitively) fails here: the pose module
// took {"x": 1, "X": 7} as x = 7.
func TestEveryModuleRefusesFieldNamesInOtherCase(t *testing.T) {
	cfg := parseConfig(t, `name: cases
board: sim
http: 127.0.0.1:0
cameras:
  - {id: ground, kind: sim}
`)
	r, err := robot.New(cfg, robot.Options{DataDir: t.TempDir(), Log: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	keys := r.Store.Keys()
	for _, want := range []string{"pose", "camera_provider", "driving_parameters", "soft_estop", "automation", "path_planner"} {
		if !contains(keys, want) {
			t.Fatalf("the robot registers %v, not %q", keys, want)
		}
	}
	tried := 0
	for _, key := range keys {
		m, _ := r.Store.Module(key)
		data, err := json.Marshal(m.Backup())
		if err != nil {
			t.Fatal(err)
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(data, &fields); err != nil {
			t.Fatalf("%s: its data is no object: %s", key, data)
		}
		names := make([]string, 0, len(fields))
		for name := range fields {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			upper := strings.ToUpper(name)
			if upper == name {
				continue
			}
			instead := cloneFields(fields)
			delete(instead, name)
			instead[upper] = fields[name]
			beside := cloneFields(fields)
			beside[upper] = otherValue(fields[name])
			for _, variant := range []map[string]json.RawMessage{instead, beside} {
				body, err := json.Marshal(variant)
				if err != nil {
					t.Fatal(err)
				}
				if err := m.Restore(body); !errors.Is(err, persistence.ErrFieldCase) {
					t.Errorf("%s: Restore(%s) = %v, want ErrFieldCase", key, body, err)
				}
				if s, ok := m.(persistence.StrictRestorer); ok {
					if err := s.RestoreStrict(body); !errors.Is(err, persistence.ErrFieldCase) {
						t.Errorf("%s: RestoreStrict(%s) = %v, want ErrFieldCase", key, body, err)
					}
				}
				tried++
			}
		}
		// The module's own data, unchanged, is still taken.
		if err := m.Restore(data); err != nil {
			t.Errorf("%s: Restore of its own backup: %v", key, err)
		}
	}
	if tried < 20 {
		t.Fatalf("only %d variants tried", tried)
	}
	t.Logf("%d variants over %d modules refused", tried, len(keys))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func cloneFields(m map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// otherValue is a value of the same JSON kind as v where one is easy to
// make, so a module that took the misspelt field would change.
func otherValue(v json.RawMessage) json.RawMessage {
	switch s := strings.TrimSpace(string(v)); {
	case s == "true":
		return json.RawMessage("false")
	case s == "false":
		return json.RawMessage("true")
	case len(s) > 0 && (s[0] == '-' || s[0] >= '0' && s[0] <= '9'):
		return json.RawMessage("7")
	}
	return v
}
