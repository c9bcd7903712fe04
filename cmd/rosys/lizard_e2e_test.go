package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/gorosys/rosys/drivers/lizard/lizardtest"
	"github.com/gorosys/rosys/internal/testexec"
	"github.com/gorosys/rosys/internal/testwait"
)

const brainYAML = `name: brain-e2e
board: auto
automation:
  start_on_first_run: waypoints
hardware:
  lizard:
    port: LINK
    configure: check
    modules:
      - {type: can, name: can, rx_pin: 32, tx_pin: 33}
      - {type: wheels, name: wheels, can: can, width: 0.5, m_per_tick: 0.01}
      - {type: estop, name: estop, pins: {front: 34}}
      - {type: bumper, name: bumper, pins: {front: 4, back: 5}}
      - {type: battery, name: battery, rx_pin: 26, tx_pin: 27, request_interval: 200ms}
      - {type: imu, name: imu}
`

// runCLI runs the real binary and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := testexec.Command(binary, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// TestLizardRobotEndToEnd: a bare controller is configured with
// `rosys lizard configure`, the robot runs and drives, a bumper press and
// then the e-stop stop it with their names in the status, and it drives
// again once both are released.
func TestLizardRobotEndToEnd(t *testing.T) {
	endToEnd(t)
	dir := t.TempDir()
	link := lizardtest.TempLink(dir)
	ctrl, err := lizardtest.Start(lizardtest.Config{Link: link})
	if err != nil {
		t.Fatal(err)
	}
	defer ctrl.Close()
	cfg := filepath.Join(dir, "robot.yaml")
	if err := os.WriteFile(cfg, []byte(strings.Replace(brainYAML, "LINK", link, 1)), 0o644); err != nil {
		t.Fatal(err)
	}

	code, printed, stderr := runCLI(t, "lizard", "code", "--config", cfg)
	if code != 0 || !strings.Contains(printed, "wheels = ODriveWheels(wheels_left, wheels_right)\n") ||
		!strings.Contains(printed, "bumper_back = Input(5)\n") || !strings.HasSuffix(printed, "imu.quat_z:4\")\n") {
		t.Fatalf("lizard code: exit %d\n%s%s", code, printed, stderr)
	}
	code, out, stderr := runCLI(t, "lizard", "configure", "--config", cfg)
	if code != 0 || !strings.Contains(out, "matches") {
		t.Fatalf("lizard configure: exit %d\n%s%s", code, out, stderr)
	}
	if ctrl.Startup().String() != printed {
		t.Fatalf("the controller stores\n%s", ctrl.Startup())
	}

	cmds, cancel := ctrl.Received(8192)
	defer cancel()
	p := startRosys(t, "--config", cfg, "--data-dir", filepath.Join(dir, "data"))
	drives := func(c string) bool { return strings.HasPrefix(c, "wheels.speed(0.300,") }
	testwait.For(t, cmds, "the square driving", drives)
	hw := p.hardware()
	lz := hw["drivers"].(map[string]any)["lizard"].(map[string]any)
	st := lz["startup"].(map[string]any)
	if st["match"] != true || st["expected"] != st["actual"] || lz["firmware_version"] != "v0.9.9-sim" || len(lz["refusing"].([]any)) != 0 {
		t.Fatalf("lizard status %v", lz)
	}

	if err := ctrl.Press("bumper front"); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, cmds, "a stop after the bumper", func(c string) bool { return c == "wheels.speed(0.000, 0.000)" })
	p.waitLog("wheels stopped: an e-stop or bumper is active")
	drivers := p.hardware()["drivers"].(map[string]any)
	if b := drivers["bumper"].(map[string]any); !slices.Equal(b["active"].([]any), []any{"front"}) {
		t.Fatalf("bumper status %v", b)
	}
	if r := drivers["lizard"].(map[string]any)["refusing"].([]any); !slices.Contains(r, any("bumper front active")) {
		t.Fatalf("refusing %v", r)
	}
	// The bumper pauses the waypoints automation, naming it. The pause
	// follows the stop (the arbiter signals a trip after the wheels were
	// told to stop), so it is waited for: an e-stop pressed before the
	// arbiter's tick saw the bumper would be the same trip, named by the
	// e-stop.
	var paused map[string]any
	testwait.Until(t, "the automation paused by the bumper", func() bool {
		_, paused = p.do("GET", "/api/automation", "")
		return paused["state"] == "paused"
	})
	if paused["reason"] != "bumper front" {
		t.Fatalf("automation after the bumper: %v", paused)
	}
	if err := ctrl.Press("estop front"); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, cmds, "the e-stop in the status", func(string) bool { return p.hardware()["estop_active"] == true })
	if r := p.hardware()["drivers"].(map[string]any)["lizard"].(map[string]any)["refusing"].([]any); !slices.Contains(r, any("estop front active")) {
		t.Fatalf("refusing %v", r)
	}
	// Still paused by the bumper; resume is refused while either input is
	// still active, and once both are released the robot moves again only
	// after an explicit resume.
	if code, a := p.do("GET", "/api/automation", ""); code != 200 || a["state"] != "paused" || a["reason"] != "bumper front" {
		t.Fatalf("automation after the bumper and the e-stop: %d %v", code, a)
	}
	if code, a := p.do("POST", "/api/automation/resume", ""); code != 409 || !strings.Contains(fmt.Sprint(a["error"]), "safety stop is active") {
		t.Fatalf("resume with the bumper and e-stop pressed: %d %v", code, a)
	}
	_ = ctrl.Release("bumper front")
	_ = ctrl.Release("estop front")
	testwait.For(t, cmds, "the inputs released in the status", func(string) bool {
		r, _ := p.hardware()["drivers"].(map[string]any)["lizard"].(map[string]any)["refusing"].([]any)
		return len(r) == 0
	})
	if code, a := p.do("POST", "/api/automation/resume", ""); code != 200 {
		t.Fatalf("resume after the release: %d %v", code, a)
	}
	testwait.For(t, cmds, "driving again after both are released and resumed", drives)

	// The battery and IMU are in the status; the console answers.
	testwait.For(t, cmds, "a battery report", func(string) bool {
		b := p.hardware()["drivers"].(map[string]any)["battery"].(map[string]any)
		pct, _ := b["percentage"].(float64) // 80 % at the start, draining slowly
		return b["stale"] == false && pct > 70 && pct <= 80
	})
	if imu := p.hardware()["drivers"].(map[string]any)["imu"].(map[string]any); imu["yaw_deg"] == nil {
		t.Fatalf("imu %v", imu)
	}
	code, resp := p.do("POST", "/api/lizard/send", `{"line": "core.info()"}`)
	if code != 200 || !slices.Contains(resp["replies"].([]any), any("version: v0.9.9-sim")) {
		t.Fatalf("lizard send: %d %v", code, resp)
	}
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}

	// Restarted, the robot finds its code on the controller and drives.
	restarts := ctrl.Restarts.Load()
	cmds2, cancel2 := ctrl.Received(8192) // what the first run sent is still in cmds
	defer cancel2()
	p = startRosys(t, "--config", cfg, "--data-dir", filepath.Join(dir, "data"))
	// An automation a restart interrupted comes back paused and waits for
	// a person (automation.auto_resume is off); one that had finished is
	// started afresh.
	action := "/api/automation/start"
	if _, a := p.do("GET", "/api/automation", ""); a["state"] == "paused" {
		action = "/api/automation/resume"
	}
	testwait.For(t, cmds2, "the controller ready after the restart", func(string) bool {
		code, _ := p.do("POST", action, "")
		return code == 200
	})
	testwait.For(t, cmds2, "driving after a restart", drives)
	st = p.hardware()["drivers"].(map[string]any)["lizard"].(map[string]any)["startup"].(map[string]any)
	if st["match"] != true || ctrl.Restarts.Load() != restarts {
		t.Fatalf("after a restart: startup %v, controller restarted %d times", st, ctrl.Restarts.Load()-restarts)
	}
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// TestLizardConfigureFailures: `lizard send` prints the replies; no
// Ready. names it and exits 1; a bad
// module type is a config error with its line, exit 2.
func TestLizardConfigureFailures(t *testing.T) {
	endToEnd(t)
	dir := t.TempDir()
	link := lizardtest.TempLink(dir)
	ctrl, err := lizardtest.Start(lizardtest.Config{Link: link, NoReady: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ctrl.Close()
	cfg := filepath.Join(dir, "robot.yaml")
	os.WriteFile(cfg, []byte(strings.Replace(brainYAML, "LINK", link, 1)), 0o644)
	// The console first, while the controller still answers.
	code, out, stderr := runCLI(t, "lizard", "send", "--config", cfg, "--wait", "2s", "core.info()")
	if code != 0 || !strings.Contains(out, "version: v0.9.9-sim\n") {
		t.Fatalf("lizard send: exit %d\n%s%s", code, out, stderr)
	}
	code, _, stderr = runCLI(t, "lizard", "configure", "--config", cfg, "--ready-timeout", "500ms")
	if code != 1 || !strings.Contains(stderr, "no Ready. after core.restart() within 500ms (old checksum 0000)") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	os.WriteFile(cfg, []byte(strings.Replace(strings.Replace(brainYAML, "LINK", link, 1), "type: imu", "type: imus", 1)), 0o644)
	code, _, stderr = runCLI(t, "lizard", "code", "--config", cfg)
	if code != 2 || !strings.Contains(stderr, `line 15: unknown module type "imus"`) {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

func (p *proc) hardware() map[string]any {
	p.t.Helper()
	_, status := p.do("GET", "/api/status", "")
	return status["hardware"].(map[string]any)
}
