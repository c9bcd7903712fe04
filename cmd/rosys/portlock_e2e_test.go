package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys/internal/testexec"
)

// Issue 22 class 4 against the real binary and the pty controller: the
// serial port is the running robot's alone. `rosys lizard send` and
// `rosys lizard configure` beside it exit 1 naming the robot's pid and the
// API to use instead, and the robot's link loses nothing meanwhile; a
// console holding the port is named the same way to a second console;
// once the robot has stopped the console works.
func TestSerialPortIsExclusive(t *testing.T) {
	endToEnd(t)
	r := newSerialRig(t, "")
	p := startRosys(t, "--config", r.cfg, "--data-dir", filepath.Join(r.dir, "data"))
	waitCommand(t, r.cmds, func(c string) bool { return strings.HasPrefix(c, "wheels.speed(0.300,") })
	// configure needs modules to generate code from: the same port.
	withModules := filepath.Join(r.dir, "modules.yaml")
	if err := os.WriteFile(withModules, []byte(strings.ReplaceAll(brainYAML, "LINK", r.link)), 0o644); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("port %s is in use by the running robot (pid %d); use POST /api/lizard/send", r.link, p.cmd.Process.Pid)
	for _, args := range [][]string{
		{"lizard", "send", "--config", r.cfg, "core.info()"},
		{"lizard", "send", "--config", r.cfg, "--port", r.link, "core.info()"},
		{"lizard", "configure", "--config", withModules},
	} {
		for range 3 {
			code, out, errs := runCLI(t, args...)
			if code != 1 || !strings.Contains(errs, want) || out != "" {
				t.Fatalf("%v beside the robot: exit %d, stdout %q, stderr %q; want exit 1 and %q", args, code, out, errs, want)
			}
		}
	}
	// The robot's link was never disturbed: every telemetry line it read
	// passed its checksum, and it still drives.
	_, status := p.do("GET", "/api/status", "")
	lz := status["hardware"].(map[string]any)["drivers"].(map[string]any)["lizard"].(map[string]any)
	if lz["connected"] != true || lz["bad_checksums"] != 0.0 {
		t.Fatalf("the robot's link after the consoles: %v", lz)
	}
	if code, body := p.do("POST", "/api/lizard/send", `{"line": "core.info()"}`); code != 200 {
		t.Fatalf("POST /api/lizard/send: %d %v", code, body)
	}
	if code, _ := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("robot exit %d", code)
	}

	// A console holding the port is named to a second one. The first
	// holds it once it printed the controller's reply.
	hold := testexec.Command(binary, "lizard", "send", "--config", r.cfg, "--wait", "60s", "core.info()")
	out, err := hold.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := hold.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hold.Process.Kill(); _ = hold.Wait() }()
	replied := make(chan error, 1)
	go func() {
		_, err := bufio.NewReader(out).ReadString('\n')
		replied <- err
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case err := <-replied:
		if err != nil {
			t.Fatalf("the first console printed nothing: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the first console printed nothing within 30 s")
	}
	code, _, errs := runCLI(t, "lizard", "send", "--config", r.cfg, "core.info()")
	if want := fmt.Sprintf("port %s is in use by process %d (", r.link, hold.Process.Pid); code != 1 || !strings.Contains(errs, want) {
		t.Fatalf("a console beside a console: exit %d, %q; want %q", code, errs, want)
	}
	_ = hold.Process.Kill()
	_ = hold.Wait()
	// Free again: the console talks to the controller.
	code, printed, errs := runCLI(t, "lizard", "send", "--config", r.cfg, "core.info()")
	if code != 0 || printed == "" {
		t.Fatalf("console on a free port: exit %d, stdout %q, stderr %q", code, printed, errs)
	}
}
