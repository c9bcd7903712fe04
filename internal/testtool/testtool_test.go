package testtool

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// outcome records how a test ended through the TB it was given.
type outcome struct {
	testing.TB
	skipped, failed, logged string
}

func (o *outcome) Helper() {}
func (o *outcome) Skipf(f string, a ...any) {
	o.skipped = fmt.Sprintf(f, a...)
	runtime.Goexit()
}
func (o *outcome) Fatalf(f string, a ...any) {
	o.failed = fmt.Sprintf(f, a...)
	runtime.Goexit()
}
func (o *outcome) Logf(f string, a ...any) { o.logged = fmt.Sprintf(f, a...) }

// run calls fn as a test would, on its own goroutine, so that Skipf and
// Fatalf can end it.
func run(t *testing.T, fn func(tb testing.TB)) *outcome {
	o := &outcome{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(o)
	}()
	<-done
	return o
}

func TestCI(t *testing.T) {
	for v, want := range map[string]bool{"": false, "true": true, "1": true, "yes": true, "false": false, "0": false, "FALSE": false} {
		t.Setenv("CI", v)
		if CI() != want {
			t.Errorf("CI=%q: CI() = %v", v, !want)
		}
	}
}

var missing = Tool{Name: "rosys-no-such-tool", Paths: []string{"/nonexistent/rosys-no-such-tool"}, Install: "nothing installs it"}

func TestMissingToolSkipsLocallyAndFailsUnderCI(t *testing.T) {
	t.Setenv("CI", "")
	o := run(t, func(tb testing.TB) { Require(tb, missing) })
	if o.failed != "" || !strings.Contains(o.skipped, "rosys-no-such-tool is not installed (nothing installs it)") {
		t.Fatalf("locally: skipped %q, failed %q", o.skipped, o.failed)
	}
	o = run(t, func(tb testing.TB) { Find(tb, missing) })
	if o.failed != "" || o.skipped != "" || !strings.Contains(o.logged, "left out") {
		t.Fatalf("Find locally: %+v", o)
	}

	t.Setenv("CI", "true")
	for name, fn := range map[string]func(testing.TB){
		"Require": func(tb testing.TB) { Require(tb, missing) },
		"Find":    func(tb testing.TB) { Find(tb, missing) },
		"Missing": func(tb testing.TB) { Missing(tb, "no %s here", "namespace") },
	} {
		o := run(t, fn)
		if o.skipped != "" || !strings.Contains(o.failed, "CI") {
			t.Errorf("%s under CI: skipped %q, failed %q", name, o.skipped, o.failed)
		}
	}
}

func TestToolFoundOnExtraPathsAndAbsolute(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "rosys-tool")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CI", "true")
	if p := Require(t, Tool{Name: "rosys-tool", Paths: []string{"/nonexistent/x", bin}}); p != bin {
		t.Fatalf("found %q, want %q", p, bin)
	}
	if p := Require(t, Tool{Name: bin}); p != bin {
		t.Fatalf("absolute: %q", p)
	}
	// Not executable, or a directory: not the tool.
	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, nil, 0o644)
	for _, p := range []string{plain, dir} {
		if got := (Tool{Name: p}).Path(); got != "" {
			t.Errorf("%s taken as a tool", p)
		}
	}
}
