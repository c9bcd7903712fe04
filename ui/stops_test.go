package ui_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/hardware"
)

func stopsIn(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, s := range list {
		out = append(out, fmt.Sprint(s))
	}
	return out
}

// Issue 22 class 2: an active stop is never hidden. While any stop is
// active, every command that would move the robot (steer, automation
// start and resume) answers 409 naming every active stop, and nothing
// moves; status lists the stops in one place ("stops") and
// hardware.estop_active says an e-stop is pressed; GET /api/estop tells
// the soft e-stop's state. A command to stand still and pausing or
// stopping the automation are never refused.
func TestActiveStopsRefuseAndAreListed(t *testing.T) {
	srv, robot, r := newDemoServer(t)
	get := func(path string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		return do(t, req)
	}
	if code, _ := post(t, srv, "/api/automation/stop", ""); code != 200 {
		t.Fatal("stop the demo's automation first")
	}
	if code, st := get("/api/status"); code != 200 || st["stops"] == nil || len(stopsIn(st["stops"])) != 0 {
		t.Fatalf("status of a robot with no stop: %d stops %v", code, st["stops"])
	}
	if code, e := get("/api/estop"); code != 200 || e["active"] != false {
		t.Fatalf("GET /api/estop released: %d %v", code, e)
	}
	// Variants: the soft e-stop alone; the soft e-stop and the (simulated
	// hardware) e-stop together; the hardware e-stop alone.
	for _, c := range []struct {
		name       string
		soft, hard bool
		want       []string
	}{
		{"soft e-stop", true, false, []string{"soft estop"}},
		{"soft and hardware e-stops", true, true, []string{"estop", "soft estop"}},
		{"hardware e-stop", false, true, []string{"estop"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			post(t, srv, "/api/estop", fmt.Sprintf(`{"active": %v}`, c.soft))
			robot.SimEStop.Set(c.hard)
			t.Cleanup(func() { robot.SimEStop.Set(false); post(t, srv, "/api/estop", `{"active": false}`) })
			r.Forward(20 * time.Millisecond)
			for _, cmd := range []struct{ path, body string }{
				{"/api/steer", `{"linear": 0.2, "angular": 0}`},
				{"/api/steer", `{"linear": 0, "angular": -0.1}`},
				{"/api/automation/start", `{"name": "waypoints"}`},
			} {
				code, body := post(t, srv, cmd.path, cmd.body)
				if code != 409 || !slices.Equal(stopsIn(body["stops"]), c.want) {
					t.Errorf("%s %s: %d %v, want 409 naming %v", cmd.path, cmd.body, code, body, c.want)
				}
				for _, name := range c.want {
					if !strings.Contains(fmt.Sprint(body["error"]), name) {
						t.Errorf("%s: error %q does not name %q", cmd.path, body["error"], name)
					}
				}
			}
			r.Forward(50 * time.Millisecond)
			if tgt := robot.SimWheels.Target(); tgt != (hardware.Velocity{}) {
				t.Fatalf("the robot moved: %+v", tgt)
			}
			if code, body := post(t, srv, "/api/steer", `{"linear": 0, "angular": 0}`); code != 200 {
				t.Errorf("a command to stand still: %d %v", code, body)
			}
			_, st := get("/api/status")
			if got := stopsIn(st["stops"]); !slices.Equal(got, c.want) {
				t.Errorf("status stops %v, want %v", got, c.want)
			}
			hw, _ := st["hardware"].(map[string]any)
			if hw["estop_active"] != true || hw["soft_estop_active"] != c.soft {
				t.Errorf("hardware.estop_active %v, soft_estop_active %v", hw["estop_active"], hw["soft_estop_active"])
			}
			if _, e := get("/api/estop"); e["active"] != c.soft {
				t.Errorf("GET /api/estop: %v", e)
			}
		})
	}
	// A paused automation's resume is refused the same way; pause and stop
	// are not.
	if code, body := post(t, srv, "/api/automation/start", ""); code != 200 {
		t.Fatalf("start: %d %v", code, body)
	}
	post(t, srv, "/api/estop", `{"active": true}`)
	r.Forward(20 * time.Millisecond) // the trip pauses the automation
	if code, body := post(t, srv, "/api/automation/resume", ""); code != 409 || !slices.Equal(stopsIn(body["stops"]), []string{"soft estop"}) {
		t.Fatalf("resume: %d %v", code, body)
	}
	if code, body := post(t, srv, "/api/automation/stop", ""); code != 200 {
		t.Fatalf("stop while stopped: %d %v", code, body)
	}
}
