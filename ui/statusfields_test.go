package ui_test

import (
	"net/http"
	"testing"
	"time"
)

// /api/status joins the runtime's status and its storage's
// (rosys.Status and storage.Status): every field of both is at the top
// level, as when they were one struct, with the storage's figures.
func TestStatusJoinsRuntimeAndStorage(t *testing.T) {
	srv, m, r := newServer(t)
	m.Update(func(v *model) { v.Value = 2 })
	r.ForwardUntil(func() bool { st, _ := r.Store().ModuleStatus("model"); return !st.Pending }, time.Minute)
	req, _ := http.NewRequest("GET", srv.URL+"/api/status", nil)
	code, body := do(t, req)
	if code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	for _, k := range []string{"name", "state", "started_at", "uptime_s", "control", "modules", "repeaters", "process",
		"backup", "persistence"} {
		if _, ok := body[k]; !ok {
			t.Errorf("/api/status has no %q: %v", k, body)
		}
	}
	backup, _ := body["backup"].(map[string]any)
	if backup["cycles"].(float64) < 1 || backup["interval_s"] != 10.0 || backup["data_dir"] != r.Dir {
		t.Errorf("backup %v: want a cycle, 10 s and the data directory", backup)
	}
	mods, _ := body["persistence"].([]any)
	if len(mods) != 1 || mods[0].(map[string]any)["key"] != "model" || mods[0].(map[string]any)["saves"].(float64) < 1 {
		t.Errorf("persistence %v: want the model, saved", mods)
	}
}
