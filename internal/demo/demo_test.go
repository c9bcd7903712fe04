package demo_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/internal/demo"
	assembly "github.com/gorosys/rosys/robot"
	"github.com/gorosys/rosys/rosystest"
)

func state(r *demo.Robot) automation.State { return r.Automator.Status().State }

// next is the checkpoint's next waypoint, -1 without one.
func next(r *demo.Robot) int {
	cp := demo.WaypointCheckpoint{Next: -1}
	if c := r.Automator.Status().Checkpoint; len(c) > 0 {
		_ = json.Unmarshal(c, &cp)
	}
	return cp.Next
}

func TestWaypointAutomationCompletes(t *testing.T) {
	r := rosystest.New(t, rosys.Config{})
	robot, err := demo.Add(r.Runtime)
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := robot.Automator.Subscribe(16)
	defer cancel()
	r.Start()
	if state(robot) != automation.Running {
		t.Fatalf("a new demo robot starts its waypoints: %+v", robot.Automator.Status())
	}
	// 4 m at 0.3 m/s, 4 quarter turns at up to 1 rad/s, throttling: ~20 s.
	r.ForwardUntil(func() bool { return state(robot) == automation.Completed }, 60*time.Second)
	if tgt := robot.SimWheels.Target(); tgt.Linear != 0 || tgt.Angular != 0 {
		t.Fatalf("wheels still commanded after completion: %+v", tgt)
	}
	r.Forward(time.Second) // braking at 1 m/s² from the end speed
	p := robot.Odometer.Pose()
	if math.Hypot(p.X, p.Y) > 0.03 {
		t.Fatalf("back at the start? %+v", p)
	}
	if v := robot.Wheels.Velocity(); v.Linear != 0 || v.Angular != 0 {
		t.Fatalf("still moving after completion: %+v", v)
	}
	st := robot.Automator.Status()
	if st.Progress != 1 || len(st.Checkpoint) != 0 {
		t.Fatalf("completed: %+v", st)
	}
	if ev := <-events; ev.Kind != automation.EventStarted {
		t.Fatalf("first event %+v", ev)
	}
	// Completion clears the checkpoint in the file too.
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(r.Dir, "automation.json"))
	if !strings.Contains(string(b), `"state": "completed"`) || strings.Contains(string(b), "checkpoint") {
		t.Fatalf("automation.json: %s", b)
	}
}

func TestEStopStopsTheDemoAndRefusesResume(t *testing.T) {
	r := rosystest.New(t, rosys.Config{})
	robot, err := demo.Add(r.Runtime)
	if err != nil {
		t.Fatal(err)
	}
	r.Start()
	r.Forward(2 * time.Second)
	if v := robot.Wheels.Velocity(); v.Linear < 0.1 {
		t.Fatalf("not driving: %+v", v)
	}
	robot.SimEStop.Press()
	r.Forward(10 * time.Millisecond) // the very next tick
	if tgt := robot.SimWheels.Target(); tgt.Linear != 0 || tgt.Angular != 0 {
		t.Fatalf("wheels commanded %+v with the e-stop pressed", tgt)
	}
	r.ForwardUntil(func() bool { return state(robot) == automation.Paused }, time.Second)
	if st := robot.Automator.Status(); st.Reason != "estop" || st.Blocked != "estop" {
		t.Fatalf("%+v", st)
	}
	if err := robot.Automator.Resume(); err == nil || !strings.Contains(err.Error(), "estop") {
		t.Fatalf("resume with the e-stop pressed: %v", err)
	}
	robot.SimEStop.Release()
	if err := robot.Automator.Resume(); err != nil {
		t.Fatal(err)
	}
	r.ForwardUntil(func() bool { return state(robot) == automation.Completed }, time.Minute)
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if v := robot.SimWheels.Target(); v.Linear != 0 || v.Angular != 0 {
		t.Fatalf("not safely stopped: %+v", v)
	}
}

// TestKilledAtCheckpointComesBackPaused runs the waypoints until the
// second checkpoint is committed, takes the data directory as a kill -9
// would leave it, starts a new runtime on it: the automation is paused
// there, the robot does not move, and once resumed it drives the rest.
func TestKilledAtCheckpointComesBackPaused(t *testing.T) {
	r := rosystest.New(t, rosys.Config{BackupInterval: -1}) // commit as soon as asked
	robot, err := demo.Add(r.Runtime)
	if err != nil {
		t.Fatal(err)
	}
	r.Start()
	committed := func() bool {
		ms, _ := r.Store().ModuleStatus("automation")
		return next(robot) == 2 && !ms.Pending
	}
	r.ForwardUntil(committed, time.Minute) // one 10 s backup cycle writes it
	r2 := rosystest.NewIn(t, rosystest.Killed(t, r.Dir), rosys.Config{})
	robot2, err := demo.Add(r2.Runtime)
	if err != nil {
		t.Fatal(err)
	}
	r2.Start()
	st := robot2.Automator.Status()
	if st.State != automation.Paused || st.Name != "waypoints" || next(robot2) != 2 || st.Progress != 0.5 ||
		!strings.Contains(st.Reason, "restart") {
		t.Fatalf("after the kill: %+v", st)
	}
	r2.Forward(5 * time.Second)
	if p := robot2.Odometer.Pose(); p.X != 0 || p.Y != 0 {
		t.Fatalf("moved on its own after a restart: %+v", p)
	}
	if err := robot2.Automator.Resume(); err != nil {
		t.Fatal(err)
	}
	r2.ForwardUntil(func() bool { return state(robot2) == automation.Completed }, time.Minute)
	// It drove waypoints 2 and 3 only, from the restored pose (the
	// persistent module "pose"; odometry starts again at the origin): to
	// (0, 1), then (0, 0).
	if p := robot2.Pose.Pose(); math.Hypot(p.X, p.Y) > 0.03 {
		t.Fatalf("ended at %+v", p)
	}
}

func TestAutoResume(t *testing.T) {
	r := rosystest.New(t, rosys.Config{})
	robot, _ := demo.Add(r.Runtime)
	r.Start()
	r.ForwardUntil(func() bool { return next(robot) == 1 }, time.Minute)
	if err := r.Stop(); err != nil { // the final flush keeps the checkpoint
		t.Fatal(err)
	}
	r.Store().Close()
	r2 := rosystest.NewIn(t, r.Dir, rosys.Config{})
	robot2, _ := demo.Add(r2.Runtime, assembly.AutoResume(true))
	r2.Start()
	if st := robot2.Automator.Status(); st.State != automation.Running {
		t.Fatalf("auto_resume: %+v", st)
	}
	r2.ForwardUntil(func() bool { return state(robot2) == automation.Completed }, time.Minute)
}

func TestDamagedCheckpointIsKeptAsideAndReported(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "automation.json"), []byte(`{"format": "rosys-go/1", "key": "automation", "data": {"state": "runn`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := rosystest.NewIn(t, dir, rosys.Config{})
	robot, _ := demo.Add(r.Runtime)
	r.Start()
	st := robot.Automator.Status()
	if st.State != automation.Idle || !strings.Contains(st.Reason, "checkpoint unusable") || !strings.Contains(st.Reason, "automation.json") {
		t.Fatalf("%+v", st)
	}
	aside, _ := filepath.Glob(filepath.Join(dir, "automation.json.corrupt-*"))
	if len(aside) != 1 {
		t.Fatalf("damaged file not kept aside: %v", aside)
	}
	r.Forward(3 * time.Second)
	if p := robot.Odometer.Pose(); p.X != 0 {
		t.Fatalf("moved with an unusable checkpoint: %+v", p)
	}
}

func TestFirstRunWaitsForTheEStop(t *testing.T) {
	r := rosystest.New(t, rosys.Config{})
	robot, err := demo.Add(r.Runtime)
	if err != nil {
		t.Fatal(err)
	}
	robot.SimEStop.Press() // as a controller that has not talked yet
	r.Start()
	r.Forward(2 * time.Second)
	if st := robot.Automator.Status(); st.State != automation.Idle || robot.Odometer.Pose().X != 0 {
		t.Fatalf("started with the e-stop pressed: %+v", st)
	}
	robot.SimEStop.Release()
	r.ForwardUntil(func() bool { return state(robot) == automation.Running }, time.Second)
	r.ForwardUntil(func() bool { return robot.Odometer.Pose().X > 0.2 }, 5*time.Second)
}
