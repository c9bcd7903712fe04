package ui_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// The event stream sends a module's data when it changed, not in every
// event: the first event carries every module, a later one only the module
// a PUT changed, and each lists every key. (Sending all of them each time
// made 85 MB/s of garbage on a robot with 100 modules of 64 KiB.)
func TestEventStreamSendsOnlyChangedModules(t *testing.T) {
	srv, _, _ := newDemoServer(t)
	events := openEvents(t, srv)
	type event struct {
		Modules    map[string]json.RawMessage `json:"modules"`
		ModuleKeys []string                   `json:"module_keys"`
	}
	next := func() event {
		t.Helper()
		var e event
		if err := json.Unmarshal([]byte(events()), &e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	first := next()
	if len(first.ModuleKeys) < 3 || !slices.Contains(first.ModuleKeys, "model") || !slices.Contains(first.ModuleKeys, "waypoints") {
		t.Fatalf("module keys of the first event: %v", first.ModuleKeys)
	}
	for _, k := range first.ModuleKeys {
		if _, ok := first.Modules[k]; !ok {
			t.Errorf("the first event lacks module %s", k)
		}
	}
	if code, body := put(t, srv, "/api/modules/model", `{"value": 0.625}`); code != 200 {
		t.Fatalf("PUT model: %d %v", code, body)
	}
	for {
		e := next()
		if !slices.Equal(e.ModuleKeys, first.ModuleKeys) {
			t.Fatalf("module keys changed: %v, then %v", first.ModuleKeys, e.ModuleKeys)
		}
		m, ok := e.Modules["model"]
		if !ok {
			continue // an event from before the PUT, or of status alone
		}
		if !strings.Contains(string(m), "0.625") {
			t.Fatalf("model in the event after the PUT: %s", m)
		}
		if len(e.Modules) != 1 {
			keys := make([]string, 0, len(e.Modules))
			for k := range e.Modules {
				keys = append(keys, k)
			}
			t.Fatalf("the event re-sent unchanged modules: %v", keys)
		}
		return
	}
}
