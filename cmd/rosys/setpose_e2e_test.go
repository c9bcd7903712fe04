package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys/replay"
)

// TestPoseSetThroughTheAPIReplays places the robot through POST /api/pose
// on the real binary (driving the simulated controller over a pty, with
// the journal on), drives on from there, and replays the journal: the
// replay ends where the live run stood, because the pose set is an input
// the journal holds.
func TestPoseSetThroughTheAPIReplays(t *testing.T) {
	endToEnd(t)
	r := newSerialRig(t, "    journal: true\n")
	data := filepath.Join(r.dir, "data")
	p := startRosys(t, "--config", r.cfg, "--data-dir", data)
	waitLizardLines(t, p, 20)
	if code, body := p.do("POST", "/api/automation/stop", ""); code != 200 {
		t.Fatalf("stop: %d %v", code, body)
	}
	standing := func() map[string]any {
		t.Helper()
		var last map[string]any
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			pose := p.hardware()["pose"].(map[string]any)
			if last != nil && pose["x"] == last["x"] && pose["y"] == last["y"] && pose["yaw"] == last["yaw"] {
				return pose
			}
			last = pose
		}
		t.Fatal("the robot does not come to a stand")
		return nil
	}
	standing()
	code, body := p.do("POST", "/api/pose", `{"x": 4, "y": -3, "yaw": 1}`)
	if code != 200 || body["x"] != 4.0 || body["y"] != -3.0 || body["yaw"] != 1.0 {
		t.Fatalf("pose: %d %v", code, body)
	}
	if pose := p.hardware()["pose"].(map[string]any); math.Hypot(pose["x"].(float64)-4, pose["y"].(float64)+3) > 0.01 {
		t.Fatalf("after the answer the pose is %v", pose)
	}
	// Drive on from there for a moment (the deadman ends it).
	for range 4 {
		p.do("POST", "/api/steer", `{"linear": 0.2, "angular": 0}`)
		time.Sleep(100 * time.Millisecond) // the operator's pace, not a wait for a result
	}
	live := standing()
	lx, ly := live["x"].(float64), live["y"].(float64)
	if d := math.Hypot(lx-4, ly+3); d < 0.02 {
		t.Fatalf("the robot did not drive on from the pose set: %v", live)
	}
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	out, errs, code := rosysCmd(t, "replay", "--data-dir", data, "--config", r.cfg, "--speedrun")
	var s replay.Summary
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil {
		t.Fatalf("replay: %d %s %s", code, errs, out)
	}
	if d := math.Hypot(s.FusedPose.X-lx, s.FusedPose.Y-ly); d > 0.005 || math.Abs(s.FusedPose.Yaw-live["yaw"].(float64)) > 0.005 {
		t.Fatalf("replay ends at %+v; the live run stood at %v", s.FusedPose, live)
	}
}
