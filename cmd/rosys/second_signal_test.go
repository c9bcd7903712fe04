package main

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/internal/testexec"
	"github.com/gorosys/rosys/persistence/persistencetest"
)

// childEnv makes the test binary act as rosys with one extra module whose
// Stop never returns, so a test can signal again during shutdown.
const childEnv = "ROSYS_E2E_SLOW_STOP_CHILD"

// childWindowEnv shortens the child's window for repeated signals, so the
// test of a late signal need not wait 2 s.
const childWindowEnv = "ROSYS_E2E_SIGNAL_WINDOW"

type neverStops struct{}

func (neverStops) Stop(ctx context.Context) error {
	fmt.Fprintln(os.Stderr, `{"msg":"in slow stop"}`)
	select {}
}

func childMain() int {
	a := app{extraModules: func(rt *rosys.Runtime) error { return rt.Add("never_stops", neverStops{}) }}
	if w, err := time.ParseDuration(os.Getenv(childWindowEnv)); err == nil {
		a.signalWindow = w
	}
	return a.dispatch(os.Args[1:], os.Stdout, os.Stderr)
}

// The rule itself, on a clock of our own: the first signal stops, a
// repeat within the window is ignored, a later one exits.
func TestSignalGate(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := signalGate{window: 2 * time.Second}
	for _, c := range []struct {
		after time.Duration
		want  signalAction
	}{
		{0, signalStop},
		{0, signalIgnore}, // two at once (a process group's Ctrl-C and a trap's SIGTERM)
		{3 * time.Millisecond, signalIgnore},
		{1999 * time.Millisecond, signalIgnore},
		{2 * time.Second, signalExit}, // an operator insisting
		{time.Hour, signalExit},
	} {
		if got := g.on(t0.Add(c.after)); got != c.want {
			t.Errorf("signal %v after the first: %v, want %v", c.after, got, c.want)
		}
	}
}

// Issue 21.9: Ctrl-C on make demo-serial sent SIGINT to the process group
// and the Makefile's trap a SIGTERM 3 ms later; the robot exited without
// its final flush. Two signals at once now stop it once, flush included.
func TestTwoSignalsAtOnceStillFlush(t *testing.T) {
	endToEnd(t)
	for _, pair := range [][2]syscall.Signal{{syscall.SIGINT, syscall.SIGTERM}, {syscall.SIGTERM, syscall.SIGTERM}} {
		t.Run(pair[0].String()+"+"+pair[1].String(), func(t *testing.T) {
			dir := t.TempDir()
			p := startRosys(t, "--data-dir", dir)
			if code, body := p.do("PUT", "/api/modules/model", `{"value": 4.25}`); code != 200 {
				t.Fatalf("PUT: %d %v", code, body)
			}
			if err := p.cmd.Process.Signal(pair[0]); err != nil {
				t.Fatal(err)
			}
			time.Sleep(3 * time.Millisecond)
			code, _ := p.stop(pair[1])
			if code != 0 {
				t.Fatalf("exit %d, want 0; log:\n%s", code, p.log())
			}
			if v := persistencetest.StoredValue(t, dir, "model"); v != 4.25 {
				t.Fatalf("model.json holds %v, want the value PUT before the signals (4.25); log:\n%s", v, p.log())
			}
			if pair[0] != pair[1] {
				// Two of one kind may merge into one pending signal in
				// the kernel; two kinds are both delivered.
				p.waitLog("signal again within 2s of the first; ignored, the stop and final flush go on")
			}
		})
	}
}

// A repeat after the window is an operator insisting: the robot exits at
// once, without the flush, and says so. Before the window, it is ignored
// even while the shutdown hangs.
func TestLateSecondSignalExitsAtOnce(t *testing.T) {
	endToEnd(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const window = 300 * time.Millisecond
	dir := t.TempDir()
	cmd := testexec.Command(self, "run", "--http", "127.0.0.1:0", "--data-dir", dir)
	cmd.Env = append(os.Environ(), childEnv+"=1", childWindowEnv+"="+window.String())
	p := start(t, cmd)
	p.waitLog("http listening")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Sent at once: within the window however slow the machine is.
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	p.waitLog("in slow stop") // shutdown is under way and hangs
	p.waitLog("signal again within " + window.String() + " of the first; ignored, the stop and final flush go on")
	// The child took the time of the first signal before it logged this
	// line, so the window has surely passed window after now.
	seen := time.Now()
	select {
	case <-p.done:
		t.Fatalf("a repeat within the window ended the process; log:\n%s", p.log())
	default:
	}
	time.Sleep(window - time.Since(seen) + 10*time.Millisecond)
	code, _ := p.stop(syscall.SIGINT)
	if code != 128+int(syscall.SIGINT) {
		t.Fatalf("exit %d after the late signal, want %d; log:\n%s", code, 128+int(syscall.SIGINT), p.log())
	}
	line := p.waitLog("signal again " + window.String() + " or more after the first (an operator insisting); exiting without a final flush")
	if line["signal"] != "interrupt" {
		t.Fatalf("log line %v", line)
	}
}
