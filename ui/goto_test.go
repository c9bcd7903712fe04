package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/robot"
	"github.com/gorosys/rosys/rosystest"
	"github.com/gorosys/rosys/ui"
)

// newGotoServer is a robot of robot.Assemble (path_planner, goto) with a
// long automation "mow" of its own, behind the API.
func newGotoServer(t *testing.T) (*httptest.Server, *robot.Robot, *rosystest.Robot) {
	rt := rosystest.New(t, rosys.Config{Name: "field"})
	r, err := robot.Assemble(rt.Runtime, robot.Hardware{})
	if err != nil {
		t.Fatal(err)
	}
	mow := func(ctx context.Context, h *automation.Handle) error { return h.Sleep(ctx, time.Hour) }
	if err := r.Automator.Register("mow", mow); err != nil {
		t.Fatal(err)
	}
	rt.Start()
	api := ui.NewServer(rt.Runtime, ui.WithHardware(r.Hardware), ui.WithNavigator(r.Navigator),
		ui.WithOperation(ui.Operation{Automator: r.Automator, Steerer: r.Steerer, SoftEStop: r.SoftEStop, Driving: r.Driving,
			Stops: r.Stops, Commit: r.CommitOperating}))
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	t.Cleanup(api.CloseStreams)
	return srv, r, rt
}

func put(t *testing.T, srv *httptest.Server, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("PUT", srv.URL+path, strings.NewReader(body))
	return do(t, req)
}

func TestGotoAnswers(t *testing.T) {
	srv, r, rt := newGotoServer(t)
	code, body := put(t, srv, "/api/modules/path_planner", `{"obstacles": {"tree": {"id": "tree",
		"outline": [{"x": 4, "y": -0.5}, {"x": 5, "y": -0.5}, {"x": 5, "y": 0.5}, {"x": 4, "y": 0.5}]}}, "areas": {}}`)
	if code != 200 {
		t.Fatalf("PUT path_planner: %d %v", code, body)
	}
	for _, tc := range []struct {
		body, want string
		code       int
	}{
		{`{"x": 4.5, "y": 0}`, "goal inside obstacle 'tree'", 422},
		{`{"x": 1}`, "y: missing", 400},
		{`{"x": 1, "y": null}`, "y: null is not a finite number", 400},
		{`{"x": 1, "y": 0, "yaw": "north"}`, `yaw: "north" is not a finite number`, 400},
		{`{"x": 1, "y": 0, "z": 0}`, "z: unknown field", 400},
		{`{"x": 1e9, "y": 0}`, "not within 100000 m", 400},
		{`{"x": 1, "y": 0, "yaw": 90}`, "yaw 90: want radians", 400},
		{`{"x": 1, "x": 2, "y": 0}`, "twice", 400},
		{`{"x": 4.5, "y": 0, "preview": true}`, "goal inside obstacle 'tree'", 422},
		{`{"x": 1, "y": 0, "preview": "yes"}`, "preview: want true or false", 400},
	} {
		code, body := post(t, srv, "/api/goto", tc.body)
		if code != tc.code || !strings.Contains(fmt.Sprint(body["error"]), tc.want) {
			t.Errorf("%s: %d %v, want %d with %q", tc.body, code, body, tc.code, tc.want)
		}
	}
	if _, body := post(t, srv, "/api/goto", `{"x": 4.5, "y": 0}`); body["reason"] != "goal inside obstacle 'tree'" {
		t.Errorf("422 body %v", body)
	}
	// A preview answers the path around the tree and starts nothing.
	code, body = post(t, srv, "/api/goto", `{"x": 7, "y": 0, "preview": true}`)
	if code != 200 || body["active"] != false || body["length"].(float64) <= 7 || len(body["points"].([]any)) < 50 {
		t.Fatalf("preview: %d %v", code, body)
	}
	if st := r.Automator.Status(); st.State != automation.Idle {
		t.Fatalf("a preview started %+v", st)
	}
	// With a field that does not hold the robot: the planner's reason,
	// not the geofence's stop.
	if code, body := put(t, srv, "/api/modules/path_planner", `{"obstacles": {}, "areas": {"field": {"id": "field", "type": null, "color": "green", "closed": true,
		"outline": [{"x": 2, "y": -3}, {"x": 9, "y": -3}, {"x": 9, "y": 3}, {"x": 2, "y": 3}]}}}`); code != 200 {
		t.Fatalf("PUT: %d %v", code, body)
	}
	if code, body := post(t, srv, "/api/goto", `{"x": 6, "y": 0}`); code != 422 || body["reason"] != "start outside every area" {
		t.Errorf("start outside: %d %v", code, body)
	}
	rt.Forward(2 * time.Second)
	if p := r.Odometer.Pose(); p.X != 0 || p.Y != 0 {
		t.Fatalf("the robot moved: %+v", p)
	}
	// Nothing planned yet.
	code, body = get(t, srv, "/api/path")
	if code != 200 || body["active"] != false || len(body["points"].([]any)) != 0 {
		t.Fatalf("GET /api/path: %d %v", code, body)
	}
}

func TestGotoDrivesAndRefusesWhileBusy(t *testing.T) {
	srv, r, rt := newGotoServer(t)
	code, body := post(t, srv, "/api/goto", `{"x": 2, "y": 0, "yaw": 0}`)
	if code != 200 || len(body["segments"].([]any)) == 0 || body["goal"].(map[string]any)["x"] != 2.0 {
		t.Fatalf("goto: %d %v", code, body)
	}
	if st := r.Automator.Status(); st.Name != "goto" || st.State != automation.Running {
		t.Fatalf("automation %+v", st)
	}
	code, body = get(t, srv, "/api/path")
	seg := body["segments"].([]any)[0].(map[string]any)
	if code != 200 || body["active"] != true || seg["type"] == nil || len(body["points"].([]any)) < 20 {
		t.Fatalf("GET /api/path: %d %v", code, body)
	}
	if code, body := post(t, srv, "/api/goto", `{"x": 1, "y": 1}`); code != 409 || !strings.Contains(fmt.Sprint(body["error"]), "goto is running") {
		t.Fatalf("second goto: %d %v", code, body)
	}
	rt.ForwardUntil(func() bool { return r.Automator.Status().State == automation.Completed }, time.Minute)
	// Another automation running: 409, and it keeps running.
	if code, _ := post(t, srv, "/api/automation/start", `{"name": "mow"}`); code != 200 {
		t.Fatal("start mow")
	}
	if code, body := post(t, srv, "/api/goto", `{"x": 0, "y": 0}`); code != 409 || !strings.Contains(fmt.Sprint(body["error"]), "mow is running") {
		t.Fatalf("goto while mowing: %d %v", code, body)
	}
	post(t, srv, "/api/automation/stop", "")
	// A stop active: 409 naming it.
	post(t, srv, "/api/estop", `{"active": true}`)
	rt.Forward(20 * time.Millisecond)
	code, body = post(t, srv, "/api/goto", `{"x": 0, "y": 0}`)
	if code != 409 || fmt.Sprint(body["stops"]) != "[soft estop]" {
		t.Fatalf("goto with the e-stop pressed: %d %v", code, body)
	}
	// Another site's page may not send the robot.
	req, _ := http.NewRequest("POST", srv.URL+"/api/goto", strings.NewReader(`{"x": 0, "y": 0}`))
	req.Header.Set("Origin", "https://evil.example")
	if code, _ := do(t, req); code != 403 {
		t.Fatalf("cross-site goto: %d", code)
	}
}

func get(t *testing.T, srv *httptest.Server, path string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	return do(t, req)
}
