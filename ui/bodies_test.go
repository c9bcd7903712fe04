package ui_test

import (
	"os"
	"testing"
)

// A command body's field names match exactly and no key comes twice, in
// every command the API takes, as in module data: before, the restore
// took {"VERSION": 1} for version 1 and {"version": 3, "Version": 1} for
// version 1 (encoding/json folds case and lets the last key win), and
// {"active": true, "active": false} released the soft e-stop.
func TestRestoreBodyNamesMatchExactly(t *testing.T) {
	srv, m, r := newHistoryServer(t)
	before, _ := os.ReadFile(r.Store().Path("model"))
	for _, body := range []string{
		`{"VERSION": 1}`, `{"Version": 1}`, `{"version": 3, "Version": 1}`,
		`{"version": 3, "version": 1}`, `{"AT": "2000-01-01T00:00:00Z"}`,
		`{"version": 1} {"version": 2}`,
	} {
		if code, resp := hpost(t, srv.URL+"/api/modules/model/restore", body); code != 400 || resp["error"] == nil {
			t.Errorf("%s: %d %v, want 400 with an error", body, code, resp)
		}
	}
	after, _ := os.ReadFile(r.Store().Path("model"))
	if m.Get().Value != 3 || string(before) != string(after) {
		t.Fatalf("a refused restore changed the module: %v", m.Get())
	}
	if _, hist := hget(t, srv.URL+"/api/modules/model/history"); versionNumbers(hist) != "1,2,3" {
		t.Fatalf("refused restores added versions: %v", versionNumbers(hist))
	}
}

func TestCommandBodyKeysComeOnce(t *testing.T) {
	srv, robot, _ := newDemoServer(t)
	if code, body := post(t, srv, "/api/estop", `{"active": true}`); code != 200 {
		t.Fatalf("press: %d %v", code, body)
	}
	for _, c := range []struct{ path, body string }{
		{"/api/estop", `{"active": true, "active": false}`},
		{"/api/steer", `{"linear": 0, "linear": 0.5, "angular": 0}`},
		{"/api/automation/start", `{"name": "waypoints", "name": "x"}`},
		{"/api/automation/pause", `{"reason": "a", "reason": "b"}`},
	} {
		if code, body := post(t, srv, c.path, c.body); code != 400 {
			t.Errorf("%s %s: %d %v, want 400", c.path, c.body, code, body)
		}
	}
	if !robot.SoftEStop.Active() {
		t.Fatal("a body with \"active\" twice released the soft e-stop")
	}
}
