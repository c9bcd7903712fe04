package main

import (
	"math"
	"testing"
	"time"
)

// poseOf reads hardware.pose and hardware.pose_estimate from status.
func poseOf(t *testing.T, p *proc) (x, y float64, est map[string]any) {
	t.Helper()
	code, st := p.do("GET", "/api/status", "")
	hw, _ := st["hardware"].(map[string]any)
	pose, _ := hw["pose"].(map[string]any)
	est, _ = hw["pose_estimate"].(map[string]any)
	if code != 200 || pose == nil || est == nil {
		t.Fatalf("status %d: %v", code, st)
	}
	return pose["x"].(float64), pose["y"].(float64), est
}

// Issue 25 against the real binary: the demo robot SIGKILLed halfway
// along its first waypoint line comes back at its persisted pose (not at
// the origin), marked restored, and, resumed through the API, drives
// the rest of its square back to the origin.
func TestPoseSurvivesKill(t *testing.T) {
	endToEnd(t)
	args := []string{"--data-dir", t.TempDir()}
	p := startRosys(t, args...)
	if code, a := p.do("POST", "/api/automation/start", `{"name": "waypoints"}`); code != 200 || a["state"] != "running" {
		t.Fatalf("start: %d %v", code, a)
	}
	// Halfway along the first line (0, 0) → (1, 0), still moving. Polled:
	// the bound only turns a robot that never gets there into a failure.
	var x float64
	for deadline := time.Now().Add(60 * time.Second); ; {
		x, _, _ = poseOf(t, p)
		if x > 0.5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the robot did not get past x = 0.5 (at %.3f)", x)
		}
		time.Sleep(20 * time.Millisecond)
	}
	p = killAndRestart(t, p, args...)
	rx, ry, est := poseOf(t, p)
	restored, _ := est["restored"].(map[string]any)
	// About a second of motion (0.3 m) is lost at most: the pose is
	// committed at least once a second while moving (plus the commit's own
	// time on a loaded disk, and the status read before the kill).
	if restored == nil || rx < x-0.45 || rx > 1.01 || math.Abs(ry) > 0.05 || est["confirmed"] != false {
		t.Fatalf("after the kill at x = %.3f: pose (%.3f, %.3f), estimate %v", x, rx, ry, est)
	}
	if age, _ := restored["age"].(float64); age < 0 || age > 30 {
		t.Fatalf("restored age %v", restored["age"])
	}
	if code, a := p.do("POST", "/api/automation/resume", ""); code != 200 {
		t.Fatalf("resume: %d %v", code, a)
	}
	for deadline := time.Now().Add(90 * time.Second); ; {
		_, a := p.do("GET", "/api/automation", "")
		if a["state"] == "completed" {
			break
		}
		if time.Now().After(deadline) || a["state"] == "failed" {
			t.Fatalf("the square did not complete: %v", a)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ex, ey, _ := poseOf(t, p)
	if d := math.Hypot(ex, ey); d > 0.05 {
		t.Fatalf("ended at (%.3f, %.3f), %.3f m from the origin the square ends at", ex, ey, d)
	}
}
