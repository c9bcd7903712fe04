package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// poseOf is hardware.pose in /api/status.
func gotoPoseOf(t *testing.T, p *proc) (x, y float64) {
	t.Helper()
	_, st := p.do("GET", "/api/status", "")
	hw, _ := st["hardware"].(map[string]any)
	pose, _ := hw["pose"].(map[string]any)
	x, _ = pose["x"].(float64)
	y, _ = pose["y"].(float64)
	return x, y
}

// waitAutomation polls /api/automation until its state is want; the bound
// only turns a robot that never gets there into a failure.
func waitAutomation(t *testing.T, p *proc, want string, within time.Duration) map[string]any {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		_, a := p.do("GET", "/api/automation", "")
		if a["state"] == want {
			return a
		}
		if s := a["state"]; s == "failed" || s == "stopped" || time.Now().After(deadline) {
			t.Fatalf("automation %v, waiting for %s", a, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Goto through the API of the real binary, on a user's robot.yaml with its
// own robot_shape: obstacles through the module API, 422 and no motion
// for a goal in a tree, a goto that arrives, and one killed midway that
// comes back paused (with the map) and arrives once resumed.
func TestGotoThroughTheAPI(t *testing.T) {
	endToEnd(t)
	cfg := writeYAML(t, `name: field
board: sim
persistence:
  snapshot_interval: 1s
robot_shape:
  outline: [{x: -0.3, y: -0.3}, {x: 0.4, y: -0.3}, {x: 0.4, y: 0.3}, {x: -0.3, y: 0.3}]
`)
	dir := t.TempDir()
	args := []string{"--config", cfg, "--data-dir", dir}
	p := startUserRobot(t, args...)
	code, body := p.do("PUT", "/api/modules/path_planner?sync=1", `{"obstacles": {"tree": {"id": "tree",
		"outline": [{"x": 3, "y": 2}, {"x": 4, "y": 2}, {"x": 4, "y": 3}, {"x": 3, "y": 3}]}},
		"areas": {"field": {"id": "field", "type": null, "color": "green", "closed": true,
		"outline": [{"x": -2, "y": -3}, {"x": 8, "y": -3}, {"x": 8, "y": 5}, {"x": -2, "y": 5}]}}}`)
	if code != 200 {
		t.Fatalf("PUT path_planner: %d %v", code, body)
	}
	code, body = p.do("POST", "/api/goto", `{"x": 3.5, "y": 2.5}`)
	if code != 422 || body["reason"] != "goal inside obstacle 'tree'" {
		t.Fatalf("goto into the tree: %d %v", code, body)
	}
	assertStill(t, p)
	code, body = p.do("POST", "/api/goto", `{"x": 1.5, "y": 0, "yaw": 0}`)
	if code != 200 || body["active"] != true {
		t.Fatalf("goto: %d %v", code, body)
	}
	if code, path := p.do("GET", "/api/path", ""); code != 200 || path["active"] != true || len(path["points"].([]any)) < 10 {
		t.Fatalf("GET /api/path: %d %v", code, path)
	}
	waitAutomation(t, p, "completed", 60*time.Second)
	if x, y := gotoPoseOf(t, p); math.Hypot(x-1.5, y) > 0.1 {
		t.Fatalf("arrived at (%.2f, %.2f)", x, y)
	}

	// Sent 2.5 m on, killed halfway: back paused at its goal, the map
	// restored from the file, still short of the goal and standing.
	code, body = p.do("POST", "/api/goto", `{"x": 4, "y": 0, "yaw": 0}`)
	if code != 200 {
		t.Fatalf("second goto: %d %v", code, body)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if x, _ := gotoPoseOf(t, p); x >= 2.2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the robot never got halfway")
		}
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	p = startUserRobot(t, args...)
	a := waitAutomation(t, p, "paused", 10*time.Second)
	if a["name"] != "goto" || !strings.Contains(fmt.Sprint(a["checkpoint"]), "goal") {
		t.Fatalf("after the kill: %v", a)
	}
	assertStill(t, p)
	if _, m := p.do("GET", "/api/modules/path_planner", ""); !strings.Contains(fmt.Sprint(m["data"]), "tree") {
		t.Fatalf("path_planner after the kill: %v", m)
	}
	if code, a := p.do("POST", "/api/automation/resume", ""); code != 200 {
		t.Fatalf("resume: %d %v", code, a)
	}
	waitAutomation(t, p, "completed", 60*time.Second)
	// Replanned from wherever the robot is after the restart (the pose
	// as the robot knows it then), and reached.
	if x, y := gotoPoseOf(t, p); math.Hypot(x-4, y) > 0.1 {
		t.Fatalf("resumed goto ended at (%.2f, %.2f)", x, y)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "path_planner.json")); err != nil || !strings.Contains(string(b), `"tree"`) {
		t.Fatalf("path_planner.json: %v %s", err, b)
	}
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
