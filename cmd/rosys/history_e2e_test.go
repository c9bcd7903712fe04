package main

import (
	"encoding/json"
	"strings"
	"syscall"
	"testing"

	"github.com/gorosys/rosys/persistence/persistencetest"
)

// A robot run that commits model.value 1, 2, 3 (each PUT waits for
// durability), then the offline commands on its data directory.
func TestBackupHistoryAndRestoreOffline(t *testing.T) {
	endToEnd(t)
	dir := t.TempDir()
	p := startRosys(t, "--data-dir", dir)
	for _, v := range []string{"1.5", "2.5", "3.5"} {
		if code, body := p.do("PUT", "/api/modules/model?sync=1", `{"value": `+v+`}`); code != 200 {
			t.Fatalf("%d %v", code, body)
		}
	}
	code, body := p.do("GET", "/api/modules/model/history", "")
	if code != 200 {
		t.Fatalf("online history: %d %v", code, body)
	}
	online := len(body["versions"].([]any))
	if online < 3 {
		t.Fatalf("online history has %d versions, want at least 3", online)
	}
	// Offline commands refuse while the robot runs, naming the API.
	if _, errs, code := rosysCmd(t, "backup", "restore", "--data-dir", dir, "model", "--version", "1"); code != 1 || !strings.Contains(errs, "POST /api/modules/model/restore") {
		t.Fatalf("restore while running: %d %s", code, errs)
	}
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}

	out, errs, code := rosysCmd(t, "backup", "history", "--data-dir", dir, "--json", "model")
	if code != 0 {
		t.Fatalf("history: %d %s", code, errs)
	}
	var list struct {
		Key      string `json:"key"`
		Versions []struct {
			Version uint64 `json:"version"`
			Size    int64  `json:"size"`
			SHA256  string `json:"sha256"`
			SavedAt string `json:"saved_at"`
		} `json:"versions"`
	}
	err := json.Unmarshal([]byte(out), &list)
	vs := list.Versions
	if err != nil || list.Key != "model" || len(vs) < online {
		t.Fatalf("history --json: %v %s", err, out)
	}
	for _, v := range vs {
		if v.Size <= 0 || len(v.SHA256) != 64 || v.SavedAt == "" {
			t.Fatalf("version entry %+v", v)
		}
	}
	newest := vs[len(vs)-1].Version
	if out, _, _ := rosysCmd(t, "backup", "history", "--data-dir", dir, "model"); !strings.Contains(out, "SHA256") || !strings.Contains(out, vs[0].SHA256) {
		t.Fatalf("table: %s", out)
	}
	last := persistencetest.StoredValue(t, dir, "model")
	if last != 3.5 {
		t.Fatalf("stored %v", last)
	}
	// A version that does not exist: exit 1, nothing changes.
	if _, errs, code := rosysCmd(t, "backup", "restore", "--data-dir", dir, "model", "--version", "999"); code != 1 || !strings.Contains(errs, "nothing was changed") {
		t.Fatalf("unknown version: %d %s", code, errs)
	}
	if _, errs, code := rosysCmd(t, "backup", "restore", "--data-dir", dir, "model", "--at", "2000-01-01T00:00:00Z"); code != 1 {
		t.Fatalf("time before the first version: %d %s", code, errs)
	}
	if v := persistencetest.StoredValue(t, dir, "model"); v != 3.5 {
		t.Fatalf("a failed restore changed the value to %v", v)
	}
	// Restore every version in turn and check it holds one of the values committed.
	seen := map[float64]bool{}
	for _, v := range vs {
		out, errs, code := rosysCmd(t, "backup", "restore", "--data-dir", dir, "model", "--version", jsonNum(v.Version))
		if code != 0 || !strings.Contains(out, "restored model version") {
			t.Fatalf("restore %d: %d %s %s", v.Version, code, out, errs)
		}
		seen[persistencetest.StoredValue(t, dir, "model")] = true
	}
	for _, v := range []float64{1.5, 2.5, 3.5} {
		if !seen[v] {
			t.Errorf("no version held %v (saw %v)", v, seen)
		}
	}
	// Each restore was a new version: nothing was lost.
	out, _, _ = rosysCmd(t, "backup", "history", "--data-dir", dir, "--json", "model")
	var afterList struct{ Versions []struct{ Version uint64 } }
	_ = json.Unmarshal([]byte(out), &afterList)
	after := afterList.Versions
	if len(after) != len(vs)*2 || after[len(after)-1].Version != newest+uint64(len(vs)) {
		t.Fatalf("after %d restores: %d versions (was %d)", len(vs), len(after), len(vs))
	}
	// And the robot starts with the restored state.
	p = startRosys(t, "--data-dir", dir)
	if code, body := p.do("GET", "/api/modules/model", ""); code != 200 || body["data"].(map[string]any)["value"] != persistencetest.StoredValue(t, dir, "model") {
		t.Fatalf("after restart: %d %v", code, body)
	}
	p.stop(syscall.SIGTERM)
}

func jsonNum(n uint64) string { b, _ := json.Marshal(n); return string(b) }
