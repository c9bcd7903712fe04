package main

import (
	"context"
	"fmt"
	"github.com/gorosys/rosys/internal/testexec"
	"os"
	"syscall"
	"testing"

	"github.com/gorosys/rosys/rosys"
)

// childEnv makes the test binary act as rosys with one extra module whose
// Stop never returns, so a test can signal a second time during shutdown.
const childEnv = "ROSYS_E2E_SLOW_STOP_CHILD"

type neverStops struct{}

func (neverStops) Stop(ctx context.Context) error {
	fmt.Fprintln(os.Stderr, `{"msg":"in slow stop"}`)
	select {}
}

func childMain() int {
	a := app{extraModules: func(rt *rosys.Runtime) error { return rt.Add("never_stops", neverStops{}) }}
	return a.dispatch(os.Args[1:], os.Stdout, os.Stderr)
}

func TestSecondSignalExitsAtOnce(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := testexec.Command(self, "run", "--http", "127.0.0.1:0", "--data-dir", dir)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	p := start(t, cmd)
	p.waitLog("http listening")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.waitLog("in slow stop") // shutdown is under way and hangs
	code, _ := p.stop(syscall.SIGINT)
	if code != 128+int(syscall.SIGINT) {
		t.Fatalf("exit %d after the second signal, want %d", code, 128+int(syscall.SIGINT))
	}
}
