package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gorosys/rosys/internal/testexec"
)

// TestRecordedRunReplays records a run of the demo robot driving the
// simulated controller over a pty, then replays its journal twice on
// virtual time: both replays end at the same pose, which is where the live
// run was, and hold the same module states.
func TestRecordedRunReplays(t *testing.T) {
	r := newSerialRig(t, "    journal: true\n")
	dir, cfg, yaml, cmds := r.dir, r.cfg, r.yaml, r.cmds
	data := filepath.Join(dir, "data")
	p := startRosys(t, "--config", cfg, "--data-dir", data)
	n := 0
	waitCommand(t, cmds, func(c string) bool {
		if strings.HasPrefix(c, "wheels.speed(") {
			n++
		}
		return n == 150 // about 1.5 s of driving
	})
	p.do("PUT", "/api/modules/model", `{"value": 3.5}`)
	_, status := p.do("GET", "/api/status", "")
	livePose := status["hardware"].(map[string]any)["pose"].(map[string]any)
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}

	var runs []replaySummary
	for range 2 {
		out, errs, code := rosysCmd(t, "replay", "--data-dir", data, "--config", cfg, "--speedrun")
		if code != 0 {
			t.Fatalf("replay: %d %s", code, errs)
		}
		var s replaySummary
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		runs = append(runs, s)
	}
	a, b := runs[0], runs[1]
	if a.FinalPose != b.FinalPose {
		t.Fatalf("replays differ: %+v vs %+v", a.FinalPose, b.FinalPose)
	}
	if a.Inputs < 100 || a.FinalPose.X < 0.1 {
		t.Fatalf("replayed %d inputs to %+v", a.Inputs, a.FinalPose)
	}
	var model struct{ Value float64 }
	if err := json.Unmarshal(a.Modules["model"], &model); err != nil || model.Value != 3.5 {
		t.Fatalf("module states %s", a.Modules["model"])
	}
	// The live run's odometry integrated the same measurements; it was
	// read a few milliseconds before the end of the recording.
	liveX := livePose["x"].(float64)
	if a.FinalPose.X < liveX-1e-12 || a.FinalPose.X-liveX > 0.05 {
		t.Fatalf("replayed x=%.4f, live run was at x=%.4f shortly before the end", a.FinalPose.X, liveX)
	}
	if a.CommandsDiffer {
		t.Errorf("the code now sends other commands than recorded: %s", a.FirstDifference)
	}
	// Batch (all input at once) reaches the same pose: odometry integrates
	// by the measurements' own times.
	out, errs, code := rosysCmd(t, "replay", "--data-dir", data, "--config", cfg, "--batch")
	var batch replaySummary
	if code != 0 || json.Unmarshal([]byte(out), &batch) != nil || batch.FinalPose != a.FinalPose || batch.Mode != "batch" {
		t.Fatalf("batch: %d %s %+v", code, errs, batch.FinalPose)
	}
	// The same from robot.yaml: persistence_mode speedrun_replay, without
	// going live afterwards.
	cfg2 := filepath.Join(dir, "replay.yaml")
	os.WriteFile(cfg2, []byte(yaml+"persistence:\n  persistence_mode: speedrun_replay\n  continue_after_replay: false\n"), 0o644)
	out, errs, code = rosysCmd(t, "run", "--config", cfg2, "--data-dir", data, "--http", "off")
	var fromYAML replaySummary
	if code != 0 || json.Unmarshal([]byte(out), &fromYAML) != nil || fromYAML.FinalPose != a.FinalPose {
		t.Fatalf("replay from robot.yaml: %d %s %+v", code, errs, fromYAML.FinalPose)
	}
	// --continue: after the journal the robot goes live on its real driver.
	cfg3 := filepath.Join(dir, "live.yaml")
	os.WriteFile(cfg3, []byte(yaml+"http: 127.0.0.1:0\n"), 0o644)
	live := start(t, testexec.Command(binary, "replay", "--data-dir", data, "--config", cfg3, "--continue", "--log-level", "info"))
	live.waitLog("replay finished; going live")
	live.waitLog("http listening") // only the live robot serves
	if code, _ := live.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("live after replay exited %d:\n%s", code, live.log())
	}
	t.Logf("replayed %d inputs to x=%.4f y=%.4f yaw=%.4f; recorded %d speed commands, replay sent %d, differ=%v %s",
		a.Inputs, a.FinalPose.X, a.FinalPose.Y, a.FinalPose.Yaw, a.RecordedCommands, a.SentCommands, a.CommandsDiffer, a.FirstDifference)
	if math.IsNaN(a.FinalPose.X) {
		t.Fatal("NaN pose")
	}
}
