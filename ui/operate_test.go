package ui_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/internal/demo"
	"github.com/gorosys/rosys/rosystest"
	"github.com/gorosys/rosys/ui"
)

func operation(robot *demo.Robot) ui.Option {
	return ui.WithOperation(ui.Operation{Automator: robot.Automator, Steerer: robot.Steerer, SoftEStop: robot.SoftEStop, Driving: robot.Driving,
		Stops: robot.Stops, Commit: robot.CommitOperating, Pose: robot})
}

func newDemoServer(t *testing.T, opts ...ui.Option) (*httptest.Server, *demo.Robot, *rosystest.Robot) {
	r := rosystest.New(t, rosys.Config{Name: "demo"})
	robot, err := demo.Add(r.Runtime)
	if err != nil {
		t.Fatal(err)
	}
	r.Start()
	api := ui.NewServer(r.Runtime, append([]ui.Option{ui.WithHardware(robot.Hardware), operation(robot)}, opts...)...)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	t.Cleanup(api.CloseStreams)
	return srv, robot, r
}

func post(t *testing.T, srv *httptest.Server, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
	return do(t, req)
}

func TestSteerRefusesBadInputAndNothingMoves(t *testing.T) {
	srv, robot, r := newDemoServer(t)
	if code, _ := post(t, srv, "/api/automation/stop", ""); code != 200 {
		t.Fatal("stop the demo's automation first")
	}
	r.Forward(2 * time.Second)
	for _, tc := range []struct{ body, want string }{
		{`{"linear": "fast", "angular": 0}`, `linear: "fast" is not a finite number`},
		{`{"linear": 0.1}`, "angular: missing"},
		{`{"angular": 0.1}`, "linear: missing"},
		{`{"linear": null, "angular": 0}`, "linear: null is not a finite number"},
		{`{"linear": 1e999, "angular": 0}`, "linear: 1e999 is not a finite number"},
		{`{"linear": NaN, "angular": 0}`, "not a JSON object"},
		{`{"linear": 0.1, "angular": [1]}`, "angular: [1] is not a finite number"},
		{`{"linear": 5, "angular": 0}`, "linear: 5 m/s is beyond the speed limit of 0.3 m/s"},
		{`{"linear": 0, "angular": -7}`, "angular: -7 rad/s is beyond the speed limit of 1 rad/s"},
		{`{"linear": 0, "angular": 0, "turbo": true}`, "turbo: unknown field"},
		{`[0.1, 0]`, "not a JSON object"},
		{`{"linear": 0.1, "angular": 0` + strings.Repeat(" ", 5000) + `}`, "at most 4096 bytes"},
	} {
		code, body := post(t, srv, "/api/steer", tc.body)
		if code != 400 || !strings.Contains(fmt.Sprint(body["error"]), tc.want) {
			t.Errorf("%.50s: %d %v, want 400 with %q", tc.body, code, body, tc.want)
		}
		r.Forward(20 * time.Millisecond)
		if tgt := robot.SimWheels.Target(); tgt.Linear != 0 || tgt.Angular != 0 {
			t.Fatalf("%s moved the robot: %+v", tc.body, tgt)
		}
	}
}

func TestSteerWithDeadmanAndSoftEStop(t *testing.T) {
	srv, robot, r := newDemoServer(t)
	r.Forward(time.Second) // the demo's waypoints run
	code, body := post(t, srv, "/api/steer", `{"linear": -0.2, "angular": 0.5}`)
	if code != 200 || body["active"] != true {
		t.Fatalf("%d %v", code, body)
	}
	st := robot.Automator.Status()
	if st.State != automation.Paused || st.Reason != "manual steering" {
		t.Fatalf("steering does not pause the automation: %+v", st)
	}
	r.Forward(10 * time.Millisecond)
	if tgt := robot.SimWheels.Target(); tgt.Linear != -0.2 || tgt.Angular != 0.5 {
		t.Fatalf("manual command not applied: %+v", tgt)
	}
	r.Forward(500 * time.Millisecond) // no new command: the deadman
	if tgt := robot.SimWheels.Target(); tgt.Linear != 0 || tgt.Angular != 0 {
		t.Fatalf("deadman: %+v", tgt)
	}
	if code, body := post(t, srv, "/api/estop", `{"active": true}`); code != 200 || body["active"] != true {
		t.Fatalf("%d %v", code, body)
	}
	post(t, srv, "/api/steer", `{"linear": 0.2, "angular": 0}`)
	r.Forward(10 * time.Millisecond)
	if tgt := robot.SimWheels.Target(); tgt.Linear != 0 {
		t.Fatalf("steered with the soft e-stop pressed: %+v", tgt)
	}
	code, body = post(t, srv, "/api/automation/resume", "")
	if code != 409 || !strings.Contains(fmt.Sprint(body["error"]), "soft estop") {
		t.Fatalf("resume with the e-stop pressed: %d %v", code, body)
	}
	for _, bad := range []string{`{}`, `{"active": "yes"}`, `{"active": null}`, `{"active": true, "x": 1}`} {
		if code, _ := post(t, srv, "/api/estop", bad); code != 400 {
			t.Errorf("%s: %d", bad, code)
		}
	}
	if !robot.SoftEStop.Active() {
		t.Fatal("a bad request released the e-stop")
	}
	post(t, srv, "/api/estop", `{"active": false}`)
	if code, body := post(t, srv, "/api/automation/resume", ""); code != 200 || body["state"] != "running" {
		t.Fatalf("%d %v", code, body)
	}
	r.Forward(100 * time.Millisecond)
	if tgt := robot.SimWheels.Target(); tgt.Linear <= 0 {
		t.Fatalf("resumed automation does not drive: %+v", tgt)
	}
}

func TestAutomationEndpoints(t *testing.T) {
	srv, _, r := newDemoServer(t)
	req, _ := http.NewRequest("GET", srv.URL+"/api/automation", nil)
	code, body := do(t, req)
	if code != 200 || body["state"] != "running" || body["name"] != "waypoints" || fmt.Sprint(body["automations"]) != "[waypoints goto]" {
		t.Fatalf("%d %v", code, body)
	}
	for _, tc := range []struct {
		path, body string
		code       int
		want       string
	}{
		{"/api/automation/start", "", 409, "already running"},
		{"/api/automation/pause", `{"reason": "coffee"}`, 200, "paused"},
		{"/api/automation/pause", "", 409, "no automation is running (it is paused)"},
		{"/api/automation/resume", "", 200, "running"},
		{"/api/automation/stop", "", 200, "stopped"},
		{"/api/automation/stop", "", 409, "no automation is running"},
		{"/api/automation/start", `{"name": "dance"}`, 404, "dance"},
		{"/api/automation/start", `{"name": 3}`, 400, "name: not a string"},
		{"/api/automation/start", `{"nme": "waypoints"}`, 400, "nme: unknown field"},
		{"/api/automation/fly", "", 404, "unknown action"},
		{"/api/automation/start", `{"name": "waypoints"}`, 200, "running"},
	} {
		code, body := post(t, srv, tc.path, tc.body)
		got := fmt.Sprint(body["state"], " ", body["error"], " ", body["reason"])
		if code != tc.code || !strings.Contains(got, tc.want) {
			t.Errorf("%s %s: %d %v, want %d with %q", tc.path, tc.body, code, body, tc.code, tc.want)
		}
		r.Forward(10 * time.Millisecond)
	}
}

func TestOperatingNeedsTokenAndOrigin(t *testing.T) {
	srv, robot, r := newDemoServer(t, ui.WithToken("s3cret"))
	for _, path := range []string{"/api/steer", "/api/estop", "/api/automation/stop", "/api/pose"} {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(`{"active": true}`))
		if code, _ := do(t, req); code != 401 {
			t.Errorf("%s without a token: %d", path, code)
		}
		req, _ = http.NewRequest("POST", srv.URL+path, strings.NewReader(`{"active": true}`))
		req.Header.Set("Authorization", "Bearer s3cret")
		req.Header.Set("Origin", "http://evil.example")
		if code, _ := do(t, req); code != 403 {
			t.Errorf("%s cross-origin: %d", path, code)
		}
	}
	r.Forward(10 * time.Millisecond)
	if robot.SoftEStop.Active() || robot.Automator.Status().State != automation.Running {
		t.Fatal("a refused request changed something")
	}
}

func ftoa(f float64) string { return fmt.Sprintf("%.3f", f) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// The steer and e-stop handlers open alike (openCommand): a body that is
// not an object or names another field is refused with 400 naming the
// fields they take, and nothing changes; a robot without the part answers
// 404 saying so.
func TestCommandOpeningsAlike(t *testing.T) {
	srv, robot, r := newDemoServer(t)
	for _, tc := range []struct{ path, body, want string }{
		{"/api/steer", `{"linear": 0, "angular": 0, "speed": 1}`, "speed: unknown field (linear, angular)"},
		{"/api/steer", `"go"`, "not a JSON object"},
		{"/api/steer", ``, "not a JSON object"},
		{"/api/estop", `{"active": true, "why": "test"}`, "why: unknown field (active)"},
		{"/api/estop", `[true]`, "not a JSON object"},
		{"/api/estop", ``, "not a JSON object"},
		{"/api/estop", `{"active": true` + strings.Repeat(" ", 5000) + `}`, "at most 4096 bytes"},
	} {
		code, body := post(t, srv, tc.path, tc.body)
		if code != 400 || !strings.Contains(fmt.Sprint(body["error"]), tc.want) {
			t.Errorf("%s %.40s: %d %v, want 400 with %q", tc.path, tc.body, code, body, tc.want)
		}
		r.Forward(20 * time.Millisecond)
		if robot.SoftEStop.Active() {
			t.Fatalf("%s %s pressed the soft e-stop", tc.path, tc.body)
		}
	}
	bare := httptest.NewServer(ui.NewServer(r.Runtime))
	t.Cleanup(bare.Close)
	for path, want := range map[string]string{"/api/steer": "this robot cannot be steered", "/api/estop": "this robot has no soft e-stop"} {
		if code, body := post(t, bare, path, `{}`); code != 404 || !strings.Contains(fmt.Sprint(body["error"]), want) {
			t.Errorf("%s without the part: %d %v, want 404 with %q", path, code, body, want)
		}
	}
}

// The page hears the soft e-stop in the answers to its clicks and in the
// event stream, in any order: each carries the count of presses and
// releases, so a snapshot from before a release (delivered after the
// release's answer) is known to be older and cannot show the e-stop
// pressed again. The count moves on a change only.
func TestEStopStatesAreOrderedByTheirChanges(t *testing.T) {
	srv, _, _ := newDemoServer(t)
	for i, step := range []struct {
		body    string
		active  bool
		changes float64
	}{{`{"active": true}`, true, 1}, {`{"active": true}`, true, 1}, {`{"active": false}`, false, 2}, {`{"active": false}`, false, 2}, {`{"active": true}`, true, 3}} {
		code, body := post(t, srv, "/api/estop", step.body)
		if code != 200 || body["active"] != step.active || body["changes"] != step.changes {
			t.Fatalf("step %d %s: %d %v, want active %v changes %v", i, step.body, code, body, step.active, step.changes)
		}
	}
	req, _ := http.NewRequest("GET", srv.URL+"/api/estop", nil)
	if code, body := do(t, req); code != 200 || body["active"] != true || body["changes"] != float64(3) {
		t.Fatalf("GET /api/estop: %d %v", code, body)
	}
	post(t, srv, "/api/estop", `{"active": false}`)

	data := openEvents(t, srv)()
	var snap struct {
		Operate struct {
			SoftEStop        *bool   `json:"soft_estop"`
			SoftEStopChanges *uint64 `json:"soft_estop_changes"`
		} `json:"operate"`
	}
	if err := json.Unmarshal([]byte(data), &snap); err != nil {
		t.Fatal(err)
	}
	if op := snap.Operate; op.SoftEStop == nil || *op.SoftEStop || op.SoftEStopChanges == nil || *op.SoftEStopChanges != 4 {
		t.Fatalf("the snapshot's soft e-stop: %s", data)
	}
}

// A PUT's answer carries the count of module PUTs that includes it, and
// every snapshot the count read before its modules: a snapshot counting a
// PUT holds its change, so a page keeps its own change over a snapshot with
// a lower count (one taken before the PUT, delivered after its answer).
func TestModulePutsOrderAnswersAndSnapshots(t *testing.T) {
	srv, _, _ := newDemoServer(t)
	for i, v := range []string{"2.5", "3.5", "4.5"} {
		req, _ := http.NewRequest("PUT", srv.URL+"/api/modules/model", strings.NewReader(`{"value": `+v+`}`))
		if code, body := do(t, req); code != 200 || body["puts"] != float64(i+1) {
			t.Fatalf("PUT %d: %d %v, want puts %d", i+1, code, body, i+1)
		}
	}
	// Refused: the count does not move.
	req, _ := http.NewRequest("PUT", srv.URL+"/api/modules/model", strings.NewReader(`{"value": "x"}`))
	if code, body := do(t, req); code != 400 || body["puts"] != nil {
		t.Fatalf("refused PUT: %d %v", code, body)
	}
	data := openEvents(t, srv)()
	var snap struct {
		Puts    *uint64 `json:"puts"`
		Modules struct {
			Model struct{ Value float64 } `json:"model"`
		} `json:"modules"`
	}
	if err := json.Unmarshal([]byte(data), &snap); err != nil {
		t.Fatal(err)
	}
	if snap.Puts == nil || *snap.Puts != 3 || snap.Modules.Model.Value != 4.5 {
		t.Fatalf("the snapshot after 3 PUTs: %.300s", data)
	}
}
