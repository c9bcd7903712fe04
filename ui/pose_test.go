package ui_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// POST /api/pose refuses every bad body with a 400 naming the field, and
// the pose stays where it was.
func TestSetPoseRefusesBadBodies(t *testing.T) {
	srv, robot, r := newDemoServer(t)
	if code, _ := post(t, srv, "/api/automation/stop", ""); code != 200 {
		t.Fatal("stop the demo's automation first")
	}
	r.Forward(time.Second)
	before := robot.Pose.Pose()
	for _, tc := range []struct{ body, want string }{
		{`{"x": NaN, "y": 0, "yaw": 0}`, "not a JSON object"},
		{`{"x": "NaN", "y": 0, "yaw": 0}`, `x: "NaN" is not a finite number`},
		{`{"x": 1e999, "y": 0, "yaw": 0}`, "x: 1e999 is not a finite number"},
		{`{"x": 1, "y": null, "yaw": 0}`, "y: null is not a finite number"},
		{`{"x": 1, "y": 2}`, "yaw: missing"},
		{`{"y": 2, "yaw": 0}`, "x: missing"},
		{`{"x": 1, "y": 2, "yaw": 0, "z": 0}`, "z: unknown field (x, y, yaw)"},
		{`{"x": 1, "y": 2, "yaw": 0, "x": 5}`, `"x"`},
		{`{"x": 100001, "y": 0, "yaw": 0}`, "x: 100001 m is beyond ±100000 m"},
		{`{"x": 0, "y": -2e6, "yaw": 0}`, "y: -2e+06 m is beyond ±100000 m"},
		{`{"x": 0, "y": 0, "yaw": 90}`, "yaw: 90 is beyond ±2π: radians, not degrees"},
		{`{"x": 0, "y": 0, "yaw": [1]}`, "yaw: [1] is not a finite number"},
		{`[1, 2, 3]`, "not a JSON object"},
		{``, "not a JSON object"},
		{`{"x": 1, "y": 2, "yaw": 0` + strings.Repeat(" ", 5000) + `}`, "at most 4096 bytes"},
	} {
		code, body := post(t, srv, "/api/pose", tc.body)
		if code != 400 || !strings.Contains(fmt.Sprint(body["error"]), tc.want) {
			t.Errorf("%.50s: %d %v, want 400 with %q", tc.body, code, body, tc.want)
		}
	}
	r.Forward(50 * time.Millisecond)
	if p := robot.Pose.Pose(); p.X != before.X || p.Y != before.Y || p.Yaw != before.Yaw {
		t.Fatalf("a refused pose moved the robot: %+v → %+v", before, p)
	}
}

// While an automation drives, its path would jump under it: 409.
func TestSetPoseRefusedWhileAnAutomationRuns(t *testing.T) {
	srv, robot, r := newDemoServer(t)
	r.Forward(500 * time.Millisecond) // the demo's waypoints run
	code, body := post(t, srv, "/api/pose", `{"x": 3, "y": 4, "yaw": 1}`)
	if code != 409 || !strings.Contains(fmt.Sprint(body["error"]), "pause or stop it") {
		t.Fatalf("%d %v", code, body)
	}
	r.Forward(50 * time.Millisecond)
	if p := robot.Pose.Pose(); math.Abs(p.X-3) < 0.5 && math.Abs(p.Y-4) < 0.5 {
		t.Fatalf("the refused pose was set: %+v", p)
	}
}

// On the real clock: the pose is taken by the next tick and answered.
func TestSetPoseMovesTheRobot(t *testing.T) {
	robot, srv := realRobot(t)
	if code, _ := post(t, srv, "/api/automation/stop", ""); code != 200 {
		t.Fatal("stop")
	}
	code, body := post(t, srv, "/api/pose", `{"x": -12.5, "y": 7.25, "yaw": 4}`)
	wantYaw := 4 - 2*math.Pi
	if code != 200 || body["x"] != -12.5 || body["y"] != 7.25 || math.Abs(body["yaw"].(float64)-wantYaw) > 1e-12 {
		t.Fatalf("%d %v", code, body)
	}
	// Taken before the answer; the robot stands, so it stays there.
	if p := robot.Pose.Pose(); math.Abs(p.X+12.5) > 0.01 || math.Abs(p.Y-7.25) > 0.01 || math.Abs(p.Yaw-wantYaw) > 0.01 {
		t.Fatalf("pose %+v", p)
	}
}
