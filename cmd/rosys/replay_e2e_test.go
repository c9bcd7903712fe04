package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys/internal/testexec"
	"github.com/gorosys/rosys/persistence/journal"
	"github.com/gorosys/rosys/persistence/vfs"
	"github.com/gorosys/rosys/replay"
)

// minInputs is how many controller lines a recording must hold at least.
const minInputs = 100

// demoSpeedLimit is the demo robot's default linear speed limit (m/s).
const demoSpeedLimit = 0.3

// waitLizardLines polls the robot's status until its serial driver has
// read n lines (each is journaled as an input).
func waitLizardLines(t *testing.T, p *proc, n float64) {
	t.Helper()
	var lines float64
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if lz, ok := p.hardware()["drivers"].(map[string]any)["lizard"].(map[string]any); ok {
			lines, _ = lz["lines"].(float64)
			if lines >= n {
				return
			}
		}
	}
	t.Fatalf("the robot read %v controller lines in 60 s, want %v", lines, n)
}

// journaledInputs counts the controller lines recorded in the journal.
func journaledInputs(t *testing.T, data string) int {
	t.Helper()
	n := 0
	err := journal.Read(context.Background(), vfs.OS{}, filepath.Join(data, "journal"), func(r journal.Record) error {
		if r.Kind == journal.RecordInput && r.Source == "lizard" {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRecordedRunReplays records a run of the demo robot driving the
// simulated controller over a pty, then replays its journal twice on
// virtual time: both replays end at the same pose, which is where the live
// run was, and hold the same module states.
func TestRecordedRunReplays(t *testing.T) {
	endToEnd(t)
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
	// A loaded machine may get fewer controller lines through in that
	// time: record until enough input has arrived, whatever it took.
	waitLizardLines(t, p, minInputs+20)
	p.do("PUT", "/api/modules/model", `{"value": 3.5}`)
	read := time.Now()
	_, status := p.do("GET", "/api/status", "")
	livePose := status["hardware"].(map[string]any)["pose"].(map[string]any)
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	// How far the robot may have driven on after the pose was read: a
	// loaded machine takes longer to stop, and the robot drives on.
	driveOn := demoSpeedLimit*time.Since(read).Seconds() + 0.01

	var runs []replay.Summary
	for range 2 {
		out, errs, code := rosysCmd(t, "replay", "--data-dir", data, "--config", cfg, "--speedrun")
		if code != 0 {
			t.Fatalf("replay: %d %s", code, errs)
		}
		var s replay.Summary
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		runs = append(runs, s)
	}
	a, b := runs[0], runs[1]
	if a.FinalPose != b.FinalPose {
		t.Fatalf("replays differ: %+v vs %+v", a.FinalPose, b.FinalPose)
	}
	// Every input the journal holds was replayed, and there were enough
	// of them to mean something.
	if recorded := journaledInputs(t, data); a.Inputs != recorded || recorded < minInputs || a.FinalPose.X < 0.1 {
		t.Fatalf("replayed %d inputs of %d recorded to %+v", a.Inputs, recorded, a.FinalPose)
	}
	var model struct{ Value float64 }
	if err := json.Unmarshal(a.Modules["model"], &model); err != nil || model.Value != 3.5 {
		t.Fatalf("module states %s", a.Modules["model"])
	}
	// The live run's odometry integrated the same measurements; it was
	// read a few milliseconds before the end of the recording.
	liveX := livePose["x"].(float64)
	if a.FinalPose.X < liveX-1e-12 || a.FinalPose.X-liveX > driveOn {
		t.Fatalf("replayed x=%.4f, live run was at x=%.4f shortly before the end (at most %.3f m before it)", a.FinalPose.X, liveX, driveOn)
	}
	if a.CommandsDiffer {
		t.Errorf("the code now sends other commands than recorded: %s", a.FirstDifference)
	}
	// Batch (all input at once) reaches the same pose: odometry integrates
	// by the measurements' own times.
	out, errs, code := rosysCmd(t, "replay", "--data-dir", data, "--config", cfg, "--batch")
	var batch replay.Summary
	if code != 0 || json.Unmarshal([]byte(out), &batch) != nil || batch.FinalPose != a.FinalPose || batch.Mode != "batch" {
		t.Fatalf("batch: %d %s %+v", code, errs, batch.FinalPose)
	}
	// The same from robot.yaml: persistence_mode speedrun_replay, without
	// going live afterwards.
	cfg2 := filepath.Join(dir, "replay.yaml")
	os.WriteFile(cfg2, []byte(yaml+"persistence:\n  persistence_mode: speedrun_replay\n  continue_after_replay: false\n"), 0o644)
	out, errs, code = rosysCmd(t, "run", "--config", cfg2, "--data-dir", data, "--http", "off")
	var fromYAML replay.Summary
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
