package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

// withoutFileCapabilities returns fn wrapped to run with file permissions
// enforced even when the test runs as root (as CI does): on a locked OS
// thread it sets the file-system user id to nobody, which makes the kernel
// drop CAP_DAC_OVERRIDE for that thread only. The thread is never unlocked,
// so it exits with its goroutine and nothing else ever runs with it.
func withoutFileCapabilities(t *testing.T, dir string, fn func() error) func() error {
	if os.Geteuid() != 0 {
		return fn
	}
	// nobody must be able to rename inside dir to move the bad file aside.
	// (t.TempDir's parent is 0700: let nobody through it.)
	if err := os.Chmod(filepath.Dir(dir), 0o711); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	return func() error {
		type result struct{ probe, err error }
		done := make(chan result)
		go func() {
			runtime.LockOSThread()
			syscall.RawSyscall(syscall.SYS_SETFSUID, 65534, 0, 0)
			// Prove that permissions are now enforced.
			_, probe := os.ReadFile(dir + "/m.json")
			done <- result{probe, fn()}
		}()
		r := <-done
		if !errors.Is(r.probe, os.ErrPermission) {
			t.Fatalf("could not drop file capabilities; probe read gave %v", r.probe)
		}
		return r.err
	}
}
