package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gorosys/rosys/internal/testwait"

	"github.com/gorosys/rosys/drivers/lizard"
	"github.com/gorosys/rosys/drivers/lizard/lizardtest"
	"github.com/gorosys/rosys/drivers/lizard/wire"
)

// TestSerialRobotEndToEnd runs the real binary with the real serial driver
// against the simulated controller on a pty: the demo automation drives
// the controller's wheels, telemetry comes back, and SIGTERM stops the
// motors.
func TestSerialRobotEndToEnd(t *testing.T) {
	endToEnd(t)
	r := newSerialRig(t, "")
	cmds, link := r.cmds, r.link
	p := startRosys(t, "--config", r.cfg, "--data-dir", filepath.Join(r.dir, "data"))

	// The square automation drives forward at 0.3 m/s once the controller
	// is ready (commands are refused before).
	waitCommand(t, cmds, func(c string) bool { return strings.HasPrefix(c, "wheels.speed(0.300,") })
	_, status := p.do("GET", "/api/status", "")
	hw := status["hardware"].(map[string]any)
	lz := hw["drivers"].(map[string]any)["lizard"].(map[string]any)
	if hw["simulated"] != false || lz["ready"] != true || lz["bad_checksums"] != 0.0 {
		t.Fatalf("hardware status %v", hw)
	}
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	// The last speed the controller hears is zero. A marker written after
	// rosys exited arrives after everything rosys sent (a pty keeps order).
	port, err := lizard.OpenSerial(link, lizard.DefaultBaud)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	if _, err := port.Write(wire.AppendLine(nil, "marker")); err != nil {
		t.Fatal(err)
	}
	var last string
	waitCommand(t, cmds, func(c string) bool {
		if strings.HasPrefix(c, "wheels.speed(") {
			last = c
		}
		return c == "marker"
	})
	if last != "wheels.speed(0.000, 0.000)" {
		t.Fatalf("last speed command %q", last)
	}
}

// serialRig is a simulated controller on a pty and a robot.yaml whose
// Lizard driver opens it.
type serialRig struct {
	dir, link, cfg, yaml string
	ctrl                 *lizardtest.Controller
	cmds                 <-chan string
}

// newSerialRig starts the controller; lizardExtra is appended to the
// hardware.lizard section (e.g. "    journal: true\n").
func newSerialRig(t *testing.T, lizardExtra string) *serialRig {
	t.Helper()
	r := &serialRig{dir: t.TempDir()}
	r.link = lizardtest.TempLink(r.dir)
	ctrl, err := lizardtest.Start(lizardtest.Config{Link: r.link})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ctrl.Close)
	cmds, cancel := ctrl.Received(8192)
	t.Cleanup(cancel)
	r.ctrl, r.cmds = ctrl, cmds
	r.cfg = filepath.Join(r.dir, "robot.yaml")
	// The demo (demo: true) drives its waypoints on its first run, as
	// robot.yaml may ask: the tests watch what reaches the controller
	// meanwhile.
	r.yaml = "name: serial-e2e\ndemo: true\nboard: auto\nautomation:\n  start_on_first_run: waypoints\nhardware:\n  lizard:\n    port: " + r.link + "\n" + lizardExtra
	if err := os.WriteFile(r.cfg, []byte(r.yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return r
}

func waitCommand(t *testing.T, ch <-chan string, ok func(string) bool) {
	t.Helper()
	testwait.For(t, ch, "a command at the controller", ok)
}
